//! The `hedge` command line: global options as the Solana CLI has them, commands
//! grouped by resource (one file each), amounts in UI units, `--json` everywhere.
//! [`execute`] runs one command against a [`Client`] and returns its output, so tests
//! drive every command in-process on the embedded chain exactly as the binary does.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::Value;

use crate::client::Client;
use crate::demo;

mod backtest;
pub mod insurance;
pub mod keeper;
pub mod market;
pub mod oracle;
pub mod position;
pub mod request;
pub mod vault;

pub use backtest::{run_backtest, BacktestArgs};
pub use insurance::InsuranceCmd;
pub use keeper::{CrankCmd, KeeperCmd};
pub use market::{MarketCmd, MarketCreateArgs};
pub use oracle::OracleCmd;
pub use position::PositionCmd;
pub use request::RequestCmd;
pub use vault::VaultCmd;

#[derive(Parser, Debug)]
#[command(
    name = "hedge",
    version,
    about = "Hedging vault and perpetual market on Solana: wallet, trader and keeper CLI"
)]
pub struct Cli {
    /// RPC URL or moniker: localhost, devnet, mainnet-beta [default: from the Solana CLI config]
    #[arg(long, short = 'u', global = true)]
    pub url: Option<String>,
    /// Keypair file of the wallet [default: from the Solana CLI config]
    #[arg(long, short = 'k', global = true)]
    pub keypair: Option<String>,
    /// processed, confirmed or finalized [default: from the Solana CLI config, else confirmed]
    #[arg(long, global = true)]
    pub commitment: Option<String>,
    /// Solana CLI config file [default: ~/.config/solana/cli/config.yml]
    #[arg(long, short = 'C', global = true)]
    pub config: Option<PathBuf>,
    /// Price account to pass instead of the market's pinned one (an execution on a
    /// pull market: the PriceUpdateV2 published first at or after the due time)
    #[arg(long, global = true)]
    pub oracle: Option<Pubkey>,
    /// Machine-readable output
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, show and list markets
    #[command(subcommand)]
    Market(MarketCmd),
    /// Hedge: deposit spot tokens, withdraw them (requests executed at their due time)
    #[command(subcommand)]
    Vault(VaultCmd),
    /// Trade: leveraged positions against the vault
    #[command(subcommand)]
    Position(PositionCmd),
    /// The insurance fund: donate, stake, unstake
    #[command(subcommand)]
    Insurance(InsuranceCmd),
    /// Pending requests: list, execute, cancel
    #[command(subcommand)]
    Request(RequestCmd),
    /// Permissionless cranks
    #[command(subcommand)]
    Crank(CrankCmd),
    /// Run a keeper loop
    #[command(subcommand)]
    Keeper(KeeperCmd),
    /// Decode a Pyth account
    #[command(subcommand)]
    Oracle(OracleCmd),
    /// The whole story on an embedded chain: hedge, trade, a price path, liquidations, withdrawal
    Demo(DemoArgs),
    /// Start a local validator with the program, SPL Token, a collateral token and a
    /// moving Pyth pull price (runs `hedge-localnet`; docs/LOCALNET.md)
    Localnet(LocalnetArgs),
    /// Replay a daily OHLC series stepped intraday at engine level with a population
    /// of hedgers, speculators, funding arbitrageurs and stakers: the hedge's report
    /// and four plots (docs/BACKTESTS.md)
    Backtest(BacktestArgs),
    /// A read-only web page of a market (and of any wallet in it) over the cluster,
    /// with charts from an event index; never loads a keypair (docs/SERVE.md)
    Serve(ServeArgs),
    /// Write the synthetic daily series the backtest study uses (random walks with
    /// jumps at three volatilities, a flash crash; docs/BACKTESTS.md)
    Synth(SynthArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The market the page opens on
    #[arg(long)]
    pub market: Pubkey,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// Where the page is served.
#[derive(Args, Debug, Clone)]
pub struct HttpArgs {
    /// Port to listen on (0: any free port)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on (the default keeps the page on this machine)
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Directory of the event indexes [default: $HEDGE_INDEX_DIR, else ~/.cache/hedge/index]
    #[arg(long)]
    pub index_dir: Option<PathBuf>,
    /// Link transactions and accounts to this explorer: a URL with {kind} (tx or
    /// address) and {id} [default: the Solana Explorer for the cluster's URL; none on
    /// the embedded chain]
    #[arg(long)]
    pub explorer: Option<String>,
}

impl HttpArgs {
    pub fn options(&self, market: Pubkey, url: &str) -> crate::serve::ServeOptions {
        crate::serve::ServeOptions {
            market,
            bind: std::net::SocketAddr::new(self.bind, self.port),
            index_dir: self.index_dir.clone(),
            url: url.to_string(),
            explorer: self
                .explorer
                .clone()
                .or_else(|| crate::serve::default_explorer(url)),
        }
    }
}

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Directory to write NAME.csv into
    #[arg(long, default_value = "data/synthetic")]
    pub out: PathBuf,
    /// Only this series (default: all of them)
    #[arg(long)]
    pub name: Option<String>,
}

/// `hedge synth`.
pub fn run_synth(a: &SynthArgs) -> Result<Output> {
    use crate::backtest::synth;
    let specs: Vec<synth::Spec> = match &a.name {
        Some(n) => vec![synth::spec(n).ok_or_else(|| {
            let names: Vec<&str> = synth::SERIES.iter().map(|s| s.name).collect();
            anyhow::anyhow!("no synthetic series `{n}` (there are: {})", names.join(", "))
        })?],
        None => synth::SERIES.to_vec(),
    };
    std::fs::create_dir_all(&a.out)?;
    let mut text = String::new();
    let mut written = Vec::new();
    for s in specs {
        let f = a.out.join(format!("{}.csv", s.name));
        std::fs::write(&f, synth::csv(&s))?;
        text += &format!("wrote {} ({} days; {})\n", f.display(), s.days, s.about);
        written.push(f.display().to_string());
    }
    Ok(out(serde_json::json!({ "written": written }), text))
}

/// What a backtest and the demo share.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Seconds between intraday points and keeper passes (divides a day)
    #[arg(long, default_value_t = 900)]
    pub substep: i64,
    /// Seed of the intraday bridge and the population
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Tokens the hedgers deposit at the start
    #[arg(long, default_value_t = 1_000)]
    pub deposit: u64,
}

