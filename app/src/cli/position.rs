//! `hedge position`: a leveraged position against the vault. Trades and margin
//! withdrawals are requests executed at the price of their due time: the command sends
//! the request, waits for the due time and executes it unless a keeper already has
//! (`--no-wait` returns after the request).

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Subcommand;
use hedge_engine::requests::RequestKind;
use hedge_vault::events::PositionClosed;
use serde_json::json;

use super::{kv, out, request::follow, sent_line, Output};
use crate::client::Client;
use crate::reports;
use crate::units::{format_amount, parse_amount, parse_price, parse_signed_amount};
use crate::{ix, keys};

#[derive(Subcommand, Debug)]
pub enum PositionCmd {
    /// Open your position account in a market
    Open { market: Pubkey },
    /// Deposit margin
    Deposit { market: Pubkey, amount: String },
    /// Withdraw free margin (at most min(margin, equity - initial margin) at the price
    /// of the due time)
    Withdraw {
        market: Pubkey,
        amount: String,
        #[arg(long)]
        no_wait: bool,
    },
    /// Trade a signed size in tokens (positive buys, negative sells)
    Trade {
        market: Pubkey,
        #[arg(allow_hyphen_values = true)]
        delta: String,
        /// Worst acceptable price in USD, the skew potential's charge per token
        /// included; "none" for none [default: the price now moved 1% against you and
        /// the skew charge quoted now, so nobody who moves the market before it
        /// executes makes it pay more]
        #[arg(long)]
        limit: Option<String>,
        #[arg(long)]
        no_wait: bool,
    },
    /// Close an empty position and get its margin and rent back
    Close { market: Pubkey },
    /// Equity, margin ratio and liquidation price
    Show {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
    /// Your fills, fees, funding and liquidations, and the result line by line, from
    /// the market's history
    Statement {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
}

/// The limit an order gets unless it names one: the price now moved 1% against the
/// trader, and the skew potential's fee quoted on the market now (PROTOCOL section 4,
/// revision 5: a limit bounds the price with the skew charge included).
async fn default_limit(client: &mut Client, m: &crate::client::LoadedMarket, delta: i64) -> Result<u128> {
    use hedge_engine::skew::{SkewCause, SkewPoint};
    let p = client.price(m).await?.price;
    let st = m.state.state()?;
    let after = SkewPoint {
        net_base: st.aggregates.net_base + i128::from(delta),
        ..st.skew_point()
    };
    let q = st.skew_quote(after, SkewCause::Increase).unwrap_or_default();
    let moved = if delta > 0 {
        p.price / 100 * 101
    } else {
        p.price / 100 * 99
    };
    // A rebate quoted now is not counted on: someone may close the gap first.
    Ok(hedge_engine::position::effective_fill_price(delta, moved, q.paid, 0, p.price).unwrap_or(0))
}

pub async fn run(cmd: PositionCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        PositionCmd::Open { market } => {
            let m = client.market(&market, None).await?;
            let seeds = keys::position_seeds(&m.keys.market, &me);
            let sent = client
                .send_creating(ix::position_open(&m.keys, &me), seeds)
                .await?;
            let pos = keys::position(&market, &me);
            Ok(out(
                json!({"signature": sent.signature, "position": pos.to_string()}),
                sent_line(&format!("Opened position {pos}"), &sent.signature),
            ))
        }
        PositionCmd::Deposit { market, amount } => {
            let m = client.market(&market, None).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = Client::ata(&me, &m.state.collateral_mint);
            let sent = client
                .send(&[ix::position_deposit(&m.keys, &me, &token, amount)], &[])
                .await?;
            Ok(out(
                json!({"signature": sent.signature, "amount": format_amount(amount.into(), m.state.decimals)}),
                sent_line("Deposited margin", &sent.signature),
            ))
        }
        PositionCmd::Withdraw {
            market,
            amount,
            no_wait,
        } => {
            let m = client.market(&market, None).await?;
            super::request::claim_before_request(client, &m, RequestKind::MarginWithdraw).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let seeds = keys::request_seeds(&m.keys.market, &me, RequestKind::MarginWithdraw);
            let ix = ix::position_request_withdraw(&m.keys, &me, &token, amount);
            let sent = client.send_creating(ix, seeds).await?;
            follow(client, &m, RequestKind::MarginWithdraw, &sent, no_wait, oracle).await
        }
        PositionCmd::Trade {
            market,
            delta,
            limit,
            no_wait,
        } => {
            let m = client.market(&market, None).await?;
            super::request::claim_before_request(client, &m, RequestKind::Trade).await?;
            let delta = parse_signed_amount(&delta, m.state.decimals)?;
            let limit = match limit.as_deref() {
                Some("none") => 0,
                Some(l) => parse_price(l)?,
                None => default_limit(client, &m, delta).await?,
            };
            let seeds = keys::request_seeds(&m.keys.market, &me, RequestKind::Trade);
            let ix = ix::position_request_trade(&m.keys, &me, delta, limit);
            let sent = client.send_creating(ix, seeds).await?;
            follow(client, &m, RequestKind::Trade, &sent, no_wait, oracle).await
        }
        PositionCmd::Close { market } => {
            let m = client.market(&market, None).await?;
            let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let sent = client
                .send(&[ix::position_close(&m.keys, &me, &token)], &[])
                .await?;
            let returned = sent
                .events::<PositionClosed>()
                .into_iter()
                .next()
                .map(|e| e.returned);
            Ok(out(
                json!({"signature": sent.signature, "returned": returned.map(|r| format_amount(r.into(), m.state.decimals))}),
                sent_line("Closed position", &sent.signature),
            ))
        }
        PositionCmd::Show { market, owner } => {
            let owner = owner.unwrap_or(me);
            let key = keys::position(&market, &owner);
            let r = reports::position(client, &market, oracle, &owner)
                .await?
                .ok_or_else(|| anyhow::anyhow!("account {key} does not exist"))?;
            let json = serde_json::to_value(&r)?;
            Ok(out(json.clone(), kv(&json)))
        }
        PositionCmd::Statement { market, owner } => {
            let s = reports::trader::for_owner(client, &market, oracle, &owner.unwrap_or(me)).await?;
            Ok(out(serde_json::to_value(&s)?, reports::trader::render(&s)))
        }
    }
}
