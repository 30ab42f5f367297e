//! `hedge vault statement`: a depositor's account of the vault, replayed from the
//! program's events in the market's transaction history (kept by the event index,
//! `index.rs`).
//!
//! The wallet's shares are followed through its deposits (`VaultDeposited`) and
//! withdrawals (`VaultWithdrawn`); the share supply through everyone's. The result,
//! what the wallet has now and took out less what it put in, is split into lines,
//! each in tokens (native units) and in USD at the price of the moment it happened,
//! and each column adds up to the result exactly:
//!
//! - what the wallet paid itself, exact from its own events: the skew charge net of
//!   its rebate at entry and at exit, and what a deposit paid while it waited for its
//!   hedge (revision 6, `wait_charge`; counted as deposited, it bought no shares);
//! - what the vault earned or lost on everyone's shares, attributed pro rata to the
//!   wallet's shares at that moment: the vault's part of the traders' fees, funding
//!   settled to the vault, socialized losses;
//! - less the wallet's part of that income still locked (it reaches the share price
//!   as it unlocks, PROTOCOL section 3);
//! - and the rest, in one line: the short against the price (in tokens, what the
//!   hedge paid or took; in USD, what it did not cover), the band edges paid at entry
//!   and exit, traders' realized P&L, funding accrued and not yet settled, rounding.
//!
//! USD amounts are at the price each event carries (the last seen price for events
//! without one).

use anchor_lang::prelude::Pubkey;
use hedge_vault::events::{
    AutoDeleveraged, BadDebtResolved, DepositReleased, FundingSettled, FundingUpdated, MarginWithdrawn,
    PositionLiquidated, PositionTraded, VaultDeposited, VaultWithdrawn,
};
use serde::Serialize;

use anyhow::Result;
use hedge_engine::requests::RequestKind;
use hedge_vault::state::Request;

use super::views;
use crate::chain::{decode_event, Sent};
use crate::client::Client;
use crate::keys;
use crate::units::{format_amount, share_decimals};

/// The owner's shares: in their share account, and locked by a pending withdrawal.
pub async fn holder_shares(
    client: &mut Client,
    market: &Pubkey,
    share_mint: &Pubkey,
    owner: &Pubkey,
) -> Result<(u64, u64)> {
    let wallet = client.token_balance(&Client::ata(owner, share_mint)).await?;
    let pending = client
        .chain
        .anchor_opt::<Request>(&keys::request(market, owner, RequestKind::Withdraw))
        .await?
        .filter(Request::is_pending)
        .map(|r| r.amount)
        .unwrap_or(0);
    Ok((wallet, pending))
}

