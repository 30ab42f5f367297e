//! The market page: the oracle, the vault and its holders, the hedge, funding, the
//! insurance fund, open interest, keepers, pending requests, the charts, the largest
//! positions and the latest activity.

use super::super::data::{Activity, MarketPage};
use super::super::series::MAX_POINTS;
use super::{
    ago, card, esc, field, liquidatable_list, nav, page, pretty, requests_table, row, short, signed_usd,
    url_segment, usd, when, Links,
};
use crate::reports::views::PositionReport;

/// The market page.
pub fn market(p: &MarketPage, market: &str, series_points: usize, links: &Links) -> String {
    let m = serde_json::to_value(&p.market).unwrap_or_default();
    let v = serde_json::to_value(&p.vault).unwrap_or_default();
    let mut cards = String::new();
    cards += &card(
        "Oracle (Pyth)",
        &format!(
            "<div class=big>${}</div><table>{}{}{}</table>",
            field("market", &m, "price"),
            row("confidence ±", field("market", &m, "confidence")),
            row("age, seconds", field("market", &m, "price_age_seconds")),
            row("kind", field("market", &m, "oracle_kind")),
        ),
    );
    cards += &card(
        "Vault",
        &format!(
            "<div class=big>{} USD a share</div><table>{}{}{}{}{}</table>",
            field("vault", &v, "share_value_usd"),
            row("share value, tokens", field("vault", &v, "share_value_tokens")),
            row("collateral C, tokens", field("vault", &v, "collateral")),
            row("shares outstanding", field("vault", &v, "shares_outstanding")),
            row("income still locked", field("vault", &v, "locked_income")),
            row("largest withdrawal now", field("vault", &v, "max_withdrawal_now")),
        ),
    );
    let h = &p.holders;
    let apy = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{}%", signed_usd(x)));
    cards += &card(
        "Holders",
        &format!(
            "<div class=big><span data-value='{}'>{}</span> USD</div><table>{}{}{}{}{}</table>",
            h.tvl_usd,
            usd(h.tvl_usd),
            row("TVL", format!("{} USD", usd(h.tvl_usd))),
            row("APY, 7 days", apy(h.apy_7d_percent)),
            row("APY, 30 days", apy(h.apy_30d_percent)),
            row("APY, since start", apy(h.apy_since_start_percent)),
            row("since", h.since.map_or("-".into(), when)),
        ),
    );
    let band = if p.hedge.in_band {
        "<span class=ok>in band</span>"
    } else {
        "<span class=bad>out of band</span>"
    };
    cards += &card(
        "Hedge",
        &format!(
            "<div class=big>{} {band}</div><table>{}{}{}{}</table>",
            field("vault", &v, "hedge_ratio"),
            row(
                "band",
                format!(
                    "{:.0}% to {:.0}%",
                    p.hedge.band_low * 100.0,
                    p.hedge.band_high * 100.0
                )
            ),
            row("traders' net long N", field("market", &m, "traders_net_long")),
            row("target h*C", field("market", &m, "hedge_target")),
            row("live delta a share", field("vault", &v, "live_delta_per_share")),
        ),
    );
    cards += &card(
        "Funding",
        &format!(
            "<div class=big><span data-value='{}'>{:+.2}%</span> a year</div><table>{}{}{}</table>",
            p.funding.annual_percent,
            p.funding.annual_percent,
            row("direction", esc(p.funding.direction)),
            row("a day", field("market", &m, "funding_rate_per_day")),
            row(
                "last crank",
                match &p.last_funding_crank {
                    Some(c) => format!("{} {}", ago(c.seconds_ago), links.tx(&c.signature)),
                    None => "never".into(),
                }
            ),
        ),
    );
    cards += &card(
        "Insurance and capacity",
        &format!(
            "<div class=big>{} tokens</div><table>{}{}{}</table>",
            field("market", &m, "insurance_fund"),
            row("hedgeable collateral", field("vault", &v, "hedgeable_collateral")),
            row("deposits waiting", field("vault", &v, "waiting_deposits")),
            row("socialized so far", field("market", &m, "total_socialized")),
        ),
    );
    let oi = &p.open_interest;
    cards += &card(
        "Open interest",
        &format!(
            "<div class=big>{:.1}% of cap</div><table>{}{}{}{}{}</table>",
            oi.used_percent,
            row("long, tokens", field("market", &m, "open_interest_long")),
            row("short, tokens", field("market", &m, "open_interest_short")),
            row(
                "long / short, USD",
                format!("{} / {}", usd(oi.long_usd), usd(oi.short_usd))
            ),
            row("market cap, USD", field("market", &m, "max_open_interest_usd")),
            row(
                "per position, USD",
                pretty(&oi.per_position_cap_usd.to_string(), 0)
            ),
        ),
    );
    let mut status = String::new();
    for (k, on) in [
        ("paused", p.market.paused),
        ("reduce only", p.market.reduce_only),
        ("settled", p.market.settled),
    ] {
        if on {
            status += &format!("<span class=bad>{k}</span> ");
        }
    }
    if let Some(w) = &p.market.warning {
        status += &format!("<p class=bad>{}</p>", esc(w));
    }
    let liq = liquidatable_list(&p.liquidatable, links);
    cards += &card(
        "Keepers",
        &format!(
            "{status}<table>{}{}{}</table><h2 style='margin-top:8px'>liquidatable now</h2>{liq}\
             <p><a href='/market/{}/keepers'>what is due, and what keepers earned</a></p>",
            row("positions", field("market", &m, "positions")),
            row(
                "last request executed",
                ago(p.last_request_execution.as_ref().and_then(|c| c.seconds_ago))
            ),
            row(
                "events indexed",
                format!(
                    "{} in {} transactions",
                    pretty(&p.index.events.to_string(), 0),
                    pretty(&p.index.transactions.to_string(), 0)
                )
            ),
            esc(&url_segment(market)),
        ),
    );
    let charts: String = super::super::charts::NAMES
        .iter()
        .map(|n| {
            format!(
                "<img src='/market/{}/chart/{n}.svg' alt='{n} chart'>",
                esc(market)
            )
        })
        .collect();
    let body = format!(
        "<p class=muted>Market <span data-field='market.market' data-raw='{mk}'>{}</span>, collateral mint {}. \
         Read-only: this page never signs. Figures are the CLI's (<code>hedge market show</code>, \
         <code>hedge vault show</code>, <code>hedge request list --all</code>).</p>\
         <div class=cards>{cards}</div>\
         <section class=card style='margin-top:12px'><h2>Pending requests</h2>{}</section>\
         <div class=charts>{charts}</div><p class=muted>{} points from {} funding cranks indexed.</p>\
         <section class=card style='margin-top:12px'><h2>Positions ({} open, the largest {} shown)</h2>{}</section>\
         <section class=card style='margin-top:12px'><h2>Activity (the last {})</h2>{}</section>",
        links.address(market),
        links.address(&p.market.mint),
        requests_table(&p.requests, true, p.now).replace("{m}", &esc(&url_segment(market))),
        pretty(&series_points.min(MAX_POINTS).to_string(), 0),
        pretty(&series_points.to_string(), 0),
        p.positions.open,
        p.positions.largest.len(),
        positions_table(&p.positions.largest, market),
        p.activity.len(),
        activity_table(&p.activity, market, links),
        mk = esc(market),
    );
    page(&format!("hedge vault: market {market}"), &nav(market), &body)
}

