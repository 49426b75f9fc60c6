//! Fuzz target: the PrefLib parser never panics, whatever the text and the kind of file, and a
//! file it accepts is always counted by the engine (the parser's checks cover the engine's).
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne_organiser::ballot_files::{count, preflib};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let kinds = [
        None,
        Some(preflib::OrderKind::Soc),
        Some(preflib::OrderKind::Soi),
        Some(preflib::OrderKind::Toc),
        Some(preflib::OrderKind::Toi),
    ];
    for kind in kinds {
        if let Ok((poll, ballots)) = preflib::parse(text, kind) {
            // Schulze is cubic in the candidates: count the small polls, which are what a
            // fuzzer finds anyway, so that each run stays fast.
            if poll.kind.option_ids().len() <= 30 {
                count(&poll, &ballots).expect("a parsed PrefLib file always counts");
            }
        }
    }
});
