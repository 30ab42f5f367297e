//! The request account as zero-copy bytes: other accounts passed as one, its address
//! pre-funded by someone else, an ended one reopened, one of the previous layout.

use super::*;
use solana_account::{Account, AccountSharedData};

/// Lamports (the 890,880 a new system account needs) sent by another wallet to a
/// victim's request, stake or position address while no account is there (anyone
/// can: a system transfer creates it). Anchor 1.2.2's `init` / `init_if_needed` then
/// meets a system-owned account with lamports and calls the system program's
/// `CreateAccountAllowPrefund` (SIMD-0312), which this bank's system program (Agave
/// 3.1) does not know: `InvalidInstructionData`, every time, and nobody can take the
/// lamports back out of a PDA. A staker can never request his unstake (his stake is
/// not transferable: locked for good); a trader with an open position can neither
/// trade it down nor request a margin withdrawal (`position_close` wants it flat); an
/// LP cannot request a withdrawal from that wallet; a wallet cannot deposit, open a
/// position, or create a market for a mint. Request addresses are free again after
/// every execution, so the squat can come at any time.
#[tokio::test]
async fn fixed_a_prefunded_address_is_released_and_its_account_created() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let v = h.user(10 * ONE).await;
    h.send(&[insurance_stake(&h, &v, ONE)], &[&v.kp]).await.ok();
    h.trader(&v, ONE).await;
    h.trade(&v, IONE).await;
    let (market, me) = (h.market, v.key());
    let fresh = h.user(10 * ONE).await;
    // The squatter: 890,880 lamports a PDA.
    for key in [
        request_pda(&market, &me, RequestKind::Unstake),
        request_pda(&market, &me, RequestKind::Trade),
        request_pda(&market, &me, RequestKind::MarginWithdraw),
        request_pda(&market, &lp.key(), RequestKind::Withdraw),
        request_pda(&market, &fresh.key(), RequestKind::Deposit),
        stake_pda(&market, &fresh.key()),
        position_pda(&market, &fresh.key()),
    ] {
        h.airdrop(&key, 890_880).await;
    }
    let st: Stake = h.anchor_account(stake_pda(&market, &me)).await;
    let shares = h.token_balance(lp.shares).await;
    let blocked = [
        (insurance_request_unstake(&h, &v, st.shares), &v),
        (position_request_trade(&h, &v, -IONE, 0), &v),
        (position_request_withdraw(&h, &v, ONE / 2), &v),
        (vault_request_withdraw(&h, &lp, shares), &lp),
        (vault_request_deposit(&h, &fresh, ONE, 0), &fresh),
        (insurance_stake(&h, &fresh, ONE), &fresh),
        (position_open(&h, &fresh), &fresh),
    ];
    for (ix, u) in blocked {
        let out = h.send(&[ix], &[&u.kp]).await;
        assert_eq!(
            out.instruction_error(),
            Some(InstructionError::InvalidInstructionData),
            "{:?}",
            out.result
        );
    }
    // And it stays so: later, still refused; the stake and the position are stuck.
    h.advance(86_400).await;
    let out = h
        .send(&[insurance_request_unstake(&h, &v, st.shares)], &[&v.kp])
        .await;
    assert_eq!(
        out.instruction_error(),
        Some(InstructionError::InvalidInstructionData)
    );
    let out = h.send(&[position_close(&h, &v)], &[&v.kp]).await;
    assert!(out.result.is_err());
    assert_eq!(h.position_state(&me).await.base, IONE);
    let st2: Stake = h.anchor_account(stake_pda(&market, &me)).await;
    assert_eq!(st2.shares, st.shares);

    // The fix: `address_release` first, in the same transaction (what the client's
    // `send_creating` does when it finds the address funded): each creation goes
    // through, and the squatter's lamports go to the one who released them.
    use hedge_client::keys::{position_seeds, request_seeds, stake_seeds};
    h.set_usd(100.0).await; // a fresh price for the requests that value shares
    let releases = [
        (
            request_seeds(&market, &me, RequestKind::Unstake),
            insurance_request_unstake(&h, &v, st.shares),
            &v,
        ),
        (
            request_seeds(&market, &me, RequestKind::Trade),
            position_request_trade(&h, &v, -IONE, 0),
            &v,
        ),
        (
            request_seeds(&market, &lp.key(), RequestKind::Withdraw),
            vault_request_withdraw(&h, &lp, shares),
            &lp,
        ),
        (
            request_seeds(&market, &fresh.key(), RequestKind::Deposit),
            vault_request_deposit(&h, &fresh, ONE, 0),
            &fresh,
        ),
        (
            stake_seeds(&market, &fresh.key()),
            insurance_stake(&h, &fresh, ONE),
            &fresh,
        ),
        (
            position_seeds(&market, &fresh.key()),
            position_open(&h, &fresh),
            &fresh,
        ),
    ];
    for (seeds, ix, u) in releases {
        let refs: Vec<&[u8]> = seeds.iter().map(|x| x.as_slice()).collect();
        let address = Pubkey::find_program_address(&refs, &hedge_vault::ID).0;
        let release = hedge_client::ix::address_release(&u.key(), seeds);
        h.send(&[release, ix], &[&u.kp]).await.ok();
        let acc = h.account(address).await.expect("created");
        assert_eq!(
            acc.owner,
            hedge_vault::ID,
            "the program's account is at its address"
        );
    }
    // The margin withdrawal waits behind the trade (one request per position), as any.
    assert!(h.request_state(&me, RequestKind::Unstake).await.is_some());
    assert!(h
        .request_state(&fresh.key(), RequestKind::Deposit)
        .await
        .is_some());
    h.positions.push(position_pda(&market, &fresh.key()));
    h.check_invariants().await;
    // Not an address of the program waiting for its account: refused by name.
    let release = hedge_client::ix::address_release(&v.key(), stake_seeds(&market, &me));
    let out = h.send(&[release], &[&v.kp]).await;
    assert_eq!(out.custom_error(), Some(code(HedgeError::AddressNotReleasable)));
}

