use super::*;
use crate::PRICE_PRECISION;

const ONE: u64 = 1_000_000_000;

fn state() -> MarketState {
    let limits = OracleLimits::default_for_tests();
    MarketState {
        collateral: 100 * ONE,
        insurance: 50 * ONE,
        insurance_shares: 50_000 * ONE,
        ..MarketState::new(
            RiskParams::default_for_tests(),
            limits,
            Units { scale: 1_000_000_000 },
            0,
        )
    }
}

fn at(usd: u128) -> OraclePrice {
    OraclePrice {
        price: usd * PRICE_PRECISION,
        conf: 0,
        publish_time: 0,
    }
}

/// A refused step changes nothing; a paused market still lets a trader reduce.
#[test]
fn refusals_change_nothing_and_exits_pass_a_pause() {
    let mut st = state();
    let mut pos = Position::default();
    st.deposit_margin(&mut pos, ONE).unwrap();
    st.execute_trade(&mut pos, 5 * ONE as i64, 0, at(100)).unwrap();
    let (before, pos_before) = (st, pos);
    // A limit the fill cannot meet: refused, nothing moved.
    assert_eq!(
        st.execute_trade(&mut pos, ONE as i64, 99 * PRICE_PRECISION, at(100)),
        Err(EngineError::SlippageExceeded)
    );
    assert_eq!((st, pos), (before, pos_before));
    st.paused = true;
    assert_eq!(
        st.execute_trade(&mut pos, ONE as i64, 0, at(100)),
        Err(EngineError::MarketPaused)
    );
    assert_eq!(
        (st, pos),
        (
            MarketState {
                paused: true,
                ..before
            },
            pos_before
        )
    );
    // Reducing is an exit: allowed while paused.
    st.execute_trade(&mut pos, -(ONE as i64), 0, at(100)).unwrap();
    assert_eq!(pos.base, 4 * ONE as i64);
    st.reduce_only = true;
    st.execute_trade(&mut pos, -(ONE as i64), 0, at(100)).unwrap();
    st.settlement_price = 100 * PRICE_PRECISION;
    assert_eq!(st.request_deposit(ONE), Err(EngineError::MarketSettled));
}

/// A 9x long at 100 is below maintenance at 94: liquidated only if it is also
/// below maintenance at the confirmation price (a wick that is over is not).
#[test]
fn a_liquidation_needs_its_confirmation_price_too() {
    let mut st = state();
    let mut pos = Position::default();
    st.deposit_margin(&mut pos, ONE).unwrap();
    st.execute_trade(&mut pos, 9 * ONE as i64, 0, at(100)).unwrap();
    let (before, pos_before) = (st, pos);
    assert_eq!(
        st.liquidate(&mut pos, at(94), at(100)),
        Err(EngineError::PositionHealthy)
    );
    assert_eq!(
        st.liquidate(&mut pos, at(100), at(94)),
        Err(EngineError::LiquidationNotConfirmed)
    );
    assert_eq!((st, pos), (before, pos_before));
    let x = st.liquidate(&mut pos, at(93), at(94)).unwrap();
    assert!(x.outcome.closed > 0);
}

/// Claims are booked apart from everything else and paid out exactly once.
#[test]
fn claims_are_held_and_paid_out() {
    let mut st = state();
    st.hold_for_claim(5, 7).unwrap();
    assert_eq!((st.claimable_tokens, st.claimable_shares), (5, 7));
    assert_eq!(st.pay_claim(6, 0), Err(EngineError::MathOverflow));
    st.pay_claim(5, 7).unwrap();
    assert_eq!((st.claimable_tokens, st.claimable_shares), (0, 0));
}