/// The statement of `owner` in `market`, from the chain: its shares and their value
/// now, and the market's history from the event index (on a cluster only what is new
/// since the last call is fetched).
pub async fn for_owner(
    client: &mut Client,
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<Statement> {
    let history = super::history(client, market).await?;
    for_owner_from(client, &history, market, oracle, owner).await
}

/// The statement of `owner` replaying `history` (the market's, from its index).
pub async fn for_owner_from(
    client: &mut Client,
    history: &[Sent],
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<Statement> {
    let m = client.market(market, oracle).await?;
    let p = client.price(&m).await?;
    let supply = client.mint_supply(&m.keys.share_mint).await?;
    let (wallet, pending) = holder_shares(client, market, &m.keys.share_mint, owner).await?;
    let now = client.chain.unix_time().await?;
    let (value_now, locked_now) =
        views::shares_value_and_locked(&m.state, supply, &p.price, now, wallet + pending)?;
    Ok(statement(&StatementInputs {
        market: *market,
        owner: *owner,
        decimals: m.state.decimals,
        history,
        shares_now: wallet + pending,
        value_now,
        locked_now,
        price_now: p.price.price,
        supply_now: supply,
    }))
}

/// What the statement needs besides the history.
pub struct StatementInputs<'a> {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub decimals: u8,
    /// The market's successful transactions, oldest first.
    pub history: &'a [Sent],
    /// The wallet's shares now, in its share account and locked by a pending withdrawal.
    pub shares_now: u64,
    /// Their value now (the program's `value_of_shares_floor`), tokens.
    pub value_now: u64,
    /// Their part of the vault's income still locked, tokens (not in `value_now`).
    pub locked_now: u64,
    /// The oracle price now, 1e18 USD per whole token.
    pub price_now: u128,
    /// The share mint's supply now.
    pub supply_now: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Flow {
    pub signature: String,
    /// Unix seconds of its block (none when the node does not know).
    pub time: Option<i64>,
    pub tokens: String,
    pub shares: String,
    pub price_usd: f64,
    pub usd: f64,
}

/// One line of the result: tokens (exact native units, signed: what it added to the
/// wallet's result) and USD at the prices of the moments it happened.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct Line {
    /// What the line is, as the statement names it.
    pub name: &'static str,
    pub tokens: String,
    pub usd: f64,
    /// `tokens` in native units.
    pub native: i128,
}

/// The lines' names (one per line, in the order of [`Statement::lines`]).
pub const ENTRY_SKEW: &str = "entry: skew charge less rebate";
pub const ENTRY_WAIT: &str = "entry: paid while waiting for the hedge";
pub const EXIT_SKEW: &str = "exit: skew charge less rebate";
pub const FEES: &str = "share of the traders' fees";
pub const FUNDING: &str = "share of funding settled to the vault";
pub const SOCIALIZED: &str = "share of socialized losses";
pub const LOCKED: &str = "less income still locked (yours as it unlocks)";
pub const REST: &str = "the short against the price, band edges and the rest";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Statement {
    pub market: String,
    pub owner: String,
    pub deposits: Vec<Flow>,
    pub withdrawals: Vec<Flow>,
    pub deposited_tokens: String,
    /// `deposited_tokens` in native units.
    #[serde(skip)]
    pub deposited_native: i128,
    pub deposited_usd: f64,
    pub withdrawn_tokens: String,
    pub withdrawn_usd: f64,
    pub shares_now: String,
    pub value_now_tokens: String,
    pub value_now_usd: f64,
    pub price_now_usd: f64,
    /// Value now plus withdrawn, less deposited, in USD.
    pub hedged_result_usd: f64,
    pub hedged_return: f64,
    /// Had the deposited tokens stayed in the wallet: their value now less deposited.
    pub held_result_usd: f64,
    pub held_return: f64,
    /// What the result is made of; in each column the lines sum to `result`.
    pub lines: Vec<Line>,
    /// Value now plus withdrawn, less deposited: tokens (exact) and USD (each at its
    /// time, `hedged_result_usd`).
    pub result: Line,
    /// Shares now less those the history accounts for (moved by plain token
    /// transfers, or history the node no longer serves); zero when complete.
    pub shares_unaccounted: String,
    /// Share supply now less the history's; zero when the history is complete.
    pub supply_unaccounted: String,
}

impl Statement {
    /// The line named `name`.
    pub fn line(&self, name: &str) -> Option<&Line> {
        line_named(&self.lines, name)
    }
}

/// The line named `name` of any statement's lines.
pub fn line_named<'a>(lines: &'a [Line], name: &str) -> Option<&'a Line> {
    lines.iter().find(|l| l.name == name)
}

/// A line being summed: native units (fractional while attributed pro rata) and USD.
#[derive(Default, Clone, Copy)]
pub(crate) struct Sum {
    pub(crate) native: f64,
    pub(crate) usd: f64,
}

