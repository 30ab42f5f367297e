//! Liquidation through the bank: partial to the target margin, the reward to the
//! liquidator first, bad debt through the insurance fund then to shareholders, the
//! looser confidence limit, every refusal by name, a batch of eight in one
//! transaction, and auto-deleveraging when the vault's own margin is breached.

use anchor_lang::prelude::Pubkey;
use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::HedgeError;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

fn no_fees() -> Setup {
    let mut s = Setup::default();
    s.params.taker_fee_ratio = 0;
    s.params.impact_fee_ratio = 0;
    s
}

/// A 100-token vault and a 10x long of 10 tokens (1 token margin).
async fn ten_x() -> (Harness, User, User) {
    let mut h = Harness::new(no_fees()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, ONE).await;
    h.trade(&t, 10 * IONE).await;
    let liq = h.user(0).await;
    (h, t, liq)
}

#[tokio::test]
async fn partial_liquidation_pays_the_liquidator_first() {
    let (mut h, t, liq) = ten_x().await;
    h.set_usd(95.0).await;
    let out = h
        .send(&[position_liquidate(&h, &liq, &t.key(), &h.oracle)], &[&liq.kp])
        .await;
    out.ok();
    let ev: PositionLiquidated = out.event();
    assert!(ev.closed > 0 && ev.closed < 10 * ONE, "{}", ev.closed);
    assert_eq!(ev.bad_debt, 0);
    assert!(out.events::<BadDebtResolved>().is_empty());
    assert_eq!(h.token_balance(liq.token).await, ev.liquidator_reward);
    assert!(ev.liquidator_reward > 0 && ev.insurance_reward > 0);
    let m = h.market_state().await;
    assert_eq!(m.insurance, h.setup.seed_insurance + ev.insurance_reward);
    // What remains is healthy: a second call is refused.
    h.expect_error(
        vec![position_liquidate(&h, &liq, &t.key(), &h.oracle)],
        vec![&liq.kp],
        code(HedgeError::PositionHealthy),
    )
    .await;
    h.check_invariants().await;
}

#[tokio::test]
async fn refusals_are_named() {
    let (mut h, t, liq) = ten_x().await;
    let liq_ix = |h: &Harness| position_liquidate(h, &liq, &t.key(), &h.oracle);
    h.expect_error(vec![liq_ix(&h)], vec![&liq.kp], code(HedgeError::PositionHealthy))
        .await;
    // Stale: older than max_age_liquidate (30 s).
    h.advance(31).await;
    h.expect_error(vec![liq_ix(&h)], vec![&liq.kp], code(HedgeError::OracleStale))
        .await;
    // Too uncertain even for the loose limit (5%); 3% is fine for liquidation though
    // refused for trading (2%).
    h.set_price(95_00000000, 6_00000000, -8).await;
    h.expect_error(
        vec![liq_ix(&h)],
        vec![&liq.kp],
        code(HedgeError::OracleConfidenceTooWide),
    )
    .await;
    h.set_price(95_00000000, 2_85000000, -8).await;
    assert_eq!(
        h.try_trade(&t, IONE, 0).await.refused(),
        code(HedgeError::OracleConfidenceTooWide)
    );
    h.send(&[liq_ix(&h)], &[&liq.kp]).await.ok();
    // An empty position.
    let idle = h.user(ONE).await;
    h.trader(&idle, ONE).await;
    h.expect_error(
        vec![position_liquidate(&h, &liq, &idle.key(), &h.oracle)],
        vec![&liq.kp],
        code(HedgeError::PositionEmpty),
    )
    .await;
    // A position of another market.
    let (_, other) = h.extra_market().await;
    let main = h.market;
    h.market = other;
    h.send(&[position_open(&h, &idle)], &[&idle.kp]).await.ok();
    h.market = main;
    let mut a = position_liquidate_accounts(&h, &liq, &idle.key(), &h.oracle);
    a.position = position_pda(&other, &idle.key());
    h.expect_error(
        vec![ix(a, hedge_vault::instruction::PositionLiquidate {})],
        vec![&liq.kp],
        code(HedgeError::WrongMarket),
    )
    .await;
    h.check_invariants().await;
}

