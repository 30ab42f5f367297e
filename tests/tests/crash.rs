//! The crash, as a story. Holders hedge 100 SOL; an insurance staker backs the
//! market; three traders go long at 10x, 5x and 2x. The price falls in steps, funding
//! is cranked every hour, a keeper liquidates whatever the engine says is due. The
//! 10x long is cut partially then closed; a gap down bankrupts the 5x long and the
//! insurance fund pays its bad debt; a deeper gap bankrupts the 2x long, exhausts the
//! fund, and the rest is socialized to the vault's shareholders, visibly. Token
//! conservation (PROTOCOL 7.1) and zero-sum (7.2) are checked after every step.

use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::{is_liquidatable, MarketView};
use hedge_engine::PRICE_PRECISION;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

#[tokio::test]
async fn a_crash_is_absorbed_by_margin_then_the_fund_then_shareholders() {
    // The story needs a fund too small for its open interest: the stress-sized cap is
    // off (a stress move no larger than the initial margin), and the creator's seed is
    // one native unit.
    let mut setup = Setup::default();
    setup.params.stress_move = setup.params.initial_margin_ratio;
    setup.seed_insurance = 1;
    let mut h = Harness::new(setup).await;

    // Holders hedge 60 + 40 SOL at 100 USD.
    let alice = h.user(60 * ONE).await;
    let bob = h.user(40 * ONE).await;
    h.deposit(&alice, 60 * ONE).await;
    h.deposit(&bob, 40 * ONE).await;
    h.check_invariants().await;

    // A staker puts 2 SOL in the insurance fund.
    let staker = h.user(2 * ONE).await;
    h.send(&[insurance_stake(&h, &staker, 2 * ONE)], &[&staker.kp])
        .await
        .ok();
    h.check_invariants().await;

    // Traders go long with leverage: 10x, 5x, 2x.
    let t10 = h.user(5 * ONE).await;
    let t5 = h.user(5 * ONE).await;
    let t2 = h.user(15 * ONE).await;
    for (t, margin, size) in [
        (&t10, ONE + ONE / 20, 10 * IONE),
        (&t5, 4 * ONE, 20 * IONE),
        (&t2, 10 * ONE, 20 * IONE),
    ] {
        h.trader(t, margin).await;
        h.trade(t, size).await;
        h.check_invariants().await;
    }
    let keeper = h.user(0).await;
    let traders = [&t10, &t5, &t2];

    let mut liquidations: Vec<PositionLiquidated> = Vec::new();
    let mut bad_debts: Vec<BadDebtResolved> = Vec::new();
    for usd in [97u128, 94, 91, 80, 55] {
        // An hour passes; the price is published; funding is cranked.
        h.advance(3_600).await;
        h.set_usd(usd as f64).await;
        h.send(&[market_update_funding(&h)], &[]).await.ok();
        h.check_invariants().await;
        // The keeper liquidates what the engine says is due, one by one.
        for t in traders {
            let m = h.market_state().await;
            let p = h.position_state(&t.key()).await;
            let params = m.risk_params();
            let view = MarketView {
                params: &params,
                units: m.units().unwrap(),
                oracle: OraclePrice {
                    price: usd * PRICE_PRECISION,
                    conf: 0,
                    publish_time: 0,
                },
                funding_index: m.funding_index,
            };
            if !is_liquidatable(&p.engine(), &view).unwrap() {
                continue;
            }
            let out = h
                .send(
                    &[position_liquidate(&h, &keeper, &t.key(), &h.oracle)],
                    &[&keeper.kp],
                )
                .await;
            out.ok();
            liquidations.push(out.event());
            bad_debts.extend(out.events::<BadDebtResolved>());
            h.check_invariants().await;
        }
    }

    // The 10x long was cut partially (twice) before the gap to 80 closed what was
    // left of it.
    assert!(liquidations[0].closed < 10 * ONE && liquidations[0].base_after > 0);
    assert!(liquidations[1].base_after > 0 && liquidations[1].owner == liquidations[0].owner);
    // Every bad debt but the last was paid by the fund in full; the last exhausted it
    // and the rest was socialized.
    let (last, earlier) = bad_debts.split_last().expect("bad debts");
    assert!(!earlier.is_empty());
    for b in earlier {
        assert_eq!((b.insurance_covered, b.socialized), (b.bad_debt, 0), "{b:?}");
        assert!(b.insurance_after > 0);
    }
    assert!(last.insurance_covered > 0 && last.socialized > 0);
    assert_eq!(last.insurance_after, 0);
    assert_eq!(last.insurance_covered + last.socialized, last.bad_debt);
    let m = h.market_state().await;
    assert_eq!(m.total_socialized, last.socialized);
    assert_eq!(m.insurance, 0);
    assert_eq!(m.net_base, 0, "every long was closed");
    // The keeper earned its rewards.
    let rewards: u64 = liquidations.iter().map(|l| l.liquidator_reward).sum();
    assert_eq!(h.token_balance(keeper.token).await, rewards);

    // Alice leaves with her share of what is left: more SOL than she put in (the
    // hedge paid), less than a perfect hedge (her share of the socialized loss).
    let shares = h.token_balance(alice.shares).await;
    h.send(&[vault_request_withdraw(&h, &alice, shares)], &[&alice.kp])
        .await
        .ok();
    h.advance(3_600).await;
    h.set_usd(55.0).await;
    let out = h
        .execute_due(hedge_engine::requests::RequestKind::Withdraw, &alice)
        .await
        .executed();
    let paid = out.event::<VaultWithdrawn>().paid;
    h.check_invariants().await;
    let perfect = 60 * u128::from(ONE) * 100 / 55; // 6000 USD at 55 USD/SOL
    println!(
        "alice: deposited 60 SOL at 100 USD into a vault hedged 50% (traders held 50 of 100 SOL), withdrew \
         {:.4} SOL at 55 USD = {:.2} USD (unhedged: 3300 USD); socialized loss {:.4} SOL",
        paid as f64 / 1e9,
        paid as f64 / 1e9 * 55.0,
        m.total_socialized as f64 / 1e9
    );
    assert!(u128::from(paid) > 60 * u128::from(ONE));
    assert!(u128::from(paid) < perfect);
}
