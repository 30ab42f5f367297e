//! Keeper decisions and actions. Eligibility is decided with the engine functions the
//! program itself calls (`is_liquidatable`, `vault_in_breach`), on freshly fetched
//! accounts and the funding index accrued to now, so the keeper sends only what the
//! program will accept.

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_engine::liquidation::vault_in_breach;
use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::{is_liquidatable, unrealized_pnl_quote, MarketView};
use hedge_engine::vault::VaultView;
use hedge_vault::events::{AutoDeleveraged, BadDebtResolved, FundingUpdated, PositionLiquidated};
use hedge_vault::state::{Market, Position, POSITION_MARKET_OFFSET};
use serde::Serialize;

use crate::chain::TxError;
use crate::client::{Client, LoadedMarket};
use crate::ix;
use crate::views::index_now;

/// Liquidations that fit in one transaction with room to spare (12 measured; see
/// docs/KEEPERS.md).
pub const DEFAULT_BATCH: usize = 8;

/// Every position of a market: `getProgramAccounts` with a memcmp on the market at
/// byte 8 and the account size (on the embedded chain, the client's complete index).
pub async fn scan(client: &mut Client, market: &Pubkey) -> Result<Vec<(Pubkey, Position)>> {
    let size = 8 + <Position as anchor_lang::Space>::INIT_SPACE as u64;
    let found = client
        .chain
        .program_accounts(
            &[(POSITION_MARKET_OFFSET, market.to_bytes().to_vec())],
            Some(size),
        )
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(k, a)| {
            <Position as anchor_lang::AccountDeserialize>::try_deserialize(&mut a.data.as_slice())
                .ok()
                .map(|p| (k, p))
        })
        .collect())
}

fn view<'a>(
    m: &Market,
    params: &'a hedge_engine::params::RiskParams,
    price: &OraclePrice,
    now: i64,
) -> Result<MarketView<'a>> {
    Ok(MarketView {
        params,
        units: m.units()?,
        oracle: *price,
        funding_index: index_now(m, price.price, now),
    })
}

/// Positions below maintenance at this price, worst first.
pub fn liquidatable(
    positions: &[(Pubkey, Position)],
    m: &Market,
    price: &OraclePrice,
    now: i64,
) -> Result<Vec<Pubkey>> {
    let params = m.risk_params();
    let v = view(m, &params, price, now)?;
    let mut out: Vec<(i128, Pubkey)> = Vec::new();
    for (k, p) in positions {
        let e = p.engine();
        if is_liquidatable(&e, &v).unwrap_or(false) {
            let eq = hedge_engine::position::equity_floor(&e, &v).unwrap_or(i128::MIN);
            out.push((eq, *k));
        }
    }
    out.sort();
    Ok(out.into_iter().map(|(_, k)| k).collect())
}

/// Whether the vault is in margin breach at this price.
pub fn in_breach(m: &Market, price: &OraclePrice, now: i64) -> Result<bool> {
    let params = m.risk_params();
    let v = view(m, &params, price, now)?;
    let agg = m.aggregates();
    let vv = VaultView {
        collateral: m.collateral,
        supply: 0,
        aggregates: &agg,
        units: v.units,
        funding_index: v.funding_index,
    };
    Ok(vault_in_breach(&vv, &v).unwrap_or(false))
}

