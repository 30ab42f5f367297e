//! `hedge insurance`: donate to the insurance fund, stake in it, unstake (a request
//! executed after the cooldown: the command waits and executes it unless a keeper
//! has; `--no-wait` returns after the request).

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Result};
use clap::Subcommand;
use hedge_engine::requests::RequestKind;
use hedge_vault::events::InsuranceStaked;
use hedge_vault::state::Stake;
use serde_json::json;

use super::{kv, out, request::follow, sent_line, Output};
use crate::client::Client;
use crate::units::parse_amount;
use crate::{ix, keys, reports};

#[derive(Subcommand, Debug)]
pub enum InsuranceCmd {
    /// Donate to the insurance fund (no shares)
    Deposit { market: Pubkey, amount: String },
    /// Stake for insurance shares
    Stake { market: Pubkey, amount: String },
    /// Unstake SHARES (whole units, or "all"): paid after the cooldown at the lower of
    /// their value now and then
    Unstake {
        market: Pubkey,
        shares: String,
        #[arg(long)]
        no_wait: bool,
    },
    /// The fund and your stake
    Show {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
    /// Your stakes, unstakes and what the fund earned and covered on your stake: the
    /// result line by line, from the market's history
    Statement {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
}

pub async fn run(cmd: InsuranceCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        InsuranceCmd::Deposit { market, amount } => {
            let m = client.market(&market, None).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = Client::ata(&me, &m.state.collateral_mint);
            let sent = client
                .send(&[ix::insurance_deposit(&m.keys, &me, &token, amount)], &[])
                .await?;
            Ok(out(
                json!({"signature": sent.signature}),
                sent_line("Donated to the insurance fund", &sent.signature),
            ))
        }
        InsuranceCmd::Stake { market, amount } => {
            let m = client.market(&market, None).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = Client::ata(&me, &m.state.collateral_mint);
            let seeds = keys::stake_seeds(&m.keys.market, &me);
            let ix = ix::insurance_stake(&m.keys, &me, &token, amount);
            let sent = client.send_creating(ix, seeds).await?;
            let shares = sent
                .events::<InsuranceStaked>()
                .into_iter()
                .next()
                .map(|e| e.shares);
            Ok(out(
                json!({"signature": sent.signature, "shares": shares}),
                sent_line(
                    &format!("Staked for {} shares", shares.unwrap_or_default()),
                    &sent.signature,
                ),
            ))
        }
        InsuranceCmd::Unstake {
            market,
            shares,
            no_wait,
        } => {
            let m = client.market(&market, None).await?;
            super::request::claim_before_request(client, &m, RequestKind::Unstake).await?;
            let stake: Stake = client.chain.anchor(&keys::stake(&market, &me)).await?;
            let n = if shares == "all" {
                stake.shares
            } else {
                shares.parse().map_err(|_| anyhow!("shares are whole units"))?
            };
            let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let seeds = keys::request_seeds(&m.keys.market, &me, RequestKind::Unstake);
            let ix = ix::insurance_request_unstake(&m.keys, &me, &token, n);
            let sent = client.send_creating(ix, seeds).await?;
            follow(client, &m, RequestKind::Unstake, &sent, no_wait, oracle).await
        }
        InsuranceCmd::Show { market, owner } => {
            let r = reports::staker::insurance(client, &market, oracle, &owner.unwrap_or(me)).await?;
            let json = serde_json::to_value(&r)?;
            Ok(out(json.clone(), kv(&json)))
        }
        InsuranceCmd::Statement { market, owner } => {
            let s = reports::staker::for_owner(client, &market, oracle, &owner.unwrap_or(me)).await?;
            Ok(out(serde_json::to_value(&s)?, reports::staker::render(&s)))
        }
    }
}
