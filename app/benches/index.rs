//! The event index and the page (docs/PERFORMANCE.md, "The event index and the
//! page"):
//!
//!     cargo bench -p hedge-cli --bench index                    # 100,000 events
//!     cargo bench -p hedge-cli --bench index -- --events 10000  # quicker
//!
//! 1. Indexing into a fresh index file: `--events` events of the demo's market
//!    (funding cranks, trades and liquidations, in transactions of two events, dated
//!    before the demo) appended in batches of 500 transactions, then the demo's real
//!    history (classify, insert): events a second for both. Reading a cluster's
//!    history is bounded by its RPC node (a `getTransaction` per transaction), not
//!    measured here.
//! 2. The page with that index: `hedge serve` over the demo's chain, the market page,
//!    the wallet page, each chart and the series fetched over HTTP, 20 times each:
//!    median and worst milliseconds. The goal (issue 32): under 50 ms with 100,000 events.

use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use anchor_lang::Event;
use anyhow::{ensure, Result};
use hedge_client::chain::Sent;
use hedge_client::demo::{run_kept, DemoOptions};
use hedge_client::index::Index;
use hedge_client::serve::{bind_with, http_get, ServeOptions};
use hedge_vault::events::{FundingUpdated, PositionLiquidated, PositionTraded};

/// `n` events of `market` (funding cranks, each with a trade or a liquidation), in
/// transactions of two, a minute apart, ending before `end`.
fn synthetic(market: Pubkey, n: usize, end: i64) -> Vec<Sent> {
    let txs = n / 2;
    (0..txs)
        .map(|i| {
            let t = end - 60 * (txs - i) as i64;
            let crank = FundingUpdated {
                market,
                index: i as i128 * 1_000,
                rate: 100_000_000 + (i % 1_000) as i64 * 10_000,
                own_rate: 100_000_000 + (i % 1_000) as i64 * 10_000,
                charged_seconds: 60,
                skipped_seconds: 0,
                imbalance: 0,
                price: (2_000 + (i % 500) as u128) * 1_000_000_000_000_000_000,
                collateral: 1_000_000_000_000,
                net_base: 1_000_000_000_000,
                insurance: 300_000_000_000 + i as u64,
                vault_equity: 1_000_000_000_000,
                hedge_ratio: 1_000_000,
                skew_ledger: 0,
            }
            .data();
            let owner = Pubkey::new_from_array([(i % 251) as u8; 32]);
            let other = if i % 50 == 0 {
                PositionLiquidated {
                    market,
                    owner,
                    liquidator: owner,
                    closed: 1_000_000_000,
                    base_after: 0,
                    fill_price: 2_000 * 1_000_000_000_000_000_000,
                    realized_pnl: -1,
                    liquidator_reward: 1,
                    insurance_reward: 1,
                    bad_debt: 0,
                    margin_after: 0,
                    funding_paid: 0,
                    wait_bonus: 0,
                    skew_paid: 0,
                    skew_unfunded: 0,
                    skew_ledger: 0,
                }
                .data()
            } else {
                PositionTraded {
                    market,
                    owner,
                    executor: owner,
                    delta_base: 1_000_000_000,
                    base_after: 1_000_000_000,
                    fill_price: 2_000 * 1_000_000_000_000_000_000,
                    realized_pnl: 0,
                    fee: 1_000,
                    impact_fee: 0,
                    rebate: 0,
                    insurance_fee: 100,
                    funding_paid: 0,
                    wait_bonus: 0,
                    reducing: false,
                    margin_after: 1,
                    net_base_after: 1,
                    collateral_after: 1,
                    skew_unfunded: 0,
                    skew_ledger: 0,
                }
                .data()
            };
            Sent {
                signature: format!("synthetic-{i}"),
                events: vec![crank, other],
                slot: i as u64,
                block_time: Some(t),
                ..Default::default()
            }
        })
        .collect()
}

fn ms(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() - 1])
}

#[tokio::main]
async fn main() -> Result<()> {
    std::env::set_var("RUST_LOG", "error");
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--events")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let started = Instant::now();
    let mut f = hedge_client::chain::quiet_program_output(run_kept(&DemoOptions::default())).await?;
    eprintln!("demo run in {:.1} s", started.elapsed().as_secs_f64());
    let market = f.market;
    let dir = std::env::temp_dir().join(format!("hedge-index-bench-{}", std::process::id()));
    let path = Index::default_path(Some(&dir), "bench", &market);

    // 1. Indexing. The synthetic events go first (older than the demo's), then the
    //    demo's real history after them, so the server's sync resumes at the chain's
    //    last transaction.
    let mut index = Index::open(Some(&path), &market)?;
    let first = f.client.chain.history_since(&market, None).await?;
    let start = first.first().and_then(|t| t.block_time).unwrap_or(0);
    let synth = synthetic(market, n, start);
    let t = Instant::now();
    let mut appended = 0;
    for batch in synth.chunks(500) {
        appended += index.append(batch)?.events;
    }
    let append_s = t.elapsed().as_secs_f64();
    ensure!(appended == n / 2 * 2, "appended {appended} of {n}");
    // The demo's history, read from the embedded chain above, indexed after them.
    let t = Instant::now();
    let real = index.append(&first)?;
    let sync_s = t.elapsed().as_secs_f64();
    let counts = index.counts()?;
    println!(
        "indexing: {} synthetic events appended in {:.3} s = {:.0} events/s; the demo's history ({} transactions, {} events) in {:.3} s = {:.0} events/s",
        appended,
        append_s,
        appended as f64 / append_s,
        real.transactions,
        real.events,
        sync_s,
        real.events as f64 / sync_s
    );
    println!(
        "index: {} events in {} transactions, file {:.1} MB",
        counts.events,
        counts.transactions,
        std::fs::metadata(&path)?.len() as f64 / 1e6
    );

    // 2. The page.
    let holder = f.holder;
    let opts = ServeOptions {
        market,
        bind: "127.0.0.1:0".parse()?,
        index_dir: None,
        url: "the embedded chain".into(),
        explorer: None,
    };
    let (addr, server) = bind_with(f.client, &opts, vec![index]).await?;
    tokio::spawn(server);
    let paths = [
        ("market page", format!("/market/{market}")),
        ("wallet page", format!("/market/{market}/wallet/{holder}")),
        ("keepers page", format!("/market/{market}/keepers")),
        ("market JSON", format!("/api/market/{market}")),
        ("series JSON", format!("/api/market/{market}/series")),
        (
            "share-value chart",
            format!("/market/{market}/chart/share-value.svg"),
        ),
        (
            "hedge-ratio chart",
            format!("/market/{market}/chart/hedge-ratio.svg"),
        ),
        ("funding chart", format!("/market/{market}/chart/funding.svg")),
        ("insurance chart", format!("/market/{market}/chart/insurance.svg")),
        (
            "holder's chart",
            format!("/market/{market}/chart/share-value.svg?owner={holder}"),
        ),
    ];
    println!(
        "pages with {} events indexed (20 fetches each, over HTTP):",
        counts.events
    );
    let mut worst_page: f64 = 0.0;
    for (name, path) in &paths {
        let mut times = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let (status, body) = http_get(addr, path).await?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            ensure!(status == 200, "{name}: HTTP {status}: {body}");
        }
        let (median, worst) = ms(times);
        worst_page = worst_page.max(median);
        println!("  {name:<18} median {median:>7.1} ms   worst {worst:>7.1} ms");
    }
    println!(
        "slowest median: {worst_page:.1} ms ({} the 50 ms goal)",
        if worst_page < 50.0 { "within" } else { "OVER" }
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
