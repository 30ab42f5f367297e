//! Fifth attack review of revision 6: random sequences by one user with several
//! wallets mixing what the earlier reviews tried apart: tiny (1-native-unit) and
//! large requests, partial executions (some late), cancellations and refusals at
//! rounding boundaries, longs and shorts that flip side between settlements, price
//! moves between accruals, liquidations of positions with an unsettled gap, holders'
//! withdrawals, and timelocked changes of `max_hedge_cost` and `hedge_tolerance`
//! while deposits wait. After every step: the escrow ledger, every release and
//! execution adding up, tokens conserved across C, K, the insurance fund, the
//! escrow, the margins and the claims, `wait_owed <= C`; at the end nothing left in
//! escrow and `wait_owed` back to rounding.

#![allow(clippy::clone_on_copy)]

use hedge_engine::market::{DepositRequest, MarketState, WithdrawRequest};
use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::Position;
use hedge_engine::requests::cancels_request;
use hedge_engine::PRICE_PRECISION;

mod common;
use common::{hedged_vault, prod_params, terms, Req, ONE};

fn px(milli: u128, t: i64) -> OraclePrice {
    OraclePrice {
        price: milli * PRICE_PRECISION / 1_000,
        conf: 0,
        publish_time: t,
    }
}

fn pool_total(st: &MarketState) -> i128 {
    i128::from(st.collateral)
        + i128::from(st.escrowed_deposits)
        + i128::from(st.waiting_bid.owed)
        + i128::from(st.skew.balance)
        + i128::from(st.insurance)
        + st.total_margin
        + i128::from(st.claimable_tokens)
}

fn check_ledger(st: &MarketState, reqs: &[Option<Req>], ctx: &str) {
    let booked: u128 = reqs.iter().flatten().map(|r| u128::from(r.amount)).sum();
    assert_eq!(
        booked,
        u128::from(st.escrowed_deposits) + u128::from(st.waiting_bid.outstanding),
        "{ctx}: booked {booked} E {} O {}",
        st.escrowed_deposits,
        st.waiting_bid.outstanding
    );
}

struct Rng(u64);
impl Rng {
    fn next(&mut self, m: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % m.max(1)
    }
}

#[derive(Default)]
struct Stats {
    ops: u64,
    execs: u64,
    partial: u64,
    cancels_kept: u64,
    liquidations: u64,
    flips: u64,
    param_changes: u64,
    max_u: u64,
}

