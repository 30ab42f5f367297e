//! Requests from the client's side (PROTOCOL section 6a): finding pending ones,
//! finding the price account a due request executes at, building the execution or
//! cancellation of any kind, and the flow a person uses: request, wait for the due
//! time, execute it if no keeper has.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Result};
use hedge_engine::oracle::{check_update_of, normalize, OraclePrice};
use hedge_engine::requests::{check_cancellable, check_executable, RequestKind};
use hedge_vault::state::{Market, OracleKind, Request, REQUEST_MARKET_OFFSET};

use crate::chain::{Chain, Sent};
use crate::client::{Client, LoadedMarket};
use crate::ix::{self, OwnerAccounts};
use crate::keys;

/// A request account and its address.
#[derive(Clone, Debug)]
pub struct Pending {
    pub key: Pubkey,
    pub request: Request,
}

/// A request kind as the `hedge` commands name it.
pub fn kind_name(k: RequestKind) -> &'static str {
    match k {
        RequestKind::Deposit => "deposit",
        RequestKind::Withdraw => "withdraw",
        RequestKind::Trade => "trade",
        RequestKind::MarginWithdraw => "margin-withdraw",
        RequestKind::Unstake => "unstake",
    }
}

impl Pending {
    pub fn kind(&self) -> Result<RequestKind> {
        RequestKind::from_u8(self.request.kind)
            .ok_or_else(|| anyhow!("unknown request kind {}", self.request.kind))
    }
}

/// Every pending request of a market.
pub async fn pending(client: &mut Client, market: &Pubkey) -> Result<Vec<Pending>> {
    let found = client
        .chain
        .market_accounts::<Request>(REQUEST_MARKET_OFFSET, market)
        .await?;
    Ok(found
        .into_iter()
        .filter(|(_, r)| r.is_pending())
        .map(|(key, request)| Pending { key, request })
        .collect())
}

/// The owner's request of `kind`, if one is pending.
pub async fn find(
    client: &mut Client,
    market: &Pubkey,
    owner: &Pubkey,
    kind: RequestKind,
) -> Result<Option<Pending>> {
    let key = keys::request(market, owner, kind);
    Ok(client
        .chain
        .anchor_opt::<Request>(&key)
        .await?
        .filter(Request::is_pending)
        .map(|request| Pending { key, request }))
}

/// The owner's associated token accounts: where the client's requests ask to be
/// paid, and where his claims and cancellations pay.
pub fn owner_accounts(m: &LoadedMarket, owner: &Pubkey) -> OwnerAccounts {
    OwnerAccounts {
        owner: *owner,
        token: Client::ata(owner, &m.state.collateral_mint),
        shares: Client::ata(owner, &m.keys.share_mint),
    }
}

/// The execution of `p` by `executor` at the price in `oracle`: it names the
/// destinations the request recorded, whatever became of them (the program pays there,
/// or holds the payment for the owner's claim).
pub fn execute_ix(m: &LoadedMarket, executor: &Pubkey, p: &Pending, oracle: &Pubkey) -> Result<Instruction> {
    let o = OwnerAccounts::of_request(&p.request);
    let k = &m.keys;
    Ok(match p.kind()? {
        RequestKind::Deposit => ix::vault_execute_deposit(k, executor, &o, oracle),
        RequestKind::Withdraw => ix::vault_execute_withdraw(k, executor, &o, oracle),
        RequestKind::Trade => ix::position_execute_trade(k, executor, &o.owner, oracle),
        RequestKind::MarginWithdraw => ix::position_execute_withdraw(k, executor, &o.owner, &o.token, oracle),
        RequestKind::Unstake => ix::insurance_execute_unstake(k, executor, &o.owner, &o.token),
    })
}

