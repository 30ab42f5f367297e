//! The holders', positions', activity and keepers' figures, and the charts, against
//! the CLI's and the cards'.

use super::*;

/// The holders' card (TVL = shares x share value; APY none for windows longer than
/// the history), the positions table (every open position counted, the largest shown
/// as `position show` reports it) and the activity (the holder's deposit, newest first).
pub(crate) async fn holders_positions_and_activity(
    addr: SocketAddr,
    m: &str,
    vault: &Value,
    open_now: usize,
) {
    let (_, body) = get(addr, &format!("/api/market/{m}")).await;
    let api: Value = serde_json::from_str(&body).unwrap();
    let num = |v: &Value| v.as_str().unwrap().parse::<f64>().unwrap();
    let tvl = api["holders"]["tvl_usd"].as_f64().unwrap();
    let want = num(&vault["shares_outstanding"]) * num(&vault["share_value_usd"]);
    assert!(
        tvl > 0.0 && (tvl - want).abs() <= 1e-9 * want,
        "{tvl} against {want}"
    );
    // A 2-day market: 7 and 30 days are longer than its history.
    assert_eq!(api["holders"]["apy_7d_percent"], Value::Null);
    assert_eq!(api["holders"]["apy_30d_percent"], Value::Null);
    assert!(
        api["holders"]["apy_since_start_percent"].is_number(),
        "{}",
        api["holders"]
    );
    let open = api["positions"]["open"].as_u64().unwrap();
    let largest = api["positions"]["largest"].as_array().unwrap();
    assert_eq!(open, open_now as u64);
    assert_eq!(largest.len() as u64, open.min(50));
    let sizes: Vec<f64> = largest.iter().map(|p| num(&p["base"]).abs()).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {sizes:?}");
    let activity = api["activity"].as_array().unwrap();
    assert!(!activity.is_empty() && activity.len() <= 30);
    let times: Vec<i64> = activity.iter().map(|a| a["time"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let (_, page) = get(addr, &format!("/market/{m}")).await;
    assert!(page.contains("<h2>Holders</h2>") && page.contains("APY, 7 days"));
    assert!(page.contains(&format!("Positions ({open} open")));
    for a in activity.iter().take(3) {
        let sig = a["signature"].as_str().unwrap();
        assert!(
            page.contains(&format!("title='{sig}'")),
            "activity {sig} not on the page"
        );
    }
}

/// The keepers' page: its JSON is `hedge keeper status --json`; every execution paid
/// the market's execution fee to its keeper; the demo's keeper sees its rewards on
/// its wallet page.
pub(crate) async fn keepers_page_and_rewards(addr: SocketAddr, m: &str, cli: &Value) {
    let (status, body) = get(addr, &format!("/api/market/{m}/keepers")).await;
    assert_eq!(status, 200, "{body}");
    let api: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(&api, cli);
    let total = &api["total"];
    let paid = total["executions"].as_u64().unwrap() + total["refusals"].as_u64().unwrap();
    assert!(paid > 10, "{total}");
    let fee = api["keepers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["fees_lamports"].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(fee, total["fees_lamports"].as_u64().unwrap());
    assert_eq!(fee % paid, 0, "every request paid the same fee: {fee} for {paid}");
    assert!(fee > 0);
    let keeper = api["keepers"][0]["wallet"].as_str().unwrap().to_string();
    let (_, page) = get(addr, &format!("/market/{m}/keepers")).await;
    assert!(
        page.contains(&format!("data-keeper='{keeper}'")),
        "the keeper's row"
    );
    assert!(page.contains("data-keeper='all keepers'"));
    assert!(page.contains("data-due="), "the funding countdown");
    let (_, body) = get(addr, &format!("/api/market/{m}/wallet/{keeper}")).await;
    let w: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(w["keeper"], api["keepers"][0]);
    assert_eq!(w["note"], Value::Null);
    let (_, page) = get(addr, &format!("/market/{m}/wallet/{keeper}")).await;
    assert!(page.contains("<h2>Keeper rewards</h2>"));
}

/// `?owner=` marks a wallet's deposits on the share's chart; the wallet page shows it;
/// a bad or repeated owner is named.
pub(crate) async fn the_share_chart_marks_a_wallets_deposits(addr: SocketAddr, m: &str, holder: &str) {
    let (status, svg) = get(addr, &format!("/market/{m}/chart/share-value.svg?owner={holder}")).await;
    assert_eq!(status, 200);
    assert!(
        svg.contains("your deposit") && svg.contains("your withdrawal"),
        "the holder deposited and withdrew"
    );
    let (_, plain) = get(addr, &format!("/market/{m}/chart/share-value.svg")).await;
    assert!(!plain.contains("your deposit"));
    // Dated ticks with the year.
    let dated = plain
        .split("<text")
        .filter_map(|t| {
            t.split_once('>')
                .map(|x| x.1.split('<').next().unwrap_or("").trim())
        })
        .filter(|t| {
            t.len() >= 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' && t.starts_with("20")
        })
        .count();
    assert!(dated >= 2, "dated ticks: {dated}");
    let (_, page) = get(addr, &format!("/market/{m}/wallet/{holder}")).await;
    assert!(page.contains(&format!("chart/share-value.svg?owner={holder}")));
    let (status, _) = get(addr, &format!("/market/{m}/chart/share-value.svg?owner=xyz")).await;
    assert_eq!(status, 400);
    let (status, _) = get(
        addr,
        &format!("/market/{m}/chart/share-value.svg?owner={holder}&owner={holder}"),
    )
    .await;
    assert_eq!(status, 400);
}

/// The charts' last point is the market now, as the cards show it, also after a
/// withdrawal made since the last funding crank (the demo's holder withdrew last).
pub(crate) async fn the_charts_end_where_the_cards_are(addr: SocketAddr, m: &str) {
    let (_, body) = get(addr, &format!("/api/market/{m}")).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let (_, body) = get(addr, &format!("/api/market/{m}/series")).await;
    let s: Value = serde_json::from_str(&body).unwrap();
    let last = s["points"].as_array().unwrap().last().unwrap().clone();
    let card: f64 = page["vault"]["share_value_usd"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(last["share_value_usd"].as_f64(), Some(card), "{last}");
    let tokens: f64 = page["vault"]["share_value_tokens"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(last["share_value_tokens"].as_f64(), Some(tokens));
    assert_eq!(last["time"], page["now"]);
}
