//! What keepers see: the work due now (the funding accrual before its interval runs
//! out, requests due, positions to liquidate) and what every keeper has earned,
//! replayed from the program's events.
//!
//! A keeper earns two things (PROTOCOL section 6a and 7): a request's execution fee
//! (lamports its owner put in the request, paid to whoever executes it first, or
//! refuses it at the price of its due time; a cancellation returns it to the owner),
//! and the liquidator's share of a liquidation's reward (tokens). A funding crank
//! earns nothing: every instruction accrues funding first, and the keeper cranks so
//! that no time goes uncharged (an accrual charges at most `max_funding_interval`
//! seconds).

use std::collections::{BTreeMap, HashMap};

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_vault::events::{
    InsuranceUnstaked, MarginWithdrawn, PositionLiquidated, PositionTraded, RequestCancelled, RequestCreated,
    VaultDeposited, VaultWithdrawn, CANCELLED_REFUSED,
};
use serde::Serialize;

use crate::chain::{decode_event, Sent};
use crate::client::Client;
use crate::units::format_amount;

/// `hedge keeper status`'s report.
#[derive(Debug, Serialize)]
pub struct KeeperReport {
    /// Cluster time it was read at.
    pub now: i64,
    pub funding: FundingDue,
    /// Pending requests whose due time has come: any keeper may execute them now.
    pub requests_due: Vec<super::RequestRow>,
    /// Pending requests not due yet.
    pub requests_waiting: usize,
    /// Seconds to the next due time among those waiting, if any.
    pub next_due_in_seconds: Option<i64>,
    /// Positions the program would liquidate at the price now, the most underwater first.
    pub liquidatable: Vec<String>,
    /// Every wallet that executed, refused or liquidated anything, the most paid first.
    pub keepers: Vec<KeeperRewards>,
    /// The same, summed.
    pub total: KeeperRewards,
}

/// The funding accrual: when it last ran and how long until time goes uncharged.
#[derive(Debug, Serialize)]
pub struct FundingDue {
    /// The last accrual (a crank, or any instruction that accrued first), unix seconds.
    pub last_accrual: i64,
    pub seconds_since: i64,
    /// The most one accrual charges; time beyond it is never charged.
    pub max_interval_seconds: u32,
    /// Seconds until an accrual would start to lose time (0: it already does).
    pub due_in_seconds: i64,
}

/// What one keeper wallet earned.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct KeeperRewards {
    pub wallet: String,
    /// Requests it executed (a request executed in parts counts once, at the part
    /// that paid the fee).
    pub executions: u64,
    /// Requests it refused at the price of their due time (the fee is paid all the same).
    pub refusals: u64,
    /// Execution fees earned, lamports.
    pub fees_lamports: u64,
    /// The same in SOL.
    pub fees_sol: String,
    pub liquidations: u64,
    /// The liquidator's share of the liquidation rewards, native units.
    pub liquidation_rewards_native: u64,
    /// The same in tokens.
    pub liquidation_rewards: String,
}