/// The same squat on a market's address (mint and creator) before `market_create`:
/// the creator cannot create his market for that mint from that wallet.
#[tokio::test]
async fn fixed_a_prefunded_market_address_is_released() {
    let mut h = Harness::bare(Setup::default()).await;
    let m = hedge_vault_market(&h.mint, &h.admin.pubkey());
    h.airdrop(&m, 890_880).await;
    let ix = market_create(&h, h.setup.params.into(), h.setup.oracle_config);
    let admin = h.admin.insecure_clone();
    let out = h.send(std::slice::from_ref(&ix), &[&admin]).await;
    assert_eq!(
        out.instruction_error(),
        Some(InstructionError::InvalidInstructionData)
    );
    // Released first, the market is created.
    let seeds = vec![
        hedge_vault::constants::MARKET_SEED.to_vec(),
        h.mint.to_bytes().to_vec(),
        h.admin.pubkey().to_bytes().to_vec(),
    ];
    let release = hedge_client::ix::address_release(&h.admin.pubkey(), seeds);
    h.send(&[release, ix], &[&admin]).await.ok();
}

/// Accounts that are not the owner's request of the kind passed as the request: his
/// position (the program's, another discriminator), the market, another user's
/// deposit request, his own trade request, and a forged account with the request's
/// discriminator and size owned by another program. Each refused by name.
#[tokio::test]
async fn attempt_other_accounts_passed_as_the_request() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let a = h.user(10 * ONE).await;
    let b = h.user(10 * ONE).await;
    h.trader(&a, ONE).await;
    h.send(&[vault_request_deposit(&h, &b, 5 * ONE, 0)], &[&b.kp])
        .await
        .ok();
    h.send(&[position_request_trade(&h, &a, IONE / 10, 0)], &[&a.kp])
        .await
        .ok();
    h.send(&[vault_request_deposit(&h, &a, ONE, 0)], &[&a.kp])
        .await
        .ok();
    let market = h.market;
    let mine = request_pda(&market, &a.key(), RequestKind::Deposit);
    let forged = Pubkey::new_unique();
    let mut data = Request::DISCRIMINATOR.to_vec();
    let r = h
        .anchor_account::<Request>(request_pda(&market, &b.key(), RequestKind::Deposit))
        .await;
    let mut r2 = r;
    r2.owner = a.key();
    data.extend_from_slice(anchor_lang::__private::bytemuck::bytes_of(&r2));
    let acc = Account {
        lamports: 10_000_000,
        data,
        owner: Pubkey::new_unique(),
        executable: false,
        rent_epoch: 0,
    };
    h.ctx.set_account(&forged, &AccountSharedData::from(acc));
    use anchor_lang::error::ErrorCode as E;
    for (other, err) in [
        (
            position_pda(&market, &a.key()),
            anchor(E::AccountDiscriminatorMismatch),
        ),
        (market, anchor(E::AccountDiscriminatorMismatch)),
        (
            request_pda(&market, &b.key(), RequestKind::Deposit),
            code(HedgeError::WrongOwner),
        ),
        (
            request_pda(&market, &a.key(), RequestKind::Trade),
            code(HedgeError::WrongRequestKind),
        ),
        (forged, anchor(E::AccountOwnedByWrongProgram)),
    ] {
        let ix = patch(cancel(&h, RequestKind::Deposit, &a), mine, other);
        h.expect_error(vec![ix], vec![&a.kp], err).await;
    }
    h.send(&[cancel(&h, RequestKind::Deposit, &a)], &[&a.kp])
        .await
        .ok();
    assert_eq!(h.token_balance(a.token).await, 9 * ONE);
    h.check_invariants().await;
}

