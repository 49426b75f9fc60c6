//! Compiles the .slint files of `ui/` with the bundled translations of `ui/lang/`.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("../ui/lang")
        .with_style("fluent-light".into())
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        // Element debug info lets the UI tests (and screen readers' tooling) find elements by
        // accessible label.
        .with_debug_info(true);
    slint_build::compile_with_config("../ui/app-window.slint", config)
        .expect("the .slint files compile");
}
