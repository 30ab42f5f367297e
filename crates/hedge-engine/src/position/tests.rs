use super::*;
use crate::PRICE_PRECISION;

const SOL: Units = Units { scale: 1_000_000_000 };
const ONE: i64 = 1_000_000_000; // one token of 9 decimals

fn params() -> RiskParams {
    RiskParams::default_for_tests()
}

fn view(params: &RiskParams, usd: u128, conf_cents: u128) -> MarketView<'_> {
    MarketView {
        params,
        units: SOL,
        oracle: OraclePrice {
            price: usd * PRICE_PRECISION,
            conf: conf_cents * PRICE_PRECISION / 100,
            publish_time: 0,
        },
        funding_index: 0,
    }
}

fn ctx(c: u64) -> TradeContext {
    TradeContext {
        insurance: 1_000_000_000_000_000,
        vault_collateral: c,
        aggregates: Aggregates::default(),
        ..Default::default()
    }
}

#[test]
fn open_long_at_the_ask_into_an_under_hedged_vault_pays_the_taker_fee_only() {
    let p = params();
    let m = view(&p, 100, 10); // 100 USD, conf 0.10
    let pos = Position {
        margin: ONE,
        ..Default::default()
    };
    // C = 100 tokens, nobody long: skew -100 tokens; the long moves it to -95, so
    // it lowers the potential and pays no impact fee.
    let out = execute_trade(&pos, &ctx(100 * ONE as u64), 5 * ONE, &m).unwrap();
    assert_eq!(out.fill_price, 100_100_000_000_000_000_000);
    // entry = 5 tokens * 100.10 USD = 500.5 USD
    assert_eq!(out.position.entry_quote, 500_500_000_000_000_000_000);
    // taker 0.1% of 5 tokens = 0.005 token, 20% of it to the insurance fund.
    assert_eq!((out.fee, out.impact_fee), (5_000_000, 0));
    assert_eq!(out.insurance_fee, 1_000_000);
    assert_eq!(out.position.margin, ONE - 5_000_000);
    assert_eq!(out.vault_collateral, 100 * ONE as u64 + 4_000_000);
    assert!(!out.reducing);
}

#[test]
fn a_long_into_a_hedged_vault_pays_the_increase_of_the_skew_potential() {
    let p = params();
    let m = view(&p, 100, 0);
    // The vault is exactly hedged: C = 100 tokens, traders long 100 tokens.
    let mut c = ctx(100 * ONE as u64);
    c.aggregates.net_base = 100 * i128::from(ONE);
    c.aggregates.long_base = 100 * ONE as u128;
    let pos = Position {
        margin: ONE,
        ..Default::default()
    };
    let out = execute_trade(&pos, &c, 5 * ONE, &m).unwrap();
    // The taker fee's vault share (0.004 token) raises the target: the skew goes
    // from 0 to 5 - 0.004 = 4.996 tokens, and the fee is
    // ceil(0.1% * 4.996e9^2 / 1e12) = ceil(24960.016) = 24961 units.
    assert_eq!(out.impact_fee, 24_961);
    assert_eq!(out.fee, 5_000_000 + 24_961);
    // The impact fee goes to the skew ledger (PROTOCOL section 4, revision 5), 20%
    // of the taker fee to the insurance fund.
    assert_eq!(out.insurance_fee, 1_000_000);
    assert_eq!((out.skew.paid, out.skew.ledger.balance), (24_961, 24_961));
    assert_eq!(out.vault_collateral, 100 * ONE as u64 + 4_000_000);
    assert_eq!(out.position.margin, ONE - 5_024_961);
    // A short from the same state moves the skew from 0 to -5.004: it pays too.
    c.aggregates.net_base = 100 * i128::from(ONE) + 5_000_000;
    let short = execute_trade(&pos, &c, -5 * ONE, &m).unwrap();
    assert!(short.impact_fee > 0, "{short:?}");
}

