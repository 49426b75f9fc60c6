//! Fuzz target: the roster import never panics on any bytes (any encoding, separators, quotes),
//! every line it names is a line after the header, in file order, and an accepted roster turns
//! into members.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use urne_core::rand_core::SeedableRng;
use urne_core::tally::Lang;
use urne_organiser::roster_csv;

fuzz_target!(|data: &[u8]| {
    let Ok(import) = roster_csv::read(data) else {
        return;
    };
    let mut last = 1;
    for row in &import.rows {
        assert!(row.line > last, "rows in file order after the header: {:?}", import.rows);
        assert!(!row.last_name.is_empty());
        assert!(row.weight > 0);
        last = row.line;
    }
    for error in &import.errors {
        assert!(error.line >= 2, "the header is line 1: {error:?}");
        let _ = error.message(Lang::Fr);
        let _ = error.message(Lang::En);
    }
    let roster = import.into_roster(&mut ChaCha20Rng::seed_from_u64(1));
    assert_eq!(roster.members.len(), import.rows.len());
});
