//! `hedge demo`: the whole story on the embedded chain. A market for a token with a
//! Pyth price is created; a holder hedges from a wallet; leveraged traders take the
//! other side; a price path plays out (built in, or a `Date,...,Close` CSV); funding
//! is cranked every step; the keeper liquidates (and deleverages) when due; traders
//! take profit and new ones keep the vault hedged; at the end the holder withdraws.
//! The report compares the holder's USD value with and without the hedge.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context, Result};
use hedge_engine::params::RiskParams;
use hedge_engine::position::unrealized_pnl_quote;
use hedge_vault::events::{PositionTraded, VaultDeposited, VaultWithdrawn};
use hedge_vault::state::OracleKind;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::chain::Chain;
use crate::client::Client;
use crate::keeper::{self, PassConfig};
use crate::keys::{self, MarketKeys};
use crate::{ix, pyth};

/// ETH-USD daily closes, 2021-04-25 to 2021-07-25: the run-up to 4168 and the May
/// 2021 crash (public market data, from data/ETH-USD.csv).
pub const BUILTIN_PATH: &[(&str, f64)] = &[
    ("2021-04-25", 2316.06),
    ("2021-04-26", 2534.48),
    ("2021-04-27", 2662.87),
    ("2021-04-28", 2746.38),
    ("2021-04-29", 2756.88),
    ("2021-04-30", 2773.21),
    ("2021-05-01", 2945.89),
    ("2021-05-02", 2952.06),
    ("2021-05-03", 3431.09),
    ("2021-05-04", 3253.63),
    ("2021-05-05", 3522.78),
    ("2021-05-06", 3490.88),
    ("2021-05-07", 3484.73),
    ("2021-05-08", 3902.65),
    ("2021-05-09", 3928.84),
    ("2021-05-10", 3952.29),
    ("2021-05-11", 4168.70),
    ("2021-05-12", 3785.85),
    ("2021-05-13", 3715.15),
    ("2021-05-14", 4079.06),
    ("2021-05-15", 3638.12),
    ("2021-05-16", 3587.51),
    ("2021-05-17", 3282.40),
    ("2021-05-18", 3380.07),
    ("2021-05-19", 2460.68),
    ("2021-05-20", 2784.29),
    ("2021-05-21", 2430.62),
    ("2021-05-22", 2295.71),
    ("2021-05-23", 2109.58),
    ("2021-05-24", 2643.59),
    ("2021-05-25", 2706.63),
    ("2021-05-26", 2888.70),
    ("2021-05-27", 2736.49),
    ("2021-05-28", 2419.91),
    ("2021-05-29", 2279.51),
    ("2021-05-30", 2390.31),
    ("2021-05-31", 2714.95),
    ("2021-06-01", 2633.52),
    ("2021-06-02", 2706.12),
    ("2021-06-03", 2855.13),
    ("2021-06-04", 2688.20),
    ("2021-06-05", 2630.58),
    ("2021-06-06", 2715.09),
    ("2021-06-07", 2590.26),
    ("2021-06-08", 2517.44),
    ("2021-06-09", 2608.27),
    ("2021-06-10", 2471.52),
    ("2021-06-11", 2353.77),
    ("2021-06-12", 2372.48),
    ("2021-06-13", 2508.39),
    ("2021-06-14", 2537.89),
    ("2021-06-15", 2610.94),
    ("2021-06-16", 2367.66),
    ("2021-06-17", 2372.00),
    ("2021-06-18", 2231.73),
    ("2021-06-19", 2178.50),
    ("2021-06-20", 2246.36),
    ("2021-06-21", 1888.45),
    ("2021-06-22", 1874.95),
    ("2021-06-23", 1989.74),
    ("2021-06-24", 1988.46),
    ("2021-06-25", 1813.22),
    ("2021-06-26", 1829.24),
    ("2021-06-27", 1978.89),
    ("2021-06-28", 2079.66),
    ("2021-06-29", 2160.77),
    ("2021-06-30", 2274.55),
    ("2021-07-01", 2113.61),
    ("2021-07-02", 2150.04),
    ("2021-07-03", 2226.11),
    ("2021-07-04", 2321.72),
    ("2021-07-05", 2198.58),
    ("2021-07-06", 2324.68),
    ("2021-07-07", 2315.16),
    ("2021-07-08", 2120.03),
    ("2021-07-09", 2146.69),
    ("2021-07-10", 2111.40),
    ("2021-07-11", 2139.66),
    ("2021-07-12", 2036.72),
    ("2021-07-13", 1940.08),
    ("2021-07-14", 1994.33),
    ("2021-07-15", 1911.18),
    ("2021-07-16", 1880.38),
    ("2021-07-17", 1898.83),
    ("2021-07-18", 1895.55),
    ("2021-07-19", 1817.30),
    ("2021-07-20", 1787.51),
    ("2021-07-21", 1990.97),
    ("2021-07-22", 2025.20),
    ("2021-07-23", 2124.78),
    ("2021-07-24", 2189.22),
    ("2021-07-25", 2191.37),
];

const DECIMALS: u8 = 9;
const EXPO: i32 = -8;
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