/// Every keeper's rewards in `history` (the market's transactions, oldest first), for
/// a token of `decimals`, the most paid first (fees in SOL, then tokens).
pub fn rewards(history: &[Sent], decimals: u8) -> (Vec<KeeperRewards>, KeeperRewards) {
    // The fee each (owner, kind) request holds until it is executed, refused or
    // cancelled (a request account is one per owner and kind).
    let mut held: HashMap<(Pubkey, u8), u64> = HashMap::new();
    let mut by: BTreeMap<Pubkey, KeeperRewards> = BTreeMap::new();
    let mut executed = |held: &mut HashMap<(Pubkey, u8), u64>, owner: Pubkey, kind: u8, executor: Pubkey| {
        if let Some(fee) = held.remove(&(owner, kind)) {
            let k = by.entry(executor).or_default();
            k.executions += 1;
            k.fees_lamports += fee;
        }
    };
    let mut refused: Vec<(Pubkey, u64)> = Vec::new();
    let mut liquidated: Vec<(Pubkey, u64)> = Vec::new();
    for tx in history {
        for data in &tx.events {
            if let Some(e) = decode_event::<RequestCreated>(data) {
                held.insert((e.owner, e.kind), e.execution_fee);
            } else if let Some(e) = decode_event::<VaultDeposited>(data) {
                executed(&mut held, e.owner, 0, e.executor);
            } else if let Some(e) = decode_event::<VaultWithdrawn>(data) {
                executed(&mut held, e.owner, 1, e.executor);
            } else if let Some(e) = decode_event::<PositionTraded>(data) {
                executed(&mut held, e.owner, 2, e.executor);
            } else if let Some(e) = decode_event::<MarginWithdrawn>(data) {
                executed(&mut held, e.owner, 3, e.executor);
            } else if let Some(e) = decode_event::<InsuranceUnstaked>(data) {
                executed(&mut held, e.owner, 4, e.executor);
            } else if let Some(e) = decode_event::<RequestCancelled>(data) {
                // Refused: the fee to the executor; cancelled by its owner: back to him.
                if let Some(fee) = held.remove(&(e.owner, e.kind)) {
                    if e.cause == CANCELLED_REFUSED {
                        refused.push((e.by, fee));
                    }
                }
            } else if let Some(e) = decode_event::<PositionLiquidated>(data) {
                liquidated.push((e.liquidator, e.liquidator_reward));
            }
        }
    }
    for (k, fee) in refused {
        let r = by.entry(k).or_default();
        r.refusals += 1;
        r.fees_lamports += fee;
    }
    for (k, reward) in liquidated {
        let r = by.entry(k).or_default();
        r.liquidations += 1;
        r.liquidation_rewards_native += reward;
    }
    let mut total = KeeperRewards {
        wallet: "all keepers".into(),
        ..KeeperRewards::default()
    };
    let mut rows: Vec<KeeperRewards> = by
        .into_iter()
        .map(|(k, mut r)| {
            r.wallet = k.to_string();
            r.fees_sol = format_amount(r.fees_lamports.into(), 9);
            r.liquidation_rewards = format_amount(r.liquidation_rewards_native.into(), decimals);
            total.executions += r.executions;
            total.refusals += r.refusals;
            total.fees_lamports += r.fees_lamports;
            total.liquidations += r.liquidations;
            total.liquidation_rewards_native += r.liquidation_rewards_native;
            r
        })
        .collect();
    total.fees_sol = format_amount(total.fees_lamports.into(), 9);
    total.liquidation_rewards = format_amount(total.liquidation_rewards_native.into(), decimals);
    rows.sort_by(|a, b| {
        (b.fees_lamports, b.liquidation_rewards_native).cmp(&(a.fees_lamports, a.liquidation_rewards_native))
    });
    (rows, total)
}

/// The positions the program would liquidate at `p` (the keeper's own test: a
/// liquidation succeeds on a copy of the market), the most underwater first.
pub fn liquidatable_now(
    positions: &[(Pubkey, hedge_vault::state::Position)],
    st: &hedge_engine::market::MarketState,
    p: &hedge_engine::oracle::OraclePrice,
) -> Vec<String> {
    crate::keeper::decide::liquidatable(positions, st, p, p)
        .into_iter()
        .map(|k| k.to_string())
        .collect()
}