#[tokio::test]
async fn bad_debt_goes_to_the_fund_then_to_shareholders() {
    // Covered by the fund.
    let (mut h, t, liq) = ten_x().await;
    let staker = h.user(5 * ONE).await;
    h.send(&[insurance_stake(&h, &staker, 5 * ONE)], &[&staker.kp])
        .await
        .ok();
    h.set_usd(85.0).await;
    let out = h
        .send(&[position_liquidate(&h, &liq, &t.key(), &h.oracle)], &[&liq.kp])
        .await;
    out.ok();
    let ev: BadDebtResolved = out.event();
    assert!(ev.bad_debt > 0);
    assert_eq!((ev.insurance_covered, ev.socialized), (ev.bad_debt, 0));
    assert_eq!(ev.insurance_after, h.setup.seed_insurance + 5 * ONE - ev.bad_debt);
    assert_eq!(h.position_state(&t.key()).await.margin, 0);
    h.check_invariants().await;

    // A fund the creator has emptied since the positions opened, down to what the
    // open interest needs (revision 5: an unstake leaves the fund covering the larger
    // side at the stress move, here the 10-token long at a 50% gap beyond its 10%
    // margin, 4 tokens; the rest stays queued); then a gap larger than the stress
    // move: the loss beyond the fund is socialized, and recorded.
    let (mut h, t, liq) = ten_x().await;
    let creator = User {
        kp: h.admin.insecure_clone(),
        token: h.admin_token,
        shares: Pubkey::default(),
    };
    let stake: hedge_vault::state::Stake = h.anchor_account(stake_pda(&h.market, &creator.key())).await;
    h.send(
        &[insurance_request_unstake(&h, &creator, stake.shares)],
        &[&creator.kp],
    )
    .await
    .ok();
    let unstaked: hedge_vault::events::InsuranceUnstaked =
        h.execute_due(RequestKind::Unstake, &creator).await.event();
    assert_eq!(unstaked.insurance_after, 4 * ONE);
    assert!(unstaked.shares_remaining > 0, "{unstaked:?}");
    let c_before = h.market_state().await.collateral;
    h.set_usd(40.0).await;
    let out = h
        .send(&[position_liquidate(&h, &liq, &t.key(), &h.oracle)], &[&liq.kp])
        .await;
    let ev: BadDebtResolved = out.event();
    let liquidated: PositionLiquidated = out.event();
    assert_eq!(ev.insurance_covered + ev.socialized, ev.bad_debt);
    assert!(ev.socialized > 0 && ev.insurance_after == 0, "{ev:?}");
    let m = h.market_state().await;
    assert_eq!(m.total_socialized, ev.socialized);
    // C took the trader's funding (a day passed) and whole realized loss, but lost
    // the part never paid.
    assert_ne!(liquidated.funding_paid, 0);
    assert_eq!(
        m.collateral as i64,
        c_before as i64 + liquidated.funding_paid - liquidated.realized_pnl - ev.socialized as i64
    );
    h.check_invariants().await;
}

/// Eight liquidations in one transaction; prints its size and account count.
#[tokio::test]
async fn eight_liquidations_fit_in_one_transaction() {
    let mut h = Harness::new(no_fees()).await;
    let lp = h.user(200 * ONE).await;
    h.deposit(&lp, 200 * ONE).await;
    let mut traders = Vec::new();
    for _ in 0..8 {
        let t = h.user(2 * ONE).await;
        h.trader(&t, ONE).await;
        h.trade(&t, 10 * IONE).await;
        traders.push(t);
    }
    let liq = h.user(0).await;
    h.set_usd(94.0).await;
    let ixs: Vec<_> = traders
        .iter()
        .map(|t| position_liquidate(&h, &liq, &t.key(), &h.oracle))
        .collect();
    // Size of the transaction as the cluster would receive it.
    let payer = h.payer();
    let mut all =
        vec![solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(1_400_000)];
    all.extend(ixs.clone());
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &all,
        Some(&payer.pubkey()),
        &[&payer, &liq.kp],
        h.ctx.last_blockhash,
    );
    let bytes = bincode_len(&tx);
    let keys = tx.message.account_keys.len();
    println!("batch of 8 liquidations: {bytes} bytes (limit 1232), {keys} account keys (limit 64 locks)");
    assert!(bytes <= 1232, "{bytes}");
    let out = h.send(&ixs, &[&liq.kp]).await;
    out.ok();
    assert_eq!(out.events::<PositionLiquidated>().len(), 8);
    // Natively the bank meters only the SPL Token part; with the program's SBF build
    // loaded (HEDGE_PROGRAM_SO_DIR) this is the whole batch.
    println!("batch of 8 liquidations: {} compute units", out.compute_units);
    assert!(out.compute_units <= 1_400_000);
    h.check_invariants().await;
}

fn bincode_len(tx: &solana_transaction::Transaction) -> usize {
    // Signatures (compact-u16 count + 64 each) + the serialized message.
    let msg = tx.message.serialize();
    1 + tx.signatures.len() * 64 + msg.len()
}

