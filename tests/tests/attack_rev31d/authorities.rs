//! The named destination kept at its address but given away, delegated, frozen, or
//! at the edge of a `u64`; and bytes no program writes (forged option tags), refused
//! by the in-place test as by unpacking.

use super::*;
use solana_account::{Account, AccountSharedData};
use spl_token::instruction::AuthorityType;

/// `key`'s bytes in the bank rewritten by `f` (the test's own hand, not an attack:
/// to reach balances and bytes no mint or program here would produce).
async fn rewrite(h: &mut Harness, key: Pubkey, f: impl FnOnce(&mut [u8])) {
    let mut a: Account = h.account(key).await.unwrap();
    f(&mut a.data);
    h.ctx.set_account(&key, &AccountSharedData::from(a));
}

/// After requesting, the owner gives his named account to another wallet
/// (`SetAuthority AccountOwner`): held for his claim, the account (now the other
/// wallet's) gets nothing. Another keeps his account but lets another wallet spend
/// and close it (a delegate for everything, a close authority): still his, it is
/// paid there (what his own grants allow is his business, as before the change).
#[tokio::test]
async fn attempt_destination_given_away_or_delegated() {
    let mut h = market().await;
    let other = Keypair::new();
    let tp = spl_token::ID;

    let (u, _) = withdrawing_trader(&mut h).await;
    let give = ti::set_authority(
        &tp,
        &u.token,
        Some(&other.pubkey()),
        AuthorityType::AccountOwner,
        &u.key(),
        &[],
    )
    .unwrap();
    h.send(&[give], &[&u.kp]).await.ok();
    assert!(!bank_takes(&mut h, u.token, &u.key(), ONE).await);
    assert!(bank_takes(&mut h, u.token, &other.pubkey(), ONE).await);
    let out = h.execute_due(MW, &u).await;
    expect_held_then_claimed(&mut h, &u, out).await;
    assert_eq!(h.token_balance(u.token).await, 0);

    let (v, _) = withdrawing_trader(&mut h).await;
    let grants = [
        ti::approve(&tp, &v.token, &other.pubkey(), &v.key(), &[], u64::MAX).unwrap(),
        ti::set_authority(
            &tp,
            &v.token,
            Some(&other.pubkey()),
            AuthorityType::CloseAccount,
            &v.key(),
            &[],
        )
        .unwrap(),
    ];
    h.send(&grants, &[&v.kp]).await.ok();
    assert!(bank_takes(&mut h, v.token, &v.key(), ONE).await);
    let out = h.execute_due(MW, &v).await;
    expect_paid(&mut h, &v, out).await;
}

/// A collateral mint with a freeze authority (accepted at creation): its holder
/// freezes the trader's named account after he requested. The in-place test says no
/// (state 2), as unpacking does; the execution goes through and holds the tokens for
/// his claim, paid into another account of his. Thawed again, a new request pays
/// into it.
#[tokio::test]
async fn attempt_frozen_destination_is_held_not_blocking() {
    let mut h = Harness::freezable_with_holder(100 * ONE).await;
    let (u, _) = withdrawing_trader(&mut h).await;
    let auth = h.mint_authority.insecure_clone();
    let (tp, mint) = (spl_token::ID, h.mint);
    let freeze = ti::freeze_account(&tp, &u.token, &mint, &auth.pubkey(), &[]).unwrap();
    h.send(&[freeze], &[&auth]).await.ok();
    assert!(!bank_takes(&mut h, u.token, &u.key(), ONE).await);
    let out = h.execute_due(MW, &u).await;
    expect_held_then_claimed(&mut h, &u, out).await;
    assert_eq!(h.token_balance(u.token).await, 0);

    let thaw = ti::thaw_account(&tp, &u.token, &mint, &auth.pubkey(), &[]).unwrap();
    h.send(&[thaw], &[&auth]).await.ok();
    h.send(&[position_request_withdraw(&h, &u, ONE)], &[&u.kp])
        .await
        .ok();
    let out = h.execute_due(MW, &u).await;
    expect_paid(&mut h, &u, out).await;
}

