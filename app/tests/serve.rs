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

/// Fuzzes the routes: every path template of the server with hostile segments and
/// query strings (control characters, bytes that are not UTF-8, a percent sign alone,
/// path traversal, SQL, 10 KB, a repeated key) and a seeded stream of random encoded
/// segments, under four methods. No answer is a 5xx; every error under `/api/` is JSON
/// with `error` and `error_name`; every error elsewhere is a page naming it; the
/// wallet form URL-encodes what was typed into the redirect.
async fn every_input_is_answered_in_its_format(addr: SocketAddr, m: &str, holder: &str) {
    use hedge_client::serve::{html::url_segment, http_request};
    let mut payloads: Vec<String> = [
        "",
        "%00",
        "a%00b",
        "%7f",
        "%7F%7F",
        "%ff",
        "%c3%28",
        "%",
        "%zz",
        "..",
        "..%2F..%2Fetc%2Fpasswd",
        "%27%20OR%201%3D1%20--",
        "%23frag",
        "%3Fq",
        "%E2%82%AC",
        "11111111111111111111111111111111",
        "%20",
        "%0d%0aSet-Cookie:%20x",
        "%3Cscript%3E",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    payloads.push("x".repeat(10_000));
    payloads.push(holder.to_string());
    payloads.push(m.to_string());
    let named = payloads.len();
    // A seeded stream of random bytes, each percent-encoded (a valid request line
    // whatever the bytes).
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..40 {
        let mut bytes = Vec::new();
        for _ in 0..(seed % 24 + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed >> 24) as u8);
        }
        payloads.push(bytes.iter().map(|b| format!("%{b:02X}")).collect());
    }
    let templates = [
        "/{p}",
        "/market/{p}",
        "/market/{p}/wallet",
        "/market/{m}/wallet/{p}",
        "/market/{m}/wallet?owner={p}",
        "/market/{m}/wallet?owner={p}&owner=x",
        "/market/{m}/wallet?{p}",
        "/market/{m}/chart/{p}",
        "/market/{m}/chart/{p}.svg",
        "/market/{m}?{p}",
        "/api/{p}",
        "/api/market/{p}",
        "/api/market/{p}/",
        "/api/market/{m}/wallet/{p}",
        "/api/market/{m}/series/{p}",
        "/api/market/{m}/series?{p}",
        "/market/{p}/keepers",
        "/api/market/{p}/keepers",
        "/market/{m}/chart/share-value.svg?owner={p}",
        "/market/{m}/chart/share-value.svg?{p}",
    ];
    let mut answered = 0;
    for t in templates {
        for (i, p) in payloads.iter().enumerate() {
            let path = t.replace("{m}", m).replace("{p}", p);
            // Every method for the named payloads, GET for the random stream.
            let methods: &[&str] = if i < named {
                &["GET", "POST", "PUT", "DELETE"]
            } else {
                &["GET"]
            };
            for &method in methods {
                let a = http_request(addr, method, &path).await.unwrap();
                answered += 1;
                assert!(a.status < 500, "{method} {path}: {} {}", a.status, a.body);
                if a.status < 400 {
                    continue;
                }
                let api = path == "/api" || path.starts_with("/api/");
                if api {
                    let v: Value = serde_json::from_str(&a.body).unwrap_or_else(|e| {
                        panic!("{method} {path}: {} not JSON ({e}): {}", a.status, a.body)
                    });
                    assert!(
                        v["error"].is_string() && v["error_name"].is_string(),
                        "{method} {path}: {v}"
                    );
                } else {
                    assert!(
                        a.body.contains("data-error>"),
                        "{method} {path}: {} {}",
                        a.status,
                        a.body
                    );
                }
            }
        }
    }
    assert!(answered > 1_000, "{answered}");

    // The named cases.
    let a = http_request(addr, "POST", &format!("/api/market/{m}"))
        .await
        .unwrap();
    assert_eq!(a.status, 405);
    let v: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        v["error"],
        "POST is not answered here: this server is read-only and answers GET"
    );
    let a = http_request(addr, "GET", "/api/nope").await.unwrap();
    assert_eq!(a.status, 404);
    assert_eq!(a.header("content-type"), Some("application/json"));
    let a = http_request(addr, "GET", &format!("/market/{m}/wallet?owner=a%00b"))
        .await
        .unwrap();
    assert_eq!(a.status, 303, "{}", a.head);
    assert_eq!(
        a.header("location"),
        Some(format!("/market/{m}/wallet/a%00b").as_str())
    );
    let a = http_request(
        addr,
        "GET",
        &format!("/market/{m}/wallet?owner=%27%20OR%201%3D1%20--"),
    )
    .await
    .unwrap();
    assert_eq!(
        a.header("location"),
        Some(format!("/market/{m}/wallet/%27%20OR%201%3D1%20--").as_str())
    );
    assert_eq!(url_segment("' OR 1=1 --"), "%27%20OR%201%3D1%20--");
    // Followed, the page names the address as it was typed.
    let a = http_request(addr, "GET", &format!("/market/{m}/wallet/%27%20OR%201%3D1%20--"))
        .await
        .unwrap();
    assert_eq!(a.status, 400);
    assert!(
        a.body
            .contains("data-error>`&#39; OR 1=1 --` is not a base58 address of 32 bytes<"),
        "{}",
        a.body
    );
    let a = http_request(addr, "GET", &format!("/market/{m}/wallet?owner={holder}&owner=x"))
        .await
        .unwrap();
    assert_eq!(a.status, 400);
    assert!(
        a.body
            .contains("data-error>the form takes one wallet address, 2 were given<"),
        "{}",
        a.body
    );
    let a = http_request(addr, "GET", &format!("/market/{m}/wallet?owner=%20{holder}%20"))
        .await
        .unwrap();
    assert_eq!(
        a.header("location"),
        Some(format!("/market/{m}/wallet/{holder}").as_str())
    );
    let a = http_request(addr, "GET", "/favicon.ico").await.unwrap();
    assert_eq!((a.status, a.header("content-type")), (200, Some("image/svg+xml")));
}

