//! One keeper pass, the only one: `hedge keeper run`, `hedge crank`, the demo, the
//! localnet test and the backtest all call [`run`] on a [`Venue`].
//!
//! Order, each step on freshly loaded accounts: crank funding (so that every later
//! step, and the backtest's attribution, sees funding already accrued to now);
//! execute every due request (each at the price of its due time, however late:
//! nothing expires, and nothing its owner did can stop it); liquidate every
//! position the program would liquidate (at the price, confirmed at the price
//! `liquidation_confirmation` seconds earlier), lowest equity first, in batches (a batch
//! that fails is retried one by one); then, while the vault is in breach,
//! auto-deleverage the most profitable position on the side of `N` until the
//! program reports it restored.

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_engine::oracle::OraclePrice;
use hedge_engine::requests::RequestKind;
use hedge_vault::events::{
    AutoDeleveraged, BadDebtResolved, FundingUpdated, PaymentHeld, PositionLiquidated, RequestCancelled,
    CANCELLED_REFUSED,
};
use hedge_vault::state::{Market, Position};
use serde::Serialize;

use super::decide::{accrued, deleverage_order, in_breach, liquidatable, request_action, RequestAction};
use crate::chain::{Sent, TxError};
use crate::requests::Pending;

/// Where a keeper acts: the chain (`ChainVenue`) or a simulation. Every action
/// returns what happened as the program's events, so one pass reads both.
#[allow(async_fn_in_trait)] // used single-threaded, never as `dyn`
pub trait Venue {
    /// The market account, its oracle price now, and the venue's clock.
    async fn market(&mut self) -> Result<(Market, OraclePrice, i64)>;
    /// Every open position account of the market.
    async fn positions(&mut self) -> Result<Vec<(Pubkey, Position)>>;
    /// Every pending request of the market.
    async fn requests(&mut self) -> Result<Vec<Pending>>;
    async fn crank_funding(&mut self) -> Result<Sent>;
    /// Executes `p` at the price of its due time.
    async fn execute_request(&mut self, p: &Pending) -> Result<Sent>;
    /// The prices a liquidation or deleveraging acts at now: `(confirmation, price)`
    /// (PROTOCOL section 6). The price is `price` (what `market()` read) or, where the
    /// account it was read from moves under a transaction (a cluster's sponsored
    /// feed), the newest posted update of the feed; the confirmation is the feed's
    /// unique update `liquidation_confirmation` seconds before it, or a legacy
    /// account's own price. The venue keeps the accounts the instructions name.
    async fn liquidation_prices(&mut self, price: &OraclePrice) -> Result<(OraclePrice, OraclePrice)>;
    /// Liquidates `targets` in one transaction.
    async fn liquidate(&mut self, targets: &[Pubkey]) -> Result<Sent>;
    async fn deleverage(&mut self, target: &Pubkey) -> Result<Sent>;
}

/// Which steps a pass takes.
#[derive(Clone, Copy, Debug)]
pub struct PassConfig {
    pub requests: bool,
    pub funding: bool,
    pub liquidations: bool,
    pub deleverage: bool,
    /// Liquidations per transaction.
    pub batch: usize,
}

impl PassConfig {
    /// Every step (`hedge keeper run`).
    pub fn full(batch: usize) -> PassConfig {
        PassConfig {
            requests: true,
            funding: true,
            liquidations: true,
            deleverage: true,
            batch,
        }
    }