/// A deposit whose share account is closed before execution: the shares are held,
/// the ended request kept with its claim. Reopening it is refused (`ClaimPending`);
/// claimed, it closes; reopened, nothing of the old request (its claim, `waiting`,
/// `wait_since`, the padding) survives in the new one.
#[tokio::test]
async fn attempt_reopened_request_carries_nothing_over() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let d = h.user(10 * ONE).await;
    h.send(&[vault_request_deposit(&h, &d, 5 * ONE, 0)], &[&d.kp])
        .await
        .ok();
    let close =
        spl_token::instruction::close_account(&spl_token::ID, &d.shares, &d.key(), &d.key(), &[]).unwrap();
    h.send(&[close], &[&d.kp]).await.ok();
    let out = h.execute_due(RequestKind::Deposit, &d).await.executed();
    let held: PaymentHeld = out.event();
    assert!(held.shares > 0);
    let key = request_pda(&h.market, &d.key(), RequestKind::Deposit);
    let kept: Request = h.anchor_account(key).await;
    assert_eq!((kept.created_at, kept.claim_shares), (0, held.shares));
    let share_mint = h.market_state().await.share_mint;
    let mut d2 = d.clone();
    d2.shares = h.create_token_account(&share_mint, &d.key()).await;
    h.expect_error(
        vec![vault_request_deposit(&h, &d2, ONE, 0)],
        vec![&d.kp],
        code(HedgeError::ClaimPending),
    )
    .await;
    h.send(&[request_claim(&h, &d2, RequestKind::Deposit)], &[&d.kp])
        .await
        .ok();
    assert_eq!(h.token_balance(d2.shares).await, held.shares);
    assert!(h.account(key).await.is_none());
    h.send(&[vault_request_deposit(&h, &d2, ONE, 0)], &[&d.kp])
        .await
        .ok();
    let r: Request = h.anchor_account(key).await;
    let m = h.market_state().await;
    assert_eq!((r.claim_tokens, r.claim_shares, r.waiting), (0, 0, 0));
    assert_eq!(r.reserved, [0u8; 12]);
    assert_eq!(r.amount, ONE);
    assert_eq!(r.share_destination, d2.shares);
    assert_eq!(r.wait_since, m.wait_index);
    h.check_invariants().await;
}

/// The previous layout (Borsh, 8 + 247 bytes, same discriminator) of a pending deposit
/// request, as a program deployed before 5ce6e7d wrote it. The upgraded program reads
/// no account of another size: the owner cannot cancel it, nobody can execute it, he
/// cannot open a new deposit request at its address; the escrowed tokens have no way
/// out (there is no migration instruction).
#[tokio::test]
async fn finding_request_of_the_previous_layout_strands_its_escrow() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let d = h.user(10 * ONE).await;
    h.send(&[vault_request_deposit(&h, &d, 5 * ONE, 0)], &[&d.kp])
        .await
        .ok();
    let key = request_pda(&h.market, &d.key(), RequestKind::Deposit);
    let r: Request = h.anchor_account(key).await;
    let lamports = h.account(key).await.unwrap().lamports;
    let mut b = Request::DISCRIMINATOR.to_vec();
    b.extend_from_slice(r.market.as_ref());
    b.extend_from_slice(r.owner.as_ref());
    b.extend_from_slice(&[r.kind, r.bump, r.version]);
    for v in [r.created_at, r.due_time] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&r.execution_fee.to_le_bytes());
    b.extend_from_slice(&r.amount.to_le_bytes());
    b.extend_from_slice(&r.delta_base.to_le_bytes());
    b.extend_from_slice(&r.limit_price.to_le_bytes());
    b.extend_from_slice(&r.min_hedge_ratio.to_le_bytes());
    b.extend_from_slice(&r.value_at_request.to_le_bytes());
    b.extend_from_slice(r.token_destination.as_ref());
    b.extend_from_slice(r.share_destination.as_ref());
    b.extend_from_slice(&r.claim_tokens.to_le_bytes());
    b.extend_from_slice(&r.claim_shares.to_le_bytes());
    b.push(r.waiting);
    b.extend_from_slice(&r.max_skew_fee_ratio.to_le_bytes());
    b.extend_from_slice(&r.price_at_request.to_le_bytes());
    b.extend_from_slice(&r.wait_since.to_le_bytes());
    b.extend_from_slice(&[0u8; 3]);
    assert_eq!(b.len(), 8 + 247);
    let acc = Account {
        lamports,
        data: b,
        owner: hedge_vault::ID,
        executable: false,
        rent_epoch: 0,
    };
    h.ctx.set_account(&key, &AccountSharedData::from(acc));
    let unreadable = anchor(anchor_lang::error::ErrorCode::AccountDidNotDeserialize);
    h.expect_error(
        vec![cancel(&h, RequestKind::Deposit, &d)],
        vec![&d.kp],
        unreadable,
    )
    .await;
    h.set_time(r.due_time).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let k = h.keeper.kp.insecure_clone();
    h.expect_error(
        vec![execute(&h, RequestKind::Deposit, &d, &oracle)],
        vec![&k],
        unreadable,
    )
    .await;
    h.expect_error(
        vec![vault_request_deposit(&h, &d, ONE, 0)],
        vec![&d.kp],
        unreadable,
    )
    .await;
    h.expect_error(
        vec![request_claim(&h, &d, RequestKind::Deposit)],
        vec![&d.kp],
        unreadable,
    )
    .await;
    // Still escrowed and owed, with no instruction that can pay it.
    assert_eq!(h.market_state().await.escrowed_deposits, 5 * ONE);
    assert_eq!(h.token_balance(d.token).await, 5 * ONE);
}
