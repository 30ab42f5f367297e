//! `hedge position statement`: a trader's account of its position, replayed from the
//! program's events. Every event that moves a position's margin carries the margin
//! after it, so each line is exact and the replay checks itself: after each event the
//! margin the lines explain must equal the margin the event reports (`unexplained`
//! counts the native units that did not; zero on every history the tests replay).
//!
//! Lines, in tokens (native units) and USD at the price of each event, adding up to the
//! result `equity now + withdrawn + returned at close - deposited`:
//! realized P&L, taker fees, skew charges less rebates, funding, the bonus waiting
//! deposits paid the longs (revision 6), liquidation penalties (the keeper's and the
//! insurance fund's rewards), bad debt written off (the loss beyond the margin, which
//! the trader did not pay), and the P&L and funding not yet realized (equity now less
//! margin now).

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_vault::events::{
    AutoDeleveraged, FundingSettled, MarginDeposited, MarginWithdrawn, PositionClosed, PositionLiquidated,
    PositionTraded,
};
use hedge_vault::state::Position;
use serde::Serialize;

use super::statement::{add_up, Line, Sum};
use crate::chain::{decode_event, Sent};
use crate::client::Client;
use crate::keys;
use crate::units::format_amount;

pub const REALIZED: &str = "realized P&L";
pub const TAKER_FEES: &str = "taker fees";
pub const SKEW: &str = "skew charges less rebates";
pub const FUNDING: &str = "funding";
pub const BONUS: &str = "bonus from deposits waiting for their hedge";
pub const PENALTIES: &str = "liquidation penalties";
pub const BAD_DEBT: &str = "bad debt written off";
pub const OPEN: &str = "P&L and funding not yet realized";

/// One trade, liquidation or deleveraging of the position.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fill {
    pub signature: String,
    /// trade, liquidation or deleveraging.
    pub kind: &'static str,
    /// Base units: a trade's signed delta (positive buys); the size a liquidation or a
    /// deleveraging closed, negative.
    pub size: String,
    pub price_usd: f64,
    pub realized: String,
    pub fees: String,
    pub margin_after: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TraderStatement {
    pub market: String,
    pub owner: String,
    pub fills: Vec<Fill>,
    pub deposited_tokens: String,
    pub withdrawn_tokens: String,
    pub equity_now_tokens: String,
    /// What the position is made of now: size and margin, tokens.
    pub base_now: String,
    pub margin_now: String,
    pub lines: Vec<Line>,
    /// Equity now plus withdrawn (and returned at close) less deposited.
    pub result: Line,
    /// Native units of margin the events' lines did not explain (0: every event adds
    /// up to the margin it reports).
    pub unexplained: i128,
}

impl TraderStatement {
    pub fn line(&self, name: &str) -> Option<&Line> {
        super::statement::line_named(&self.lines, name)
    }
}

/// What the trader statement needs besides the history.
pub struct TraderInputs<'a> {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub decimals: u8,
    pub history: &'a [Sent],
    /// The position now (`None`: closed or never opened), its equity at the price now
    /// (funding accrued), tokens.
    pub position: Option<(i64, i64)>,
    pub equity_now: i128,
    pub price_now: u128,
}

