//! The word-level steps of [`super::mul_div`] and the checked multiplies: 64-bit
//! limbs and native 64-bit divisions (SBF has no 128-bit multiply or divide: each is
//! a library call), every one exact.

/// Digit size of the long division: 32 bits, so digit products fit in `u64`.
pub(super) const DIGIT_BITS: u32 = 32;
pub(super) const DIGIT_MASK: u64 = 0xFFFF_FFFF;

pub(super) const M32: u64 = 0xFFFF_FFFF;

/// The halves of a `u128`: `(high, low)`.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)]
pub(super) fn split(x: u128) -> (u64, u64) {
    ((x >> 64) as u64, x as u64)
}

/// `(high << 64) | low`.
#[inline(always)]
pub(super) fn join(high: u64, low: u64) -> u128 {
    (u128::from(high) << 64) | u128::from(low)
}

/// The 128-bit product of two `u64`, as `(high, low)`, from 32-bit halves: SBF has
/// no 64x64->128 multiply, and a `u128` multiplication is a library call
/// (`__multi3`, 36 instructions plus the call) even when both operands fit in 64 bits.
/// One multiplication when both fit in 32 bits, two when one does.
#[inline(always)]
pub(super) fn mul_64(x: u64, y: u64) -> (u64, u64) {
    if (x | y) >> 32 == 0 {
        return (0, x.wrapping_mul(y));
    }
    let (x1, x0) = (x >> 32, x & M32);
    let (y1, y0) = (y >> 32, y & M32);
    if x1 == 0 || y1 == 0 {
        // One operand fits in 32 bits: s * (h << 32 | l) with s, h, l < 2^32.
        let (s, h, l) = if x1 == 0 { (x0, y1, y0) } else { (y0, x1, x0) };
        let pl = s.wrapping_mul(l);
        let ph = s.wrapping_mul(h).wrapping_add(pl >> 32); // < 2^64
        return (ph >> 32, (ph << 32) | (pl & M32));
    }
    let p00 = x0.wrapping_mul(y0);
    let p01 = x0.wrapping_mul(y1);
    let p10 = x1.wrapping_mul(y0);
    let p11 = x1.wrapping_mul(y1);
    // mid < 3 * 2^32, no overflow.
    let mid = (p00 >> 32).wrapping_add(p01 & M32).wrapping_add(p10 & M32);
    let low = (p00 & M32) | (mid << 32);
    let high = p11
        .wrapping_add(p01 >> 32)
        .wrapping_add(p10 >> 32)
        .wrapping_add(mid >> 32);
    (high, low)
}

/// The low 128 bits of `a * b` (the whole product when it fits), from 64-bit limbs.
#[inline(always)]
pub(super) fn mul_lo(a: u128, b: u128) -> u128 {
    let ((a1, a0), (b1, b0)) = (split(a), split(b));
    let (h, l) = mul_64(a0, b0);
    let h = h
        .wrapping_add(a0.wrapping_mul(b1))
        .wrapping_add(a1.wrapping_mul(b0));
    join(h, l)
}

/// Full 256-bit product of two `u128`, as `(high, low)`, from 64-bit limbs: one
/// [`mul_64`] when both fit in 64 bits, two when one does (a price or an index times
/// an amount), four otherwise.
#[inline(always)]
pub(super) fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let ((a1, a0), (b1, b0)) = (split(a), split(b));
    if a1 == 0 || b1 == 0 {
        // s * (h << 64 | l) with s, h, l < 2^64.
        let (s, h, l) = if a1 == 0 { (a0, b1, b0) } else { (b0, a1, a0) };
        let (h0, l0) = mul_64(s, l);
        if h == 0 {
            return (0, join(h0, l0));
        }
        let (h1, l1) = mul_64(s, h);
        let (mid, carry) = h0.overflowing_add(l1);
        // h1 + carry < 2^64: the product is below 2^192.
        return (u128::from(h1.wrapping_add(u64::from(carry))), join(mid, l0));
    }
    let (h00, l00) = mul_64(a0, b0);
    let (h01, l01) = mul_64(a0, b1);
    let (h10, l10) = mul_64(a1, b0);
    let (h11, l11) = mul_64(a1, b1);
    // Limb 1: h00 + l01 + l10, carries into limb 2.
    let (r1, c1) = h00.overflowing_add(l01);
    let (r1, c2) = r1.overflowing_add(l10);
    // Limbs 2 and 3, as a u128: h11 << 64 + l11 + h01 + h10 + carries (< 2^128).
    let upper = join(h11, l11)
        .wrapping_add(u128::from(h01))
        .wrapping_add(u128::from(h10))
        .wrapping_add(u128::from(c1))
        .wrapping_add(u128::from(c2));
    (upper, join(r1, l00))
}