#[derive(Debug, Serialize)]
pub struct DemoReport {
    pub program: String,
    pub market: String,
    pub path: String,
    pub steps: usize,
    pub first_date: String,
    pub last_date: String,
    pub start_price_usd: f64,
    pub end_price_usd: f64,
    pub deposited_tokens: f64,
    pub deposited_usd: f64,
    pub withdrawn_tokens: f64,
    /// The holder's USD value at the end, hedged (withdrawn tokens at the end price).
    pub hedged_usd: f64,
    /// The same tokens never deposited, at the end price.
    pub unhedged_usd: f64,
    /// hedged_usd / deposited_usd - 1
    pub hedged_return: f64,
    /// unhedged_usd / deposited_usd - 1
    pub unhedged_return: f64,
    /// Funding settled into the vault (negative: the vault paid), tokens.
    pub funding_to_vault_tokens: f64,
    pub fees_paid_tokens: f64,
    pub fees_to_insurance_tokens: f64,
    pub liquidations: usize,
    pub liquidator_rewards_tokens: f64,
    pub bad_debt_tokens: f64,
    pub insurance_covered_tokens: f64,
    pub socialized_loss_tokens: f64,
    pub insurance_fund_tokens: f64,
    pub positions_opened: usize,
    pub take_profits: usize,
    pub auto_deleveraged: usize,
    pub transactions: usize,
    /// The holder's `hedge vault statement` after the withdrawal.
    pub statement: Option<crate::statement::Statement>,
}

fn tokens(v: i128) -> f64 {
    v as f64 / 10f64.powi(i32::from(DECIMALS))
}

fn mantissa(usd: f64) -> i64 {
    (usd * 10f64.powi(-EXPO)).round() as i64
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn unix_day(date: &str) -> Result<i64> {
    let mut it = date.trim().splitn(3, '-');
    let (y, m, d): (i64, i64, i64) = (
        it.next().ok_or_else(|| anyhow!("bad date {date}"))?.parse()?,
        it.next().ok_or_else(|| anyhow!("bad date {date}"))?.parse()?,
        it.next().ok_or_else(|| anyhow!("bad date {date}"))?.parse()?,
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(era * 146_097 + doe - 719_468)
}

/// Reads `Date,...,Close` rows (the header names the columns); skips rows without a
/// positive close.
pub fn read_prices(path: &Path) -> Result<Vec<(String, f64)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| anyhow!("empty file"))?
        .split(',')
        .map(str::trim)
        .collect();
    let date_i = header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("date"))
        .ok_or_else(|| anyhow!("no Date column"))?;
    let close_i = header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("close"))
        .ok_or_else(|| anyhow!("no Close column"))?;
    let mut out = Vec::new();
    for line in lines {
        let cols: Vec<&str> = line.split(',').collect();
        let (Some(d), Some(c)) = (cols.get(date_i), cols.get(close_i)) else {
            continue;
        };
        if let Ok(v) = c.trim().parse::<f64>() {
            if v > 0.0 && v.is_finite() {
                out.push((d.trim().to_string(), v));
            }
        }
    }
    if out.len() < 2 {
        bail!("{} has fewer than two prices", path.display());
    }
    Ok(out)
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

struct Trader {
    kp: Keypair,
    token: Pubkey,
}

struct World {
    client: Client,
    keys: MarketKeys,
    oracle: Pubkey,
    now: i64,
    tx: usize,
    traders: Vec<Trader>,
    report: DemoReport,
}

impl World {
    async fn set_price(&mut self, usd: f64) -> Result<()> {
        let acc = pyth::legacy_account(
            mantissa(usd),
            mantissa(usd * 0.0005).max(1) as u64,
            EXPO,
            self.now,
        );
        let e = self.client.chain.embedded_mut()?;
        e.set_time(self.now).await?;
        e.set_account(&self.oracle, acc);
        Ok(())
    }

    async fn send(
        &mut self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
        signers: &[&Keypair],
    ) -> Result<crate::chain::Sent> {
        self.tx += 1;
        self.client.send(ixs, signers).await
    }

    async fn new_wallet(&mut self, tokens: u64) -> Result<(Keypair, Pubkey)> {
        let kp = Keypair::new();
        self.client.fund(&kp.pubkey(), 100_000_000).await?;
        let token = self.client.mint_to(&self.keys.mint, &kp.pubkey(), tokens).await?;
        self.tx += 2;
        Ok((kp, token))
    }

    /// Adds the fees and settled funding of the trades in `sent` to the report.
    fn book_trades(&mut self, sent: &crate::chain::Sent) {
        for t in sent.events::<PositionTraded>() {
            self.report.fees_paid_tokens += tokens(t.fee.into());
            self.report.fees_to_insurance_tokens += tokens(t.insurance_fee.into());
            self.report.funding_to_vault_tokens += tokens(t.funding_paid.into());
        }
    }

