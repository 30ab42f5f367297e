//! The pages as HTML, written on the server (no script, nothing fetched from another
//! origin). Every figure taken from a CLI report is printed as that report's JSON has
//! it and marked `data-field="<report>.<field>"`, so a browser test can check the page
//! against `hedge ... --json` field by field.

use serde_json::Value;

use super::data::{MarketPage, WalletPage};
use crate::reports::staker::{InsuranceReport, StakerStatement};
use crate::reports::statement::{Line, Statement};
use crate::reports::trader::TraderStatement;
use crate::reports::RequestsReport;

/// Escapes text for HTML.
/// `s` as one segment of a URL path: every byte but ASCII letters, digits and
/// `-._~` percent-encoded (RFC 3986's unreserved set), so a typed address with a
/// `#`, a `?`, a `/`, a control character or non-ASCII text stays one segment and
/// makes a valid `Location` header.
pub fn url_segment(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            o.push(char::from(b));
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header a{color:#9cc3ff;text-decoration:none} header h1{font-size:18px;margin:0}
main{padding:16px 24px;max-width:1600px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(260px,100%),1fr));gap:12px}
.card,.cards>*{min-width:0}
.scroll{overflow-x:auto}
.card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px #0002}
.card h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#5b6475;margin:0 0 8px}
.big{font-size:24px;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:14px} td,th{padding:3px 6px;text-align:left;vertical-align:top}
th{color:#5b6475;font-weight:500} td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#0a7a3b}.bad{color:#b3261e}.muted{color:#5b6475}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(700px,100%),1fr));gap:12px;margin-top:12px}
.charts img{width:100%;background:#fff;border-radius:8px;box-shadow:0 1px 2px #0002}
code{background:#eef1f5;padding:1px 4px;border-radius:4px;font-size:13px;word-break:break-all}
.error{background:#fde8e7;border:1px solid #b3261e;border-radius:8px;padding:12px 16px}
form{display:flex;gap:4px;max-width:100%;min-width:0}
form input{width:420px;max-width:100%;min-width:0;flex:1 1 auto;font-size:14px;padding:4px;box-sizing:border-box}
@media (max-width:600px){main{padding:8px}header{padding:8px 12px;gap:12px}table{font-size:12px}td,th{padding:2px 3px}.big{font-size:20px}}
section.card table,.card>table{display:block;overflow-x:auto;max-width:100%}
main{box-sizing:border-box;width:100%}
";

fn page(title: &str, nav: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <link rel=icon href='/favicon.ico' type='image/svg+xml'><title>{}</title><style>{STYLE}</style></head><body><header><h1>hedge vault</h1>{nav}</header>\
         <main>{body}</main></body></html>",
        esc(title)
    )
}

fn nav(market: &str) -> String {
    format!(
        "<a href='/market/{m}'>market</a><a href='/api/market/{m}'>JSON</a>\
         <form method=get action='/market/{m}/wallet'><input name=owner placeholder='wallet address' aria-label='wallet address'> \
         <button>open wallet</button></form>",
        m = esc(&url_segment(market))
    )
}

/// A figure from a report's JSON, marked with where it came from.
fn field(report: &str, v: &Value, key: &str) -> String {
    let text = match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    format!("<span data-field='{report}.{key}'>{}</span>", esc(&text))
}

fn row(label: &str, cell: String) -> String {
    format!("<tr><th>{}</th><td class=n>{cell}</td></tr>", esc(label))
}

fn card(title: &str, inner: &str) -> String {
    format!("<section class=card><h2>{}</h2>{inner}</section>", esc(title))
}

fn ago(s: Option<i64>) -> String {
    match s {
        None => "never".into(),
        Some(s) if s < 120 => format!("{s} s ago"),
        Some(s) if s < 7_200 => format!("{} min ago", s / 60),
        Some(s) => format!("{:.1} h ago", s as f64 / 3_600.0),
    }
}

fn requests_table(requests: &RequestsReport, with_owner: bool) -> String {
    if requests.requests.is_empty() {
        return "<p class=muted>none pending</p>".into();
    }
    let mut t = String::from("<table><tr><th>kind</th>");
    if with_owner {
        t += "<th>owner</th>";
    }
    t += "<th>due</th><th>state</th><th>amount</th><th>command</th></tr>";
    for r in &requests.requests {
        t += &format!("<tr data-request='{}'><td>{}</td>", esc(&r.request), esc(r.kind));
        if with_owner {
            t += &format!(
                "<td><a href='/market/{m}/wallet/{o}'><code>{o}</code></a></td>",
                m = "{m}",
                o = esc(&r.owner)
            );
        }
        t += &format!(
            "<td>in {} s</td><td>{}</td><td class=n>{}</td><td><code>{}</code></td></tr>",
            r.due_in_seconds,
            esc(r.state),
            if r.kind == "trade" {
                r.delta_base.to_string()
            } else {
                r.amount.to_string()
            },
            esc(&r.command)
        );
    }
    t + "</table>"
}

/// The market page.
pub fn market(p: &MarketPage, market: &str, series_points: usize) -> String {
    let m = serde_json::to_value(&p.market).unwrap_or_default();
    let v = serde_json::to_value(&p.vault).unwrap_or_default();
    let age = p.market.price_age_seconds;
    let mut cards = String::new();
    cards += &card(
        "Oracle (Pyth)",
        &format!(
            "<div class=big>$<span data-field='market.price'>{}</span></div><table>{}{}{}</table>",
            esc(&p.market.price),
            row("confidence ±", field("market", &m, "confidence")),
            row("age, seconds", field("market", &m, "price_age_seconds")),
            row("kind", field("market", &m, "oracle_kind")),
        ),
    );
    let _ = age;
    cards += &card(
        "Vault",
        &format!(
            "<div class=big><span data-field='vault.share_value_usd'>{}</span> USD a share</div><table>{}{}{}{}{}</table>",
            esc(&p.vault.share_value_usd),
            row("share value, tokens", field("vault", &v, "share_value_tokens")),
            row("collateral C, tokens", field("vault", &v, "collateral")),
            row("shares outstanding", field("vault", &v, "shares_outstanding")),
            row("income still locked", field("vault", &v, "locked_income")),
            row("largest withdrawal now", field("vault", &v, "max_withdrawal_now")),
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
            "<div class=big><span data-field='vault.hedge_ratio'>{}</span> {band}</div><table>{}{}{}{}</table>",
            esc(&p.vault.hedge_ratio),
            row(
                "band",
                format!("{:.0}% to {:.0}%", p.hedge.band_low * 100.0, p.hedge.band_high * 100.0)
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
                format!(
                    "<span title='{}'>{}</span>",
                    esc(p.last_funding_crank.as_ref().map_or("", |c| c.signature.as_str())),
                    ago(p.last_funding_crank.as_ref().and_then(|c| c.seconds_ago))
                )
            ),
        ),
    );
    cards += &card(
        "Insurance and capacity",
        &format!(
            "<div class=big><span data-field='market.insurance_fund'>{}</span> tokens</div><table>{}{}{}</table>",
            esc(&p.market.insurance_fund),
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
                format!("{:.2} / {:.2}", oi.long_usd, oi.short_usd)
            ),
            row("market cap, USD", field("market", &m, "max_open_interest_usd")),
            row("per position, USD", oi.per_position_cap_usd.to_string()),
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
    let liq = if p.liquidatable.is_empty() {
        "<p class=ok>none at this price</p>".to_string()
    } else {
        p.liquidatable
            .iter()
            .map(|k| format!("<div><code>{}</code></div>", esc(k)))
            .collect::<String>()
    };
    cards += &card(
        "Keepers",
        &format!(
            "{status}<table>{}{}{}</table><h2 style='margin-top:8px'>liquidatable now</h2>{liq}",
            row("positions", field("market", &m, "positions")),
            row(
                "last request executed",
                ago(p.last_request_execution.as_ref().and_then(|c| c.seconds_ago))
            ),
            row(
                "events indexed",
                format!("{} in {} transactions", p.index.events, p.index.transactions)
            ),
        ),
    );
    let charts: String = super::charts::NAMES
        .iter()
        .map(|n| {
            format!(
                "<img src='/market/{}/chart/{n}.svg' alt='{n} chart'>",
                esc(market)
            )
        })
        .collect();
    let body = format!(
        "<p class=muted>Market <code data-field='market.market'>{}</code>, collateral mint <code>{}</code>. \
         Read-only: this page never signs. Figures are the CLI's (<code>hedge market show</code>, \
         <code>hedge vault show</code>, <code>hedge request list --all</code>).</p>\
         <div class=cards>{cards}</div>\
         <section class=card style='margin-top:12px'><h2>Pending requests</h2>{}</section>\
         <div class=charts>{charts}</div><p class=muted>{} points from {} funding cranks indexed.</p>",
        esc(market),
        esc(&p.market.mint),
        requests_table(&p.requests, true).replace("{m}", &esc(market)),
        series_points.min(super::data::MAX_POINTS),
        series_points,
    );
    page(&format!("hedge vault: market {market}"), &nav(market), &body)
}

fn statement_card(s: &Statement) -> String {
    let v = serde_json::to_value(s).unwrap_or_default();
    let usd = |x: f64| format!("{x:+.2} USD");
    let pct = |x: f64| format!("{:+.2}%", x * 100.0);
    let flows = |name: &str, list: &[crate::reports::statement::Flow]| {
        list.iter()
            .map(|f| {
                format!(
                    "<tr><td>{name}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{:.2}</td><td><code>{}</code></td></tr>",
                    esc(&f.tokens),
                    esc(&f.shares),
                    f.price_usd,
                    esc(&f.signature)
                )
            })
            .collect::<String>()
    };
    format!(
        "<table>{}{}{}{}{}{}</table>\
         <h2 style='margin-top:8px'>the result, line by line</h2>{}\
         <h2 style='margin-top:8px'>deposits and withdrawals</h2>\
         <table><tr><th></th><th>tokens</th><th>shares</th><th>price</th><th>transaction</th></tr>{}{}</table>",
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

/// A statement's lines as a table, tokens and USD, each column adding up to the total.
fn lines_table(lines: &[Line], total: &Line) -> String {
    let mut t = String::from("<table class=lines><tr><th></th><th>tokens</th><th>USD</th></tr>");
    for l in lines.iter().chain([total]) {
        let name = if std::ptr::eq(l, total) { "= total" } else { l.name };
        t += &format!(
            "<tr><th>{}</th><td class=n>{}</td><td class=n>{:+.2}</td></tr>",
            esc(name),
            esc(&l.tokens),
            l.usd
        );
    }
    t + "</table>"
}

/// The wallet page.
pub fn wallet(p: &WalletPage, market: &str) -> String {
    let v = serde_json::to_value(&p.vault).unwrap_or_default();
    let mut cards = String::new();
    if let Some(note) = &p.note {
        cards += &format!("<div class=error style='grid-column:1/-1'>{}</div>", esc(note));
    }
    cards +=
        &card(
            "In the vault",
            &format!(
            "<div class=big><span data-field='vault.your_value'>{}</span> tokens</div><table>{}{}{}</table>",
            esc(&p.vault.your_value),
            row("shares", field("vault", &v, "your_shares")),
            row("shares in a pending withdrawal", field("vault", &v, "your_pending_withdrawal_shares")),
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
                    "<div class=big>{} <span data-field='position.base'>{}</span></div><table>{}{}{}{}{}{}{}</table>",
                    pos.side,
                    esc(&pos.base),
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
                    esc(&c.tokens),
                    esc(&c.shares),
                    esc(&c.command)
                )
            })
            .collect()
    };
    let body = format!(
        "<p class=muted>Wallet <code data-field='statement.owner'>{}</code> in market <a href='/market/{m}'><code>{m}</code></a>. \
         Figures are the CLI's (<code>hedge vault show --owner</code>, <code>hedge position show --owner</code>, \
         <code>hedge vault statement --owner</code>).</p><div class=cards>{cards}</div>\
         <section class=card style='margin-top:12px'><h2>Requests</h2>{}<h2 style='margin-top:8px'>Claims</h2>{claims_html}</section>\
         <section class=card style='margin-top:12px'><h2>Statement</h2>{}</section>{}{}",
        esc(&p.owner),
        requests_table(&p.requests, false),
        if p.statement.deposits.is_empty() && p.statement.withdrawals.is_empty() {
            "<p class=muted>no deposit in the vault</p>".to_string()
        } else {
            statement_card(&p.statement)
        },
        p.trader.as_ref().map_or(String::new(), trader_card),
        p.stake.as_ref().map_or(String::new(), |s| stake_card(s, &p.insurance)),
        m = esc(market),
    );
    page(&format!("hedge vault: wallet {}", p.owner), &nav(market), &body)
}

/// A trader's statement: the result line by line and its fills.
fn trader_card(s: &TraderStatement) -> String {
    let v = serde_json::to_value(s).unwrap_or_default();
    let fills: String = s
        .fills
        .iter()
        .rev()
        .take(50)
        .map(|f| {
            format!(
                "<tr><td>{}</td><td class=n>{}</td><td class=n>{:.2}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td><code>{}</code></td></tr>",
                f.kind,
                esc(&f.size),
                f.price_usd,
                esc(&f.realized),
                esc(&f.fees),
                esc(&f.margin_after),
                esc(&f.signature)
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
fn stake_card(s: &StakerStatement, fund: &InsuranceReport) -> String {
    let v = serde_json::to_value(s).unwrap_or_default();
    let f = serde_json::to_value(fund).unwrap_or_default();
    let cooldown = match s.unstake_due_time {
        Some(t) => format!(
            "{} shares, cooldown ends at <span data-field='stake.unstake_due_time'>{t}</span> (unix)",
            s.pending_unstake_shares
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

/// A page saying what went wrong (the server keeps serving).
pub fn error(title: &str, message: &str, market: Option<&str>) -> String {
    let body = format!(
        "<div class=error><h2>{}</h2><p data-error>{}</p></div>",
        esc(title),
        esc(message)
    );
    page(title, &market.map(nav).unwrap_or_default(), &body)
}