/// The largest positions: side, size, entry, margin, ratio, liquidation price.
fn positions_table(rows: &[PositionReport], market: &str) -> String {
    if rows.is_empty() {
        return "<p class=muted>no open position</p>".into();
    }
    let m = esc(&url_segment(market));
    let mut t = String::from(
        "<table><tr><th>owner</th><th>side</th><th>size</th><th>entry</th><th>margin</th><th>equity</th>\
         <th><abbr title='equity over notional'>margin ratio</abbr></th><th>liquidation price</th><th></th></tr>",
    );
    for r in rows {
        t += &format!(
            "<tr><td><a href='/market/{m}/wallet/{o}'><code>{}</code></a></td><td>{}</td><td class=n>{}</td><td class=n>{}</td>\
             <td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td></tr>",
            esc(&short(&r.owner)),
            r.side,
            pretty(&r.base, 4),
            pretty(&r.entry_price, 2),
            pretty(&r.margin, 4),
            pretty(&r.equity, 4),
            esc(&r.margin_ratio),
            pretty(&r.liquidation_price, 2),
            if r.liquidatable { "<span class=bad>liquidatable</span>" } else { "" },
            o = esc(&url_segment(&r.owner)),
        );
    }
    t + "</table>"
}

/// The market's last deposits, withdrawals, trades and liquidations.
fn activity_table(rows: &[Activity], market: &str, links: &Links) -> String {
    if rows.is_empty() {
        return "<p class=muted>nothing yet</p>".into();
    }
    let m = esc(&url_segment(market));
    let mut t = String::from(
        "<table><tr><th>when</th><th>what</th><th>owner</th><th>tokens</th><th>price, USD</th><th>fees, tokens</th><th>transaction</th></tr>",
    );
    for a in rows {
        t += &format!(
            "<tr><td>{}</td><td>{}</td><td><a href='/market/{m}/wallet/{o}'><code>{}</code></a></td><td class=n>{}</td>\
             <td class=n>{}</td><td class=n>{}</td><td>{}</td></tr>",
            a.time.map_or("-".into(), when),
            a.kind,
            esc(&short(&a.owner)),
            pretty(&a.amount, 4),
            usd(a.price_usd),
            pretty(&a.fees, 6),
            links.tx(&a.signature),
            o = esc(&url_segment(&a.owner)),
        );
    }
    t + "</table>"
}
