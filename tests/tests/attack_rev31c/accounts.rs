//! The market's own token accounts and share mint, now taken by address only.

use super::*;

/// Every market token account and the share mint swapped for another at the wrong
/// address: a look-alike token account the attacker made *owned by the market PDA* of
/// the right mint (what `Account<TokenAccount>` plus an owner check would have let
/// through), the insurance account as the collateral account, the collateral account
/// as the share escrow, the collateral mint as the share mint, another program as the
/// token program. Each refused by name; nothing changed.
#[tokio::test]
async fn attempt_market_token_accounts_substituted() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let a = h.user(10 * ONE).await;
    let m = h.market_state().await;
    let (mint, market) = (h.mint, h.market);
    let look_alike = h.create_token_account(&mint, &market).await;
    let wrong = code(HedgeError::WrongTokenAccount);

    let dep = vault_request_deposit(&h, &a, ONE, 0);
    for fake in [look_alike, m.insurance_vault, m.share_escrow] {
        let ix = patch(dep.clone(), m.collateral_vault, fake);
        h.expect_error(vec![ix], vec![&a.kp], wrong).await;
    }
    let ix = patch(dep.clone(), spl_token::ID, Pubkey::new_unique());
    h.expect_error(
        vec![ix],
        vec![&a.kp],
        anchor(anchor_lang::error::ErrorCode::InvalidProgramId),
    )
    .await;

    // The LP's withdrawal: escrow and mint.
    let shares = h.token_balance(lp.shares).await;
    let wd = vault_request_withdraw(&h, &lp, shares / 2);
    let ix = patch(wd.clone(), m.share_escrow, m.collateral_vault);
    h.expect_error(vec![ix], vec![&lp.kp], wrong).await;
    let ix = patch(wd.clone(), m.share_mint, mint);
    h.expect_error(vec![ix], vec![&lp.kp], code(HedgeError::WrongMint))
        .await;

    // Insurance: the collateral account as the insurance account (the stake would
    // land outside the fund's account).
    let ix = patch(
        insurance_stake(&h, &a, ONE),
        m.insurance_vault,
        m.collateral_vault,
    );
    h.expect_error(vec![ix], vec![&a.kp], wrong).await;
    // Liquidation: the two market accounts exchanged.
    let t = h.user(10 * ONE).await;
    h.trader(&t, ONE).await;
    let ix = h.liquidate_ix(&a, &t.key()).await;
    let ix = patch(
        patch(
            patch(ix, m.collateral_vault, look_alike),
            m.insurance_vault,
            m.collateral_vault,
        ),
        look_alike,
        m.insurance_vault,
    );
    h.expect_error(vec![ix], vec![&a.kp], wrong).await;
    // And they still work at the right addresses.
    h.send(&[dep], &[&a.kp]).await.ok();
    h.check_invariants().await;
}

/// The market's token accounts and share mint: an attacker cannot reassign, close,
/// delegate or freeze them (the token program wants the market PDA's signature, which
/// the program only gives to Transfer / MintTo / Burn it builds itself); so the
/// address the market recorded always holds the market's token account.
#[tokio::test]
async fn attempt_nobody_reassigns_closes_delegates_or_freezes_the_market_accounts() {
    let mut h = Harness::new(Setup::default()).await;
    let a = h.user(ONE).await;
    let m = h.market_state().await;
    use spl_token::instruction::{self as ti, AuthorityType};
    let me = a.key();
    // The collateral account is empty before any deposit: close is then only the
    // owner's to refuse.
    assert_eq!(h.token_balance(m.collateral_vault).await, 0);
    for acct in [m.collateral_vault, m.insurance_vault, m.share_escrow] {
        let tries = [
            ti::set_authority(
                &spl_token::ID,
                &acct,
                Some(&me),
                AuthorityType::AccountOwner,
                &me,
                &[],
            )
            .unwrap(),
            ti::set_authority(
                &spl_token::ID,
                &acct,
                Some(&me),
                AuthorityType::CloseAccount,
                &me,
                &[],
            )
            .unwrap(),
            ti::approve(&spl_token::ID, &acct, &me, &me, &[], 1).unwrap(),
        ];
        for ix in tries {
            let out = h.send(&[ix], &[&a.kp]).await;
            assert_eq!(out.custom_error(), Some(TOKEN_OWNER_MISMATCH), "{:?}", out.result);
        }
    }
    let out = h
        .send(
            &[ti::close_account(&spl_token::ID, &m.collateral_vault, &me, &me, &[]).unwrap()],
            &[&a.kp],
        )
        .await;
    assert_eq!(out.custom_error(), Some(TOKEN_OWNER_MISMATCH));
    // No freeze authority on either mint (the collateral mint's is refused at
    // creation unless accepted; the share mint is created without one).
    for (acct, mint) in [(m.collateral_vault, h.mint), (m.share_escrow, m.share_mint)] {
        let out = h
            .send(
                &[ti::freeze_account(&spl_token::ID, &acct, &mint, &me, &[]).unwrap()],
                &[&a.kp],
            )
            .await;
        assert_eq!(out.custom_error(), Some(16), "MintCannotFreeze: {:?}", out.result);
    }
    let out = h
        .send(
            &[ti::set_authority(
                &spl_token::ID,
                &m.share_mint,
                Some(&me),
                AuthorityType::MintTokens,
                &me,
                &[],
            )
            .unwrap()],
            &[&a.kp],
        )
        .await;
    assert_eq!(out.custom_error(), Some(TOKEN_OWNER_MISMATCH));
    let acc = h.account(m.collateral_vault).await.unwrap();
    assert_eq!(acc.owner, spl_token::ID);
    let ta = anchor_spl::token::TokenAccount::try_deserialize(&mut acc.data.as_slice()).unwrap();
    assert_eq!((ta.owner, ta.mint), (h.market, h.mint));
}

