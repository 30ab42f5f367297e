//! Sandwiches of honest requests, refused by the bound or limit they carry.

use super::*;

/// A neutral pair A (short) and B (long) that sandwiches an honest request: A's order,
/// the honest request and B's order share their due time, and A executes all three
/// in one transaction, A first, B last; then the pair unwinds. Returns the honest
/// request's outcome and the pair's gain in tokens.
pub(crate) async fn sandwich(
    h: &mut Harness,
    honest: &User,
    kind: RequestKind,
    size: u64,
) -> (Outcome, i128) {
    straddle(h, honest, kind, -(size as i64)).await
}

/// A pair's orders around an honest request, executed in one transaction: `a` trades
/// `first` just before it, `b` the opposite just after; then both unwind. Returns the
/// transaction and the pair's gain in tokens.
pub(crate) async fn straddle(
    h: &mut Harness,
    honest: &User,
    kind: RequestKind,
    first: i64,
) -> (Outcome, i128) {
    let size = first.unsigned_abs();
    let a = funded_trader(h, size / 2 + ONE).await;
    let b = funded_trader(h, size / 2 + ONE).await;
    let before = holdings(h, &a).await + holdings(h, &b).await;
    h.send(&[position_request_trade(h, &a, first, 0)], &[&a.kp])
        .await
        .ok();
    h.send(&[position_request_trade(h, &b, -first, 0)], &[&b.kp])
        .await
        .ok();
    let due = h.request_state(&honest.key(), kind).await.unwrap().due_time;
    h.set_time(due + 1).await;
    let oracle = h.publish_for_due(due).await;
    let ixs = [
        execute_by(h, RequestKind::Trade, &a, &oracle, &a.key()),
        execute_by(h, kind, honest, &oracle, &a.key()),
        execute_by(h, RequestKind::Trade, &b, &oracle, &a.key()),
    ];
    let out = h.send(&ixs, &[&a.kp]).await;
    out.ok();
    h.check_invariants().await;
    h.trade(&a, -first).await;
    h.trade(&b, first).await;
    h.check_invariants().await;
    let after = holdings(h, &a).await + holdings(h, &b).await;
    (out, after - before)
}

/// Class 6, found by the attack on revision 5: the potential is convex, and anyone may
/// execute due requests in any order, so a pair that moves the skew just before an
/// honest request and back just after makes it pay more than alone and keeps the
/// difference. A request's bound covers its skew charge (a deposit's and a
/// withdrawal's `max_skew_fee_ratio`, a trade's limit price with the charge included,
/// as GMX's acceptable price includes price impact): the `hedge` command sets it to
/// what the request costs now plus a margin, and the sandwiched execution is refused
/// and refunded instead. Without a bound the pair takes the difference: measured here,
/// and the reason the client never sends one without it.
#[tokio::test]
async fn a_sandwich_of_an_honest_deposit_is_refused_by_the_bound_its_request_carries() {
    for bounded in [true, false] {
        let (mut h, _) = hedged(Setup::two_way(0), 1_000 * ONE).await;
        let v = h.user(300 * ONE).await;
        // What the deposit costs alone, now, and the bound the client derives from it
        // (plus 0.25% of the amount).
        let m = h.market_state().await;
        let st = m.state().unwrap();
        let alone = st
            .skew_quote(
                SkewPoint {
                    collateral: st.collateral + 300 * ONE,
                    ..st.skew_point()
                },
                hedge_engine::skew::SkewCause::Deposit,
            )
            .unwrap()
            .paid;
        let bound = if bounded {
            ((u128::from(alone) * 1_000_000).div_ceil(u128::from(300 * ONE)) + 2_500) as i32
        } else {
            1_000_000
        };
        let ix = hedge_client::ix::vault_request_deposit_bounded(
            &hedge_client::keys::MarketKeys::for_market(h.market, h.mint, h.oracle),
            &hedge_client::ix::OwnerAccounts {
                owner: v.key(),
                token: v.token,
                shares: v.shares,
            },
            300 * ONE,
            0,
            bound,
        );
        h.send(&[ix], &[&v.kp]).await.ok();
        let (out, gain) = sandwich(&mut h, &v, RequestKind::Deposit, 250 * ONE).await;
        if bounded {
            // Refused at the sandwiched fee, refunded in full; the pair paid its own
            // rises and fees for nothing.
            assert_eq!(
                out.event::<RequestCancelled>().error,
                code(hedge_vault::HedgeError::SkewFeeAboveLimit)
            );
            assert_eq!(h.token_balance(v.token).await, 300 * ONE);
            assert!(gain < 0, "{gain}");
        } else {
            let ev: VaultDeposited = out.event();
            assert!(ev.skew_fee > alone + alone / 2, "{} vs {alone}", ev.skew_fee);
            assert!(gain > 0, "without a bound the pair takes the difference: {gain}");
        }
    }
}

