//! Random instruction sequences through the real bank (PROTOCOL section 7: "test them;
//! fuzz them"). Seeded, so a failure replays. Users request deposits, withdrawals,
//! trades, margin withdrawals and unstakes; a keeper executes what is due (at the
//! unique price of its due time), cancels what expired, liquidates what the engine
//! says is due; owners cancel; the price moves and time passes, sometimes past the
//! execution window; the guardian pauses and resumes; the admin proposes, cancels and
//! applies parameters across the timelock; the keeper tries auto-deleveraging;
//! traders close flat positions (an exit: never refused) and open them again.
//! After every step: token conservation (7.1) and zero-sum (7.2);
//! every refusal must be a named error (a program error or Anchor's), never a panic
//! or an unnamed failure.

use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::{is_liquidatable, MarketView};
use hedge_engine::requests::RequestKind;
use hedge_engine::PRICE_PRECISION;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::state::{InsuranceStake, Position, ProposalKind};
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;

/// xorshift64*: small, deterministic, good enough to pick actions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A failed step must be a named error and change nothing (checked by the
/// invariants, which compare every ledger with every token account).
fn named(out: &Outcome) {
    if out.result.is_ok() {
        return;
    }
    let code = out
        .custom_error()
        .unwrap_or_else(|| panic!("unnamed failure: {:?}\n{}", out.result, out.logs.join("\n")));
    let ok = (6000..6100).contains(&code) || (2000..5000).contains(&code) || code <= 20;
    assert!(
        ok,
        "error {code} is neither a program nor an Anchor nor a token-program error"
    );
}

const ACTIONS: usize = 18;

/// Successes and refusals per action kind, to show the sequence did real work.
#[derive(Default, Debug)]
struct Tally {
    ok: [u32; ACTIONS],
    refused: [u32; ACTIONS],
    /// Executions that filled, and executions that cancelled the request with a
    /// refusal at its due time's price.
    executed: u32,
    pauses: u32,
    applied: u32,
    closes: u32,
    execution_refusals: u32,
    liquidations: u32,
}