/// A collateral mint whose freeze authority the creator accepted: its holder freezes
/// the collateral account. Every instruction moving tokens through it fails with the
/// token program's `AccountFrozen` and changes nothing (no token leaves, no ledger
/// moves without its tokens); thawed, everything resumes. The accepted risk is a
/// halt, not a loss.
#[tokio::test]
async fn attempt_frozen_collateral_account_halts_without_loss() {
    let mut h = Harness::freezable_with_holder(100 * ONE).await;
    let d = h.user(10 * ONE).await;
    h.send(&[vault_request_deposit(&h, &d, 10 * ONE, 0)], &[&d.kp])
        .await
        .ok();
    let e = h.user(ONE).await;
    let m = h.market_state().await;
    let auth = h.mint_authority.insecure_clone();
    use spl_token::instruction as ti;
    let freeze =
        ti::freeze_account(&spl_token::ID, &m.collateral_vault, &h.mint, &auth.pubkey(), &[]).unwrap();
    h.send(&[freeze], &[&auth]).await.ok();
    let before = h.market_state().await;
    let out = h.send(&[cancel(&h, RequestKind::Deposit, &d)], &[&d.kp]).await;
    assert_eq!(out.custom_error(), Some(TOKEN_ACCOUNT_FROZEN));
    let out = h.send(&[vault_request_deposit(&h, &e, ONE, 0)], &[&e.kp]).await;
    assert_eq!(out.custom_error(), Some(TOKEN_ACCOUNT_FROZEN));
    assert_eq!(h.token_balance(e.token).await, ONE);
    let out = h.execute_due(RequestKind::Deposit, &d).await;
    // The execution moves no token when it mints shares: it may succeed; if it does
    // the ledger still matches the (frozen) account.
    if out.result.is_err() {
        assert_eq!(h.market_state().await.collateral, before.collateral);
    }
    let thaw = ti::thaw_account(&spl_token::ID, &m.collateral_vault, &h.mint, &auth.pubkey(), &[]).unwrap();
    h.send(&[thaw], &[&auth]).await.ok();
    h.check_invariants().await;
}

/// Revision 31's change lifts Anchor's duplicate-mutable check off the market's
/// accounts: the liquidator's token account (checked for its mint only) may now be the
/// insurance account or the collateral account itself (before: refused with
/// `ConstraintDuplicateMutableAccount`). The liquidation succeeds; the reward stays
/// in the market's accounts as surplus over the ledgers (a donation by the liquidator);
/// nothing leaves the pools, the invariant holds.
#[tokio::test]
async fn attempt_liquidator_token_is_a_market_account_only_donates_the_reward() {
    let mut s = Setup::default();
    s.params.taker_fee_ratio = 0;
    s.params.impact_fee_ratio = 0;
    for into_insurance in [true, false] {
        let mut h = Harness::new(s).await;
        let lp = h.user(100 * ONE).await;
        h.deposit(&lp, 100 * ONE).await;
        let t = h.user(10 * ONE).await;
        h.trader(&t, ONE).await;
        h.trade(&t, 10 * IONE).await;
        let liq = h.user(0).await;
        h.set_usd(95.0).await;
        let m = h.market_state().await;
        let target = if into_insurance {
            m.insurance_vault
        } else {
            m.collateral_vault
        };
        let (c0, i0) = (
            h.token_balance(m.collateral_vault).await,
            h.token_balance(m.insurance_vault).await,
        );
        let ix = h.liquidate_ix(&liq, &t.key()).await;
        let out = h.send(&[patch(ix, liq.token, target)], &[&liq.kp]).await;
        out.ok();
        let ev: PositionLiquidated = out.event();
        assert!(ev.liquidator_reward > 0);
        let (c1, i1) = (
            h.token_balance(m.collateral_vault).await,
            h.token_balance(m.insurance_vault).await,
        );
        // Nothing left the two pools.
        assert_eq!(c1 + i1, c0 + i0);
        let (sc, si) = surplus(&mut h).await;
        if into_insurance {
            assert_eq!((sc, si), (0, i128::from(ev.liquidator_reward)));
        } else {
            assert_eq!((sc, si), (i128::from(ev.liquidator_reward), 0));
        }
    }
}
