//! `hedge serve` over the embedded chain after a short demo: every JSON endpoint
//! carries the CLI's own `--json` for the same state, the pages show those figures,
//! and bad input is a page naming it while the server keeps serving. Through the
//! binary: a cluster that cannot be reached is named on the page.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command as Process, Stdio};

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use hedge_client::cli::{execute, Cli};
use hedge_client::client::Client;
use hedge_client::demo::{run_kept, DemoOptions};
use hedge_client::serve::{bind, ServeOptions};
use serde_json::Value;

mod inputs;
mod pages;

use inputs::*;
use pages::*;

/// GET `path`: status and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    hedge_client::serve::http_get(addr, path).await.unwrap()
}

async fn cli_json(client: &mut Client, args: &[&str]) -> Value {
    let mut all = vec!["hedge"];
    all.extend_from_slice(args);
    all.push("--json");
    let cli = Cli::try_parse_from(all).unwrap();
    execute(cli.command, client, None).await.unwrap().json
}

/// The exact value of the element marked `data-field='<field>'` in `html` (its
/// `data-raw`, unescaped), after checking that its text shows the same number
/// readably (separators, at most 6 decimals).
fn shown(html: &str, field: &str) -> String {
    let mark = format!("data-field='{field}' data-raw='");
    let at = html
        .find(&mark)
        .unwrap_or_else(|| panic!("{field} is not on the page"))
        + mark.len();
    let raw = unescape(html[at..].split('\'').next().unwrap());
    let text = html[at..].split_once('>').unwrap().1.split('<').next().unwrap();
    if let (Ok(r), Ok(t)) = (raw.parse::<f64>(), text.replace(',', "").parse::<f64>()) {
        assert!(
            (r - t).abs() <= 5e-7 * r.abs().max(1.0),
            "{field}: shows {text} for {raw}"
        );
        assert_eq!(text, hedge_client::serve::html::pretty(&raw, 6), "{field}");
    }
    raw
}