/// Positions the program would deleverage now (the engine's own
/// `MarketState::deleverage`, tried on a copy: on the side of `N`, in profit at the
/// oracle price), most profitable first.
pub fn deleverage_order(
    positions: &[(Pubkey, Position)],
    m: &Market,
    price: &OraclePrice,
    now: i64,
) -> Result<Vec<Pubkey>> {
    let units = m.units()?;
    let mut st = m.state()?;
    st.accrue(price.price, now)
        .map_err(|e| anyhow::anyhow!("engine: {e:?}"))?;
    let mut v: Vec<(i128, Pubkey)> = positions
        .iter()
        .filter(|(_, p)| p.base != 0)
        .filter(|(_, p)| {
            let (mut copy, mut pos) = (st, p.engine());
            copy.deleverage(&mut pos, *price).is_ok()
        })
        .filter_map(|(k, p)| {
            unrealized_pnl_quote(&p.engine(), units, price.price)
                .ok()
                .map(|q| (q, *k))
        })
        .collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.0));
    Ok(v.into_iter().map(|(_, k)| k).collect())
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
    #[serde(skip)]
    pub events: Vec<PositionLiquidated>,
    #[serde(skip)]
    pub bad_debts: Vec<BadDebtResolved>,
}

/// Liquidates `targets` in batches of `batch` per transaction; a batch that fails (a
/// position healed or was taken by another keeper) is retried one by one.
pub async fn liquidate(
    client: &mut Client,
    m: &LoadedMarket,
    liquidator_token: &Pubkey,
    targets: &[Pubkey],
    batch: usize,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<LiquidationSummary> {
    let mut s = LiquidationSummary {
        eligible: targets.len(),
        ..Default::default()
    };
    let me = client.pubkey();
    for chunk in targets.chunks(batch.max(1)) {
        let ixs: Vec<_> = chunk
            .iter()
            .map(|p| ix::position_liquidate(&m.keys, &me, liquidator_token, p))
            .collect();
        match client.send(&ixs, &[]).await {
            Ok(sent) => {
                s.transactions += 1;
                s.liquidated += chunk.len();
                record(&mut s, &sent);
            }
            Err(_) => {
                for p in chunk {
                    let one = ix::position_liquidate(&m.keys, &me, liquidator_token, p);
                    match client.send(&[one], &[]).await {
                        Ok(sent) => {
                            s.transactions += 1;
                            s.liquidated += 1;
                            record(&mut s, &sent);
                        }
                        Err(e) => {
                            let why = e
                                .downcast_ref::<TxError>()
                                .and_then(|t| t.name.clone())
                                .unwrap_or(e.to_string());
                            s.failed.push(format!("{p}: {why}"));
                        }
                    }
                }
            }
        }
        if let Some(pb) = progress {
            pb.inc(chunk.len() as u64);
        }
    }
    Ok(s)
}

fn record(s: &mut LiquidationSummary, sent: &crate::chain::Sent) {
    for ev in sent.events::<PositionLiquidated>() {
        s.liquidator_rewards += ev.liquidator_reward;
        s.bad_debt += ev.bad_debt;
        s.funding_to_vault += ev.funding_paid;
        s.events.push(ev);
    }
    for b in sent.events::<BadDebtResolved>() {
        s.insurance_covered += b.insurance_covered;
        s.socialized += b.socialized;
        s.bad_debts.push(b);
    }
}

/// Cranks funding; returns the event when the backend reports events.
pub async fn crank_funding(client: &mut Client, m: &LoadedMarket) -> Result<Option<FundingUpdated>> {
    let sent = client.send(&[ix::market_update_funding(&m.keys)], &[]).await?;
    Ok(sent.events::<FundingUpdated>().into_iter().next())
}

/// Auto-deleverages in the program's order until the vault is restored.
pub async fn deleverage(
    client: &mut Client,
    m: &LoadedMarket,
    price: &OraclePrice,
    now: i64,
) -> Result<Vec<AutoDeleveraged>> {
    let positions = scan(client, &m.keys.market).await?;
    let order = deleverage_order(&positions, &m.state, price, now)?;
    let mut done = Vec::new();
    for p in order {
        let sent = client
            .send(&[ix::market_auto_deleverage(&m.keys, &p)], &[])
            .await?;
        let evs = sent.events::<AutoDeleveraged>();
        let restored = evs.iter().any(|e| !e.reduce_only_after);
        done.extend(evs);
        if restored {
            break;
        }
    }
    Ok(done)
}

/// Requests a keeper pass executed or cleaned up.
#[derive(Debug, Default, Serialize)]
pub struct RequestSummary {
    pub pending: usize,
    pub executed: usize,
    /// Refused at execution: cancelled with their reason (the executor still paid).
    pub refused: usize,
    /// Expired and cancelled (everything back to their owners).
    pub expired: usize,
    pub failed: Vec<String>,
    #[serde(skip)]
    pub sent: Vec<crate::chain::Sent>,
}

/// Executes every due request of the market (each at the price of its due time) and
/// cancels those whose execution window has passed.
pub async fn execute_due(client: &mut Client, m: &LoadedMarket, now: i64) -> Result<RequestSummary> {
    let all = crate::requests::pending(client, &m.keys.market).await?;
    let mut s = RequestSummary {
        pending: all.len(),
        ..Default::default()
    };
    let me = client.pubkey();
    for p in &all {
        let result = if crate::requests::executable(m, p, now) {
            crate::requests::execute(client, m, p, None).await.map(|sent| {
                let refused = sent
                    .events::<hedge_vault::events::RequestCancelled>()
                    .iter()
                    .any(|e| e.cause == hedge_vault::events::CANCELLED_REFUSED);
                if refused {
                    s.refused += 1;
                } else {
                    s.executed += 1;
                }
                s.sent.push(sent);
            })
        } else if crate::requests::expired(m, p, now) {
            let ix = crate::requests::cancel_ix(m, &me, p)?;
            client.send(&[ix], &[]).await.map(|sent| {
                s.expired += 1;
                s.sent.push(sent);
            })
        } else {
            continue;
        };
        if let Err(e) = result {
            let why = e
                .downcast_ref::<TxError>()
                .and_then(|t| t.name.clone())
                .unwrap_or(e.to_string());
            s.failed.push(format!("{}: {why}", p.key));
        }
    }
    Ok(s)
}

/// One pass of `keeper run`: funding, due requests, a liquidation scan, deleveraging
/// if needed.
#[derive(Debug, Serialize)]
pub struct Tick {
    pub unix_time: i64,
    pub price: String,
    pub funding_rate: Option<i64>,
    pub funding_error: Option<String>,
    pub requests: RequestSummary,
    pub liquidations: LiquidationSummary,
    pub deleveraged: usize,
    pub error: Option<String>,
}

pub async fn tick(
    client: &mut Client,
    market: &Pubkey,
    oracle: Option<Pubkey>,
    batch: usize,
) -> Result<Tick> {
    let m = client.market(market, oracle).await?;
    let now = client.chain.unix_time().await?;
    let (funding_rate, funding_error) = match crank_funding(client, &m).await {
        Ok(ev) => (ev.map(|e| e.rate), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let m = client.market(market, oracle).await?;
    let requests = execute_due(client, &m, now).await?;
    let m = client.market(market, oracle).await?;
    let price = client.price(&m).await?;
    let positions = scan(client, market).await?;
    let targets = liquidatable(&positions, &m.state, &price.price, now)?;
    let token = client
        .ensure_ata(&client.pubkey(), &m.state.collateral_mint)
        .await?;
    let mut liquidations = liquidate(client, &m, &token, &targets, batch, None).await?;
    liquidations.scanned = positions.len();
    let m = client.market(market, oracle).await?;
    let mut deleveraged = 0;
    let mut error = None;
    if m.state.is_reduce_only() || in_breach(&m.state, &price.price, now)? {
        match deleverage(client, &m, &price.price, now).await {
            Ok(d) => deleveraged = d.len(),
            Err(e) => error = Some(e.to_string()),
        }
    }
    Ok(Tick {
        unix_time: now,
        price: crate::units::format_price(price.price.price, 6),
        funding_rate,
        funding_error,
        requests,
        liquidations,
        deleveraged,
        error,
    })
}
