//! Fifth attack review of revision 6: the order of the positions' gap settlements.
//! Found: `settle_into` released a long's part of the gap with `saturating_sub` and
//! added a short's: when the longs settled before the shorts, `U` (then
//! `wait_unhedged`) went below zero (the longs were paid gap funding the shorts'
//! lowered payments had not yet brought into `C`), was clipped at 0, and the shorts
//! then added their part on top: `U` kept `S * dG` for ever, the holders' own base
//! `C - U` understated, the rate pinned at its cap (1,437 tokens to the attacker's
//! short in 30 days). Settling is permissionless: the attacker chooses the order.
//! Fixed: the index runs at the own rate and the longs' bonus is paid in tokens out
//! of what the escrow paid (`wait_owed`), which only the longs' settlements lower;
//! the shorts have no part in it. `u_*` below is `wait_owed`.

#![allow(clippy::clone_on_copy)]

use hedge_engine::market::MarketState;
use hedge_engine::position::Position;

mod common;
use common::{at, hedged_vault, matched_pair, prod_params, top_up_to_target, Req, HOUR, ONE, P100};

struct OrderRun {
    u_after_wait: u64,
    u_end: u64,
    own_end: i64,
    rate_end: i64,
    short_recv: i64,
    honest_longs_recv: i64,
    escrow_paid: u64,
    dc: i64,
}

fn settle_all(
    st: &mut MarketState,
    longs: &mut [&mut Position],
    short: &mut Position,
    longs_first: bool,
    recv: &mut (i64, i64),
) {
    if !longs_first {
        recv.0 += st.settle_position_funding(short, at(100)).unwrap().received();
    }
    for l in longs.iter_mut() {
        recv.1 += st.settle_position_funding(l, at(100)).unwrap().received();
    }
    if longs_first {
        recv.0 += st.settle_position_funding(short, at(100)).unwrap().received();
    }
}

/// Vault 10,000 hedged by honest longs of 10,000 + `s` against the attacker's short
/// of `s`; the attacker's escrow `e` waits `wait_days` (every hour all positions are
/// settled, longs first or shorts first), is cancelled, and the market runs
/// `after_days` more.
fn order_run(e: u64, s: u64, wait_days: i64, after_days: i64, longs_first: bool, hourly: bool) -> OrderRun {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, _supply, mut long) = hedged_vault(p, c);
    let (mut long2, mut short) = matched_pair(&mut st, s);
    // The honest long tops up to the target (the trades' fees joined C).
    top_up_to_target(&mut st, &mut long);
    let c0 = st.collateral;
    let mut recv = (0i64, 0i64);
    let r = (e > 0).then(|| Req::new(&mut st, e));
    let mut h = 0;
    while h < wait_days * 24 {
        h += 1;
        st.accrue(P100, h * HOUR).unwrap();
        if hourly {
            settle_all(
                &mut st,
                &mut [&mut long, &mut long2],
                &mut short,
                longs_first,
                &mut recv,
            );
        }
    }
    let mut escrow_paid = 0;
    if let Some(r) = r {
        let rel = st.cancel_deposit(r.amount, r.waited, r.since).unwrap();
        assert_eq!(rel.kept, 0);
        escrow_paid = e - rel.refunded;
    }
    settle_all(
        &mut st,
        &mut [&mut long, &mut long2],
        &mut short,
        longs_first,
        &mut recv,
    );
    let u_after_wait = st.waiting_bid.owed;
    while h < (wait_days + after_days) * 24 {
        h += 1;
        st.accrue(P100, h * HOUR).unwrap();
    }
    settle_all(
        &mut st,
        &mut [&mut long, &mut long2],
        &mut short,
        longs_first,
        &mut recv,
    );
    OrderRun {
        u_after_wait,
        u_end: st.waiting_bid.owed,
        own_end: st.waiting_bid.own_rate,
        rate_end: st.funding.rate,
        short_recv: recv.0,
        honest_longs_recv: recv.1,
        escrow_paid,
        dc: st.collateral as i64 - c0 as i64,
    }
}

impl OrderRun {
    fn show(&self, name: &str) {
        println!(
            "{name}: U after the wait {} (end {}); rate at end {} (own {}); attacker's short received {} ; \
             honest longs received {} ; escrow paid {} ; holders dC {}",
            self.u_after_wait,
            self.u_end,
            self.rate_end,
            self.own_end,
            self.short_recv,
            self.honest_longs_recv,
            self.escrow_paid,
            self.dc
        );
    }
}

#[test]
fn fixed_settling_the_longs_first_leaves_nothing_owed_once_all_settle() {
    let (e, s) = (10_000 * ONE, 20_000 * ONE);
    let hourly = order_run(e, s, 30, 0, true, true);
    hourly.show("every hour, longs settled first, 30 days");
    let once = order_run(e, s, 30, 0, true, false);
    once.show("nothing settled for 30 days, then the longs first");
    let fair = order_run(e, s, 30, 0, false, false);
    fair.show("nothing settled for 30 days, then the short first");
    // (c) once every request has left and every position settled, U is back to the
    // accruals' rounding, whatever the order.
    let worst = hourly.u_end.max(once.u_end);
    assert!(worst <= 30 * 24 * 4, "U stuck at {worst} native units");
}

#[test]
fn fixed_the_settlement_order_gives_the_attackers_short_nothing() {
    let (e, s) = (10_000 * ONE, 20_000 * ONE);
    let (wait, after) = (30, 30);
    let none = order_run(0, s, wait, after, true, false);
    let fair = order_run(e, s, wait, after, false, false);
    let att = order_run(e, s, wait, after, true, false);
    none.show("no escrow");
    fair.show("escrow, nothing settled during the wait, then the short first");
    att.show("escrow, nothing settled during the wait, then the longs first (attack)");
    let gain = (att.short_recv - att.escrow_paid as i64) - (fair.short_recv - fair.escrow_paid as i64);
    println!(
        "attacker's gain from the order alone: {gain}; honest longs lose {}",
        fair.honest_longs_recv - att.honest_longs_recv
    );
    assert!(
        gain <= (wait + after) * 24 * 4,
        "the settlement order is worth {gain} to the short"
    );
}
