//! Checked fixed-point arithmetic: a 128x128->256 bit multiply-divide with an explicit
//! rounding direction, for both unsigned and signed operands.
//!
//! Rounding direction is always explicit ([`Rounding`]): callers pick the direction that
//! favours the protocol, and the function names at call sites say which (`_floor`,
//! `_ceil`).

use crate::{EngineError, EngineResult};

/// Which way a division rounds. For signed values `Floor` is toward minus infinity and
/// `Ceil` toward plus infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Toward minus infinity.
    Floor,
    /// Toward plus infinity.
    Ceil,
}

impl Rounding {
    /// The opposite direction (used when a value is negated).
    pub fn flip(self) -> Self {
        match self {
            Rounding::Floor => Rounding::Ceil,
            Rounding::Ceil => Rounding::Floor,
        }
    }
}

const LOW64: u128 = u64::MAX as u128;

/// Full 256-bit product of two `u128`, as `(high, low)`.
pub fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & LOW64);
    let (b1, b0) = (b >> 64, b & LOW64);
    // Each partial product of two 64-bit halves fits in u128.
    let p00 = a0.wrapping_mul(b0);
    let p01 = a0.wrapping_mul(b1);
    let p10 = a1.wrapping_mul(b0);
    let p11 = a1.wrapping_mul(b1);
    // mid < 3 * 2^64, no overflow.
    let mid = (p00 >> 64).wrapping_add(p01 & LOW64).wrapping_add(p10 & LOW64);
    let low = (p00 & LOW64) | (mid << 64);
    let high = p11
        .wrapping_add(p01 >> 64)
        .wrapping_add(p10 >> 64)
        .wrapping_add(mid >> 64);
    (high, low)
}

/// Divides the 256-bit `(high, low)` by `d`, returning `(quotient, remainder)`.
/// Requires `high < d` so the quotient fits in `u128`. Bounded loop of 128 steps,
/// taken only when the product does not fit in 128 bits.
fn div_wide(high: u128, low: u128, d: u128) -> EngineResult<(u128, u128)> {
    if d == 0 {
        return Err(EngineError::DivisionByZero);
    }
    if high == 0 {
        let q = low.checked_div(d).ok_or(EngineError::DivisionByZero)?;
        let r = low.checked_rem(d).ok_or(EngineError::DivisionByZero)?;
        return Ok((q, r));
    }
    if high >= d {
        return Err(EngineError::MathOverflow);
    }
    let mut rem = high;
    let mut quot: u128 = 0;
    let mut i: u32 = 128;
    while i > 0 {
        i = i.wrapping_sub(1);
        let carry = rem >> 127;
        rem = (rem << 1) | ((low >> i) & 1);
        quot <<= 1;
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            quot |= 1;
        }
    }
    Ok((quot, rem))
}

/// `a * b / d` rounded as asked, with a 256-bit intermediate.
pub fn mul_div(a: u128, b: u128, d: u128, rounding: Rounding) -> EngineResult<u128> {
    let (high, low) = mul_wide(a, b);
    let (q, r) = div_wide(high, low, d)?;
    if rounding == Rounding::Ceil && r != 0 {
        q.checked_add(1).ok_or(EngineError::MathOverflow)
    } else {
        Ok(q)
    }
}

/// `a * b / d` rounded down.
pub fn mul_div_floor(a: u128, b: u128, d: u128) -> EngineResult<u128> {
    mul_div(a, b, d, Rounding::Floor)
}

/// `a * b / d` rounded up.
pub fn mul_div_ceil(a: u128, b: u128, d: u128) -> EngineResult<u128> {
    mul_div(a, b, d, Rounding::Ceil)
}

/// Signed `a * b / d` for a non-negative `b` and positive `d`, rounded toward minus
/// infinity (`Floor`) or plus infinity (`Ceil`).
pub fn mul_div_signed(a: i128, b: u128, d: u128, rounding: Rounding) -> EngineResult<i128> {
    let magnitude_rounding = if a < 0 { rounding.flip() } else { rounding };
    let m = mul_div(a.unsigned_abs(), b, d, magnitude_rounding)?;
    let m = i128::try_from(m).map_err(|_| EngineError::MathOverflow)?;
    Ok(if a < 0 { m.wrapping_neg() } else { m })
}

/// Narrows a `u128` to `u64`.
pub fn to_u64(x: u128) -> EngineResult<u64> {
    u64::try_from(x).map_err(|_| EngineError::MathOverflow)
}

