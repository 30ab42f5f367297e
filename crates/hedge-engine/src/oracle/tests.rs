use super::*;
use crate::PRICE_PRECISION;

const LIMITS: OracleLimits = OracleLimits {
    max_age: 120,
    max_age_liquidate: 15,
    liquidation_confirmation: 5,
    max_conf: 10_000,        // 1%
    max_conf_reduce: 50_000, // 5%
};

fn raw(price: i64, conf: u64, expo: i32, t: i64) -> RawPrice {
    RawPrice {
        price,
        conf,
        expo,
        publish_time: t,
    }
}

#[test]
fn sol_at_expo_minus_8_normalizes_exactly() {
    // 171.83004000 USD with conf 0.11 USD, as Pyth publishes SOL/USD.
    let p = accept_price(
        &raw(17_183_004_000, 11_000_000, -8, 100),
        &LIMITS,
        0,
        110,
        OracleUse::Increase,
    )
    .unwrap();
    assert_eq!(p.price, 171_830_040_000_000_000_000);
    assert_eq!(p.conf, 110_000_000_000_000_000);
}

#[test]
fn extremes_of_the_supported_range_keep_every_digit() {
    // 1e-8 USD published as 1 * 10^-8 and as 1234567890 * 10^-18.
    assert_eq!(normalize(1, -8), Ok(PRICE_PRECISION / 100_000_000));
    assert_eq!(normalize(1_234_567_890, -18), Ok(1_234_567_890));
    // 1e6 USD at expo 0 and at expo -8.
    assert_eq!(normalize(1_000_000, 0), Ok(1_000_000 * PRICE_PRECISION));
    assert_eq!(
        normalize(100_000_000_000_000, -8),
        Ok(1_000_000 * PRICE_PRECISION)
    );
    assert_eq!(normalize(1, -19), Err(EngineError::OracleExponentOutOfRange));
    assert_eq!(normalize(1, 1), Err(EngineError::OracleExponentOutOfRange));
}

#[test]
fn each_refusal_of_an_instant_use_is_named() {
    let ok = raw(100_000_000, 100_000, -6, 100);
    assert!(accept_price(&ok, &LIMITS, 100, 130, OracleUse::Increase).is_ok());
    assert_eq!(
        accept_price(&raw(0, 0, -6, 100), &LIMITS, 0, 100, OracleUse::Reduce),
        Err(EngineError::OraclePriceNotPositive)
    );
    assert_eq!(
        accept_price(&raw(-5, 0, -6, 100), &LIMITS, 0, 100, OracleUse::Reduce),
        Err(EngineError::OraclePriceNotPositive)
    );
    assert_eq!(
        accept_price(&ok, &LIMITS, 0, 99, OracleUse::Reduce),
        Err(EngineError::OraclePublishTimeInFuture)
    );
    // 31 s old: fine for a valuation, too old to liquidate (15 s).
    assert!(accept_price(&ok, &LIMITS, 0, 131, OracleUse::Increase).is_ok());
    assert!(accept_price(&ok, &LIMITS, 0, 131, OracleUse::Reduce).is_ok());
    assert_eq!(
        accept_price(&ok, &LIMITS, 0, 116, OracleUse::Liquidate),
        Err(EngineError::OracleStale)
    );
    assert!(accept_price(&ok, &LIMITS, 0, 115, OracleUse::Liquidate).is_ok());
    assert_eq!(
        accept_price(&ok, &LIMITS, 0, 221, OracleUse::Reduce),
        Err(EngineError::OracleStale)
    );
    assert_eq!(
        accept_price(&ok, &LIMITS, 101, 130, OracleUse::Reduce),
        Err(EngineError::OracleOlderThanLast)
    );
    // conf 2%: refused to increase risk, accepted for exits and liquidation.
    let wide = raw(100_000_000, 2_000_000, -6, 100);
    assert_eq!(
        accept_price(&wide, &LIMITS, 0, 100, OracleUse::Increase),
        Err(EngineError::OracleConfidenceTooWide)
    );
    assert!(accept_price(&wide, &LIMITS, 0, 100, OracleUse::Reduce).is_ok());
    assert!(accept_price(&wide, &LIMITS, 0, 100, OracleUse::Liquidate).is_ok());
    // conf 6%: refused for everything.
    let wider = raw(100_000_000, 6_000_000, -6, 100);
    assert_eq!(
        accept_price(&wider, &LIMITS, 0, 100, OracleUse::Liquidate),
        Err(EngineError::OracleConfidenceTooWide)
    );
}

#[test]
fn exactly_at_the_limits_is_accepted() {
    let at_conf = raw(100_000_000, 1_000_000, -6, 100); // exactly 1%
    assert!(accept_price(&at_conf, &LIMITS, 100, 130, OracleUse::Increase).is_ok());
}

