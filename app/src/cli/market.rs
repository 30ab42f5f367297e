//! `hedge market`: create, show and list markets. A new market's parameters are the
//! production defaults (`defaults.rs`), each overridable by a flag.

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use hedge_vault::state::OracleKind;
use serde_json::{json, Value};

use super::{kv, out, sent_line, Output};
use crate::client::Client;
use crate::reports;
use crate::units::{format_amount, parse_amount, parse_ratio};
use crate::{defaults, ix, keys, pyth};

#[derive(Subcommand, Debug)]
pub enum MarketCmd {
    /// Create a market for a mint (you become its admin and stake its seed insurance)
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
    /// The pinned price account: for pull, the feed's sponsored PriceUpdateV2 account
    /// (the Pyth push oracle's, shard 0); for legacy, the price account
    #[arg(long)]
    pub price_account: Pubkey,
    /// pull (Pyth PriceUpdateV2, the default) or legacy
    #[arg(long, default_value = "pull")]
    pub oracle_kind: String,
    /// Feed id (hex) for pull oracles
    #[arg(long)]
    pub feed_id: Option<String>,
    /// Your seed insurance stake, in tokens (sizes the first open-interest capacity)
    #[arg(long)]
    pub seed_insurance: String,
    /// Accept a collateral mint with a freeze authority (it could freeze the market's accounts)
    #[arg(long)]
    pub accept_freeze_authority: bool,
    /// Guardian (may pause) [default: you]
    #[arg(long)]
    pub guardian: Option<Pubkey>,
    /// Initial margin, e.g. 10% [default: defaults.rs]
    #[arg(long)]
    pub initial_margin: Option<String>,
    /// Maintenance margin
    #[arg(long)]
    pub maintenance_margin: Option<String>,
    /// Liquidation fee
    #[arg(long)]
    pub liquidation_fee: Option<String>,
    /// Taker fee
    #[arg(long)]
    pub taker_fee: Option<String>,
    /// Hedge ratio h
    #[arg(long)]
    pub hedge_ratio: Option<String>,
    /// Skew scale, in tokens (the floor of the scale in force)
    #[arg(long)]
    pub skew_scale: Option<String>,
    /// Impact fee: the skew potential's level at the skew scale, e.g. 5%
    #[arg(long)]
    pub impact_fee: Option<String>,
    /// Skew scale as a fraction of the vault's collateral, e.g. 100% (0: fixed scale)
    #[arg(long)]
    pub skew_scale_ratio: Option<String>,
    /// Share of a fall of the skew potential rebated, e.g. 100% (0: one-way impact fee)
    #[arg(long)]
    pub skew_rebate: Option<String>,
    /// Funding rate the market is pulled toward, a year, e.g. 5% (positive: longs pay)
    #[arg(long, allow_hyphen_values = true)]
    pub funding_target: Option<String>,
    /// Time constant of the pull toward the funding target, seconds (0: none)
    #[arg(long)]
    pub funding_reversion: Option<u32>,
    /// Seconds over which the vault's income reaches the share price (0: at once)
    #[arg(long)]
    pub profit_unlock: Option<u32>,
    /// Revision 6: the share of the hedge target a deposit may leave uncovered by
    /// traders' longs (the rest waits for them), and funding's band, e.g. 1% (0: deposits
    /// execute at once, revision 5)
    #[arg(long)]
    pub hedge_tolerance: Option<String>,
    /// Revision 6: the most the vault pays in funding to keep its hedge, a year, e.g. 20%
    #[arg(long)]
    pub max_hedge_cost: Option<String>,
    /// Market open-interest cap, whole USD
    #[arg(long)]
    pub max_open_interest_usd: Option<u64>,
    /// Per-account position cap, whole USD
    #[arg(long)]
    pub max_position_usd: Option<u64>,
    /// Withdrawal delay, seconds
    #[arg(long)]
    pub withdraw_delay: Option<u32>,
    /// Delay from a request to its due time, seconds
    #[arg(long)]
    pub execution_delay: Option<u32>,
    /// Timelock for parameter changes, seconds
    #[arg(long)]
    pub timelock: Option<u32>,
}

