//! Both Pyth formats read through the program: the real mainnet dumps in
//! tests/fixtures/pyth give their exact price (clock set near their publish time) and
//! are refused once stale; every identity and format check refuses by name.

use anchor_lang::prelude::Pubkey;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::OracleKind;
use hedge_vault::HedgeError;
use pyth_sdk_solana::state::PriceStatus;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const LEGACY_KEY: &str = "H6ARHf6YXhGYeQfUzQNGk6rDNnLBQKrenN712K4AQJEG";
const LEGACY_PUBLISH_TIME: i64 = 1_717_928_318;
const PULL_PUBLISH_TIME: i64 = 1_787_392_706;

/// A harness whose oracle account is the fixture, with the clock `age` seconds after
/// its publish time, and a market created on it.
async fn on_fixture(kind: OracleKind, file: &str, publish_time: i64, age: i64) -> Harness {
    let mut h = Harness::bare(Setup {
        oracle_kind: kind,
        ..Setup::default()
    })
    .await;
    if kind == OracleKind::PythLegacy {
        h.oracle = LEGACY_KEY.parse().unwrap();
    }
    h.ctx.set_account(&h.oracle, &pyth::fixture(file).into());
    h.set_time(publish_time + age).await;
    let ix = market_create(&h, h.setup.params.into(), h.setup.oracle_config);
    let admin = h.admin.insecure_clone();
    h.send(&[ix], &[&admin]).await.ok();
    h.market = hedge_vault_market(&h.mint, &h.admin.pubkey());
    h
}

#[tokio::test]
async fn legacy_mainnet_dump_reads_to_its_exact_price() {
    let mut h = on_fixture(
        OracleKind::PythLegacy,
        "sol_usd_legacy_price_account.json",
        LEGACY_PUBLISH_TIME,
        5,
    )
    .await;
    let m = h.market_state().await;
    assert_eq!(m.oracle, LEGACY_KEY.parse::<Pubkey>().unwrap());
    let u = h.user(10 * ONE).await;
    let out = h.deposit(&u, ONE).await;
    // 15933544250 * 10^-8 USD = 159.33544250 USD, at 1e18.
    assert_eq!(out.event::<VaultDeposited>().price, 159_335_442_500_000_000_000);
    let m = h.market_state().await;
    assert_eq!(m.last_publish_time, LEGACY_PUBLISH_TIME);
    // 31 s after publication it is too old for a deposit.
    h.set_time(LEGACY_PUBLISH_TIME + 31).await;
    h.expect_error(
        vec![vault_deposit(&h, &u, ONE, 0)],
        vec![&u.kp],
        code(HedgeError::OracleStale),
    )
    .await;
}

#[tokio::test]
async fn pull_mainnet_dump_reads_to_its_exact_price() {
    let mut h = on_fixture(
        OracleKind::PythPullV2,
        "sol_usd_price_update_v2.json",
        PULL_PUBLISH_TIME,
        2,
    )
    .await;
    let m = h.market_state().await;
    assert_eq!(m.feed_id, pyth::SOL_USD_FEED_ID);
    let u = h.user(10 * ONE).await;
    let u2 = h.user(10 * ONE).await;
    h.deposit(&u2, ONE).await;
    let out = h.deposit(&u, ONE).await;
    // 9385943752 * 10^-8 = 93.85943752 USD.
    assert_eq!(out.event::<VaultDeposited>().price, 93_859_437_520_000_000_000);
    h.set_time(PULL_PUBLISH_TIME + 31).await;
    h.expect_error(
        vec![vault_deposit(&h, &u, ONE, 0)],
        vec![&u.kp],
        code(HedgeError::OracleStale),
    )
    .await;
    // Reductions and withdrawals accept up to 120 s.
    h.send(&[vault_request_withdraw(&h, &u, 100 * ONE)], &[&u.kp])
        .await
        .ok();
    h.set_time(PULL_PUBLISH_TIME + 121).await;
    h.expect_error(
        vec![vault_request_withdraw(&h, &u2, ONE)],
        vec![&u2.kp],
        code(HedgeError::OracleStale),
    )
    .await;
}

