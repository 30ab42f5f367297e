//! The engine operations the program's instructions use, each as a scenario: inputs
//! built outside the meter, the engine call measured between `Meter::start` and
//! `Meter::stop`, and a checksum of its result.
//!
//! This file is compiled twice: into the no_std SBF program (where the meter reads the
//! remaining compute units) and into the native runner (`tools/cu-bench`), which
//! compares the two checksums, so the SBF build of the engine is also checked to
//! compute exactly what the native build computes.

use core::hint::black_box as bb;

use hedge_engine::funding::accrue;
use hedge_engine::liquidation::{auto_deleverage, liquidate, vault_in_breach};
use hedge_engine::market::MarketState;
use hedge_engine::math::{mul_div, Rounding};
use hedge_engine::oracle::{accept_confirmation, accept_price, accept_price_at, OracleUse};
use hedge_engine::position::{
    equity_floor, execute_trade, is_liquidatable, settle_funding, stress_sized_open_interest_usd, Position,
};
use hedge_engine::vault::{
    check_min_hedge_ratio, check_withdrawal, shares_for_deposit_floor, value_of_shares_floor,
};
use hedge_engine::{FUNDING_INDEX_PRECISION, PRICE_PRECISION};

/// Measures the code between `start` and `stop`.
pub trait Meter {
    fn start(&mut self);
    fn stop(&mut self);
}

/// A meter that measures nothing (native runs).
pub struct NoMeter;

impl Meter for NoMeter {
    fn start(&mut self) {}
    fn stop(&mut self) {}
}

/// Every scenario: (id, name). The id is the instruction data's first byte.
pub const SCENARIOS: &[(u8, &str)] = &[
    (0, "noop (meter calibration)"),
    (1, "math::mul_div, product fits 128 bits"),
    (2, "math::mul_div, 256-bit product"),
    (3, "math::mul_div, 256-bit product, 128-bit divisor"),
    (4, "u128 division (reference)"),
    (5, "oracle::accept_price"),
    (6, "position::equity_floor"),
    (7, "position::is_liquidatable"),
    (8, "position::settle_funding"),
    (9, "position::execute_trade, open"),
    (10, "position::execute_trade, reduce"),
    (11, "position::execute_trade, flip"),
    (12, "funding::accrue"),
    (13, "vault::shares_for_deposit_floor"),
    (14, "vault::value_of_shares_floor"),
    (15, "vault::check_withdrawal"),
    (16, "vault::check_min_hedge_ratio"),
    (17, "liquidation::liquidate, partial"),
    (18, "liquidation::liquidate, bankrupt"),
    (19, "liquidation::auto_deleverage"),
    (20, "liquidation::vault_in_breach"),
    (21, "position::stress_sized_open_interest_usd"),
    (22, "position::Units::quote_of (a size at a price)"),
    (23, "position::Units::tokens_of (a PnL at a price)"),
    (100, "engine work of a deposit execution"),
    (101, "engine work of a trade execution"),
    (102, "engine work of a liquidation"),
    (103, "engine work of a vault withdrawal execution"),
    (104, "engine work of the funding crank"),
    (105, "engine work of a vault withdrawal request"),
    (106, "engine work of an auto-deleveraging"),
    (107, "engine work of a confirmed liquidation (pull)"),
    (108, "engine work of a confirmed deleveraging (pull)"),
];

#[path = "scenarios_world.rs"]
mod world;
use world::*;
// The runner's tests check the world through these.
#[allow(unused_imports)]
pub use world::{world_bases, world_liquidation, BANKRUPT_CENTS, PARTIAL_CENTS};

/// The engine refused a scenario's call: its inputs are wrong, not the engine.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused;

fn sum_i(x: i128) -> u128 {
    x as u128
}

/// A checksum of a successful result; a refusal fails the scenario.
fn sum_r<T, E>(r: &Result<T, E>, f: impl Fn(&T) -> u128) -> Result<u128, Refused> {
    match r {
        Ok(v) => Ok(f(v)),
        Err(_) => Err(Refused),
    }
}

fn pos_sum(p: &Position) -> u128 {
    sum_i(i128::from(p.base))
        .wrapping_mul(31)
        .wrapping_add(sum_i(p.entry_quote))
        .wrapping_mul(31)
        .wrapping_add(sum_i(i128::from(p.margin)))
        .wrapping_mul(31)
        .wrapping_add(sum_i(p.funding_basis))
}

