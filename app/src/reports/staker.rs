//! The insurance fund's report (`hedge insurance show`) and a staker's statement
//! (`hedge insurance statement`), replayed from the program's events.
//!
//! The stake's shares are followed through the creator's seed (`MarketCreated`),
//! stakes (`InsuranceStaked`) and unstakes (`InsuranceUnstaked`); the fund's share
//! supply through everyone's. What reaches the fund is attributed pro rata to the
//! stake at that moment: its part of the traders' fees, the liquidation rewards, the
//! bad debt it covered (a loss), gifts (`InsuranceDeposited`); less the stake's part of
//! the fund's income still locked; the rest in one line (in tokens rounding, in USD
//! also the price's move on the staked tokens: a stake is not hedged). Tokens to the
//! native unit, USD at the price of each moment; each column adds up to the result
//! `value now + unstaked - staked`.

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_engine::requests::RequestKind;
use hedge_vault::events::{
    BadDebtResolved, FundingUpdated, InsuranceDeposited, InsuranceStaked, InsuranceUnstaked, MarketCreated,
    PositionLiquidated, PositionTraded,
};
use hedge_vault::state::{Request, Stake};
use serde::Serialize;

use super::statement::{add_up, Line, Sum};
use crate::chain::{decode_event, Sent};
use crate::client::Client;
use crate::keys;
use crate::units::format_amount;

pub const FEES: &str = "share of the traders' fees to the fund";
pub const REWARDS: &str = "share of liquidation rewards";
pub const COVERED: &str = "share of bad debt the fund covered";
pub const GIFTS: &str = "share of tokens given to the fund";
pub use super::statement::LOCKED;
pub const REST: &str = "the price's move on the stake, and rounding";

/// `hedge insurance show`'s report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InsuranceReport {
    pub market: String,
    pub fund: String,
    pub locked_income: String,
    pub shares_outstanding: u64,
    pub your_shares: u64,
    pub your_value: String,
    pub your_pending_unstake_shares: u64,
    /// Unix time the pending unstake is due (its cooldown's end), if any.
    pub your_unstake_due_time: Option<i64>,
    pub total_covered: String,
}