impl RunArgs {
    /// The run's options (the population's other knobs at their defaults).
    pub fn options(&self) -> crate::backtest::Options {
        let mut o = crate::backtest::Options {
            substep: self.substep,
            seed: self.seed,
            ..Default::default()
        };
        o.population.deposit_tokens = self.deposit;
        o
    }
}

#[derive(Args, Debug)]
pub struct LocalnetArgs {
    /// Arguments for hedge-localnet (`hedge localnet -- --help` lists them)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Runs `hedge-localnet` (beside this binary, else on PATH) with `args`, until it exits.
pub fn run_localnet(a: &LocalnetArgs) -> Result<Output> {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("hedge-localnet")))
        .filter(|p| p.is_file());
    let bin = beside.unwrap_or_else(|| PathBuf::from("hedge-localnet"));
    let status = std::process::Command::new(&bin)
        .args(&a.args)
        .status()
        .map_err(|e| {
            anyhow::anyhow!(
            "cannot run {}: {e}. hedge-localnet has its own workspace: start it with tools/localnet/run.sh \
             from the repository (docs/LOCALNET.md)",
            bin.display()
        )
        })?;
    if !status.success() {
        bail!("hedge-localnet exited with {status}");
    }
    Ok(out(Value::Null, String::new()))
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Date,Open,High,Low,Close CSV (e.g. data/BTC-USD.csv) [default: data/ETH-USD.csv, built in]
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// First day, YYYY-MM-DD [default: the series' first; 2021-05-12 built in]
    #[arg(long)]
    pub from: Option<String>,
    /// Days to run [default: the rest of the series; 14 built in]
    #[arg(long)]
    pub days: Option<usize>,
    #[command(flatten)]
    pub run: RunArgs,
    /// A line per day on stderr
    #[arg(long)]
    pub verbose: bool,
    /// Then serve the web page over the demo's chain (`hedge serve`) until stopped
    #[arg(long)]
    pub serve: bool,
    #[command(flatten)]
    pub http: HttpArgs,
}