#[tokio::test]
async fn legacy_identity_and_status_checks() {
    let mut h = Harness::new(Setup::default()).await;
    let u = h.user(10 * ONE).await;
    let now = h.now().await;
    let deposit = |h: &Harness| vault_deposit(h, &u, ONE, 0);
    // The pinned address, but owned by another program.
    let mut acc = pyth::legacy_account(100_00000000, 0, -8, now);
    acc.owner = Pubkey::new_unique();
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(vec![deposit(&h)], vec![&u.kp], code(HedgeError::WrongOracleOwner))
        .await;
    // Not trading.
    let acc = pyth::legacy_account_with_status(100_00000000, 0, -8, now, PriceStatus::Halted);
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(vec![deposit(&h)], vec![&u.kp], code(HedgeError::OracleNotTrading))
        .await;
    // Garbage data owned by Pyth.
    let mut acc = pyth::legacy_account(100_00000000, 0, -8, now);
    acc.data[0] ^= 0xff;
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(
        vec![deposit(&h)],
        vec![&u.kp],
        code(HedgeError::InvalidOracleAccount),
    )
    .await;
    // Numeric checks.
    h.set_price(0, 0, -8).await;
    h.expect_error(
        vec![deposit(&h)],
        vec![&u.kp],
        code(HedgeError::OraclePriceNotPositive),
    )
    .await;
    h.set_price(-5, 0, -8).await;
    h.expect_error(
        vec![deposit(&h)],
        vec![&u.kp],
        code(HedgeError::OraclePriceNotPositive),
    )
    .await;
    h.set_price(1, 0, -19).await;
    h.expect_error(
        vec![deposit(&h)],
        vec![&u.kp],
        code(HedgeError::OracleExponentOutOfRange),
    )
    .await;
    h.set_price_at(100_00000000, 0, -8, now + 10).await;
    h.expect_error(
        vec![deposit(&h)],
        vec![&u.kp],
        code(HedgeError::OraclePublishTimeInFuture),
    )
    .await;
    h.set_price(100_00000000, 0, -8).await;
    h.deposit(&u, ONE).await;
}

#[tokio::test]
async fn pull_identity_and_verification_checks() {
    let mut h = Harness::new(Setup {
        oracle_kind: OracleKind::PythPullV2,
        ..Setup::default()
    })
    .await;
    let u = h.user(10 * ONE).await;
    let now = h.now().await;
    let deposit = |h: &Harness| vault_deposit(h, &u, ONE, 0);
    // Partially verified.
    let acc = pyth::pull_account(h.feed_id, 100_00000000, 0, -8, now, false);
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(
        vec![deposit(&h)],
        vec![&u.kp],
        code(HedgeError::OracleNotFullyVerified),
    )
    .await;
    // Another feed.
    let acc = pyth::pull_account([7u8; 32], 100_00000000, 0, -8, now, true);
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(vec![deposit(&h)], vec![&u.kp], code(HedgeError::WrongOracle))
        .await;
    // Right data, wrong owner.
    let mut acc = pyth::pull_account(h.feed_id, 100_00000000, 0, -8, now, true);
    acc.owner = Pubkey::new_unique();
    h.ctx.set_account(&h.oracle, &acc.into());
    h.expect_error(vec![deposit(&h)], vec![&u.kp], code(HedgeError::WrongOracleOwner))
        .await;
    // Any receiver-owned account of the right feed is accepted (pull oracles are not
    // pinned by address).
    let fresh = Pubkey::new_unique();
    h.ctx.set_account(
        &fresh,
        &pyth::pull_account(h.feed_id, 101_00000000, 0, -8, now, true).into(),
    );
    let mut a = vault_deposit_accounts(&h, &u);
    a.oracle = fresh;
    let out = h
        .send(
            &[ix(
                a,
                hedge_vault::instruction::VaultDeposit {
                    amount: ONE,
                    min_hedge_ratio: 0,
                },
            )],
            &[&u.kp],
        )
        .await;
    out.ok();
    assert_eq!(
        out.event::<VaultDeposited>().price,
        101 * hedge_engine::PRICE_PRECISION
    );
}