/// Found by the attack on revision 5's bounds: a bound on the fee alone left a rebate
/// to whoever took it. An honest withdrawal that closes an under-hedged vault's gap is
/// quoted a rebate; a pair that longs just before it (rebated for closing part of the
/// gap) and shorts just after (reopening it from the far side, where the honest
/// execution left it, cheaply) took 2.5 of its 3.1 tokens of rebate and ended flat.
/// The bound covers the charge net of its rebate: the client asks for the rebate quoted
/// now less 1% of the payment, and the straddled execution is refused, the shares
/// returned, the pair out of pocket.
#[tokio::test]
async fn a_pair_that_takes_an_honest_withdrawals_rebate_is_refused_by_its_bound() {
    let mut received = Vec::new();
    for (pair, bounded) in [(0i64, true), (150 * IONE, true), (150 * IONE, false)] {
        let mut setup = Setup::two_way(86_400);
        setup.params.max_position_usd = setup.params.max_open_interest_usd;
        let mut h = Harness::new(setup).await;
        let lp = h.user(700 * ONE).await;
        h.deposit(&lp, 700 * ONE).await;
        let v = h.user(200 * ONE).await;
        h.deposit(&v, 200 * ONE).await;
        // Under-hedged by 300 tokens: the skew at -300.
        let long = funded_trader(&mut h, 500 * ONE).await;
        for _ in 0..6 {
            let m = h.market_state().await;
            let x = point(&m).skew(&m.risk_params()).unwrap() + i128::from(300 * ONE);
            if x.abs() < 1_000 {
                break;
            }
            h.trade(&long, -x as i64).await;
        }
        h.advance(2 * 86_400).await;
        h.set_usd(100.0).await;
        // The honest withdrawal of everything, quoted now (a rebate), and the bound the
        // client derives from it: the charge quoted plus 1% of the payment.
        let shares = h.token_balance(v.shares).await;
        let m = h.market_state().await;
        let st = m.state().unwrap();
        let supply = h.mint_supply(m.share_mint).await;
        let p = hedge_engine::oracle::OraclePrice {
            price: 100 * hedge_engine::PRICE_PRECISION,
            conf: 0,
            publish_time: 0,
        };
        let value = hedge_engine::vault::value_of_shares_floor(&st.vault_view(supply), &p, shares).unwrap();
        let q = st
            .skew_quote(
                SkewPoint {
                    collateral: st.collateral - value,
                    ..st.skew_point()
                },
                hedge_engine::skew::SkewCause::Withdrawal,
            )
            .unwrap();
        assert_eq!(q.paid, 0);
        assert!(q.rebate > 3 * ONE, "{q:?}");
        let net = -i128::from(q.rebate) * 1_000_000 / i128::from(value);
        let bound = if bounded { (net + 10_000) as i32 } else { 1_000_000 };
        assert!(!bounded || bound < 0, "the client asks for a rebate: {bound}");
        let ix = hedge_client::ix::vault_request_withdraw_bounded(
            &hedge_client::keys::MarketKeys::for_market(h.market, h.mint, h.oracle),
            &hedge_client::ix::OwnerAccounts {
                owner: v.key(),
                token: v.token,
                shares: v.shares,
            },
            shares,
            bound,
        );
        h.send(&[ix], &[&v.kp]).await.ok();
        if pair == 0 {
            let out = h.execute_due(RequestKind::Withdraw, &v).await;
            out.ok();
            let ev: VaultWithdrawn = out.event();
            // Alone it is rebated what was quoted (the market moved a little over the
            // withdrawal delay: funding accrued).
            assert_eq!(ev.skew_fee, 0);
            assert!(
                ev.skew_rebate.abs_diff(q.rebate) < q.rebate / 1_000,
                "{ev:?} {q:?}"
            );
            received.push(h.token_balance(v.token).await);
            continue;
        }
        let due = h
            .request_state(&v.key(), RequestKind::Withdraw)
            .await
            .unwrap()
            .due_time;
        h.set_time(due - 2).await;
        h.set_usd(100.0).await;
        let (out, gain) = straddle(&mut h, &v, RequestKind::Withdraw, pair).await;
        println!(
            "bound {bound}: the pair's gain {gain}, the honest holder received {} (alone {})",
            h.token_balance(v.token).await,
            received[0]
        );
        if bounded {
            assert_eq!(
                out.event::<RequestCancelled>().error,
                code(hedge_vault::HedgeError::SkewFeeAboveLimit)
            );
            assert_eq!(h.token_balance(v.shares).await, shares);
            assert_eq!(h.token_balance(v.token).await, 0);
            assert!(gain < 0, "{gain}");
        } else {
            let ev: VaultWithdrawn = out.event();
            assert!(ev.skew_rebate < q.rebate / 2, "{ev:?}");
            let got = h.token_balance(v.token).await;
            assert!(got + 2 * ONE < received[0], "{got} vs {}", received[0]);
            assert!(
                gain > i128::from(ONE),
                "without a bound on the rebate the pair takes it: {gain}"
            );
        }
        h.check_invariants().await;
    }
}

/// The same against an honest exit: an order whose limit carries its skew charge (the
/// client's default: the price moved 1% against it and the fee quoted now) is
/// cancelled rather than charged the sandwiched rise.
#[tokio::test]
async fn a_sandwich_of_an_honest_exit_is_refused_by_its_limit_price() {
    let (mut h, honest) = hedged(Setup::two_way(0), 1_000 * ONE).await;
    let m = h.market_state().await;
    let st = m.state().unwrap();
    let close = 300 * IONE;
    let q = st
        .skew_quote(
            SkewPoint {
                net_base: st.aggregates.net_base - i128::from(close),
                ..st.skew_point()
            },
            hedge_engine::skew::SkewCause::Reduce,
        )
        .unwrap();
    let p = 100 * hedge_engine::PRICE_PRECISION;
    let limit = hedge_engine::position::effective_fill_price(-close, p / 100 * 99, q.paid, 0, p).unwrap();
    h.send(
        &[position_request_trade(&h, &honest, -close, limit)],
        &[&honest.kp],
    )
    .await
    .ok();
    let (out, gain) = sandwich(&mut h, &honest, RequestKind::Trade, 250 * ONE).await;
    let cancelled: Vec<RequestCancelled> = out.events();
    assert_eq!(cancelled.len(), 1, "{:?}", out.logs);
    assert_eq!(
        cancelled[0].error,
        code(hedge_vault::HedgeError::SlippageExceeded)
    );
    assert_eq!(h.position_state(&honest.key()).await.base, m.net_base as i64);
    assert!(gain < 0, "{gain}");
}