/// The holders' card (TVL = shares x share value; APY none for windows longer than
/// the history), the positions table (every open position counted, the largest shown
/// as `position show` reports it) and the activity (the holder's deposit, newest first).
async fn holders_positions_and_activity(addr: SocketAddr, m: &str, vault: &Value, open_now: usize) {
    let (_, body) = get(addr, &format!("/api/market/{m}")).await;
    let api: Value = serde_json::from_str(&body).unwrap();
    let num = |v: &Value| v.as_str().unwrap().parse::<f64>().unwrap();
    let tvl = api["holders"]["tvl_usd"].as_f64().unwrap();
    let want = num(&vault["shares_outstanding"]) * num(&vault["share_value_usd"]);
    assert!(
        tvl > 0.0 && (tvl - want).abs() <= 1e-9 * want,
        "{tvl} against {want}"
    );
    // A 2-day market: 7 and 30 days are longer than its history.
    assert_eq!(api["holders"]["apy_7d_percent"], Value::Null);
    assert_eq!(api["holders"]["apy_30d_percent"], Value::Null);
    assert!(
        api["holders"]["apy_since_start_percent"].is_number(),
        "{}",
        api["holders"]
    );
    let open = api["positions"]["open"].as_u64().unwrap();
    let largest = api["positions"]["largest"].as_array().unwrap();
    assert_eq!(open, open_now as u64);
    assert_eq!(largest.len() as u64, open.min(50));
    let sizes: Vec<f64> = largest.iter().map(|p| num(&p["base"]).abs()).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {sizes:?}");
    let activity = api["activity"].as_array().unwrap();
    assert!(!activity.is_empty() && activity.len() <= 30);
    let times: Vec<i64> = activity.iter().map(|a| a["time"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let (_, page) = get(addr, &format!("/market/{m}")).await;
    assert!(page.contains("<h2>Holders</h2>") && page.contains("APY, 7 days"));
    assert!(page.contains(&format!("Positions ({open} open")));
    for a in activity.iter().take(3) {
        let sig = a["signature"].as_str().unwrap();
        assert!(
            page.contains(&format!("title='{sig}'")),
            "activity {sig} not on the page"
        );
    }
}

/// The keepers' page: its JSON is `hedge keeper status --json`; every execution paid
/// the market's execution fee to its keeper; the demo's keeper sees its rewards on
/// its wallet page.
async fn keepers_page_and_rewards(addr: SocketAddr, m: &str, cli: &Value) {
    let (status, body) = get(addr, &format!("/api/market/{m}/keepers")).await;
    assert_eq!(status, 200, "{body}");
    let api: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(&api, cli);
    let total = &api["total"];
    let paid = total["executions"].as_u64().unwrap() + total["refusals"].as_u64().unwrap();
    assert!(paid > 10, "{total}");
    let fee = api["keepers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["fees_lamports"].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(fee, total["fees_lamports"].as_u64().unwrap());
    assert_eq!(fee % paid, 0, "every request paid the same fee: {fee} for {paid}");
    assert!(fee > 0);
    let keeper = api["keepers"][0]["wallet"].as_str().unwrap().to_string();
    let (_, page) = get(addr, &format!("/market/{m}/keepers")).await;
    assert!(
        page.contains(&format!("data-keeper='{keeper}'")),
        "the keeper's row"
    );
    assert!(page.contains("data-keeper='all keepers'"));
    assert!(page.contains("data-due="), "the funding countdown");
    let (_, body) = get(addr, &format!("/api/market/{m}/wallet/{keeper}")).await;
    let w: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(w["keeper"], api["keepers"][0]);
    assert_eq!(w["note"], Value::Null);
    let (_, page) = get(addr, &format!("/market/{m}/wallet/{keeper}")).await;
    assert!(page.contains("<h2>Keeper rewards</h2>"));
}

/// `?owner=` marks a wallet's deposits on the share's chart; the wallet page shows it;
/// a bad or repeated owner is named.
async fn the_share_chart_marks_a_wallets_deposits(addr: SocketAddr, m: &str, holder: &str) {
    let (status, svg) = get(addr, &format!("/market/{m}/chart/share-value.svg?owner={holder}")).await;
    assert_eq!(status, 200);
    assert!(
        svg.contains("your deposit") && svg.contains("your withdrawal"),
        "the holder deposited and withdrew"
    );
    let (_, plain) = get(addr, &format!("/market/{m}/chart/share-value.svg")).await;
    assert!(!plain.contains("your deposit"));
    // Dated ticks with the year.
    let dated = plain
        .split("<text")
        .filter_map(|t| {
            t.split_once('>')
                .map(|x| x.1.split('<').next().unwrap_or("").trim())
        })
        .filter(|t| {
            t.len() >= 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' && t.starts_with("20")
        })
        .count();
    assert!(dated >= 2, "dated ticks: {dated}");
    let (_, page) = get(addr, &format!("/market/{m}/wallet/{holder}")).await;
    assert!(page.contains(&format!("chart/share-value.svg?owner={holder}")));
    let (status, _) = get(addr, &format!("/market/{m}/chart/share-value.svg?owner=xyz")).await;
    assert_eq!(status, 400);
    let (status, _) = get(
        addr,
        &format!("/market/{m}/chart/share-value.svg?owner={holder}&owner={holder}"),
    )
    .await;
    assert_eq!(status, 400);
}

/// The charts' last point is the market now, as the cards show it, also after a
/// withdrawal made since the last funding crank (the demo's holder withdrew last).
async fn the_charts_end_where_the_cards_are(addr: SocketAddr, m: &str) {
    let (_, body) = get(addr, &format!("/api/market/{m}")).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let (_, body) = get(addr, &format!("/api/market/{m}/series")).await;
    let s: Value = serde_json::from_str(&body).unwrap();
    let last = s["points"].as_array().unwrap().last().unwrap().clone();
    let card: f64 = page["vault"]["share_value_usd"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(last["share_value_usd"].as_f64(), Some(card), "{last}");
    let tokens: f64 = page["vault"]["share_value_tokens"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(last["share_value_tokens"].as_f64(), Some(tokens));
    assert_eq!(last["time"], page["now"]);
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
