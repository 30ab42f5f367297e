//! The keeper's executions, liquidations and deleveraging, each checked against what
//! the engine says it must do.

use super::*;

/// What the engine says an execution must do, from the market's state and the due
/// time's price (what the program must have done, whatever the owner did since).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Expected {
    Shares(u64),
    Paid(u64),
    Traded(i64, i64),
    Margin(u64),
    Unstaked(u64),
    Refused(u32),
}

pub(crate) async fn expected(w: &mut World, owner: &Pubkey, r: &Request, oracle: &Pubkey) -> Expected {
    let h = &mut w.h;
    let m = h.market_state().await;
    let mut st: MarketState = m.state().unwrap();
    let now = h.now().await;
    let acc = h.account(*oracle).await.unwrap();
    let d = hedge_client::pyth::decode(&acc.owner, &acc.data).unwrap();
    let raw = hedge_engine::oracle::RawPrice {
        price: d.price,
        conf: d.conf,
        expo: d.expo,
        publish_time: d.publish_time,
    };
    let kind = RequestKind::from_u8(r.kind).unwrap();
    let pos = h
        .anchor_account_opt::<Position>(position_pda(&h.market, owner))
        .await
        .map(|p| p.engine())
        .unwrap_or_default();
    let use_ = match kind {
        RequestKind::Deposit => OracleUse::Increase,
        RequestKind::Trade if !is_risk_reducing(pos.base, pos.base + r.delta_base) => OracleUse::Increase,
        _ => OracleUse::Reduce,
    };
    let context = format!("{kind:?} {r:?} pos {pos:?} market {:?}", st);
    let refused = |e: EngineError| {
        assert!(cancels_request(e), "{e:?} would fail the transaction: {context}");
        Expected::Refused(HedgeError::from(e).code())
    };
    let p: Result<OraclePrice, EngineError> = if kind == RequestKind::Unstake {
        Ok(OraclePrice {
            price: 1,
            conf: 0,
            publish_time: now,
        })
    } else {
        accept_price_at(&raw, None, &st.limits, r.due_time, now, use_)
    };
    let p = match p {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    if kind != RequestKind::Unstake {
        st.observe(&p);
        st.accrue_for_execution(&p, now).unwrap();
    }
    let supply = h.mint_supply(share_mint_pda(&h.market)).await;
    match kind {
        RequestKind::Deposit => match st
            .execute_deposit_request(
                supply,
                hedge_engine::market::DepositRequest {
                    amount: r.amount,
                    min_hedge_ratio: r.min_hedge_ratio,
                    max_skew_fee_ratio: r.max_skew_fee_ratio,
                    waited: r.is_waiting(),
                    due_age: now.saturating_sub(r.due_time),
                    wait_since: r.wait_since,
                },
                p,
            )
            .map(|x| x.shares)
        {
            Ok(s) => Expected::Shares(s),
            Err(e) => refused(e),
        },
        RequestKind::Withdraw => {
            let terms = hedge_engine::market::WithdrawRequest {
                shares: r.amount,
                value_at_request: r.value_at_request,
                price_at_request: r.price_at_request,
                max_skew_fee_ratio: r.max_skew_fee_ratio,
            };
            match st.execute_withdraw_limited(supply, terms, p) {
                Ok(x) => Expected::Paid(x.paid),
                Err(e) => refused(e),
            }
        }
        RequestKind::Trade => {
            let mut q = pos;
            match st.execute_trade(&mut q, r.delta_base, r.limit_price, p) {
                Ok(_) => Expected::Traded(q.base, q.margin),
                Err(e) => refused(e),
            }
        }
        RequestKind::MarginWithdraw => {
            let mut q = pos;
            match st.withdraw_margin(&mut q, r.amount, p) {
                Ok(_) => Expected::Margin(r.amount),
                Err(e) => refused(e),
            }
        }
        RequestKind::Unstake => match st.execute_unstake(r.amount, r.value_at_request, now) {
            Ok(x) => Expected::Unstaked(x.paid),
            Err(e) => refused(e),
        },
    }
}

/// What the execution did, read from its events and the position after.
pub(crate) async fn observed(w: &mut World, owner: &Pubkey, out: &Outcome) -> Expected {
    if let Some(c) = out.events::<RequestCancelled>().first() {
        return Expected::Refused(c.error);
    }
    if let Some(e) = out.events::<VaultDeposited>().first() {
        return Expected::Shares(e.shares);
    }
    if let Some(e) = out.events::<VaultWithdrawn>().first() {
        return Expected::Paid(e.paid);
    }
    if !out.events::<PositionTraded>().is_empty() {
        let p = w.h.position_state(owner).await;
        return Expected::Traded(p.base, p.margin);
    }
    if let Some(e) = out.events::<MarginWithdrawn>().first() {
        return Expected::Margin(e.amount);
    }
    if let Some(e) = out.events::<InsuranceUnstaked>().first() {
        return Expected::Unstaked(e.paid);
    }
    panic!("an execution with no outcome event");
}

/// The keeper executes every due request at the price of its due time; each must
/// succeed and do what the engine says, whatever its owner did.
pub(crate) async fn executions(w: &mut World, t: &mut Tally) -> Result<Option<Outcome>, Failure> {
    let keeper = w.h.keeper.clone();
    let mut last = None;
    for (u, kind) in requesters(w) {
        let Some(r) = w.h.request_state(&u.key(), kind).await else {
            continue;
        };
        let now = w.h.now().await;
        if now < r.due_time {
            continue;
        }
        let oracle = w.h.publish_for_due(r.due_time).await;
        let want = expected(w, &u.key(), &r, &oracle).await;
        // The destinations the request recorded, whatever became of them.
        let o = hedge_client::ix::OwnerAccounts::of_request(&r);
        let named_accounts = User {
            kp: u.kp.insecure_clone(),
            token: o.token,
            shares: o.shares,
        };
        let exec = execute(&w.h, kind, &named_accounts, &oracle);
        let out = w.h.send(&[exec], &[&keeper.kp]).await;
        if out.result.is_err() {
            return fail(
                "executions never blocked",
                format!(
                    "{kind:?} of {}: {:?}\n{}",
                    u.key(),
                    out.result,
                    out.logs.join("\n")
                ),
            )
            .map(|_| None);
        }
        let got = observed(w, &u.key(), &out).await;
        if got != want {
            return fail(
                "outcome = f(due-time price, market state)",
                format!(
                    "{kind:?} of {}: the engine says {want:?}, the program did {got:?}",
                    u.key()
                ),
            )
            .map(|_| None);
        }
        match got {
            Expected::Refused(_) => t.execution_refusals += 1,
            _ => t.executed += 1,
        }
        t.late_executions += u32::from(now > r.due_time + 60);
        t.held += out.events::<PaymentHeld>().len() as u32;
        let (fee, rebate) = skew_paid(&out);
        t.skew_fees += u32::from(fee > 0);
        t.rebates += u32::from(rebate > 0);
        w.h.check_invariants().await;
        last = Some(out);
    }
    Ok(last)
}

/// The skew potential's fee and rebate of an execution (zero for other kinds).
pub(crate) fn skew_paid(out: &Outcome) -> (u64, u64) {
    if let Some(e) = out.events::<VaultDeposited>().first() {
        return (e.skew_fee, e.skew_rebate);
    }
    if let Some(e) = out.events::<VaultWithdrawn>().first() {
        return (e.skew_fee, e.skew_rebate);
    }
    if let Some(e) = out.events::<PositionTraded>().first() {
        return (e.impact_fee, e.rebate);
    }
    (0, 0)
}

/// The keeper liquidates whatever the engine says is due at the price (confirmed: a
/// legacy account confirms itself).
pub(crate) async fn liquidations(w: &mut World, t: &mut Tally) -> Result<Option<Outcome>, Failure> {
    let m = w.h.market_state().await;
    let params = m.risk_params();
    let view = MarketView {
        params: &params,
        units: m.units().unwrap(),
        oracle: OraclePrice {
            price: (w.usd * 1e8).round() as u128 * (hedge_engine::PRICE_PRECISION / 100_000_000),
            conf: 0,
            publish_time: 0,
        },
        funding_index: m.funding_index,
    };
    let keeper = w.h.keeper.clone();
    let mut last = None;
    let mut owners: Vec<Pubkey> = w.traders.iter().map(User::key).collect();
    owners.push(w.adv.user.key());
    owners.push(w.leg.key());
    for o in owners {
        let Some(p) =
            w.h.anchor_account_opt::<Position>(position_pda(&w.h.market, &o))
                .await
        else {
            continue;
        };
        if is_liquidatable(&p.engine(), &view).unwrap_or(false) {
            let ix = w.h.liquidate_ix(&keeper, &o).await;
            let out = w.h.send(&[ix], &[&keeper.kp]).await;
            named(&out)?;
            t.liquidations += u32::from(out.result.is_ok());
            if out.result.is_ok() {
                let ev: PositionLiquidated = out.event();
                t.unfunded += u32::from(ev.skew_unfunded > 0);
            }
            w.h.check_invariants().await;
            last = Some(out);
        }
    }
    Ok(last)
}

/// The keeper deleverages what the engine says is due (the keeper's own ranking);
/// sometimes after a spike of the price that leaves the vault in breach.
pub(crate) async fn deleverage(w: &mut World, t: &mut Tally) -> Result<Option<Outcome>, Failure> {
    let m = w.h.market_state().await;
    let (n, c) = (m.net_base, i128::from(m.collateral));
    if n < c {
        // The adversary carries the hedge up to the over-hedge cap, the market
        // unpaused first and his order executed at once...
        let u = w.adv.user.clone();
        let pending =
            w.h.anchor_account_opt::<Position>(position_pda(&w.h.market, &u.key()))
                .await
                .is_none_or(|p| p.pending_requests > 0);
        if !w.adv_can_sign() || pending {
            return Ok(None);
        }
        if m.is_paused() {
            let admin = w.h.admin.insecure_clone();
            let ix = market_set_pause(&w.h, &admin.pubkey(), false);
            w.h.send(&[ix], &[&admin]).await.ok();
        }
        let delta = (c * 108 / 100 - n) as i64;
        let ix = position_request_trade(&w.h, &u, delta, 0);
        let out = w.h.send(&[ix], &[&u.kp]).await;
        named(&out)?;
        if out.result.is_err() {
            return Ok(Some(out));
        }
        w.h.advance(i64::from(w.h.setup.params.execution_delay)).await;
        w.h.set_usd(w.usd).await;
        executions(w, t).await?;
        if w.h.market_state().await.net_base < c {
            return Ok(None);
        }
    }
    // ... then a spike: the traders' gains outrun the vault (and, after the keeper's
    // pass, the price comes back down).
    if w.usd > 10_000.0 {
        return Ok(None);
    }
    w.usd *= 20.0;
    w.h.advance(6).await;
    w.h.set_usd(w.usd).await;
    w.h.send(&[market_update_funding(&w.h)], &[]).await.ok();
    let m = w.h.market_state().await;
    let price = OraclePrice {
        price: (w.usd * 1e8).round() as u128 * (hedge_engine::PRICE_PRECISION / 100_000_000),
        conf: 0,
        publish_time: w.h.now().await,
    };
    let st = m.state().unwrap();
    let mut positions = Vec::new();
    let mut owners: Vec<Pubkey> = w.traders.iter().map(User::key).collect();
    owners.push(w.adv.user.key());
    owners.push(w.leg.key());
    for o in owners {
        let key = position_pda(&w.h.market, &o);
        if let Some(p) = w.h.anchor_account_opt::<Position>(key).await {
            positions.push((o, p));
        }
    }
    let order: Vec<Pubkey> = hedge_client::keeper::deleverage_order(
        &positions
            .iter()
            .map(|(o, p)| (position_pda(&w.h.market, o), p.clone()))
            .collect::<Vec<_>>(),
        &st,
        &price,
        &price,
    );
    let mut last = None;
    for key in order {
        let owner = positions
            .iter()
            .find(|(o, _)| position_pda(&w.h.market, o) == key)
            .map(|(o, _)| *o)
            .unwrap();
        let ix = w.h.deleverage_ix(&owner).await;
        let out = w.h.send(&[ix], &[]).await;
        named(&out)?;
        if out.result.is_ok() {
            t.deleveraged += 1;
            let restored = out
                .events::<AutoDeleveraged>()
                .first()
                .is_some_and(|e| !e.reduce_only_after);
            w.h.check_invariants().await;
            last = Some(out);
            if restored {
                break;
            }
        }
    }
    w.usd /= 20.0;
    w.h.advance(6).await;
    w.h.set_usd(w.usd).await;
    Ok(last)
}