/// `a * b` if it fits in `u128`, from 64-bit limbs (`u128::checked_mul` is two or
/// three `__multi3` calls on SBF).
#[inline(always)]
pub(crate) fn checked_mul_u128(a: u128, b: u128) -> Option<u128> {
    let ((a1, a0), (b1, b0)) = (split(a), split(b));
    let (h, l) = mul_64(a0, b0);
    if a1 == 0 && b1 == 0 {
        return Some(join(h, l));
    }
    if a1 != 0 && b1 != 0 {
        return None;
    }
    // s * (big << 64) + s * small, with s < 2^64.
    let (s, big) = if a1 == 0 { (a0, b1) } else { (b0, a1) };
    let (ch, cl) = mul_64(s, big);
    if ch != 0 {
        return None;
    }
    let (high, carry) = h.overflowing_add(cl);
    if carry {
        return None;
    }
    Some(join(high, l))
}

/// `a * b` if it fits in `u64`, from [`mul_64`]: `u64::checked_mul` is a `__multi3`
/// call on SBF, which has no high-half multiply (and LLVM turns a bound checked by
/// division, `a <= u64::MAX / b`, back into that call).
#[inline(always)]
pub(crate) fn checked_mul_u64(a: u64, b: u64) -> Option<u64> {
    let (h, l) = mul_64(a, b);
    if h == 0 {
        Some(l)
    } else {
        None
    }
}

/// `a * b` if it fits in `i64`, from [`checked_mul_u64`] of the magnitudes.
#[inline(always)]
pub(crate) fn checked_mul_i64(a: i64, b: i64) -> Option<i64> {
    let m = checked_mul_u64(a.unsigned_abs(), b.unsigned_abs())?;
    if (a < 0) != (b < 0) {
        // -m >= i64::MIN: m <= 2^63; 2^63 as i64 is i64::MIN, its own negation.
        if m > i64::MIN.unsigned_abs() {
            return None;
        }
        #[allow(clippy::cast_possible_wrap)]
        Some((m as i64).wrapping_neg())
    } else {
        i64::try_from(m).ok()
    }
}

/// `a * b` if it fits in `i128`, from [`checked_mul_u128`] of the magnitudes.
#[inline(always)]
pub(crate) fn checked_mul_i128(a: i128, b: i128) -> Option<i128> {
    let m = checked_mul_u128(a.unsigned_abs(), b.unsigned_abs())?;
    if (a < 0) != (b < 0) {
        // -m >= i128::MIN: m <= 2^127; 2^127 as i128 is i128::MIN, its own negation.
        if m > i128::MIN.unsigned_abs() {
            return None;
        }
        #[allow(clippy::cast_possible_wrap)]
        Some((m as i128).wrapping_neg())
    } else {
        i128::try_from(m).ok()
    }
}

/// Leading zeros of a non-zero `u64` by halving (SBF has no count-leading-zeros
/// instruction).
#[inline(always)]
#[allow(clippy::arithmetic_side_effects)] // n <= 63, shifts within the word
pub(super) fn clz64(mut x: u64) -> u32 {
    let mut n = 0;
    if x >> 32 == 0 {
        n += 32;
        x <<= 32;
    }
    if x >> 48 == 0 {
        n += 16;
        x <<= 16;
    }
    if x >> 56 == 0 {
        n += 8;
        x <<= 8;
    }
    if x >> 60 == 0 {
        n += 4;
        x <<= 4;
    }
    if x >> 62 == 0 {
        n += 2;
        x <<= 2;
    }
    if x >> 63 == 0 {
        n += 1;
    }
    n
}

