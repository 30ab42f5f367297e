//! `hedge request`: list, execute and cancel pending requests, and take claims
//! (payments an execution held because the account named at request could not take
//! them); and what the other commands use after sending a request: wait for its due
//! time, execute it unless a keeper has, and say what became of it.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Result};
use clap::Subcommand;
use hedge_engine::requests::RequestKind;
use hedge_vault::events::*;
use serde_json::{json, Value};

use super::{out, Output};
use crate::chain::Sent;
use crate::client::{Client, LoadedMarket};
use crate::reports;
use crate::requests::{self, kind_name, Settled};
use crate::units::{format_amount, format_price, share_decimals};

#[derive(Subcommand, Debug)]
pub enum RequestCmd {
    /// Pending requests of a market (yours, or everyone's with --all), and your claims
    List {
        market: Pubkey,
        #[arg(long)]
        all: bool,
    },
    /// Execute a due request (anyone may; you are paid its execution fee)
    Execute {
        market: Pubkey,
        /// deposit, withdraw, trade, margin-withdraw or unstake
        kind: String,
        /// Whose request [default: yours]
        #[arg(long)]
        owner: Option<Pubkey>,
    },
    /// Cancel one of your requests before its due time (after it, a request can only
    /// be executed)
    Cancel { market: Pubkey, kind: String },
    /// Take what your request accounts hold for you (payments an execution could not
    /// push to the account you had named), into your associated token accounts
    Claim {
        market: Pubkey,
        /// Only this kind's account [default: every one that holds something]
        kind: Option<String>,
    },
}

pub fn parse_kind(s: &str) -> Result<RequestKind> {
    Ok(match s {
        "deposit" => RequestKind::Deposit,
        "withdraw" => RequestKind::Withdraw,
        "trade" => RequestKind::Trade,
        "margin-withdraw" => RequestKind::MarginWithdraw,
        "unstake" => RequestKind::Unstake,
        other => {
            return Err(anyhow!(
                "unknown request kind {other}: deposit, withdraw, trade, margin-withdraw or unstake"
            ))
        }
    })
}

/// A refusal's error name and message, from its code.
fn refusal(code: u32) -> (String, String) {
    crate::errors::program_errors()
        .get(&code)
        .cloned()
        .unwrap_or_else(|| (format!("error {code}"), String::new()))
}

/// What a request's execution did, as data and as a sentence.
pub fn describe(sent: &Sent, decimals: u8) -> (Value, String) {
    let d = decimals;
    let (mut json, text) = describe_execution(sent, d);
    if let Some(h) = sent.events::<PaymentHeld>().into_iter().next() {
        json["held_for_claim"] = json!({"tokens": format_amount(h.tokens.into(), d), "shares": format_amount(h.shares.into(), share_decimals(d))});
        let text = format!(
            "{text}\nThe account named at request could not take the payment: {} tokens and {} shares are held \
             for you (`hedge request claim`)",
            format_amount(h.tokens.into(), d),
            format_amount(h.shares.into(), share_decimals(d))
        );
        return (json, text);
    }
    (json, text)
}

