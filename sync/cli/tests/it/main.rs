//! `urne` end to end: the real binary run on real files (badges read back from the printed
//! sheet, the committed sample bundle verified and tampered with, its procès-verbal, the roster
//! fixtures, ballot files counted), one module per command family in one test binary (linked
//! once, as rust-analyzer keeps its tests).

mod badges_print;
mod keys;
mod parts;
mod pv;
mod roster_fixtures;
mod sample_bundle;
mod tally_cli;