/// The cancellation of `p` by its owner (refunds to his associated token accounts).
pub fn cancel_ix(m: &LoadedMarket, p: &Pending) -> Result<Instruction> {
    let o = owner_accounts(m, &p.request.owner);
    let k = &m.keys;
    Ok(match p.kind()? {
        RequestKind::Deposit => ix::vault_cancel_deposit(k, &o.owner, &o.token),
        RequestKind::Withdraw => ix::vault_cancel_withdraw(k, &o.owner, &o.shares),
        kind @ (RequestKind::Trade | RequestKind::MarginWithdraw) => {
            ix::position_cancel_request(k, &o.owner, kind)
        }
        RequestKind::Unstake => ix::insurance_cancel_unstake(k, &o.owner),
    })
}

/// Whether `p` can be executed at `now`: from its due time on, for ever.
pub fn executable(p: &Pending, now: i64) -> bool {
    check_executable(p.request.due_time, now).is_ok()
}

/// Whether its owner can still cancel `p` at `now` (before its due time).
pub fn cancellable(p: &Pending, now: i64) -> bool {
    check_cancellable(true, p.request.due_time, now).is_ok()
}

/// A request account holding a payment for its owner's claim.
#[derive(Clone, Debug)]
pub struct Claim {
    pub key: Pubkey,
    pub request: Request,
}

impl Claim {
    pub fn kind(&self) -> Result<RequestKind> {
        RequestKind::from_u8(self.request.kind)
            .ok_or_else(|| anyhow!("unknown request kind {}", self.request.kind))
    }
}

/// The owner's request accounts in `market` that hold a claim (or, ended, only their
/// rent), one per kind at most.
pub async fn claims(client: &mut Client, market: &Pubkey, owner: &Pubkey) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for kind in RequestKind::ALL {
        let key = keys::request(market, owner, kind);
        if let Some(r) = client.chain.anchor_opt::<Request>(&key).await? {
            if r.has_claim() || !r.is_pending() {
                out.push(Claim { key, request: r });
            }
        }
    }
    Ok(out)
}

/// `request_claim` of `c` into the owner's associated token accounts (created first
/// when missing, by `Client::ensure_ata` in the caller).
pub fn claim_ix(m: &LoadedMarket, c: &Claim) -> Result<Instruction> {
    let o = owner_accounts(m, &c.request.owner);
    let token = (c.request.claim_tokens > 0).then_some(o.token);
    let shares = (c.request.claim_shares > 0).then_some(o.shares);
    Ok(ix::request_claim(&m.keys, &o.owner, c.kind()?, token, shares))
}

/// What a liquidation (or a deleveraging) names: the account of its price and of its
/// confirmation, and both prices.
#[derive(Clone, Copy, Debug)]
pub struct LiquidationPrices {
    pub oracle: Pubkey,
    pub price: OraclePrice,
    pub confirm: Pubkey,
    pub confirm_price: OraclePrice,
}

/// The prices a liquidation acts at (PROTOCOL section 6), `price` having been read from
/// the market's price account: a legacy market's pinned account, which confirms itself;
/// on the embedded chain a pull market's sponsored account and the feed's unique update
/// for `price.publish_time - liquidation_confirmation`, published from the feed's
/// history; on a cluster, where the sponsored account is rewritten under a transaction
/// that names it, the newest posted update of the feed and the posted update that
/// confirms it (`hedge localnet` posts every second's update; elsewhere post them
/// from Hermes).
pub async fn liquidation_prices(
    client: &mut Client,
    m: &LoadedMarket,
    price: &OraclePrice,
) -> Result<LiquidationPrices> {
    if m.state.is_settled() || m.state.oracle_kind() == OracleKind::PythLegacy {
        return Ok(LiquidationPrices {
            oracle: m.keys.oracle,
            price: *price,
            confirm: m.state.oracle,
            confirm_price: *price,
        });
    }
    let delay = i64::from(m.state.oracle_config.liquidation_confirmation);
    let (oracle, price) = if client.chain.is_embedded() {
        (m.keys.oracle, *price)
    } else {
        newest_posted(&mut client.chain, &m.state.feed_id, &m.state.oracle)
            .await?
            .ok_or_else(|| {
                anyhow!("no posted update of the feed to liquidate at: post the newest (Hermes)")
            })?
    };
    let confirm = if client.chain.is_embedded() {
        client
            .chain
            .embedded_mut()?
            .confirmation_for(&m.state, price.publish_time)
            .await?
    } else {
        let t = price.publish_time - delay;
        posted_update(&mut client.chain, &m.state.feed_id, t, &m.state.oracle)
            .await?
            .ok_or_else(|| {
                anyhow!(
                    "no posted update of the feed confirms a liquidation at {}: post the update of {t} \
                     (Hermes /v2/updates/price/{t})",
                    price.publish_time
                )
            })?
    };
    let confirm_price = read_price(&mut client.chain, &confirm).await?;
    Ok(LiquidationPrices {
        oracle,
        price,
        confirm,
        confirm_price,
    })
}

