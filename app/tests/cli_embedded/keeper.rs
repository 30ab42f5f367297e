//! The keeper's pass through the CLI on the embedded chain.

use super::*;

/// Many positions at different leverages; the price falls; `crank liquidate` finds
/// them with the scan and liquidates exactly the ones below maintenance, in batches.
#[tokio::test]
async fn the_keeper_liquidates_exactly_the_underwater_positions() {
    let mut env = Env::new().await;
    let admin = env.client.wallet.insecure_clone();
    let market = env.market;
    // 200 tokens of seed stake: 20,000 USD / 0.4 = 50,000 USD of open interest.
    env.create_market(&admin, 200, "--skew-scale 1000 --hedge-tolerance 0")
        .await;
    let lp = env.user(1_000 * ONE).await;
    env.run_as(&lp, &format!("vault deposit {market} 1000"))
        .await
        .unwrap();
    // 20 traders, 10 tokens each, margin from 1.1 (about 9x) to 3.0 (about 3.3x).
    let mut traders = Vec::new();
    for i in 0..20u64 {
        let t = env.user(10 * ONE).await;
        let margin = 1.1 + 0.1 * i as f64;
        env.run_as(&t, &format!("position open {market}")).await.unwrap();
        env.run_as(&t, &format!("position deposit {market} {margin:.2}"))
            .await
            .unwrap();
        env.run_as(&t, &format!("position trade {market} 10"))
            .await
            .unwrap();
        traders.push(t);
    }
    // Each long moved the unhedged vault toward its target and was rebated the skew
    // potential's fall out of the skew ledger, which holds what the deposit paid in
    // (about 0.3 token each on the default two-way market), so the margins are about
    // 1.4 to 3.3 tokens. The price falls 20%: the expected set, from each position's
    // own liquidation price.
    let price = 80.0;
    env.advance(60, price).await;
    let mut expected = Vec::new();
    for t in &traders {
        let v = env.run_as(t, &format!("position show {market}")).await.unwrap();
        let liq: f64 = s(&v, "liquidation_price").parse().unwrap_or(0.0);
        assert_eq!(v["liquidatable"].as_bool().unwrap(), liq > price, "{v}");
        if liq > price {
            expected.push(t.pubkey());
        }
    }
    assert!(
        expected.len() >= 8 && expected.len() < 20,
        "{} of 20",
        expected.len()
    );
    let keeper = env.user(0).await;
    let v = env
        .run_as(&keeper, &format!("crank liquidate {market} --batch 8"))
        .await
        .unwrap();
    assert_eq!(v["scanned"].as_u64(), Some(20));
    assert_eq!(v["eligible"].as_u64(), Some(expected.len() as u64));
    assert_eq!(v["liquidated"].as_u64(), Some(expected.len() as u64));
    assert_eq!(
        v["transactions"].as_u64(),
        Some(expected.len().div_ceil(8) as u64),
        "batched 8 per transaction"
    );
    for t in &traders {
        let v = env.run_as(t, &format!("position show {market}")).await.unwrap();
        let base = hedge_client::units::parse_signed_amount(&s(&v, "base"), 9).unwrap();
        if expected.contains(&t.pubkey()) {
            assert!(base < 10 * ONE as i64, "liquidated");
        } else {
            assert_eq!(base, 10 * ONE as i64, "healthy position untouched");
        }
    }
    // The keeper was paid.
    assert!(env.balance(&keeper.pubkey()).await > 0);
}