/// The keepers' report of `market`, replaying `history` for the rewards.
pub async fn report(client: &mut Client, history: &[Sent], market: &Pubkey) -> Result<KeeperReport> {
    let m = client.market(market, None).await?;
    let p = client.price(&m).await?.price;
    let now = client.chain.unix_time().await?;
    let st = crate::keeper::accrued(&m.state, &p, now)?;
    let positions = crate::keeper::chain::scan(client, market).await?;
    let liquidatable = liquidatable_now(&positions, &st, &p);
    let all = super::requests(client, market, None, &Pubkey::default()).await?;
    let (due, waiting): (Vec<_>, Vec<_>) = all.requests.into_iter().partition(|r| r.state == "due");
    let next_due_in_seconds = waiting.iter().map(|r| r.due_in_seconds).min();
    let last = m.state.last_funding_time;
    let max = m.state.params.max_funding_interval;
    let (keepers, total) = rewards(history, m.state.decimals);
    Ok(KeeperReport {
        now,
        funding: FundingDue {
            last_accrual: last,
            seconds_since: now - last,
            max_interval_seconds: max,
            due_in_seconds: (last + i64::from(max) - now).max(0),
        },
        requests_due: due,
        requests_waiting: waiting.len(),
        next_due_in_seconds,
        liquidatable,
        keepers,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::{Discriminator, Event};
    use hedge_vault::events::CANCELLED_BY_OWNER;

    fn ev<E: Event + Discriminator>(e: E) -> Vec<u8> {
        e.data()
    }

    fn created(market: Pubkey, owner: Pubkey, kind: u8, fee: u64) -> Vec<u8> {
        ev(RequestCreated {
            market,
            owner,
            request: Pubkey::new_unique(),
            kind,
            due_time: 0,
            execution_fee: fee,
            amount: 1,
            delta_base: 0,
            limit_price: 0,
            value_at_request: 0,
            max_skew_fee_ratio: 0,
        })
    }

    fn deposited(market: Pubkey, owner: Pubkey, executor: Pubkey, waiting: u64) -> Vec<u8> {
        ev(VaultDeposited {
            market,
            owner,
            executor,
            amount: 1,
            shares: 1,
            price: 1,
            publish_time: 0,
            collateral: 1,
            skew_fee: 0,
            skew_rebate: 0,
            waiting,
            skew_ledger: 0,
            wait_charge: 0,
        })
    }

    fn cancelled(market: Pubkey, owner: Pubkey, kind: u8, cause: u8, by: Pubkey) -> Vec<u8> {
        ev(RequestCancelled {
            market,
            owner,
            kind,
            cause,
            error: 0,
            largest_allowed: 0,
            by,
        })
    }

    fn tx(events: Vec<Vec<u8>>) -> Sent {
        Sent {
            events,
            ..Default::default()
        }
    }

    /// A worked example: each way a fee can go, and a liquidation.
    #[test]
    fn fees_go_to_who_executes_or_refuses_and_never_twice() {
        let m = Pubkey::new_unique();
        let (alice, bob, carol) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let (k1, k2) = (Pubkey::new_unique(), Pubkey::new_unique());
        let history = vec![
            // Alice's deposit executes in two parts: K1 takes the fee at the first,
            // K2 executes the rest and takes nothing.
            tx(vec![created(m, alice, 0, 5_000)]),
            tx(vec![deposited(m, alice, k1, 10)]),
            tx(vec![deposited(m, alice, k2, 0)]),
            // Bob cancels his withdrawal: the fee goes back to him.
            tx(vec![created(m, bob, 1, 7_000)]),
            tx(vec![cancelled(m, bob, 1, CANCELLED_BY_OWNER, bob)]),
            // Carol's trade is refused at its due time by K2: K2 is paid.
            tx(vec![created(m, carol, 2, 9_000)]),
            tx(vec![cancelled(m, carol, 2, CANCELLED_REFUSED, k2)]),
            // K2 liquidates Bob.
            tx(vec![ev(PositionLiquidated {
                market: m,
                owner: bob,
                liquidator: k2,
                closed: 3,
                base_after: 0,
                fill_price: 1,
                realized_pnl: 0,
                liquidator_reward: 1_234,
                insurance_reward: 99,
                bad_debt: 0,
                margin_after: 0,
                funding_paid: 0,
                wait_bonus: 0,
                skew_paid: 0,
                skew_unfunded: 0,
                skew_ledger: 0,
            })]),
        ];
        let (rows, total) = rewards(&history, 6);
        let k1r = rows.iter().find(|r| r.wallet == k1.to_string()).unwrap();
        let k2r = rows.iter().find(|r| r.wallet == k2.to_string()).unwrap();
        assert_eq!((k1r.executions, k1r.refusals, k1r.fees_lamports), (1, 0, 5_000));
        assert_eq!((k2r.executions, k2r.refusals, k2r.fees_lamports), (0, 1, 9_000));
        assert_eq!(
            (k2r.liquidations, k2r.liquidation_rewards.as_str()),
            (1, "0.001234")
        );
        assert_eq!(rows.len(), 2, "Bob, who cancelled, earned nothing");
        assert_eq!(rows[0].wallet, k2.to_string(), "the most paid first");
        assert_eq!(
            (total.fees_lamports, total.fees_sol.as_str()),
            (14_000, "0.000014000")
        );
        assert_eq!(total.liquidation_rewards_native, 1_234);
    }
}
