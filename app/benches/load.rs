//! Load: a market with many positions on the embedded chain, and the keeper coping
//! with it (docs/PERFORMANCE.md, "Load"). A 120,000-token vault at 2,000 USD; the
//! creator holds a 40,000-token long; every other position is opened by its own wallet
//! through the program (SOL and tokens from the creator, `position_open`,
//! `position_deposit` and `position_request_trade` in one transaction) and its order
//! executed by the keeper's pass at the price of its due time. Then the price falls
//! 10% and the keeper's pass scans every position and liquidates every underwater one.
//!
//!     cargo bench -p hedge-cli --bench load                      # 100,000 positions
//!     cargo bench -p hedge-cli --bench load -- --positions 1000  # quicker
//!
//! Measured: position creation and order execution throughput, the funding crank's
//! cost at 10, 1,000 and every position (its accounts do not grow with the market),
//! the keeper's scan and liquidation time, that the positions liquidated are exactly
//! the underwater ones (and none is left), and the engine's liquidation check per
//! second natively.

use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, ensure, Result};
use hedge_client::backtest::{population, replay};
use hedge_client::chain::Chain;
use hedge_client::client::Client;
use hedge_client::ix;
use hedge_client::keeper::{self, ChainVenue, PassConfig};
use hedge_client::keys::MarketKeys;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const USD: f64 = 2_000.0;

struct Bench {
    client: Client,
    keys: MarketKeys,
    oracle: Pubkey,
    now: i64,
}

impl Bench {
    async fn publish(&mut self, usd: f64) -> Result<()> {
        replay::publish(&mut self.client, &self.oracle, self.now, usd).await
    }

    async fn pass(&mut self, cfg: &PassConfig) -> Result<keeper::Pass> {
        let mut venue = ChainVenue::new(&mut self.client, self.keys.market, None);
        keeper::run(&mut venue, cfg, None).await
    }

    /// `delay` seconds later, the keeper's pass executes the requests due.
    async fn execute_due(&mut self, delay: u32) -> Result<keeper::Pass> {
        self.now += i64::from(delay);
        self.publish(USD).await?;
        self.pass(&PassConfig {
            requests: true,
            ..PassConfig::none()
        })
        .await
    }

    /// One funding crank a minute later: wall time and the bank's CU.
    async fn crank(&mut self) -> Result<(f64, u64, usize)> {
        self.now += 60;
        self.publish(USD).await?;
        let ixn = ix::market_update_funding(&self.keys);
        let accounts = ixn.accounts.len();
        let t = Instant::now();
        let sent = self.client.send(&[ixn], &[]).await?;
        Ok((
            t.elapsed().as_secs_f64() * 1e3,
            sent.compute_units.unwrap_or(0),
            accounts,
        ))
    }
}

/// Trader `i`: one in ten an 8x long (underwater after a 10% fall), the others 2x,
/// seven in ten long; 2 tokens of notional each.
fn trader(i: u64) -> (i64, u64, bool) {
    let size = 2 * ONE as i64;
    let risky = i.is_multiple_of(10);
    let long = risky || i % 10 < 7;
    let margin = if risky { 2 * ONE / 8 } else { ONE };
    (if long { size } else { -size }, margin, risky)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let table = hedge_client::chain::quiet_program_output(run()).await?;
    print!("{table}");
    Ok(())
}

