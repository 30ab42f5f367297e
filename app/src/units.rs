//! Amounts in UI units with the mint's decimals, as spl-token shows them, and prices.

use anyhow::{anyhow, bail, Result};
use hedge_engine::PRICE_PRECISION;

/// Parses "1.5" with `decimals` into native units; refuses more fractional digits
/// than the mint has.
pub fn parse_amount(s: &str, decimals: u8) -> Result<u64> {
    let s = s.trim();
    if s.starts_with('-') {
        bail!("amount must not be negative: {s}");
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > decimals as usize {
        bail!("{s} has more than {decimals} decimal places");
    }
    let int: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| anyhow!("not a number: {s}"))?
    };
    let frac_v: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| anyhow!("not a number: {s}"))?
    };
    let scale = 10u128.pow(u32::from(decimals));
    let v = int
        .checked_mul(scale)
        .and_then(|x| x.checked_add(frac_v * 10u128.pow(u32::from(decimals) - frac.len() as u32)))
        .ok_or_else(|| anyhow!("{s} is too large"))?;
    u64::try_from(v).map_err(|_| anyhow!("{s} is too large"))
}

/// Parses a signed amount ("-2.5" sells).
pub fn parse_signed_amount(s: &str, decimals: u8) -> Result<i64> {
    let (neg, body) = match s.trim().strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.trim().trim_start_matches('+')),
    };
    let v = i64::try_from(parse_amount(body, decimals)?).map_err(|_| anyhow!("{s} is too large"))?;
    Ok(if neg { -v } else { v })
}

/// Formats native units with `decimals`, trailing zeros kept as spl-token does.
/// `v` native units as whole tokens (or shares), for reading and plotting.
pub fn whole(v: i128, decimals: u8) -> f64 {
    v as f64 / 10f64.powi(i32::from(decimals))
}

/// Decimals of a market's vault shares: the token's plus the engine's offset.
pub fn share_decimals(token_decimals: u8) -> u8 {
    token_decimals + hedge_engine::SHARE_DECIMALS_OFFSET
}

pub fn format_amount(v: i128, decimals: u8) -> String {
    crate::pyth::decimal(v, -i32::from(decimals))
}

/// A 1e18 price as a decimal string with up to `places` places.
pub fn format_price(price: u128, places: u32) -> String {
    let scale = PRICE_PRECISION / 10u128.pow(places);
    crate::pyth::decimal((price / scale) as i128, -(places as i32))
}

/// Parses a USD price ("171.25") into 1e18 precision.
pub fn parse_price(s: &str) -> Result<u128> {
    Ok(u128::from(parse_amount(s, 9)?) * (PRICE_PRECISION / 1_000_000_000))
}

/// A 1e6 ratio as a percentage string.
pub fn format_ratio(r: u64) -> String {
    format!("{}%", crate::pyth::decimal(i128::from(r), -4))
}

/// Parses "50%" or "0.5" into a 1e6 ratio.
pub fn parse_ratio(s: &str) -> Result<u32> {
    let v = if let Some(p) = s.strip_suffix('%') {
        parse_amount(p, 4)?
    } else {
        parse_amount(s, 6)?
    };
    u32::try_from(v).map_err(|_| anyhow!("ratio {s} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_with_decimals() {
        assert_eq!(parse_amount("1.5", 9).unwrap(), 1_500_000_000);
        assert_eq!(parse_amount("0.000000001", 9).unwrap(), 1);
        assert!(parse_amount("0.0000000001", 9).is_err());
        assert!(parse_amount("-1", 9).is_err());
        assert_eq!(parse_signed_amount("-2.5", 6).unwrap(), -2_500_000);
        assert_eq!(format_amount(1_500_000_000, 9), "1.500000000");
        assert_eq!(format_amount(7, 0), "7");
        assert_eq!(format_price(171_250_000_000_000_000_000, 2), "171.25");
        assert_eq!(parse_price("171.25").unwrap(), 171_250_000_000_000_000_000);
        assert_eq!(format_ratio(500_000), "50.0000%");
        assert_eq!(parse_ratio("50%").unwrap(), 500_000);
        assert_eq!(parse_ratio("0.5").unwrap(), 500_000);
    }
}