fn run(seed: u64, steps: usize, allow_rev6_off: bool) -> Stats {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, mut supply, long0) = hedged_vault(p, c);
    let mut holder_shares = supply;
    let mut t: i64 = 1;
    let mut milli: u128 = 100_000;
    st.observe(&px(milli, t));
    let mut pos: Vec<Position> = vec![
        long0,
        Position::default(),
        Position::default(),
        Position::default(),
        Position::default(),
    ];
    let mut reqs: Vec<Option<Req>> = vec![None; 8];
    let mut wd: Option<(u64, u64, u128)> = None;
    let (mut ext_in, mut ext_out) = (0i128, 0i128);
    let total0 = pool_total(&st);
    let mut stats = Stats::default();
    // Everyone's tokens in: margin for the attacker's positions.
    for p in pos.iter_mut().skip(1) {
        let m = 500 * ONE + rng.next(3_000 * ONE);
        st.deposit_margin(p, m).unwrap();
        ext_in += i128::from(m);
    }
    for step in 0..steps {
        let oracle = px(milli, t);
        let ctx = format!("seed {seed} step {step}");
        let mut op = rng.next(14);
        if let Ok(skip) = std::env::var("SKIP") {
            if skip.split(',').any(|k| k.parse::<u64>() == Ok(op)) {
                op = 2;
            }
        }
        let u_before = st.waiting_bid.owed;
        stats.ops += 1;
        match op {
            0 | 1 => {
                // A request: tiny, at a rounding boundary, or large.
                let i = rng.next(8) as usize;
                if reqs[i].is_none() {
                    let amt = match rng.next(4) {
                        0 => 1 + rng.next(3),
                        1 => 1 + rng.next(ONE),
                        2 => 1 + rng.next(2_000 * ONE),
                        _ => 1 + rng.next(30_000 * ONE),
                    };
                    st.accrue_before_request(t).unwrap();
                    if st.request_deposit(amt).is_ok() {
                        ext_in += i128::from(amt);
                        reqs[i] = Some(Req {
                            amount: amt,
                            waited: false,
                            since: st.waiting_bid.index,
                        });
                    }
                }
            }
            2 | 3 => {
                // Time passes and the price moves (up to 3% a step, kept in 60..140).
                t += 1 + rng.next(2 * 3_600) as i64;
                let mv = rng.next(61) as i128 - 30;
                milli = ((milli as i128) * (1_000 + mv) / 1_000).clamp(60_000, 140_000) as u128;
                st.observe(&px(milli, t));
                st.accrue(milli * PRICE_PRECISION / 1_000, t).unwrap();
            }
            4 | 5 => {
                let i = rng.next(8) as usize;
                if let Some(r) = reqs[i] {
                    st.accrue_for_execution(&oracle, t).unwrap();
                    let late = if rng.next(8) == 0 { 100_000 } else { 0 };
                    let req = DepositRequest {
                        wait_since: r.since,
                        ..terms(r.amount, r.waited, late)
                    };
                    match st.execute_deposit_request(supply, req, oracle) {
                        Ok(x) => {
                            assert_eq!(
                                x.executed + x.waiting + x.wait_charge,
                                r.amount,
                                "{ctx}: exec adds up"
                            );
                            supply += x.shares + x.dead_shares;
                            stats.execs += 1;
                            if x.executed > 0 && x.waiting > 0 {
                                stats.partial += 1;
                            }
                            reqs[i] = (x.waiting > 0).then_some(Req {
                                amount: x.waiting,
                                waited: true,
                                since: st.waiting_bid.index,
                            });
                        }
                        Err(e) if cancels_request(e) => {
                            let rel = st.refund_deposit(r.amount, r.waited, r.since).unwrap();
                            assert_eq!(rel.refunded + rel.kept + rel.wait_charge, r.amount, "{ctx}");
                            assert_eq!(rel.kept, 0);
                            ext_out += i128::from(rel.refunded);
                            reqs[i] = None;
                        }
                        Err(e) => panic!(
                            "{ctx}: execution failed {e:?} (E {} O {})",
                            st.escrowed_deposits, st.waiting_bid.outstanding
                        ),
                    }
                }
            }
            6 => {
                let i = rng.next(8) as usize;
                if let Some(r) = reqs[i] {
                    st.accrue_before_request(t).unwrap();
                    let rel = if rng.next(5) == 0 {
                        st.refund_deposit(r.amount, r.waited, r.since).unwrap()
                    } else {
                        st.cancel_deposit(r.amount, r.waited, r.since).unwrap()
                    };
                    assert_eq!(
                        rel.refunded + rel.kept + rel.wait_charge,
                        r.amount,
                        "{ctx}: release adds up"
                    );
                    ext_out += i128::from(rel.refunded);
                    if rel.kept > 0 {
                        stats.cancels_kept += 1;
                    }
                    reqs[i] = (rel.kept > 0).then_some(Req {
                        amount: rel.kept,
                        since: st.waiting_bid.index,
                        ..r
                    });
                }
            }
            7 | 8 => {
                // A trade of the attacker's positions (sometimes a flip) or the honest long.
                let i = rng.next(5) as usize;
                let before = pos[i].base;
                let d = match rng.next(3) {
                    0 => -2 * before + rng.next(200 * ONE) as i64 - 100 * ONE as i64, // flip
                    _ => rng.next(3_000 * ONE) as i64 - 1_500 * ONE as i64,
                };
                if d != 0 {
                    st.accrue(oracle.price, t).unwrap();
                    let mut q = pos[i];
                    if st.execute_trade(&mut q, d, 0, oracle).is_ok() {
                        if (before > 0 && q.base < 0) || (before < 0 && q.base > 0) {
                            stats.flips += 1;
                        }
                        pos[i] = q;
                    }
                }
            }
            9 => {
                let i = rng.next(5) as usize;
                st.settle_position_funding(&mut pos[i], oracle).unwrap();
            }
            10 => {
                // Liquidations (and deleveraging) of whatever is unhealthy.
                st.accrue(oracle.price, t).unwrap();
                for p in pos.iter_mut() {
                    if p.base == 0 {
                        continue;
                    }
                    if let Ok(l) = st.liquidate(p, oracle, oracle) {
                        ext_out += i128::from(l.outcome.liquidator_reward);
                        stats.liquidations += 1;
                    } else {
                        let _ = st.deleverage(p, oracle, oracle);
                    }
                }
            }
            11 => {
                // The holder's withdrawal: request, execute, or cancel.
                st.accrue(oracle.price, t).unwrap();
                match wd {
                    None => {
                        let sh = rng.next(holder_shares / 3).max(1);
                        if let Ok(v) = st.request_withdraw(supply, sh, oracle) {
                            holder_shares -= sh;
                            wd = Some((sh, v, oracle.price));
                        }
                    }
                    Some((sh, v, pr)) => {
                        if rng.next(2) == 0 {
                            st.release_withdraw(sh, v).unwrap();
                            holder_shares += sh;
                            wd = None;
                        } else {
                            let r = WithdrawRequest {
                                shares: sh,
                                value_at_request: v,
                                price_at_request: pr,
                                max_skew_fee_ratio: 1_000_000,
                            };
                            if let Ok(pay) = st.execute_withdraw_limited(supply, r, oracle) {
                                ext_out += i128::from(pay.paid);
                                supply -= pay.shares_burned;
                                let left = sh - pay.shares_burned;
                                wd = (left > 0).then_some((left, pay.remaining_value_at_request, pr));
                            }
                        }
                    }
                }
            }
            12 => {
                // A timelocked parameter change applies (accrued first).
                st.accrue(oracle.price, t).unwrap();
                let mut np = st.params;
                if rng.next(2) == 0 {
                    np.max_hedge_cost = [
                        137_000_000i64,
                        200_000_000,
                        548_000_000,
                        2_500_000_000,
                        1_000_000_000_000,
                    ][rng.next(5) as usize];
                } else {
                    let ks: &[u32] = if allow_rev6_off {
                        &[0, 1, 3, 10_000, 50_000, 200_000]
                    } else {
                        &[1, 3, 10_000, 50_000, 200_000]
                    };
                    np.hedge_tolerance = ks[rng.next(ks.len() as u64) as usize];
                }
                np.validate().unwrap();
                st.params = np;
                stats.param_changes += 1;
            }
            _ => {
                // Margin in or out of an attacker's position.
                let i = 1 + rng.next(4) as usize;
                if rng.next(2) == 0 {
                    let m = 1 + rng.next(500 * ONE);
                    st.deposit_margin(&mut pos[i], m).unwrap();
                    ext_in += i128::from(m);
                } else {
                    st.accrue(oracle.price, t).unwrap();
                    let w = st.withdrawable_margin(&pos[i], oracle).unwrap_or(0) / 2;
                    if w > 0 && st.withdraw_margin(&mut pos[i], w, oracle).is_ok() {
                        ext_out += i128::from(w);
                    }
                }
            }
        }
        check_ledger(&st, &reqs, &ctx);
        let sum: i128 = pos.iter().map(|p| i128::from(p.base)).sum();
        assert_eq!(sum, st.aggregates.net_base, "{ctx} op {op}: aggregates");
        assert_eq!(
            pool_total(&st) - total0,
            ext_in - ext_out,
            "{ctx}: tokens not conserved"
        );
        assert!(
            st.waiting_bid.owed <= st.collateral,
            "{ctx}: U {} > C {}",
            st.waiting_bid.owed,
            st.collateral
        );
        assert!(st.skew.is_consistent(), "{ctx}: K inconsistent");
        stats.max_u = stats.max_u.max(st.waiting_bid.owed);
        if std::env::var("TRACE").is_ok() && st.waiting_bid.owed != u_before {
            println!(
                "  {ctx} op {op}: U {u_before} -> {} (C {} E {} N {} gap {} price {milli})",
                st.waiting_bid.owed,
                st.collateral,
                st.escrowed_deposits,
                st.aggregates.net_base,
                st.waiting_bid.gap_index
            );
        }
    }
    // Everything leaves: the requests refunded, every position settled.
    for r in reqs.iter_mut() {
        if let Some(q) = r.take() {
            let rel = st.refund_deposit(q.amount, q.waited, q.since).unwrap();
            assert_eq!(rel.refunded + rel.wait_charge, q.amount);
            ext_out += i128::from(rel.refunded);
        }
    }
    let oracle = px(milli, t);
    let sum: i128 = pos.iter().map(|p| i128::from(p.base)).sum();
    assert_eq!(sum, st.aggregates.net_base, "seed {seed}: aggregates");
    for p in pos.iter_mut() {
        if std::env::var("TRACE").is_ok() {
            println!(
                "  end: pos base {} snap {} G {} U {}",
                p.base, p.gap_snapshot, st.waiting_bid.gap_index, st.waiting_bid.owed
            );
        }
        st.settle_position_funding(p, oracle).unwrap();
    }
    assert_eq!(pool_total(&st) - total0, ext_in - ext_out);
    println!(
        "seed {seed}: ops {} execs {} partial {} kept {} liq {} flips {} params {}; end E {} O {} queue {} U {} (max {}) C {}",
        stats.ops,
        stats.execs,
        stats.partial,
        stats.cancels_kept,
        stats.liquidations,
        stats.flips,
        stats.param_changes,
        st.escrowed_deposits,
        st.waiting_bid.outstanding,
        st.waiting_deposits,
        st.waiting_bid.owed,
        stats.max_u,
        st.collateral
    );
    assert_eq!((st.escrowed_deposits, st.waiting_bid.outstanding), (0, 0));
    assert_eq!(st.waiting_deposits, 0, "queue left");
    // U is not asserted back to 0 here: the order of the longs' and shorts'
    // settlements leaves it above (attack_rev6d_order.rs); the residual is printed.
    let _ = steps;
    stats
}

#[test]
fn attempt_random_mix_keeps_every_ledger() {
    for seed in 1..=40u64 {
        run(seed, 1_500, false);
    }
}

#[test]
fn attempt_random_mix_with_revision_6_switched_off_and_on() {
    for seed in 101..=130u64 {
        run(seed, 1_500, true);
    }
}