/// The statement of `owner`'s position in `market`: the market's history from its
/// event index (on a cluster only what is new since the last call is fetched).
pub async fn for_owner(
    client: &mut Client,
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<TraderStatement> {
    let history = super::history(client, market).await?;
    for_owner_from(client, &history, market, oracle, owner).await
}

/// The statement of `owner`'s position in `market` replaying `history`.
pub async fn for_owner_from(
    client: &mut Client,
    history: &[Sent],
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<TraderStatement> {
    let m = client.market(market, oracle).await?;
    let p = client.price(&m).await?.price;
    let now = client.chain.unix_time().await?;
    let pos = client
        .chain
        .anchor_opt::<Position>(&keys::position(market, owner))
        .await?;
    let (position, equity_now) = match pos {
        Some(pos) => {
            let st = crate::keeper::accrued(&m.state, &p, now)?;
            let e = pos.engine();
            let equity = hedge_engine::position::equity_floor(&e, &st.view(p))
                .map_err(|x| anyhow::anyhow!("engine: {x:?}"))?;
            (Some((e.base, e.margin)), equity)
        }
        None => (None, 0),
    };
    Ok(statement(&TraderInputs {
        market: *market,
        owner: *owner,
        decimals: m.state.decimals,
        history,
        position,
        equity_now,
        price_now: p.price,
    }))
}

/// The trader statement, replayed from `i.history`.
pub fn statement(i: &TraderInputs) -> TraderStatement {
    let scale = 10f64.powi(i32::from(i.decimals));
    let usd_of = |native: f64, price: u128| native / scale * price as f64 / 1e18;
    let mut price = i.price_now;
    let [mut realized, mut fees, mut skew, mut funding, mut bonus, mut penalties, mut bad_debt] =
        [Sum::default(); 7];
    let (mut deposited, mut withdrawn) = (0i128, 0i128);
    let (mut margin, mut unexplained) = (0i128, 0i128);
    let mut fills = Vec::new();
    let add = |s: &mut Sum, native: i128, price: u128| {
        s.native += native as f64;
        s.usd += usd_of(native as f64, price);
    };
    let fmt = |x: i128| format_amount(x, i.decimals);
    for sent in i.history {
        for payload in &sent.events {
            // Each event moves the margin by what its lines say, then reports it.
            let mut check = |delta: i128, after: i64, margin: &mut i128| {
                *margin += delta;
                unexplained += (i128::from(after) - *margin).abs();
                *margin = i128::from(after);
            };
            if let Some(e) = decode_event::<MarginDeposited>(payload) {
                if (e.market, e.owner) != (i.market, i.owner) {
                    continue;
                }
                deposited += i128::from(e.amount);
                check(i128::from(e.amount), e.margin, &mut margin);
            } else if let Some(e) = decode_event::<MarginWithdrawn>(payload) {
                if (e.market, e.owner) != (i.market, i.owner) {
                    continue;
                }
                withdrawn += i128::from(e.amount);
                add(&mut funding, -i128::from(e.funding_paid), price);
                add(&mut bonus, i128::from(e.wait_bonus), price);
                let d = -i128::from(e.amount) - i128::from(e.funding_paid) + i128::from(e.wait_bonus);
                check(d, e.margin, &mut margin);
            } else if let Some(e) = decode_event::<FundingSettled>(payload) {
                if (e.market, e.owner) != (i.market, i.owner) {
                    continue;
                }
                add(&mut funding, -i128::from(e.paid), price);
                add(&mut bonus, i128::from(e.wait_bonus), price);
                check(
                    -i128::from(e.paid) + i128::from(e.wait_bonus),
                    e.margin_after,
                    &mut margin,
                );
            } else if let Some(e) = decode_event::<PositionTraded>(payload) {
                if e.market != i.market {
                    continue;
                }
                price = e.fill_price;
                if e.owner != i.owner {
                    continue;
                }
                let taker = i128::from(e.fee) - i128::from(e.impact_fee);
                add(&mut realized, i128::from(e.realized_pnl), price);
                add(&mut fees, -taker, price);
                add(&mut skew, i128::from(e.rebate) - i128::from(e.impact_fee), price);
                add(&mut funding, -i128::from(e.funding_paid), price);
                add(&mut bonus, i128::from(e.wait_bonus), price);
                let d = i128::from(e.realized_pnl) - i128::from(e.fee) + i128::from(e.rebate)
                    - i128::from(e.funding_paid)
                    + i128::from(e.wait_bonus);
                check(d, e.margin_after, &mut margin);
                fills.push(Fill {
                    signature: sent.signature.clone(),
                    kind: "trade",
                    size: fmt(i128::from(e.delta_base)),
                    price_usd: e.fill_price as f64 / 1e18,
                    realized: fmt(i128::from(e.realized_pnl)),
                    fees: fmt(i128::from(e.fee) - i128::from(e.rebate)),
                    margin_after: fmt(i128::from(e.margin_after)),
                });
            } else if let Some(e) = decode_event::<PositionLiquidated>(payload) {
                if e.market != i.market {
                    continue;
                }
                price = e.fill_price;
                if e.owner != i.owner {
                    continue;
                }
                let rewards = i128::from(e.liquidator_reward) + i128::from(e.insurance_reward);
                add(&mut realized, i128::from(e.realized_pnl), price);
                add(&mut penalties, -rewards, price);
                add(&mut bad_debt, i128::from(e.bad_debt), price);
                add(&mut skew, -i128::from(e.skew_paid), price);
                add(&mut funding, -i128::from(e.funding_paid), price);
                add(&mut bonus, i128::from(e.wait_bonus), price);
                let d = i128::from(e.realized_pnl) - rewards + i128::from(e.bad_debt)
                    - i128::from(e.skew_paid)
                    - i128::from(e.funding_paid)
                    + i128::from(e.wait_bonus);
                check(d, e.margin_after, &mut margin);
                fills.push(Fill {
                    signature: sent.signature.clone(),
                    kind: "liquidation",
                    size: fmt(-i128::from(e.closed)),
                    price_usd: e.fill_price as f64 / 1e18,
                    realized: fmt(i128::from(e.realized_pnl)),
                    fees: fmt(rewards + i128::from(e.skew_paid)),
                    margin_after: fmt(i128::from(e.margin_after)),
                });
            } else if let Some(e) = decode_event::<AutoDeleveraged>(payload) {
                if e.market != i.market {
                    continue;
                }
                price = e.fill_price;
                if e.owner != i.owner {
                    continue;
                }
                add(&mut realized, i128::from(e.realized_pnl), price);
                add(&mut skew, -i128::from(e.skew_paid), price);
                add(&mut funding, -i128::from(e.funding_paid), price);
                add(&mut bonus, i128::from(e.wait_bonus), price);
                // The event carries no margin: the next one checks it.
                margin += i128::from(e.realized_pnl) - i128::from(e.skew_paid) - i128::from(e.funding_paid)
                    + i128::from(e.wait_bonus);
                fills.push(Fill {
                    signature: sent.signature.clone(),
                    kind: "deleveraging",
                    size: fmt(-i128::from(e.closed)),
                    price_usd: e.fill_price as f64 / 1e18,
                    realized: fmt(i128::from(e.realized_pnl)),
                    fees: fmt(i128::from(e.skew_paid)),
                    margin_after: fmt(margin),
                });
            } else if let Some(e) = decode_event::<PositionClosed>(payload) {
                if (e.market, e.owner) != (i.market, i.owner) {
                    continue;
                }
                withdrawn += i128::from(e.returned);
                check(-i128::from(e.returned), 0, &mut margin);
            }
        }
    }
    let (base_now, margin_now) = i.position.unwrap_or((0, 0));
    if i.position.is_some() {
        unexplained += (i128::from(margin_now) - margin).abs();
    }
    let open = i.equity_now - i128::from(margin_now);
    let open = Sum {
        native: open as f64,
        usd: usd_of(open as f64, i.price_now),
    };
    let result_native = i.equity_now + withdrawn - deposited;
    // The result's USD: each line at its own price; the total is their sum (a
    // trader's result has no single price to value it at).
    let sums = [
        (REALIZED, realized),
        (TAKER_FEES, fees),
        (SKEW, skew),
        (FUNDING, funding),
        (BONUS, bonus),
        (PENALTIES, penalties),
        (BAD_DEBT, bad_debt),
        (OPEN, open),
    ];
    let usd: f64 = sums.iter().map(|(_, s)| (s.usd * 1e6).round() / 1e6).sum();
    let result = Line {
        name: "result",
        tokens: format_amount(result_native, i.decimals),
        usd: (usd * 1e6).round() / 1e6,
        native: result_native,
    };
    let mut lines = add_up(&sums, "rounding", &result, i.decimals);
    // Every line is exact: what is left is the pro-rata-free rounding of nothing.
    if lines.last().is_some_and(|l| l.native == 0) {
        lines.pop();
    }
    TraderStatement {
        market: i.market.to_string(),
        owner: i.owner.to_string(),
        fills,
        deposited_tokens: fmt(deposited),
        withdrawn_tokens: fmt(withdrawn),
        equity_now_tokens: fmt(i.equity_now),
        base_now: fmt(i128::from(base_now)),
        margin_now: fmt(i128::from(margin_now)),
        lines,
        result,
        unexplained,
    }
}

/// The trader statement as text.
pub fn render(s: &TraderStatement) -> String {
    let mut t = format!(
        "Position statement for {}\n\
         Margin deposited  {} tokens\n\
         Withdrawn         {} tokens (with what was returned at close)\n\
         Now               {} base, margin {}, equity {} tokens\n\
         {} fills ({} trades, {} liquidations, {} deleveragings)\n\
         The result, line by line (tokens exact; USD at the price of each moment):\n",
        s.owner,
        s.deposited_tokens,
        s.withdrawn_tokens,
        s.base_now,
        s.margin_now,
        s.equity_now_tokens,
        s.fills.len(),
        s.fills.iter().filter(|f| f.kind == "trade").count(),
        s.fills.iter().filter(|f| f.kind == "liquidation").count(),
        s.fills.iter().filter(|f| f.kind == "deleveraging").count(),
    );
    t.push_str(&super::statement::lines_table(&s.lines, &s.result));
    if s.unexplained != 0 {
        t.push_str(&format!(
            "\nnote: {} native units of margin are not explained by the history (history the node no longer serves)",
            s.unexplained
        ));
    }
    t
}
