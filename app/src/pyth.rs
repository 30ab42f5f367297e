//! Pyth accounts: decoding both formats (legacy price account and pull
//! `PriceUpdateV2`) for display, reading `solana account --output json` dumps, and
//! writing accounts for the embedded chain.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
pub use hedge_engine::pyth::LegacyStatus;
use hedge_engine::pyth::{
    decode_legacy_price, decode_price_update_v2, write_legacy_price, write_price_update_v2, LegacyPrice,
    PriceUpdateV2, VerificationLevel, PRICE_UPDATE_V2_LEN,
};
use serde::Serialize;
use solana_account::Account;

/// A decoded Pyth account, whatever its format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OracleReading {
    /// "legacy" or "pull-v2"
    pub format: &'static str,
    pub owner: String,
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
    pub publish_time: i64,
    /// The previous update's publish time (pull); the update is the unique one of
    /// every time in `(prev_publish_time, publish_time]`.
    pub prev_publish_time: Option<i64>,
    /// Hex feed id (pull) or none (legacy).
    pub feed_id: Option<String>,
    /// Legacy aggregate status, or pull verification level.
    pub status: String,
}

impl OracleReading {
    /// The price in USD as a decimal string, exactly (`price * 10^expo`).
    pub fn price_decimal(&self) -> String {
        decimal(i128::from(self.price), self.expo)
    }

    /// The confidence in USD as a decimal string, exactly.
    pub fn conf_decimal(&self) -> String {
        decimal(i128::from(self.conf), self.expo)
    }
}

/// `mantissa * 10^expo` as an exact decimal string.
pub fn decimal(mantissa: i128, expo: i32) -> String {
    if expo >= 0 {
        return format!("{}{}", mantissa, "0".repeat(expo as usize));
    }
    let neg = mantissa < 0;
    let digits = mantissa.unsigned_abs().to_string();
    let places = expo.unsigned_abs() as usize;
    let padded = if digits.len() <= places {
        format!("{}{}", "0".repeat(places + 1 - digits.len()), digits)
    } else {
        digits
    };
    let (int, frac) = padded.split_at(padded.len() - places);
    format!("{}{}.{}", if neg { "-" } else { "" }, int, frac)
}

/// Decodes a Pyth account by its owner and layout (the engine's decoders, which the
/// program uses too).
pub fn decode(owner: &Pubkey, data: &[u8]) -> Result<OracleReading> {
    if *owner == hedge_vault::PYTH_RECEIVER_PROGRAM || data.len() == PRICE_UPDATE_V2_LEN {
        let u = decode_price_update_v2(data).map_err(|e| anyhow!("not a PriceUpdateV2: {e}"))?;
        let status = match u.verification_level {
            VerificationLevel::Full => "Full".to_string(),
            VerificationLevel::Partial { num_signatures } => format!("Partial ({num_signatures} signatures)"),
        };
        return Ok(OracleReading {
            format: "pull-v2",
            owner: owner.to_string(),
            price: u.price,
            conf: u.conf,
            expo: u.exponent,
            publish_time: u.publish_time,
            prev_publish_time: Some(u.prev_publish_time),
            feed_id: Some(hex(&u.feed_id)),
            status,
        });
    }
    let p = decode_legacy_price(data).map_err(|e| anyhow!("not a Pyth price account: {e}"))?;
    Ok(OracleReading {
        format: "legacy",
        owner: owner.to_string(),
        price: p.raw.price,
        conf: p.raw.conf,
        expo: p.raw.expo,
        publish_time: p.raw.publish_time,
        prev_publish_time: None,
        feed_id: None,
        status: match p.status {
            LegacyStatus::Other(v) => format!("Other ({v})"),
            st => format!("{st:?}"),
        },
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn parse_feed_id(s: &str) -> Result<[u8; 32]> {
    let s = s.trim_start_matches("0x");
    if s.len() != 64 {
        bail!("a feed id is 32 bytes of hex (64 characters)");
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).context("feed id is not hex")?;
    }
    Ok(out)
}

/// Reads a `solana account --output json` dump: (address if present, account).
pub fn read_account_json(path: &std::path::Path) -> Result<(Option<Pubkey>, Account)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).context("not JSON")?;
    let a = v.get("account").unwrap_or(&v);
    let data = a["data"][0]
        .as_str()
        .ok_or_else(|| anyhow!("no account.data[0]"))?;
    let data = base64::engine::general_purpose::STANDARD
        .decode(data)
        .context("account data is not base64")?;
    let owner: Pubkey = a["owner"]
        .as_str()
        .ok_or_else(|| anyhow!("no account.owner"))?
        .parse()?;
    let pubkey = v
        .get("pubkey")
        .and_then(|p| p.as_str())
        .and_then(|p| p.parse().ok());
    Ok((
        pubkey,
        Account {
            lamports: a["lamports"].as_u64().unwrap_or(0),
            data,
            owner,
            executable: false,
            rent_epoch: 0,
        },
    ))
}

/// The exponent of the prices the demo and the backtest publish.
pub const USD_EXPO: i32 = -8;

