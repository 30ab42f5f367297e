//! The keepers' page: what is due now (the funding accrual before time goes
//! uncharged, requests due, positions to liquidate) and what each keeper earned.

use super::{
    card, countdown, esc, liquidatable_list, nav, page, pretty, row, short, url_segment, when, Links,
};
use crate::reports::keeper::{KeeperReport, KeeperRewards};

/// The keepers' page.
pub fn keepers(p: &KeeperReport, market: &str, links: &Links) -> String {
    let m = esc(&url_segment(market));
    let f = &p.funding;
    let mut cards = String::new();
    cards += &card(
        "Funding accrual",
        &format!(
            "<div class=big>{}</div><table>{}{}{}</table>\
             <p class=muted>Anyone may crank it (<code>hedge crank funding {mk}</code>); time beyond the interval is never charged.</p>",
            countdown(p.now + f.due_in_seconds, p.now, "due now: time goes uncharged"),
            row("last accrual", when(f.last_accrual)),
            row("seconds since", pretty(&f.seconds_since.to_string(), 0)),
            row("longest interval charged, seconds", pretty(&f.max_interval_seconds.to_string(), 0)),
            mk = esc(market),
        ),
    );
    cards += &card(
        "Requests",
        &format!(
            "<div class=big><span data-value='{}'>{}</span> due now</div><table>{}{}</table>\
             <p class=muted>Executing one pays its execution fee (<code>hedge crank requests {mk}</code>).</p>",
            p.requests_due.len(),
            p.requests_due.len(),
            row("waiting", p.requests_waiting.to_string()),
            row(
                "next due",
                p.next_due_in_seconds
                    .map_or("-".into(), |s| countdown(p.now + s, p.now, "due now"))
            ),
            mk = esc(market),
        ),
    );
    let liq = liquidatable_list(&p.liquidatable, links);
    cards += &card(
        "Liquidatable now",
        &format!(
            "<div class=big><span data-value='{}'>{}</span> positions</div>{liq}\
             <p class=muted>Liquidating one pays the liquidator's share of the reward (<code>hedge crank liquidate {}</code>).</p>",
            p.liquidatable.len(),
            p.liquidatable.len(),
            esc(market)
        ),
    );
    let due: String = p
        .requests_due
        .iter()
        .map(|r| {
            format!(
                "<tr><td>{}</td><td><a href='/market/{m}/wallet/{o}'><code>{}</code></a></td><td class=n>{}</td><td><code>{}</code></td></tr>",
                esc(r.kind),
                esc(&short(&r.owner)),
                when(r.due_time),
                esc(&r.command),
                o = esc(&url_segment(&r.owner)),
            )
        })
        .collect();
    let due = if due.is_empty() {
        "<p class=muted>nothing due</p>".to_string()
    } else {
        format!("<table><tr><th>kind</th><th>owner</th><th>due since</th><th>command</th></tr>{due}</table>")
    };
    let body = format!(
        "<p class=muted>Keepers of market <a href='/market/{m}'><code>{}</code></a>: the permissionless work and what it paid \
         (<code>hedge keeper status {} --json</code>; <code>hedge keeper run</code> does it all in a loop).</p>\
         <div class=cards>{cards}</div>\
         <section class=card style='margin-top:12px'><h2>Requests due</h2>{due}</section>\
         <section class=card style='margin-top:12px'><h2>Rewards earned, by keeper</h2>{}</section>",
        esc(market),
        esc(market),
        rewards_table(&p.keepers, &p.total, market, links),
    );
    page(&format!("hedge vault: keepers of {market}"), &nav(market), &body)
}

fn rewards_table(rows: &[KeeperRewards], total: &KeeperRewards, market: &str, links: &Links) -> String {
    if rows.is_empty() {
        return "<p class=muted>no keeper has executed or liquidated anything yet</p>".into();
    }
    let m = esc(&url_segment(market));
    let mut t = String::from(
        "<table><tr><th>keeper</th><th>executed</th><th>refused</th><th>fees, SOL</th><th>liquidations</th><th>rewards, tokens</th></tr>",
    );
    for (i, k) in rows.iter().chain([total]).enumerate() {
        let who = if i == rows.len() {
            "<b>all keepers</b>".to_string()
        } else {
            format!(
                "<a href='/market/{m}/wallet/{o}'><code>{}</code></a> {}",
                esc(&short(&k.wallet)),
                links
                    .address(&k.wallet)
                    .replace(&format!(">{}<", esc(&k.wallet)), ">explorer<"),
                o = esc(&url_segment(&k.wallet)),
            )
        };
        t += &format!(
            "<tr data-keeper='{}'><td>{who}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            esc(&k.wallet),
            k.executions,
            k.refusals,
            pretty(&k.fees_sol, 9),
            k.liquidations,
            pretty(&k.liquidation_rewards, 6),
        );
    }
    t + "</table>"
}
