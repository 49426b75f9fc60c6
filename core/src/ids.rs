//! Identifiers of events, members, polls and options, validated at the boundary.
//!
//! Slugs (`EventId`, `PollId`, `OptionId`) are short, lowercase ASCII so that they can appear in
//! file names, URLs and JSON keys without escaping. Member ids are random 128-bit values: they
//! are printed on badges and must not be guessable from a name or a position in the roster.

use std::fmt;
use std::str::FromStr;

use rand_core::{CryptoRng, Rng};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The slug is empty, too long, or uses characters other than `a-z`, `0-9` and `-`.
    #[error("« {value} » is not a valid {kind}: use 1 to {max} characters among a-z, 0-9 and '-'")]
    BadSlug {
        /// What kind of identifier was expected.
        kind: &'static str,
        /// The refused text.
        value: String,
        /// The maximum length for this kind.
        max: usize,
    },
    /// A member id is not 32 hexadecimal digits.
    #[error("« {0} » is not a member id (32 hexadecimal digits)")]
    BadMemberId(String),
}

fn check_slug(kind: &'static str, value: &str, max: usize) -> Result<(), IdError> {
    let ok = !value.is_empty()
        && value.len() <= max
        && !value.starts_with('-')
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(IdError::BadSlug {
            kind,
            value: value.to_owned(),
            max,
        })
    }
}

macro_rules! slug_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The longest accepted identifier, in bytes.
            pub const MAX_LEN: usize = $max;

            /// Validates and wraps a slug.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                check_slug($kind, &value, $max)?;
                Ok(Self(value))
            }

            /// The slug as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

slug_type!(
    /// The identifier of an event (an assembly, a banquet), e.g. `bellevue-2026-12-05`.
    EventId,
    "event id",
    48
);
slug_type!(
    /// The identifier of a poll (scrutin) within an event, e.g. `charte`.
    PollId,
    "poll id",
    32
);
slug_type!(
    /// The identifier of an option, candidate or project within a poll.
    OptionId,
    "option id",
    32
);

/// A member's identifier: 128 random bits, written as 32 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberId([u8; 16]);

impl MemberId {
    /// Wraps raw bytes (as read from a badge or the store).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// Draws a fresh id from the given cryptographic random source.
    pub fn random<R: Rng + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses 32 hexadecimal digits.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|_| IdError::BadMemberId(text.to_owned()))?;
        Ok(Self(bytes))
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberId({self})")
    }
}

impl FromStr for MemberId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for MemberId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for MemberId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_lowercase_digits_and_dashes_only() {
        assert!(EventId::new("bellevue-2026-12-05").is_ok());
        assert!(PollId::new("charte").is_ok());
        for bad in ["", "Charte", "é", "a b", "-x", "a_b", &"x".repeat(33)] {
            assert!(PollId::new(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn member_ids_round_trip_through_text_and_json() {
        let id = MemberId::from_bytes([0xab; 16]);
        let text = id.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(MemberId::parse(&text).unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<MemberId>(&json).unwrap(), id);
        assert!(MemberId::parse("abc").is_err());
    }
}
