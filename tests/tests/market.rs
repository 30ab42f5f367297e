//! `market_create`: accounts, authorities, and range checks by name.

use anchor_lang::prelude::Pubkey;
use anchor_spl::token::{Mint, TokenAccount};
use hedge_engine::params::RiskParams;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::MarketCreated;
use hedge_vault::state::{Market, OracleConfig, OracleKind, Stake, FLAG_FREEZABLE_MINT};
use hedge_vault::HedgeError;
use solana_signer::Signer;

#[tokio::test]
async fn creates_program_owned_accounts() {
    let mut h = Harness::bare(Setup::default()).await;
    let ix = market_create(&h, h.setup.params.into(), h.setup.oracle_config);
    let admin = h.admin.insecure_clone();
    let out = h.send(&[ix], &[&admin]).await;
    out.ok();
    let market = market_pda(&h.mint, &admin.pubkey());
    h.market = market;
    let ev: MarketCreated = out.event();
    assert_eq!(
        (ev.market, ev.admin, ev.collateral_mint, ev.oracle),
        (market, admin.pubkey(), h.mint, h.oracle)
    );
    let m: Market = h.anchor_account(market).await;
    assert_eq!(m.admin, admin.pubkey());
    assert_eq!(m.decimals, 9);
    assert_eq!(RiskParams::from(m.params), h.setup.params);
    let seed = h.setup.seed_insurance;
    assert_eq!(ev.seed_insurance, seed);
    assert_eq!(ev.freeze_authority, Pubkey::default());
    assert_eq!(m.flags & FLAG_FREEZABLE_MINT, 0);
    for (vault, amount) in [(m.collateral_vault, 0), (m.insurance_vault, seed)] {
        let t: TokenAccount = h.anchor_account(vault).await;
        assert_eq!((t.mint, t.owner, t.amount), (h.mint, market, amount));
    }
    // The creator's seed stake: the first stake mints VIRTUAL_SHARES/VIRTUAL_ASSETS
    // shares per native unit.
    let per_unit = hedge_engine::VIRTUAL_SHARES / hedge_engine::VIRTUAL_ASSETS;
    assert_eq!(m.insurance, seed);
    assert_eq!(u128::from(m.insurance_shares), u128::from(seed) * per_unit);
    let stake: Stake = h.anchor_account(stake_pda(&market, &admin.pubkey())).await;
    assert_eq!((stake.owner, stake.shares), (admin.pubkey(), m.insurance_shares));
    assert_eq!(h.token_balance(h.admin_token).await, 0);
    let s: Mint = h.anchor_account(m.share_mint).await;
    assert_eq!(s.decimals, 12);
    assert_eq!(s.mint_authority, Some(market).into());
    let e: TokenAccount = h.anchor_account(m.share_escrow).await;
    assert_eq!((e.mint, e.owner), (m.share_mint, market));
    h.check_invariants().await;
}

#[tokio::test]
async fn parameters_are_range_checked() {
    let mut h = Harness::bare(Setup::default()).await;
    let admin = h.admin.insecure_clone();
    let mut p = RiskParams::default_for_tests();
    p.liquidation_fee_ratio = p.maintenance_margin_ratio; // f < r_m violated
    let ix1 = market_create(&h, p.into(), h.setup.oracle_config);
    h.expect_error(vec![ix1], vec![&admin], code(HedgeError::InvalidParameter))
        .await;
    let mut p = RiskParams::default_for_tests();
    p.maintenance_margin_ratio = p.initial_margin_ratio; // r_m < r_i violated
    let ix2 = market_create(&h, p.into(), h.setup.oracle_config);
    h.expect_error(vec![ix2], vec![&admin], code(HedgeError::InvalidParameter))
        .await;
    // A confirmation delay longer than an instant price may be old, or none.
    for liquidation_confirmation in [0, 121] {
        let bad_oracle = OracleConfig {
            liquidation_confirmation,
            ..h.setup.oracle_config
        };
        let ix3 = market_create(&h, h.setup.params.into(), bad_oracle);
        h.expect_error(vec![ix3], vec![&admin], code(HedgeError::InvalidParameter))
            .await;
    }
    // A skew potential steeper than maintenance margin can pay for (PROTOCOL section
    // 4, revision 5: 2k(1 + f_t) + f_t + f <= r_m; here 2 * 2% * 1.001 + 0.1% + 1% =
    // 5.1% > 5%).
    let mut steep = h.setup.params;
    steep.impact_fee_ratio = 20_000;
    assert_eq!(
        steep.first_violation(),
        Some(
            "the cost of an exit at the skew potential's steepest slope, with the taker and liquidation fees, fits in maintenance_margin_ratio"
        )
    );
    let ix6 = market_create(&h, steep.into(), h.setup.oracle_config);
    h.expect_error(vec![ix6], vec![&admin], code(HedgeError::InvalidParameter))
        .await;
    // The settlement floor no creator can lower (PROTOCOL section 6): at least 24
    // hours of silence.
    let floor = h.setup.admin_config;
    for bad in [hedge_vault::state::AdminConfig {
        settlement_timeout: 86_399,
        ..floor
    }] {
        let mut args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
        args.admin_config = bad;
        let ix5 = ix(
            market_create_accounts(&h),
            hedge_vault::instruction::MarketCreate { args },
        );
        h.expect_error(vec![ix5], vec![&admin], code(HedgeError::InvalidParameter))
            .await;
    }
    // An oracle account not owned by the named Pyth program.
    let mut a = market_create_accounts(&h);
    a.oracle = Pubkey::new_unique();
    let now = h.now().await;
    let mut acc = pyth::legacy_account(1, 0, -8, now);
    acc.owner = Pubkey::new_unique();
    h.ctx.set_account(&a.oracle, &acc.into());
    let ix4 = ix(
        a,
        hedge_vault::instruction::MarketCreate {
            args: market_create_args(&h, h.setup.params.into(), h.setup.oracle_config),
        },
    );
    h.expect_error(vec![ix4], vec![&admin], code(HedgeError::WrongOracleOwner))
        .await;
}