    /// No step; set the ones wanted.
    pub fn none() -> PassConfig {
        PassConfig {
            requests: false,
            funding: false,
            liquidations: false,
            deleverage: false,
            batch: super::DEFAULT_BATCH,
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct RequestSummary {
    pub pending: usize,
    pub executed: usize,
    /// Refused at execution: cancelled with their reason (the executor still paid).
    pub refused: usize,
    /// Executed with a payment held for its owner's claim (the account named at
    /// request could not take it).
    pub held: usize,
    pub failed: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct FundingSummary {
    pub signature: String,
    /// 1e12 = 100% per day.
    pub rate: Option<i64>,
    pub charged_seconds: Option<i64>,
}

#[derive(Debug, Default, Serialize)]
pub struct LiquidationSummary {
    pub scanned: usize,
    pub eligible: usize,
    pub liquidated: usize,
    pub transactions: usize,
    pub failed: Vec<String>,
    pub liquidator_rewards: u64,
    pub bad_debt: u64,
    pub insurance_covered: u64,
    pub socialized: u64,
    pub funding_to_vault: i64,
}

#[derive(Debug, Default, Serialize)]
pub struct DeleverageSummary {
    pub deleveraged: usize,
    pub realized_pnl: i64,
    pub funding_to_vault: i64,
    /// Whether the program reported the vault restored by the last one.
    pub restored: bool,
}

/// What one pass did.
#[derive(Debug, Default, Serialize)]
pub struct Pass {
    pub unix_time: i64,
    pub price: String,
    pub requests: RequestSummary,
    pub funding: Option<FundingSummary>,
    pub funding_error: Option<String>,
    pub liquidations: LiquidationSummary,
    pub deleverage: DeleverageSummary,
    pub deleverage_error: Option<String>,
    pub transactions: usize,
    /// Every transaction the pass sent, in order (their events).
    #[serde(skip)]
    pub sent: Vec<Sent>,
}

impl Pass {
    /// Every event of type `E` the pass's transactions emitted.
    pub fn events<E: anchor_lang::Event + anchor_lang::Discriminator + anchor_lang::AnchorDeserialize>(
        &self,
    ) -> Vec<E> {
        self.sent.iter().flat_map(Sent::events::<E>).collect()
    }

    fn record(&mut self, sent: Sent) {
        self.transactions += 1;
        self.sent.push(sent);
    }
}

/// The program's error name for a failed action, or the error.
pub fn reason(e: &anyhow::Error) -> String {
    e.downcast_ref::<TxError>()
        .and_then(|t| t.name.clone())
        .unwrap_or_else(|| e.to_string())
}

/// One keeper pass on `venue`; `progress` counts liquidations.
pub async fn run<V: Venue>(
    venue: &mut V,
    cfg: &PassConfig,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<Pass> {
    let (_, price, now) = venue.market().await?;
    let mut pass = Pass {
        unix_time: now,
        price: crate::units::format_price(price.price, 6),
        ..Default::default()
    };
    if cfg.funding {
        match venue.crank_funding().await {
            Ok(sent) => {
                let ev = sent.events::<FundingUpdated>().into_iter().next();
                pass.funding = Some(FundingSummary {
                    signature: sent.signature.clone(),
                    rate: ev.as_ref().map(|e| e.rate),
                    charged_seconds: ev.as_ref().map(|e| e.charged_seconds),
                });
                pass.record(sent);
            }
            Err(e) => pass.funding_error = Some(reason(&e)),
        }
    }
    if cfg.requests {
        requests(venue, &mut pass, now).await?;
    }
    if cfg.liquidations {
        liquidations(venue, &mut pass, cfg.batch, progress).await?;
    }
    if cfg.deleverage {
        if let Err(e) = deleverage(venue, &mut pass).await {
            pass.deleverage_error = Some(reason(&e));
        }
    }
    Ok(pass)
}

async fn requests<V: Venue>(venue: &mut V, pass: &mut Pass, now: i64) -> Result<()> {
    let mut all = venue.requests().await?;
    // Trades and the other kinds first, in the venue's order, so that a deposit finds
    // the longs that cover it (PROTOCOL section 3, revision 6); then the deposits
    // waiting for their hedge, oldest first (the queue: the program keeps new deposits
    // behind them; among them the order is the keeper's); then the new deposits.
    let deposit = RequestKind::Deposit as u8;
    all.sort_by_key(|p| match (p.request.kind == deposit, p.request.is_waiting()) {
        (false, _) => (0, 0),
        (true, true) => (1, p.request.created_at),
        (true, false) => (2, 0),
    });
    pass.requests.pending = all.len();
    for p in &all {
        let result = match request_action(&p.request, now)? {
            RequestAction::Wait => continue,
            RequestAction::Execute => venue.execute_request(p).await.map(|sent| {
                let refused = sent
                    .events::<RequestCancelled>()
                    .iter()
                    .any(|e| e.cause == CANCELLED_REFUSED);
                if refused {
                    pass.requests.refused += 1;
                } else {
                    pass.requests.executed += 1;
                }
                pass.requests.held += sent.events::<PaymentHeld>().len();
                pass.record(sent);
            }),
        };
        if let Err(e) = result {
            pass.requests.failed.push(format!("{}: {}", p.key, reason(&e)));
        }
    }
    Ok(())
}

async fn liquidations<V: Venue>(
    venue: &mut V,
    pass: &mut Pass,
    batch: usize,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<()> {
    let (m, read, now) = venue.market().await?;
    let (confirm, price) = venue.liquidation_prices(&read).await?;
    let st = accrued(&m, &price, now)?;
    let positions = venue.positions().await?;
    let targets = liquidatable(&positions, &st, &confirm, &price);
    let s = &mut pass.liquidations;
    s.scanned = positions.len();
    s.eligible = targets.len();
    if let Some(pb) = progress {
        pb.set_length(targets.len() as u64);
    }
    let mut done = Vec::new();
    for chunk in targets.chunks(batch.max(1)) {
        match venue.liquidate(chunk).await {
            Ok(sent) => done.push(sent),
            Err(_) => {
                for p in chunk {
                    match venue.liquidate(std::slice::from_ref(p)).await {
                        Ok(sent) => done.push(sent),
                        Err(e) => pass.liquidations.failed.push(format!("{p}: {}", reason(&e))),
                    }
                }
            }
        }
        if let Some(pb) = progress {
            pb.inc(chunk.len() as u64);
        }
    }
    for sent in done {
        let s = &mut pass.liquidations;
        s.transactions += 1;
        for ev in sent.events::<PositionLiquidated>() {
            s.liquidated += 1;
            s.liquidator_rewards += ev.liquidator_reward;
            s.bad_debt += ev.bad_debt;
            s.funding_to_vault += ev.funding_paid;
        }
        for b in sent.events::<BadDebtResolved>() {
            s.insurance_covered += b.insurance_covered;
            s.socialized += b.socialized;
        }
        pass.record(sent);
    }
    Ok(())
}

async fn deleverage<V: Venue>(venue: &mut V, pass: &mut Pass) -> Result<()> {
    let (m, price, now) = venue.market().await?;
    let st = accrued(&m, &price, now)?;
    if !in_breach(&st, &price) {
        return Ok(());
    }
    let (confirm, price) = venue.liquidation_prices(&price).await?;
    let st = accrued(&m, &price, now)?;
    let positions = venue.positions().await?;
    for p in deleverage_order(&positions, &st, &confirm, &price) {
        let sent = venue.deleverage(&p).await?;
        let evs = sent.events::<AutoDeleveraged>();
        pass.record(sent);
        let d = &mut pass.deleverage;
        for e in &evs {
            d.deleveraged += 1;
            d.realized_pnl += e.realized_pnl;
            d.funding_to_vault += e.funding_paid;
            d.restored |= !e.reduce_only_after;
        }
        if d.restored {
            break;
        }
    }
    Ok(())
}
