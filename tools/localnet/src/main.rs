//! `hedge-localnet`: see the library docs and docs/LOCALNET.md.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use hedge_localnet::{parse_feed_id, read_closes, Localnet, Options, Path_, SOL_USD_FEED};

const USAGE: &str = "hedge-localnet [--program hedge_vault.so] [--ledger DIR] [--rpc-port 8899]
               [--feed-id HEX] [--prices CSV | --walk START_USD] [--step-seconds 60]
               [--vol 0.002] [--seed 1] [--conf-bps 5]";

fn default_program() -> PathBuf {
    let anchor = PathBuf::from("target/deploy/hedge_vault.so");
    if anchor.is_file() {
        return anchor;
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".cache/hedge-vault/sbf-program-target/so/hedge_vault.so")
}

fn parse() -> Result<Options> {
    let mut o = Options {
        program: default_program(),
        ledger: PathBuf::from("test-ledger"),
        rpc_port: 8899,
        feed_id: parse_feed_id(SOL_USD_FEED)?,
        path: Path_::Walk {
            start: 100.0,
            step_vol: 0.002,
            seed: 1,
        },
        step_seconds: 60,
        conf_bps: 5,
    };
    let (mut walk, mut vol, mut seed, mut prices) = (100.0, 0.002, 1u64, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| anyhow!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--program" => o.program = PathBuf::from(val()?),
            "--ledger" => o.ledger = PathBuf::from(val()?),
            "--rpc-port" => o.rpc_port = val()?.parse()?,
            "--feed-id" => o.feed_id = parse_feed_id(&val()?)?,
            "--prices" => prices = Some(PathBuf::from(val()?)),
            "--walk" => walk = val()?.parse()?,
            "--step-seconds" => o.step_seconds = val()?.parse()?,
            "--vol" => vol = val()?.parse()?,
            "--seed" => seed = val()?.parse()?,
            "--conf-bps" => o.conf_bps = val()?.parse()?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    o.path = match prices {
        Some(p) => Path_::Series(read_closes(&p)?),
        None => Path_::Walk {
            start: walk,
            step_vol: vol,
            seed,
        },
    };
    Ok(o)
}

fn main() -> Result<()> {
    agave_logger::setup_with_default("solana=warn");
    let o = parse()?;
    let net = Localnet::start(&o)?;
    let hex: String = net.feed_id.iter().map(|b| format!("{b:02x}")).collect();
    println!("hedge localnet: the Agave test validator with the hedge vault program");
    println!("  JSON-RPC URL:    {}", net.url);
    println!("  funded keypair:  {}", net.keypair_path.display());
    println!(
        "  program:         {} ({})",
        hedge_localnet::PROGRAM_ID,
        o.program.display()
    );
    println!(
        "  collateral mint: {} (9 decimals; the keypair holds {} tokens)",
        net.mint,
        hedge_localnet::TOKEN_SUPPLY
    );
    println!("  Pyth feed id:    {hex}");
    println!(
        "  price account:   {} (PriceUpdateV2, rewritten every second)",
        net.price_account
    );
    println!(
        "  price path:      {:?}, {} s per step",
        short(&o.path),
        o.step_seconds
    );
    println!("Ctrl-C stops it.");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

fn short(p: &Path_) -> String {
    match p {
        Path_::Series(v) => format!("{} prices from {:.2}", v.len(), v[0]),
        Path_::Walk {
            start,
            step_vol,
            seed,
        } => format!("random walk from {start} ({step_vol} per step, seed {seed})"),
    }
}