#[tokio::test]
async fn mints_with_more_than_nine_decimals_are_refused() {
    let mut h = Harness::bare(Setup {
        decimals: 10,
        ..Setup::default()
    })
    .await;
    let admin = h.admin.insecure_clone();
    let ix = market_create(&h, h.setup.params.into(), h.setup.oracle_config);
    h.expect_error(vec![ix], vec![&admin], code(HedgeError::UnsupportedMintDecimals))
        .await;
}

/// Markets are seeded by mint and creator: nobody can squat a mint's market, a
/// second creator gets a market of its own.
#[tokio::test]
async fn a_second_creator_gets_its_own_market_for_the_same_mint() {
    let mut h = Harness::new(Setup::default()).await;
    let first = h.market;
    let seed = h.setup.seed_insurance;
    let other_user = h.user(seed).await;
    let other = other_user.kp.insecure_clone();
    let args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
    let keys = hedge_client::keys::MarketKeys::new(h.mint, other.pubkey(), h.oracle);
    let ix2 = hedge_client::ix::market_create(&keys, &other.pubkey(), &other_user.token, args);
    h.send(&[ix2], &[&other]).await.ok();
    assert_ne!(keys.market, first);
    let m: Market = h.anchor_account(keys.market).await;
    assert_eq!(
        (m.admin, m.creator, m.collateral_mint),
        (other.pubkey(), other.pubkey(), h.mint)
    );
    let original: Market = h.anchor_account(first).await;
    assert_eq!(original.creator, h.admin.pubkey());
}

/// A collateral mint with a freeze authority is refused unless the creator accepts
/// it; accepted, the market records it (flag and event) for users to see.
#[tokio::test]
async fn a_freezable_mint_needs_explicit_acceptance() {
    let mut h = Harness::bare(Setup {
        freezable_mint: true,
        ..Setup::default()
    })
    .await;
    let admin = h.admin.insecure_clone();
    let ix1 = market_create(&h, h.setup.params.into(), h.setup.oracle_config);
    h.expect_error(vec![ix1], vec![&admin], code(HedgeError::MintHasFreezeAuthority))
        .await;
    let mut args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
    args.accept_freeze_authority = true;
    let ix2 = ix(
        market_create_accounts(&h),
        hedge_vault::instruction::MarketCreate { args },
    );
    let out = h.send(&[ix2], &[&admin]).await;
    out.ok();
    let ev: MarketCreated = out.event();
    assert_eq!(ev.freeze_authority, h.mint_authority.pubkey());
    let m: Market = h.anchor_account(market_pda(&h.mint, &admin.pubkey())).await;
    assert_eq!(m.flags & FLAG_FREEZABLE_MINT, FLAG_FREEZABLE_MINT);
}

/// Without a seed insurance stake the stress-sized cap would refuse every trade,
/// so a market cannot be created without one, nor with more than the creator has.
#[tokio::test]
async fn the_seed_insurance_stake_is_required_and_paid() {
    let mut h = Harness::bare(Setup::default()).await;
    let admin = h.admin.insecure_clone();
    for (seed, err) in [
        (0, HedgeError::InsuranceSeedRequired),
        (h.setup.seed_insurance + 1, HedgeError::InsufficientFunds),
    ] {
        let mut args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
        args.seed_insurance = seed;
        let ix1 = ix(
            market_create_accounts(&h),
            hedge_vault::instruction::MarketCreate { args },
        );
        h.expect_error(vec![ix1], vec![&admin], code(err)).await;
    }
    // Someone else's token account cannot pay the creator's seed.
    let stranger = h.user(h.setup.seed_insurance).await;
    let mut a = market_create_accounts(&h);
    a.creator_token = stranger.token;
    let args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
    let ix2 = ix(a, hedge_vault::instruction::MarketCreate { args });
    h.expect_error(vec![ix2], vec![&admin], code(HedgeError::WrongOwner))
        .await;
}

/// A pull market pins the feed's sponsored price-feed account: another account of
/// the receiver carrying the same feed (a one-off posted update that anyone can
/// write) is refused, as is the sponsored account of another feed id.
#[tokio::test]
async fn a_pull_market_pins_the_sponsored_price_feed_account() {
    let mut h = Harness::bare(Setup {
        oracle_kind: OracleKind::PythPullV2,
        ..Setup::default()
    })
    .await;
    let admin = h.admin.insecure_clone();
    let sponsored = h.ctx.banks_client.get_account(h.oracle).await.unwrap().unwrap();
    let posted = Pubkey::new_unique();
    h.ctx.set_account(&posted, &sponsored.clone().into());
    let mut a = market_create_accounts(&h);
    a.oracle = posted;
    let args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
    let ix1 = ix(a, hedge_vault::instruction::MarketCreate { args });
    h.expect_error(vec![ix1], vec![&admin], code(HedgeError::WrongPriceFeedAccount))
        .await;
    let mut args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
    args.feed_id[0] ^= 1;
    let ix2 = ix(
        market_create_accounts(&h),
        hedge_vault::instruction::MarketCreate { args },
    );
    h.expect_error(vec![ix2], vec![&admin], code(HedgeError::WrongPriceFeedAccount))
        .await;
    // The sponsored account itself is accepted.
    let ix3 = market_create(&h, h.setup.params.into(), h.setup.oracle_config);
    h.send(&[ix3], &[&admin]).await.ok();
}