/// The statement, replayed from `i.history`.
pub fn statement(i: &StatementInputs) -> Statement {
    let scale = 10f64.powi(i32::from(i.decimals));
    let usd_of = |native: f64, price: u128| native / scale * price as f64 / 1e18;
    let (mut supply, mut mine) = (0i128, 0i128);
    let mut price = i.price_now;
    let (mut deposits, mut withdrawals) = (Vec::new(), Vec::new());
    let [mut entry_skew, mut entry_wait, mut exit_skew, mut fees, mut funding, mut socialized] =
        [Sum::default(); 6];
    let (mut dep_native, mut dep_usd, mut wd_native, mut wd_usd) = (0i128, 0f64, 0i128, 0f64);
    let add = |line: &mut Sum, native: f64, price: u128| {
        line.native += native;
        line.usd += usd_of(native, price);
    };
    for sent in i.history {
        for payload in &sent.events {
            let fraction = if supply > 0 {
                mine as f64 / supply as f64
            } else {
                0.0
            };
            let attribute = |line: &mut Sum, tokens: f64, price: u128| add(line, tokens * fraction, price);
            if let Some(e) = decode_event::<VaultDeposited>(payload) {
                if e.market != i.market {
                    continue;
                }
                supply += i128::from(e.shares);
                price = e.price;
                if e.owner != i.owner {
                    continue;
                }
                // An execution that only kept the deposit waiting for hedge capacity
                // moved nothing.
                if e.amount > 0 || e.shares > 0 {
                    mine += i128::from(e.shares);
                    let usd = usd_of(e.amount as f64, e.price);
                    dep_native += i128::from(e.amount);
                    dep_usd += usd;
                    deposits.push(flow(sent, e.amount, e.shares, e.price, usd, i.decimals));
                    add(&mut entry_skew, e.skew_rebate as f64 - e.skew_fee as f64, e.price);
                }
                // Revision 6: what the request paid while it waited for its hedge is
                // part of what the wallet put in (it bought no shares).
                if e.wait_charge > 0 {
                    dep_native += i128::from(e.wait_charge);
                    dep_usd += usd_of(e.wait_charge as f64, e.price);
                    add(&mut entry_wait, -(e.wait_charge as f64), e.price);
                }
            } else if let Some(e) = decode_event::<DepositReleased>(payload) {
                if e.market == i.market && e.owner == i.owner && e.wait_charge > 0 {
                    dep_native += i128::from(e.wait_charge);
                    dep_usd += usd_of(e.wait_charge as f64, price);
                    add(&mut entry_wait, -(e.wait_charge as f64), price);
                }
            } else if let Some(e) = decode_event::<VaultWithdrawn>(payload) {
                if e.market != i.market {
                    continue;
                }
                supply -= i128::from(e.shares);
                price = e.price;
                if e.owner == i.owner {
                    mine -= i128::from(e.shares);
                    let usd = usd_of(e.paid as f64, e.price);
                    wd_native += i128::from(e.paid);
                    wd_usd += usd;
                    withdrawals.push(flow(sent, e.paid, e.shares, e.price, usd, i.decimals));
                    add(&mut exit_skew, e.skew_rebate as f64 - e.skew_fee as f64, e.price);
                }
            } else if let Some(e) = decode_event::<PositionTraded>(payload) {
                price = e.fill_price;
                attribute(&mut funding, e.funding_paid as f64, price);
                attribute(&mut fees, e.fee.saturating_sub(e.insurance_fee) as f64, price);
            } else if let Some(e) = decode_event::<PositionLiquidated>(payload) {
                price = e.fill_price;
                attribute(&mut funding, e.funding_paid as f64, price);
            } else if let Some(e) = decode_event::<AutoDeleveraged>(payload) {
                price = e.fill_price;
                attribute(&mut funding, e.funding_paid as f64, price);
            } else if let Some(e) = decode_event::<MarginWithdrawn>(payload) {
                attribute(&mut funding, e.funding_paid as f64, price);
            } else if let Some(e) = decode_event::<FundingSettled>(payload) {
                attribute(&mut funding, e.paid as f64, price);
            } else if let Some(e) = decode_event::<BadDebtResolved>(payload) {
                attribute(&mut socialized, -(e.socialized as f64), price);
            } else if let Some(e) = decode_event::<FundingUpdated>(payload) {
                price = e.price;
            }
        }
    }
    let value_now_usd = usd_of(i.value_now as f64, i.price_now);
    let hedged = value_now_usd + wd_usd - dep_usd;
    let held = usd_of(dep_native as f64, i.price_now) - dep_usd;
    let ratio = |x: f64| if dep_usd > 0.0 { x / dep_usd } else { 0.0 };
    let locked = Sum {
        native: -(i.locked_now as f64),
        usd: usd_of(-(i.locked_now as f64), i.price_now),
    };
    let result = Line {
        name: "result",
        tokens: String::new(),
        usd: round6(hedged),
        native: i128::from(i.value_now) + wd_native - dep_native,
    };
    let lines = add_up(
        &[
            (ENTRY_SKEW, entry_skew),
            (ENTRY_WAIT, entry_wait),
            (EXIT_SKEW, exit_skew),
            (FEES, fees),
            (FUNDING, funding),
            (SOCIALIZED, socialized),
            (LOCKED, locked),
        ],
        REST,
        &result,
        i.decimals,
    );
    Statement {
        market: i.market.to_string(),
        owner: i.owner.to_string(),
        deposits,
        withdrawals,
        deposited_tokens: format_amount(dep_native, i.decimals),
        deposited_native: dep_native,
        deposited_usd: round6(dep_usd),
        withdrawn_tokens: format_amount(wd_native, i.decimals),
        withdrawn_usd: round6(wd_usd),
        shares_now: format_amount(i.shares_now.into(), share_decimals(i.decimals)),
        value_now_tokens: format_amount(i.value_now.into(), i.decimals),
        value_now_usd: round6(value_now_usd),
        price_now_usd: round6(i.price_now as f64 / 1e18),
        hedged_result_usd: round6(hedged),
        hedged_return: round6(ratio(hedged)),
        held_result_usd: round6(held),
        held_return: round6(ratio(held)),
        lines,
        result: Line {
            tokens: format_amount(result.native, i.decimals),
            ..result
        },
        shares_unaccounted: format_amount(i128::from(i.shares_now) - mine, share_decimals(i.decimals)),
        supply_unaccounted: format_amount(i128::from(i.supply_now) - supply, share_decimals(i.decimals)),
    }
}

