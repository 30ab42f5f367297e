//! The destination the owner named, closed and re-created at its address as every
//! other thing the token program can hold there, in a transaction of its own or in
//! the execution's own transaction.

use super::*;
use solana_account::{Account, AccountSharedData};

/// What the owner re-creates at his named address after requesting.
#[derive(Clone, Copy, Debug)]
enum Remade {
    /// Nothing: closed, the address empty.
    Nothing,
    /// A mint (82 bytes) whose mint and freeze authority is the owner.
    Mint,
    /// A 1-of-2 multisig (355 bytes) of the owner and another wallet.
    Multisig,
    /// 165 bytes owned by the token program, never initialized.
    Uninitialized,
    /// A token account of the share mint, owned by the owner.
    OtherMint,
    /// A token account of the collateral mint owned by another wallet.
    OtherOwner,
    /// A wrapped-SOL (native) token account owned by the owner.
    Native,
    /// A token account of the collateral mint owned by the owner again.
    Same,
}

/// The native mint, as mainnet has it (the bank has none): so a wrapped-SOL account
/// can be initialized.
fn add_native_mint(h: &mut Harness) {
    let mint = spl_token::state::Mint {
        mint_authority: None.into(),
        supply: 0,
        decimals: 9,
        is_initialized: true,
        freeze_authority: None.into(),
    };
    let mut data = vec![0u8; spl_token::state::Mint::LEN];
    spl_token::state::Mint::pack(mint, &mut data).unwrap();
    let acc = Account {
        lamports: 1_461_600,
        data,
        owner: spl_token::ID,
        executable: false,
        rent_epoch: 0,
    };
    h.ctx
        .set_account(&spl_token::native_mint::ID, &AccountSharedData::from(acc));
}

/// The instructions that re-create `what` at `at` for `u` (`other`: another wallet).
async fn remake(h: &mut Harness, what: Remade, at: &Pubkey, u: &User, other: &Pubkey) -> Vec<Instruction> {
    use spl_token::state::{Account as TA, Mint, Multisig};
    let (me, tp) = (u.key(), spl_token::ID);
    let (mint, share_mint) = (h.mint, h.market_state().await.share_mint);
    let space = match what {
        Remade::Nothing => return vec![],
        Remade::Mint => Mint::LEN,
        Remade::Multisig => Multisig::LEN,
        _ => TA::LEN,
    };
    let mut ixs = vec![create_ix(h, at, space).await];
    ixs.push(match what {
        Remade::Mint => ti::initialize_mint2(&tp, at, &me, Some(&me), 9).unwrap(),
        Remade::Multisig => ti::initialize_multisig2(&tp, at, &[&me, other], 1).unwrap(),
        Remade::Uninitialized => return ixs,
        Remade::OtherMint => ti::initialize_account3(&tp, at, &share_mint, &me).unwrap(),
        Remade::OtherOwner => ti::initialize_account3(&tp, at, &mint, other).unwrap(),
        Remade::Native => ti::initialize_account3(&tp, at, &spl_token::native_mint::ID, &me).unwrap(),
        Remade::Same => ti::initialize_account3(&tp, at, &mint, &me).unwrap(),
        Remade::Nothing => unreachable!(),
    });
    ixs
}

const ALL: [Remade; 8] = [
    Remade::Nothing,
    Remade::Mint,
    Remade::Multisig,
    Remade::Uninitialized,
    Remade::OtherMint,
    Remade::OtherOwner,
    Remade::Native,
    Remade::Same,
];

