//! Points in time, passed in by the caller: urne-core never reads a clock.
//!
//! A `Timestamp` is whole seconds since the Unix epoch, UTC, and is written as RFC 3339
//! (`2026-12-05T20:14:03Z`) in every file Urne produces. Ballots never carry one.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Parses an RFC 3339 date-time (any offset; stored as UTC). A time whose UTC date falls
    /// outside the years 0000 to 9999 is refused: RFC 3339 could not write it back.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let seconds = OffsetDateTime::parse(text, &Rfc3339).ok()?.unix_timestamp();
        // Out of the crate's range (past 9999) is an error here, not a panic.
        let utc = OffsetDateTime::from_unix_timestamp(seconds).ok()?;
        (0..=9999).contains(&utc.year()).then_some(Self(seconds))
    }

    /// Formats as RFC 3339 in UTC with a `Z` suffix.
    pub fn to_rfc3339(self) -> String {
        match OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => t.format(&Rfc3339).unwrap_or_else(|_| self.0.to_string()),
            // Out of the representable range: fall back to the raw number rather than panic.
            Err(_) => self.0.to_string(),
        }
    }

    /// `self + seconds`, saturating.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds))
    }

    /// The calendar date `YYYY-MM-DD` in UTC.
    pub fn date_utc(self) -> String {
        let text = self.to_rfc3339();
        text.get(..10).unwrap_or(&text).to_owned()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("« {s} » is not an RFC 3339 time")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = Timestamp(1_796_501_643);
        let text = t.to_rfc3339();
        assert_eq!(text, "2026-12-05T20:14:03Z");
        assert_eq!(Timestamp::parse_rfc3339(&text), Some(t));
        assert_eq!(
            Timestamp::parse_rfc3339("2026-12-05T21:14:03+01:00"),
            Some(t)
        );
        assert_eq!(t.date_utc(), "2026-12-05");
    }

    #[test]
    fn a_time_that_could_not_be_written_back_is_refused() {
        // Both read as RFC 3339, but their UTC dates are in the years -1 and 10000.
        assert_eq!(Timestamp::parse_rfc3339("0000-01-01T00:00:00+01:00"), None);
        assert_eq!(Timestamp::parse_rfc3339("9999-12-31T23:30:00-01:00"), None);
        for edge in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
            let t = Timestamp::parse_rfc3339(edge).unwrap();
            assert_eq!(t.to_rfc3339(), edge);
        }
    }
}
