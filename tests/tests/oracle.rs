//! Both Pyth formats read through the program: the real mainnet dumps in
//! tests/fixtures/pyth give their exact price (clock set near their publish time);
//! requests execute only at the unique price of their due time; instant uses refuse
//! stale, older-than-last and uncertain prices; every identity and format check
//! refuses by name.

use anchor_lang::prelude::Pubkey;
use hedge_client::pyth::LegacyStatus;
use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::OracleKind;
use hedge_vault::HedgeError;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const LEGACY_KEY: &str = "H6ARHf6YXhGYeQfUzQNGk6rDNnLBQKrenN712K4AQJEG";
const LEGACY_PUBLISH_TIME: i64 = 1_717_928_318;
const PULL_PUBLISH_TIME: i64 = 1_787_392_706;

/// A harness whose pinned price account is the fixture, with the clock at `at`, and a
/// market created on it.
async fn on_fixture(kind: OracleKind, file: &str, at: i64) -> Harness {
    let mut h = Harness::bare(Setup {
        oracle_kind: kind,
        ..Setup::default()
    })
    .await;
    if kind == OracleKind::PythLegacy {
        h.oracle = LEGACY_KEY.parse().unwrap();
    }
    h.ctx.set_account(&h.oracle, &pyth::fixture(file).into());
    h.set_time(at).await;
    let ix = market_create(&h, h.setup.params.into(), h.setup.oracle_config);
    let admin = h.admin.insecure_clone();
    h.send(&[ix], &[&admin]).await.ok();
    h.market = hedge_vault_market(&h.mint, &h.admin.pubkey());
    h
}

#[tokio::test]
async fn legacy_mainnet_dump_reads_to_its_exact_price() {
    // A deposit requested 2 s before the dump's publish time is due at it.
    let mut h = on_fixture(
        OracleKind::PythLegacy,
        "sol_usd_legacy_price_account.json",
        LEGACY_PUBLISH_TIME - 2,
    )
    .await;
    let m = h.market_state().await;
    assert_eq!(m.oracle, LEGACY_KEY.parse::<Pubkey>().unwrap());
    let u = h.user(10 * ONE).await;
    h.send(&[vault_request_deposit(&h, &u, ONE, 0)], &[&u.kp])
        .await
        .ok();
    h.set_time(LEGACY_PUBLISH_TIME + 5).await;
    let oracle = h.oracle;
    let keeper = h.keeper.kp.insecure_clone();
    let out = h
        .send(&[execute(&h, RequestKind::Deposit, &u, &oracle)], &[&keeper])
        .await
        .executed();
    // 15933544250 * 10^-8 USD = 159.33544250 USD, at 1e18.
    assert_eq!(out.event::<VaultDeposited>().price, 159_335_442_500_000_000_000);
    assert_eq!(h.market_state().await.last_publish_time, LEGACY_PUBLISH_TIME);
    // The funding crank reads it too, until it is 120 s old.
    h.send(&[market_update_funding(&h)], &[]).await.ok();
    h.set_time(LEGACY_PUBLISH_TIME + 121).await;
    h.expect_error(
        vec![market_update_funding(&h)],
        vec![],
        code(HedgeError::OracleStale),
    )
    .await;
}

/// The real `PriceUpdateV2` was the second update published in its second (its
/// previous update has the same publish time), so it executes no request: the
/// first update of that second does. Instant uses read it to its exact price.
#[tokio::test]
async fn pull_mainnet_dump_reads_to_its_exact_price_and_is_not_the_first_of_its_second() {
    let mut h = on_fixture(
        OracleKind::PythPullV2,
        "sol_usd_price_update_v2.json",
        PULL_PUBLISH_TIME + 2,
    )
    .await;
    let m = h.market_state().await;
    assert_eq!(m.feed_id, pyth::SOL_USD_FEED_ID);
    assert_eq!(m.oracle, hedge_vault::oracle::sponsored_price_feed(&m.feed_id));
    let out = h.send(&[market_update_funding(&h)], &[]).await;
    out.ok();
    // 9385943752 * 10^-8 = 93.85943752 USD.
    assert_eq!(out.event::<FundingUpdated>().price, 93_859_437_520_000_000_000);

    // A deposit due exactly at the dump's publish time.
    let u = h.user(10 * ONE).await;
    h.set_time(PULL_PUBLISH_TIME - 2).await;
    h.send(&[vault_request_deposit(&h, &u, ONE, 0)], &[&u.kp])
        .await
        .ok();
    h.set_time(PULL_PUBLISH_TIME + 3).await;
    let (fixture, keeper) = (h.oracle, h.keeper.kp.insecure_clone());
    h.expect_error(
        vec![execute(&h, RequestKind::Deposit, &u, &fixture)],
        vec![&keeper],
        code(HedgeError::OracleNotUniqueForDueTime),
    )
    .await;
    // The first update of that second (its previous one a second earlier) executes it.
    let first = h
        .publish_update(
            9_385_900_000,
            4_672_083,
            -8,
            PULL_PUBLISH_TIME,
            PULL_PUBLISH_TIME - 1,
        )
        .await;
    let out = h
        .send(&[execute(&h, RequestKind::Deposit, &u, &first)], &[&keeper])
        .await
        .executed();
    assert_eq!(out.event::<VaultDeposited>().price, 93_859_000_000_000_000_000);
}

