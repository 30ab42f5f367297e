//! `market_create`: accounts, authorities, and range checks by name.

use anchor_lang::prelude::Pubkey;
use anchor_spl::token::{Mint, TokenAccount};
use hedge_engine::params::RiskParams;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::MarketCreated;
use hedge_vault::state::{Market, OracleConfig};
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
    for vault in [m.collateral_vault, m.insurance_vault] {
        let t: TokenAccount = h.anchor_account(vault).await;
        assert_eq!((t.mint, t.owner, t.amount), (h.mint, market, 0));
    }
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
    let bad_oracle = OracleConfig {
        max_age_increase: 200,
        ..h.setup.oracle_config
    };
    let ix3 = market_create(&h, h.setup.params.into(), bad_oracle);
    h.expect_error(vec![ix3], vec![&admin], code(HedgeError::InvalidParameter))
        .await;
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
    let other = solana_keypair::Keypair::new();
    h.airdrop(&other.pubkey(), 10_000_000_000).await;
    let args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
    let keys = hedge_client::keys::MarketKeys::new(h.mint, other.pubkey(), h.oracle);
    let ix2 = hedge_client::ix::market_create(&keys, &other.pubkey(), args);
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
