//! `hedge crank` and `hedge keeper run`: the permissionless work (funding, due
//! requests, liquidations, deleveraging), one pass at a time or in a loop.

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Result};
use clap::Subcommand;
use serde_json::json;

use super::{out, sent_line, Output};
use crate::client::Client;
use crate::keeper::{self, ChainVenue, PassConfig};
use crate::units::format_amount;

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
    /// What is due now (funding, requests, liquidations) and what every keeper earned
    Status { market: Pubkey },
    /// Loop: due requests, funding, liquidations, deleveraging; one JSON log line per pass
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

/// One pass of the keeper with the steps of `cfg`, as the client's wallet.
async fn pass(
    client: &mut Client,
    market: Pubkey,
    oracle: Option<Pubkey>,
    cfg: PassConfig,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<keeper::Pass> {
    let mut venue = ChainVenue::new(client, market, oracle);
    keeper::run(&mut venue, &cfg, progress).await
}

pub async fn crank(cmd: CrankCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    match cmd {
        CrankCmd::Funding { market } => {
            let cfg = PassConfig {
                funding: true,
                ..PassConfig::none()
            };
            let p = pass(client, market, oracle, cfg, None).await?;
            if let Some(e) = p.funding_error {
                bail!("funding crank refused: {e}");
            }
            let f = p.funding.unwrap_or_default();
            Ok(out(
                json!({"signature": f.signature, "rate_per_day": f.rate.map(|r| r as f64 / 1e12), "charged_seconds": f.charged_seconds}),
                sent_line("Funding accrued", &f.signature),
            ))
        }
        CrankCmd::Liquidate { market, batch } => {
            let cfg = PassConfig {
                liquidations: true,
                batch,
                ..PassConfig::none()
            };
            let decimals = client.market(&market, oracle).await?.state.decimals;
            let pb = indicatif::ProgressBar::new(0);
            pb.set_style(
                indicatif::ProgressStyle::with_template("liquidating {bar:30} {pos}/{len} positions")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let p = pass(client, market, oracle, cfg, Some(&pb)).await?;
            pb.finish_and_clear();
            let s = &p.liquidations;
            let text = format!(
                "Scanned {} positions: {} liquidatable, {} liquidated in {} transaction(s), {} failed; rewards {} tokens",
                s.scanned,
                s.eligible,
                s.liquidated,
                s.transactions,
                s.failed.len(),
                format_amount(s.liquidator_rewards.into(), decimals)
            );
            Ok(out(serde_json::to_value(s)?, text))
        }
        CrankCmd::Requests { market } => {
            let cfg = PassConfig {
                requests: true,
                ..PassConfig::none()
            };
            let p = pass(client, market, oracle, cfg, None).await?;
            let s = &p.requests;
            let text = format!(
                "{} pending: {} executed, {} refused at execution, {} with a payment held for its owner's claim, {} failed",
                s.pending,
                s.executed,
                s.refused,
                s.held,
                s.failed.len()
            );
            Ok(out(serde_json::to_value(s)?, text))
        }
    }
}

pub async fn keeper(cmd: KeeperCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    match cmd {
        KeeperCmd::Status { market } => {
            let history = crate::reports::history(client, &market).await?;
            let r = crate::reports::keeper::report(client, &history, &market).await?;
            let text = format!(
                "Funding: last accrual {} s ago, {} s before time goes uncharged\n\
                 Requests: {} due now, {} waiting{}\n\
                 Liquidatable now: {}\n\
                 Earned by {} keeper(s): {} executions, {} refusals, {} SOL in fees; {} liquidations, {} tokens in rewards",
                r.funding.seconds_since,
                r.funding.due_in_seconds,
                r.requests_due.len(),
                r.requests_waiting,
                r.next_due_in_seconds.map_or(String::new(), |s| format!(" (next due in {s} s)")),
                r.liquidatable.len(),
                r.keepers.len(),
                r.total.executions,
                r.total.refusals,
                r.total.fees_sol,
                r.total.liquidations,
                r.total.liquidation_rewards,
            );
            Ok(out(serde_json::to_value(&r)?, text))
        }
        KeeperCmd::Run {
            market,
            interval,
            iterations,
            batch,
        } => {
            let mut n = 0u64;
            let mut last;
            loop {
                let line = match pass(client, market, oracle, PassConfig::full(batch), None).await {
                    Ok(p) => serde_json::to_value(&p)?,
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