/// PROTOCOL section 6a: of two valid updates around a request's due time, only the
/// unique one (the first published at or after it) executes the request.
#[tokio::test]
async fn only_the_unique_update_of_the_due_time_executes_a_request() {
    let mut h = Harness::new(Setup {
        oracle_kind: OracleKind::PythPullV2,
        ..Setup::default()
    })
    .await;
    let lp = h.user(10 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 2 * ONE).await;
    h.send(&[position_request_trade(&h, &t, ONE as i64, 0)], &[&t.kp])
        .await
        .ok();
    let due = h
        .request_state(&t.key(), RequestKind::Trade)
        .await
        .unwrap()
        .due_time;
    h.set_time(due + 5).await;
    // Four verified updates of the feed around the due time, each within every age
    // window: published a second before it, at it (the first of that second), at it
    // again (the second of that second), and a second after it.
    let before = h.publish_update(95_00000000, 0, -8, due - 1, due - 2).await;
    let unique = h.publish_update(100_00000000, 0, -8, due, due - 1).await;
    let same_second = h.publish_update(97_00000000, 0, -8, due, due).await;
    let after = h.publish_update(96_00000000, 0, -8, due + 1, due).await;
    let keeper = h.keeper.kp.insecure_clone();
    for (update, error) in [
        (before, HedgeError::OraclePublishedBeforeDueTime),
        (same_second, HedgeError::OracleNotUniqueForDueTime),
        (after, HedgeError::OracleNotUniqueForDueTime),
    ] {
        h.expect_error(
            vec![execute(&h, RequestKind::Trade, &t, &update)],
            vec![&keeper],
            code(error),
        )
        .await;
    }
    let out = h
        .send(&[execute(&h, RequestKind::Trade, &t, &unique)], &[&keeper])
        .await
        .executed();
    assert_eq!(
        out.event::<PositionTraded>().fill_price,
        100 * hedge_engine::PRICE_PRECISION
    );
    h.check_invariants().await;
}

/// The finding (HIGH): a deposit at a 25-second-old update of 100 while 97 was
/// current, then a withdrawal on the fresh price, took 2.8% from the other
/// shareholders. Replayed: the stale update cannot execute the deposit; the deposit
/// executes at the unique price of its due time, and the round trip gains nothing.
#[tokio::test]
async fn the_price_choice_attack_on_a_deposit_gains_nothing() {
    let mut h = Harness::new(Setup {
        oracle_kind: OracleKind::PythPullV2,
        ..Setup::default()
    })
    .await;
    // Other shareholders, and traders hedging them.
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(50 * ONE).await;
    h.trader(&t, 30 * ONE).await;
    h.trade(&t, 90 * ONE as i64).await;
    let attacker = h.user(10 * ONE).await;
    let start = h.now().await;
    // The price has moved from 100 to 97; the attacker holds a verified update of 100
    // published 25 s ago (within the age window).
    let stale = h
        .publish_update(100_00000000, 0, -8, start - 25, start - 26)
        .await;
    h.set_price(97_00000000, 0, -8).await;
    h.send(
        &[vault_request_deposit(&h, &attacker, 10 * ONE, 0)],
        &[&attacker.kp],
    )
    .await
    .ok();
    let due = h
        .request_state(&attacker.key(), RequestKind::Deposit)
        .await
        .unwrap()
        .due_time;
    h.set_time(due).await;
    let keeper = h.keeper.kp.insecure_clone();
    h.expect_error(
        vec![execute(&h, RequestKind::Deposit, &attacker, &stale)],
        vec![&keeper],
        code(HedgeError::OraclePublishedBeforeDueTime),
    )
    .await;
    // It executes at 97, the unique price of its due time.
    let out = h.execute_due(RequestKind::Deposit, &attacker).await.executed();
    let shares = out.event::<VaultDeposited>().shares;
    assert_eq!(
        out.event::<VaultDeposited>().price,
        97 * hedge_engine::PRICE_PRECISION
    );
    // ...and the withdrawal, at the same price, returns at most what went in.
    h.set_usd(97.0).await;
    h.send(&[vault_request_withdraw(&h, &attacker, shares)], &[&attacker.kp])
        .await
        .ok();
    let out = h.execute_due(RequestKind::Withdraw, &attacker).await.executed();
    let paid = out.event::<VaultWithdrawn>().paid;
    assert!(paid <= 10 * ONE, "gained {} units", paid - 10 * ONE);
    assert_eq!(h.token_balance(attacker.token).await, paid);
    h.check_invariants().await;
}

