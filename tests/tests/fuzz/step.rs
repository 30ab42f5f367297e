//! One step of a sequence: the users', the admin's, the guardian's and the keeper's actions.

use super::*;

/// One step, its choices drawn from `rng`.
pub(crate) async fn step(w: &mut World, rng: &mut Rng, t: &mut Tally) -> Result<(), Failure> {
    // The admin's, the guardian's and the closes are rarer than the users', the
    // keeper's and the adversary's actions.
    let action = match rng.below(13) {
        0 => 14 + rng.below(4),
        1 | 2 | 4 => match rng.below(16) {
            k @ 0..=9 => 18 + k,
            10 | 11 => 27,
            _ => 23,
        },
        3 => 16,
        _ => rng.below(14),
    };
    let out: Option<Outcome> = match action {
        0 => {
            // The price moves up to 12%, sometimes falls by a third; usually seconds
            // pass, sometimes more than a minute, sometimes a day (requests are left
            // unexecuted meanwhile).
            let pct = if rng.below(8) == 0 {
                -33.0
            } else {
                rng.below(2401) as f64 / 100.0 - 12.0
            };
            w.usd = (w.usd * (1.0 + pct / 100.0)).clamp(5.0, 1_000_000.0);
            let dt = match rng.below(10) {
                0 => 86_400,
                1 | 2 => rng.below(600),
                _ => rng.below(8),
            };
            w.h.advance(dt as i64).await;
            w.h.set_usd(w.usd).await;
            if pct < -30.0 {
                // After a fall the keeper is there at once.
                liquidations(w, t).await?
            } else {
                None
            }
        }
        1 => {
            let lp = w.lps[rng.below(2) as usize].clone();
            let ix = vault_request_deposit(&w.h, &lp, 1 + rng.below(30 * ONE), 0);
            Some(w.h.send(&[ix], &[&lp.kp]).await)
        }
        2 => {
            let lp = w.lps[rng.below(2) as usize].clone();
            let shares = w.h.token_balance(lp.shares).await;
            let ix = vault_request_withdraw(&w.h, &lp, 1 + rng.below(shares.max(1)));
            Some(w.h.send(&[ix], &[&lp.kp]).await)
        }
        3..=5 => {
            let tr = w.traders[rng.below(4) as usize].clone();
            // Longer than shorter: traders carry the hedge up to the over-hedge cap.
            let delta = rng.below(24 * ONE) as i64 - 8 * ONE as i64;
            let limit = if rng.below(4) == 0 {
                let off = 0.98 + rng.below(41) as f64 / 1000.0;
                (w.usd * off * 1e6) as u128 * (hedge_engine::PRICE_PRECISION / 1_000_000)
            } else {
                0
            };
            let ix = position_request_trade(&w.h, &tr, delta, limit);
            Some(w.h.send(&[ix], &[&tr.kp]).await)
        }
        6 => {
            let tr = w.traders[rng.below(4) as usize].clone();
            let ix = position_deposit(&w.h, &tr, 1 + rng.below(3 * ONE));
            Some(w.h.send(&[ix], &[&tr.kp]).await)
        }
        7 => {
            let tr = w.traders[rng.below(4) as usize].clone();
            let ix = position_request_withdraw(&w.h, &tr, 1 + rng.below(2 * ONE));
            Some(w.h.send(&[ix], &[&tr.kp]).await)
        }
        8 => Some(w.h.send(&[market_update_funding(&w.h)], &[]).await),
        9 => liquidations(w, t).await?,
        10 => {
            let s = w.staker.clone();
            let stake: Option<Stake> = w.h.anchor_account_opt(stake_pda(&w.h.market, &s.key())).await;
            let ix = match stake {
                Some(st) if st.shares > 0 && rng.below(2) == 0 => {
                    insurance_request_unstake(&w.h, &s, 1 + rng.below(st.shares))
                }
                _ => insurance_stake(&w.h, &s, 1 + rng.below(2 * ONE)),
            };
            Some(w.h.send(&[ix], &[&s.kp]).await)
        }
        11 => {
            let tr = w.traders[rng.below(4) as usize].clone();
            Some(w.h.send(&[position_settle_funding(&w.h, &tr.key())], &[]).await)
        }
        12 => executions(w, t).await?,
        13 => {
            // An owner cancels one of his requests: allowed only before its due time.
            let all = requesters(w);
            let (u, kind) = all[rng.below(all.len() as u64) as usize].clone();
            if u.key() == w.adv.user.key() && !w.adv_can_sign() {
                return Ok(());
            }
            let Some(r) = w.h.request_state(&u.key(), kind).await else {
                return Ok(());
            };
            let now = w.h.now().await;
            let out = w.h.send(&[cancel(&w.h, kind, &u)], &[&u.kp]).await;
            if out.result.is_ok() {
                t.owner_cancels += 1;
                if now >= r.due_time {
                    return fail(
                        "no cancel after the due time",
                        format!("{kind:?} cancelled at {now}, due {}", r.due_time),
                    );
                }
            } else if now >= r.due_time {
                if out.custom_error() != Some(code(HedgeError::RequestLocked)) {
                    return fail("no cancel after the due time", format!("{:?}", out.result));
                }
                t.cancels_refused_after_due += 1;
            }
            Some(out)
        }
        14 => {
            let paused = w.h.market_state().await.is_paused();
            let g = if paused && rng.below(8) != 0 {
                w.h.admin.insecure_clone()
            } else {
                w.h.guardian.insecure_clone()
            };
            let ix = market_set_pause(&w.h, &g.pubkey(), !paused);
            let out = w.h.send(&[ix], &[&g]).await;
            t.pauses += u32::from(out.result.is_ok() && !paused);
            Some(out)
        }
        15 => {
            let admin = w.h.admin.insecure_clone();
            let a = admin.pubkey();
            let m = w.h.market_state().await;
            let ix = if m.proposal.kind() == ProposalKind::None {
                let s = w.h.setup;
                market_propose_params(&w.h, &a, s.params.into(), s.oracle_config, s.admin_config)
            } else if rng.below(4) == 0 {
                market_cancel_proposal(&w.h, &a)
            } else {
                if rng.below(3) == 0 {
                    w.h.advance(86_400).await;
                    w.h.set_usd(w.usd).await;
                }
                market_apply_proposal(&w.h, &a)
            };
            let out = w.h.send(&[ix], &[&admin]).await;
            t.applied += u32::from(out.result.is_ok() && m.proposal.kind() != ProposalKind::None);
            Some(out)
        }
        16 => deleverage(w, t).await?,
        17 => {
            let tr = w.traders[rng.below(4) as usize].clone();
            match w
                .h
                .anchor_account_opt::<Position>(position_pda(&w.h.market, &tr.key()))
                .await
            {
                None => Some(w.h.send(&[position_open(&w.h, &tr)], &[&tr.kp]).await),
                Some(p) => {
                    let out = w.h.send(&[position_close(&w.h, &tr)], &[&tr.kp]).await;
                    if p.base == 0 && p.pending_requests == 0 && p.margin >= 0 {
                        if out.result.is_err() {
                            return fail("exits", format!("closing a flat position: {:?}", out.result));
                        }
                        t.closes += 1;
                    }
                    Some(out)
                }
            }
        }
        18..=27 => adversary(w, rng, action, t).await?,
        _ => None,
    };
    if let Some(out) = &out {
        named(out)?;
    }
    Ok(())
}
