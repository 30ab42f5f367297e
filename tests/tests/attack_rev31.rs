//! Review of issue 31's changes (50b99a7: no PDA re-derivation of Market/Request;
//! 9ea1e07: hand-built SPL Token CPIs; db52848: `requests::at_due_price`), attacked
//! by a user with several wallets. `attempt_*`: refused or held; `fixed_*`: what the
//! review found (an ended request executed again) and the fix holds.

use anchor_lang::prelude::Pubkey;
use anchor_spl::token::spl_token;
use hedge_client::keys::MarketKeys;
use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::{Request, Stake};
use hedge_vault::HedgeError;
use solana_keypair::Keypair;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

fn mk(h: &Harness) -> MarketKeys {
    MarketKeys::for_market(h.market, h.mint, h.oracle)
}

/// Empties `account` (of `u`) into a fresh account of `u` and closes it; returns the
/// fresh account.
async fn close_token(h: &mut Harness, u: &User, account: Pubkey) -> Pubkey {
    let mint = h
        .anchor_account::<anchor_spl::token::TokenAccount>(account)
        .await
        .mint;
    let spare = h.create_token_account(&mint, &u.key()).await;
    let amount = h.token_balance(account).await;
    let ixs = [
        spl_token::instruction::transfer(&spl_token::ID, &account, &spare, &u.key(), &[], amount).unwrap(),
        spl_token::instruction::close_account(&spl_token::ID, &account, &u.key(), &u.key(), &[]).unwrap(),
    ];
    h.send(&ixs, &[&u.kp]).await.ok();
    spare
}

async fn raw_request(h: &mut Harness, owner: &Pubkey, kind: RequestKind) -> Option<Request> {
    let key = request_pda(&h.market, owner, kind);
    h.anchor_account_opt::<Request>(key).await
}

fn keeper(h: &Harness) -> Keypair {
    h.keeper.kp.insecure_clone()
}

// ---------------------------------------------------------------------------------
// Found by this review and fixed: an ended request kept open (it holds a claim, or
// its owner's wallet is executable) was executed again: no handler checked
// `request.is_pending()`. Now every execution and cancellation does
// (`requests::check_pending`, `RequestNotPending`). Before the fix: 50 tokens out of
// the fund for a 10-token stake; a victim's escrowed shares burnt and his 100 tokens
// stuck; a victim's escrowed deposit minted to the attacker; a trade filled 3 times.
// ---------------------------------------------------------------------------------

/// A staker's unstake is executed, its payment held (he closed the token account he
/// named); the request account stays for the claim, and executing it again is
/// refused by name and changes nothing: the claim is the one payment.
#[tokio::test]
async fn fixed_an_unstake_with_a_held_claim_is_not_executed_again() {
    let mut h = Harness::new(Setup::default()).await;
    let a = h.user(10 * ONE).await;
    h.send(&[insurance_stake(&h, &a, 10 * ONE)], &[&a.kp]).await.ok();
    let s: Stake = h.anchor_account(stake_pda(&h.market, &a.key())).await;
    h.send(&[insurance_request_unstake(&h, &a, s.shares)], &[&a.kp])
        .await
        .ok();
    let spare = close_token(&mut h, &a, a.token).await;
    let r = h.request_state(&a.key(), RequestKind::Unstake).await.unwrap();
    h.set_time(r.due_time).await;
    let ins0 = h.market_state().await.insurance;
    let oracle = h.oracle;
    let ix = execute(&h, RequestKind::Unstake, &a, &oracle);
    let k = keeper(&h);
    let out = h.send(std::slice::from_ref(&ix), &[&k]).await.executed();
    let paid = out.event::<InsuranceUnstaked>().paid;
    assert!(paid >= 10 * ONE - 10, "paid {paid}");
    assert_eq!(out.event::<PaymentHeld>().tokens, paid);
    let kept = raw_request(&mut h, &a.key(), RequestKind::Unstake).await.unwrap();
    assert!(!kept.is_pending());
    for _ in 0..2 {
        h.advance(1).await;
        h.expect_error(vec![ix.clone()], vec![&k], code(HedgeError::RequestNotPending))
            .await;
    }
    let claim = hedge_client::ix::request_claim(&mk(&h), &a.key(), RequestKind::Unstake, Some(spare), None);
    let out = h.send(&[claim], &[&a.kp]).await;
    out.ok();
    assert_eq!(out.event::<PaymentClaimed>().tokens, paid);
    assert_eq!(h.token_balance(spare).await, paid);
    let m = h.market_state().await;
    assert_eq!(m.insurance, ins0 - paid);
    let seed: Stake = h.anchor_account(stake_pda(&h.market, &h.admin.pubkey())).await;
    assert!(
        seed.shares <= m.insurance_shares,
        "{} <= {}",
        seed.shares,
        m.insurance_shares
    );
    h.check_invariants().await;
}