    /// A new trader opens a position account, posts margin and requests a long of
    /// `size` at `leverage`x (executed by the next keeper pass).
    async fn open_long(&mut self, size: u64, leverage: u64) -> Result<()> {
        let margin = size / leverage + size / 50;
        let (kp, token) = self.new_wallet(margin).await?;
        let ixs = [
            ix::position_open(&self.keys, &kp.pubkey()),
            ix::position_deposit(&self.keys, &kp.pubkey(), &token, margin),
            ix::position_request_trade(&self.keys, &kp.pubkey(), size as i64, 0),
        ];
        self.send(&ixs, &[&kp]).await?;
        self.report.positions_opened += 1;
        self.traders.push(Trader { kp, token });
        Ok(())
    }

    /// Moves the clock past the requests' due time (the price unchanged, published
    /// again) and lets the keeper execute every due request.
    async fn settle_requests(&mut self, usd: f64, wait: i64) -> Result<Vec<crate::chain::Sent>> {
        self.now += wait;
        self.set_price(usd).await?;
        let cfg = PassConfig {
            requests: true,
            ..PassConfig::none()
        };
        let pass = self.keeper_pass(&cfg).await?;
        for sent in &pass.sent {
            self.book_trades(sent);
        }
        Ok(pass.sent)
    }

    /// One keeper pass of the demo's keeper (the admin's wallet).
    async fn keeper_pass(&mut self, cfg: &PassConfig) -> Result<keeper::Pass> {
        let mut venue = keeper::ChainVenue::new(&mut self.client, self.keys.market, None);
        let pass = keeper::run(&mut venue, cfg, None).await?;
        self.tx += pass.transactions;
        Ok(pass)
    }
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
    let mut admin_config = crate::defaults::admin_config();
    admin_config.settlement_timeout = 7 * DAY as u32;
    let args = hedge_vault::MarketCreateArgs {
        oracle_kind: OracleKind::PythLegacy,
        feed_id: [0; 32],
        oracle_config: crate::defaults::oracle_limits().into(),
        params: params.into(),
        admin_config,
        guardian: admin,
        seed_insurance: seed,
        accept_freeze_authority: false,
    };
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
            let key = keys::position(&w.keys.market, &t.kp.pubkey());
            let Some(p) = w
                .client
                .chain
                .anchor_opt::<hedge_vault::state::Position>(&key)
                .await?
            else {
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
        let key = keys::position(&w.keys.market, &t.kp.pubkey());
        let Some(p) = w
            .client
            .chain
            .anchor_opt::<hedge_vault::state::Position>(&key)
            .await?
        else {
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

impl World {
    async fn client_market(&mut self) -> Result<crate::client::LoadedMarket> {
        let market = self.keys.market;
        self.client.market(&market, Some(self.oracle)).await
    }
}

/// The report as a person reads it.
pub fn render(r: &DemoReport) -> String {
    let pct = |x: f64| format!("{:+.2}%", x * 100.0);
    let statement = r
        .statement
        .as_ref()
        .map(|s| {
            format!(
                "\n\nThe holder's `hedge vault statement`:\n{}",
                crate::statement::render(s)
            )
        })
        .unwrap_or_default();
    let story = format!(
        "Hedge vault demo (embedded chain, program {program})
market {market}
price path: {path}
  {steps} steps, {d0} -> {d1}, {p0:.2} -> {p1:.2} USD

The holder deposited {dep:.4} tokens = {dep_usd:.2} USD
  and withdrew        {wd:.4} tokens = {h_usd:.2} USD at the end   ({h_ret} in USD, hedged)
  had they held:      {dep:.4} tokens = {u_usd:.2} USD              ({u_ret} in USD, unhedged)

Funding settled to the vault: {fund:+.6} tokens
Fees paid by traders:         {fees:.6} tokens ({fees_ins:.6} to the insurance fund)
Liquidations:                 {liq} (keeper rewards {rew:.6} tokens)
Bad debt:                     {bad:.6} tokens: {cov:.6} paid by the insurance fund, {soc:.6} socialized
Insurance fund at the end:    {ins:.6} tokens
Traders:                      {opened} positions opened, {tp} took profit, {adl} auto-deleveraged
Transactions:                 {tx}",
        program = r.program,
        market = r.market,
        path = r.path,
        steps = r.steps,
        d0 = r.first_date,
        d1 = r.last_date,
        p0 = r.start_price_usd,
        p1 = r.end_price_usd,
        dep = r.deposited_tokens,
        dep_usd = r.deposited_usd,
        wd = r.withdrawn_tokens,
        h_usd = r.hedged_usd,
        h_ret = pct(r.hedged_return),
        u_usd = r.unhedged_usd,
        u_ret = pct(r.unhedged_return),
        fund = r.funding_to_vault_tokens,
        fees = r.fees_paid_tokens,
        fees_ins = r.fees_to_insurance_tokens,
        liq = r.liquidations,
        rew = r.liquidator_rewards_tokens,
        bad = r.bad_debt_tokens,
        cov = r.insurance_covered_tokens,
        soc = r.socialized_loss_tokens,
        ins = r.insurance_fund_tokens,
        opened = r.positions_opened,
        tp = r.take_profits,
        adl = r.auto_deleveraged,
        tx = r.transactions,
    );
    story + &statement
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