async fn run() -> Result<String> {
    use std::fmt::Write;
    let mut n: u64 = 100_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--positions" => n = args.next().and_then(|v| v.parse().ok()).unwrap_or(n),
            "--bench" => {}
            other => bail!("unknown argument {other} (want --positions N)"),
        }
    }

    // The market and its vault: the defaults, with the skew scale at the vault's size
    // (the default's 1,000 tokens suit the backtests' 1,000-token vault) and a seed
    // stake whose stress-sized cap carries every position.
    let now = 1_700_000_000;
    let deposit = 120_000 * ONE;
    let over = [
        ("skew_scale".to_string(), deposit.to_string()),
        ("seed_insurance".to_string(), (100_000 * ONE).to_string()),
    ];
    let big = 40_000 * ONE;
    let m = replay::open_market(
        Chain::embedded().await?,
        now,
        USD,
        deposit,
        &over,
        deposit + big / 2,
    )
    .await?;
    let (keys, admin, admin_token, mint) = (m.keys, m.client.pubkey(), m.creator_token, m.keys.mint);
    let mut b = Bench {
        client: m.client,
        keys,
        oracle: m.oracle,
        now,
    };
    let shares = b.client.ensure_ata(&admin, &keys.share_mint).await?;
    let o = ix::OwnerAccounts {
        owner: admin,
        token: admin_token,
        shares,
    };
    b.client
        .send(&[ix::vault_request_deposit(&keys, &o, deposit, 0)], &[])
        .await?;
    let params = b
        .client
        .chain
        .anchor::<hedge_vault::state::Market>(&keys.market)
        .await?
        .state()?
        .params;
    let p = b.execute_due(params.execution_delay).await?;
    ensure!(
        p.requests.executed == 1,
        "the vault deposit did not execute: {p:?}"
    );
    // The creator holds a 40,000-token long (80 million USD at 2x), so that shorts
    // executed before the longs of their round never leave the vault net long.
    b.client
        .send(
            &[
                ix::position_open(&keys, &admin),
                ix::position_deposit(&keys, &admin, &admin_token, big / 2),
                ix::position_request_trade(&keys, &admin, big as i64, 0),
            ],
            &[],
        )
        .await?;
    let p = b.execute_due(params.execution_delay).await?;
    ensure!(
        p.requests.executed == 1,
        "the creator's order did not execute: {p:?}"
    );

    // The traders, in rounds: requests made, then executed by the keeper's pass.
    let mut cranks = Vec::new();
    let (mut made_s, mut exec_s, mut executed) = (0.0, 0.0, 0usize);
    let mut created = 0u64;
    let mut risky = 0u64;
    for target in [10u64, 1_000, n]
        .into_iter()
        .filter(|t| *t <= n)
        .collect::<std::collections::BTreeSet<_>>()
    {
        let t = Instant::now();
        while created < target {
            let kp = population::agent_keypair(created);
            let w = kp.pubkey();
            let (delta, margin, r) = trader(created);
            risky += u64::from(r);
            let ata = Client::ata(&w, &mint);
            let ixs = vec![
                anchor_lang::solana_program::system_instruction::transfer(&admin, &w, 20_000_000),
                anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent(
                    &admin,
                    &w,
                    &mint,
                    &anchor_spl::token::spl_token::ID,
                ),
                anchor_spl::token::spl_token::instruction::mint_to(
                    &anchor_spl::token::spl_token::ID,
                    &mint,
                    &ata,
                    &admin,
                    &[],
                    margin,
                )?,
                ix::position_open(&keys, &w),
                ix::position_deposit(&keys, &w, &ata, margin),
                ix::position_request_trade(&keys, &w, delta, 0),
            ];
            b.client.send(&ixs, &[&kp]).await?;
            created += 1;
            if created.is_multiple_of(10_000) {
                eprintln!(
                    "{created} positions requested ({:.0} s)",
                    t.elapsed().as_secs_f64()
                );
            }
        }
        made_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let p = b.execute_due(params.execution_delay).await?;
        exec_s += t.elapsed().as_secs_f64();
        let refusals: Vec<String> = p
            .events::<hedge_vault::events::RequestCancelled>()
            .iter()
            .map(|e| {
                let who = (0..created).find(|i| population::agent_wallet(*i) == e.owner);
                let name = hedge_client::errors::program_errors()
                    .get(&e.error)
                    .map_or(e.error.to_string(), |x| x.0.clone());
                format!("{name} (trader {who:?})")
            })
            .collect();
        ensure!(
            p.requests.failed.is_empty() && p.requests.refused == 0,
            "{:?}, refused: {refusals:?}",
            p.requests
        );
        executed += p.requests.executed;
        let (ms, cu, accounts) = b.crank().await?;
        cranks.push((created, ms, cu, accounts));
    }
    let m = b
        .client
        .chain
        .anchor::<hedge_vault::state::Market>(&keys.market)
        .await?;
    ensure!(m.position_count == n + 1, "{} positions", m.position_count);
    ensure!(executed as u64 == n, "{executed} orders executed");

    // A 10% fall: the keeper's pass scans and liquidates.
    b.now += 10;
    b.publish(USD * 0.9).await?;
    let t = Instant::now();
    let p = b
        .pass(&PassConfig {
            liquidations: true,
            ..PassConfig::none()
        })
        .await?;
    let liq_s = t.elapsed().as_secs_f64();
    let s = &p.liquidations;
    ensure!(s.failed.is_empty(), "{:?}", s.failed);
    ensure!(s.scanned as u64 == n + 1, "scanned {}", s.scanned);
    ensure!(
        s.eligible as u64 == risky && s.liquidated as u64 == risky,
        "{risky} 8x longs, {} eligible, {} liquidated, {:?}",
        s.eligible,
        s.liquidated,
        s.failed
    );
    // A second scan finds none left, and times the scan alone; then the engine's
    // check over every position, natively.
    let t = Instant::now();
    let positions = keeper::chain::scan(&mut b.client, &keys.market).await?;
    let scan_s = t.elapsed().as_secs_f64();
    let (m, price, now) = {
        use hedge_client::keeper::Venue;
        ChainVenue::new(&mut b.client, keys.market, None).market().await?
    };
    let st = keeper::accrued(&m, &price, now)?;
    let t = Instant::now();
    // A legacy market: its account confirms itself.
    let left = keeper::liquidatable(&positions, &st, &price, &price);
    let check_s = t.elapsed().as_secs_f64();
    ensure!(left.is_empty(), "{} liquidatable positions left", left.len());
    let (ms, cu, accounts) = b.crank().await?;

    let mut o = String::new();
    writeln!(
        o,
        "load: {n} positions on the embedded chain ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    )?;
    writeln!(o, "| measure | value |")?;
    writeln!(o, "|---|---:|")?;
    writeln!(
        o,
        "| positions opened with their order (1 transaction each) | {n} in {made_s:.1} s ({:.0}/s) |",
        n as f64 / made_s
    )?;
    writeln!(
        o,
        "| orders executed by the keeper's pass (1 transaction each) | {executed} in {exec_s:.1} s ({:.0}/s) |",
        executed as f64 / exec_s
    )?;
    for (count, ms, cu, accounts) in &cranks {
        writeln!(
            o,
            "| funding crank with {count} positions | {accounts} accounts, {cu} bank CU, {ms:.2} ms |"
        )?;
    }
    writeln!(
        o,
        "| funding crank after the liquidations | {accounts} accounts, {cu} bank CU, {ms:.2} ms |"
    )?;
    writeln!(
        o,
        "| keeper pass after a 10% fall: scan {} positions, liquidate {} in {} transactions | {liq_s:.1} s |",
        s.scanned, s.liquidated, p.transactions
    )?;
    writeln!(
        o,
        "| a scan of every position alone | {scan_s:.2} s ({} positions) |",
        positions.len()
    )?;
    writeln!(
        o,
        "| engine liquidation check, natively | {} positions in {:.1} ms ({:.1} million/s) |",
        positions.len(),
        check_s * 1e3,
        positions.len() as f64 / check_s / 1e6
    )?;
    Ok(o)
}
