//! Tells urne-tests the target it is built for, so that `binary` builds a missing binary for
//! that same target when the tests are cross-built (deploy/cross-test.sh).

fn main() {
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=URNE_TESTS_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
