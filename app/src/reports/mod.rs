//! The reports: what the market, the vault, a position, the pending requests and a
//! wallet's history are, read from the chain and computed once. One layer below the
//! presenters: `hedge ... show`, `statement` and `list` print them (text or `--json`),
//! `hedge serve` draws them on its pages and serves them as its JSON; neither is
//! imported from here, so the same figure has one source and no module imports its
//! own caller.
//!
//! - [`views`]: the report structs and the pure functions that build them from
//!   accounts (market, vault, position).
//! - [`statement`]: a holder's history in the vault, replayed from the program's
//!   events (deposits, withdrawals, what the vault earned and paid on its shares);
//!   [`trader`]: a trader's (fills, fees, funding, liquidations); [`staker`]: the
//!   insurance fund and a staker's stake; each a result line by line, adding up.
//! - below: the loaders, which read the accounts a report needs and call them.

pub mod keeper;
pub mod staker;
pub mod statement;
pub mod trader;
pub mod views;

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_vault::state::Position;
use serde::Serialize;

use crate::client::Client;
use crate::keys;
use crate::requests::{self, kind_name};
use crate::units::{format_amount, share_decimals};

/// The market's history from its event index, brought up to date (on a cluster only
/// what is new since the last call is fetched): what the statements replay.
pub async fn history(client: &mut Client, market: &Pubkey) -> Result<Vec<crate::chain::Sent>> {
    let mut index = crate::index::Index::for_chain(&mut client.chain, market, None).await?;
    index.sync(&mut client.chain).await?;
    Ok(index.history()?.to_vec())
}

/// `hedge market show`'s report.
pub async fn market(
    client: &mut Client,
    market: &Pubkey,
    oracle: Option<Pubkey>,
) -> Result<views::MarketReport> {
    let m = client.market(market, oracle).await?;
    let p = client.price(&m).await?;
    Ok(views::market_report(
        market,
        &m.state,
        &m.keys.oracle,
        &p.price,
        p.age,
    ))
}

/// `hedge vault show`'s report for `owner` (`Pubkey::default()`: the vault alone).
pub async fn vault(
    client: &mut Client,
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<views::VaultReport> {
    let m = client.market(market, oracle).await?;
    let p = client.price(&m).await?;
    let supply = client.mint_supply(&m.keys.share_mint).await?;
    let (user_shares, pending) = statement::holder_shares(client, market, &m.keys.share_mint, owner).await?;
    let now = client.chain.unix_time().await?;
    views::vault_report(&views::VaultInputs {
        market: &m.state,
        key: market,
        supply,
        price: &p.price,
        now,
        user_shares,
        pending,
    })
}

/// `hedge position show`'s report of `owner`'s position, if they have one.
pub async fn position(
    client: &mut Client,
    market: &Pubkey,
    oracle: Option<Pubkey>,
    owner: &Pubkey,
) -> Result<Option<views::PositionReport>> {
    let key = keys::position(market, owner);
    let Some(pos) = client.chain.anchor_opt::<Position>(&key).await? else {
        return Ok(None);
    };
    let m = client.market(market, oracle).await?;
    let p = client.price(&m).await?;
    let now = client.chain.unix_time().await?;
    Ok(Some(views::position_report(
        &key,
        owner,
        &pos.engine(),
        &m.state,
        &p.price,
        now,
    )?))
}

/// `hedge request list`'s report: the pending requests and the claims held.
#[derive(Debug, Serialize)]
pub struct RequestsReport {
    pub requests: Vec<RequestRow>,
    pub claims: Vec<ClaimRow>,
}

/// A pending request, and the `hedge` command that acts on it now.
#[derive(Debug, Serialize)]
pub struct RequestRow {
    pub request: String,
    pub owner: String,
    /// deposit, withdraw, trade, margin-withdraw or unstake.
    pub kind: &'static str,
    pub due_time: i64,
    pub due_in_seconds: i64,
    /// due, waiting, or waiting for hedge capacity.
    pub state: &'static str,
    /// Native units (tokens or shares, by kind).
    pub amount: u64,
    pub delta_base: i64,
    pub command: String,
}

/// What a request account holds for its owner (a payment an execution could not
/// push to the account named at request).
#[derive(Debug, Serialize)]
pub struct ClaimRow {
    pub request: String,
    pub kind: &'static str,
    pub tokens: String,
    pub shares: String,
    pub command: String,
}

/// The pending requests of `market` (only `owner`'s, or everyone's for `None`) and the
/// claims held for `claimant`, each with the `hedge` command that acts on it.
pub async fn requests(
    client: &mut Client,
    market: &Pubkey,
    owner: Option<Pubkey>,
    claimant: &Pubkey,
) -> Result<RequestsReport> {
    let m = client.market(market, None).await?;
    let now = client.chain.unix_time().await?;
    let d = m.state.decimals;
    let rows = requests::pending(client, market)
        .await?
        .into_iter()
        .filter(|p| owner.is_none_or(|o| p.request.owner == o))
        .map(|p| {
            let kind = p.kind().map(kind_name).unwrap_or("?");
            let (state, command) = if requests::executable(&p, now) {
                (
                    "due",
                    format!(
                        "hedge request execute {market} {kind} --owner {}",
                        p.request.owner
                    ),
                )
            } else if p.request.is_waiting() {
                (
                    "waiting for hedge capacity",
                    format!("hedge request cancel {market} {kind}"),
                )
            } else {
                ("waiting", format!("hedge request cancel {market} {kind}"))
            };
            RequestRow {
                request: p.key.to_string(),
                owner: p.request.owner.to_string(),
                kind,
                due_time: p.request.due_time,
                due_in_seconds: (p.request.due_time - now).max(0),
                state,
                amount: p.request.amount,
                delta_base: p.request.delta_base,
                command,
            }
        })
        .collect();
    let claims = requests::claims(client, market, claimant)
        .await?
        .into_iter()
        .filter(|c| c.request.has_claim())
        .map(|c| {
            let kind = c.kind().map(kind_name).unwrap_or("?");
            ClaimRow {
                request: c.key.to_string(),
                kind,
                tokens: format_amount(c.request.claim_tokens.into(), d),
                shares: format_amount(c.request.claim_shares.into(), share_decimals(d)),
                command: format!("hedge request claim {market} {kind}"),
            }
        })
        .collect();
    Ok(RequestsReport {
        requests: rows,
        claims,
    })
}