/// The overflow rule at its edge, on a balance the test writes (no mint here can
/// reach it): `u64::MAX - ONE + 1` cannot take `ONE` (held, the account unchanged),
/// `u64::MAX - ONE` can (paid: exactly `u64::MAX` after). A share account at
/// `u64::MAX` cannot take any share: a deposit's shares are held in the escrow for
/// the claim.
#[tokio::test]
async fn attempt_balance_at_the_edge_of_u64() {
    let mut h = market().await;
    let set = |v: u64| move |d: &mut [u8]| d[64..72].copy_from_slice(&v.to_le_bytes());

    let (u, _) = withdrawing_trader(&mut h).await;
    rewrite(&mut h, u.token, set(u64::MAX - ONE + 1)).await;
    assert!(!bank_takes(&mut h, u.token, &u.key(), ONE).await);
    assert!(bank_takes(&mut h, u.token, &u.key(), ONE - 1).await);
    let out = h.execute_due(MW, &u).await.executed();
    let held: PaymentHeld = out.event();
    assert_eq!((held.tokens, held.claim_tokens), (ONE, ONE));
    assert_eq!(h.token_balance(u.token).await, u64::MAX - ONE + 1);
    h.check_invariants().await;

    let (v, _) = withdrawing_trader(&mut h).await;
    rewrite(&mut h, v.token, set(u64::MAX - ONE)).await;
    assert!(bank_takes(&mut h, v.token, &v.key(), ONE).await);
    let out = h.execute_due(MW, &v).await.executed();
    assert!(out.events::<PaymentHeld>().is_empty());
    assert_eq!(h.token_balance(v.token).await, u64::MAX);
    h.check_invariants().await;

    // Shares: a deposit whose share account is full.
    let d = h.user(5 * ONE).await;
    h.send(&[vault_request_deposit(&h, &d, 5 * ONE, 0)], &[&d.kp])
        .await
        .ok();
    rewrite(&mut h, d.shares, set(u64::MAX)).await;
    let share_mint = h.market_state().await.share_mint;
    let a = h.account(d.shares).await.unwrap();
    assert!(!takes(&a.data, &share_mint, &d.key(), 1));
    assert!(takes(&a.data, &share_mint, &d.key(), 0));
    let out = h.execute_due(RequestKind::Deposit, &d).await.executed();
    let dep: VaultDeposited = out.event();
    let held: PaymentHeld = out.event();
    assert!(dep.shares > 0);
    assert_eq!((held.tokens, held.shares), (0, dep.shares));
    assert_eq!(h.token_balance(d.shares).await, u64::MAX);
    assert_eq!(h.market_state().await.claimable_shares, dep.shares);
    h.check_invariants().await;
}

/// Bytes no token program writes (an option tag other than `[0|1, 0, 0, 0]`) at the
/// named account: `account_takes` refuses them as `Account::unpack` does (the
/// reviewer found they were the one input where the two differed; the tags are now
/// checked). Written into the bank by the test's own hand: the payment is held for
/// the claim with either token program, never sent into an account the token program
/// itself cannot read (SPL Token 3.5 would fail the transfer and leave the request
/// pending).
#[tokio::test]
async fn attempt_forged_option_tag_is_refused_like_unpack() {
    let (mint, owner) = (Pubkey::new_unique(), Pubkey::new_unique());
    let acc = spl_token::state::Account {
        mint,
        owner,
        state: spl_token::state::AccountState::Initialized,
        ..Default::default()
    };
    let mut data = vec![0u8; spl_token::state::Account::LEN];
    spl_token::state::Account::pack(acc, &mut data).unwrap();
    assert!(takes(&data, &mint, &owner, 1));
    for tag in [72, 109, 129] {
        for (i, b) in [(0, 2u8), (1, 1), (3, 1)] {
            let mut forged = data.clone();
            forged[tag + i] = b;
            // Both refuse (`takes` asserts they agree).
            assert!(!takes(&forged, &mint, &owner, 1));
        }
    }

    let mut h = market().await;
    let (u, _) = withdrawing_trader(&mut h).await;
    rewrite(&mut h, u.token, |d| d[72] = 2).await;
    assert!(!bank_takes(&mut h, u.token, &u.key(), ONE).await);
    let out = h.execute_due(MW, &u).await;
    expect_held_then_claimed(&mut h, &u, out).await;
    assert_eq!(h.token_balance_raw(u.token).await, 0);
}

trait RawBalance {
    async fn token_balance_raw(&mut self, key: Pubkey) -> u64;
}

impl RawBalance for Harness {
    /// The amount at bytes 64..72, whatever the rest of the account holds.
    async fn token_balance_raw(&mut self, key: Pubkey) -> u64 {
        let a = self.account(key).await.unwrap();
        u64::from_le_bytes(a.data[64..72].try_into().unwrap())
    }
}
