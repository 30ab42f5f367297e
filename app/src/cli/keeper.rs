//! `hedge crank` and `hedge keeper run`: the permissionless work (funding, due
//! requests, liquidations, deleveraging), one pass at a time or in a loop.

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Subcommand;
use hedge_vault::events::FundingUpdated;
use serde_json::json;

use super::{out, sent_line, Output};
use crate::client::Client;
use crate::units::format_amount;
use crate::{ix, keeper};

#[derive(Subcommand, Debug)]
pub enum CrankCmd {
    /// Accrue funding to now
    Funding { market: Pubkey },
    /// Find every liquidatable position and liquidate them in batches
    Liquidate {
        market: Pubkey,
        /// Liquidations per transaction
        #[arg(long, default_value_t = keeper::DEFAULT_BATCH)]
        batch: usize,
    },
    /// Execute every due request, and cancel those whose window has passed
    Requests { market: Pubkey },
}

#[derive(Subcommand, Debug)]
pub enum KeeperCmd {
    /// Loop: funding, due requests, liquidation scan, deleveraging; one JSON log line per pass
    Run {
        market: Pubkey,
        /// Seconds between passes
        #[arg(long, default_value_t = 10)]
        interval: u64,
        /// Stop after this many passes [default: run forever]
        #[arg(long)]
        iterations: Option<u64>,
        #[arg(long, default_value_t = keeper::DEFAULT_BATCH)]
        batch: usize,
    },
}

pub async fn crank(cmd: CrankCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        CrankCmd::Funding { market } => {
            let m = client.market(&market, oracle).await?;
            let sent = client.send(&[ix::market_update_funding(&m.keys)], &[]).await?;
            let ev = sent.events::<FundingUpdated>().into_iter().next();
            let rate = ev.as_ref().map(|e| e.rate);
            Ok(out(
                json!({"signature": sent.signature, "rate_per_day": rate.map(|r| r as f64 / 1e12), "charged_seconds": ev.as_ref().map(|e| e.charged_seconds)}),
                sent_line("Funding accrued", &sent.signature),
            ))
        }
        CrankCmd::Liquidate { market, batch } => {
            let m = client.market(&market, oracle).await?;
            let price = client.price(&m).await?;
            let now = client.chain.unix_time().await?;
            let positions = keeper::scan(client, &market).await?;
            let targets = keeper::liquidatable(&positions, &m.state, &price.price, now)?;
            let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let pb = indicatif::ProgressBar::new(targets.len() as u64);
            pb.set_style(
                indicatif::ProgressStyle::with_template("liquidating {bar:30} {pos}/{len} positions")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let mut s = keeper::liquidate(client, &m, &token, &targets, batch, Some(&pb)).await?;
            pb.finish_and_clear();
            s.scanned = positions.len();
            let text = format!(
                "Scanned {} positions: {} liquidatable, {} liquidated in {} transaction(s), {} failed; rewards {} tokens",
                s.scanned,
                s.eligible,
                s.liquidated,
                s.transactions,
                s.failed.len(),
                format_amount(s.liquidator_rewards.into(), m.state.decimals)
            );
            Ok(out(serde_json::to_value(&s)?, text))
        }
        CrankCmd::Requests { market } => {
            let m = client.market(&market, oracle).await?;
            let now = client.chain.unix_time().await?;
            let s = keeper::execute_due(client, &m, now).await?;
            let text = format!(
                "{} pending: {} executed, {} refused at execution, {} expired and cancelled, {} failed",
                s.pending,
                s.executed,
                s.refused,
                s.expired,
                s.failed.len()
            );
            Ok(out(serde_json::to_value(&s)?, text))
        }
    }
}

pub async fn keeper(cmd: KeeperCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    match cmd {
        KeeperCmd::Run {
            market,
            interval,
            iterations,
            batch,
        } => {
            let mut n = 0u64;
            let mut last;
            loop {
                let line = match keeper::tick(client, &market, oracle, batch).await {
                    Ok(t) => serde_json::to_value(&t)?,
                    Err(e) => json!({"error": e.to_string()}),
                };
                println!("{}", serde_json::to_string(&line)?);
                last = line;
                n += 1;
                if iterations.is_some_and(|max| n >= max) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_secs(interval)).await;
            }
            Ok(out(
                json!({"passes": n, "last": last}),
                format!("keeper stopped after {n} pass(es)"),
            ))
        }
    }
}
