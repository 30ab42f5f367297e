//! The `hedge` CLI binary through JSON-RPC against `hedge-localnet`: a market on a
//! Pyth pull feed, an insurance stake, a hedged deposit, a leveraged trade, keeper
//! passes through a price drop that liquidates it, a withdrawal and the depositor's
//! statement: the script `app/tests/scenario/steps.json`, whose checks the embedded
//! chain's run of it (`app/tests/cli_embedded`) must pass too. Needs `HEDGE_BIN` (the
//! `hedge` binary) and `HEDGE_PROGRAM_SO` (the program's SBF build);
//! tools/localnet/test.sh builds both and runs this.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use hedge_localnet::{parse_feed_id, Localnet, Options, Path_};
use serde_json::Value;

#[path = "../../../app/tests/scenario/mod.rs"]
mod scenario;
use scenario::{Scenario, Step};

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

#[test]
fn every_step_from_a_market_to_a_withdrawal_over_json_rpc() {
    let bin = PathBuf::from(
        std::env::var("HEDGE_BIN").expect("HEDGE_BIN: the hedge binary (tools/localnet/test.sh)"),
    );
    let program = PathBuf::from(
        std::env::var("HEDGE_PROGRAM_SO").expect("HEDGE_PROGRAM_SO: the SBF build (tools/localnet/test.sh)"),
    );
    let mut sc = Scenario::new();
    let ledger = std::env::temp_dir().join(format!("hedge-localnet-test-{}", std::process::id()));
    let net = Localnet::start(&Options {
        program,
        ledger: ledger.clone(),
        rpc_port: 18_899,
        feed_id: parse_feed_id(sc.feed()).unwrap(),
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
    // The script the embedded chain also runs (app/tests/cli_embedded): its checks
    // hold on both backends. The price account holds a fresh update first.
    std::thread::sleep(Duration::from_secs(2));
    sc.bind(&net.mint.to_string(), &net.price_account.to_string());
    for i in 0..sc.len() {
        match sc.step(i) {
            Step::Run(cmd) => {
                let out = cli.run(&cmd);
                sc.check(i, &out);
            }
            Step::Price(usd) => {
                net.set_price(usd);
                std::thread::sleep(Duration::from_secs(3));
            }
            Step::Wait(w) => std::thread::sleep(Duration::from_secs(w)),
        }
    }

    drop(net);
    let _ = std::fs::remove_dir_all(ledger);
}
