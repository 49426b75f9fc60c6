//! Counting rules: exact fractions, quorum and the majority required to adopt a motion.
//!
//! Every decision is taken with integer arithmetic on weights (`u64`, widened to `u128` for
//! products), never with floating point, so that an auditor re-counting by hand gets the same
//! answer to the unit.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A fraction with a zero denominator, or greater than one.
    #[error("« {0} » is not a fraction between 0 and 1 (write it like 2/3)")]
    BadFraction(String),
}

/// A fraction `num/den` with `0 <= num <= den` and `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    num: u64,
    den: u64,
}

impl Fraction {
    /// One half.
    pub const HALF: Fraction = Fraction { num: 1, den: 2 };
    /// Two thirds.
    pub const TWO_THIRDS: Fraction = Fraction { num: 2, den: 3 };
    /// Three fifths.
    pub const THREE_FIFTHS: Fraction = Fraction { num: 3, den: 5 };

    /// Builds `num/den`, refusing a zero denominator or a value above one.
    pub fn new(num: u64, den: u64) -> Result<Self, RuleError> {
        if den == 0 || num > den {
            return Err(RuleError::BadFraction(format!("{num}/{den}")));
        }
        Ok(Self { num, den })
    }

    /// Parses `a/b`.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let bad = || RuleError::BadFraction(text.to_owned());
        let (a, b) = text.split_once('/').ok_or_else(bad)?;
        let num = a.trim().parse().map_err(|_| bad())?;
        let den = b.trim().parse().map_err(|_| bad())?;
        Self::new(num, den).map_err(|_| bad())
    }

    /// The numerator.
    pub fn num(&self) -> u64 {
        self.num
    }

    /// The denominator.
    pub fn den(&self) -> u64 {
        self.den
    }

    /// The smallest integer `n` with `n >= self * base`.
    pub fn ceil_of(&self, base: u64) -> u64 {
        let product = u128::from(self.num) * u128::from(base);
        let den = u128::from(self.den);
        // num <= den, so the result never exceeds `base` and fits in u64.
        u64::try_from(product.div_ceil(den)).unwrap_or(u64::MAX)
    }

    /// The smallest integer `n` with `n > self * base`.
    pub fn above(&self, base: u64) -> u64 {
        let product = u128::from(self.num) * u128::from(base);
        let den = u128::from(self.den);
        u64::try_from(product / den + 1).unwrap_or(u64::MAX)
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

impl Serialize for Fraction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The minimum attendance for a poll's result to stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Quorum {
    /// How many members must be there.
    pub minimum: QuorumMinimum,
    /// Whether members represented by a proxy count towards the quorum.
    pub count_proxies: bool,
}

/// How the quorum's minimum is stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuorumMinimum {
    /// A fixed number of members.
    Count(u64),
    /// A share of the members on the roster, rounded up (one third of 150 is 50).
    ShareOfMembers(Fraction),
}

/// Attendance at one moment: members present in the hall and members represented by a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    /// Members checked in and not checked out.
    pub present: u64,
    /// Absent members whose proxy is held by someone present.
    pub represented: u64,
}

/// The quorum measured at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumCheck {
    /// The members that count towards the quorum at that moment.
    pub counted: u64,
    /// The minimum required.
    pub required: u64,
    /// `counted >= required`.
    pub reached: bool,
}

impl Quorum {
    /// The number of members required, for a roster of `members`.
    pub fn required(&self, members: u64) -> u64 {
        match self.minimum {
            QuorumMinimum::Count(n) => n,
            QuorumMinimum::ShareOfMembers(share) => share.ceil_of(members),
        }
    }

    /// Measures the quorum for the given attendance.
    pub fn check(&self, members: u64, attendance: Attendance) -> QuorumCheck {
        let counted = if self.count_proxies {
            attendance.present.saturating_add(attendance.represented)
        } else {
            attendance.present
        };
        let required = self.required(members);
        QuorumCheck {
            counted,
            required,
            reached: counted >= required,
        }
    }
}

/// What the votes « pour » are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MajorityBase {
    /// The votes expressed (suffrages exprimés): for + against, plus blank if configured.
    Expressed,
    /// Every member on the roster (majorité absolue des membres).
    Members,
}

/// How large the share of « pour » must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Threshold {
    /// Strictly more than the fraction of the base (« plus de la moitié »).
    MoreThan(Fraction),
    /// At least the fraction of the base (« au moins les deux tiers »).
    AtLeast(Fraction),
}

/// The rule that decides whether a motion is adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MajorityRule {
    /// What « pour » is compared with.
    pub base: MajorityBase,
    /// The share required.
    pub threshold: Threshold,
    /// Whether blank votes count as expressed (they do not in French public elections, but
    /// many associations' statutes say otherwise).
    pub blank_is_expressed: bool,
}

impl MajorityRule {
    /// Simple majority of the votes expressed: more than half.
    pub const SIMPLE: MajorityRule = MajorityRule {
        base: MajorityBase::Expressed,
        threshold: Threshold::MoreThan(Fraction::HALF),
        blank_is_expressed: false,
    };
    /// Absolute majority of the members: more than half of the roster.
    pub const ABSOLUTE: MajorityRule = MajorityRule {
        base: MajorityBase::Members,
        threshold: Threshold::MoreThan(Fraction::HALF),
        blank_is_expressed: false,
    };
    /// Two thirds of the votes expressed.
    pub const TWO_THIRDS: MajorityRule = MajorityRule {
        base: MajorityBase::Expressed,
        threshold: Threshold::AtLeast(Fraction::TWO_THIRDS),
        blank_is_expressed: false,
    };

    /// The smallest weight of « pour » that adopts the motion for the given base; never zero,
    /// so that a motion nobody supported is never adopted.
    pub fn required_for(&self, base: u64) -> u64 {
        let needed = match self.threshold {
            Threshold::MoreThan(f) => f.above(base),
            Threshold::AtLeast(f) => f.ceil_of(base),
        };
        needed.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_round_the_right_way() {
        let third = Fraction::new(1, 3).unwrap();
        assert_eq!(third.ceil_of(150), 50);
        assert_eq!(third.ceil_of(151), 51);
        assert_eq!(Fraction::HALF.above(47), 24);
        assert_eq!(Fraction::HALF.above(48), 25);
        assert_eq!(Fraction::TWO_THIRDS.ceil_of(30), 20);
        assert_eq!(Fraction::TWO_THIRDS.ceil_of(31), 21);
        assert!(Fraction::parse("3/2").is_err());
        assert!(Fraction::parse("1/0").is_err());
        assert_eq!(Fraction::parse(" 3 / 5 ").unwrap(), Fraction::THREE_FIFTHS);
    }

    #[test]
    fn a_motion_nobody_supports_is_never_adopted() {
        assert_eq!(MajorityRule::TWO_THIRDS.required_for(0), 1);
        assert_eq!(MajorityRule::SIMPLE.required_for(0), 1);
    }

    #[test]
    fn quorum_counts_proxies_only_when_asked() {
        let q = Quorum {
            minimum: QuorumMinimum::ShareOfMembers(Fraction::new(1, 3).unwrap()),
            count_proxies: true,
        };
        let a = Attendance {
            present: 45,
            represented: 5,
        };
        assert!(q.check(150, a).reached);
        let strict = Quorum {
            count_proxies: false,
            ..q
        };
        let check = strict.check(150, a);
        assert_eq!(
            (check.counted, check.required, check.reached),
            (45, 50, false)
        );
    }
}