/// A price account's price, normalized (no checks: the program's).
async fn read_price(chain: &mut Chain, key: &Pubkey) -> Result<OraclePrice> {
    let acc = chain
        .account(key)
        .await?
        .ok_or_else(|| anyhow!("the price account {key} is missing"))?;
    let r = crate::pyth::decode(&acc.owner, &acc.data)?;
    Ok(OraclePrice {
        price: normalize(r.price.max(0).unsigned_abs(), r.expo).map_err(|e| anyhow!("oracle: {e:?}"))?,
        conf: normalize(r.conf, r.expo).map_err(|e| anyhow!("oracle: {e:?}"))?,
        publish_time: r.publish_time,
    })
}

/// The newest posted `PriceUpdateV2` of `feed_id` other than the moving sponsored
/// account, and its price.
async fn newest_posted(
    chain: &mut Chain,
    feed_id: &[u8; 32],
    moving: &Pubkey,
) -> Result<Option<(Pubkey, OraclePrice)>> {
    let found = chain
        .accounts_of(
            &hedge_vault::PYTH_RECEIVER_PROGRAM,
            &[(
                hedge_engine::pyth::PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET,
                feed_id.to_vec(),
            )],
            None,
        )
        .await?;
    let newest = found
        .into_iter()
        .filter(|(k, _)| k != moving)
        .filter_map(|(k, a)| {
            let r = crate::pyth::decode(&a.owner, &a.data).ok()?;
            r.prev_publish_time?;
            Some((r.publish_time, k))
        })
        .max();
    match newest {
        Some((_, k)) => Ok(Some((k, read_price(chain, &k).await?))),
        None => Ok(None),
    }
}

/// The price account a request due at `due` executes at. Legacy markets: the pinned
/// account, once its publish time has reached the due time. Pull markets: the update
/// published first at or after the due time; on the embedded chain it is written from
/// the feed's sponsored account (the chain's current price), elsewhere it must be
/// posted to the Pyth receiver and given (`given`).
pub async fn price_account_for(
    client: &mut Client,
    m: &LoadedMarket,
    due: i64,
    given: Option<Pubkey>,
) -> Result<Pubkey> {
    if let Some(k) = given {
        return Ok(k);
    }
    if m.state.is_settled() {
        return Ok(m.state.oracle);
    }
    if client.chain.is_embedded() {
        return client.chain.embedded_mut()?.price_update_for(&m.state, due).await;
    }
    match m.state.oracle_kind() {
        OracleKind::PythLegacy => Ok(m.state.oracle),
        OracleKind::PythPullV2 => match wait_for_posted_update(&mut client.chain, &m.state, due).await {
            Some(k) => Ok(k),
            None => bail!(
                "a pull market executes at the Pyth update published first at or after {due}: post it with the \
                 Pyth receiver (Hermes /v2/updates/price/{due}) and pass its account with --oracle"
            ),
        },
    }
}

