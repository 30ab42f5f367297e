//! The adversarial owner's moves.

use super::*;

/// The adversary's moves.
pub(crate) async fn adversary(
    w: &mut World,
    rng: &mut Rng,
    action: u64,
    t: &mut Tally,
) -> Result<Option<Outcome>, Failure> {
    let u = w.adv.user.clone();
    if action == 22 {
        // His wallet becomes executable (it then refuses lamports), or back.
        let mut acc = w.h.account(u.key()).await.expect("wallet");
        w.adv.executable = !w.adv.executable;
        acc.executable = w.adv.executable;
        acc.owner = if w.adv.executable {
            anchor_lang::solana_program::bpf_loader_upgradeable::ID
        } else {
            anchor_lang::solana_program::system_program::ID
        };
        w.h.ctx.set_account(&u.key(), &acc.into());
        t.adversary_moves += 1;
        return Ok(None);
    }
    if !w.adv_can_sign() {
        return Ok(None);
    }
    let h = &mut w.h;
    let out = match action {
        18 | 20 => {
            // Empties one of his named accounts and closes it, or creates it again.
            let (acc, kp, spare, mint) = if action == 18 {
                (u.token, &w.adv.token_kp, w.adv.spare_token, h.mint)
            } else {
                (
                    u.shares,
                    &w.adv.shares_kp,
                    w.adv.spare_shares,
                    share_mint_pda(&h.market),
                )
            };
            let out = match h.account(acc).await {
                Some(a) if a.owner == spl_token::ID => {
                    let balance = h.token_balance(acc).await;
                    let ixs = [
                        spl_token::instruction::thaw_account(
                            &spl_token::ID,
                            &acc,
                            &mint,
                            &h.mint_authority.pubkey(),
                            &[],
                        )
                        .unwrap(),
                        spl_token::instruction::transfer(
                            &spl_token::ID,
                            &acc,
                            &spare,
                            &u.key(),
                            &[],
                            balance,
                        )
                        .unwrap(),
                        spl_token::instruction::close_account(&spl_token::ID, &acc, &u.key(), &u.key(), &[])
                            .unwrap(),
                    ];
                    let auth = h.mint_authority.insecure_clone();
                    // (Thawing an account that is not frozen fails: then without it.)
                    let out = h.send(&ixs, &[&u.kp, &auth]).await;
                    if out.result.is_err() {
                        h.send(&ixs[1..], &[&u.kp]).await
                    } else {
                        out
                    }
                }
                _ => {
                    let kp = kp.insecure_clone();
                    create_at(h, &kp, &mint, &u.key()).await
                }
            };
            t.adversary_moves += 1;
            // Token- and system-program operations: their errors are theirs.
            let _ = out;
            return Ok(None);
        }
        19 => {
            // Has his token account frozen, or thawed.
            let auth = h.mint_authority.insecure_clone();
            let mint = h.mint;
            let frozen = h.account(u.token).await.is_some_and(|a| {
                a.owner == spl_token::ID
                    && <spl_token::state::Account as anchor_lang::solana_program::program_pack::Pack>::unpack(
                        &a.data,
                    )
                    .is_ok_and(|x| x.is_frozen())
            });
            let ix = if frozen {
                spl_token::instruction::thaw_account(&spl_token::ID, &u.token, &mint, &auth.pubkey(), &[])
                    .unwrap()
            } else {
                spl_token::instruction::freeze_account(&spl_token::ID, &u.token, &mint, &auth.pubkey(), &[])
                    .unwrap()
            };
            h.send(&[ix], &[&auth]).await;
            t.adversary_moves += 1;
            // A token-program operation, not the program's: its errors are SPL Token's.
            return Ok(None);
        }
        21 => {
            // Adds margin to his position, pending order or not (refused while one is).
            let pending = h
                .anchor_account_opt::<Position>(position_pda(&h.market, &u.key()))
                .await
                .is_some_and(|p| p.pending_requests > 0);
            let out = h
                .send(&[position_deposit(h, &u, 1 + rng.below(ONE))], &[&u.kp])
                .await;
            if pending && out.result.is_ok() {
                return fail(
                    "no free option",
                    "margin added to a position with a pending request".into(),
                )
                .map(|_| None);
            }
            out
        }
        26 => {
            // A neutral pair with his accomplice, at up to 9x on his accomplice's 4
            // tokens of margin: he longs, the accomplice shorts (or the other way
            // round), each executed by the keeper at its due time.
            let leg = w.leg.clone();
            let size = (1 + rng.below(36 * ONE)) as i64;
            let sign = if rng.below(2) == 0 { 1 } else { -1 };
            h.send(&[position_request_trade(h, &leg, -sign * size, 0)], &[&leg.kp])
                .await;
            h.send(&[position_request_trade(h, &u, sign * size, 0)], &[&u.kp])
                .await
        }
        27 => {
            // He liquidates one of his own legs, his accomplice's or his own, with his
            // own token account as the liquidator's: refused by name unless it is due.
            let target = if rng.below(2) == 0 { w.leg.key() } else { u.key() };
            if h.account(u.token).await.is_none_or(|a| a.owner != spl_token::ID) {
                return Ok(None);
            }
            let Some(p) = h
                .anchor_account_opt::<Position>(position_pda(&h.market, &target))
                .await
            else {
                return Ok(None);
            };
            if p.base != 0 {
                t.pairs += 1;
                // He waits for the move that takes the leg below maintenance: the price
                // goes 15% against it and stays past the confirmation delay.
                let against = if p.base > 0 { 0.85 } else { 1.15 };
                w.usd = (w.usd * against).clamp(5.0, 1_000_000.0);
                h.advance(6).await;
                h.set_usd(w.usd).await;
            }
            let ix = h.liquidate_ix(&u, &target).await;
            let out = h.send(&[ix], &[&u.kp]).await;
            if out.result.is_ok() {
                t.own_leg_liquidations += 1;
                let ev: PositionLiquidated = out.event();
                t.unfunded += u32::from(ev.skew_unfunded > 0);
            } else if out.custom_error() != Some(code(HedgeError::PositionHealthy))
                && out.custom_error() != Some(code(HedgeError::PositionEmpty))
            {
                named(&out)?;
            }
            out
        }
        23 | 24 => {
            // A request of any kind, his named accounts created again first if he had
            // closed them.
            let mint = h.mint;
            let share_mint = share_mint_pda(&h.market);
            for (acc, kp, m) in [
                (u.token, &w.adv.token_kp, mint),
                (u.shares, &w.adv.shares_kp, share_mint),
            ] {
                if h.account(acc).await.is_none_or(|a| a.owner != spl_token::ID) {
                    let kp = kp.insecure_clone();
                    create_at(h, &kp, &m, &u.key()).await;
                    if acc == u.token {
                        let spare = w.adv.spare_token;
                        let back = h.token_balance(spare).await;
                        let ix = spl_token::instruction::transfer(
                            &spl_token::ID,
                            &spare,
                            &acc,
                            &u.key(),
                            &[],
                            back,
                        )
                        .unwrap();
                        h.send(&[ix], &[&u.kp]).await;
                    }
                }
            }
            let kind = RequestKind::ALL[rng.below(5) as usize];
            let ix = match kind {
                RequestKind::Deposit => vault_request_deposit(h, &u, 1 + rng.below(20 * ONE), 0),
                RequestKind::Withdraw => {
                    let s = h.account(u.shares).await.map(|_| ()).is_some();
                    let shares = if s { h.token_balance(u.shares).await } else { 0 };
                    vault_request_withdraw(h, &u, 1 + rng.below(shares.max(1)))
                }
                RequestKind::Trade => {
                    position_request_trade(h, &u, rng.below(8 * ONE) as i64 - 4 * ONE as i64, 0)
                }
                RequestKind::MarginWithdraw => position_request_withdraw(h, &u, 1 + rng.below(ONE)),
                RequestKind::Unstake => {
                    let stake: Option<Stake> = h.anchor_account_opt(stake_pda(&h.market, &u.key())).await;
                    match stake {
                        Some(s) if s.shares > 0 => insurance_request_unstake(h, &u, 1 + rng.below(s.shares)),
                        _ => insurance_stake(h, &u, 1 + rng.below(ONE)),
                    }
                }
            };
            let out = h.send(&[ix], &[&u.kp]).await;
            if out.result.is_ok() && rng.below(2) == 0 {
                // At once he withholds the account the request pays into (the
                // finding's move).
                let (acc, spare) = match kind {
                    RequestKind::Deposit => (u.shares, w.adv.spare_shares),
                    _ => (u.token, w.adv.spare_token),
                };
                if h.account(acc).await.is_some_and(|a| a.owner == spl_token::ID) {
                    let balance = h.token_balance(acc).await;
                    let ixs = [
                        spl_token::instruction::transfer(
                            &spl_token::ID,
                            &acc,
                            &spare,
                            &u.key(),
                            &[],
                            balance,
                        )
                        .unwrap(),
                        spl_token::instruction::close_account(&spl_token::ID, &acc, &u.key(), &u.key(), &[])
                            .unwrap(),
                    ];
                    h.send(&ixs, &[&u.kp]).await;
                }
            }
            out
        }
        _ => {
            // Claims what any of his request accounts holds, into his spare accounts.
            let mut last = None;
            for kind in RequestKind::ALL {
                let key = request_pda(&h.market, &u.key(), kind);
                let Some(r) = h.anchor_account_opt::<Request>(key).await else {
                    continue;
                };
                if !r.has_claim() {
                    continue;
                }
                let keys = hedge_client::keys::MarketKeys::for_market(h.market, h.mint, h.oracle);
                let ix = hedge_client::ix::request_claim(
                    &keys,
                    &u.key(),
                    kind,
                    Some(w.adv.spare_token),
                    Some(w.adv.spare_shares),
                );
                let out = h.send(&[ix], &[&u.kp]).await;
                if out.result.is_err() {
                    return fail(
                        "claims",
                        format!("{kind:?}: {:?}\n{}", out.result, out.logs.join("\n")),
                    )
                    .map(|_| None);
                }
                t.claims += 1;
                last = Some(out);
            }
            return Ok(last);
        }
    };
    t.adversary_moves += 1;
    Ok(Some(out))
}
