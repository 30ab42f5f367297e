//! The hedging vault through the real bank: deposit, two-step withdrawal, and every
//! refusal with its exact error and no account changed.

use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::HedgeError;

const ONE: u64 = 1_000_000_000;

#[tokio::test]
async fn deposit_mints_shares_and_moves_tokens() {
    let mut h = Harness::new(Setup::default()).await;
    let u = h.user(10 * ONE).await;
    let out = h.send(&[vault_deposit(&h, &u, 4 * ONE, 0)], &[&u.kp]).await;
    out.ok();
    let ev: VaultDeposited = out.event();
    assert_eq!(ev.amount, 4 * ONE);
    assert_eq!(ev.shares, 4_000 * ONE);
    assert_eq!(ev.collateral, 4 * ONE);
    assert_eq!(h.token_balance(u.token).await, 6 * ONE);
    assert_eq!(h.token_balance(u.shares).await, 4_000 * ONE);
    let m = h.market_state().await;
    assert_eq!(m.collateral, 4 * ONE);
    assert_eq!(h.token_balance(m.collateral_vault).await, 4 * ONE);
    h.check_invariants().await;
}