#[test]
fn sending_a_trade_in_pieces_never_pays_less_fee() {
    let p = params();
    let m = view(&p, 100, 3);
    let mut c = ctx(100 * ONE as u64);
    c.aggregates.net_base = 100 * i128::from(ONE);
    c.aggregates.long_base = 100 * ONE as u128;
    let pos = Position {
        margin: 10 * ONE,
        ..Default::default()
    };
    let whole = execute_trade(&pos, &c, 10 * ONE, &m).unwrap();
    let (mut p2, mut c2, mut fees) = (pos, c, 0u64);
    for _ in 0..10 {
        let o = execute_trade(&p2, &c2, ONE, &m).unwrap();
        fees += o.fee;
        p2 = o.position;
        c2 = TradeContext {
            insurance: c2.insurance,
            vault_collateral: o.vault_collateral,
            aggregates: o.aggregates,
            ..Default::default()
        };
    }
    assert_eq!(p2.base, whole.position.base);
    assert!(fees >= whole.fee, "pieces {fees} < whole {}", whole.fee);
    assert!(whole.impact_fee > 0);
}

#[test]
fn close_at_a_higher_price_realizes_the_gain_at_the_ask() {
    let p = params();
    let m = view(&p, 100, 0);
    let pos = Position {
        margin: ONE,
        ..Default::default()
    };
    let open = execute_trade(&pos, &ctx(100 * ONE as u64), 5 * ONE, &m).unwrap();
    let m2 = view(&p, 110, 0);
    let c2 = TradeContext {
        insurance: 1_000_000_000_000_000,
        vault_collateral: open.vault_collateral,
        aggregates: open.aggregates,
        ..Default::default()
    };
    let close = execute_trade(&open.position, &c2, -5 * ONE, &m2).unwrap();
    // gain 5 * 10 USD = 50 USD = 50/110 tokens = 0.454545454 tokens
    assert_eq!(close.realized_pnl, 454_545_454);
    assert!(close.reducing);
    assert_eq!(close.position.base, 0);
    assert_eq!(close.position.entry_quote, 0);
    assert_eq!(close.aggregates, Aggregates::default());
    // conservation: margin + C + insurance fees unchanged by trading
    let total_before = ONE + 100 * ONE;
    let total_after = close.position.margin
        + close.vault_collateral as i64
        + open.insurance_fee as i64
        + close.insurance_fee as i64;
    assert_eq!(total_before, total_after);
}

#[test]
fn flip_realizes_the_old_side_and_opens_the_new_at_the_fill() {
    let p = params();
    let m = view(&p, 100, 0);
    let pos = Position {
        margin: 2 * ONE,
        ..Default::default()
    };
    let a = execute_trade(&pos, &ctx(100 * ONE as u64), 5 * ONE, &m).unwrap();
    let c = TradeContext {
        insurance: 1_000_000_000_000_000,
        vault_collateral: a.vault_collateral,
        aggregates: a.aggregates,
        ..Default::default()
    };
    // Flip to short 1: a short would make the vault net long -> refused.
    assert_eq!(
        execute_trade(&a.position, &c, -6 * ONE, &m),
        Err(EngineError::VaultWouldBeNetLong)
    );
    // With another long in the aggregates, the flip is allowed.
    let mut c2 = c;
    c2.aggregates.net_base += 10 * i128::from(ONE);
    c2.aggregates.long_base += 10 * ONE as u128;
    let f = execute_trade(&a.position, &c2, -6 * ONE, &m).unwrap();
    assert_eq!(f.position.base, -ONE);
    assert_eq!(f.position.entry_quote, -100 * QUOTE_PRECISION as i128);
    assert!(!f.reducing);
    assert_eq!(f.aggregates.long_base, 10 * ONE as u128);
    assert_eq!(f.aggregates.short_base, ONE as u128);
}