/// A request due at T executes only at the first update published at or after T:
/// of two valid updates around T, only the unique one is accepted.
#[test]
fn only_the_first_update_at_or_after_the_due_time_executes() {
    let due = 1_000;
    // Updates every 400 ms rounded to seconds: publish times 999, 1000, 1000, 1001.
    let before = raw(100_000_000, 0, -6, 999);
    let first = raw(101_000_000, 0, -6, 1_000);
    let same_second = raw(102_000_000, 0, -6, 1_000);
    let later = raw(103_000_000, 0, -6, 1_001);
    let at = |r: &RawPrice, prev| accept_price_at(r, Some(prev), &LIMITS, due, 1_005, OracleUse::Increase);
    assert_eq!(at(&before, 998), Err(EngineError::OraclePublishedBeforeDueTime));
    assert_eq!(at(&first, 999).map(|p| p.price), Ok(101 * PRICE_PRECISION));
    assert_eq!(
        at(&same_second, 1_000),
        Err(EngineError::OracleNotUniqueForDueTime)
    );
    assert_eq!(at(&later, 1_000), Err(EngineError::OracleNotUniqueForDueTime));
    // A legacy account has no previous time: its price once published at or after T.
    assert!(accept_price_at(&later, None, &LIMITS, due, 1_005, OracleUse::Increase).is_ok());
    assert_eq!(
        accept_price_at(&before, None, &LIMITS, due, 1_005, OracleUse::Increase),
        Err(EngineError::OraclePublishedBeforeDueTime)
    );
    // The same checks of sign and confidence apply, by use.
    let wide = raw(100_000_000, 2_000_000, -6, 1_000);
    assert_eq!(
        accept_price_at(&wide, Some(999), &LIMITS, due, 1_001, OracleUse::Increase),
        Err(EngineError::OracleConfidenceTooWide)
    );
    assert!(accept_price_at(&wide, Some(999), &LIMITS, due, 1_001, OracleUse::Reduce).is_ok());
    assert_eq!(
        accept_price_at(
            &raw(0, 0, -6, 1_000),
            Some(999),
            &LIMITS,
            due,
            1_001,
            OracleUse::Reduce
        ),
        Err(EngineError::OraclePriceNotPositive)
    );
    assert_eq!(
        accept_price_at(&first, Some(999), &LIMITS, due, 999, OracleUse::Reduce),
        Err(EngineError::OraclePublishTimeInFuture)
    );
}

/// A liquidation at an update published at 1_000 is confirmed only by the unique
/// update for 995 (5 s earlier), which must be older than the liquidation's.
#[test]
fn a_liquidation_is_confirmed_by_the_unique_update_of_its_confirmation_time() {
    let liq = OraclePrice {
        price: 94 * crate::PRICE_PRECISION,
        conf: 0,
        publish_time: 1_000,
    };
    let at = |t: i64, prev: i64| {
        accept_confirmation(Some((&raw(100_000_000, 0, -6, t), prev)), &liq, &LIMITS, 1_002)
    };
    assert_eq!(at(995, 994).map(|p| p.price), Ok(100 * crate::PRICE_PRECISION));
    assert_eq!(at(996, 994).map(|p| p.publish_time), Ok(996));
    // Published before the confirmation time, or not the first after it.
    assert_eq!(at(994, 993), Err(EngineError::ConfirmationNotUnique));
    assert_eq!(at(997, 995), Err(EngineError::ConfirmationNotUnique));
    // The liquidation's own update, after a 5-second silence, confirms nothing.
    assert_eq!(at(1_000, 994), Err(EngineError::ConfirmationNotEarlier));
    // Checked like the liquidation's price.
    assert_eq!(
        accept_confirmation(Some((&raw(0, 0, -6, 995), 994)), &liq, &LIMITS, 1_002),
        Err(EngineError::OraclePriceNotPositive)
    );
    assert_eq!(
        accept_confirmation(
            Some((&raw(100_000_000, 6_000_000, -6, 995), 994)),
            &liq,
            &LIMITS,
            1_002
        ),
        Err(EngineError::OracleConfidenceTooWide)
    );
    // A legacy account confirms itself.
    assert_eq!(accept_confirmation(None, &liq, &LIMITS, 1_002), Ok(liq));
}

#[test]
fn fill_prices_move_against_the_taker() {
    let p = OraclePrice {
        price: 100,
        conf: 3,
        publish_time: 0,
    };
    assert_eq!(p.fill_price(5), Ok(103));
    assert_eq!(p.fill_price(-5), Ok(97));
}
