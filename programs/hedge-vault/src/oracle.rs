//! Reads the market's Pyth account (legacy or PriceUpdateV2), checks identity and
//! format here, and everything numeric (age, confidence, sign, exponent, monotonic
//! publish time) in the engine's `accept_price`. Updates the market's last accepted
//! publish time.

use anchor_lang::prelude::*;
use hedge_engine::oracle::{accept_price, OraclePrice, OracleUse, RawPrice};
use pyth_sdk_solana::state::{load_price_account, PriceStatus, SolanaPriceAccount};
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use crate::constants::PYTH_RECEIVER_PROGRAM;
use crate::error::{EngineResultExt, HedgeError};
use crate::state::{Market, OracleKind};

/// Decodes a legacy Pyth price account into a raw price. Only `Trading` aggregates
/// are used; the previous price of a halted feed is never silently substituted.
pub fn decode_legacy(data: &[u8]) -> Result<RawPrice> {
    let acc = load_price_account::<32, ()>(data).map_err(|_| error!(HedgeError::InvalidOracleAccount))?;
    let _: &SolanaPriceAccount = acc;
    if acc.agg.status != PriceStatus::Trading {
        return err!(HedgeError::OracleNotTrading);
    }
    Ok(RawPrice {
        price: acc.agg.price,
        conf: acc.agg.conf,
        expo: acc.expo,
        publish_time: acc.timestamp,
    })
}

/// Decodes a `PriceUpdateV2` account: (raw price, feed id, fully verified).
pub fn decode_pull(data: &[u8]) -> Result<(RawPrice, [u8; 32], bool)> {
    let mut slice = data;
    let upd =
        PriceUpdateV2::try_deserialize(&mut slice).map_err(|_| error!(HedgeError::InvalidOracleAccount))?;
    let m = &upd.price_message;
    Ok((
        RawPrice {
            price: m.price,
            conf: m.conf,
            expo: m.exponent,
            publish_time: m.publish_time,
        },
        m.feed_id,
        upd.verification_level == VerificationLevel::Full,
    ))
}

/// Reads the raw price from `oracle` after checking it is the market's oracle.
pub fn read_raw(market: &Market, oracle: &AccountInfo) -> Result<RawPrice> {
    match market.oracle_kind {
        OracleKind::PythLegacy => {
            require_keys_eq!(oracle.key(), market.oracle, HedgeError::WrongOracle);
            require_keys_eq!(*oracle.owner, market.oracle_program, HedgeError::WrongOracleOwner);
            let data = oracle.try_borrow_data()?;
            decode_legacy(&data)
        }
        OracleKind::PythPullV2 => {
            require_keys_eq!(*oracle.owner, PYTH_RECEIVER_PROGRAM, HedgeError::WrongOracleOwner);
            let data = oracle.try_borrow_data()?;
            let (raw, feed_id, full) = decode_pull(&data)?;
            require!(feed_id == market.feed_id, HedgeError::WrongOracle);
            require!(full, HedgeError::OracleNotFullyVerified);
            Ok(raw)
        }
    }
}

/// Reads, checks and normalizes the price for `use_`, and records its publish time
/// as the newest accepted.
pub fn read_price(
    market: &mut Market,
    oracle: &AccountInfo,
    now: i64,
    use_: OracleUse,
) -> Result<OraclePrice> {
    // A settled market uses its settlement price (no confidence) and refuses
    // risk-increasing uses.
    if market.is_settled() {
        require!(use_ != OracleUse::Increase, HedgeError::MarketSettled);
        return Ok(OraclePrice {
            price: market.settlement_price,
            conf: 0,
            publish_time: now,
        });
    }
    let raw = read_raw(market, oracle)?;
    let price = accept_price(
        &raw,
        &market.oracle_config.into(),
        market.last_publish_time,
        now,
        use_,
    )
    .named()?;
    market.last_publish_time = price.publish_time;
    market.last_price = price.price;
    Ok(price)
}
