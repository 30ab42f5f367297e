//! The `hedge` command line: global options as the Solana CLI has them, commands
//! grouped by resource, amounts in UI units, `--json` everywhere. [`execute`] runs one
//! command against a [`Client`] and returns its output, so tests drive every command
//! in-process on the embedded chain exactly as the binary does.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Result};
use clap::{Args, Parser, Subcommand};
use hedge_engine::params::RiskParams;
use hedge_vault::events::*;
use hedge_vault::state::{AdminConfig, InsuranceStake, OracleConfig, OracleKind, Position, WithdrawRequest};
use serde_json::{json, Value};

use crate::client::Client;
use crate::units::{format_amount, parse_amount, parse_price, parse_ratio, parse_signed_amount};
use crate::{demo, ix, keeper, keys, pyth, views};

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
    /// Price account to pass (pull-oracle markets: the PriceUpdateV2 account)
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
    /// Hedge: deposit spot tokens, withdraw in two steps
    #[command(subcommand)]
    Vault(VaultCmd),
    /// Trade: leveraged positions against the vault
    #[command(subcommand)]
    Position(PositionCmd),
    /// The insurance fund: donate, stake, unstake
    #[command(subcommand)]
    Insurance(InsuranceCmd),
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
}

#[derive(Subcommand, Debug)]
pub enum MarketCmd {
    /// Create a market for a mint (you become its admin)
    Create(Box<MarketCreateArgs>),
    /// Show a market
    Show { market: Pubkey },
    /// List every market of the program
    List,
}

#[derive(Args, Debug)]
pub struct MarketCreateArgs {
    /// Collateral mint
    #[arg(long)]
    pub mint: Pubkey,
    /// Price account: a legacy Pyth price account, or a PriceUpdateV2 of the feed
    #[arg(long)]
    pub price_account: Pubkey,
    /// legacy or pull
    #[arg(long, default_value = "legacy")]
    pub oracle_kind: String,
    /// Feed id (hex) for pull oracles
    #[arg(long)]
    pub feed_id: Option<String>,
    /// Owner of legacy price accounts
    #[arg(long, default_value_t = hedge_vault::PYTH_ORACLE_PROGRAM)]
    pub oracle_program: Pubkey,
    /// Guardian (may pause) [default: you]
    #[arg(long)]
    pub guardian: Option<Pubkey>,
    /// Initial margin, e.g. 10%
    #[arg(long, default_value = "10%")]
    pub initial_margin: String,
    /// Maintenance margin
    #[arg(long, default_value = "5%")]
    pub maintenance_margin: String,
    /// Liquidation fee
    #[arg(long, default_value = "1%")]
    pub liquidation_fee: String,
    /// Taker fee
    #[arg(long, default_value = "0.1%")]
    pub taker_fee: String,
    /// Hedge ratio h
    #[arg(long, default_value = "100%")]
    pub hedge_ratio: String,
    /// Skew scale, in tokens
    #[arg(long, default_value = "1000")]
    pub skew_scale: String,
    /// Market open-interest cap, whole USD
    #[arg(long, default_value_t = 100_000_000)]
    pub max_open_interest_usd: u64,
    /// Per-account position cap, whole USD
    #[arg(long, default_value_t = 10_000_000)]
    pub max_position_usd: u64,
    /// Withdrawal delay, seconds
    #[arg(long, default_value_t = 3_600)]
    pub withdraw_delay: u32,
    /// Timelock for parameter changes, seconds
    #[arg(long, default_value_t = 86_400)]
    pub timelock: u32,
    /// Oracle max age for risk-increasing actions, seconds
    #[arg(long, default_value_t = 30)]
    pub max_age_increase: u32,
    /// Oracle max age otherwise, seconds
    #[arg(long, default_value_t = 120)]
    pub max_age: u32,
}

