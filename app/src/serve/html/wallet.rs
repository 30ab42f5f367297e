//! A wallet's page: its shares and their statement (the share's chart with its
//! deposits marked), its position and trading statement, its stake, its requests,
//! claims and, for a keeper, what it earned.

use super::super::data::WalletPage;
use super::{
    card, countdown, esc, field, lines_table, nav, page, pretty, requests_table, row, signed_usd,
    url_segment, when, Links,
};
use crate::reports::keeper::KeeperRewards;
use crate::reports::staker::{InsuranceReport, StakerStatement};
use crate::reports::statement::Statement;
use crate::reports::trader::TraderStatement;

fn statement_card(s: &Statement, links: &Links) -> String {
    let v = serde_json::to_value(s).unwrap_or_default();
    let usd = |x: f64| format!("{} USD", signed_usd(x));
    let pct = |x: f64| format!("{:+.2}%", x * 100.0);
    let flows = |name: &str, list: &[crate::reports::statement::Flow]| {
        list.iter()
            .map(|f| {
                format!(
                    "<tr><td>{}</td><td>{name}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td></tr>",
                    f.time.map_or("-".into(), when),
                    pretty(&f.tokens, 6),
                    pretty(&f.shares, 6),
                    super::usd(f.price_usd),
                    links.tx(&f.signature)
                )
            })
            .collect::<String>()
    };
    format!(
        "<table>{}{}{}{}{}{}</table>\
         <h2 style='margin-top:8px'>the result, line by line</h2>{}\
         <h2 style='margin-top:8px'>deposits and withdrawals</h2>\
         <table><tr><th>when</th><th></th><th>tokens</th><th>shares</th><th>price, USD</th><th>transaction</th></tr>{}{}</table>",
        row("deposited, tokens", field("statement", &v, "deposited_tokens")),
        row("withdrawn, tokens", field("statement", &v, "withdrawn_tokens")),
        row("shares now", field("statement", &v, "shares_now")),
        row("value now, tokens", field("statement", &v, "value_now_tokens")),
        row(
            "hedged result",
            format!("{} ({})", usd(s.hedged_result_usd), pct(s.hedged_return))
        ),
        row(
            "had you held",
            format!("{} ({})", usd(s.held_result_usd), pct(s.held_return))
        ),
        lines_table(&s.lines, &s.result),
        flows("deposit", &s.deposits),
        flows("withdrawal", &s.withdrawals),
    )
}

/// The wallet page.
pub fn wallet(p: &WalletPage, market: &str, links: &Links) -> String {
    let v = serde_json::to_value(&p.vault).unwrap_or_default();
    let mut cards = String::new();
    if let Some(note) = &p.note {
        cards += &format!("<div class=error style='grid-column:1/-1'>{}</div>", esc(note));
    }
    cards += &card(
        "In the vault",
        &format!(
            "<div class=big>{} tokens</div><table>{}{}{}</table>",
            field("vault", &v, "your_value"),
            row("shares", field("vault", &v, "your_shares")),
            row(
                "shares in a pending withdrawal",
                field("vault", &v, "your_pending_withdrawal_shares")
            ),
            row("share value, USD", field("vault", &v, "share_value_usd")),
        ),
    );
    cards += &card(
        "Position",
        &match &p.position {
            None => "<p class=muted>no position account</p>".into(),
            Some(pos) => {
                let j = serde_json::to_value(pos).unwrap_or_default();
                format!(
                    "<div class=big>{} {}</div><table>{}{}{}{}{}{}{}</table>",
                    pos.side,
                    field("position", &j, "base"),
                    row("entry price", field("position", &j, "entry_price")),
                    row("margin", field("position", &j, "margin")),
                    row("equity", field("position", &j, "equity")),
                    row("margin ratio", field("position", &j, "margin_ratio")),
                    row("liquidation price", field("position", &j, "liquidation_price")),
                    row("withdrawable", field("position", &j, "withdrawable")),
                    row(
                        "liquidatable now",
                        if pos.liquidatable {
                            "<span class=bad>yes</span>".into()
                        } else {
                            "<span class=ok>no</span>".into()
                        }
                    ),
                )
            }
        },
    );
    let claims = &p.requests.claims;
    let claims_html = if claims.is_empty() {
        "<p class=muted>nothing held for you</p>".to_string()
    } else {
        claims
            .iter()
            .map(|c| {
                format!(
                    "<div>{}: {} tokens, {} shares: <code>{}</code></div>",
                    esc(c.kind),
                    pretty(&c.tokens, 6),
                    pretty(&c.shares, 6),
                    esc(&c.command)
                )
            })
            .collect()
    };
    let has_flows = !(p.statement.deposits.is_empty() && p.statement.withdrawals.is_empty());
    let chart = if has_flows {
        format!(
            "<div class=charts><img src='/market/{m}/chart/share-value.svg?owner={o}' alt='share value chart, your deposits marked'></div>",
            m = esc(&url_segment(market)),
            o = esc(&url_segment(&p.owner)),
        )
    } else {
        String::new()
    };
    let body = format!(
        "<p class=muted>Wallet <span data-field='statement.owner' data-raw='{ow}'>{}</span> in market <a href='/market/{m}'><code>{mk}</code></a>. \
         Figures are the CLI's (<code>hedge vault show --owner</code>, <code>hedge position show --owner</code>, \
         <code>hedge vault statement --owner</code>).</p><div class=cards>{cards}</div>\
         <section class=card style='margin-top:12px'><h2>Requests</h2>{}<h2 style='margin-top:8px'>Claims</h2>{claims_html}</section>\
         <section class=card style='margin-top:12px'><h2>Statement</h2>{}</section>{chart}{}{}{}",
        links.address(&p.owner),
        requests_table(&p.requests, false, p.now),
        if has_flows {
            statement_card(&p.statement, links)
        } else {
            "<p class=muted>no deposit in the vault</p>".to_string()
        },
        p.trader.as_ref().map_or(String::new(), |t| trader_card(t, links)),
        p.stake.as_ref().map_or(String::new(), |s| stake_card(s, &p.insurance, p.now)),
        p.keeper.as_ref().map_or(String::new(), keeper_card),
        m = esc(&url_segment(market)),
        mk = esc(market),
        ow = esc(&p.owner),
    );
    page(&format!("hedge vault: wallet {}", p.owner), &nav(market), &body)
}

