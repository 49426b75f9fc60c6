//! Fuzz target: the pabulib parser never panics, and a file it accepts is always counted by the
//! engine, with greedy and with Equal Shares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne_organiser::ballot_files::{Method, apply_method, count, pabulib};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((mut poll, ballots)) = pabulib::parse(text) {
        // Equal Shares reruns itself during its completion: keep the counted polls small.
        if poll.kind.option_ids().len() > 20 || ballots.len() > 200 {
            return;
        }
        for method in [Method::Greedy, Method::EqualShares] {
            apply_method(&mut poll, method).expect("a budget takes both allocations");
            count(&poll, &ballots).expect("a parsed pabulib file always counts");
        }
    }
});