/// Escrow, execution and release of a deposit keep the ledger whole.
#[test]
fn deposits_move_from_escrow_to_collateral() {
    let mut st = MarketState {
        collateral: 0,
        ..state()
    };
    st.request_deposit(10 * ONE).unwrap();
    assert_eq!(st.escrowed_deposits, 10 * ONE);
    let shares = st.execute_deposit(0, 10 * ONE, 0, at(100)).unwrap().shares;
    assert_eq!(shares, 10_000 * ONE);
    assert_eq!((st.escrowed_deposits, st.collateral), (0, 10 * ONE));
    st.request_deposit(ONE).unwrap();
    // Nobody trades: a 1% minimum hedge ratio fails and nothing moves.
    let before = st;
    assert_eq!(
        st.execute_deposit(shares, ONE, 10_000, at(100)),
        Err(EngineError::HedgeRatioBelowMinimum)
    );
    assert_eq!(st, before);
    st.cancel_deposit(ONE, false, st.waiting_bid.index).unwrap();
    assert_eq!(st.escrowed_deposits, 0);
}

/// Worked example of profit unlocking: 10 tokens locked for 100 s; at 40 s, 6 are
/// still locked; 6 more then arrive, and the end re-averages to
/// 40 + (6 * 60 + 6 * 100) / 12 = 120 s.
#[test]
fn profit_unlocks_linearly_and_new_income_re_averages_the_end() {
    let l = ProfitLock::default().add(10, 100).unwrap();
    assert_eq!((l.locked, l.end), (10, 100));
    let l = l.at(40).unwrap();
    assert_eq!(l.locked, 6);
    let l = l.add(6, 100).unwrap();
    assert_eq!((l.locked, l.last, l.end), (12, 40, 120));
    assert_eq!(l.at(80).unwrap().locked, 6);
    assert_eq!(l.at(120).unwrap().locked, 0);
    assert_eq!(ProfitLock::default().add(10, 0).unwrap().locked, 0);
}

/// The deposit-before-income trade (PROTOCOL section 3, profit unlocking): deposit,
/// a lump of fee income arrives, withdraw at once. Without unlocking it takes a
/// share of the lump; with a one-day unlock it takes only what the lump unlocked
/// while it held (one second of a day).
fn deposit_before_income(unlock: u32) -> (u64, u64) {
    let mut st = state();
    st.params.profit_unlock_time = unlock;
    st.params.taker_fee_ratio = 10_000; // 1%: a visible lump
    st.insurance = 10_000 * ONE;
    st.collateral = 0;
    st.request_deposit(100 * ONE).unwrap();
    let holder = st.execute_deposit(0, 100 * ONE, 0, at(100)).unwrap().shares;
    // The attacker deposits as much as the holder.
    st.request_deposit(100 * ONE).unwrap();
    let mine = st.execute_deposit(holder, 100 * ONE, 0, at(100)).unwrap().shares;
    let supply = holder + mine;
    // A trader opens and closes 150 tokens at 100: 3 tokens of taker fee.
    st.accrue(100 * PRICE_PRECISION, 10).unwrap();
    let mut pos = Position::default();
    st.deposit_margin(&mut pos, 50 * ONE).unwrap();
    st.execute_trade(&mut pos, 150 * ONE as i64, 0, at(100)).unwrap();
    st.execute_trade(&mut pos, -150 * ONE as i64, 0, at(100)).unwrap();
    st.accrue(100 * PRICE_PRECISION, 11).unwrap();
    let value = st.request_withdraw(supply, mine, at(100)).unwrap();
    (value, 100 * ONE)
}

#[test]
fn depositing_just_before_income_gains_nothing_once_income_unlocks() {
    let (value, paid_in) = deposit_before_income(0);
    assert!(
        value > paid_in + ONE,
        "{value} vs {paid_in}: the lump is shared at once"
    );
    // One second after the lump, only 1/86,400 of it has reached the price: the
    // attacker's half of that, a second's income, is all he takes.
    let (value, paid_in) = deposit_before_income(86_400);
    assert!(value <= paid_in + 3 * ONE / 86_400 / 2, "{value} > {paid_in}");
}