#[test]
fn refusals_of_risk_increasing_trades_are_named() {
    let p = params();
    let m = view(&p, 100, 0);
    let pos = Position {
        margin: ONE,
        ..Default::default()
    };
    // 10% IM: 1 token of margin carries at most ~10 tokens.
    assert_eq!(
        execute_trade(&pos, &ctx(1000 * ONE as u64), 11 * ONE, &m),
        Err(EngineError::InsufficientMargin)
    );
    assert_eq!(
        execute_trade(&pos, &ctx(1000 * ONE as u64), 1, &m),
        Err(EngineError::PositionBelowMinimumSize)
    );
    // Over-hedge: C = 5 tokens, cap 1.1 * 5 = 5.5 tokens of net long.
    assert_eq!(
        execute_trade(&pos, &ctx(5 * ONE as u64), 6 * ONE, &m),
        Err(EngineError::OverHedgeCapExceeded)
    );
    assert_eq!(
        execute_trade(&pos, &ctx(5 * ONE as u64), 0, &m),
        Err(EngineError::ZeroAmount)
    );
    let mut small = p;
    small.max_position_usd = 500;
    let ms = view(&small, 100, 0);
    assert_eq!(
        execute_trade(&pos, &ctx(1000 * ONE as u64), 6 * ONE, &ms),
        Err(EngineError::AccountOpenInterestCapExceeded)
    );
    small.max_open_interest_usd = 500;
    small.max_position_usd = 500;
    let ms = view(&small, 100, 0);
    assert_eq!(
        execute_trade(&pos, &ctx(1000 * ONE as u64), 6 * ONE, &ms),
        Err(EngineError::MarketOpenInterestCapExceeded)
    );
}

/// PROTOCOL section 5 (revision 2): the larger side's open interest must fit what
/// the insurance fund covers on a `stress_move` gap.
#[test]
fn the_stress_sized_cap_is_enforced_on_risk_increasing_trades() {
    let p = params(); // stress 50%, r_i 10%: 1 token of fund covers 2.5 of OI
    let m = view(&p, 100, 0);
    let pos = Position {
        margin: 10 * ONE,
        ..Default::default()
    };
    // A fund of 2 tokens covers 2 * 100 / 0.4 = 500 USD = 5 tokens of longs.
    let c = TradeContext {
        insurance: 2 * ONE as u64,
        ..ctx(1_000 * ONE as u64)
    };
    assert_eq!(
        execute_trade(&pos, &c, 5 * ONE + 1, &m),
        Err(EngineError::InsuranceCapacityExceeded)
    );
    let out = execute_trade(&pos, &c, 5 * ONE, &m).unwrap();
    // Reducing past the cap is never refused for it.
    let c2 = TradeContext {
        insurance: 0,
        vault_collateral: out.vault_collateral,
        aggregates: out.aggregates,
        ..Default::default()
    };
    assert!(execute_trade(&out.position, &c2, -ONE, &m).is_ok());
}

/// A reduction whose gain the vault cannot pay is refused by name, not by overflow.
#[test]
fn a_gain_the_vault_cannot_pay_is_a_named_refusal() {
    let p = params();
    let pos = Position {
        base: 5 * ONE,
        entry_quote: 500 * QUOTE_PRECISION as i128,
        margin: ONE,
        funding_basis: 0,
        gap_snapshot: 0,
    };
    let mut c = ctx(ONE as u64 / 10);
    c.aggregates.replace(&Position::default(), &pos).unwrap();
    // At 200 USD the long gains 500 USD = 2.5 tokens; the vault holds 0.1.
    assert_eq!(
        execute_trade(&pos, &c, -5 * ONE, &view(&p, 200, 0)),
        Err(EngineError::VaultInsufficientCollateral)
    );
}