pub async fn run(cmd: MarketCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        MarketCmd::List => {
            let list = client.markets().await?;
            let rows: Vec<Value> = list
                .iter()
                .map(|(k, m)| json!({"market": k.to_string(), "mint": m.collateral_mint.to_string(), "oracle_kind": format!("{:?}", m.oracle_kind()), "collateral": format_amount(m.collateral.into(), m.decimals), "positions": m.position_count}))
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
        MarketCmd::Show { market } => {
            let json = serde_json::to_value(reports::market(client, &market, oracle).await?)?;
            Ok(out(json.clone(), kv(&json)))
        }
        MarketCmd::Create(a) => {
            let kind = match a.oracle_kind.as_str() {
                "legacy" => OracleKind::PythLegacy,
                "pull" => OracleKind::PythPullV2,
                other => bail!("--oracle-kind is pull or legacy, not {other}"),
            };
            let feed_id = match (&kind, &a.feed_id) {
                (OracleKind::PythPullV2, Some(f)) => pyth::parse_feed_id(f)?,
                (OracleKind::PythPullV2, None) => bail!("a pull-oracle market needs --feed-id"),
                _ => [0; 32],
            };
            let mint: anchor_spl::token::Mint = client.chain.anchor(&a.mint).await?;
            let d = mint.decimals;
            let mut params = defaults::risk_params(d);
            let ratio = |v: &Option<String>, dflt: u32| {
                v.as_deref()
                    .map(parse_ratio)
                    .transpose()
                    .map(|x| x.unwrap_or(dflt))
            };
            params.initial_margin_ratio = ratio(&a.initial_margin, params.initial_margin_ratio)?;
            params.maintenance_margin_ratio = ratio(&a.maintenance_margin, params.maintenance_margin_ratio)?;
            params.liquidation_fee_ratio = ratio(&a.liquidation_fee, params.liquidation_fee_ratio)?;
            params.taker_fee_ratio = ratio(&a.taker_fee, params.taker_fee_ratio)?;
            params.hedge_ratio = ratio(&a.hedge_ratio, params.hedge_ratio)?;
            if let Some(s) = &a.skew_scale {
                params.skew_scale = parse_amount(s, d)?;
            }
            params.impact_fee_ratio = ratio(&a.impact_fee, params.impact_fee_ratio)?;
            params.skew_scale_ratio = ratio(&a.skew_scale_ratio, params.skew_scale_ratio)?;
            params.skew_rebate_share = ratio(&a.skew_rebate, params.skew_rebate_share)?;
            if let Some(t) = &a.funding_target {
                params.funding_rate_target = annual_rate_per_day(t)?;
            }
            params.funding_reversion_time = a.funding_reversion.unwrap_or(params.funding_reversion_time);
            params.profit_unlock_time = a.profit_unlock.unwrap_or(params.profit_unlock_time);
            params.hedge_tolerance = ratio(&a.hedge_tolerance, params.hedge_tolerance)?;
            if let Some(c) = &a.max_hedge_cost {
                params.max_hedge_cost = annual_rate_per_day(c)?;
            }
            params.max_open_interest_usd = a.max_open_interest_usd.unwrap_or(params.max_open_interest_usd);
            params.max_position_usd = a.max_position_usd.unwrap_or(params.max_position_usd);
            params.withdraw_delay = a.withdraw_delay.unwrap_or(params.withdraw_delay);
            params.execution_delay = a.execution_delay.unwrap_or(params.execution_delay);
            // The program refuses these with InvalidParameter; name the rule first.
            if let Some(rule) = params.first_violation() {
                bail!(
                    "market parameters out of range: {rule} (the program refuses them with InvalidParameter)"
                );
            }
            let seed = parse_amount(&a.seed_insurance, d)?;
            let keys = keys::MarketKeys::new(a.mint, me, a.price_account);
            let token = Client::ata(&me, &a.mint);
            let mut args = defaults::market_create_args(kind, feed_id, params, me, seed);
            args.admin_config.timelock_delay = a.timelock.unwrap_or(args.admin_config.timelock_delay);
            args.guardian = a.guardian.unwrap_or(me);
            args.accept_freeze_authority = a.accept_freeze_authority;
            let sent = client
                .send(&[ix::market_create(&keys, &me, &token, args)], &[])
                .await?;
            Ok(out(
                json!({"market": keys.market.to_string(), "signature": sent.signature, "share_mint": keys.share_mint.to_string()}),
                sent_line(&format!("Created market {}", keys.market), &sent.signature),
            ))
        }
    }
}

/// A yearly rate such as `5%` or `-2.5%` as the program's daily rate at 1e12 (a
/// 365-day year), rounded toward zero.
fn annual_rate_per_day(s: &str) -> Result<i64> {
    let t = s.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t),
    };
    let millionths = i64::from(parse_ratio(body)?);
    // millionths of a year -> 1e12 per day: * 1e6 / 365.
    let per_day = millionths * 1_000_000 / 365;
    Ok(if neg { -per_day } else { per_day })
}

#[cfg(test)]
mod tests {
    use super::annual_rate_per_day;

    #[test]
    fn a_yearly_funding_target_becomes_the_programs_daily_rate() {
        // 5% a year = 0.0137% a day = 136,986,301 at 1e12.
        assert_eq!(annual_rate_per_day("5%").unwrap(), 136_986_301);
        assert_eq!(annual_rate_per_day("-2.5%").unwrap(), -68_493_150);
        assert_eq!(annual_rate_per_day("0").unwrap(), 0);
        assert!(annual_rate_per_day("five").is_err());
    }
}