/// The finding (HIGH): a position healthy at the current price was liquidated on a
/// 100-second-old wick. Liquidation now needs a price no older than
/// `max_age_liquidate` (30 s here) and never older than the last accepted.
#[tokio::test]
async fn a_liquidation_cannot_use_an_old_wick() {
    let mut h = Harness::new(Setup {
        oracle_kind: OracleKind::PythPullV2,
        ..Setup::default()
    })
    .await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, ONE).await;
    h.trade(&t, 9 * ONE as i64).await;
    let now = h.now().await;
    // A wick to 85, 100 s ago; the price now is 100 (the position is healthy).
    let wick = h.publish_update(85_00000000, 0, -8, now - 100, now - 101).await;
    h.set_usd(100.0).await;
    let mut a = position_liquidate_accounts(&h, &h.keeper, &t.key(), &h.oracle);
    a.oracle = wick;
    let keeper = h.keeper.kp.insecure_clone();
    h.expect_error(
        vec![ix(a, hedge_vault::instruction::PositionLiquidate {})],
        vec![&keeper],
        code(HedgeError::OracleStale),
    )
    .await;
    // A wick 10 s old but older than the price the market last accepted.
    h.send(&[market_update_funding(&h)], &[]).await.ok();
    let recent = h.publish_update(85_00000000, 0, -8, now - 10, now - 11).await;
    let mut a = position_liquidate_accounts(&h, &h.keeper, &t.key(), &h.oracle);
    a.oracle = recent;
    h.expect_error(
        vec![ix(a, hedge_vault::instruction::PositionLiquidate {})],
        vec![&keeper],
        code(HedgeError::OracleOlderThanLast),
    )
    .await;
    h.check_invariants().await;
}