impl Command {
    /// Commands that only read accounts (and so need no wallet).
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            Command::Market(MarketCmd::Show { .. } | MarketCmd::List)
                | Command::Vault(VaultCmd::Show { .. })
                | Command::Position(PositionCmd::Show { .. })
                | Command::Insurance(InsuranceCmd::Show { .. })
                | Command::Request(RequestCmd::List { .. })
                | Command::Oracle(_)
                | Command::Serve(_)
        )
    }
}

/// What a command produced: data, and the same for people.
pub struct Output {
    pub json: Value,
    pub text: String,
}

pub(crate) fn out(json: Value, text: impl Into<String>) -> Output {
    Output {
        json,
        text: text.into(),
    }
}

pub(crate) fn sent_line(what: &str, sig: &str) -> String {
    format!("{what}\nSignature: {sig}")
}

/// `key: value` lines for a flat JSON object.
pub(crate) fn kv(v: &Value) -> String {
    match v.as_object() {
        Some(o) => o
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => "-".into(),
                    other => other.to_string(),
                };
                format!("{:<32} {s}", format!("{}:", k.replace('_', " ")))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        None => v.to_string(),
    }
}

/// Runs one command (everything except `demo`, which makes its own chain).
pub async fn execute(cmd: Command, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    match cmd {
        Command::Demo(_) => bail!("`demo` runs on its own embedded chain: call demo::run"),
        Command::Serve(_) => bail!("`serve` runs until stopped: call serve::run"),
        Command::Localnet(a) => run_localnet(&a),
        Command::Backtest(a) => run_backtest(&a),
        Command::Synth(a) => run_synth(&a),
        Command::Market(c) => market::run(c, client, oracle).await,
        Command::Vault(c) => vault::run(c, client, oracle).await,
        Command::Position(c) => position::run(c, client, oracle).await,
        Command::Insurance(c) => insurance::run(c, client, oracle).await,
        Command::Request(c) => request::run(c, client, oracle).await,
        Command::Crank(c) => keeper::crank(c, client, oracle).await,
        Command::Keeper(c) => keeper::keeper(c, client, oracle).await,
        Command::Oracle(c) => oracle::run(c, client).await,
    }
}

fn demo_options(a: &DemoArgs) -> demo::DemoOptions {
    demo::DemoOptions {
        prices: a.prices.clone(),
        from: a.from.clone(),
        days: a.days,
        backtest: a.run.options(),
        verbose: a.verbose,
    }
}

/// `hedge demo`.
pub async fn run_demo(a: &DemoArgs) -> Result<Output> {
    let report = demo::run(&demo_options(a)).await?;
    Ok(out(serde_json::to_value(&report)?, demo::render(&report)))
}

/// `hedge demo --serve`, first half: the demo, its chain kept. Run it inside
/// `chain::quiet_program_output` (the program's logs silenced), then print and serve
/// with [`print_demo_and_serve`] outside it, so the report reaches stdout.
pub async fn demo_kept(a: &DemoArgs) -> Result<demo::Finished> {
    demo::run_kept(&demo_options(a)).await
}

/// `hedge demo --serve`, second half: the demo's output printed, then the page over its
/// chain until stopped.
pub async fn print_demo_and_serve(a: &DemoArgs, json: bool, f: demo::Finished) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&f.report)?);
    } else {
        println!("{}", demo::render(&f.report));
    }
    use std::io::Write;
    std::io::stdout().flush()?;
    let opts = a.http.options(f.market, "the embedded chain");
    let (addr, server) = crate::serve::bind(f.client, &opts).await?;
    eprintln!(
        "\nThe demo's chain is served read-only (Ctrl-C stops):\n  market page   http://{addr}/market/{m}\n  the holder    http://{addr}/market/{m}/wallet/{h}\n  JSON          http://{addr}/api/market/{m}",
        m = f.market,
        h = f.holder,
    );
    server.await?;
    Ok(())
}