#[tokio::test]
async fn vault_margin_breach_triggers_auto_deleveraging() {
    let mut h = Harness::new(no_fees()).await;
    let lp = h.user(10 * ONE).await;
    // B opens a small long at 3000; A a 10-token long at 100.
    h.set_usd(3_000.0).await;
    h.deposit(&lp, 10 * ONE).await;
    let b = h.user(2 * ONE).await;
    h.trader(&b, ONE).await;
    h.trade(&b, IONE / 2).await;
    h.set_usd(100.0).await;
    let a = h.user(20 * ONE).await;
    h.trader(&a, 10 * ONE).await;
    h.trade(&a, 10 * IONE).await;
    // Not in breach yet.
    h.expect_error(
        vec![market_auto_deleverage(&h, &a.key(), &h.oracle)],
        vec![],
        code(HedgeError::VaultNotInBreach),
    )
    .await;
    // At 2600 traders' gains leave the vault below r_m * N.
    h.set_usd(2_600.0).await;
    h.send(&[market_update_funding(&h)], &[]).await.ok();
    assert!(h.market_state().await.is_reduce_only());
    h.expect_error(
        vec![position_request_trade(&h, &a, IONE / 10, 0)],
        vec![&a.kp],
        code(HedgeError::MarketReduceOnly),
    )
    .await;
    // B is losing: not a deleveraging candidate.
    h.expect_error(
        vec![market_auto_deleverage(&h, &b.key(), &h.oracle)],
        vec![],
        code(HedgeError::PositionNotProfitable),
    )
    .await;
    let out = h
        .send(&[market_auto_deleverage(&h, &a.key(), &h.oracle)], &[])
        .await;
    out.ok();
    let ev: AutoDeleveraged = out.event();
    assert_eq!(ev.closed, 10 * ONE);
    assert!(ev.realized_pnl > 0);
    assert!(!ev.reduce_only_after);
    assert!(!h.market_state().await.is_reduce_only());
    h.check_invariants().await;
}

/// Measures the size and account count of each keeper transaction (docs/KEEPERS.md).
#[tokio::test]
async fn keeper_transaction_sizes() {
    let (h, t, liq) = ten_x().await;
    let payer = h.payer();
    let measure = |name: &str, ixs: Vec<hedge_tests::Instruction>, signers: &[&solana_keypair::Keypair]| {
        let mut keys = vec![&payer];
        keys.extend_from_slice(signers);
        let tx = solana_transaction::Transaction::new_signed_with_payer(
            &ixs,
            Some(&payer.pubkey()),
            &keys,
            h.ctx.last_blockhash,
        );
        let bytes = bincode_len(&tx);
        println!(
            "{name}: {bytes} bytes, {} account keys, {} signatures",
            tx.message.account_keys.len(),
            keys.len()
        );
        bytes
    };
    assert!(measure("market_update_funding", vec![market_update_funding(&h)], &[]) < 400);
    measure(
        "position_settle_funding",
        vec![position_settle_funding(&h, &t.key())],
        &[],
    );
    measure(
        "position_liquidate x1",
        vec![position_liquidate(&h, &liq, &t.key(), &h.oracle)],
        &[&liq.kp],
    );
    measure(
        "market_auto_deleverage",
        vec![market_auto_deleverage(&h, &t.key(), &h.oracle)],
        &[],
    );
    let many: Vec<_> = (0..12)
        .map(|_| position_liquidate(&h, &liq, &Pubkey::new_unique(), &h.oracle))
        .collect();
    let twelve = measure("position_liquidate x12", many, &[&liq.kp]);
    assert!(twelve <= 1232, "12 liquidations fit in one transaction: {twelve}");
    // Request executions: the executor signs; each execution of another owner adds
    // the owner and its accounts, the market's and the price update are shared.
    let keeper = h.keeper.kp.insecure_clone();
    let oracle = h.oracle;
    let exec = |kind: RequestKind, u: &User| execute(&h, kind, u, &oracle);
    measure(
        "position_execute_trade x1",
        vec![exec(RequestKind::Trade, &t)],
        &[&keeper],
    );
    measure(
        "vault_execute_deposit x1",
        vec![exec(RequestKind::Deposit, &t)],
        &[&keeper],
    );
    measure(
        "vault_execute_withdraw x1",
        vec![exec(RequestKind::Withdraw, &t)],
        &[&keeper],
    );
    let others: Vec<User> = (0..16)
        .map(|_| User {
            kp: solana_keypair::Keypair::new(),
            token: Pubkey::new_unique(),
            shares: Pubkey::new_unique(),
        })
        .collect();
    let fit = |kind: RequestKind| {
        (1..=others.len())
            .take_while(|&n| {
                let ixs = others[..n].iter().map(|u| exec(kind, u)).collect();
                measure(&format!("{kind:?} executions x{n}"), ixs, &[&keeper]) <= 1232
            })
            .last()
            .unwrap_or(0)
    };
    let trades = fit(RequestKind::Trade);
    let deposits = fit(RequestKind::Deposit);
    println!("per transaction: {trades} trade executions, {deposits} deposit executions");
    // A deposit execution names the share escrow too (where shares wait for a claim).
    assert!(trades >= 6 && deposits >= 4, "{trades} {deposits}");
}
