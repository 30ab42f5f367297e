//! `hedge demo`: the whole story on the embedded chain. A market for a token with a
//! Pyth price is created; a holder hedges from a wallet; leveraged traders take the
//! other side; a price path plays out (built in, or a `Date,...,Close` CSV); funding
//! is cranked every step; the keeper liquidates (and deleverages) when due; traders
//! take profit and new ones keep the vault hedged; at the end the holder withdraws.
//! The report compares the holder's USD value with and without the hedge.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Result};
use hedge_engine::params::RiskParams;
use hedge_engine::position::unrealized_pnl_quote;
use hedge_vault::events::{PositionTraded, VaultDeposited, VaultWithdrawn};
use hedge_vault::state::OracleKind;
use solana_signer::Signer;

use crate::chain::Chain;
use crate::client::Client;
use crate::ix;
use crate::keeper::{self, PassConfig};
use crate::keys::MarketKeys;

mod prices;
mod report;
mod world;

use world::World;

pub use prices::{read_prices, unix_day, BUILTIN_PATH};
pub use report::{render, DemoReport};

const DECIMALS: u8 = 9;
const DAY: i64 = 86_400;

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// `Date,...,Close` CSV; the built-in path when `None`.
    pub prices: Option<std::path::PathBuf>,
    /// Use at most this many steps of the path.
    pub steps: Option<usize>,
    /// Tokens the holder hedges.
    pub deposit_tokens: u64,
    /// Print a line per step (to stderr).
    pub verbose: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            prices: None,
            steps: None,
            deposit_tokens: 100,
            verbose: false,
        }
    }
}

fn tokens(v: i128) -> f64 {
    crate::units::whole(v, DECIMALS)
}

/// Market parameters for daily steps: funding may accrue a whole day per crank.
pub fn demo_params(deposit: u64) -> RiskParams {
    let mut p = crate::defaults::risk_params(DECIMALS);
    p.max_funding_interval = DAY as u32;
    // 0.1% of notional per day at most (36.5% a year), reached after ten days of full
    // imbalance.
    p.max_funding_rate = 1_000_000_000;
    p.max_funding_velocity = 100_000_000;
    p.skew_scale = deposit.max(1);
    p.max_open_interest_usd = 10_000_000_000;
    p.max_position_usd = 10_000_000_000;
    p.min_position_base = 1_000_000;
    // A 30% gap beyond 10% margin: the insurance fund must hold 20% of the larger
    // side's open interest.
    p.stress_move = 300_000;
    p
}

/// The creator's seed insurance stake: enough for the stress cap to let traders hedge
/// the whole deposit.
pub fn demo_seed_insurance(deposit: u64) -> u64 {
    deposit / 4
}

