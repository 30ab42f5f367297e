//! LEVER 3 and 4: a pending withdrawal traps an honest deposit in escrow; a whale
//! deposit over-hedges C only as far as the capped escrow.

use super::*;

// =================================================================================
// LEVER 3: a holder's pending withdrawal makes an honest deposit uncancellable AND
// unexecutable: `covered_escrow` counts the hedge base without the escrow as `C - W`,
// but execution needs `C` itself within the cover. The depositor is stuck and
// charged the waiting bid for as long as the holder keeps re-requesting (free).
// =================================================================================

pub(crate) struct TrapRun {
    pub(crate) refunded: u64,
    pub(crate) executed: u64,
    pub(crate) charged: u64,
    pub(crate) still: u64,
    pub(crate) first_exec_waiting: u64,
    pub(crate) long_paid: i64,
}

pub(crate) fn withdrawal_trap(attack: bool, hours: i64) -> TrapRun {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, supply0, mut long) = hedged_vault(p, c);
    let mut supply = supply0;
    // The attacker holds the vault's shares (any holder with half the vault's value):
    // he asks to withdraw half.
    let shares = supply / 2;
    let mut w = if attack {
        let v = st.request_withdraw(supply, shares, at(100)).unwrap();
        Some(v)
    } else {
        None
    };
    // An honest depositor asks to deposit 5,000 and changes his mind at once.
    let mut d = Req::new(&mut st, 5_000 * ONE);
    let (mut refunded, mut executed, mut charged) = (0u64, 0u64, 0u64);
    let r = st.cancel_deposit(d.amount, d.waited, d.since).unwrap();
    refunded += r.refunded;
    charged += r.wait_charge;
    d.amount = r.kept;
    d.since = st.waiting_bid.index;
    println!(
        "attack={attack}: D's cancellation refunded {} kept {} (C {} W {} N {})",
        r.refunded, r.kept, st.collateral, st.withdrawals_in_escrow, st.aggregates.net_base
    );
    let mut first_exec_waiting = 0;
    let mut long_paid = 0i64;
    for h in 1..=hours {
        st.accrue(P100, h * HOUR).unwrap();
        if d.amount == 0 {
            continue;
        }
        // D's kept part is due: executed by a keeper.
        let x = st
            .execute_deposit_request(
                supply,
                DepositRequest {
                    wait_since: d.since,
                    ..terms(d.amount, d.waited, 0)
                },
                at(100),
            )
            .unwrap();
        supply += x.shares + x.dead_shares;
        executed += x.executed;
        charged += x.wait_charge;
        if h == 1 {
            first_exec_waiting = x.waiting;
        }
        d = Req {
            amount: x.waiting,
            waited: true,
            since: st.waiting_bid.index,
        };
        if d.amount == 0 {
            continue;
        }
        // D tries again to cancel before the new due time: only the uncovered part.
        let r = st.cancel_deposit(d.amount, d.waited, d.since).unwrap();
        refunded += r.refunded;
        charged += r.wait_charge;
        d.amount = r.kept;
        d.since = st.waiting_bid.index;
        // The attacker keeps his withdrawal pending: cancels it before its due time and
        // asks again (free: his shares come back).
        if let Some(v) = w {
            st.release_withdraw(shares, v).unwrap();
            w = Some(st.request_withdraw(supply, shares, at(100)).unwrap());
        }
    }
    long_paid -= st.settle_position_funding(&mut long, at(100)).unwrap().received();
    TrapRun {
        refunded,
        executed,
        charged,
        still: d.amount,
        first_exec_waiting,
        long_paid,
    }
}

