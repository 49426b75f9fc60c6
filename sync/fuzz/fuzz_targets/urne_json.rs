//! Fuzz target: the parser of Urne's ballot JSON never panics, and a file it accepts is always
//! counted by the engine and printed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne_organiser::ballot_files::{count, render_json, urne_json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((poll, ballots)) = urne_json::parse(text) {
        if poll.kind.option_ids().len() > 30 || ballots.len() > 200 {
            return;
        }
        let result = count(&poll, &ballots).expect("a parsed ballot file always counts");
        let _ = render_json(&result);
    }
});
