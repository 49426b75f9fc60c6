//! The two arithmetics an Equal Shares run is done in: exact big rationals, and integer
//! intervals certain to contain the exact values, which say when they cannot decide.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;

/// A comparison that interval arithmetic could not decide: the run is redone exactly.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ambiguous;

/// The arithmetic an Equal Shares run needs, done exactly or on certain intervals.
pub(super) trait Money: Clone {
    type Hint: Ord;
    fn ratio(num: u128, den: u128, scale: u32) -> Result<Self, Ambiguous>;
    fn zero() -> Self;
    fn add(&self, other: &Self) -> Result<Self, Ambiguous>;
    fn sub(&self, other: &Self) -> Result<Self, Ambiguous>;
    fn mul(&self, k: u64) -> Result<Self, Ambiguous>;
    fn div(&self, k: u64) -> Result<Self, Ambiguous>;
    fn compare(&self, other: &Self) -> Result<Ordering, Ambiguous>;
    /// Whether the value is certainly exactly zero.
    fn is_exact_zero(&self) -> bool;
    /// A key that orders values consistently with `compare` whenever `compare` is certain.
    fn hint(&self) -> Self::Hint;
}

/// Exact big rationals.
#[derive(Debug, Clone)]
pub(super) struct Exact(pub(super) BigRational);

impl Money for Exact {
    type Hint = BigRational;
    fn ratio(num: u128, den: u128, _: u32) -> Result<Self, Ambiguous> {
        Ok(Exact(BigRational::new(
            BigInt::from(num),
            BigInt::from(den),
        )))
    }
    fn zero() -> Self {
        Exact(BigRational::zero())
    }
    fn add(&self, o: &Self) -> Result<Self, Ambiguous> {
        Ok(Exact(&self.0 + &o.0))
    }
    fn sub(&self, o: &Self) -> Result<Self, Ambiguous> {
        Ok(Exact(&self.0 - &o.0))
    }
    fn mul(&self, k: u64) -> Result<Self, Ambiguous> {
        Ok(Exact(&self.0 * BigRational::from_integer(BigInt::from(k))))
    }
    fn div(&self, k: u64) -> Result<Self, Ambiguous> {
        Ok(Exact(&self.0 / BigRational::from_integer(BigInt::from(k))))
    }
    fn compare(&self, o: &Self) -> Result<Ordering, Ambiguous> {
        Ok(self.0.cmp(&o.0))
    }
    fn is_exact_zero(&self) -> bool {
        self.0.is_zero()
    }
    fn hint(&self) -> BigRational {
        self.0.clone()
    }
}

/// A closed interval `[lo, hi] / 2^scale` certain to contain the exact value.
#[derive(Debug, Clone, Copy)]
pub(super) struct Interval {
    pub(super) lo: i128,
    pub(super) hi: i128,
}

impl Money for Interval {
    type Hint = i128;
    fn ratio(num: u128, den: u128, scale: u32) -> Result<Self, Ambiguous> {
        let scaled = num.checked_mul(1u128 << scale).ok_or(Ambiguous)?;
        let lo = i128::try_from(scaled / den).map_err(|_| Ambiguous)?;
        let hi = i128::try_from(scaled.div_ceil(den)).map_err(|_| Ambiguous)?;
        Ok(Interval { lo, hi })
    }
    fn zero() -> Self {
        Interval { lo: 0, hi: 0 }
    }
    fn add(&self, o: &Self) -> Result<Self, Ambiguous> {
        Ok(Interval {
            lo: self.lo.checked_add(o.lo).ok_or(Ambiguous)?,
            hi: self.hi.checked_add(o.hi).ok_or(Ambiguous)?,
        })
    }
    fn sub(&self, o: &Self) -> Result<Self, Ambiguous> {
        Ok(Interval {
            lo: self.lo.checked_sub(o.hi).ok_or(Ambiguous)?,
            hi: self.hi.checked_sub(o.lo).ok_or(Ambiguous)?,
        })
    }
    fn mul(&self, k: u64) -> Result<Self, Ambiguous> {
        let k = i128::from(k);
        Ok(Interval {
            lo: self.lo.checked_mul(k).ok_or(Ambiguous)?,
            hi: self.hi.checked_mul(k).ok_or(Ambiguous)?,
        })
    }
    fn div(&self, k: u64) -> Result<Self, Ambiguous> {
        let k = i128::from(k);
        if k == 0 {
            return Err(Ambiguous);
        }
        Ok(Interval {
            lo: self.lo.div_euclid(k),
            hi: -((-self.hi).div_euclid(k)),
        })
    }
    fn compare(&self, o: &Self) -> Result<Ordering, Ambiguous> {
        if self.hi < o.lo {
            Ok(Ordering::Less)
        } else if self.lo > o.hi {
            Ok(Ordering::Greater)
        } else if self.lo == self.hi && o.lo == o.hi {
            // Both exact and overlapping: the same value.
            Ok(Ordering::Equal)
        } else {
            Err(Ambiguous)
        }
    }
    fn is_exact_zero(&self) -> bool {
        self.lo == 0 && self.hi == 0
    }
    fn hint(&self) -> i128 {
        self.lo
    }
}