/// The lines of a result: each sum rounded to native units and to the micro-dollar,
/// and a last line `rest` that is what the result holds beyond them, so each column
/// adds up to `result` exactly (in native units; in USD to the micro-dollar the
/// figures are printed at).
pub(crate) fn add_up(
    sums: &[(&'static str, Sum)],
    rest: &'static str,
    result: &Line,
    decimals: u8,
) -> Vec<Line> {
    let mut lines: Vec<Line> = sums
        .iter()
        .map(|(name, s)| Line {
            name,
            tokens: String::new(),
            // (+ 0.0: no negative zero)
            usd: round6(s.usd) + 0.0,
            native: s.native.round() as i128,
        })
        .collect();
    let native: i128 = lines.iter().map(|l| l.native).sum();
    let usd_micro: i128 = lines.iter().map(|l| micro(l.usd)).sum();
    lines.push(Line {
        name: rest,
        tokens: String::new(),
        usd: (micro(result.usd) - usd_micro) as f64 / 1e6 + 0.0,
        native: result.native - native,
    });
    for l in &mut lines {
        l.tokens = format_amount(l.native, decimals);
    }
    lines
}

/// USD as whole micro-dollars (the statement's precision).
fn micro(usd: f64) -> i128 {
    (usd * 1e6).round() as i128
}

fn flow(sent: &Sent, tokens: u64, shares: u64, price: u128, usd: f64, decimals: u8) -> Flow {
    Flow {
        signature: sent.signature.clone(),
        time: sent.block_time,
        tokens: format_amount(tokens.into(), decimals),
        shares: format_amount(shares.into(), share_decimals(decimals)),
        price_usd: round6(price as f64 / 1e18),
        usd: round6(usd),
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The statement as text: the flows, then the result line by line, each column
/// adding up to the total.
pub fn render(s: &Statement) -> String {
    let pct = |x: f64| format!("{:+.2}%", x * 100.0);
    let mut t = format!(
        "Vault statement for {}\n\
         Deposited  {} tokens = {:.2} USD in {} deposit(s)\n\
         Withdrawn  {} tokens = {:.2} USD in {} withdrawal(s)\n\
         Holding    {} shares worth {} tokens = {:.2} USD at {:.2}\n\
         Hedged result   {:+.2} USD ({})\n\
         Had you held    {:+.2} USD ({})\n\
         The result, line by line (tokens exact; USD at the price of each moment):\n",
        s.owner,
        s.deposited_tokens,
        s.deposited_usd,
        s.deposits.len(),
        s.withdrawn_tokens,
        s.withdrawn_usd,
        s.withdrawals.len(),
        s.shares_now,
        s.value_now_tokens,
        s.value_now_usd,
        s.price_now_usd,
        s.hedged_result_usd,
        pct(s.hedged_return),
        s.held_result_usd,
        pct(s.held_return),
    );
    t.push_str(&lines_table(&s.lines, &s.result));
    if !s.shares_unaccounted.trim_start_matches(['0', '.']).is_empty() {
        t.push_str(&format!(
            "\nnote: {} shares are not explained by the history (transferred, or history the node no longer serves)",
            s.shares_unaccounted
        ));
    }
    t
}

/// Lines and their total as aligned text: name, tokens, USD.
pub fn lines_table(lines: &[Line], total: &Line) -> String {
    let width = lines.iter().map(|l| l.name.len()).max().unwrap_or(0).max(5);
    let tw = lines
        .iter()
        .chain([total])
        .map(|l| l.tokens.len())
        .max()
        .unwrap_or(0);
    let mut t = String::new();
    for l in lines {
        t.push_str(&format!(
            "  {:<width$}  {:>tw$} tokens  {:>+16.6} USD\n",
            l.name, l.tokens, l.usd
        ));
    }
    t.push_str(&format!(
        "  {:<width$}  {:>tw$} tokens  {:>+16.6} USD",
        "= total", total.tokens, total.usd
    ));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Event;

    const PRICE: u128 = 100 * 1_000_000_000_000_000_000;

    fn tx(events: Vec<Vec<u8>>) -> Sent {
        Sent {
            signature: "sig".into(),
            events,
            ..Default::default()
        }
    }

    fn deposited(market: Pubkey, owner: Pubkey, amount: u64) -> Vec<u8> {
        VaultDeposited {
            market,
            owner,
            executor: owner,
            amount,
            shares: amount * 1_000,
            price: PRICE,
            publish_time: 0,
            collateral: 0,
            skew_fee: 0,
            skew_rebate: 0,
            waiting: 0,
            skew_ledger: 0,
            wait_charge: 0,
        }
        .data()
    }

    fn socialized(market: Pubkey, amount: u64) -> Vec<u8> {
        BadDebtResolved {
            market,
            owner: Pubkey::new_unique(),
            bad_debt: amount,
            insurance_covered: 0,
            socialized: amount,
            insurance_after: 0,
            collateral_after: 0,
        }
        .data()
    }

    #[test]
    fn losses_are_shared_pro_rata_to_the_shares_held_at_the_time() {
        let (market, me, other) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let history = vec![
            tx(vec![deposited(market, me, 1_000)]),
            tx(vec![deposited(market, other, 3_000)]),
            // I hold 1/4 of the shares: a 400-unit loss costs me 100.
            tx(vec![socialized(market, 400)]),
            // Another market's events are not mine.
            tx(vec![deposited(Pubkey::new_unique(), me, 5_000)]),
        ];
        let s = statement(&StatementInputs {
            market,
            owner: me,
            decimals: 0,
            history: &history,
            shares_now: 1_000_000,
            value_now: 900,
            locked_now: 0,
            price_now: PRICE,
            supply_now: 4_000_000,
        });
        assert_eq!(s.deposits.len(), 1);
        assert_eq!(s.deposited_tokens, "1000");
        let socialized = s.line(SOCIALIZED).unwrap();
        assert_eq!((socialized.tokens.as_str(), socialized.usd), ("-100", -10_000.0));
        // 900 tokens now for 1000 deposited, at an unchanged price: all of it the loss.
        assert_eq!(s.hedged_result_usd, -10_000.0);
        assert_eq!(s.held_result_usd, 0.0);
        assert_eq!((s.result.native, s.result.usd), (-100, -10_000.0));
        let rest = s.line(REST).unwrap();
        assert_eq!((rest.native, rest.usd), (0, 0.0));
        assert_eq!(s.shares_unaccounted, "0.000");
        assert_eq!(s.supply_unaccounted, "0.000");
    }

    fn deposited_with(
        market: Pubkey,
        owner: Pubkey,
        amount: u64,
        fee: u64,
        rebate: u64,
        wait: u64,
    ) -> Vec<u8> {
        VaultDeposited {
            market,
            owner,
            executor: owner,
            amount,
            shares: (amount - fee + rebate) * 1_000,
            price: PRICE,
            publish_time: 0,
            collateral: 0,
            skew_fee: fee,
            skew_rebate: rebate,
            waiting: 0,
            skew_ledger: 0,
            wait_charge: wait,
        }
        .data()
    }

    fn traded(market: Pubkey, fee: u64, insurance_fee: u64, funding: i64) -> Vec<u8> {
        PositionTraded {
            market,
            owner: Pubkey::new_unique(),
            executor: Pubkey::new_unique(),
            delta_base: 1,
            base_after: 1,
            fill_price: PRICE,
            realized_pnl: 0,
            fee,
            impact_fee: 0,
            rebate: 0,
            insurance_fee,
            funding_paid: funding,
            wait_bonus: 0,
            reducing: false,
            margin_after: 0,
            net_base_after: 0,
            collateral_after: 0,
            skew_unfunded: 0,
            skew_ledger: 0,
        }
        .data()
    }

    fn withdrawn(market: Pubkey, owner: Pubkey, shares: u64, paid: u64, fee: u64, rebate: u64) -> Vec<u8> {
        VaultWithdrawn {
            market,
            owner,
            executor: owner,
            shares,
            shares_remaining: 0,
            value_at_request: paid,
            value_now: paid,
            paid,
            largest_now: paid,
            price: PRICE,
            collateral: 0,
            skew_fee: fee,
            skew_rebate: rebate,
            skew_unfunded: 0,
            skew_ledger: 0,
        }
        .data()
    }

    /// Each column sums to the result exactly.
    fn adds_up(s: &Statement) {
        let native: i128 = s.lines.iter().map(|l| l.native).sum();
        assert_eq!(native, s.result.native, "{s:?}");
        let usd: i128 = s.lines.iter().map(|l| micro(l.usd)).sum();
        assert_eq!(usd, micro(s.result.usd), "{s:?}");
    }

    /// A worked example: what the wallet paid itself is exact, what the vault earned is
    /// its share, the income still locked is taken out, and at an unchanged price the
    /// rest is nothing.
    #[test]
    fn every_cost_and_income_has_its_line_and_the_lines_add_up() {
        let (market, me, other) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let history = vec![
            // I deposit 1,000, pay a skew charge of 4 and waited for 2: shares for 996.
            tx(vec![deposited_with(market, me, 1_000, 4, 0, 2)]),
            // Another deposits 3,000 with a rebate of 8: shares for 3,008.
            tx(vec![deposited_with(market, other, 3_000, 0, 8, 0)]),
            // Traders pay 410 of fees, 10 to the insurance fund; 80 of funding to the vault.
            tx(vec![traded(market, 410, 10, 80)]),
            // I withdraw half my shares: 560 paid after an exit charge of 3.
            tx(vec![withdrawn(market, me, 498_000, 560, 3, 0)]),
        ];
        // My fraction when the income came: 996 / 4,004 of the shares.
        let f: f64 = 996.0 / 4_004.0;
        let s = statement(&StatementInputs {
            market,
            owner: me,
            decimals: 0,
            history: &history,
            shares_now: 498_000,
            value_now: 545,
            locked_now: 20,
            price_now: PRICE,
            supply_now: 3_506_000,
        });
        let native = |name| s.line(name).unwrap().native;
        assert_eq!(native(ENTRY_SKEW), -4);
        assert_eq!(native(ENTRY_WAIT), -2);
        assert_eq!(native(EXIT_SKEW), -3);
        assert_eq!(native(FEES), (400.0_f64 * f).round() as i128);
        assert_eq!(native(FUNDING), (80.0_f64 * f).round() as i128);
        assert_eq!(native(LOCKED), -20);
        // Deposited 1,002 (the wait charge bought nothing), withdrew 560, hold 545.
        assert_eq!(s.deposited_tokens, "1002");
        assert_eq!(s.result.native, 545 + 560 - 1_002);
        adds_up(&s);
        // USD at 100: each line's tokens times the price, the total the hedged result.
        assert_eq!(s.line(ENTRY_SKEW).unwrap().usd, -400.0);
        assert_eq!(s.result.usd, s.hedged_result_usd);
    }

    /// Whatever the history, both columns add up to the result to the native unit and
    /// the micro-dollar.
    #[test]
    fn the_columns_add_up_for_any_history() {
        let market = Pubkey::new_unique();
        let people: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..200 {
            let mut history = Vec::new();
            for _ in 0..next(30) + 1 {
                let who = people[next(3) as usize];
                let e = match next(5) {
                    0 => deposited_with(market, who, next(10_000) + 100, next(50), next(50), next(20)),
                    1 => traded(market, next(1_000) + 10, next(10), next(2_000) as i64 - 1_000),
                    2 => socialized(market, next(500)),
                    3 => withdrawn(market, who, next(100_000), next(5_000), next(40), next(40)),
                    _ => deposited(market, who, next(5_000) + 1),
                };
                history.push(tx(vec![e]));
            }
            let s = statement(&StatementInputs {
                market,
                owner: people[0],
                decimals: 6,
                history: &history,
                shares_now: next(1_000_000),
                value_now: next(20_000),
                locked_now: next(300),
                price_now: PRICE / 7 * (next(20) as u128 + 1),
                supply_now: next(10_000_000),
            });
            adds_up(&s);
        }
    }
}