/// `posted_update`, retried for a few seconds: an update published at the due time
/// reaches the RPC node's commitment a slot or two after the clock does.
async fn wait_for_posted_update(chain: &mut Chain, market: &Market, due: i64) -> Option<Pubkey> {
    for _ in 0..20 {
        match posted_update(chain, &market.feed_id, due, &market.oracle).await {
            Ok(Some(k)) => return Some(k),
            Ok(None) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            // The node refuses the scan (a public cluster): ask for --oracle.
            Err(_) => return None,
        }
    }
    None
}

/// A `PriceUpdateV2` already posted for `feed_id` that is the unique update of time
/// `due` (`prev_publish_time < due <= publish_time`): found with `getProgramAccounts`
/// on the Pyth receiver filtered by feed id. `hedge localnet` keeps every second's
/// update in such accounts; a public cluster's RPC usually refuses this scan, and
/// then the caller asks for the account (`--oracle`).
///
/// `moving` is the feed account the market pins (the sponsored one): it holds the
/// update of time `due` for one second only and is rewritten before a transaction
/// that names it lands, so it is never the answer.
pub async fn posted_update(
    chain: &mut Chain,
    feed_id: &[u8; 32],
    due: i64,
    moving: &Pubkey,
) -> Result<Option<Pubkey>> {
    let found = chain
        .accounts_of(
            &hedge_vault::PYTH_RECEIVER_PROGRAM,
            &[(
                hedge_engine::pyth::PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET,
                feed_id.to_vec(),
            )],
            None,
        )
        .await?;
    Ok(found
        .into_iter()
        .filter(|(k, _)| k != moving)
        .filter_map(|(k, a)| {
            let r = crate::pyth::decode(&a.owner, &a.data).ok()?;
            let prev = r.prev_publish_time?;
            check_update_of(r.publish_time, Some(prev), due)
                .is_ok()
                .then_some((r.publish_time, k))
        })
        .min()
        .map(|(_, k)| k))
}

/// Executes `p` now, as the client's wallet (the executor, paid the fee).
pub async fn execute(
    client: &mut Client,
    m: &LoadedMarket,
    p: &Pending,
    given: Option<Pubkey>,
) -> Result<Sent> {
    let oracle = price_account_for(client, m, p.request.due_time, given).await?;
    let ix = execute_ix(m, &client.pubkey(), p, &oracle)?;
    client.send(&[ix], &[]).await
}

/// What became of a request the client waited for.
pub enum Settled {
    /// The client executed it: the transaction's events.
    Executed(Sent),
    /// It was no longer pending at its due time: a keeper executed or cancelled it.
    ByOthers,
}

/// The flow a person uses after sending a request: wait for its due time (on the
/// embedded chain, move the clock there), then execute it unless a keeper already
/// has.
pub async fn wait_and_execute(
    client: &mut Client,
    market: &Pubkey,
    owner: &Pubkey,
    kind: RequestKind,
    given: Option<Pubkey>,
) -> Result<Settled> {
    let Some(p) = find(client, market, owner, kind).await? else {
        return Ok(Settled::ByOthers);
    };
    wait_until(&mut client.chain, p.request.due_time).await?;
    let m = client.market(market, given).await?;
    match find(client, market, owner, kind).await? {
        Some(p) => Ok(Settled::Executed(execute(client, &m, &p, given).await?)),
        None => Ok(Settled::ByOthers),
    }
}

/// Waits until the chain's clock reaches `t`: on the embedded chain the clock is
/// moved there; on a cluster the client sleeps and polls.
pub async fn wait_until(chain: &mut Chain, t: i64) -> Result<()> {
    if chain.is_embedded() {
        let now = chain.unix_time().await?;
        if now < t {
            chain.embedded_mut()?.set_time(t).await?;
        }
        return Ok(());
    }
    loop {
        let now = chain.unix_time().await?;
        if now >= t {
            return Ok(());
        }
        let wait = u64::try_from(t - now).unwrap_or(1).min(5);
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    }
}