/// Runs the story; `progress` is told each step.
pub async fn run(opts: &DemoOptions) -> Result<DemoReport> {
    let (path_name, path): (String, Vec<(String, f64)>) = match &opts.prices {
        Some(p) => (p.display().to_string(), read_prices(p)?),
        None => (
            "built-in: ETH-USD daily closes 2021-04-25..2021-07-25".to_string(),
            BUILTIN_PATH.iter().map(|(d, p)| (d.to_string(), *p)).collect(),
        ),
    };
    let path: Vec<(String, f64)> = match opts.steps {
        Some(n) => path.into_iter().take(n.max(2)).collect(),
        None => path,
    };
    let deposit = opts
        .deposit_tokens
        .checked_mul(10u64.pow(u32::from(DECIMALS)))
        .ok_or_else(|| anyhow!("deposit too large"))?;

    let chain = Chain::embedded().await?;
    let mut client = {
        let mut chain = chain;
        let payer = chain.embedded_mut()?.payer();
        Client::new(chain, payer)
    };
    let start = unix_day(&path[0].0).map(|d| d * DAY).unwrap_or(1_700_000_000);
    let mint = client.create_mint(DECIMALS).await?;
    let oracle = Pubkey::new_unique();
    let keys = MarketKeys::new(mint, client.pubkey(), oracle);
    let mut w = World {
        client,
        keys,
        oracle,
        now: start,
        tx: 1,
        traders: Vec::new(),
        report: DemoReport {
            program: hedge_vault::ID.to_string(),
            market: keys.market.to_string(),
            path: path_name,
            steps: path.len(),
            first_date: path[0].0.clone(),
            last_date: path[path.len() - 1].0.clone(),
            start_price_usd: path[0].1,
            end_price_usd: path[path.len() - 1].1,
            deposited_tokens: tokens(deposit.into()),
            deposited_usd: tokens(deposit.into()) * path[0].1,
            withdrawn_tokens: 0.0,
            hedged_usd: 0.0,
            unhedged_usd: 0.0,
            hedged_return: 0.0,
            unhedged_return: 0.0,
            funding_to_vault_tokens: 0.0,
            fees_paid_tokens: 0.0,
            fees_to_insurance_tokens: 0.0,
            liquidations: 0,
            liquidator_rewards_tokens: 0.0,
            bad_debt_tokens: 0.0,
            insurance_covered_tokens: 0.0,
            socialized_loss_tokens: 0.0,
            insurance_fund_tokens: 0.0,
            positions_opened: 0,
            take_profits: 0,
            auto_deleveraged: 0,
            transactions: 0,
            statement: None,
        },
    };
    w.set_price(path[0].1).await?;

    // The market, with the creator's seed insurance stake.
    let params = demo_params(deposit);
    let admin = w.client.pubkey();
    let seed = demo_seed_insurance(deposit);
    let admin_token = w.client.mint_to(&mint, &admin, seed).await?;
    let mut args = crate::defaults::market_create_args(OracleKind::PythLegacy, [0; 32], params, admin, seed);
    // Daily steps: a quiet day must not count as a dead market.
    args.admin_config.settlement_timeout = 7 * DAY as u32;
    w.send(&[ix::market_create(&w.keys, &admin, &admin_token, args)], &[])
        .await?;
    w.client.ensure_ata(&admin, &mint).await?;
    let delay = i64::from(params.execution_delay);

    // The holder hedges from a wallet: a deposit request, executed at its due time.
    let (holder, holder_token) = w.new_wallet(deposit).await?;
    let holder_shares = w.client.ensure_ata(&holder.pubkey(), &w.keys.share_mint).await?;
    w.send(
        &[ix::vault_request_deposit(
            &w.keys,
            &holder.pubkey(),
            &holder_token,
            deposit,
            0,
        )],
        &[&holder],
    )
    .await?;
    let sent = w.settle_requests(path[0].1, delay).await?;
    let shares = sent
        .iter()
        .flat_map(|s| s.events::<VaultDeposited>())
        .next()
        .map(|e| e.shares)
        .ok_or_else(|| anyhow!("no deposit event"))?;

    // Traders take the other side at 2x, 3x, 5x and 8x.
    for lev in [2u64, 3, 5, 8] {
        w.open_long(deposit / 4, lev).await?;
    }
    w.settle_requests(path[0].1, delay).await?;

    for (i, (date, usd)) in path.iter().enumerate().skip(1) {
        w.now = start + (i as i64) * DAY;
        w.set_price(*usd).await?;
        // The keeper's pass: due requests, funding, liquidations, deleveraging.
        let pass = w.keeper_pass(&PassConfig::full(keeper::DEFAULT_BATCH)).await?;
        for sent in &pass.sent {
            w.book_trades(sent);
        }
        if let (Some(rate), true) = (pass.funding.as_ref().and_then(|f| f.rate), opts.verbose) {
            eprintln!(
                "{date} price {usd:>10.2} funding rate {:+.4}%/day",
                rate as f64 / 1e10
            );
        }
        let s = &pass.liquidations;
        w.report.liquidations += s.liquidated;
        w.report.liquidator_rewards_tokens += tokens(s.liquidator_rewards.into());
        w.report.bad_debt_tokens += tokens(s.bad_debt.into());
        w.report.insurance_covered_tokens += tokens(s.insurance_covered.into());
        w.report.socialized_loss_tokens += tokens(s.socialized.into());
        w.report.funding_to_vault_tokens += tokens(s.funding_to_vault.into());
        if s.liquidated > 0 && opts.verbose {
            eprintln!(
                "{date} liquidated {} position(s), bad debt {:.6}",
                s.liquidated,
                tokens(s.bad_debt.into())
            );
        }
        w.report.auto_deleveraged += pass.deleverage.deleveraged;
        w.report.funding_to_vault_tokens += tokens(pass.deleverage.funding_to_vault.into());
        let m = w.client_market().await?;
        let price = w.client.price(&m).await?.price;
        // Traders whose gains exceed their margin take profit (an order to close),
        // and those liquidated or deleveraged reclaim what is left and go.
        let units = m.state.units()?;
        let mut still = Vec::new();
        for t in std::mem::take(&mut w.traders) {
            let Some(p) = w.position_of(&t).await? else {
                continue;
            };
            if p.base == 0 {
                if p.pending_requests == 0 {
                    w.send(&[ix::position_close(&w.keys, &t.kp.pubkey(), &t.token)], &[&t.kp])
                        .await
                        .ok();
                    continue;
                }
            } else if p.pending_requests == 0 {
                let pnl = unrealized_pnl_quote(&p.engine(), units, price.price).unwrap_or(0);
                let pnl_tokens = units
                    .tokens_of(pnl, price.price, hedge_engine::math::Rounding::Floor)
                    .unwrap_or(0);
                if pnl_tokens > i128::from(p.margin) {
                    w.send(
                        &[ix::position_request_trade(&w.keys, &t.kp.pubkey(), -p.base, 0)],
                        &[&t.kp],
                    )
                    .await
                    .ok();
                }
            }
            still.push(t);
        }
        w.traders = still;
        // New traders take the other side of the hedge when longs have left.
        let m = w.client_market().await?;
        if !m.state.is_reduce_only() {
            let target = u128::from(m.state.collateral) * u128::from(m.state.params.hedge_ratio) / 1_000_000;
            let n = m.state.net_base.max(0) as u128;
            if n + u128::from(params.min_position_base) * 10 < target {
                let size = u64::try_from(target - n).unwrap_or(0);
                if let Err(e) = w.open_long(size, 3).await {
                    if opts.verbose {
                        eprintln!("{date} a new trader could not open: {e}");
                    }
                }
            }
        }
        // The keeper executes the orders at the price of their due time.
        let sent = w.settle_requests(*usd, delay).await?;
        w.report.take_profits += sent
            .iter()
            .flat_map(|s| s.events::<PositionTraded>())
            .filter(|e| e.reducing && e.base_after == 0)
            .count();
    }

    // The traders close their positions (orders, then the accounts); then the holder
    // leaves: a withdrawal request, executed after the delay.
    let end_usd = path[path.len() - 1].1;
    let mut closing = Vec::new();
    for t in std::mem::take(&mut w.traders) {
        let Some(p) = w.position_of(&t).await? else {
            continue;
        };
        if p.base != 0 && p.pending_requests == 0 {
            w.send(
                &[ix::position_request_trade(&w.keys, &t.kp.pubkey(), -p.base, 0)],
                &[&t.kp],
            )
            .await?;
        }
        closing.push(t);
    }
    w.settle_requests(end_usd, delay).await?;
    for t in closing {
        w.send(&[ix::position_close(&w.keys, &t.kp.pubkey(), &t.token)], &[&t.kp])
            .await?;
    }
    w.send(
        &[ix::vault_request_withdraw(
            &w.keys,
            &holder.pubkey(),
            &holder_shares,
            shares,
        )],
        &[&holder],
    )
    .await?;
    let sent = w
        .settle_requests(end_usd, i64::from(params.withdraw_delay))
        .await?;
    let paid = sent
        .iter()
        .flat_map(|s| s.events::<VaultWithdrawn>())
        .map(|e| e.paid)
        .sum::<u64>();
    if paid == 0 {
        bail!("the holder's withdrawal paid nothing");
    }
    let _ = holder_token;

    let m = w.client_market().await?;
    let statement =
        crate::statement::for_owner(&mut w.client, &w.keys.market, Some(w.oracle), &holder.pubkey()).await?;
    let r = &mut w.report;
    r.statement = Some(statement);
    r.withdrawn_tokens = tokens(paid.into());
    r.hedged_usd = r.withdrawn_tokens * end_usd;
    r.unhedged_usd = r.deposited_tokens * end_usd;
    r.hedged_return = r.hedged_usd / r.deposited_usd - 1.0;
    r.unhedged_return = r.unhedged_usd / r.deposited_usd - 1.0;
    r.insurance_fund_tokens = tokens(m.state.insurance.into());
    r.transactions = w.tx;
    Ok(w.report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_to_unix_days() {
        assert_eq!(unix_day("1970-01-01").unwrap(), 0);
        assert_eq!(unix_day("2021-04-25").unwrap() * DAY, 1_619_308_800);
        assert_eq!(unix_day("2000-03-01").unwrap(), 11_017);
    }

    #[test]
    fn the_builtin_path_is_the_may_2021_crash() {
        assert_eq!(BUILTIN_PATH.len(), 92);
        let max = BUILTIN_PATH.iter().map(|p| p.1).fold(0.0, f64::max);
        assert_eq!(max, 4168.70);
    }
}