#[test]
fn limit_prices_refuse_worse_fills_only() {
    assert_eq!(check_limit_price(1, 101, 100), Err(EngineError::SlippageExceeded));
    assert_eq!(check_limit_price(1, 100, 100), Ok(()));
    assert_eq!(check_limit_price(-1, 99, 100), Err(EngineError::SlippageExceeded));
    assert_eq!(check_limit_price(-1, 101, 100), Ok(()));
    assert_eq!(check_limit_price(1, u128::MAX, 0), Ok(()));
    // The skew charge moves the price an order gets: a buy of 2 tokens at 100
    // paying 0.02 token of fee pays 101 a token; a sell rebated 0.02 gets 101.
    let p = 100 * PRICE_PRECISION;
    assert_eq!(
        effective_fill_price(2 * ONE, p, 20_000_000, 0, p),
        Ok(101 * PRICE_PRECISION)
    );
    assert_eq!(
        effective_fill_price(-2 * ONE, p, 0, 20_000_000, p),
        Ok(101 * PRICE_PRECISION)
    );
    assert_eq!(
        effective_fill_price(-2 * ONE, p, 20_000_000, 0, p),
        Ok(99 * PRICE_PRECISION)
    );
}

#[test]
fn reducing_trades_ignore_caps_but_not_bankruptcy() {
    let p = params();
    let m = view(&p, 100, 0);
    let pos = Position {
        margin: ONE,
        ..Default::default()
    };
    let a = execute_trade(&pos, &ctx(100 * ONE as u64), 9 * ONE, &m).unwrap();
    // Caps shrink below the position: the reduction still goes through.
    let mut tight = p;
    tight.max_position_usd = 1;
    tight.max_open_interest_usd = 1;
    tight.min_position_base = 100 * ONE as u64;
    let mt = view(&tight, 100, 0);
    let c = TradeContext {
        insurance: 1_000_000_000_000_000,
        vault_collateral: 0,
        aggregates: a.aggregates,
        ..Default::default()
    };
    let r = execute_trade(&a.position, &c, -ONE, &mt).unwrap();
    assert!(r.reducing);
    // At 85 USD the 9-token long lost 135 USD = 1.59 tokens > margin: bankrupt.
    let low = view(&p, 85, 0);
    let c = TradeContext {
        insurance: 1_000_000_000_000_000,
        vault_collateral: a.vault_collateral,
        aggregates: a.aggregates,
        ..Default::default()
    };
    assert_eq!(
        execute_trade(&a.position, &c, -9 * ONE, &low),
        Err(EngineError::PositionBankrupt)
    );
}

#[test]
fn withdrawable_margin_excludes_unrealized_gains() {
    let p = params();
    let m = view(&p, 100, 0);
    let pos = Position {
        margin: ONE,
        ..Default::default()
    };
    let a = execute_trade(&pos, &ctx(100 * ONE as u64), 5 * ONE, &m).unwrap();
    // equity = margin - fee; IM = 0.5 token
    let w = withdrawable_margin_floor(&a.position, &m).unwrap();
    assert_eq!(w, (a.position.margin - ONE / 2) as u64);
    // After a rise, equity is higher but only margin is withdrawable.
    let up = view(&p, 200, 0);
    assert_eq!(
        withdrawable_margin_floor(&a.position, &up).unwrap(),
        a.position.margin as u64
    );
}