fn describe_execution(sent: &Sent, d: u8) -> (Value, String) {
    let sig = &sent.signature;
    if let Some(c) = sent.events::<RequestCancelled>().into_iter().next() {
        let (name, msg) = refusal(c.error);
        let largest = (c.largest_allowed > 0).then(|| format_amount(c.largest_allowed.into(), d));
        let text = format!(
            "Refused at the price of its due time: {name} ({msg}){}; the request was cancelled and \
             everything returned\nSignature: {sig}",
            largest
                .as_ref()
                .map(|l| format!("; the largest amount allowed was {l}"))
                .unwrap_or_default()
        );
        return (
            json!({"signature": sig, "executed": false, "refused": name, "largest_allowed": largest}),
            text,
        );
    }
    if let Some(e) = sent.events::<VaultDeposited>().into_iter().next() {
        let waiting = if e.waiting > 0 {
            format!(
                "; {} tokens wait in escrow for hedge capacity (the insurance fund covers no \
                 more hedge now), due again after the withdrawal delay, cancellable before it",
                format_amount(e.waiting.into(), d)
            )
        } else {
            String::new()
        };
        return (
            json!({"signature": sig, "executed": true, "amount": format_amount(e.amount.into(), d), "shares": format_amount(e.shares.into(), share_decimals(d)), "waiting": format_amount(e.waiting.into(), d), "price": format_price(e.price, 6)}),
            format!(
                "Deposited {} tokens for {} shares at {} USD{waiting}\nSignature: {sig}",
                format_amount(e.amount.into(), d),
                format_amount(e.shares.into(), share_decimals(d)),
                format_price(e.price, 6)
            ),
        );
    }
    if let Some(e) = sent.events::<VaultWithdrawn>().into_iter().next() {
        let queued = if e.shares_remaining > 0 {
            format!(
                "; {} shares stay queued (the largest amount that could leave was {})",
                format_amount(e.shares_remaining.into(), share_decimals(d)),
                format_amount(e.largest_now.into(), d)
            )
        } else {
            String::new()
        };
        return (
            json!({"signature": sig, "executed": true, "paid": format_amount(e.paid.into(), d), "shares_burned": format_amount(e.shares.into(), share_decimals(d)), "shares_remaining": format_amount(e.shares_remaining.into(), share_decimals(d)), "largest_now": format_amount(e.largest_now.into(), d), "price": format_price(e.price, 6)}),
            format!(
                "Withdrew {} tokens for {} shares at {} USD{queued}\nSignature: {sig}",
                format_amount(e.paid.into(), d),
                format_amount(e.shares.into(), share_decimals(d)),
                format_price(e.price, 6)
            ),
        );
    }
    if let Some(e) = sent.events::<PositionTraded>().into_iter().next() {
        return (
            json!({"signature": sig, "executed": true, "base_after": format_amount(e.base_after.into(), d), "fill_price": format_price(e.fill_price, 6), "fee": format_amount(e.fee.into(), d), "impact_fee": format_amount(e.impact_fee.into(), d), "realized_pnl": format_amount(e.realized_pnl.into(), d), "reducing": e.reducing}),
            format!(
                "Filled {} at {} USD, fee {} (impact {}), realized {}; position now {}\nSignature: {sig}",
                format_amount(e.delta_base.into(), d),
                format_price(e.fill_price, 6),
                format_amount(e.fee.into(), d),
                format_amount(e.impact_fee.into(), d),
                format_amount(e.realized_pnl.into(), d),
                format_amount(e.base_after.into(), d),
            ),
        );
    }
    if let Some(e) = sent.events::<MarginWithdrawn>().into_iter().next() {
        return (
            json!({"signature": sig, "executed": true, "amount": format_amount(e.amount.into(), d), "margin_after": format_amount(e.margin.into(), d)}),
            format!(
                "Withdrew {} tokens of margin; margin now {}\nSignature: {sig}",
                format_amount(e.amount.into(), d),
                format_amount(e.margin.into(), d)
            ),
        );
    }
    if let Some(e) = sent.events::<InsuranceUnstaked>().into_iter().next() {
        return (
            json!({"signature": sig, "executed": true, "paid": format_amount(e.paid.into(), d), "shares": e.shares}),
            format!(
                "Unstaked {} shares for {} tokens\nSignature: {sig}",
                e.shares,
                format_amount(e.paid.into(), d)
            ),
        );
    }
    (json!({"signature": sig}), format!("Executed\nSignature: {sig}"))
}

/// After a request was sent: unless `no_wait`, waits for its due time and executes it
/// (unless a keeper did). Returns the combined output.
pub async fn follow(
    client: &mut Client,
    m: &LoadedMarket,
    kind: RequestKind,
    requested: &Sent,
    no_wait: bool,
    oracle: Option<Pubkey>,
) -> Result<Output> {
    let ev = requested
        .events::<RequestCreated>()
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("the request's event is missing"))?;
    let name = kind_name(kind);
    let head = format!(
        "Requested {name}, due at {} (execution fee {} lamports)\nSignature: {}",
        ev.due_time, ev.execution_fee, requested.signature
    );
    let req_json =
        json!({"signature": requested.signature, "request": ev.request.to_string(), "due_time": ev.due_time});
    if no_wait {
        return Ok(out(json!({"request": req_json}), head));
    }
    let me = client.pubkey();
    // The oracle override is for the execution only; the request used the pinned one.
    match requests::wait_and_execute(client, &m.keys.market, &me, kind, oracle).await? {
        Settled::Executed(sent) => {
            let (j, t) = describe(&sent, m.state.decimals);
            Ok(out(json!({"request": req_json, "execution": j}), format!("{head}\n{t}")))
        }
        Settled::ByOthers => Ok(out(
            json!({"request": req_json, "execution": "by a keeper"}),
            format!("{head}\nExecuted (or cancelled) by a keeper before you: see `hedge request list` and your balances"),
        )),
    }
}