#[tokio::test]
async fn legacy_identity_and_status_checks() {
    let mut h = Harness::new(Setup::default()).await;
    let now = h.now().await;
    let crank = |h: &Harness| market_update_funding(h);
    // The pinned address, but owned by another program.
    let mut acc = pyth::legacy_account(100_00000000, 0, -8, now);
    acc.owner = Pubkey::new_unique();
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(vec![crank(&h)], vec![], code(HedgeError::WrongOracleOwner))
        .await;
    // Not trading.
    let acc = pyth::legacy_account_with_status(100_00000000, 0, -8, now, LegacyStatus::Halted);
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(vec![crank(&h)], vec![], code(HedgeError::OracleNotTrading))
        .await;
    // A status word whose low byte says Trading but which is not 1.
    let mut acc = pyth::legacy_account(100_00000000, 0, -8, now);
    acc.data[hedge_engine::pyth::legacy_offset::AGG_STATUS + 1] = 1;
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(vec![crank(&h)], vec![], code(HedgeError::OracleNotTrading))
        .await;
    // Garbage data owned by Pyth: a wrong magic, version or account type, or too short.
    let bad: [fn(&mut Vec<u8>); 4] = [|d| d[0] ^= 0xff, |d| d[4] = 3, |d| d[8] = 2, |d| d.truncate(3311)];
    for spoil in bad {
        let mut acc = pyth::legacy_account(100_00000000, 0, -8, now);
        spoil(&mut acc.data);
        h.ctx.set_account(&h.oracle, &acc.into());
        h.expect_error(vec![crank(&h)], vec![], code(HedgeError::InvalidOracleAccount))
            .await;
    }
    // Another legacy account than the pinned one.
    let other = Pubkey::new_unique();
    h.ctx
        .set_account(&other, &pyth::legacy_account(100_00000000, 0, -8, now).into());
    let mut a = hedge_client::ix::market_update_funding_accounts(
        &hedge_client::keys::MarketKeys::for_market(h.market, h.mint, h.oracle),
    );
    a.oracle = other;
    h.expect_error(
        vec![ix(a, hedge_vault::instruction::MarketUpdateFunding {})],
        vec![],
        code(HedgeError::WrongOracle),
    )
    .await;
    // Numeric checks.
    for ((price, conf, expo, t), error) in [
        ((0, 0, -8, now), HedgeError::OraclePriceNotPositive),
        ((-5, 0, -8, now), HedgeError::OraclePriceNotPositive),
        ((1, 0, -19, now), HedgeError::OracleExponentOutOfRange),
        ((1, 0, 1, now), HedgeError::OracleExponentOutOfRange),
        (
            (100_00000000, 0, -8, now + 10),
            HedgeError::OraclePublishTimeInFuture,
        ),
        (
            (100_00000000, 6_00000000, -8, now),
            HedgeError::OracleConfidenceTooWide,
        ),
        ((100_00000000, 0, -8, now - 121), HedgeError::OracleStale),
    ] {
        h.set_price_at(price, conf, expo, t).await;
        h.expect_error(vec![crank(&h)], vec![], code(error)).await;
    }
    h.set_price(100_00000000, 0, -8).await;
    h.send(&[crank(&h)], &[]).await.ok();
    // Older than the last accepted.
    h.set_price_at(100_00000000, 0, -8, now - 1).await;
    h.expect_error(vec![crank(&h)], vec![], code(HedgeError::OracleOlderThanLast))
        .await;
}

#[tokio::test]
async fn pull_identity_and_verification_checks() {
    let mut h = Harness::new(Setup {
        oracle_kind: OracleKind::PythPullV2,
        ..Setup::default()
    })
    .await;
    let t = h.user(10 * ONE).await;
    let lp = h.user(10 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    h.trader(&t, ONE).await;
    h.send(&[position_request_trade(&h, &t, ONE as i64, 0)], &[&t.kp])
        .await
        .ok();
    let due = h
        .request_state(&t.key(), RequestKind::Trade)
        .await
        .unwrap()
        .due_time;
    h.set_time(due).await;
    let keeper = h.keeper.kp.insecure_clone();
    let write = |h: &mut Harness, acc: solana_account::Account| {
        let key = Pubkey::new_unique();
        h.ctx.set_account(&key, &acc.into());
        key
    };
    let update = |feed, full| {
        pyth::pull_update(
            &pyth::PullUpdate {
                feed_id: feed,
                price: 100_00000000,
                conf: 0,
                expo: -8,
                publish_time: due,
                prev_publish_time: due - 1,
            },
            full,
        )
    };
    let feed = h.feed_id;
    let partial = write(&mut h, update(feed, false));
    let other_feed = write(&mut h, update([7u8; 32], true));
    let mut foreign = update(feed, true);
    foreign.owner = Pubkey::new_unique();
    let foreign = write(&mut h, foreign);
    let mut bad_level = update(feed, true);
    bad_level.data[40] = 2;
    let bad_level = write(&mut h, bad_level);
    let mut not_update = update(feed, true);
    not_update.data[0] ^= 1;
    let not_update = write(&mut h, not_update);
    let mut short = update(feed, true);
    short.data.truncate(132);
    let short = write(&mut h, short);
    for (acc, error) in [
        (partial, HedgeError::OracleNotFullyVerified),
        (bad_level, HedgeError::InvalidOracleAccount),
        (not_update, HedgeError::InvalidOracleAccount),
        (short, HedgeError::InvalidOracleAccount),
        (other_feed, HedgeError::WrongOracle),
        (foreign, HedgeError::WrongOracleOwner),
    ] {
        h.expect_error(
            vec![execute(&h, RequestKind::Trade, &t, &acc)],
            vec![&keeper],
            code(error),
        )
        .await;
    }
    // Any receiver-owned, fully verified update of the feed is accepted (pull updates
    // are posted into any account), as long as it is the unique one for the due time.
    let good = write(&mut h, update(feed, true));
    h.send(&[execute(&h, RequestKind::Trade, &t, &good)], &[&keeper])
        .await
        .executed();
}