/// PROTOCOL section 3, hedge capacity: a fund of 4 tokens at 100 USD covers 1,000
/// USD of longs on a 50% gap at 10% margin, so at most 10 tokens can be hedged.
#[test]
fn a_deposit_beyond_hedge_capacity_waits_and_executes_as_capacity_appears() {
    let mut st = state();
    st.collateral = 0;
    st.insurance = 4 * ONE;
    assert_eq!(st.hedgeable_collateral(&at(100)).unwrap(), 10 * ONE);
    // The fund is in the same token: the capacity in tokens does not move with
    // the price (only the configured USD cap would bind differently).
    assert_eq!(st.hedgeable_collateral(&at(200)).unwrap(), 10 * ONE);
    st.request_deposit(15 * ONE).unwrap();
    let x = st
        .execute_deposit_in_turn(0, 15 * ONE, 0, at(100), false)
        .unwrap();
    assert_eq!(
        (x.executed, x.waiting, x.shares),
        (10 * ONE, 5 * ONE, 10_000 * ONE)
    );
    assert_eq!((st.collateral, st.escrowed_deposits), (10 * ONE, 5 * ONE));
    assert_eq!(st.waiting_deposits, 5 * ONE);
    // A deposit not in its turn (another waits) waits whole, and the waiting rest
    // waits while no capacity appears; neither changes anything but the queue.
    st.request_deposit(ONE).unwrap();
    let before = st;
    let y = st
        .execute_deposit_in_turn(10_000 * ONE, ONE, 0, at(100), false)
        .unwrap();
    assert_eq!((y.executed, y.waiting, y.shares), (0, ONE, 0));
    let z = st
        .execute_deposit_in_turn(10_000 * ONE, 5 * ONE, 0, at(100), true)
        .unwrap();
    assert_eq!((z.executed, z.waiting), (0, 5 * ONE));
    assert_eq!(
        st,
        MarketState {
            waiting_deposits: 6 * ONE,
            ..before
        }
    );
    // The insurance fund grows to 6 tokens: 15 can be hedged, the rest executes.
    st.insurance = 6 * ONE;
    let z = st
        .execute_deposit_in_turn(10_000 * ONE, 5 * ONE, 0, at(100), true)
        .unwrap();
    assert_eq!((z.executed, z.waiting, z.shares), (5 * ONE, 0, 5_000 * ONE));
    assert_eq!((st.collateral, st.escrowed_deposits), (15 * ONE, ONE));
    assert_eq!(st.waiting_deposits, ONE);
    // Refusals are the executing part's: a paused market refunds.
    st.paused = true;
    assert_eq!(
        st.execute_deposit_in_turn(15_000 * ONE, ONE, 0, at(100), true),
        Err(EngineError::MarketPaused)
    );
}

/// Deposits and withdrawals on a two-way market pay the potential's rise into the
/// skew ledger and are rebated out of it (PROTOCOL section 3, revision 5): `C`
/// never pays a rebate.
#[test]
fn deposits_and_withdrawals_are_priced_on_the_skew_potential_through_the_ledger() {
    let mut st = state();
    st.params.skew_rebate_share = 1_000_000;
    st.params.impact_fee_ratio = 10_000;
    st.params.skew_scale = 100 * ONE;
    st.collateral = 0;
    st.request_deposit(100 * ONE).unwrap();
    // Nobody is long: the first deposit opens a skew of -100 (Phi = 1 token), paid
    // into the ledger out of the amount: C gets the other 99.
    let x = st.execute_deposit(0, 100 * ONE, 0, at(100)).unwrap();
    assert_eq!((x.shares, x.skew_fee, x.skew_rebate), (99_000 * ONE, ONE, 0));
    assert_eq!((st.collateral, st.skew.balance), (99 * ONE, ONE));
    assert_eq!(st.profit.locked, 0, "the fee is not the vault's income");
    // Longs of 150 make it over-hedged (x = +51): a deposit of 51 closes the gap and
    // is rebated its fall (0.2601 token) out of the ledger, within the fall to the
    // state its rebate leaves (x a little below 0).
    st.aggregates.net_base = 150 * ONE as i128;
    st.aggregates.long_base = 150 * ONE as u128;
    st.aggregates.entry_quote = 150 * 100 * crate::QUOTE_PRECISION as i128;
    st.request_deposit(51 * ONE).unwrap();
    let y = st.execute_deposit(99_000 * ONE, 51 * ONE, 0, at(100)).unwrap();
    assert_eq!(y.skew_fee, 0);
    assert!((260_000_000..260_100_000).contains(&y.skew_rebate), "{y:?}");
    assert_eq!(st.skew.balance, ONE - y.skew_rebate);
    assert_eq!(st.collateral, 150 * ONE + y.skew_rebate);
    assert!(st.skew.is_consistent());
    // A withdrawal of 10 tokens moves x from about -0.26 to about +9.74: its rise
    // is kept from the gross into the ledger, and C falls by exactly the gross.
    let supply = 99_000 * ONE + y.shares;
    let shares = supply / 15;
    let value = st.request_withdraw(supply, shares, at(100)).unwrap();
    let (c0, k0, before) = (st.collateral, st.skew.balance, st.skew_point());
    let w = st.execute_withdraw(supply, shares, value, at(100)).unwrap();
    let gross = w.paid + w.skew_fee;
    let after = SkewPoint {
        collateral: c0 - gross,
        ..before
    };
    let rise = after.potential(&st.params, Rounding::Ceil).unwrap()
        - before.potential(&st.params, Rounding::Floor).unwrap();
    assert_eq!((w.skew_fee, w.skew_rebate, w.skew_unfunded), (rise as u64, 0, 0));
    assert!(w.skew_fee > 9_000_000, "{w:?}");
    assert_eq!((st.collateral, st.skew.balance), (c0 - gross, k0 + w.skew_fee));
}

