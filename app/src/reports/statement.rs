//! `hedge vault statement`: a depositor's account of the vault, replayed from the
//! program's events in the market's transaction history (kept by the event index,
//! `index.rs`).
//!
//! The wallet's shares are followed through its deposits (`VaultDeposited`) and
//! withdrawals (`VaultWithdrawn`); the share supply through everyone's. What a
//! deposit paid while it waited for its hedge (revision 6, `wait_charge` of
//! `VaultDeposited` and `DepositReleased`) counts as deposited: it bought no shares. Each event
//! that moves value into or out of the vault's collateral for a reason other than
//! the hedge itself is attributed to the wallet pro rata to its shares at that
//! moment: funding settled to the vault, the vault's part of trading fees, socialized
//! losses. What remains of the hedged result (the short's price exposure against the
//! tokens, traders' realized P&L, funding accrued but not yet settled, rounding) is
//! reported as one line, so the attribution sums to the result.
//!
//! USD amounts are converted at the price each event carries (the last seen price
//! for events without one) and are for reading; token amounts are exact.

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
    let mut index = crate::index::Index::for_chain(&mut client.chain, market, None).await?;
    index.sync(&mut client.chain).await?;
    for_owner_from(client, &index.history()?, market, oracle, owner).await
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
    let value_now = views::shares_value(&m.state, supply, &p.price, now, wallet + pending)?;
    Ok(statement(&StatementInputs {
        market: *market,
        owner: *owner,
        decimals: m.state.decimals,
        history,
        shares_now: wallet + pending,
        value_now,
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
    /// The oracle price now, 1e18 USD per whole token.
    pub price_now: u128,
    /// The share mint's supply now.
    pub supply_now: u64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Flow {
    pub signature: String,
    pub tokens: String,
    pub shares: String,
    pub price_usd: f64,
    pub usd: f64,
}

/// One attributed line: exact tokens, and USD at the events' prices.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Line {
    pub tokens: String,
    pub usd: f64,
    #[serde(skip)]
    native: f64,
}

#[derive(Debug, Serialize, PartialEq)]
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
    /// The wallet's share of funding settled to the vault.
    pub funding: Line,
    /// The wallet's share of the vault's part of trading fees.
    pub fees: Line,
    /// The wallet's share of bad debt socialized to shareholders (a loss).
    pub socialized: Line,
    /// The rest of the hedged result: the short's price exposure against the tokens,
    /// traders' realized P&L, funding accrued and not yet settled, rounding.
    pub exposure_and_other_usd: f64,
    /// Shares now less those the history accounts for (moved by plain token
    /// transfers, or history the node no longer serves); zero when complete.
    pub shares_unaccounted: String,
    /// Share supply now less the history's; zero when the history is complete.
    pub supply_unaccounted: String,
}

/// The statement, replayed from `i.history`.
pub fn statement(i: &StatementInputs) -> Statement {
    let scale = 10f64.powi(i32::from(i.decimals));
    let usd_of = |native: f64, price: u128| native / scale * price as f64 / 1e18;
    let (mut supply, mut mine) = (0i128, 0i128);
    let mut price = i.price_now;
    let (mut deposits, mut withdrawals) = (Vec::new(), Vec::new());
    let (mut funding, mut fees, mut socialized) = (Line::default(), Line::default(), Line::default());
    let (mut dep_native, mut dep_usd, mut wd_native, mut wd_usd) = (0i128, 0f64, 0i128, 0f64);
    for sent in i.history {
        for payload in &sent.events {
            let fraction = if supply > 0 {
                mine as f64 / supply as f64
            } else {
                0.0
            };
            let attribute = |line: &mut Line, tokens: f64, price: u128| {
                line.native += tokens * fraction;
                line.usd += usd_of(tokens * fraction, price);
            };
            if let Some(e) = decode_event::<VaultDeposited>(payload) {
                if e.market != i.market {
                    continue;
                }
                supply += i128::from(e.shares);
                price = e.price;
                // An execution that only kept the deposit waiting for hedge capacity
                // moved nothing.
                if e.owner == i.owner && (e.amount > 0 || e.shares > 0) {
                    mine += i128::from(e.shares);
                    let usd = usd_of(e.amount as f64, e.price);
                    dep_native += i128::from(e.amount);
                    dep_usd += usd;
                    deposits.push(flow(sent, e.amount, e.shares, e.price, usd, i.decimals));
                }
                // Revision 6: what the request paid while it waited for its hedge is
                // part of what the wallet put in (it bought no shares).
                if e.owner == i.owner && e.wait_charge > 0 {
                    dep_native += i128::from(e.wait_charge);
                    dep_usd += usd_of(e.wait_charge as f64, e.price);
                }
            } else if let Some(e) = decode_event::<DepositReleased>(payload) {
                if e.market == i.market && e.owner == i.owner && e.wait_charge > 0 {
                    dep_native += i128::from(e.wait_charge);
                    dep_usd += usd_of(e.wait_charge as f64, price);
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
    let line = |l: Line| Line {
        tokens: format_amount(l.native.round() as i128, i.decimals),
        usd: round6(l.usd),
        native: l.native,
    };
    let other = hedged - funding.usd - fees.usd - socialized.usd;
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
        funding: line(funding),
        fees: line(fees),
        socialized: line(socialized),
        exposure_and_other_usd: round6(other),
        shares_unaccounted: format_amount(i128::from(i.shares_now) - mine, share_decimals(i.decimals)),
        supply_unaccounted: format_amount(i128::from(i.supply_now) - supply, share_decimals(i.decimals)),
    }
}

fn flow(sent: &Sent, tokens: u64, shares: u64, price: u128, usd: f64, decimals: u8) -> Flow {
    Flow {
        signature: sent.signature.clone(),
        tokens: format_amount(tokens.into(), decimals),
        shares: format_amount(shares.into(), share_decimals(decimals)),
        price_usd: round6(price as f64 / 1e18),
        usd: round6(usd),
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The statement as text.
pub fn render(s: &Statement) -> String {
    let pct = |x: f64| format!("{:+.2}%", x * 100.0);
    let mut t = format!(
        "Vault statement for {}\n\
         Deposited  {} tokens = {:.2} USD in {} deposit(s)\n\
         Withdrawn  {} tokens = {:.2} USD in {} withdrawal(s)\n\
         Holding    {} shares worth {} tokens = {:.2} USD at {:.2}\n\
         Hedged result   {:+.2} USD ({})\n\
         Had you held    {:+.2} USD ({})\n\
         Of the hedged result:\n\
         \x20 funding settled to the vault  {} tokens = {:+.2} USD\n\
         \x20 trading fees to the vault     {} tokens = {:+.2} USD\n\
         \x20 socialized losses             {} tokens = {:+.2} USD\n\
         \x20 price exposure and the rest   {:+.2} USD",
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
        s.funding.tokens,
        s.funding.usd,
        s.fees.tokens,
        s.fees.usd,
        s.socialized.tokens,
        s.socialized.usd,
        s.exposure_and_other_usd,
    );
    if !s.shares_unaccounted.trim_start_matches(['0', '.']).is_empty() {
        t.push_str(&format!(
            "\nnote: {} shares are not explained by the history (transferred, or history the node no longer serves)",
            s.shares_unaccounted
        ));
    }
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
            price_now: PRICE,
            supply_now: 4_000_000,
        });
        assert_eq!(s.deposits.len(), 1);
        assert_eq!(s.deposited_tokens, "1000");
        assert_eq!(s.socialized.tokens, "-100");
        assert_eq!(s.socialized.usd, -10_000.0);
        // 900 tokens now for 1000 deposited, at an unchanged price.
        assert_eq!(s.hedged_result_usd, -10_000.0);
        assert_eq!(s.held_result_usd, 0.0);
        assert_eq!(s.exposure_and_other_usd, 0.0);
        assert_eq!(s.shares_unaccounted, "0.000");
        assert_eq!(s.supply_unaccounted, "0.000");
    }
}
