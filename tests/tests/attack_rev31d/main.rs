//! Review rev31d of 44618f8..66bde65 (mainly 17fc242): `requests::can_take` reads the
//! destination's 165-byte token layout in place (`token_util::account_takes`) instead
//! of `Account::unpack`; every CPI goes through `token_util::invoke` (unchecked on
//! SBF); the executions borrow their `AccountInfo`s instead of copying them.
//! Attacked by a request's owner who controls several wallets, the token accounts he
//! named, their addresses' keypairs and the timing. `attempt_*`: the attack failed,
//! the code holds. Every test also compares the in-place reading with
//! `Account::unpack` on the bytes the real token program left in the bank.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token::spl_token;
use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_token::instruction as ti;

mod authorities;
mod destinations;

const ONE: u64 = 1_000_000_000;
/// The trader's margin, all of his collateral account's balance.
const MARGIN: u64 = 10 * ONE;
const MW: RequestKind = RequestKind::MarginWithdraw;

/// The in-place test and the unpacking it replaced, on the same bytes: asserted equal,
/// returned.
fn takes(data: &[u8], mint: &Pubkey, owner: &Pubkey, amount: u64) -> bool {
    let fast = hedge_vault::token_util::account_takes(data, mint, owner, amount);
    let slow = spl_token::state::Account::unpack(data).is_ok_and(|a| {
        a.mint == *mint
            && a.owner == *owner
            && a.state == spl_token::state::AccountState::Initialized
            && a.amount.checked_add(amount).is_some()
    });
    assert_eq!(fast, slow, "account_takes and unpack disagree on {data:?}");
    fast
}

/// What the bank holds at `key` now, judged by both tests as `can_take` would
/// (`false` for an account the token program does not own, or none).
async fn bank_takes(h: &mut Harness, key: Pubkey, owner: &Pubkey, amount: u64) -> bool {
    let mint = h.mint;
    match h.account(key).await {
        Some(a) if a.owner == spl_token::ID => takes(&a.data, &mint, owner, amount),
        _ => false,
    }
}

async fn rent(h: &mut Harness, space: usize) -> u64 {
    h.ctx
        .banks_client
        .get_rent()
        .await
        .unwrap()
        .minimum_balance(space)
}

/// A system `CreateAccount` of `space` bytes at `at`, owned by the token program,
/// paid by the harness's payer.
async fn create_ix(h: &mut Harness, at: &Pubkey, space: usize) -> Instruction {
    let lamports = rent(h, space).await;
    anchor_lang::solana_program::system_instruction::create_account(
        &h.payer().pubkey(),
        at,
        lamports,
        space as u64,
        &spl_token::ID,
    )
}

/// Creates at `kp`'s address (a keypair the test keeps, to close and re-create it) a
/// token account of `mint` owned by `owner`.
async fn token_account_at(h: &mut Harness, kp: &Keypair, mint: &Pubkey, owner: &Pubkey) {
    let create = create_ix(h, &kp.pubkey(), spl_token::state::Account::LEN).await;
    let init = ti::initialize_account3(&spl_token::ID, &kp.pubkey(), mint, owner).unwrap();
    h.send(&[create, init], &[kp]).await.ok();
}

/// `u`'s token account `u.token` closed by him (empty), its lamports to him.
fn close(u: &User) -> Instruction {
    ti::close_account(&spl_token::ID, &u.token, &u.key(), &u.key(), &[]).unwrap()
}

/// A trader with `MARGIN` deposited from his collateral account, which is left empty
/// at a keypair's address he holds, and his pending margin withdrawal of `ONE` to it.
async fn withdrawing_trader(h: &mut Harness) -> (User, Keypair) {
    let dest = Keypair::new();
    let mut u = h.user(0).await;
    let mint = h.mint;
    token_account_at(h, &dest, &mint, &u.key()).await;
    u.token = dest.pubkey();
    h.mint_to(&u.token, MARGIN).await;
    h.trader(&u, MARGIN).await;
    h.send(&[position_request_withdraw(h, &u, ONE)], &[&u.kp])
        .await
        .ok();
    assert_eq!(h.token_balance(u.token).await, 0);
    (u, dest)
}

/// The clock at `u`'s margin withdrawal's due time, its price published: the
/// keeper's execution instruction, for a transaction of the test's own.
async fn due_execution(h: &mut Harness, u: &User) -> Instruction {
    let r = h.request_state(&u.key(), MW).await.expect("pending");
    if h.now().await < r.due_time {
        h.set_time(r.due_time).await;
    }
    let oracle = h.publish_for_due(r.due_time).await;
    execute(h, MW, u, &oracle)
}

/// The execution paid `ONE` into the named account (nothing held); the request closed.
async fn expect_paid(h: &mut Harness, u: &User, out: Outcome) {
    let out = out.executed();
    let w: MarginWithdrawn = out.event();
    assert_eq!(w.amount, ONE);
    assert!(out.events::<PaymentHeld>().is_empty());
    assert_eq!(h.token_balance(u.token).await, ONE);
    let key = request_pda(&h.market, &u.key(), MW);
    assert!(h.account(key).await.is_none(), "request closed");
    assert_eq!(h.market_state().await.claimable_tokens, 0);
    h.check_invariants().await;
}

/// The execution held `ONE` for `u`'s claim (the named account got nothing); his
/// claim into a fresh token account of his pays exactly `ONE` once, and closes the
/// request; a second claim finds no request.
async fn expect_held_then_claimed(h: &mut Harness, u: &User, out: Outcome) {
    let out = out.executed();
    let w: MarginWithdrawn = out.event();
    assert_eq!(w.amount, ONE);
    let held: PaymentHeld = out.event();
    assert_eq!(
        (held.owner, held.tokens, held.shares, held.claim_tokens),
        (u.key(), ONE, 0, ONE)
    );
    assert_eq!(h.market_state().await.claimable_tokens, ONE);
    h.check_invariants().await;
    let mut c = u.clone();
    let mint = h.mint;
    c.token = h.create_token_account(&mint, &u.key()).await;
    let out = h.send(&[request_claim(h, &c, MW)], &[&u.kp]).await;
    out.ok();
    let claimed: PaymentClaimed = out.event();
    assert_eq!((claimed.tokens, claimed.shares, claimed.closed), (ONE, 0, true));
    assert_eq!(h.token_balance(c.token).await, ONE);
    assert_eq!(h.market_state().await.claimable_tokens, 0);
    let key = request_pda(&h.market, &u.key(), MW);
    assert!(h.account(key).await.is_none(), "request closed");
    let again = h.send(&[request_claim(h, &c, MW)], &[&u.kp]).await;
    assert_eq!(
        again.custom_error(),
        Some(anchor_code(anchor_lang::error::ErrorCode::AccountNotInitialized))
    );
    assert_eq!(h.token_balance(c.token).await, ONE);
    h.check_invariants().await;
}

/// A harness with an LP's deposit in the vault.
async fn market() -> Harness {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    h
}