/// A holder's withdrawal is executed, its payment held; executing it again is
/// refused, so another holder's escrowed shares stay his and his withdrawal executes.
#[tokio::test]
async fn fixed_a_withdrawal_with_a_held_claim_cannot_take_a_victims_escrowed_shares() {
    let mut h = Harness::new(Setup::default()).await;
    let v = h.user(100 * ONE).await;
    h.deposit(&v, 100 * ONE).await;
    let a = h.user(10 * ONE).await;
    h.deposit(&a, 10 * ONE).await;
    let a_shares = h.token_balance(a.shares).await;
    h.send(&[vault_request_withdraw(&h, &a, a_shares)], &[&a.kp])
        .await
        .ok();
    let spare = close_token(&mut h, &a, a.token).await;
    let out = h.execute_due(RequestKind::Withdraw, &a).await.executed();
    let paid1 = out.event::<VaultWithdrawn>().paid;
    assert_eq!(out.event::<PaymentHeld>().tokens, paid1);
    let a_due = raw_request(&mut h, &a.key(), RequestKind::Withdraw)
        .await
        .unwrap()
        .due_time;
    let v_shares = h.token_balance(v.shares).await;
    h.send(&[vault_request_withdraw(&h, &v, v_shares)], &[&v.kp])
        .await
        .ok();
    let oracle = h.publish_for_due(a_due).await;
    let k = keeper(&h);
    h.expect_error(
        vec![execute(&h, RequestKind::Withdraw, &a, &oracle)],
        vec![&k],
        code(HedgeError::RequestNotPending),
    )
    .await;
    let claim = hedge_client::ix::request_claim(&mk(&h), &a.key(), RequestKind::Withdraw, Some(spare), None);
    h.send(&[claim], &[&a.kp]).await.ok();
    assert_eq!(h.token_balance(spare).await, paid1);
    // The victim's withdrawal executes, all his shares burnt for him.
    let out = h.execute_due(RequestKind::Withdraw, &v).await.executed();
    assert_eq!(out.event::<VaultWithdrawn>().shares, v_shares);
    h.check_invariants().await;
}

/// A depositor's shares are held; executing his ended request again is refused, so
/// another depositor's escrow stays his and his deposit executes in full.
#[tokio::test]
async fn fixed_a_deposit_with_held_shares_cannot_take_a_victims_escrow() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let a = h.user(10 * ONE).await;
    h.send(&[vault_request_deposit(&h, &a, 10 * ONE, 0)], &[&a.kp])
        .await
        .ok();
    let spare_shares = close_token(&mut h, &a, a.shares).await;
    let out = h.execute_due(RequestKind::Deposit, &a).await.executed();
    let s1 = out.event::<VaultDeposited>().shares;
    assert_eq!(out.event::<PaymentHeld>().shares, s1);
    let a_due = raw_request(&mut h, &a.key(), RequestKind::Deposit)
        .await
        .unwrap()
        .due_time;
    let v = h.user(50 * ONE).await;
    h.send(&[vault_request_deposit(&h, &v, 50 * ONE, 0)], &[&v.kp])
        .await
        .ok();
    let oracle = h.publish_for_due(a_due).await;
    let k = keeper(&h);
    h.expect_error(
        vec![execute(&h, RequestKind::Deposit, &a, &oracle)],
        vec![&k],
        code(HedgeError::RequestNotPending),
    )
    .await;
    let claim =
        hedge_client::ix::request_claim(&mk(&h), &a.key(), RequestKind::Deposit, None, Some(spare_shares));
    h.send(&[claim], &[&a.kp]).await.ok();
    assert_eq!(h.token_balance(spare_shares).await, s1);
    let out = h.execute_due(RequestKind::Deposit, &v).await.executed();
    assert_eq!(out.event::<VaultDeposited>().amount, 50 * ONE);
    let v_shares = h.token_balance(v.shares).await;
    assert!(
        v_shares >= s1 * 5 - 5 * 1_000,
        "{v_shares} for 50 tokens, {s1} for 10"
    );
    h.check_invariants().await;
}