/// A trader's statement: the result line by line and its fills.
fn trader_card(s: &TraderStatement, links: &Links) -> String {
    let v = serde_json::to_value(s).unwrap_or_default();
    let fills: String = s
        .fills
        .iter()
        .rev()
        .take(50)
        .map(|f| {
            format!(
                "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td></tr>",
                f.kind,
                pretty(&f.size, 6),
                super::usd(f.price_usd),
                pretty(&f.realized, 6),
                pretty(&f.fees, 6),
                pretty(&f.margin_after, 6),
                links.tx(&f.signature)
            )
        })
        .collect();
    format!(
        "<section class=card style='margin-top:12px'><h2>Trading statement</h2><table>{}{}{}</table>\
         <h2 style='margin-top:8px'>the result, line by line</h2>{}\
         <h2 style='margin-top:8px'>fills (the last 50 of {})</h2>\
         <table><tr><th></th><th>size</th><th>price</th><th>realized</th><th>fees</th><th>margin after</th><th>transaction</th></tr>{fills}</table></section>",
        row("margin deposited, tokens", field("trader", &v, "deposited_tokens")),
        row("withdrawn, tokens", field("trader", &v, "withdrawn_tokens")),
        row("equity now, tokens", field("trader", &v, "equity_now_tokens")),
        lines_table(&s.lines, &s.result),
        s.fills.len(),
    )
}

/// A staker's stake and statement.
fn stake_card(s: &StakerStatement, fund: &InsuranceReport, now: i64) -> String {
    let v = serde_json::to_value(s).unwrap_or_default();
    let f = serde_json::to_value(fund).unwrap_or_default();
    let cooldown = match s.unstake_due_time {
        Some(t) => format!(
            "{} shares, cooldown ends {} (<span data-field='stake.unstake_due_time' data-raw='{t}'>{}</span>)",
            pretty(&s.pending_unstake_shares.to_string(), 0),
            countdown(t, now, "now: a keeper pays it out"),
            when(t)
        ),
        None => "none".into(),
    };
    format!(
        "<section class=card style='margin-top:12px'><h2>Insurance stake</h2><table>{}{}{}{}{}{}</table>\
         <h2 style='margin-top:8px'>the result, line by line</h2>{}</section>",
        row("fund, tokens", field("insurance", &f, "fund")),
        row("your shares", field("stake", &v, "shares_now")),
        row("their value, tokens", field("stake", &v, "value_now_tokens")),
        row("staked, tokens", field("stake", &v, "staked_tokens")),
        row("unstaked, tokens", field("stake", &v, "unstaked_tokens")),
        row("unstaking", cooldown),
        lines_table(&s.lines, &s.result),
    )
}

/// What a keeper wallet earned (see `hedge keeper status`).
fn keeper_card(k: &KeeperRewards) -> String {
    format!(
        "<section class=card style='margin-top:12px'><h2>Keeper rewards</h2><table>{}{}{}{}</table></section>",
        row("requests executed", k.executions.to_string()),
        row("requests refused at their due time", k.refusals.to_string()),
        row("execution fees, SOL", pretty(&k.fees_sol, 9)),
        row(
            "liquidations, rewards in tokens",
            format!("{}: {}", k.liquidations, pretty(&k.liquidation_rewards, 6))
        ),
    )
}
