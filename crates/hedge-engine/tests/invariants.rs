//! Property tests of PROTOCOL section 7, invariants 2-4, at the engine level.

use hedge_engine::math::Rounding;
use hedge_engine::oracle::OraclePrice;
use hedge_engine::params::RiskParams;
use hedge_engine::position::{execute_trade, Aggregates, MarketView, Position, TradeContext, Units};
use hedge_engine::vault::{equity_at, shares_for_deposit_floor, value_of_shares_floor, VaultView};
use hedge_engine::{PRICE_PRECISION, QUOTE_PRECISION};
use proptest::prelude::*;

const ONE: i64 = 1_000_000_000;

fn oracle(price: u128, conf: u128) -> OraclePrice {
    OraclePrice {
        price,
        conf,
        publish_time: 0,
    }
}

/// The test parameters with the open-interest caps out of the way (the properties
/// below are about fees, conservation and liquidation, not caps).
fn uncapped() -> RiskParams {
    RiskParams {
        max_position_usd: u64::MAX / 2,
        max_open_interest_usd: u64::MAX / 2,
        ..RiskParams::default_for_tests()
    }
}

/// Prices from 1e-8 USD to 1e6 USD per whole token, log-uniform-ish.
fn price_strategy() -> impl Strategy<Value = u128> {
    (1u128..=9, 10u32..=23).prop_map(|(m, e)| m * 10u128.pow(e))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Invariant 2 (zero-sum) and token conservation: after any sequence of trades by
    /// several traders at moving prices, the aggregates equal the sum of positions
    /// (so the vault's base is exactly -sum(base)), and margin + C + insurance fees +
    /// the skew ledger is what was put in.
    #[test]
    fn trades_are_zero_sum_and_conserve_tokens(
        steps in prop::collection::vec((0usize..4, -20i64..=20, 50u128..=150, 0u128..=50), 1..40),
    ) {
        let p = uncapped();
        let units = Units { scale: 1_000_000_000 };
        let mut positions = [Position { margin: 10 * ONE, ..Default::default() }; 4];
        let mut agg = Aggregates::default();
        let mut collateral: u64 = 1_000 * ONE as u64;
        let mut insurance: u64 = 0;
        let mut skew = hedge_engine::skew::SkewLedger::default();
        let total = 4 * 10 * ONE as i128 + i128::from(collateral);
        for (who, tenths, usd, conf_bp) in steps {
            let price = usd * PRICE_PRECISION;
            let m = MarketView { params: &p, units, oracle: oracle(price, price * conf_bp / 10_000), funding_index: 0 };
            let ctx = TradeContext { insurance: 1_000_000_000_000_000, vault_collateral: collateral, aggregates: agg, skew, ..Default::default() };
            if tenths == 0 { continue; }
            if let Ok(out) = execute_trade(&positions[who], &ctx, tenths * ONE / 10, &m) {
                positions[who] = out.position;
                agg = out.aggregates;
                collateral = out.vault_collateral;
                insurance += out.insurance_fee;
                skew = out.skew.ledger;
            }
            let net: i128 = positions.iter().map(|x| i128::from(x.base)).sum();
            let entry: i128 = positions.iter().map(|x| x.entry_quote).sum();
            let longs: u128 = positions.iter().filter(|x| x.base > 0).map(|x| x.base.unsigned_abs() as u128).sum();
            let shorts: u128 = positions.iter().filter(|x| x.base < 0).map(|x| x.base.unsigned_abs() as u128).sum();
            prop_assert_eq!(agg.net_base, net);
            prop_assert_eq!(agg.entry_quote, entry);
            prop_assert_eq!(agg.long_base, longs);
            prop_assert_eq!(agg.short_base, shorts);
            let margins: i128 = positions.iter().map(|x| i128::from(x.margin)).sum();
            prop_assert_eq!(margins + i128::from(collateral) + i128::from(insurance) + i128::from(skew.balance), total);
            prop_assert!(skew.is_consistent());
        }
    }

    /// Invariant 3 (no free value), positions: opening and closing at an unchanged
    /// price and zero elapsed time never returns more margin than was put in.
    #[test]
    fn open_then_close_never_gains(
        size_tenths in 1i64..=90,
        long in any::<bool>(),
        price in price_strategy(),
        conf_bp in 0u128..=100,
        decimals in 0u32..=9,
    ) {
        let mut p = uncapped();
        p.min_position_base = 1;
        let scale = 10u128.pow(decimals);
        let one = i64::try_from(scale).unwrap().max(1);
        let units = Units { scale };
        let m = MarketView { params: &p, units, oracle: oracle(price, price * conf_bp / 10_000), funding_index: 0 };
        let margin = one * 10;
        let pos = Position { margin, ..Default::default() };
        let delta = size_tenths * one / 10 * if long { 1 } else { -1 };
        prop_assume!(delta != 0);
        // A short needs another trader long first (vault never net long).
        let mut agg = Aggregates::default();
        if !long {
            agg.net_base = 1_000 * i128::from(one);
            agg.long_base = 1_000 * one as u128;
        }
        let ctx = TradeContext { insurance: 1_000_000_000_000_000, vault_collateral: 10_000 * one as u64, aggregates: agg, ..Default::default() };
        let open = execute_trade(&pos, &ctx, delta, &m);
        prop_assume!(open.is_ok());
        let open = open.unwrap();
        let ctx2 = TradeContext { insurance: 1_000_000_000_000_000, vault_collateral: open.vault_collateral, aggregates: open.aggregates, ..Default::default() };
        let close = execute_trade(&open.position, &ctx2, -delta, &m).unwrap();
        prop_assert_eq!(close.position.base, 0);
        prop_assert!(close.position.margin <= margin);
    }

    /// Invariant 3 (no free value), vault: a deposit followed by a withdrawal of the
    /// same shares at an unchanged price never returns more than was deposited.
    #[test]
    fn deposit_then_withdraw_never_gains(
        collateral in 0u64..=1_000_000 * ONE as u64,
        supply_per_token in 0u64..=2_000,
        net_tenths in 0i64..=5_000,
        entry_usd in 1u128..=1_000,
        price in 1u128..=1_000,
        conf_bp in 0u128..=200,
        amount in 1u64..=100_000 * ONE as u64,
    ) {
        let units = Units { scale: 1_000_000_000 };
        let supply = if collateral == 0 { 0 } else { collateral.saturating_mul(supply_per_token) };
        let net = i128::from(net_tenths) * i128::from(ONE) / 10;
        let agg = Aggregates {
            net_base: net,
            long_base: net.unsigned_abs(),
            short_base: 0,
            entry_quote: net * entry_usd as i128 * QUOTE_PRECISION as i128 / i128::from(ONE),
            funding_basis: 0,
        };
        let o = oracle(price * PRICE_PRECISION, price * PRICE_PRECISION * conf_bp / 10_000);
        let v = VaultView { collateral, supply, aggregates: &agg, units, funding_index: 0 , locked: 0};
        let Ok(shares) = shares_for_deposit_floor(&v, &o, amount) else { return Ok(()); };
        let v2 = VaultView { collateral: collateral + amount, supply: supply + shares, ..v };
        let back = value_of_shares_floor(&v2, &o, shares).unwrap();
        prop_assert!(back <= amount, "deposited {amount}, got back {back}");
    }

    /// Invariant 4 (hedge): with N = h * C (h = 100%), zero funding, fees and
    /// confidence, a share's USD value does not move with the price, up to one native
    /// unit of rounding.
    #[test]
    fn a_fully_hedged_share_keeps_its_usd_value(
        c_tokens in 1u64..=1_000_000,
        p0 in price_strategy(),
        move_pct in 1u128..=400,
    ) {
        let units = Units { scale: 1_000_000_000 };
        let c = c_tokens * ONE as u64;
        let n = i128::from(c);
        let agg = Aggregates {
            net_base: n,
            long_base: n.unsigned_abs(),
            short_base: 0,
            entry_quote: units.quote_of(n, p0, Rounding::Ceil).unwrap(),
            funding_basis: 0,
        };
        let v = VaultView { collateral: c, supply: c * 1000, aggregates: &agg, units, funding_index: 0 , locked: 0};
        let p1 = p0 * move_pct / 100;
        prop_assume!(p1 > 0);
        let usd = |p: u128| -> i128 {
            let e = equity_at(&v, p, Rounding::Floor).unwrap();
            units.quote_of(e, p, Rounding::Floor).unwrap()
        };
        let (u0, u1) = (usd(p0), usd(p1));
        // One native unit at the higher price, plus one quote unit, bounds the error.
        let tol = units.quote_of(1, p0.max(p1), Rounding::Ceil).unwrap() + 1;
        prop_assert!((u0 - u1).abs() <= tol, "usd at p0 {u0}, at p1 {u1}, tol {tol}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Invariant 2 (funding): what traders pay when they settle equals what the vault
    /// receives, token for token, and is never less than what the vault's O(1)
    /// valuation from the aggregates counts on (rounding favours the protocol, by at
    /// most one native unit per position).
    #[test]
    fn funding_is_zero_sum_and_rounds_for_the_vault(
        sizes in prop::collection::vec(-50i64..=50, 1..8),
        index_moves in prop::collection::vec(-1_000_000_000_000_000_000_000_000i128..=1_000_000_000_000_000_000_000_000, 1..5),
        usd in 1u128..=10_000,
    ) {
        use hedge_engine::position::settle_funding;
        let p = RiskParams::default_for_tests();
        let units = Units { scale: 1_000_000_000 };
        let price = usd * PRICE_PRECISION;
        let mut agg = Aggregates::default();
        let mut positions: Vec<Position> = sizes
            .iter()
            .map(|s| Position { base: s * ONE / 10, margin: 1_000 * ONE, ..Default::default() })
            .collect();
        for pos in &positions {
            agg.replace(&Position::default(), pos).unwrap();
        }
        let mut index = 0i128;
        let mut collateral = 1_000_000 * ONE as i128;
        for mv in index_moves {
            index += mv;
            // The vault's valuation of unsettled funding from the aggregates, in tokens
            // (as `vault::equity_at` counts it, rounded down).
            let owed_quote = |agg: &Aggregates| {
                units.funding_quote(agg.net_base, index, Rounding::Floor).unwrap() - agg.funding_basis
            };
            let counted = units.tokens_of(owed_quote(&agg), price, Rounding::Floor).unwrap();
            let m = MarketView { params: &p, units, oracle: oracle(price, 0), funding_index: index };
            let margins_before: i128 = positions.iter().map(|x| i128::from(x.margin)).sum();
            let mut to_vault = 0i128;
            for pos in positions.iter_mut() {
                to_vault += i128::from(settle_funding(pos, &mut agg, &m).unwrap());
            }
            let margins_after: i128 = positions.iter().map(|x| i128::from(x.margin)).sum();
            collateral += to_vault;
            // Paid by traders == received by the vault.
            prop_assert_eq!(margins_before - margins_after, to_vault);
            // At least what the aggregate valuation counted, within n units.
            let n = positions.len() as i128;
            prop_assert!(to_vault >= counted - 1, "settled {to_vault} < counted {counted}");
            prop_assert!(to_vault <= counted + n + 1, "settled {to_vault} > counted {counted} + {n}");
            // After settling, the aggregates count (almost) nothing as owed.
            let left = units.tokens_of(owed_quote(&agg), price, Rounding::Floor).unwrap();
            prop_assert!(left.abs() <= n + 1, "{left}");
        }
        prop_assert!(collateral > 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Liquidation never makes a position's health worse: what remains has a margin
    /// ratio at least as high as before (or nothing remains); the reward never exceeds
    /// `f * closed` nor the remaining equity; and the waterfall runs in order: a loss
    /// reaches shareholders only after the margin and the whole insurance fund.
    #[test]
    fn liquidation_improves_health_and_runs_the_waterfall_in_order(
        lev_tenths in 20i64..=100,
        long in any::<bool>(),
        drop_bp in 1u128..=2_000,
        conf_bp in 0u128..=300,
        insurance in 0u64..=5 * ONE as u64,
    ) {
        use hedge_engine::liquidation::liquidate;
        use hedge_engine::position::{equity_floor, is_liquidatable};
        let p = uncapped();
        let units = Units { scale: 1_000_000_000 };
        let p0 = 100 * PRICE_PRECISION;
        let m0 = MarketView { params: &p, units, oracle: oracle(p0, 0), funding_index: 0 };
        let size = lev_tenths * ONE / 10; // margin 1 token: leverage = size
        let mut agg = Aggregates::default();
        if !long {
            agg.net_base = 1_000 * i128::from(ONE);
            agg.long_base = 1_000 * ONE as u128;
        }
        let ctx = TradeContext { insurance: 1_000_000_000_000_000, vault_collateral: 10_000 * ONE as u64, aggregates: agg, ..Default::default() };
        let open = execute_trade(&Position { margin: ONE, ..Default::default() }, &ctx, if long { size } else { -size }, &m0);
        prop_assume!(open.is_ok());
        let open = open.unwrap();
        // Move the price past the liquidation price by `drop_bp`.
        let Some(lp) = hedge_engine::position::liquidation_price(&open.position, units, &p).unwrap() else {
            return Ok(());
        };
        let p1 = if long { lp * (10_000 - drop_bp) / 10_000 } else { lp * (10_000 + drop_bp) / 10_000 };
        prop_assume!(p1 > 0);
        let m1 = MarketView { params: &p, units, oracle: oracle(p1, p1 * conf_bp / 10_000), funding_index: 0 };
        let pos = open.position;
        prop_assume!(is_liquidatable(&pos, &m1).unwrap());
        let c = TradeContext { insurance: 1_000_000_000_000_000, vault_collateral: open.vault_collateral, aggregates: open.aggregates, ..Default::default() };
        let out = liquidate(&pos, &c, insurance, &m1).unwrap();
        let before = equity_floor(&pos, &m1).unwrap();
        let after = equity_floor(&out.position, &m1).unwrap();
        if out.position.base != 0 {
            // equity/|base| after >= equity/|base| before
            let lhs = after * i128::from(pos.base.unsigned_abs());
            let rhs = before * i128::from(out.position.base.unsigned_abs());
            prop_assert!(lhs >= rhs, "health fell: {before}/{} -> {after}/{}", pos.base, out.position.base);
            prop_assert!(after >= 0);
        }
        let full = (u128::from(out.closed) * u128::from(p.liquidation_fee_ratio)).div_ceil(1_000_000);
        prop_assert!(u128::from(out.liquidator_reward + out.insurance_reward) <= full);
        // Waterfall order.
        prop_assert_eq!(out.insurance_covered + out.socialized, out.bad_debt);
        if out.socialized > 0 {
            prop_assert_eq!(out.insurance, 0, "shareholders hit while the fund had money");
            prop_assert_eq!(out.insurance_covered, insurance + out.insurance_reward);
        }
        if out.bad_debt > 0 {
            prop_assert_eq!(out.position.base, 0);
            prop_assert_eq!(out.position.margin, 0);
        }
        // Conservation: margin + C + insurance + liquidator reward unchanged.
        let total_before = i128::from(pos.margin) + i128::from(c.vault_collateral) + i128::from(insurance);
        let total_after = i128::from(out.position.margin)
            + i128::from(out.vault_collateral)
            + i128::from(out.insurance)
            + i128::from(out.liquidator_reward)
            + i128::from(out.bad_debt)
            - i128::from(out.insurance_covered)
            - i128::from(out.socialized);
        // Written-off debt leaves the ledger as the fund's and shareholders' loss.
        prop_assert_eq!(total_before, total_after);
    }

    /// Fee splits sum to the fee.
    #[test]
    fn fee_splits_sum_to_the_fee(fee in any::<u64>(), share in 0u32..=1_000_000) {
        let mut p = RiskParams::default_for_tests();
        p.insurance_fee_share = share;
        let (ins, vault) = hedge_engine::position::split_fee(fee, &p).unwrap();
        prop_assert_eq!(ins + vault, fee);
        prop_assert!(u128::from(ins) <= u128::from(fee) * u128::from(share) / 1_000_000);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    /// The finding "the impact fee is quadratic per trade, so splitting a trade avoids
    /// it", replayed at random: the same risk-increasing trade sent whole or in pieces
    /// (same direction, same total, each piece executed on the state the previous one
    /// left), from any skew, never pays less in pieces.
    #[test]
    fn a_trade_split_into_pieces_never_pays_less_fee(
        start_tenths in -300i64..=300,
        others_tenths in 0i64..=2_000,
        collateral_tokens in 50u64..=300,
        pieces in prop::collection::vec(1_000_000i64..=4_000_000_000, 1..8),
        buy in any::<bool>(),
        usd in 50u128..=150,
        conf_bp in 0u128..=30,
        share in prop_oneof![Just(0u32), Just(200_000u32), 0u32..=1_000_000],
    ) {
        let mut p = uncapped();
        p.over_hedge_cap = 1_000_000;
        p.insurance_fee_share = share;
        p.impact_fee_ratio = 5_000;
        let units = Units { scale: 1_000_000_000 };
        let price = usd * PRICE_PRECISION;
        let m = MarketView { params: &p, units, oracle: oracle(price, price * conf_bp / 10_000), funding_index: 0 };
        // The trader's position, and the rest of the market long `others`.
        let start = Position { margin: 100 * ONE, ..Default::default() };
        let others = Position { base: others_tenths * ONE / 10, ..Default::default() };
        let mut agg = Aggregates::default();
        agg.replace(&Position::default(), &others).unwrap();
        let ctx0 = TradeContext { insurance: u64::MAX / 4, vault_collateral: collateral_tokens * ONE as u64, aggregates: agg, ..Default::default() };
        let pos = if start_tenths == 0 {
            start
        } else {
            let o = execute_trade(&start, &ctx0, start_tenths * ONE / 10, &m);
            prop_assume!(o.is_ok());
            o.unwrap().position
        };
        let mut agg0 = agg;
        agg0.replace(&Position::default(), &Position { margin: 0, ..pos }).unwrap();
        let ctx = TradeContext { vault_collateral: ctx0.vault_collateral, aggregates: agg0, ..ctx0 };
        // Pieces of a risk-increasing trade: away from zero on the position's side
        // (or from flat).
        let sign = if pos.base > 0 { 1 } else if pos.base < 0 { -1 } else if buy { 1 } else { -1 };
        let total: i64 = pieces.iter().sum::<i64>() * sign;
        let whole = execute_trade(&pos, &ctx, total, &m);
        prop_assume!(whole.is_ok());
        let whole = whole.unwrap();
        let (mut q, mut c, mut fees) = (pos, ctx, 0u64);
        for piece in &pieces {
            let o = execute_trade(&q, &c, sign * piece, &m);
            // A piece may be refused where the whole is not (a reduction that would
            // leave the rest bankrupt, a cap): then splitting is not an option.
            prop_assume!(o.is_ok());
            let o = o.unwrap();
            fees += o.fee;
            q = o.position;
            c = TradeContext { vault_collateral: o.vault_collateral, aggregates: o.aggregates, skew: o.skew.ledger, ..c };
        }
        prop_assert_eq!(q.base, whole.position.base);
        prop_assert!(fees >= whole.fee, "pieces paid {} < whole {}", fees, whole.fee);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Revision 4, the two-way skew potential: a trader who opens and closes in any
    /// pieces, any direction, from any skew, at an unchanged price, is never paid
    /// more in rebates than he paid in impact fees (the potential telescopes back to
    /// where he started), so no round trip of his own harvests the rebate; and he never
    /// ends with more margin than he started with.
    #[test]
    fn no_round_trip_harvests_the_skew_rebate(
        others_tenths in -500i64..=3_000,
        collateral_tokens in 50u64..=300,
        moves in prop::collection::vec(-4_000_000_000i64..=4_000_000_000, 1..8),
        rebate in 1u32..=1_000_000,
        ratio in prop_oneof![Just(0u32), 100_000u32..=2_000_000],
        impact in 1u32..=20_000,
        usd in 50u128..=150,
    ) {
        let mut p = uncapped();
        p.over_hedge_cap = 1_000_000;
        p.impact_fee_ratio = impact;
        p.skew_rebate_share = rebate;
        p.skew_scale_ratio = ratio;
        p.skew_scale = 20 * ONE as u64;
        let units = Units { scale: 1_000_000_000 };
        let price = usd * PRICE_PRECISION;
        let m = MarketView { params: &p, units, oracle: oracle(price, 0), funding_index: 0 };
        let others = Position { base: others_tenths * ONE / 10, ..Default::default() };
        let mut agg = Aggregates::default();
        agg.replace(&Position::default(), &others).unwrap();
        let start = Position { margin: 1_000 * ONE, ..Default::default() };
        // A ledger that could pay any rebate: only the potential limits them here.
        let k0 = hedge_engine::skew::SkewLedger { balance: 1_000_000 * ONE as u64, collected: 1_000_000 * ONE as u128, ..Default::default() };
        let mut c = TradeContext { insurance: u64::MAX / 4, vault_collateral: collateral_tokens * ONE as u64, aggregates: agg, skew: k0, ..Default::default() };
        let (mut q, mut fees, mut rebates, mut takers) = (start, 0u64, 0u64, 0u64);
        let mut steps: Vec<i64> = moves.into_iter().filter(|d| *d != 0).collect();
        let end: i64 = steps.iter().sum();
        steps.push(-end);
        for d in steps {
            if d == 0 { continue; }
            let o = execute_trade(&q, &c, d, &m);
            prop_assume!(o.is_ok());
            let o = o.unwrap();
            fees += o.impact_fee;
            rebates += o.rebate;
            takers += o.fee - o.impact_fee;
            q = o.position;
            c = TradeContext { vault_collateral: o.vault_collateral, aggregates: o.aggregates, skew: o.skew.ledger, ..c };
        }
        prop_assert_eq!(q.base, 0);
        // The potential ends where it started but for the vault's share of his taker
        // fees, which moved C: rebates exceed impact fees by less than those.
        prop_assert!(rebates <= fees + takers, "rebates {} > impact fees {} + taker fees {}", rebates, fees, takers);
        prop_assert!(q.margin <= start.margin, "margin {} > {}", q.margin, start.margin);
    }
}

/// Worked example of the two-way potential and its ledger (PROTOCOL section 4):
/// impact 1%, scale 100 tokens, rebate share 50%, C = 100, nobody long (x = -100,
/// under-hedged by the whole vault), 1 token in the skew ledger. A 50-token long
/// moves x to -50: Phi from 1% * 100^2/100 = 1 token to 1% * 50^2/100 = 0.25 token,
/// so the long is paid half the fall, 0.375 token, out of the ledger (C does not
/// move); a 50-token short from there (x back to -100) pays the whole rise, 0.75
/// token, into it. From an empty ledger the long is paid nothing.
#[test]
fn the_skew_potential_pays_both_ways_worked_example() {
    let mut p = uncapped();
    p.impact_fee_ratio = 10_000;
    p.skew_scale = 100 * ONE as u64;
    p.skew_rebate_share = 500_000;
    p.taker_fee_ratio = 0;
    let units = Units { scale: 1_000_000_000 };
    let m = MarketView {
        params: &p,
        units,
        oracle: oracle(100 * PRICE_PRECISION, 0),
        funding_index: 0,
    };
    let k = hedge_engine::skew::SkewLedger {
        balance: ONE as u64,
        collected: ONE as u128,
        ..Default::default()
    };
    let ctx = TradeContext {
        insurance: u64::MAX / 4,
        vault_collateral: 100 * ONE as u64,
        aggregates: Aggregates::default(),
        skew: k,
        ..Default::default()
    };
    let trader = Position {
        margin: 100 * ONE,
        ..Default::default()
    };
    let long = execute_trade(&trader, &ctx, 50 * ONE, &m).unwrap();
    assert_eq!((long.impact_fee, long.rebate), (0, 375_000_000));
    assert_eq!(long.vault_collateral, 100 * ONE as u64);
    assert_eq!(long.position.margin, 100 * ONE + 375_000_000);
    assert_eq!(long.skew.ledger.balance, 625_000_000);
    // A short of 50 by someone else from there: x from -50 to -100.
    let ctx2 = TradeContext {
        vault_collateral: long.vault_collateral,
        aggregates: long.aggregates,
        skew: long.skew.ledger,
        ..ctx
    };
    let short = execute_trade(&trader, &ctx2, -50 * ONE, &m).unwrap();
    assert_eq!((short.rebate, short.impact_fee), (0, 750_000_000));
    assert_eq!(short.skew.ledger.balance, 1_375_000_000);
    assert!(short.skew.ledger.is_consistent());
    // The same long from an empty ledger: the fall is the same, the rebate nothing.
    let empty = TradeContext {
        skew: Default::default(),
        ..ctx
    };
    assert_eq!(execute_trade(&trader, &empty, 50 * ONE, &m).unwrap().rebate, 0);
}