/// A request's bound is on its skew charge net of its rebate (PROTOCOL section 4
/// item 4): a positive bound caps the fee less the rebate, a negative one asks for
/// at least that rebate, compared exactly; 1e6 or more is no bound.
#[test]
fn a_request_bound_covers_the_fee_net_of_the_rebate() {
    let limit = |fee, rebate, ratio| check_skew_fee_limit(fee, rebate, 1_000 * ONE, ratio);
    let refused = Err(EngineError::SkewFeeAboveLimit);
    // 1% of 1,000 tokens: a fee of 10 passes, 10 and a unit does not; a rebate
    // makes room for more fee.
    assert_eq!(limit(10 * ONE, 0, 10_000), Ok(()));
    assert_eq!(limit(10 * ONE + 1, 0, 10_000), refused);
    assert_eq!(limit(12 * ONE, 2 * ONE, 10_000), Ok(()));
    // -1%: a rebate of at least 10 tokens is asked for.
    assert_eq!(limit(0, 10 * ONE, -10_000), Ok(()));
    assert_eq!(limit(0, 10 * ONE - 1, -10_000), refused);
    assert_eq!(limit(ONE, 10 * ONE, -10_000), refused);
    // No bound.
    assert_eq!(limit(1_000 * ONE, 0, 1_000_000), Ok(()));
    assert_eq!(limit(1_000 * ONE, 0, i32::MAX), Ok(()));
    assert_eq!(limit(0, 0, i32::MIN), refused);
}

/// The insurance fund's income unlocks (PROTOCOL section 5, revision 5): a stake
/// made just before income lands takes only what unlocks while it is staked.
#[test]
fn a_stake_just_before_income_takes_only_what_unlocks_while_it_stays() {
    let mut st = state();
    st.params.profit_unlock_time = 86_400;
    let old = st.insurance_shares;
    // A tenfold stake, then 10 tokens of income land at t = 0.
    let mine = st.stake_insurance(500 * ONE).unwrap();
    st.donate_insurance(10 * ONE, 0).unwrap();
    let supply = old + mine;
    assert_eq!(st.insurance_shares, supply);
    // At once, the stake is worth what was staked (less rounding): nothing of the
    // income yet. After 60 s, 60/86,400 of it, in proportion.
    assert!(st.insurance_value(mine, 0).unwrap() <= 500 * ONE);
    let at_60 = st.insurance_value(mine, 60).unwrap();
    let share = 10 * ONE as u128 * 60 / 86_400 * u128::from(mine) / u128::from(supply);
    assert!(at_60 <= 500 * ONE + share as u64 + 1, "{at_60}");
    // Fully unlocked, the income is shared by all stakes.
    assert!(st.insurance_value(mine, 86_400).unwrap() > 500 * ONE + 9 * ONE);
    // A loss counts at once, out of the locked income first: what is left is the
    // stakes', in proportion.
    st.insurance_loss(555 * ONE).unwrap();
    assert_eq!((st.insurance, st.insurance_profit.locked), (5 * ONE, 0));
    let left = amount_for_shares_floor(mine, supply, u128::from(5 * ONE)).unwrap();
    assert!(left > 4 * ONE, "{left}");
    assert_eq!(st.insurance_value(mine, 0), Ok(left));
}