pub async fn run(cmd: RequestCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        RequestCmd::List { market, all } => list(client, &market, (!all).then_some(me), &me).await,
        RequestCmd::Execute { market, kind, owner } => {
            let kind = parse_kind(&kind)?;
            let owner = owner.unwrap_or(me);
            let m = client.market(&market, None).await?;
            let p = requests::find(client, &market, &owner, kind)
                .await?
                .ok_or_else(|| anyhow!("no pending {} request of {owner}", kind_name(kind)))?;
            let sent = requests::execute(client, &m, &p, oracle).await?;
            let (j, t) = describe(&sent, m.state.decimals);
            Ok(out(j, t))
        }
        RequestCmd::Cancel { market, kind } => {
            let kind = parse_kind(&kind)?;
            let m = client.market(&market, oracle).await?;
            let p = requests::find(client, &market, &me, kind)
                .await?
                .ok_or_else(|| anyhow!("no pending {} request of {me}", kind_name(kind)))?;
            let now = client.chain.unix_time().await?;
            if !requests::cancellable(&p, now) {
                return Err(anyhow!(
                    "the {} request was due at {}: from its due time on a request can only be executed \
                     (`hedge request execute {market} {}`)",
                    kind_name(kind),
                    p.request.due_time,
                    kind_name(kind)
                ));
            }
            client.ensure_ata(&me, &m.state.collateral_mint).await?;
            client.ensure_ata(&me, &m.keys.share_mint).await?;
            let ix = requests::cancel_ix(&m, &p)?;
            let sent = client.send(&[ix], &[]).await?;
            Ok(out(
                json!({"signature": sent.signature}),
                format!(
                    "Cancelled; everything went back to you\nSignature: {}",
                    sent.signature
                ),
            ))
        }
        RequestCmd::Claim { market, kind } => {
            let only = kind.as_deref().map(parse_kind).transpose()?;
            let m = client.market(&market, oracle).await?;
            let claimed = claim_all(client, &m, only).await?;
            if claimed.is_empty() {
                return Ok(out(json!([]), "nothing held for you".to_string()));
            }
            let d = m.state.decimals;
            let text = claimed
                .iter()
                .map(|(k, e, sig)| {
                    format!(
                        "Claimed {} tokens and {} shares from your {} request account\nSignature: {sig}",
                        format_amount(e.tokens.into(), d),
                        format_amount(e.shares.into(), share_decimals(d)),
                        kind_name(*k)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            let j: Vec<Value> = claimed
                .iter()
                .map(|(k, e, sig)| json!({"kind": kind_name(*k), "tokens": e.tokens, "shares": e.shares, "signature": sig}))
                .collect();
            Ok(out(json!(j), text))
        }
    }
}

/// Claims everything the wallet's request accounts in `m` hold (of kind `only`, if
/// given) into its associated token accounts, created when missing. Returns what each
/// claim paid.
pub async fn claim_all(
    client: &mut Client,
    m: &LoadedMarket,
    only: Option<RequestKind>,
) -> Result<Vec<(RequestKind, PaymentClaimed, String)>> {
    let me = client.pubkey();
    let mut done = Vec::new();
    for c in requests::claims(client, &m.keys.market, &me).await? {
        let kind = c.kind()?;
        if only.is_some_and(|k| k != kind) {
            continue;
        }
        if c.request.claim_tokens > 0 {
            client.ensure_ata(&me, &m.state.collateral_mint).await?;
        }
        if c.request.claim_shares > 0 {
            client.ensure_ata(&me, &m.keys.share_mint).await?;
        }
        let ix = requests::claim_ix(m, &c)?;
        let sent = client.send(&[ix], &[]).await?;
        if let Some(e) = sent.events::<PaymentClaimed>().into_iter().next() {
            done.push((kind, e, sent.signature.clone()));
        }
    }
    Ok(done)
}

/// Before a new request of `kind`: its account must hold no unclaimed payment (the
/// program refuses with `ClaimPending`), so anything held is claimed first.
pub async fn claim_before_request(client: &mut Client, m: &LoadedMarket, kind: RequestKind) -> Result<()> {
    claim_all(client, m, Some(kind)).await.map(|_| ())
}

/// `hedge request list`: [`reports::requests`] and a line per request and claim.
pub async fn list(
    client: &mut Client,
    market: &Pubkey,
    owner: Option<Pubkey>,
    claimant: &Pubkey,
) -> Result<Output> {
    let r = reports::requests(client, market, owner, claimant).await?;
    let mut lines: Vec<String> = r
        .requests
        .iter()
        .map(|q| {
            format!(
                "{} {} {} due {} ({}): `{}`",
                q.request, q.kind, q.owner, q.due_time, q.state, q.command
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push("no pending requests".to_string());
    }
    for c in &r.claims {
        lines.push(format!(
            "claim {} ({}): {} tokens, {} shares held for you: `{}`",
            c.request, c.kind, c.tokens, c.shares, c.command
        ));
    }
    Ok(out(serde_json::to_value(&r)?, lines.join("\n")))
}
