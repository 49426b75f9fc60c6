//! The languages Urne writes in for people: French, the default, and English.

use serde::{Deserialize, Serialize};

/// The language of a human-readable report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lang {
    /// French (the default).
    #[default]
    Fr,
    /// English.
    En,
}