/// The fund now and `owner`'s stake in it.
pub async fn insurance(
    client: &mut Client,
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<InsuranceReport> {
    let m = client.market(market, oracle).await?;
    let (shares, pending) = stake_of(client, market, owner).await?;
    let d = m.state.decimals;
    let now = client.chain.unix_time().await?;
    let st = m.state.state()?;
    let value = st.insurance_value(shares, now).unwrap_or(0);
    let locked = st
        .insurance_profit
        .at(now)
        .map_or(0, |l| l.locked.min(m.state.insurance));
    Ok(InsuranceReport {
        market: market.to_string(),
        fund: format_amount(m.state.insurance.into(), d),
        locked_income: format_amount(locked.into(), d),
        shares_outstanding: m.state.insurance_shares,
        your_shares: shares,
        your_value: format_amount(value.into(), d),
        your_pending_unstake_shares: pending.map_or(0, |p| p.0),
        your_unstake_due_time: pending.map(|p| p.1),
        total_covered: format_amount(m.state.total_insurance_covered.into(), d),
    })
}

/// `owner`'s stake: shares held, and the pending unstake (shares, due time).
async fn stake_of(client: &mut Client, market: &Pubkey, owner: &Pubkey) -> Result<(u64, Option<(u64, i64)>)> {
    let shares = client
        .chain
        .anchor_opt::<Stake>(&keys::stake(market, owner))
        .await?
        .map_or(0, |s| s.shares);
    let pending = client
        .chain
        .anchor_opt::<Request>(&keys::request(market, owner, RequestKind::Unstake))
        .await?
        .filter(Request::is_pending)
        .map(|r| (r.amount, r.due_time));
    Ok((shares, pending))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StakerStatement {
    pub market: String,
    pub owner: String,
    pub staked_tokens: String,
    pub unstaked_tokens: String,
    pub shares_now: u64,
    pub value_now_tokens: String,
    /// Shares in a pending unstake and the end of its cooldown (unix time).
    pub pending_unstake_shares: u64,
    pub unstake_due_time: Option<i64>,
    pub lines: Vec<Line>,
    /// Value now plus unstaked, less staked.
    pub result: Line,
    /// Shares now less those the history accounts for; zero when complete.
    pub shares_unaccounted: i128,
}

impl StakerStatement {
    pub fn line(&self, name: &str) -> Option<&Line> {
        super::statement::line_named(&self.lines, name)
    }
}

/// What the staker statement needs besides the history.
pub struct StakerInputs<'a> {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub decimals: u8,
    pub history: &'a [Sent],
    /// Shares now (held and pending), their value and their part of the locked income.
    pub shares_now: u64,
    pub value_now: u64,
    pub locked_now: u64,
    pub pending: Option<(u64, i64)>,
    pub price_now: u128,
}

/// The statement of `owner`'s stake in `market` replaying `history`.
pub async fn for_owner_from(
    client: &mut Client,
    history: &[Sent],
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<StakerStatement> {
    let m = client.market(market, oracle).await?;
    let p = client.price(&m).await?.price;
    let now = client.chain.unix_time().await?;
    let (held, pending) = stake_of(client, market, owner).await?;
    let shares = held + pending.map_or(0, |x| x.0);
    let st = m.state.state()?;
    let value = st.insurance_value(shares, now).unwrap_or(0);
    let all =
        hedge_engine::vault::amount_for_shares_floor(shares, st.insurance_shares, u128::from(st.insurance))
            .unwrap_or(value);
    Ok(statement(&StakerInputs {
        market: *market,
        owner: *owner,
        decimals: m.state.decimals,
        history,
        shares_now: shares,
        value_now: value,
        locked_now: all.saturating_sub(value),
        pending,
        price_now: p.price,
    }))
}

/// `hedge insurance statement`: the history from the market's event index.
pub async fn for_owner(
    client: &mut Client,
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<StakerStatement> {
    let history = super::history(client, market).await?;
    for_owner_from(client, &history, market, oracle, owner).await
}

/// The staker statement, replayed from `i.history`.
pub fn statement(i: &StakerInputs) -> StakerStatement {
    let scale = 10f64.powi(i32::from(i.decimals));
    let usd_of = |native: f64, price: u128| native / scale * price as f64 / 1e18;
    let (mut supply, mut mine) = (0u64, 0i128);
    let mut price = i.price_now;
    let [mut fees, mut rewards, mut covered, mut gifts] = [Sum::default(); 4];
    let (mut staked, mut unstaked) = (0i128, 0i128);
    let (mut staked_usd, mut unstaked_usd) = (0f64, 0f64);
    for sent in i.history {
        for payload in &sent.events {
            let fraction = if supply > 0 {
                mine as f64 / supply as f64
            } else {
                0.0
            };
            let attribute = |s: &mut Sum, tokens: f64, price: u128| {
                s.native += tokens * fraction;
                s.usd += usd_of(tokens * fraction, price);
            };
            if let Some(e) = decode_event::<MarketCreated>(payload) {
                if e.market != i.market {
                    continue;
                }
                // The seed stake: the first shares of an empty fund.
                let shares =
                    hedge_engine::vault::shares_for_amount_floor(e.seed_insurance, 0, 0).unwrap_or(0);
                supply += shares;
                if e.admin == i.owner {
                    mine += i128::from(shares);
                    staked += i128::from(e.seed_insurance);
                    staked_usd += usd_of(e.seed_insurance as f64, price);
                }
            } else if let Some(e) = decode_event::<InsuranceStaked>(payload) {
                if e.market != i.market {
                    continue;
                }
                supply += e.shares;
                if e.owner == i.owner {
                    mine += i128::from(e.shares);
                    staked += i128::from(e.amount);
                    staked_usd += usd_of(e.amount as f64, price);
                }
            } else if let Some(e) = decode_event::<InsuranceUnstaked>(payload) {
                if e.market != i.market {
                    continue;
                }
                supply = supply.saturating_sub(e.shares);
                if e.owner == i.owner {
                    mine -= i128::from(e.shares);
                    unstaked += i128::from(e.paid);
                    unstaked_usd += usd_of(e.paid as f64, price);
                }
            } else if let Some(e) = decode_event::<InsuranceDeposited>(payload) {
                if e.market == i.market {
                    attribute(&mut gifts, e.amount as f64, price);
                }
            } else if let Some(e) = decode_event::<PositionTraded>(payload) {
                if e.market == i.market {
                    price = e.fill_price;
                    attribute(&mut fees, e.insurance_fee as f64, price);
                }
            } else if let Some(e) = decode_event::<PositionLiquidated>(payload) {
                if e.market == i.market {
                    price = e.fill_price;
                    attribute(&mut rewards, e.insurance_reward as f64, price);
                }
            } else if let Some(e) = decode_event::<BadDebtResolved>(payload) {
                if e.market == i.market {
                    attribute(&mut covered, -(e.insurance_covered as f64), price);
                }
            } else if let Some(e) = decode_event::<FundingUpdated>(payload) {
                if e.market == i.market {
                    price = e.price;
                }
            }
        }
    }
    let value_usd = usd_of(i.value_now as f64, i.price_now);
    let result_native = i128::from(i.value_now) + unstaked - staked;
    // USD: what is in now at today's price, what went in and came out at the last
    // price before it (the stake's events carry none).
    let result = Line {
        name: "result",
        tokens: format_amount(result_native, i.decimals),
        usd: ((value_usd + unstaked_usd - staked_usd) * 1e6).round() / 1e6 + 0.0,
        native: result_native,
    };
    let locked = Sum {
        native: -(i.locked_now as f64),
        usd: usd_of(-(i.locked_now as f64), i.price_now),
    };
    let lines = add_up(
        &[
            (FEES, fees),
            (REWARDS, rewards),
            (COVERED, covered),
            (GIFTS, gifts),
            (LOCKED, locked),
        ],
        REST,
        &result,
        i.decimals,
    );
    StakerStatement {
        market: i.market.to_string(),
        owner: i.owner.to_string(),
        staked_tokens: format_amount(staked, i.decimals),
        unstaked_tokens: format_amount(unstaked, i.decimals),
        shares_now: i.shares_now,
        value_now_tokens: format_amount(i.value_now.into(), i.decimals),
        pending_unstake_shares: i.pending.map_or(0, |p| p.0),
        unstake_due_time: i.pending.map(|p| p.1),
        lines,
        result,
        shares_unaccounted: i128::from(i.shares_now) - mine,
    }
}

/// The staker statement as text.
pub fn render(s: &StakerStatement) -> String {
    let mut t = format!(
        "Insurance stake statement for {}\n\
         Staked     {} tokens\n\
         Unstaked   {} tokens\n\
         Holding    {} shares worth {} tokens{}\n\
         The result, line by line (tokens to the native unit; USD at the price of each moment):\n",
        s.owner,
        s.staked_tokens,
        s.unstaked_tokens,
        s.shares_now,
        s.value_now_tokens,
        s.unstake_due_time.map_or(String::new(), |t| format!(
            " ({} of them unstaking, cooldown ends at unix {t})",
            s.pending_unstake_shares
        )),
    );
    t.push_str(&super::statement::lines_table(&s.lines, &s.result));
    if s.shares_unaccounted != 0 {
        t.push_str(&format!(
            "\nnote: {} shares are not explained by the history (history the node no longer serves)",
            s.shares_unaccounted
        ));
    }
    t
}