async fn run(seed: u64, steps: usize) -> Tally {
    let mut tally = Tally::default();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut h = Harness::new(Setup::default()).await;
    let lps = [h.user(200 * ONE).await, h.user(200 * ONE).await];
    let traders = [
        h.user(50 * ONE).await,
        h.user(50 * ONE).await,
        h.user(50 * ONE).await,
        h.user(50 * ONE).await,
    ];
    let staker = h.user(20 * ONE).await;
    for t in &traders {
        h.trader(t, 2 * ONE).await;
    }
    h.deposit(&lps[0], 50 * ONE).await;
    // Every (user, kind) that may hold a request.
    let mut requesters: Vec<(&User, RequestKind)> = Vec::new();
    for lp in &lps {
        requesters.push((lp, RequestKind::Deposit));
        requesters.push((lp, RequestKind::Withdraw));
    }
    for t in &traders {
        requesters.push((t, RequestKind::Trade));
        requesters.push((t, RequestKind::MarginWithdraw));
    }
    requesters.push((&staker, RequestKind::Unstake));
    let mut usd: f64 = 100.0;
    for _ in 0..steps {
        // The admin's, the guardian's and the closes are rarer than the users' and the
        // keeper's actions.
        let action = if rng.below(8) == 0 {
            14 + rng.below(4) as usize
        } else {
            rng.below(14) as usize
        };
        let out = match action {
            0 => {
                // The price moves up to 12%; usually seconds pass, sometimes more
                // than an execution window.
                let pct = rng.below(2401) as f64 / 100.0 - 12.0;
                usd = (usd * (1.0 + pct / 100.0)).clamp(5.0, 1_000.0);
                let dt = if rng.below(5) == 0 {
                    rng.below(600)
                } else {
                    rng.below(8)
                };
                h.advance(dt as i64).await;
                h.set_usd(usd).await;
                None
            }
            1 => {
                let lp = &lps[rng.below(2) as usize];
                let ix = vault_request_deposit(&h, lp, 1 + rng.below(30 * ONE), 0);
                Some(h.send(&[ix], &[&lp.kp]).await)
            }
            2 => {
                let lp = &lps[rng.below(2) as usize];
                let shares = h.token_balance(lp.shares).await;
                let ix = vault_request_withdraw(&h, lp, 1 + rng.below(shares.max(1)));
                Some(h.send(&[ix], &[&lp.kp]).await)
            }
            3..=5 => {
                let t = &traders[rng.below(4) as usize];
                let delta = rng.below(24 * ONE) as i64 - 12 * ONE as i64;
                // Sometimes a limit price near the current one, so slippage refusals
                // happen too.
                let limit = if rng.below(4) == 0 {
                    let off = 0.98 + rng.below(41) as f64 / 1000.0;
                    (usd * off * 1e6) as u128 * (PRICE_PRECISION / 1_000_000)
                } else {
                    0
                };
                let ix = position_request_trade(&h, t, delta, limit);
                Some(h.send(&[ix], &[&t.kp]).await)
            }
            6 => {
                let t = &traders[rng.below(4) as usize];
                let ix = position_deposit(&h, t, 1 + rng.below(3 * ONE));
                Some(h.send(&[ix], &[&t.kp]).await)
            }
            7 => {
                let t = &traders[rng.below(4) as usize];
                let ix = position_request_withdraw(&h, t, 1 + rng.below(2 * ONE));
                Some(h.send(&[ix], &[&t.kp]).await)
            }
            8 => Some(h.send(&[market_update_funding(&h)], &[]).await),
            9 => {
                // The keeper liquidates whatever the engine says is due.
                let m = h.market_state().await;
                let params = m.risk_params();
                let view = MarketView {
                    params: &params,
                    units: m.units().unwrap(),
                    oracle: OraclePrice {
                        price: (usd * 1e8).round() as u128 * (PRICE_PRECISION / 100_000_000),
                        conf: 0,
                        publish_time: 0,
                    },
                    funding_index: m.funding_index,
                };
                let keeper = h.keeper.clone();
                let mut last = None;
                for t in &traders {
                    let Some(p) = h
                        .anchor_account_opt::<Position>(position_pda(&h.market, &t.key()))
                        .await
                    else {
                        continue; // closed
                    };
                    if is_liquidatable(&p.engine(), &view).unwrap_or(false) {
                        let ix = position_liquidate(&h, &keeper, &t.key(), &h.oracle);
                        let out = h.send(&[ix], &[&keeper.kp]).await;
                        named(&out);
                        tally.liquidations += u32::from(out.result.is_ok());
                        h.check_invariants().await;
                        last = Some(out);
                    }
                }
                last
            }
            10 => {
                let stake: Option<InsuranceStake> =
                    h.anchor_account_opt(stake_pda(&h.market, &staker.key())).await;
                let ix = match stake {
                    Some(s) if s.shares > 0 && rng.below(2) == 0 => {
                        insurance_request_unstake(&h, &staker, 1 + rng.below(s.shares))
                    }
                    _ => insurance_stake(&h, &staker, 1 + rng.below(2 * ONE)),
                };
                Some(h.send(&[ix], &[&staker.kp]).await)
            }
            11 => {
                let t = &traders[rng.below(4) as usize];
                Some(h.send(&[position_settle_funding(&h, &t.key())], &[]).await)
            }
            12 => {
                // The keeper executes every due request at the price of its due time,
                // and cancels every expired one.
                let now = h.now().await;
                let keeper = h.keeper.clone();
                let mut last = None;
                for &(u, kind) in &requesters {
                    let Some(r) = h.request_state(&u.key(), kind).await else {
                        continue;
                    };
                    let out = if now >= r.due_time {
                        let oracle = h.publish_for_due(r.due_time).await;
                        let out = h.send(&[execute(&h, kind, u, &oracle)], &[&keeper.kp]).await;
                        if out.result.is_ok() {
                            let cancelled = out.events::<hedge_vault::events::RequestCancelled>();
                            if cancelled.is_empty() {
                                tally.executed += 1;
                            } else {
                                tally.execution_refusals += 1;
                            }
                        }
                        out
                    } else {
                        continue;
                    };
                    named(&out);
                    assert!(
                        out.result.is_ok(),
                        "{kind:?} of {}: {:?}\n{}",
                        u.key(),
                        out.result,
                        out.logs.join("\n")
                    );
                    h.check_invariants().await;
                    last = Some(out);
                }
                last
            }
            14 => {
                // The guardian pauses the market; the admin resumes it (the guardian
                // may only pause: refused by name).
                let paused = h.market_state().await.is_paused();
                let g = if paused && rng.below(8) != 0 {
                    h.admin.insecure_clone()
                } else {
                    h.guardian.insecure_clone()
                };
                let ix = market_set_pause(&h, &g.pubkey(), !paused);
                let out = h.send(&[ix], &[&g]).await;
                tally.pauses += u32::from(out.result.is_ok() && !paused);
                Some(out)
            }
            15 => {
                // The admin proposes the same parameters again, cancels, or applies
                // (sometimes a day later, past the timelock).
                let admin = h.admin.insecure_clone();
                let a = admin.pubkey();
                let m = h.market_state().await;
                let ix = if m.proposal.kind == ProposalKind::None {
                    market_propose_params(
                        &h,
                        &a,
                        h.setup.params.into(),
                        h.setup.oracle_config,
                        h.setup.admin_config,
                    )
                } else if rng.below(4) == 0 {
                    market_cancel_proposal(&h, &a)
                } else {
                    if rng.below(3) == 0 {
                        h.advance(86_400).await;
                        h.set_usd(usd).await;
                    }
                    market_apply_proposal(&h, &a)
                };
                let out = h.send(&[ix], &[&admin]).await;
                tally.applied += u32::from(out.result.is_ok() && m.proposal.kind != ProposalKind::None);
                Some(out)
            }
            16 => {
                // The keeper tries to deleverage a trader (refused by name unless the
                // vault is in breach and the position qualifies).
                let t = &traders[rng.below(4) as usize];
                Some(h.send(&[market_auto_deleverage(&h, &t.key(), &h.oracle)], &[]).await)
            }
            17 => {
                // A trader closes its position when flat, or opens it again. Closing
                // a flat position without requests is an exit: never refused.
                let t = &traders[rng.below(4) as usize];
                match h
                    .anchor_account_opt::<Position>(position_pda(&h.market, &t.key()))
                    .await
                {
                    None => Some(h.send(&[position_open(&h, t)], &[&t.kp]).await),
                    Some(p) => {
                        let out = h.send(&[position_close(&h, t)], &[&t.kp]).await;
                        if p.base == 0 && p.pending_requests == 0 {
                            assert!(out.result.is_ok(), "closing a flat position: {:?}", out.result);
                            tally.closes += 1;
                        }
                        Some(out)
                    }
                }
            }
            _ => {
                // An owner cancels one of its requests (refused while it is locked).
                let (u, kind) = requesters[rng.below(requesters.len() as u64) as usize];
                if h.request_state(&u.key(), kind).await.is_none() {
                    None
                } else {
                    Some(h.send(&[cancel(&h, kind, u)], &[&u.kp]).await)
                }
            }
        };
        if let Some(out) = &out {
            named(out);
            if out.result.is_ok() {
                tally.ok[action] += 1;
            } else {
                tally.refused[action] += 1;
            }
        }
        h.check_invariants().await;
    }
    tally
}

#[tokio::test]
async fn random_sequences_keep_the_invariants() {
    let mut total = Tally::default();
    for seed in 1..=4 {
        let t = run(seed, 400).await;
        println!("seed {seed}: {t:?}");
        total.executed += t.executed;
        total.execution_refusals += t.execution_refusals;
        total.liquidations += t.liquidations;
        total.ok[13] += t.ok[13];
        total.pauses += t.pauses;
        total.applied += t.applied;
        total.closes += t.closes;
    }
    // The sequences did real work, not only refusals: requests filled, requests were
    // refused at their due time's price, expired ones were cancelled, owners
    // cancelled, and positions were liquidated.
    assert!(total.executed > 40, "{total:?}");
    assert!(total.execution_refusals > 0, "{total:?}");
    assert!(total.ok[13] > 0, "{total:?}");
    // The guardian paused, proposals were applied after the timelock, flat positions
    // were closed.
    assert!(
        total.pauses > 0 && total.applied > 0 && total.closes > 0,
        "{total:?}"
    );
    assert!(total.liquidations > 0, "{total:?}");
}
