//! Reads the market's Pyth account (legacy or PriceUpdateV2): identity and format are
//! checked here (the owner is a program constant, never the creator's choice), and
//! everything numeric in the engine: `accept_price` for instant uses (liquidation,
//! the funding crank, valuations), `accept_price_at` for executions at a request's
//! due time (the unique update, PROTOCOL section 6a).

use anchor_lang::prelude::*;
use hedge_engine::market::MarketState;
use hedge_engine::oracle::{
    accept_confirmation, accept_price, accept_price_at, OraclePrice, OracleUse, RawPrice,
};
use hedge_engine::pyth::{decode_legacy_price, decode_price_update_v2, LegacyStatus, VerificationLevel};
use hedge_engine::EngineError;

use crate::constants::{PYTH_ORACLE_PROGRAM, PYTH_RECEIVER_PROGRAM};
use crate::error::{EngineResultExt, HedgeError};
use crate::state::{Market, OracleKind};

/// A legacy price account's aggregate: (raw price, trading status).
/// The layout is the engine's (`hedge_engine::pyth`): length, magic, version and
/// account type checked; no alignment assumed.
pub fn decode_legacy_any_status(data: &[u8]) -> Result<(RawPrice, bool)> {
    let p = decode_legacy_price(data).map_err(|_| error!(HedgeError::InvalidOracleAccount))?;
    Ok((p.raw, p.status == LegacyStatus::Trading))
}

/// Decodes a legacy Pyth price account. Only `Trading` aggregates are used; the
/// previous price of a halted feed is never silently substituted.
pub fn decode_legacy(data: &[u8]) -> Result<RawPrice> {
    let (raw, trading) = decode_legacy_any_status(data)?;
    require!(trading, HedgeError::OracleNotTrading);
    Ok(raw)
}

/// A decoded `PriceUpdateV2`.
pub struct PullUpdate {
    pub raw: RawPrice,
    /// Publish time of the feed's previous update.
    pub prev_publish_time: i64,
    pub feed_id: [u8; 32],
    pub fully_verified: bool,
}

/// Decodes a `PriceUpdateV2` account (the engine's layout: Anchor discriminator,
/// then the Borsh fields).
pub fn decode_pull(data: &[u8]) -> Result<PullUpdate> {
    let u = decode_price_update_v2(data).map_err(|_| error!(HedgeError::InvalidOracleAccount))?;
    Ok(PullUpdate {
        raw: u.raw(),
        prev_publish_time: u.prev_publish_time,
        feed_id: u.feed_id,
        fully_verified: u.verification_level == VerificationLevel::Full,
    })
}

/// The sponsored price-feed account of a pull feed (the Pyth push oracle's PDA
/// `[shard, feed_id]`), which a pull market pins to judge whether the feed is dead.
pub fn sponsored_price_feed(feed_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(
        &[&crate::constants::PYTH_PRICE_FEED_SHARD.to_le_bytes(), feed_id],
        &crate::constants::PYTH_PUSH_ORACLE_PROGRAM,
    )
    .0
}

/// Reads the raw price from `oracle` after checking it is the market's: legacy, the
/// pinned account owned by the Pyth oracle program; pull, any update of the feed
/// owned by the Pyth receiver and fully verified. Returns the previous publish time
/// for pull updates.
pub fn read_raw(market: &Market, oracle: &AccountInfo) -> Result<(RawPrice, Option<i64>)> {
    match market.oracle_kind() {
        OracleKind::PythLegacy => {
            require_keys_eq!(oracle.key(), market.oracle, HedgeError::WrongOracle);
            require_keys_eq!(*oracle.owner, PYTH_ORACLE_PROGRAM, HedgeError::WrongOracleOwner);
            let data = oracle.try_borrow_data()?;
            Ok((decode_legacy(&data)?, None))
        }
        OracleKind::PythPullV2 => {
            require_keys_eq!(*oracle.owner, PYTH_RECEIVER_PROGRAM, HedgeError::WrongOracleOwner);
            let data = oracle.try_borrow_data()?;
            let u = decode_pull(&data)?;
            require!(u.feed_id == market.feed_id, HedgeError::WrongOracle);
            require!(u.fully_verified, HedgeError::OracleNotFullyVerified);
            Ok((u.raw, Some(u.prev_publish_time)))
        }
    }
}

/// What the feed itself shows: the pinned account's publish time and price (legacy:
/// the price account; pull: the sponsored price-feed account), whatever its status.
/// Used only to judge whether the feed is dead and to settle a dead feed at its last
/// price.
pub fn feed_last(market: &Market, oracle: &AccountInfo) -> Result<RawPrice> {
    require_keys_eq!(oracle.key(), market.oracle, HedgeError::WrongOracle);
    let data = oracle.try_borrow_data()?;
    match market.oracle_kind() {
        OracleKind::PythLegacy => {
            require_keys_eq!(*oracle.owner, PYTH_ORACLE_PROGRAM, HedgeError::WrongOracleOwner);
            Ok(decode_legacy_any_status(&data)?.0)
        }
        OracleKind::PythPullV2 => {
            require_keys_eq!(*oracle.owner, PYTH_RECEIVER_PROGRAM, HedgeError::WrongOracleOwner);
            let u = decode_pull(&data)?;
            require!(u.feed_id == market.feed_id, HedgeError::WrongOracle);
            Ok(u.raw)
        }
    }
}