/// `usd` as a Pyth price at [`USD_EXPO`] published at `t`, with a confidence of
/// `conf_ratio` of the price (at least one unit).
pub fn usd_price(usd: f64, conf_ratio: f64, t: i64) -> hedge_engine::oracle::RawPrice {
    let m = (usd * 10f64.powi(-USD_EXPO)).round() as i64;
    hedge_engine::oracle::RawPrice {
        price: m,
        conf: ((m as f64) * conf_ratio).round().max(1.0) as u64,
        expo: USD_EXPO,
        publish_time: t,
    }
}

/// A legacy price account in `Trading` status holding `r`.
pub fn legacy_account_of(r: &hedge_engine::oracle::RawPrice) -> Account {
    legacy_account(r.price, r.conf, r.expo, r.publish_time)
}

/// A legacy price account in `Trading` status (for the embedded chain and tests).
pub fn legacy_account(price: i64, conf: u64, expo: i32, publish_time: i64) -> Account {
    legacy_account_with_status(price, conf, expo, publish_time, LegacyStatus::Trading)
}

pub fn legacy_account_with_status(
    price: i64,
    conf: u64,
    expo: i32,
    publish_time: i64,
    status: LegacyStatus,
) -> Account {
    let raw = hedge_engine::oracle::RawPrice {
        price,
        conf,
        expo,
        publish_time,
    };
    Account {
        lamports: 1_000_000_000,
        data: write_legacy_price(&LegacyPrice { raw, status }).to_vec(),
        owner: hedge_vault::PYTH_ORACLE_PROGRAM,
        executable: false,
        rent_epoch: 0,
    }
}

/// A `PriceUpdateV2` account owned by the Pyth receiver, the feed's previous update
/// published a second before.
pub fn pull_account(
    feed_id: [u8; 32],
    price: i64,
    conf: u64,
    expo: i32,
    publish_time: i64,
    full: bool,
) -> Account {
    pull_update(
        &PullUpdate {
            feed_id,
            price,
            conf,
            expo,
            publish_time,
            prev_publish_time: publish_time.saturating_sub(1),
        },
        full,
    )
}

/// One update of a pull feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PullUpdate {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
    pub publish_time: i64,
    /// Publish time of the feed's previous update: the update executes exactly the
    /// requests due in `(prev_publish_time, publish_time]`.
    pub prev_publish_time: i64,
}

/// A `PriceUpdateV2` account owned by the Pyth receiver holding `u`.
pub fn pull_update(u: &PullUpdate, full: bool) -> Account {
    let PullUpdate {
        feed_id,
        price,
        conf,
        expo,
        publish_time,
        prev_publish_time,
    } = *u;
    let data = write_price_update_v2(&PriceUpdateV2 {
        write_authority: [7; 32],
        verification_level: if full {
            VerificationLevel::Full
        } else {
            VerificationLevel::Partial { num_signatures: 5 }
        },
        feed_id,
        price,
        conf,
        exponent: expo,
        publish_time,
        prev_publish_time,
        ema_price: price,
        ema_conf: conf,
        posted_slot: 1,
    })
    .to_vec();
    Account {
        lamports: 1_000_000_000,
        data,
        owner: hedge_vault::PYTH_RECEIVER_PROGRAM,
        executable: false,
        rent_epoch: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hedge_engine::pyth::PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET;

    #[test]
    fn the_feed_id_of_a_full_update_sits_at_its_filter_offset() {
        let u = PullUpdate {
            feed_id: [0xab; 32],
            price: 1,
            conf: 1,
            expo: -8,
            publish_time: 10,
            prev_publish_time: 9,
        };
        let a = pull_update(&u, true);
        assert_eq!(
            &a.data[PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET..PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET + 32],
            &[0xab; 32]
        );
        assert_eq!(
            &a.data[PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET - 1],
            &1,
            "VerificationLevel::Full"
        );
        let r = decode(&a.owner, &a.data).unwrap();
        assert_eq!((r.publish_time, r.prev_publish_time), (10, Some(9)));
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(15_933_544_250, -8), "159.33544250");
        assert_eq!(decimal(5, -8), "0.00000005");
        assert_eq!(decimal(-123, -2), "-1.23");
        assert_eq!(decimal(7, 2), "700");
    }

    #[test]
    fn writers_round_trip_through_the_decoder() {
        let a = legacy_account(12_345, 6, -2, 99);
        let r = decode(&a.owner, &a.data).unwrap();
        assert_eq!(
            (r.format, r.price, r.conf, r.expo, r.publish_time),
            ("legacy", 12_345, 6, -2, 99)
        );
        let a = pull_account([1; 32], 5, 1, -8, 77, true);
        let r = decode(&a.owner, &a.data).unwrap();
        assert_eq!(
            (r.format, r.price, r.publish_time, r.status.as_str()),
            ("pull-v2", 5, 77, "Full")
        );
        assert_eq!(parse_feed_id(r.feed_id.as_deref().unwrap()).unwrap(), [1; 32]);
    }
}