/// Runs scenario `id` and returns its checksum; `None` for an unknown id,
/// `Some(Err(Refused))` when the engine refused the scenario's call.
#[inline(never)]
pub fn run(id: u8, m: &mut impl Meter) -> Option<Result<u128, Refused>> {
    if !SCENARIOS.iter().any(|s| s.0 == id) {
        return None;
    }
    Some(measured(id, m, &world()))
}

fn measured(id: u8, m: &mut impl Meter, w: &World) -> Result<u128, Refused> {
    match id {
        0 => {
            m.start();
            m.stop();
            Ok(0)
        }
        1 => {
            let (a, b, d) = (
                bb(5_000_000_000u128),
                bb(123 * PRICE_PRECISION),
                bb(1_000_000_000u128),
            );
            m.start();
            let r = bb(mul_div(a, b, d, Rounding::Floor));
            m.stop();
            sum_r(&r, |v| *v)
        }
        2 => {
            // base * index, as the funding snapshot computes it: > 2^128.
            let (a, b, d) = (
                bb(800_000_000_000u128),
                bb(2 * FUNDING_INDEX_PRECISION as u128 + 12_345),
                bb(1_000_000_000_000_000_000u128),
            );
            m.start();
            let r = bb(mul_div(a, b, d, Rounding::Ceil));
            m.stop();
            sum_r(&r, |v| *v)
        }
        3 => {
            let (a, b, d) = (bb(u128::MAX / 3), bb(u128::MAX / 5), bb(u128::MAX / 7));
            m.start();
            let r = bb(mul_div(a, b, d, Rounding::Floor));
            m.stop();
            sum_r(&r, |v| *v)
        }
        4 => {
            let (a, d) = (bb(123_456_789_012_345_678_901_234_567u128), bb(1_000_000_007u128));
            m.start();
            let r = bb(a / d);
            m.stop();
            Ok(r)
        }
        5 => {
            let (r, l) = (bb(raw(10_000)), bb(limits()));
            m.start();
            let p = bb(accept_price(&r, &l, NOW - 10, NOW, OracleUse::Increase));
            m.stop();
            sum_r(&p, |v| v.price ^ v.conf)
        }
        6 => {
            let v = w.view(9_700);
            m.start();
            let e = bb(equity_floor(bb(&w.long), bb(&v)));
            m.stop();
            sum_r(&e, |x| sum_i(*x))
        }
        7 => {
            let v = w.view(9_700);
            m.start();
            let e = bb(is_liquidatable(bb(&w.long), bb(&v)));
            m.stop();
            sum_r(&e, |x| u128::from(*x))
        }
        8 => {
            let v = w.view(9_700);
            let (mut p, mut agg) = (w.long, w.st.aggregates);
            m.start();
            let paid = bb(settle_funding(bb(&mut p), bb(&mut agg), bb(&v)));
            m.stop();
            sum_r(&paid, |x| sum_i(i128::from(*x)) ^ pos_sum(&p))
        }
        9..=11 => {
            let v = w.view(10_100);
            let (pos, delta) = match id {
                9 => (
                    Position {
                        margin: 3 * ONE,
                        ..Default::default()
                    },
                    20 * ONE,
                ),
                10 => (w.long, -4 * ONE),
                _ => (w.long, -12 * ONE),
            };
            let ctx = w.ctx();
            m.start();
            let out = bb(execute_trade(bb(&pos), bb(&ctx), bb(delta), bb(&v)));
            m.stop();
            sum_r(&out, |o| {
                pos_sum(&o.position) ^ u128::from(o.fee) ^ u128::from(o.vault_collateral)
            })
        }
        12 => {
            let (st, inp) = w.funding();
            m.start();
            let a = bb(accrue(bb(&st), bb(&inp), bb(NOW)));
            m.stop();
            sum_r(&a, |x| sum_i(x.state.index) ^ sum_i(i128::from(x.state.rate)))
        }
        13 => {
            let (v, o) = (w.vault(), oracle(10_000));
            m.start();
            let s = bb(shares_for_deposit_floor(bb(&v), bb(&o), bb(25 * ONE as u64)));
            m.stop();
            sum_r(&s, |x| u128::from(*x))
        }
        14 => {
            let (v, o) = (w.vault(), oracle(10_000));
            m.start();
            let s = bb(value_of_shares_floor(bb(&v), bb(&o), bb(25_000 * ONE as u64)));
            m.stop();
            sum_r(&s, |x| u128::from(*x))
        }
        15 => {
            let (v, o) = (w.vault(), oracle(10_000));
            m.start();
            let s = bb(check_withdrawal(
                bb(&v),
                bb(&o),
                bb(&w.st.params),
                bb(25 * ONE as u64),
            ));
            m.stop();
            // 25 tokens fit under the limit.
            sum_r(&s, |_| 1)
        }
        16 => {
            m.start();
            let s = bb(check_min_hedge_ratio(
                bb(w.st.collateral + 25 * ONE as u64),
                bb(&w.st.aggregates),
                bb(&w.st.params),
                bb(500_000),
            ));
            m.stop();
            sum_r(&s, |_| 1)
        }
        17 | 18 => {
            let v = w.view(if id == 17 { PARTIAL_CENTS } else { BANKRUPT_CENTS });
            let ctx = w.ctx();
            m.start();
            let out = bb(liquidate(bb(&w.long), bb(&ctx), bb(w.st.insurance), bb(&v)));
            m.stop();
            sum_r(&out, |o| {
                pos_sum(&o.position) ^ u128::from(o.closed) ^ u128::from(o.bad_debt)
            })
        }
        19 => {
            let v = w.view(13_000);
            let ctx = w.ctx();
            m.start();
            let out = bb(auto_deleverage(bb(&w.long), bb(&ctx), bb(&v)));
            m.stop();
            sum_r(&out, |o| pos_sum(&o.position) ^ u128::from(o.vault_collateral))
        }
        20 => {
            let (vv, v) = (w.vault(), w.view(13_000));
            m.start();
            let b = bb(vault_in_breach(bb(&vv), bb(&v)));
            m.stop();
            sum_r(&b, |x| u128::from(*x))
        }
        21 => {
            m.start();
            let c = bb(stress_sized_open_interest_usd(
                bb(w.st.insurance),
                UNITS,
                bb(oracle(10_000).price),
                bb(&w.st.params),
            ));
            m.stop();
            sum_r(&c, |x| x.unwrap_or(0))
        }
        22 => {
            let (b, p) = (bb(i128::from(w.long.base)), bb(oracle(9_350).price));
            m.start();
            let q = bb(UNITS.quote_of(b, p, Rounding::Floor));
            m.stop();
            sum_r(&q, |x| sum_i(*x))
        }
        23 => {
            // A loss of 6.25% on the long's notional, converted at the price.
            let (q, p) = (bb(-(w.long.entry_quote >> 4)), bb(oracle(9_350).price));
            m.start();
            let t = bb(UNITS.tokens_of(q, p, Rounding::Floor));
            m.stop();
            sum_r(&t, |x| sum_i(*x))
        }
        100 => {
            // vault_execute_deposit: the unique price of the due time, accrual, the
            // hedge capacity, shares, the depositor's minimum hedge ratio, escrow to C.
            let (r, mut st) = (bb(raw(10_000)), bb(w.st));
            m.start();
            let out = accept_price_at(&r, PREV, &st.limits, DUE, NOW, OracleUse::Increase).and_then(|o| {
                st.observe(&o);
                st.accrue(o.price, NOW)?;
                st.execute_deposit_in_turn(w.supply, 25 * ONE as u64, 500_000, o, false)
            });
            bb((&out, &st));
            m.stop();
            sum_r(&out, |x| u128::from(x.shares) ^ sum_i(st.funding.index))
        }
        101 => {
            // position_execute_trade: price of the due time, accrual, the market's
            // state, funding settlement, the trade, fees, caps, limit price.
            let (r, mut st) = (bb(raw(10_100)), bb(w.st));
            let mut p = Position {
                margin: 3 * ONE,
                ..w.long
            };
            m.start();
            let out = accept_price_at(&r, PREV, &st.limits, DUE, NOW, OracleUse::Increase).and_then(|o| {
                st.observe(&o);
                st.accrue(o.price, NOW)?;
                st.execute_trade(&mut p, 8 * ONE, 102 * PRICE_PRECISION, o)
            });
            bb((&out, &st, &p));
            m.stop();
            sum_r(&out, |x| pos_sum(&p) ^ u128::from(x.outcome.fee))
        }
        102 => {
            // position_liquidate: an instant price, accrual, funding settlement,
            // liquidation with the insurance fund.
            let (r, mut st, mut p) = (bb(raw(9_350)), bb(w.st), w.long);
            m.start();
            let out =
                accept_price(&r, &st.limits, st.last_publish_time, NOW, OracleUse::Liquidate).and_then(|o| {
                    st.observe(&o);
                    st.accrue(o.price, NOW)?;
                    st.liquidate(&mut p, o, o)
                });
            bb((&out, &st, &p));
            m.stop();
            sum_r(&out, |x| pos_sum(&p) ^ u128::from(x.outcome.closed))
        }
        103 => {
            // vault_execute_withdraw: price of the due time, accrual, the payout under
            // the limit, capped at the value at request.
            let (r, mut st) = (bb(raw(10_000)), bb(w.st));
            m.start();
            let out = accept_price_at(&r, PREV, &st.limits, DUE, NOW, OracleUse::Reduce).and_then(|o| {
                st.observe(&o);
                st.accrue(o.price, NOW)?;
                st.execute_withdraw(w.supply, 25_000 * ONE as u64, 26 * ONE as u64, o)
            });
            bb((&out, &st));
            m.stop();
            sum_r(&out, |x| u128::from(x.paid) ^ u128::from(x.shares_burned))
        }
        104 => {
            // market_update_funding: an instant price, accrual, the breach flag.
            let (r, mut st) = (bb(raw(10_000)), bb(w.st));
            m.start();
            let out =
                accept_price(&r, &st.limits, st.last_publish_time, NOW, OracleUse::Reduce).and_then(|o| {
                    st.observe(&o);
                    st.accrue(o.price, NOW)?;
                    st.update_reduce_only(o)
                });
            bb((&out, &st));
            m.stop();
            sum_r(&out, |b| u128::from(*b) ^ sum_i(st.funding.index))
        }
        105 => {
            // vault_request_withdraw: an instant price, accrual, the shares' value now.
            let (r, mut st) = (bb(raw(10_000)), bb(w.st));
            m.start();
            let out =
                accept_price(&r, &st.limits, st.last_publish_time, NOW, OracleUse::Reduce).and_then(|o| {
                    st.observe(&o);
                    st.accrue(o.price, NOW)?;
                    st.request_withdraw(w.supply, 25_000 * ONE as u64, o)
                });
            bb((&out, &st));
            m.stop();
            sum_r(&out, |x| u128::from(*x))
        }
        106 => {
            // market_auto_deleverage: an instant price, accrual, the breach check, the
            // forced close of a profitable long while the vault is in breach. A vault
            // hedged up to its collateral only breaches when over-hedged and the price
            // multiplies: 745 tokens short on 700 at 1000 USD.
            let (r, mut p) = (bb(raw(100_000)), w.long);
            let mut st = bb(MarketState {
                collateral: 700 * ONE as u64,
                ..w.st
            });
            m.start();
            let out =
                accept_price(&r, &st.limits, st.last_publish_time, NOW, OracleUse::Liquidate).and_then(|o| {
                    st.observe(&o);
                    st.accrue(o.price, NOW)?;
                    st.deleverage(&mut p, o, o)
                });
            bb((&out, &st, &p));
            m.stop();
            sum_r(&out, |x| u128::from(x.closed) ^ sum_i(i128::from(x.realized_pnl)))
        }
        107 => {
            // position_liquidate on a pull market: the price, its confirmation (the
            // unique update 5 s earlier, checked), accrual, the liquidation, and the
            // check at the confirmation price.
            let (r, c, mut st, mut p) = (bb(raw(9_350)), bb(raw_at(9_360, NOW - 8)), bb(w.st), w.long);
            m.start();
            let out =
                accept_price(&r, &st.limits, st.last_publish_time, NOW, OracleUse::Liquidate).and_then(|o| {
                    st.observe(&o);
                    let conf = accept_confirmation(Some((&c, NOW - 9)), &o, &st.limits, NOW)?;
                    st.accrue(o.price, NOW)?;
                    st.liquidate(&mut p, conf, o)
                });
            bb((&out, &st, &p));
            m.stop();
            sum_r(&out, |x| pos_sum(&p) ^ u128::from(x.outcome.closed))
        }
        108 => {
            // market_auto_deleverage on a pull market, confirmed (as 106).
            let (r, c, mut p) = (bb(raw(100_000)), bb(raw_at(99_000, NOW - 8)), w.long);
            let mut st = bb(MarketState {
                collateral: 700 * ONE as u64,
                ..w.st
            });
            m.start();
            let out =
                accept_price(&r, &st.limits, st.last_publish_time, NOW, OracleUse::Liquidate).and_then(|o| {
                    st.observe(&o);
                    let conf = accept_confirmation(Some((&c, NOW - 9)), &o, &st.limits, NOW)?;
                    st.accrue(o.price, NOW)?;
                    st.deleverage(&mut p, conf, o)
                });
            bb((&out, &st, &p));
            m.stop();
            sum_r(&out, |x| u128::from(x.closed) ^ sum_i(i128::from(x.realized_pnl)))
        }
        _ => Err(Refused),
    }
}