/// A trader whose wallet is executable (his requests' rent stays in them): his
/// executed trade request is not executed again; nor cancelled.
#[tokio::test]
async fn fixed_the_trade_of_an_executable_wallet_fills_once() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(20 * ONE).await;
    h.trader(&t, 20 * ONE).await;
    h.send(&[position_request_trade(&h, &t, IONE, 0)], &[&t.kp])
        .await
        .ok();
    let mut acc = h.account(t.key()).await.expect("wallet");
    acc.executable = true;
    acc.owner = anchor_lang::solana_program::bpf_loader_upgradeable::ID;
    h.ctx.set_account(&t.key(), &acc.into());
    h.execute_due(RequestKind::Trade, &t).await.executed();
    assert_eq!(h.position_state(&t.key()).await.base, IONE);
    let r = raw_request(&mut h, &t.key(), RequestKind::Trade).await.unwrap();
    assert!(!r.is_pending());
    h.advance(60).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let k = keeper(&h);
    h.expect_error(
        vec![execute(&h, RequestKind::Trade, &t, &oracle)],
        vec![&k],
        code(HedgeError::RequestNotPending),
    )
    .await;
    assert_eq!(h.position_state(&t.key()).await.base, IONE);
}

// ---------------------------------------------------------------------------------
// Change 1: the Market's and Request's addresses are no longer derived.
// ---------------------------------------------------------------------------------

/// A request of one kind where another is expected; another owner's request; a
/// request of another market; an account of another type as the request or market.
#[tokio::test]
async fn attempt_request_confusions_are_refused() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let a = h.user(10 * ONE).await;
    let b = h.user(10 * ONE).await;
    h.trader(&a, 5 * ONE).await;
    // a: a pending deposit and a pending margin withdrawal.
    h.send(&[vault_request_deposit(&h, &a, ONE, 0)], &[&a.kp])
        .await
        .ok();
    h.send(&[position_request_withdraw(&h, &a, ONE)], &[&a.kp])
        .await
        .ok();
    // lp: a pending withdrawal.
    h.send(&[vault_request_withdraw(&h, &lp, 1_000)], &[&lp.kp])
        .await
        .ok();
    let dep = request_pda(&h.market, &a.key(), RequestKind::Deposit);
    let mw = request_pda(&h.market, &a.key(), RequestKind::MarginWithdraw);
    h.advance(3_700).await;
    let now = h.now().await;
    let oracle = h.publish_for_due(now).await;
    let k = keeper(&h);

    // 1. a's margin withdrawal request executed as a deposit.
    let mut acc = vault_execute_deposit_accounts(&h, &a, &oracle);
    acc.request = mw;
    let ix1 = ix(acc, hedge_vault::instruction::VaultExecuteDeposit {});
    h.expect_error(vec![ix1], vec![&k], code(HedgeError::WrongRequestKind))
        .await;
    // 2. a's deposit request cancelled through position_cancel_request (before due).
    let mut acc = hedge_client::ix::position_cancel_request_accounts(&mk(&h), &a.key(), RequestKind::Trade);
    acc.request = dep;
    let ix2 = ix(acc, hedge_vault::instruction::PositionCancelRequest {});
    h.expect_error(vec![ix2], vec![&a.kp], code(HedgeError::WrongRequestKind))
        .await;
    // 3. lp's withdrawal executed with a as the owner (a's wallet takes the rent).
    let mut acc = vault_execute_withdraw_accounts(&h, &lp, &oracle);
    acc.owner = a.key();
    let ix3 = ix(acc, hedge_vault::instruction::VaultExecuteWithdraw {});
    h.expect_error(vec![ix3], vec![&k], code(HedgeError::WrongOwner))
        .await;
    // 4. b claims a's deposit request.
    let mut acc = hedge_client::ix::request_claim_accounts(
        &mk(&h),
        &b.key(),
        RequestKind::Deposit,
        Some(b.token),
        Some(b.shares),
    );
    acc.request = dep;
    let ix4 = ix(acc, hedge_vault::instruction::RequestClaim {});
    h.expect_error(vec![ix4], vec![&b.kp], code(HedgeError::WrongOwner))
        .await;
    // 5. a's position as the request; the position as the market.
    let mut acc = vault_execute_deposit_accounts(&h, &a, &oracle);
    acc.request = position_pda(&h.market, &a.key());
    let ix5 = ix(acc, hedge_vault::instruction::VaultExecuteDeposit {});
    h.expect_error(
        vec![ix5],
        vec![&k],
        anchor_code(anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch),
    )
    .await;
    let mut acc = vault_execute_deposit_accounts(&h, &a, &oracle);
    acc.market = stake_pda(&h.market, &h.admin.pubkey());
    let ix6 = ix(acc, hedge_vault::instruction::VaultExecuteDeposit {});
    h.expect_error(
        vec![ix6],
        vec![&k],
        anchor_code(anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch),
    )
    .await;
    // 7. the same account as request and owner (duplicate) on the margin withdrawal.
    let mut acc = hedge_client::ix::position_execute_withdraw_accounts(
        &mk(&h),
        &k.pubkey(),
        &a.key(),
        &a.token,
        &oracle,
    );
    acc.owner = mw;
    let ix7 = ix(acc, hedge_vault::instruction::PositionExecuteWithdraw {});
    let out = h.send(&[ix7], &[&k]).await;
    eprintln!("request as its own owner: {:?}", out.result);
    assert!(out.result.is_err());
    // The honest executions still work.
    h.execute_due(RequestKind::Deposit, &a).await.executed();
    h.execute_due(RequestKind::MarginWithdraw, &a).await.executed();
    h.check_invariants().await;
}