/// `(u1 << 64 | u0) / v` and its remainder for `u1 < v` (so the quotient fits in
/// 64 bits): Hacker's Delight's `divlu`, two quotient digits of 32 bits each estimated
/// with one native 64-bit division and corrected at most twice.
#[inline(always)]
#[allow(clippy::arithmetic_side_effects)] // divisions by vn1 >= 2^31
pub(super) fn div_128_64(u1: u64, u0: u64, v: u64) -> (u64, u64) {
    let s = clz64(v);
    // u0 >> (64 - s) is 0 for s == 0 (a shift by 64 is not defined).
    let un32 = if s == 0 { u1 } else { (u1 << s) | (u0 >> (64 - s)) };
    let (q, r) = div_128_64_normalized(un32, u0 << s, v << s);
    (q, r >> s)
}

/// [`div_128_64`] for a normalized divisor (`v >= 2^63`) and `u1 < v`.
#[inline(always)]
#[allow(clippy::arithmetic_side_effects)] // divisions by vn1 >= 2^31
pub(super) fn div_128_64_normalized(un32: u64, un10: u64, v: u64) -> (u64, u64) {
    const B: u64 = 1 << 32;
    let (vn1, vn0) = (v >> 32, v & M32);
    let (un1, un0) = (un10 >> 32, un10 & M32);
    let mut q1 = un32 / vn1;
    let mut rhat = un32.wrapping_sub(q1.wrapping_mul(vn1));
    let mut k = 0;
    while k < 2 && (q1 >= B || q1.wrapping_mul(vn0) > (rhat << 32 | un1)) {
        q1 = q1.wrapping_sub(1);
        rhat = rhat.wrapping_add(vn1);
        if rhat >= B {
            break;
        }
        k += 1;
    }
    let un21 = (un32 << 32 | un1).wrapping_sub(q1.wrapping_mul(v));
    let mut q0 = un21 / vn1;
    let mut rhat = un21.wrapping_sub(q0.wrapping_mul(vn1));
    let mut k = 0;
    while k < 2 && (q0 >= B || q0.wrapping_mul(vn0) > (rhat << 32 | un0)) {
        q0 = q0.wrapping_sub(1);
        rhat = rhat.wrapping_add(vn1);
        if rhat >= B {
            break;
        }
        k += 1;
    }
    let r = (un21 << 32 | un0).wrapping_sub(q0.wrapping_mul(v));
    ((q1 << 32) | q0, r)
}

/// `n / d` and `n % d` for `d != 0`, with native 64-bit divisions wherever the
/// operands allow (a `u128` division is a library call on SBF, about 50 instructions
/// for a 64-bit divisor and 240 for a wider one):
/// - both fit in 64 bits: one division;
/// - a divisor of 32 bits: three digit steps of one division each;
/// - a divisor of 64 bits: one division and [`div_128_64`];
/// - a wider divisor: Hacker's Delight's `divlu64` (one [`div_128_64`] by the
///   divisor's top 64 bits after normalization, an estimate at most one too small).
#[inline(always)]
#[allow(clippy::arithmetic_side_effects)] // divisions by non-zero divisors
pub(crate) fn div_rem(n: u128, d: u128) -> (u128, u128) {
    let ((n1, n0), (d1, d0)) = (split(n), split(d));
    if d1 == 0 {
        if n1 == 0 {
            return (u128::from(n0 / d0), u128::from(n0 % d0));
        }
        if d0 >> 32 == 0 {
            let (q1, r) = (n1 / d0, n1 % d0);
            let t = (r << 32) | (n0 >> 32);
            let (qa, r) = (t / d0, t % d0);
            let t = (r << 32) | (n0 & M32);
            let (qb, r) = (t / d0, t % d0);
            return (join(q1, (qa << 32) | qb), u128::from(r));
        }
        let (q1, r1) = (n1 / d0, n1 % d0);
        let (q0, r) = div_128_64(r1, n0, d0);
        return (join(q1, q0), u128::from(r));
    }
    if n < d {
        return (0, n);
    }
    // d >= 2^64, so the quotient fits in 64 bits.
    let s = clz64(d1);
    let (v1, _) = split(d << s);
    let (u1, u0) = split(n >> 1);
    // v1 >= 2^63 > u1.
    let (q1, _) = div_128_64_normalized(u1, u0, v1);
    let mut q0 = (q1 >> (63 - s)).saturating_sub(1);
    // q0 * d <= n: its low 128 bits are the product.
    let mut r = n.wrapping_sub(mul_lo(u128::from(q0), d));
    if r >= d {
        q0 += 1;
        r = r.wrapping_sub(d);
    }
    (u128::from(q0), r)
}