fn unescape(s: &str) -> String {
    s.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_what_the_cli_reports_and_names_bad_input() {
    std::env::set_var("RUST_LOG", "error");
    let f = run_kept(&DemoOptions {
        days: Some(2),
        ..Default::default()
    })
    .await
    .unwrap();
    let (m, holder) = (f.market.to_string(), f.holder.to_string());
    let mut client = f.client;
    let nobody = Pubkey::default().to_string();
    // The CLI's reports for this state (the embedded clock stands still meanwhile).
    let market = cli_json(&mut client, &["market", "show", &m]).await;
    let vault = cli_json(&mut client, &["vault", "show", &m, "--owner", &nobody]).await;
    let requests = cli_json(&mut client, &["request", "list", &m, "--all"]).await;
    let holder_vault = cli_json(&mut client, &["vault", "show", &m, "--owner", &holder]).await;
    let statement = cli_json(&mut client, &["vault", "statement", &m, "--owner", &holder]).await;
    // A trader's position: an account the program owns that is not a market.
    let positions = hedge_client::keeper::chain::scan(&mut client, &f.market)
        .await
        .unwrap();
    let (pos_key, pos) = positions.first().expect("the demo opened positions").clone();
    let trader = pos.owner.to_string();
    let position = cli_json(&mut client, &["position", "show", &m, "--owner", &trader]).await;
    let trading = cli_json(&mut client, &["position", "statement", &m, "--owner", &trader]).await;
    // The market's creator staked the insurance fund's seed.
    let creator = market["admin"].as_str().unwrap().to_string();
    let stake = cli_json(&mut client, &["insurance", "statement", &m, "--owner", &creator]).await;
    let fund = cli_json(&mut client, &["insurance", "show", &m, "--owner", &creator]).await;
    let keepers = cli_json(&mut client, &["keeper", "status", &m]).await;

    let opts = ServeOptions {
        market: f.market,
        bind: "127.0.0.1:0".parse().unwrap(),
        index_dir: None,
        url: "the embedded chain".into(),
        explorer: None,
    };
    let (addr, server) = bind(client, &opts).await.unwrap();
    tokio::spawn(server);

    // The market's JSON is the CLI's, report for report.
    let (status, body) = get(addr, &format!("/api/market/{m}")).await;
    assert_eq!(status, 200, "{body}");
    let api: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(api["market"], market);
    assert_eq!(api["vault"], vault);
    assert_eq!(api["requests"], requests);
    // The page's own figures agree with the reports they come from.
    let c: f64 = market["vault_collateral"].as_str().unwrap().parse().unwrap();
    assert!(c > 0.0);
    let ratio = api["hedge"]["ratio"].as_f64().unwrap();
    let cli_ratio: f64 = vault["hedge_ratio"]
        .as_str()
        .unwrap()
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!(
        (ratio * 100.0 - cli_ratio).abs() < 1e-3,
        "{ratio} against {cli_ratio}%"
    );
    assert!(api["index"]["events"].as_i64().unwrap() > 100);
    assert!(api["last_funding_crank"]["time"].as_i64().is_some());

    // The market page shows every figure as the CLI prints it.
    let (status, page) = get(addr, &format!("/market/{m}")).await;
    assert_eq!(status, 200);
    let mut checked = 0;
    for (report, json) in [("market", &market), ("vault", &vault)] {
        for (k, v) in json.as_object().unwrap() {
            let mark = format!("data-field='{report}.{k}' ");
            if page.contains(&mark) {
                let want = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                assert_eq!(shown(&page, &format!("{report}.{k}")), want, "{report}.{k}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} figures on the page");

    // The wallet's JSON and page: the holder's own reports.
    let (status, body) = get(addr, &format!("/api/market/{m}/wallet/{holder}")).await;
    assert_eq!(status, 200, "{body}");
    let w: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(w["vault"], holder_vault);
    assert_eq!(w["statement"], statement);
    assert_eq!(w["position"], Value::Null);
    assert_eq!(w["note"], Value::Null);
    let (_, page) = get(addr, &format!("/market/{m}/wallet/{holder}")).await;
    assert_eq!(
        shown(&page, "statement.deposited_tokens"),
        statement["deposited_tokens"]
    );
    assert_eq!(shown(&page, "vault.your_shares"), holder_vault["your_shares"]);
    // A trader's position with its liquidation price.
    let (_, body) = get(addr, &format!("/api/market/{m}/wallet/{trader}")).await;
    let w: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(w["position"], position);
    assert_eq!(w["trader"], trading);
    assert!(!trading["lines"].as_array().unwrap().is_empty(), "{trading}");
    let (_, page) = get(addr, &format!("/market/{m}/wallet/{trader}")).await;
    assert_eq!(
        shown(&page, "position.liquidation_price"),
        position["liquidation_price"]
    );
    assert_eq!(
        shown(&page, "trader.equity_now_tokens"),
        trading["equity_now_tokens"]
    );
    assert!(page.contains("<h2>Trading statement</h2>"));
    // The creator is a staker: its stake and statement, not "nothing here".
    let (_, body) = get(addr, &format!("/api/market/{m}/wallet/{creator}")).await;
    let w: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(w["stake"], stake);
    assert_eq!(w["insurance"], fund);
    assert_eq!(w["note"], Value::Null, "{w}");
    let (_, page) = get(addr, &format!("/market/{m}/wallet/{creator}")).await;
    assert_eq!(shown(&page, "stake.value_now_tokens"), stake["value_now_tokens"]);
    assert_eq!(shown(&page, "insurance.fund"), fund["fund"]);
    // A wallet with nothing here is said to have nothing.
    let (status, body) = get(addr, &format!("/api/market/{m}/wallet/{nobody}")).await;
    assert_eq!(status, 200);
    let w: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        w["note"],
        format!("{nobody} has no shares, position, stake, request, claim or history in this market")
    );

    // The charts are SVG drawn from the index.
    for chart in ["share-value", "hedge-ratio", "funding", "insurance"] {
        let (status, svg) = get(addr, &format!("/market/{m}/chart/{chart}.svg")).await;
        assert_eq!(status, 200, "{chart}");
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"), "{chart}");
    }
    let (_, body) = get(addr, &format!("/api/market/{m}/series")).await;
    let s: Value = serde_json::from_str(&body).unwrap();
    assert!(s["points"].as_array().unwrap().len() > 50);

    let open = positions.iter().filter(|(_, p)| p.base != 0).count();
    holders_positions_and_activity(addr, &m, &vault, open).await;
    keepers_page_and_rewards(addr, &m, &keepers).await;
    the_share_chart_marks_a_wallets_deposits(addr, &m, &holder).await;

    // Bad input: named, with its status, and the server keeps serving.
    let error = |page: &str| {
        page.split("data-error>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    let (status, page) = get(addr, "/market/not-an-address").await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&page),
        "`not-an-address` is not a base58 address of 32 bytes"
    );
    let unknown = Pubkey::new_unique();
    let (status, page) = get(addr, &format!("/market/{unknown}")).await;
    assert_eq!(status, 404);
    assert_eq!(
        error(&page),
        format!("there is no account at {unknown} on this cluster")
    );
    let (status, page) = get(addr, &format!("/market/{pos_key}")).await;
    assert_eq!(status, 422);
    assert!(
        error(&page).starts_with(&format!("the account at {pos_key} does not decode as a market: ")),
        "{page}"
    );
    let (status, body) = get(addr, &format!("/api/market/{m}/wallet/xyz")).await;
    assert_eq!(status, 400);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "`xyz` is not a base58 address of 32 bytes");
    let (status, _) = get(addr, &format!("/market/{m}/chart/pie.svg")).await;
    assert_eq!(status, 404);
    let (status, _) = get(addr, &format!("/market/{m}")).await;
    assert_eq!(status, 200, "still serving after bad input");

    every_input_is_answered_in_its_format(addr, &m, &holder).await;
    the_charts_end_where_the_cards_are(addr, &m).await;
}

/// Through the binary: `hedge serve` on a cluster nobody answers names it on the page
/// (502) and keeps serving; it never asks for a keypair.
#[test]
fn serve_names_an_unreachable_cluster_on_the_page() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{dead}");
    let market = Pubkey::new_unique().to_string();
    let mut child = Process::new(env!("CARGO_BIN_EXE_hedge"))
        .args(["serve", "--market", &market, "--port", "0", "--url", &url])
        .args(["--keypair", "/nonexistent/id.json"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: SocketAddr = line
        .strip_prefix("serving http://")
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("{line}"))
        .parse()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for _ in 0..2 {
        let (status, page) = rt.block_on(get(addr, &format!("/market/{market}")));
        assert_eq!(status, 502, "{page}");
        assert!(
            page.contains(&format!("data-error>cannot reach the cluster at {url} (")),
            "{page}"
        );
    }
    child.kill().unwrap();
    let _ = child.wait();
}