#[derive(Subcommand, Debug)]
pub enum VaultCmd {
    /// Deposit tokens from your wallet; shares are minted to your share account
    Deposit {
        market: Pubkey,
        /// Amount in tokens (UI units)
        amount: String,
        /// Refuse if the vault's hedge ratio after the deposit is below this, e.g. 50%
        #[arg(long, default_value = "0%")]
        min_hedge_ratio: String,
    },
    /// Lock shares for withdrawal (paid after the delay)
    RequestWithdraw {
        market: Pubkey,
        /// Shares (UI units), or "all"
        shares: String,
    },
    /// Complete a withdrawal after the delay
    Withdraw { market: Pubkey },
    /// Share value, live delta per share, hedge ratio, and your position in the vault
    Show {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PositionCmd {
    /// Open your position account in a market
    Open { market: Pubkey },
    /// Deposit margin
    Deposit { market: Pubkey, amount: String },
    /// Withdraw free margin
    Withdraw { market: Pubkey, amount: String },
    /// Trade a signed size in tokens (positive buys, negative sells)
    Trade {
        market: Pubkey,
        #[arg(allow_hyphen_values = true)]
        delta: String,
        /// Worst acceptable fill price in USD
        #[arg(long)]
        limit: Option<String>,
    },
    /// Close an empty position and get its margin and rent back
    Close { market: Pubkey },
    /// Equity, margin ratio and liquidation price
    Show {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
}

#[derive(Subcommand, Debug)]
pub enum InsuranceCmd {
    /// Donate to the insurance fund (no shares)
    Deposit { market: Pubkey, amount: String },
    /// Stake for insurance shares
    Stake { market: Pubkey, amount: String },
    /// With SHARES: request to unstake them. Without: complete a request after the cooldown
    Unstake { market: Pubkey, shares: Option<String> },
    /// The fund and your stake
    Show {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
}

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
}

#[derive(Subcommand, Debug)]
pub enum KeeperCmd {
    /// Loop: funding, liquidation scan, deleveraging; one JSON log line per pass
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

#[derive(Subcommand, Debug)]
pub enum OracleCmd {
    /// Price, confidence, exponent, publish time, feed id of a Pyth account
    Show {
        /// Account on the cluster
        account: Option<Pubkey>,
        /// A `solana account --output json` dump instead
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Date,...,Close CSV (e.g. data/ETH-USD.csv) [default: built-in May 2021 ETH path]
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Use at most this many days of the path
    #[arg(long)]
    pub steps: Option<usize>,
    /// Tokens the holder hedges
    #[arg(long, default_value_t = 100)]
    pub deposit: u64,
    /// A line per step on stderr
    #[arg(long)]
    pub verbose: bool,
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
                | Command::Oracle(_)
        )
    }
}

/// What a command produced: data, and the same for people.
pub struct Output {
    pub json: Value,
    pub text: String,
}

fn out(json: Value, text: impl Into<String>) -> Output {
    Output {
        json,
        text: text.into(),
    }
}

fn sent_line(what: &str, sig: &str) -> String {
    format!("{what}\nSignature: {sig}")
}

/// Runs one command (everything except `demo`, which makes its own chain).
pub async fn execute(cmd: Command, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        Command::Demo(_) => bail!("`demo` runs on its own embedded chain: call demo::run"),
        Command::Market(MarketCmd::List) => {
            let list = client.markets().await?;
            let rows: Vec<Value> = list
                .iter()
                .map(|(k, m)| json!({"market": k.to_string(), "mint": m.collateral_mint.to_string(), "oracle_kind": format!("{:?}", m.oracle_kind), "collateral": format_amount(m.collateral.into(), m.decimals), "positions": m.position_count}))
                .collect();
            let text = list
                .iter()
                .map(|(k, m)| {
                    format!(
                        "{k}  mint {}  vault {}  positions {}",
                        m.collateral_mint,
                        format_amount(m.collateral.into(), m.decimals),
                        m.position_count
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(out(
                json!(rows),
                if text.is_empty() {
                    "no markets".to_string()
                } else {
                    text
                },
            ))
        }
        Command::Market(MarketCmd::Show { market }) => {
            let m = client.market(&market, oracle).await?;
            let p = client.price(&m).await?;
            let r = views::market_report(&market, &m.state, &m.keys.oracle, &p.price, p.age);
            let json = serde_json::to_value(&r)?;
            Ok(out(json.clone(), kv(&json)))
        }
        Command::Market(MarketCmd::Create(a)) => {
            let kind = match a.oracle_kind.as_str() {
                "legacy" => OracleKind::PythLegacy,
                "pull" => OracleKind::PythPullV2,
                other => bail!("--oracle-kind is legacy or pull, not {other}"),
            };
            let feed_id = match (&kind, &a.feed_id) {
                (OracleKind::PythPullV2, Some(f)) => pyth::parse_feed_id(f)?,
                (OracleKind::PythPullV2, None) => bail!("a pull-oracle market needs --feed-id"),
                _ => [0; 32],
            };
            let mint: anchor_spl::token::Mint = client.chain.anchor(&a.mint).await?;
            let scale = 10u64.pow(u32::from(mint.decimals));
            let mut params = RiskParams::default_for_tests();
            params.initial_margin_ratio = parse_ratio(&a.initial_margin)?;
            params.maintenance_margin_ratio = parse_ratio(&a.maintenance_margin)?;
            params.liquidation_fee_ratio = parse_ratio(&a.liquidation_fee)?;
            params.taker_fee_ratio = parse_ratio(&a.taker_fee)?;
            params.hedge_ratio = parse_ratio(&a.hedge_ratio)?;
            params.skew_scale = parse_amount(&a.skew_scale, mint.decimals)?;
            params.min_position_base = (scale / 1000).max(1);
            params.max_open_interest_usd = a.max_open_interest_usd;
            params.max_position_usd = a.max_position_usd;
            params.withdraw_delay = a.withdraw_delay;
            let keys = keys::MarketKeys::new(a.mint, me, a.price_account);
            let args = hedge_vault::MarketCreateArgs {
                oracle_kind: kind,
                oracle_program: a.oracle_program,
                feed_id,
                oracle_config: OracleConfig {
                    max_age_increase: a.max_age_increase,
                    max_age: a.max_age,
                    max_conf: 20_000,
                    max_conf_liquidate: 50_000,
                },
                params: params.into(),
                admin_config: AdminConfig {
                    timelock_delay: a.timelock,
                    settlement_timeout: 86_400,
                },
                guardian: a.guardian.unwrap_or(me),
            };
            let sent = client.send(&[ix::market_create(&keys, &me, args)], &[]).await?;
            Ok(out(
                json!({"market": keys.market.to_string(), "signature": sent.signature, "share_mint": keys.share_mint.to_string()}),
                sent_line(&format!("Created market {}", keys.market), &sent.signature),
            ))
        }
        Command::Vault(v) => vault(v, client, oracle).await,
        Command::Position(p) => position(p, client, oracle).await,
        Command::Insurance(i) => insurance(i, client, oracle).await,
        Command::Crank(CrankCmd::Funding { market }) => {
            let m = client.market(&market, oracle).await?;
            let sent = client.send(&[ix::market_update_funding(&m.keys)], &[]).await?;
            let ev = sent.events::<FundingUpdated>().into_iter().next();
            let rate = ev.as_ref().map(|e| e.rate);
            Ok(out(
                json!({"signature": sent.signature, "rate_per_day": rate.map(|r| r as f64 / 1e12), "charged_seconds": ev.as_ref().map(|e| e.charged_seconds)}),
                sent_line("Funding accrued", &sent.signature),
            ))
        }
        Command::Crank(CrankCmd::Liquidate { market, batch }) => {
            let m = client.market(&market, oracle).await?;
            let price = client.price(&m).await?;
            let now = client.chain.unix_time().await?;
            let positions = keeper::scan(client, &market).await?;
            let targets = keeper::liquidatable(&positions, &m.state, &price.price, now)?;
            let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let pb = indicatif::ProgressBar::new(targets.len() as u64);
            pb.set_style(
                indicatif::ProgressStyle::with_template("liquidating {bar:30} {pos}/{len} positions")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let mut s = keeper::liquidate(client, &m, &token, &targets, batch, Some(&pb)).await?;
            pb.finish_and_clear();
            s.scanned = positions.len();
            let text = format!(
                "Scanned {} positions: {} liquidatable, {} liquidated in {} transaction(s), {} failed; rewards {} tokens",
                s.scanned,
                s.eligible,
                s.liquidated,
                s.transactions,
                s.failed.len(),
                format_amount(s.liquidator_rewards.into(), m.state.decimals)
            );
            Ok(out(serde_json::to_value(&s)?, text))
        }
        Command::Keeper(KeeperCmd::Run {
            market,
            interval,
            iterations,
            batch,
        }) => {
            let mut n = 0u64;
            let mut last;
            loop {
                let line = match keeper::tick(client, &market, oracle, batch).await {
                    Ok(t) => serde_json::to_value(&t)?,
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
        Command::Oracle(OracleCmd::Show { account, file }) => {
            let (key, acc) = match (account, file) {
                (_, Some(f)) => pyth::read_account_json(&f)?,
                (Some(k), None) => (
                    Some(k),
                    client
                        .chain
                        .account(&k)
                        .await?
                        .ok_or_else(|| anyhow!("account {k} does not exist"))?,
                ),
                (None, None) => bail!("give an account address or --file"),
            };
            let r = pyth::decode(&acc.owner, &acc.data)?;
            let json = json!({
                "address": key.map(|k| k.to_string()),
                "format": r.format,
                "owner": r.owner,
                "price": r.price_decimal(),
                "confidence": r.conf_decimal(),
                "price_mantissa": r.price,
                "conf_mantissa": r.conf,
                "exponent": r.expo,
                "publish_time": r.publish_time,
                "feed_id": r.feed_id,
                "status": r.status,
            });
            Ok(out(json.clone(), kv(&json)))
        }
    }
}

async fn vault(cmd: VaultCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        VaultCmd::Deposit {
            market,
            amount,
            min_hedge_ratio,
        } => {
            let m = client.market(&market, oracle).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = Client::ata(&me, &m.state.collateral_mint);
            let shares = client.ensure_ata(&me, &m.keys.share_mint).await?;
            let sent = client
                .send(
                    &[ix::vault_deposit(
                        &m.keys,
                        &me,
                        &token,
                        &shares,
                        amount,
                        parse_ratio(&min_hedge_ratio)?,
                    )],
                    &[],
                )
                .await?;
            let ev = sent.events::<VaultDeposited>().into_iter().next();
            let minted = ev.as_ref().map(|e| e.shares);
            Ok(out(
                json!({"signature": sent.signature, "amount": format_amount(amount.into(), m.state.decimals), "shares": minted.map(|s| format_amount(s.into(), m.state.decimals + 3))}),
                sent_line(
                    &format!(
                        "Deposited {} tokens",
                        format_amount(amount.into(), m.state.decimals)
                    ),
                    &sent.signature,
                ),
            ))
        }
        VaultCmd::RequestWithdraw { market, shares } => {
            let m = client.market(&market, oracle).await?;
            let share_acc = Client::ata(&me, &m.keys.share_mint);
            let amount = if shares == "all" {
                client.token_balance(&share_acc).await?
            } else {
                parse_amount(&shares, m.state.decimals + 3)?
            };
            let sent = client
                .send(
                    &[ix::vault_request_withdraw(&m.keys, &me, &share_acc, amount)],
                    &[],
                )
                .await?;
            let value = sent
                .events::<VaultWithdrawRequested>()
                .into_iter()
                .next()
                .map(|e| e.value_at_request);
            Ok(out(
                json!({"signature": sent.signature, "shares": format_amount(amount.into(), m.state.decimals + 3), "value_at_request": value.map(|v| format_amount(v.into(), m.state.decimals)), "ready_in_seconds": m.state.params.withdraw_delay}),
                sent_line(
                    &format!(
                        "Requested withdrawal of {} shares; withdraw after {} s",
                        format_amount(amount.into(), m.state.decimals + 3),
                        m.state.params.withdraw_delay
                    ),
                    &sent.signature,
                ),
            ))
        }
        VaultCmd::Withdraw { market } => {
            let m = client.market(&market, oracle).await?;
            let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let sent = client
                .send(&[ix::vault_withdraw(&m.keys, &me, &token)], &[])
                .await?;
            let paid = sent.events::<VaultWithdrawn>().into_iter().next().map(|e| e.paid);
            Ok(out(
                json!({"signature": sent.signature, "paid": paid.map(|p| format_amount(p.into(), m.state.decimals))}),
                sent_line(
                    &format!(
                        "Withdrew {} tokens",
                        paid.map(|p| format_amount(p.into(), m.state.decimals))
                            .unwrap_or_default()
                    ),
                    &sent.signature,
                ),
            ))
        }
        VaultCmd::Show { market, owner } => {
            let owner = owner.unwrap_or(me);
            let m = client.market(&market, oracle).await?;
            let p = client.price(&m).await?;
            let supply = client.mint_supply(&m.keys.share_mint).await?;
            let user_shares = client
                .token_balance(&Client::ata(&owner, &m.keys.share_mint))
                .await?;
            let pending = client
                .chain
                .anchor_opt::<WithdrawRequest>(&keys::withdraw_request(&market, &owner))
                .await?
                .map(|r| r.shares)
                .unwrap_or(0);
            let now = client.chain.unix_time().await?;
            let r = views::vault_report(&views::VaultInputs {
                market: &m.state,
                key: &market,
                supply,
                price: &p.price,
                now,
                user_shares,
                pending,
            })?;
            let json = serde_json::to_value(&r)?;
            Ok(out(json.clone(), kv(&json)))
        }
    }
}

async fn position(cmd: PositionCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        PositionCmd::Open { market } => {
            let m = client.market(&market, oracle).await?;
            let sent = client.send(&[ix::position_open(&m.keys, &me)], &[]).await?;
            let pos = keys::position(&market, &me);
            Ok(out(
                json!({"signature": sent.signature, "position": pos.to_string()}),
                sent_line(&format!("Opened position {pos}"), &sent.signature),
            ))
        }
        PositionCmd::Deposit { market, amount } => {
            let m = client.market(&market, oracle).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = Client::ata(&me, &m.state.collateral_mint);
            let sent = client
                .send(&[ix::position_deposit(&m.keys, &me, &token, amount)], &[])
                .await?;
            Ok(out(
                json!({"signature": sent.signature, "amount": format_amount(amount.into(), m.state.decimals)}),
                sent_line("Deposited margin", &sent.signature),
            ))
        }
        PositionCmd::Withdraw { market, amount } => {
            let m = client.market(&market, oracle).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let sent = client
                .send(&[ix::position_withdraw(&m.keys, &me, &token, amount)], &[])
                .await?;
            Ok(out(
                json!({"signature": sent.signature, "amount": format_amount(amount.into(), m.state.decimals)}),
                sent_line("Withdrew margin", &sent.signature),
            ))
        }
        PositionCmd::Trade { market, delta, limit } => {
            let m = client.market(&market, oracle).await?;
            let delta = parse_signed_amount(&delta, m.state.decimals)?;
            let limit = limit.map(|l| parse_price(&l)).transpose()?.unwrap_or(0);
            let sent = client
                .send(&[ix::position_trade(&m.keys, &me, delta, limit)], &[])
                .await?;
            let ev = sent.events::<PositionTraded>().into_iter().next();
            let d = m.state.decimals;
            let json = match &ev {
                Some(e) => {
                    json!({"signature": sent.signature, "base_after": format_amount(e.base_after.into(), d), "fill_price": crate::units::format_price(e.fill_price, 6), "fee": format_amount(e.fee.into(), d), "realized_pnl": format_amount(e.realized_pnl.into(), d), "reducing": e.reducing})
                }
                None => json!({"signature": sent.signature}),
            };
            let text = match &ev {
                Some(e) => format!(
                    "Filled {} at {} USD, fee {}, realized {}; position now {}\nSignature: {}",
                    format_amount(delta.into(), d),
                    crate::units::format_price(e.fill_price, 6),
                    format_amount(e.fee.into(), d),
                    format_amount(e.realized_pnl.into(), d),
                    format_amount(e.base_after.into(), d),
                    sent.signature
                ),
                None => sent_line("Traded", &sent.signature),
            };
            Ok(out(json, text))
        }
        PositionCmd::Close { market } => {
            let m = client.market(&market, oracle).await?;
            let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let sent = client
                .send(&[ix::position_close(&m.keys, &me, &token)], &[])
                .await?;
            let returned = sent
                .events::<PositionClosed>()
                .into_iter()
                .next()
                .map(|e| e.returned);
            Ok(out(
                json!({"signature": sent.signature, "returned": returned.map(|r| format_amount(r.into(), m.state.decimals))}),
                sent_line("Closed position", &sent.signature),
            ))
        }
        PositionCmd::Show { market, owner } => {
            let owner = owner.unwrap_or(me);
            let m = client.market(&market, oracle).await?;
            let p = client.price(&m).await?;
            let key = keys::position(&market, &owner);
            let pos: Position = client.chain.anchor(&key).await?;
            let now = client.chain.unix_time().await?;
            let r = views::position_report(&key, &owner, &pos.engine(), &m.state, &p.price, now)?;
            let json = serde_json::to_value(&r)?;
            Ok(out(json.clone(), kv(&json)))
        }
    }
}

async fn insurance(cmd: InsuranceCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        InsuranceCmd::Deposit { market, amount } => {
            let m = client.market(&market, oracle).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = Client::ata(&me, &m.state.collateral_mint);
            let sent = client
                .send(&[ix::insurance_deposit(&m.keys, &me, &token, amount)], &[])
                .await?;
            Ok(out(
                json!({"signature": sent.signature}),
                sent_line("Donated to the insurance fund", &sent.signature),
            ))
        }
        InsuranceCmd::Stake { market, amount } => {
            let m = client.market(&market, oracle).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            let token = Client::ata(&me, &m.state.collateral_mint);
            let sent = client
                .send(&[ix::insurance_stake(&m.keys, &me, &token, amount)], &[])
                .await?;
            let shares = sent
                .events::<InsuranceStaked>()
                .into_iter()
                .next()
                .map(|e| e.shares);
            Ok(out(
                json!({"signature": sent.signature, "shares": shares}),
                sent_line("Staked", &sent.signature),
            ))
        }
        InsuranceCmd::Unstake { market, shares } => {
            let m = client.market(&market, oracle).await?;
            match shares {
                Some(s) => {
                    let stake: InsuranceStake = client.chain.anchor(&keys::stake(&market, &me)).await?;
                    let n = if s == "all" {
                        stake.shares
                    } else {
                        s.parse().map_err(|_| anyhow!("shares are whole units"))?
                    };
                    let sent = client
                        .send(&[ix::insurance_request_unstake(&m.keys, &me, n)], &[])
                        .await?;
                    Ok(out(
                        json!({"signature": sent.signature, "shares": n, "cooldown_seconds": m.state.params.insurance_cooldown}),
                        sent_line(
                            &format!(
                                "Requested to unstake {n} shares; complete after {} s",
                                m.state.params.insurance_cooldown
                            ),
                            &sent.signature,
                        ),
                    ))
                }
                None => {
                    let token = client.ensure_ata(&me, &m.state.collateral_mint).await?;
                    let sent = client
                        .send(&[ix::insurance_unstake(&m.keys, &me, &token)], &[])
                        .await?;
                    let paid = sent
                        .events::<InsuranceUnstaked>()
                        .into_iter()
                        .next()
                        .map(|e| e.paid);
                    Ok(out(
                        json!({"signature": sent.signature, "paid": paid.map(|p| format_amount(p.into(), m.state.decimals))}),
                        sent_line("Unstaked", &sent.signature),
                    ))
                }
            }
        }
        InsuranceCmd::Show { market, owner } => {
            let owner = owner.unwrap_or(me);
            let m = client.market(&market, oracle).await?;
            let stake = client
                .chain
                .anchor_opt::<InsuranceStake>(&keys::stake(&market, &owner))
                .await?;
            let d = m.state.decimals;
            let (shares, pending) = stake.map(|s| (s.shares, s.pending_shares)).unwrap_or((0, 0));
            let value = hedge_engine::vault::amount_for_shares_floor(
                shares,
                m.state.insurance_shares,
                m.state.insurance.into(),
            )
            .unwrap_or(0);
            let json = json!({
                "market": market.to_string(),
                "fund": format_amount(m.state.insurance.into(), d),
                "shares_outstanding": m.state.insurance_shares,
                "your_shares": shares,
                "your_value": format_amount(value.into(), d),
                "your_pending_unstake_shares": pending,
                "total_covered": format_amount(m.state.total_insurance_covered.into(), d),
            });
            Ok(out(json.clone(), kv(&json)))
        }
    }
}

/// `key: value` lines for a flat JSON object.
fn kv(v: &Value) -> String {
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

/// Runs the demo command.
pub async fn run_demo(a: &DemoArgs) -> Result<Output> {
    let report = demo::run(&demo::DemoOptions {
        prices: a.prices.clone(),
        steps: a.steps,
        deposit_tokens: a.deposit,
        verbose: a.verbose,
    })
    .await?;
    Ok(out(serde_json::to_value(&report)?, demo::render(&report)))
}