/// After requesting, the owner closes the token account he named and re-creates at
/// its address each other account the token program can own there: a mint and a
/// multisig whose keys are his (other lengths), 165 bytes never initialized, a token
/// account of another mint, one of the right mint given to another wallet, a wrapped
/// SOL account. Each: the in-place test says no, as unpacking does, on the bytes the
/// token program wrote; the execution goes through and holds the `ONE` for his
/// claim, which pays it exactly once; the account at the address gets nothing. The
/// account re-created as his of the right mint is paid. Never blocked.
#[tokio::test]
async fn attempt_destination_recreated_as_another_token_program_account() {
    let mut h = market().await;
    add_native_mint(&mut h);
    let other = Keypair::new().pubkey();
    for what in ALL {
        let (u, dest) = withdrawing_trader(&mut h).await;
        h.send(&[close(&u)], &[&u.kp]).await.ok();
        let ixs = remake(&mut h, what, &u.token, &u, &other).await;
        if !ixs.is_empty() {
            h.send(&ixs, &[&dest]).await.ok();
        }
        let before = h.account(u.token).await;
        let len = before.as_ref().map(|a| (a.owner, a.data.len()));
        let want = match what {
            Remade::Nothing => None,
            Remade::Mint => Some(82),
            Remade::Multisig => Some(355),
            _ => Some(165),
        };
        assert_eq!(len, want.map(|n| (spl_token::ID, n)), "{what:?}");
        let yes = bank_takes(&mut h, u.token, &u.key(), ONE).await;
        assert_eq!(yes, matches!(what, Remade::Same), "{what:?}");
        let out = h.execute_due(MW, &u).await;
        if yes {
            expect_paid(&mut h, &u, out).await;
            continue;
        }
        expect_held_then_claimed(&mut h, &u, out).await;
        // The look-alike at the address: exactly as it was.
        assert_eq!(h.account(u.token).await, before, "{what:?}");
    }
}

/// The same within the execution's own transaction, the owner's instructions first
/// (he, or anyone he colludes with, sends it): closed and left empty, closed and
/// re-created uninitialized, re-created for another wallet, and re-created as his.
/// Held in the first three (the account then at the address gets nothing), paid in
/// the last: the execution sees the account as it is when it runs.
#[tokio::test]
async fn attempt_close_and_recreate_inside_the_execution_transaction() {
    let mut h = market().await;
    let other = Keypair::new().pubkey();
    for what in [
        Remade::Nothing,
        Remade::Uninitialized,
        Remade::OtherOwner,
        Remade::Same,
    ] {
        let (u, dest) = withdrawing_trader(&mut h).await;
        let mut ixs = vec![close(&u)];
        ixs.extend(remake(&mut h, what, &u.token, &u, &other).await);
        ixs.push(due_execution(&mut h, &u).await);
        let keeper = h.keeper.kp.insecure_clone();
        let mut signers = vec![&u.kp, &keeper];
        if !matches!(what, Remade::Nothing) {
            signers.push(&dest);
        }
        let out = h.send(&ixs, &signers).await;
        match what {
            Remade::Same => expect_paid(&mut h, &u, out).await,
            _ => {
                let after = h.account(u.token).await;
                expect_held_then_claimed(&mut h, &u, out).await;
                // Whatever the address holds took nothing (none, or an empty account).
                if let Some(a) = after {
                    let ta = spl_token::state::Account::unpack_unchecked(&a.data).unwrap();
                    assert_eq!(ta.amount, 0, "{what:?}");
                }
            }
        }
    }
}

/// The owner executes his own request: `executor` and `owner` are one account, passed
/// twice (the executions now borrow both `AccountInfo`s instead of copying them). The
/// fee and the rent both come back to him, exactly the request's lamports, and the
/// payment lands.
#[tokio::test]
async fn attempt_owner_executes_his_own_request_through_aliased_accounts() {
    let mut h = market().await;
    let (u, _) = withdrawing_trader(&mut h).await;
    let r = h.request_state(&u.key(), MW).await.unwrap();
    assert!(r.execution_fee > 0);
    let key = request_pda(&h.market, &u.key(), MW);
    let request_lamports = h.account(key).await.unwrap().lamports;
    let wallet = h.account(u.key()).await.unwrap().lamports;
    h.set_time(r.due_time).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let ix = execute_by(&h, MW, &u, &oracle, &u.key());
    let out = h.send(&[ix], &[&u.kp]).await;
    let w = h.account(u.key()).await.unwrap().lamports;
    assert_eq!(w, wallet + request_lamports);
    expect_paid(&mut h, &u, out).await;
}
