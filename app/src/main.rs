//! `hedge`: the command-line client. See `hedge --help`.

use anyhow::Result;
use clap::Parser;
use hedge_client::chain::{Chain, TxError};
use hedge_client::cli::{execute, run_demo, Cli, Command};
use hedge_client::client::Client;
use hedge_client::config::{load_config, read_keypair, resolve_url};
use solana_commitment_config::CommitmentConfig;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli).await {
        Ok(()) => {}
        Err(e) => {
            if json {
                let name = e.downcast_ref::<TxError>().and_then(|t| t.name.clone());
                println!(
                    "{}",
                    serde_json::json!({"error": e.to_string(), "error_name": name})
                );
            } else {
                eprintln!("error: {e:#}");
            }
            std::process::exit(1);
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let json = cli.json;
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let output = match &cli.command {
        Command::Demo(a) if a.serve => {
            let kept = hedge_client::chain::quiet_program_output(hedge_client::cli::demo_kept(a)).await?;
            return hedge_client::cli::print_demo_and_serve(a, json, kept).await;
        }
        Command::Demo(a) => hedge_client::chain::quiet_program_output(run_demo(a)).await?,
        Command::Backtest(a) => hedge_client::cli::run_backtest(a)?,
        Command::Synth(a) => hedge_client::cli::run_synth(a)?,
        Command::Localnet(a) => {
            hedge_client::cli::run_localnet(a)?;
            return Ok(());
        }
        _ => {
            let cfg = load_config(cli.config.as_deref());
            let url = resolve_url(
                cli.url
                    .as_deref()
                    .or(cfg.json_rpc_url.as_deref())
                    .unwrap_or("localhost"),
            );
            let commitment = match cli
                .commitment
                .as_deref()
                .or(cfg.commitment.as_deref())
                .unwrap_or("confirmed")
            {
                "processed" => CommitmentConfig::processed(),
                "finalized" => CommitmentConfig::finalized(),
                _ => CommitmentConfig::confirmed(),
            };
            let keypair_path = cli
                .keypair
                .clone()
                .or(cfg.keypair_path.clone())
                .unwrap_or_else(|| "~/.config/solana/id.json".into());
            // Read-only commands run without a wallet file.
            let wallet = match read_keypair(&keypair_path) {
                Ok(k) => k,
                Err(_) if cli.command.is_read_only() => solana_keypair::Keypair::new(),
                Err(e) => return Err(e),
            };
            if let Command::Serve(a) = &cli.command {
                // Read only: a fresh key that signs nothing, whatever --keypair says.
                let client = Client::new(Chain::rpc(&url, commitment), solana_keypair::Keypair::new());
                return hedge_client::serve::run(client, &a.http.options(a.market, &url)).await;
            }
            let mut client = Client::new(Chain::rpc(&url, commitment), wallet);
            execute(cli.command, &mut client, cli.oracle)
                .await
                .map_err(|e| hedge_client::chain::name_unreachable(e, &url))?
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&output.json)?);
    } else {
        println!("{}", output.text);
    }
    Ok(())
}