/// Found by an attack on revision 5: a loss larger than the fund's unlocked part
/// left the survivor counted as locked income, so a pending unstake was owed
/// nothing and burnt all its shares while that income unlocked to whoever stayed
/// (a coalition that had lifted the cap with a donation). A loss now comes out of
/// the locked income first: the unstake loses only what the loss takes beyond it.
#[test]
fn a_loss_comes_out_of_the_locked_income_before_a_pending_unstake() {
    let mut st = state();
    st.params.profit_unlock_time = 86_400;
    let honest = st.insurance_shares;
    let fund = st.insurance;
    let asked = st.insurance_value(honest, 0).unwrap();
    assert_eq!(asked, fund);
    // A donation of 3x the fund (locked), then a loss of 1.5x the fund.
    st.donate_insurance(3 * fund, 0).unwrap();
    st.insurance_loss(fund + fund / 2).unwrap();
    assert_eq!(
        (st.insurance, st.insurance_profit.locked),
        (2 * fund + fund / 2, 3 * fund / 2)
    );
    // The honest unstake is owed what it asked: the loss took the donation.
    let x = st.execute_unstake(honest, asked, 1).unwrap();
    assert_eq!((x.owed, x.paid, x.shares_burned), (fund, fund, honest));
    // A loss beyond the locked income reaches the stakes, in proportion.
    let mut st = state();
    st.params.profit_unlock_time = 86_400;
    st.donate_insurance(fund / 2, 0).unwrap();
    st.insurance_loss(fund).unwrap();
    assert_eq!((st.insurance, st.insurance_profit.locked), (fund / 2, 0));
    assert_eq!(st.insurance_value(honest, 1), Ok(fund / 2));
}

/// Found by the bank fuzz: a vault that lost nearly everything (traders won it)
/// while its shares stayed outstanding cannot mint a deposit's shares (more than
/// the mint can hold): the deposit is refused by name, which refunds it, instead
/// of an overflow that would leave it stuck in escrow.
#[test]
fn a_deposit_into_a_vault_worth_next_to_nothing_is_refunded_by_name() {
    let mut st = state();
    st.collateral = 60_000;
    st.request_deposit(9 * ONE).unwrap();
    let before = st;
    assert_eq!(
        st.execute_deposit(900_000 * ONE * 1_000, 9 * ONE, 0, at(100)),
        Err(EngineError::SharePriceTooLow)
    );
    assert_eq!(st, before);
    assert!(crate::requests::cancels_request(EngineError::SharePriceTooLow));
}

/// An unstake leaves the fund covering the open interest (PROTOCOL section 5): the
/// rest stays queued.
#[test]
fn an_unstake_leaves_the_fund_covering_the_open_interest() {
    let mut st = state();
    // 50 tokens insured; longs of 100: a 50% stress at 10% margin needs 40.
    st.aggregates.long_base = 100 * ONE as u128;
    st.aggregates.net_base = 100 * ONE as i128;
    assert_eq!(st.insurance_cover_needed(), Ok(40 * ONE));
    let all = st.insurance_shares;
    let value = st.insurance_value(all, 0).unwrap();
    let x = st.execute_unstake(all, value, 0).unwrap();
    assert_eq!((x.owed, x.paid, x.largest_now), (value, 10 * ONE, 10 * ONE));
    assert_eq!(x.shares_burned, all.div_ceil(5));
    assert_eq!(st.insurance, 40 * ONE);
    // Settled, nothing needs cover.
    st.settlement_price = 100 * PRICE_PRECISION;
    assert_eq!(st.insurance_cover_needed(), Ok(0));
}