#[test]
fn liquidation_price_matches_the_closed_form() {
    let p = params(); // r_m = 5%
                      // 2x long at 100: margin 0.5 token per token -> 100 / (1 + 0.5 - 0.05) = 68.9655...
    let pos = Position {
        base: 2 * ONE,
        entry_quote: 200 * QUOTE_PRECISION as i128,
        margin: ONE,
        funding_basis: 0,
        gap_snapshot: 0,
    };
    let lp = liquidation_price(&pos, SOL, &p).unwrap().unwrap();
    assert_eq!(lp / (PRICE_PRECISION / 10_000), 689_655); // 68.9655 USD
                                                          // Equity at that price equals maintenance, up to rounding.
    let pp = RiskParams::default_for_tests();
    let m = MarketView {
        params: &pp,
        units: SOL,
        oracle: OraclePrice {
            price: lp,
            conf: 0,
            publish_time: 0,
        },
        funding_index: 0,
    };
    let eq = equity_floor(&pos, &m).unwrap();
    assert!((eq - 100_000_000).abs() <= 1, "{eq}");
    // 10x long: -5% ~ 100 / 1.05
    let pos = Position {
        base: 10 * ONE,
        entry_quote: 1000 * QUOTE_PRECISION as i128,
        margin: ONE,
        funding_basis: 0,
        gap_snapshot: 0,
    };
    let lp = liquidation_price(&pos, SOL, &p).unwrap().unwrap();
    assert_eq!(lp / (PRICE_PRECISION / 100), 9_523); // 95.238 USD
                                                     // Short with 2x: 100 / (1 + 0.05 - 0.5) = 181.8181
    let pos = Position {
        base: -2 * ONE,
        entry_quote: -200 * QUOTE_PRECISION as i128,
        margin: ONE,
        funding_basis: 0,
        gap_snapshot: 0,
    };
    let lp = liquidation_price(&pos, SOL, &p).unwrap().unwrap();
    assert_eq!(lp / (PRICE_PRECISION / 10_000), 1_818_181);
    // A short holding more than (1 + r_m) |base| is never liquidated by a rise.
    let pos = Position {
        base: -ONE,
        entry_quote: -100 * QUOTE_PRECISION as i128,
        margin: 2 * ONE,
        funding_basis: 0,
        gap_snapshot: 0,
    };
    assert_eq!(liquidation_price(&pos, SOL, &p).unwrap(), None);
}

#[test]
fn funding_settles_against_the_snapshot() {
    let p = params();
    let mut m = view(&p, 100, 0);
    let mut pos = Position {
        base: 2 * ONE,
        entry_quote: 200 * QUOTE_PRECISION as i128,
        margin: ONE,
        funding_basis: 0,
        gap_snapshot: 0,
    };
    let mut agg = Aggregates::default();
    agg.replace(&Position::default(), &pos).unwrap();
    // Index rises by 1 USD per token: the 2-token long owes 2 USD = 0.02 token.
    m.funding_index = FUNDING_INDEX_PRECISION;
    let paid = settle_funding(&mut pos, &mut agg, &m).unwrap();
    assert_eq!(paid, 20_000_000);
    assert_eq!(pos.margin, ONE - 20_000_000);
    assert_eq!(funding_owed_quote(&pos, SOL, m.funding_index), Ok(0));
    assert_eq!(agg.funding_basis, pos.funding_basis);
    // Settling again moves nothing.
    assert_eq!(settle_funding(&mut pos, &mut agg, &m), Ok(0));
}

#[test]
fn risk_reducing_classification() {
    assert!(is_risk_reducing(5, 3));
    assert!(is_risk_reducing(5, 0));
    assert!(is_risk_reducing(-5, -1));
    assert!(!is_risk_reducing(5, -1));
    assert!(!is_risk_reducing(5, 6));
    assert!(!is_risk_reducing(0, 1));
}

#[test]
fn a_fund_of_4_tokens_covers_10_tokens_of_oi_on_a_50pct_gap_at_10pct_margin() {
    let p = RiskParams::default_for_tests(); // stress 50%, r_i 10%
    let units = Units { scale: 1_000_000_000 };
    let cap = stress_sized_open_interest_usd(4_000_000_000, units, 100 * crate::PRICE_PRECISION, &p).unwrap();
    // 4 tokens * 100 USD / 40% = 1000 USD of open interest.
    assert_eq!(cap, Some(1_000));
    let mut q = p;
    q.stress_move = q.initial_margin_ratio;
    assert_eq!(stress_sized_open_interest_usd(1, units, 1, &q).unwrap(), None);
}