/// Narrows an `i128` to `i64`.
pub fn to_i64(x: i128) -> EngineResult<i64> {
    i64::try_from(x).map_err(|_| EngineError::MathOverflow)
}

/// Converts a `u128` to `i128`.
pub fn to_i128(x: u128) -> EngineResult<i128> {
    i128::try_from(x).map_err(|_| EngineError::MathOverflow)
}

/// Checked arithmetic that reports overflow as [`EngineError::MathOverflow`].
pub trait SafeMath: Sized {
    /// `self + rhs`.
    fn add_c(self, rhs: Self) -> EngineResult<Self>;
    /// `self - rhs`.
    fn sub_c(self, rhs: Self) -> EngineResult<Self>;
    /// `self * rhs`.
    fn mul_c(self, rhs: Self) -> EngineResult<Self>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl SafeMath for $t {
            #[inline]
            fn add_c(self, rhs: Self) -> EngineResult<Self> {
                self.checked_add(rhs).ok_or(EngineError::MathOverflow)
            }
            #[inline]
            fn sub_c(self, rhs: Self) -> EngineResult<Self> {
                self.checked_sub(rhs).ok_or(EngineError::MathOverflow)
            }
            #[inline]
            fn mul_c(self, rhs: Self) -> EngineResult<Self> {
                self.checked_mul(rhs).ok_or(EngineError::MathOverflow)
            }
        }
    )*};
}
impl_safe_math!(u64, i64, u128, i128, u32, i32);

/// `10^exp` as `u128`.
pub fn pow10(exp: u32) -> EngineResult<u128> {
    10u128.checked_pow(exp).ok_or(EngineError::MathOverflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mul_div_small_values_round_both_ways() {
        assert_eq!(mul_div_floor(7, 3, 2), Ok(10));
        assert_eq!(mul_div_ceil(7, 3, 2), Ok(11));
        assert_eq!(mul_div_ceil(6, 3, 2), Ok(9));
        assert_eq!(mul_div_floor(1, 1, 0), Err(EngineError::DivisionByZero));
    }

    #[test]
    fn mul_div_uses_wide_intermediate() {
        // (2^127) * 6 / 3 = 2^128 overflows u128 as a result.
        assert_eq!(mul_div_floor(1u128 << 127, 6, 3), Err(EngineError::MathOverflow));
        // (2^127) * 6 / 12 = 2^126, fits although the product does not.
        assert_eq!(mul_div_floor(1u128 << 127, 6, 12), Ok(1u128 << 126));
        // u128::MAX * u128::MAX / u128::MAX = u128::MAX
        assert_eq!(mul_div_floor(u128::MAX, u128::MAX, u128::MAX), Ok(u128::MAX));
        assert_eq!(mul_div_ceil(u128::MAX, 3, 4), Ok(u128::MAX / 4 * 3 + 3));
    }

    #[test]
    fn signed_rounding_is_toward_the_named_infinity() {
        assert_eq!(mul_div_signed(-7, 1, 2, Rounding::Floor), Ok(-4));
        assert_eq!(mul_div_signed(-7, 1, 2, Rounding::Ceil), Ok(-3));
        assert_eq!(mul_div_signed(7, 1, 2, Rounding::Floor), Ok(3));
        assert_eq!(mul_div_signed(7, 1, 2, Rounding::Ceil), Ok(4));
    }

    proptest! {
        #[test]
        fn mul_wide_and_div_wide_agree(a in any::<u128>(), b in any::<u128>(), d in 1u128..) {
            let (h, l) = mul_wide(a, b);
            match div_wide(h, l, d) {
                Ok((q, r)) => {
                    prop_assert!(r < d);
                    // q * d + r == a * b in 256 bits
                    let (qh, ql) = mul_wide(q, d);
                    let (sl, c) = ql.overflowing_add(r);
                    let sh = qh + u128::from(c);
                    prop_assert_eq!((sh, sl), (h, l));
                }
                Err(e) => {
                    prop_assert_eq!(e, EngineError::MathOverflow);
                    prop_assert!(h >= d);
                }
            }
        }

        #[test]
        fn mul_div_matches_u128_when_product_fits(a in any::<u64>(), b in any::<u64>(), d in 1u128..) {
            let p = u128::from(a) * u128::from(b);
            prop_assert_eq!(mul_div_floor(a.into(), b.into(), d), Ok(p / d));
            let ceil = p / d + u128::from(p % d != 0);
            prop_assert_eq!(mul_div_ceil(a.into(), b.into(), d), Ok(ceil));
        }
    }
}