#[test]
fn fixed_a_pending_withdrawal_traps_an_honest_deposit_in_escrow_and_charges_it() {
    let hours = 24;
    let honest = withdrawal_trap(false, hours);
    let trap = withdrawal_trap(true, hours);
    for (name, t) in [("no withdrawal", &honest), ("withdrawal kept pending", &trap)] {
        println!(
            "{name}: D refunded {} executed {} charged {} still in escrow {} after {hours} h \
             (first execution left {} waiting); the honest long paid {} funding",
            t.refunded, t.executed, t.charged, t.still, t.first_exec_waiting, t.long_paid
        );
    }
    // Without the pending withdrawal D gets everything back at once.
    assert_eq!(honest.refunded, 5_000 * ONE);
    // Conservation for D in both runs.
    assert_eq!(
        trap.refunded + trap.executed + trap.charged + trap.still,
        5_000 * ONE
    );
    // The safe property (PROTOCOL: "the part the traders' longs cover stays, keeps its
    // due time and executes then"): what a cancellation keeps executes at its due time.
    assert_eq!(
        trap.first_exec_waiting, 0,
        "the kept part did not execute: {} stuck, uncancellable",
        trap.first_exec_waiting
    );
    assert_eq!(trap.still, 0, "{} still stuck after {hours} h", trap.still);
}

// =================================================================================
// LEVER 4 (fixed): a deposit far larger than C let longs reach the over-hedge cap
// of the hedge base: the vault was ~110x over-hedged against its own C until the
// deposit executed, and a refusal at execution (equity not positive at a 1% rise)
// returned the whole escrow, covered part included. Now the cap counts the escrow
// only up to max(C, skew_scale).
// =================================================================================

#[test]
fn bounded_a_whale_deposit_over_hedges_c_only_as_far_as_the_capped_escrow() {
    let p = prod_params();
    let c = 100 * ONE;
    let (mut st, supply, _h1) = hedged_vault(p, c);
    let c0 = st.collateral;
    // Attacker's deposit wallet: 10,000 tokens requested.
    let e = 10_000 * ONE;
    let a = Req::new(&mut st, e);
    // Attacker's trader wallet: longs up to the over-hedge cap. Fixed after this
    // attack: the cap counts the escrow only up to max(C, skew_scale) (300 tokens
    // here), so the longs reach 1.1 * 400 = 440, not 1.1 * 10,100 = 11,110.
    let mut long = Position::default();
    st.deposit_margin(&mut long, 3_000 * ONE).unwrap();
    let hb = st.hedge_base();
    let whole = (1_000_000 + u128::from(p.over_hedge_cap)) * u128::from(hb) / 1_000_000;
    let too_far = whole as i128 - st.aggregates.net_base - i128::from(ONE);
    let refused = st
        .clone()
        .execute_trade(&mut long.clone(), too_far as i64, 0, at(100));
    assert_eq!(refused.map(|_| ()), Err(EngineError::OverHedgeCapExceeded));
    let counted = u128::from(st.collateral.max(p.skew_scale));
    let cap = (1_000_000 + u128::from(p.over_hedge_cap)) * (u128::from(st.collateral) + counted) / 1_000_000;
    let room = cap as i128 - st.aggregates.net_base - i128::from(ONE);
    st.execute_trade(&mut long, room as i64, 0, at(100)).unwrap();
    let n = st.aggregates.net_base;
    println!(
        "long {room}: N {n} vs C {} -> {:.1}x C (was 102x before the fix)",
        st.collateral,
        n as f64 / st.collateral as f64
    );
    assert!(n as f64 / (st.collateral as f64) < 4.5);
    // A 1% rise by the deposit's due time: the vault loses about 1% of its over-hedge,
    // its equity stays positive and the covered deposit executes (no refusal).
    let x = st
        .execute_deposit_request(
            supply,
            DepositRequest {
                wait_since: a.since,
                ..terms(a.amount, false, 0)
            },
            at(101),
        )
        .unwrap();
    let eq = equity_at(
        &st.vault_view(supply + x.shares + x.dead_shares),
        101 * PRICE_PRECISION,
        Rounding::Floor,
    )
    .unwrap();
    println!(
        "execution at 101: executed {} waiting {}; C {} (was {c0}), equity at 101 {eq}",
        x.executed, x.waiting, st.collateral
    );
    assert!(x.executed > 0);
    assert!(eq > 0);
}