/// The publish time the feed itself shows ([`feed_last`]).
pub fn feed_publish_time(market: &Market, oracle: &AccountInfo) -> Result<i64> {
    Ok(feed_last(market, oracle)?.publish_time)
}

/// The price a dead feed settles at (PROTOCOL section 6, revision 5): the feed's own
/// last price, the newer by publish time of the pinned account's and the last one the
/// market accepted. Nobody chooses it. 1e18 USD per whole token.
pub fn settlement_price(market: &Market, oracle: &AccountInfo) -> Result<u128> {
    let raw = feed_last(market, oracle)?;
    let price = if raw.publish_time > market.last_publish_time && raw.price > 0 {
        hedge_engine::oracle::normalize(raw.price.unsigned_abs(), raw.expo).named()?
    } else {
        market.last_price
    };
    require!(price > 0, HedgeError::SettlementPriceUnknown);
    Ok(price)
}

/// Reads the price for an instant use (`Reduce` or `Liquidate`): never older than the
/// newest the market accepted, within the use's age; records it as the newest. A
/// settled market gives its settlement price.
pub fn read_now(
    st: &mut MarketState,
    market: &Market,
    oracle: &AccountInfo,
    now: i64,
    use_: OracleUse,
) -> Result<OraclePrice> {
    if let Some(p) = st.settlement_oracle(now) {
        return Ok(p);
    }
    let (raw, _) = read_raw(market, oracle)?;
    accept_now(st, &raw, now, use_).named()
}

/// Reads a liquidation's (or an auto-deleveraging's) price from `oracle`, an instant
/// use (`max_age_liquidate`, never older than the newest accepted, recorded as the
/// newest), and its confirmation from `confirm` (PROTOCOL section 6): on a pull market
/// the unique update of the feed for `liquidation_confirmation` seconds before it; a
/// legacy account holds only its newest price and confirms itself (`confirm` must be
/// the pinned account). Returns `(confirmation, price)`; a settled market gives its
/// settlement price for both.
pub fn read_liquidation(
    st: &mut MarketState,
    market: &Market,
    oracle: &AccountInfo,
    confirm: &AccountInfo,
    now: i64,
) -> Result<(OraclePrice, OraclePrice)> {
    if let Some(p) = st.settlement_oracle(now) {
        return Ok((p, p));
    }
    let (raw, _) = read_raw(market, oracle)?;
    let price = accept_now(st, &raw, now, OracleUse::Liquidate).named()?;
    let confirmation = match market.oracle_kind() {
        OracleKind::PythLegacy => {
            require_keys_eq!(confirm.key(), market.oracle, HedgeError::WrongOracle);
            accept_confirmation(None, &price, &st.limits, now)
        }
        OracleKind::PythPullV2 => {
            let (raw_c, prev) = read_raw(market, confirm)?;
            let prev = prev.ok_or(HedgeError::InvalidOracleAccount)?;
            accept_confirmation(Some((&raw_c, prev)), &price, &st.limits, now)
        }
    }
    .named()?;
    Ok((confirmation, price))
}

/// `read_now` once the account is read: the engine's checks for an instant use, then
/// the price recorded as the newest. The backtest's simulation calls it on its own
/// price.
pub fn accept_now(
    st: &mut MarketState,
    raw: &RawPrice,
    now: i64,
    use_: OracleUse,
) -> core::result::Result<OraclePrice, EngineError> {
    let p = accept_price(raw, &st.limits, st.last_publish_time, now, use_)?;
    st.observe(&p);
    Ok(p)
}

/// Reads the price a request due at `due` executes at. The outer result fails the
/// transaction (a wrong account, a wrong or not-unique update: what the executor
/// passed); the inner one is the engine's verdict on the unique price, which may be a
/// reason to cancel the request (`requests::cancels_request`). A settled market gives
/// its settlement price.
pub fn read_at_due(
    st: &mut MarketState,
    market: &Market,
    oracle: &AccountInfo,
    due: i64,
    now: i64,
    use_: OracleUse,
) -> Result<core::result::Result<OraclePrice, EngineError>> {
    if let Some(p) = st.settlement_oracle(now) {
        return Ok(Ok(p));
    }
    let (raw, prev) = read_raw(market, oracle)?;
    accept_at_due(st, &raw, prev, due, now, use_).map_err(|e| HedgeError::from(e).into())
}

/// `read_at_due` once the account is read (`prev`: the update's previous publish
/// time, `None` for a legacy account). The outer error fails the transaction, the
/// inner one cancels the request; an accepted price is recorded as the newest. The
/// backtest's simulation calls it on its own price.
pub fn accept_at_due(
    st: &mut MarketState,
    raw: &RawPrice,
    prev: Option<i64>,
    due: i64,
    now: i64,
    use_: OracleUse,
) -> core::result::Result<core::result::Result<OraclePrice, EngineError>, EngineError> {
    match accept_price_at(raw, prev, &st.limits, due, now, use_) {
        Ok(p) => {
            st.observe(&p);
            Ok(Ok(p))
        }
        Err(e) if hedge_engine::requests::cancels_request(e) => Ok(Err(e)),
        Err(e) => Err(e),
    }
}