/// A request of market B passed on market A (market A's accounts, B's request).
#[tokio::test]
async fn attempt_request_of_another_market_is_refused() {
    let mut h = Harness::new(Setup::default()).await;
    let (mint_b, market_b) = h.extra_market().await;
    let (mint_a, market_a) = (h.mint, h.market);
    // u on B: a pending deposit.
    h.mint = mint_b;
    h.market = market_b;
    let ub = h.user(10 * ONE).await;
    h.send(&[vault_request_deposit(&h, &ub, ONE, 0)], &[&ub.kp])
        .await
        .ok();
    let req_b = request_pda(&market_b, &ub.key(), RequestKind::Deposit);
    h.mint = mint_a;
    h.market = market_a;
    // u on A too (same wallet: accounts of A's mint).
    let ta = h.create_token_account(&mint_a, &ub.key()).await;
    h.mint_to(&ta, 10 * ONE).await;
    let sa = h
        .create_token_account(&share_mint_pda(&market_a), &ub.key())
        .await;
    let ua = User {
        kp: ub.kp.insecure_clone(),
        token: ta,
        shares: sa,
    };
    h.advance(10).await;
    let now = h.now().await;
    let oracle = h.publish_for_due(now).await;
    let k = keeper(&h);
    let mut acc = vault_execute_deposit_accounts(&h, &ua, &oracle);
    acc.request = req_b;
    let i1 = ix(acc, hedge_vault::instruction::VaultExecuteDeposit {});
    h.expect_error(vec![i1], vec![&k], code(HedgeError::WrongMarket))
        .await;
    let mut acc = hedge_client::ix::request_claim_accounts(
        &mk(&h),
        &ua.key(),
        RequestKind::Deposit,
        Some(ta),
        Some(sa),
    );
    acc.request = req_b;
    let i2 = ix(acc, hedge_vault::instruction::RequestClaim {});
    h.expect_error(vec![i2], vec![&ua.kp], code(HedgeError::WrongMarket))
        .await;
    let mut acc = hedge_client::ix::vault_cancel_deposit_accounts(&mk(&h), &ua.key(), &ta);
    acc.request = req_b;
    let i3 = ix(acc, hedge_vault::instruction::VaultCancelDeposit {});
    h.expect_error(vec![i3], vec![&ua.kp], code(HedgeError::WrongMarket))
        .await;
    // B's market with A's vaults (B's request): the vault addresses are the market's.
    let mut acc = vault_execute_deposit_accounts(&h, &ua, &oracle);
    acc.market = market_b;
    acc.request = req_b;
    let i4 = ix(acc, hedge_vault::instruction::VaultExecuteDeposit {});
    let out = h.send(&[i4], &[&k]).await;
    assert!(out.result.is_err());
    eprintln!("market B + request B + A's vaults: {:?}", out.result);
}

