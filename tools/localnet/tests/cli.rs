//! The `hedge` CLI binary through JSON-RPC against `hedge-localnet`: a market on a
//! Pyth pull feed, an insurance stake, a hedged deposit, a leveraged trade, keeper
//! passes through a price drop that liquidates it, a withdrawal and the depositor's
//! statement. Needs `HEDGE_BIN` (the `hedge` binary) and `HEDGE_PROGRAM_SO` (the
//! program's SBF build); tools/localnet/test.sh builds both and runs this.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use hedge_localnet::{parse_feed_id, Localnet, Options, Path_, SOL_USD_FEED};
use serde_json::Value;

struct Cli {
    bin: PathBuf,
    url: String,
    keypair: PathBuf,
}

impl Cli {
    /// Runs `hedge <args> --json` and returns its last JSON document (pretty-printed;
    /// the keeper prints one compact line per pass before it).
    fn run(&self, args: &str) -> Value {
        let out = Command::new(&self.bin)
            .args(["--url", &self.url, "--keypair"])
            .arg(&self.keypair)
            .args(["--commitment", "confirmed", "--json"])
            .args(args.split_whitespace())
            .output()
            .expect("running hedge");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "hedge {args} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let start = stdout.rfind("\n{").map(|i| i + 1).unwrap_or(0);
        serde_json::from_str(&stdout[start..]).unwrap_or_else(|e| panic!("hedge {args}: {e}: {stdout}"))
    }
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
        .to_string()
}

#[test]
fn every_step_from_a_market_to_a_withdrawal_over_json_rpc() {
    let bin = PathBuf::from(
        std::env::var("HEDGE_BIN").expect("HEDGE_BIN: the hedge binary (tools/localnet/test.sh)"),
    );
    let program = PathBuf::from(
        std::env::var("HEDGE_PROGRAM_SO").expect("HEDGE_PROGRAM_SO: the SBF build (tools/localnet/test.sh)"),
    );
    let ledger = std::env::temp_dir().join(format!("hedge-localnet-test-{}", std::process::id()));
    let net = Localnet::start(&Options {
        program,
        ledger: ledger.clone(),
        rpc_port: 18_899,
        feed_id: parse_feed_id(SOL_USD_FEED).unwrap(),
        path: Path_::Series(vec![100.0]),
        step_seconds: 60,
        conf_bps: 5,
    })
    .expect("localnet starts");
    let cli = Cli {
        bin,
        url: net.url.clone(),
        keypair: net.keypair_path.clone(),
    };
    let (mint, price_account) = (net.mint, net.price_account);

    // The price account holds a fresh update from the localnet.
    std::thread::sleep(Duration::from_secs(2));
    let v = cli.run(&format!("oracle show {price_account}"));
    assert_eq!(s(&v, "format"), "pull-v2", "{v}");
    assert_eq!(s(&v, "status"), "Full");
    assert_eq!(v["price_mantissa"], 10_000_000_000i64, "{v}");

    // A pull market on the feed, with a 50-token seed stake.
    let v = cli.run(&format!(
        "market create --mint {mint} --price-account {price_account} --oracle-kind pull --feed-id {SOL_USD_FEED} \
         --seed-insurance 50 --withdraw-delay 60"
    ));
    let market = s(&v, "market");
    let v = cli.run(&format!("insurance stake {market} 5"));
    assert!(v["shares"].as_u64().unwrap() > 0, "{v}");

    // A hedged deposit: requested, executed at the unique update of its due time,
    // found among the localnet's posted updates.
    let v = cli.run(&format!("vault deposit {market} 100"));
    let x = &v["execution"];
    assert_eq!(x["executed"], true, "{v}");
    assert_eq!(s(x, "amount"), "100.000000000");
    assert_eq!(s(x, "shares"), "100.000000000000", "the first deposit mints 1:1");
    assert_eq!(s(x, "price"), "100.000000");

    // A 5x long of 100 tokens on 20 tokens of margin: the vault's 100 tokens fully
    // hedged (N = hC).
    cli.run(&format!("position open {market}"));
    cli.run(&format!("position deposit {market} 20"));
    let v = cli.run(&format!("position trade {market} 100"));
    assert_eq!(s(&v["execution"], "base_after"), "100.000000000", "{v}");
    // 80% of the 0.1 token taker fee stays in the vault: 100 / 100.08.
    let v = cli.run(&format!("vault show {market}"));
    assert_eq!(s(&v, "hedge_ratio"), "99.9200%", "{v}");
    assert_eq!(s(&v, "collateral"), "100.080000000", "{v}");
    let v = cli.run(&format!("position show {market}"));
    assert_eq!(v["liquidatable"], false, "{v}");

    // A keeper pass at 100: nothing to liquidate.
    let v = cli.run(&format!("keeper run {market} --iterations 1 --interval 0"));
    assert_eq!(v["last"]["liquidations"]["eligible"], 0, "{v}");
    assert!(v["last"]["funding"]["signature"].is_string(), "{v}");

    // The price drops 20%: the long loses 2000 USD = 25 tokens at 80, more than its
    // margin, and the next keeper pass liquidates it.
    net.set_price(80.0);
    std::thread::sleep(Duration::from_secs(3));
    let v = cli.run(&format!("position show {market}"));
    assert_eq!(v["liquidatable"], true, "{v}");
    let v = cli.run(&format!("keeper run {market} --iterations 1 --interval 0"));
    let l = &v["last"]["liquidations"];
    assert_eq!(
        (l["eligible"].as_u64(), l["liquidated"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    assert!(l["bad_debt"].as_u64().unwrap() > 0, "{v}");
    assert_eq!(l["socialized"], 0, "the insurance fund covers it: {v}");

    // The holder withdraws everything: paid after the 60-second delay (the shortest allowed).
    let v = cli.run(&format!("vault withdraw {market} all"));
    let x = &v["execution"];
    assert_eq!(s(x, "shares_remaining"), "0.000000000000", "{v}");
    let paid = hedge_paid(&s(x, "paid"));
    // Hedged: 100 tokens at 100 USD, 125 tokens at 80 (plus the vault's part of the fee).
    assert!((120.0..130.0).contains(&paid), "{v}");

    // The depositor's statement, replayed from the market's history over JSON-RPC.
    let v = cli.run(&format!("vault statement {market}"));
    assert_eq!(v["deposits"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["withdrawals"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(s(&v, "deposited_tokens"), "100.000000000");
    assert_eq!(hedge_paid(&s(&v, "withdrawn_tokens")), paid);
    assert_eq!(s(&v, "shares_unaccounted"), "0.000000000000", "{v}");
    assert_eq!(s(&v, "supply_unaccounted"), "0.000000000000", "{v}");
    let hedged = v["hedged_return"].as_f64().unwrap();
    assert!(hedged.abs() < 0.02, "the hedge held the USD value within 2%: {v}");
    assert!(
        (v["held_return"].as_f64().unwrap() + 0.2).abs() < 1e-9,
        "held: -20%: {v}"
    );

    drop(net);
    let _ = std::fs::remove_dir_all(ledger);
}

fn hedge_paid(tokens: &str) -> f64 {
    tokens.parse().unwrap()
}