// ---------------------------------------------------------------------------------
// Change 2: hand-built SPL Token CPIs.
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn attempt_fake_token_program_and_swapped_token_accounts_are_refused() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let shares = h.token_balance(lp.shares).await;
    h.send(&[vault_request_withdraw(&h, &lp, shares / 2)], &[&lp.kp])
        .await
        .ok();
    let r = h.request_state(&lp.key(), RequestKind::Withdraw).await.unwrap();
    h.set_time(r.due_time).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let k = keeper(&h);
    // A program of our choosing as the token program (the system program, and the
    // hedge program itself).
    for fake in [anchor_lang::system_program::ID, hedge_vault::ID] {
        let mut acc = vault_execute_withdraw_accounts(&h, &lp, &oracle);
        acc.token_program = fake;
        let i = ix(acc, hedge_vault::instruction::VaultExecuteWithdraw {});
        h.expect_error(
            vec![i],
            vec![&k],
            anchor_code(anchor_lang::error::ErrorCode::InvalidProgramId),
        )
        .await;
    }
    // The share escrow and the collateral vault swapped; the share mint replaced by
    // the collateral mint (a burn of the wrong mint).
    let mut acc = vault_execute_withdraw_accounts(&h, &lp, &oracle);
    std::mem::swap(&mut acc.share_escrow, &mut acc.collateral_vault);
    let i = ix(acc, hedge_vault::instruction::VaultExecuteWithdraw {});
    h.expect_error(vec![i], vec![&k], code(HedgeError::WrongTokenAccount))
        .await;
    let mut acc = vault_execute_withdraw_accounts(&h, &lp, &oracle);
    acc.share_mint = h.mint;
    let i = ix(acc, hedge_vault::instruction::VaultExecuteWithdraw {});
    let out = h.send(&[i], &[&k]).await;
    assert!(out.result.is_err());
    eprintln!("collateral mint as share mint: {:?}", out.result);
    // transfer_in with a victim's token account as the source (owner_token of
    // another owner): refused by the constraint, and the token program would
    // refuse the missing signature anyway.
    let victim = h.user(10 * ONE).await;
    let mut acc = vault_request_deposit_accounts(&h, &lp);
    acc.owner_token = victim.token;
    let i = ix(
        acc,
        hedge_vault::instruction::VaultRequestDeposit {
            amount: ONE,
            min_hedge_ratio: 0,
            max_skew_fee_ratio: 1_000_000,
        },
    );
    h.expect_error(vec![i], vec![&lp.kp], code(HedgeError::WrongOwner))
        .await;
    // The honest execution pays.
    let before = h.token_balance(lp.token).await;
    let out = h.execute_due(RequestKind::Withdraw, &lp).await.executed();
    assert_eq!(
        h.token_balance(lp.token).await,
        before + out.event::<VaultWithdrawn>().paid
    );
    h.check_invariants().await;
}

// ---------------------------------------------------------------------------------
// Change 3: `at_due_price`.
// ---------------------------------------------------------------------------------

/// Not due: the transaction fails and nothing changes; a refusal at the due time's
/// price cancels, the accrual standing (the market's last funding time moves).
#[tokio::test]
async fn attempt_at_due_price_refusals_behave_as_before() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 10 * ONE).await;
    h.trade(&t, IONE).await;
    let k = keeper(&h);
    // Margin withdrawal above the free margin: refused and cancelled, largest returned.
    h.send(&[position_request_withdraw(&h, &t, 10 * ONE)], &[&t.kp])
        .await
        .ok();
    let oracle = h.oracle;
    h.expect_error(
        vec![execute(&h, RequestKind::MarginWithdraw, &t, &oracle)],
        vec![&k],
        code(HedgeError::RequestNotDue),
    )
    .await;
    let m0 = h.market_state().await;
    h.advance(600).await;
    let out = h.execute_due(RequestKind::MarginWithdraw, &t).await;
    assert_eq!(out.refused(), code(HedgeError::WithdrawExceedsFreeMargin));
    assert!(out.return_u64().unwrap() > 0);
    let m1 = h.market_state().await;
    assert_ne!(m0.last_funding_time, m1.last_funding_time, "the accrual stands");
    assert!(h
        .request_state(&t.key(), RequestKind::MarginWithdraw)
        .await
        .is_none());
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 0);
    // A trade refused by its limit price: cancelled, the position untouched.
    h.send(&[position_request_trade(&h, &t, IONE, 1)], &[&t.kp])
        .await
        .ok();
    h.expect_error(
        vec![execute(&h, RequestKind::Trade, &t, &oracle)],
        vec![&k],
        code(HedgeError::RequestNotDue),
    )
    .await;
    let out = h.execute_due(RequestKind::Trade, &t).await;
    assert_eq!(out.refused(), code(HedgeError::SlippageExceeded));
    assert_eq!(h.position_state(&t.key()).await.base, IONE);
    h.check_invariants().await;
}
