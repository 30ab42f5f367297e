//! The pages as HTML, written on the server (nothing fetched from another origin; one
//! inline script counts the countdowns down). Every figure taken from a report is
//! marked `data-field="<report>.<field>"` with the report's JSON value, exact, in
//! `data-raw` (and its tooltip); the text shows it readable (thousands separators, at
//! most 6 decimals), so a browser test can check the page against the JSON field by
//! field.
//!
//! - this module: the frame, the pieces every page uses (figures, rows, cards, links
//!   to an explorer, countdowns, tooltips);
//! - [`market`], [`wallet`], [`keepers`]: the three pages.

mod keepers;
mod market;
mod wallet;

pub use keepers::keepers;
pub use market::market;
pub use wallet::wallet;

use serde_json::Value;

use crate::reports::statement::Line;
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
abbr{text-decoration:underline dotted #9aa3b2;cursor:help}
";

/// Counts every `[data-due]` down each second from the server's `data-now`: the text
/// the server wrote, kept current while the page stays open.
const SCRIPT: &str = "(function(){const t0=Date.now();\
function f(s){if(s<=0)return null;if(s<120)return 'in '+s+' s';if(s<7200)return 'in '+Math.floor(s/60)+' min '+(s%60)+' s';\
if(s<172800)return 'in '+Math.floor(s/3600)+' h '+Math.floor(s%3600/60)+' min';return 'in '+(s/86400).toFixed(1)+' days';}\
function tick(){const gone=Math.floor((Date.now()-t0)/1000);for(const e of document.querySelectorAll('[data-due]')){\
const left=Number(e.dataset.due)-Number(e.dataset.now)-gone;e.textContent=f(left)??e.dataset.then;}}setInterval(tick,1000);})();";

fn page(title: &str, nav: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <link rel=icon href='/favicon.ico' type='image/svg+xml'><title>{}</title><style>{STYLE}</style></head><body><header><h1>hedge vault</h1>{nav}</header>\
         <main>{body}</main><script>{SCRIPT}</script></body></html>",
        esc(title)
    )
}

/// Where transactions and accounts link to (see `ServeOptions::explorer`).
#[derive(Debug, Default, Clone)]
pub struct Links {
    pub explorer: Option<String>,
}

impl Links {
    fn link(&self, kind: &str, id: &str, text: &str) -> String {
        match &self.explorer {
            Some(t) => format!(
                "<a href='{}' title='{}' rel=noopener target=_blank><code>{}</code></a>",
                esc(&t.replace("{kind}", kind).replace("{id}", &url_segment(id))),
                esc(id),
                esc(text)
            ),
            None => format!("<code title='{}'>{}</code>", esc(id), esc(text)),
        }
    }

    /// A transaction, shortened, linked to the explorer (its whole signature in the tooltip).
    pub fn tx(&self, signature: &str) -> String {
        self.link("tx", signature, &short(signature))
    }

    /// An account, whole, linked to the explorer.
    pub fn address(&self, key: &str) -> String {
        self.link("address", key, key)
    }
}

/// `abcdef…wxyz`: the first 6 and last 4 characters of a long identifier.
pub fn short(id: &str) -> String {
    if id.chars().count() <= 14 {
        return id.to_string();
    }
    let head: String = id.chars().take(6).collect();
    let tail: String = id
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}…{tail}")
}

/// A decimal number as read on a page: its integer digits grouped by thousands, at
/// most `max_decimals` decimals (rounded half away from zero), trailing zeros dropped;
/// text that is not a plain decimal number unchanged.
pub fn pretty(text: &str, max_decimals: usize) -> String {
    let (sign, body) = match text.strip_prefix('-') {
        Some(b) => ("-", b),
        None => (
            text.strip_prefix('+').map_or("", |_| "+"),
            text.trim_start_matches('+'),
        ),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !(frac.is_empty() || digits(frac)) {
        return text.to_string();
    }
    let mut all: Vec<u8> = int
        .bytes()
        .chain(frac.bytes().take(max_decimals))
        .map(|b| b - b'0')
        .collect();
    let keep = frac.len().min(max_decimals);
    if frac.as_bytes().get(max_decimals).is_some_and(|b| *b >= b'5') {
        // Round up: carry from the last digit kept.
        let mut i = all.len();
        loop {
            if i == 0 {
                all.insert(0, 1);
                break;
            }
            i -= 1;
            if all[i] == 9 {
                all[i] = 0;
            } else {
                all[i] += 1;
                break;
            }
        }
    }
    let int_len = all.len() - keep;
    let int_digits: String = all[..int_len].iter().map(|d| char::from(b'0' + d)).collect();
    let mut grouped = String::new();
    for (i, c) in int_digits.chars().enumerate() {
        if i > 0 && (int_len - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac_digits: String = all[int_len..].iter().map(|d| char::from(b'0' + d)).collect();
    let frac_digits = frac_digits.trim_end_matches('0');
    let zero = grouped.trim_start_matches(['0', ',']).is_empty() && frac_digits.is_empty();
    let sign = if zero { "" } else { sign };
    if frac_digits.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac_digits}")
    }
}

/// A USD amount: thousands separators and two decimals.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let p = pretty(&format!("{x:.2}"), 2);
    match p.split_once('.') {
        Some((i, f)) => format!("{i}.{f:0<2}"),
        None => format!("{p}.00"),
    }
}

/// [`usd`] with its sign always shown: `+1,234.50`.
pub fn signed_usd(x: f64) -> String {
    let u = usd(x);
    if x.is_finite() && !u.starts_with('-') && u != "0.00" {
        format!("+{u}")
    } else {
        u
    }
}

/// A unix time as `YYYY-MM-DD HH:MM UTC`.
pub fn when(t: i64) -> String {
    let s = t.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        crate::backtest::path::date_of(t.div_euclid(86_400)),
        s / 3_600,
        s % 3_600 / 60
    )
}

/// Seconds ahead, as a person reads them (`in 3 min 20 s`), or `then` when they are up.
pub fn left(s: i64, then: &str) -> String {
    match s {
        s if s <= 0 => then.to_string(),
        s if s < 120 => format!("in {s} s"),
        s if s < 7_200 => format!("in {} min {} s", s / 60, s % 60),
        s if s < 172_800 => format!("in {} h {} min", s / 3_600, s % 3_600 / 60),
        s => format!("in {:.1} days", s as f64 / 86_400.0),
    }
}

/// A countdown to `due` read at `now` (the cluster's time), counted down by the page's
/// script; `then` once it is up.
pub fn countdown(due: i64, now: i64, then: &str) -> String {
    format!(
        "<span data-due='{due}' data-now='{now}' data-then='{}' title='{}'>{}</span>",
        esc(then),
        esc(&when(due)),
        esc(&left(due - now, then))
    )
}

fn nav(market: &str) -> String {
    format!(
        "<a href='/market/{m}'>market</a><a href='/market/{m}/keepers'>keepers</a><a href='/api/market/{m}'>JSON</a>\
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
    format!(
        "<span data-field='{report}.{key}' data-raw='{raw}' title='{raw}'>{}</span>",
        esc(&pretty(&text, 6)),
        raw = esc(&text)
    )
}

/// What a label means, shown as its tooltip.
fn explain(label: &str) -> Option<&'static str> {
    Some(match label {
        "collateral C, tokens" => "C: the tokens the vault holds for its holders (its equity before funding and P&L still open)",
        "share value, tokens" | "share value, USD" => "What one whole share would be paid now, before skew charges",
        "income still locked" => "Fees and funding earned but released over time, so nobody can deposit just before a payment and leave after",
        "largest withdrawal now" => "The most that can leave the vault now without unhedging the traders it backs",
        "traders' net long N" => "N: the traders' longs minus their shorts, the exposure the vault's short is meant to offset",
        "target h*C" => "The short the vault aims for: the hedge ratio h times its collateral C",
        "band" => "The hedge ratio is held within this band by funding; deposits wait when they would push it out",
        "live delta a share" => "How much a share's token value moves per unit of price: near 0 when hedged",
        "hedgeable collateral" => "How much of C the traders' longs cover now",
        "deposits waiting" => "Deposits in escrow until traders' longs cover them; cancellable",
        "socialized so far" => "Bad debt the insurance fund could not cover, taken from the holders",
        "direction" => "Positive funding: longs pay the vault; negative: the vault pays longs",
        "a day" => "The funding rate a day, as a share of the notional",
        "margin ratio" => "Equity over notional; below the maintenance margin the position is liquidated",
        "liquidation price" => "The oracle price at which the position's equity falls to its maintenance margin",
        "withdrawable" => "Margin that can leave now while the position keeps its initial margin",
        "TVL" => "Total value locked: the shares outstanding at the share's value now, in USD",
        "APY, 7 days" | "APY, 30 days" | "APY, since start" => "The share's USD value over the window, compounded to a year; '-' when the market is younger than the window",
        "hedged result" => "What the deposits are worth now plus what was withdrawn, minus what was deposited, in USD at each moment",
        "had you held" => "The same tokens kept in the wallet instead, in USD",
        _ => return None,
    })
}

fn row(label: &str, cell: String) -> String {
    match explain(label) {
        Some(t) => format!(
            "<tr><th><abbr title='{}'>{}</abbr></th><td class=n>{cell}</td></tr>",
            esc(t),
            esc(label)
        ),
        None => format!("<tr><th>{}</th><td class=n>{cell}</td></tr>", esc(label)),
    }
}

/// The positions liquidatable now, each linked.
fn liquidatable_list(keys: &[String], links: &Links) -> String {
    if keys.is_empty() {
        return "<p class=ok>none at this price</p>".to_string();
    }
    keys.iter()
        .map(|k| format!("<div>{}</div>", links.address(k)))
        .collect()
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

fn requests_table(requests: &RequestsReport, with_owner: bool, now: i64) -> String {
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
            "<td>{}</td><td>{}</td><td class=n>{}</td><td><code>{}</code></td></tr>",
            countdown(r.due_time, now, "due now"),
            esc(r.state),
            pretty(
                &if r.kind == "trade" {
                    r.delta_base.to_string()
                } else {
                    r.amount.to_string()
                },
                0
            ),
            esc(&r.command)
        );
    }
    t + "</table>"
}

/// A statement's lines as a table, tokens and USD, each column adding up to the total.
fn lines_table(lines: &[Line], total: &Line) -> String {
    let mut t = String::from("<table class=lines><tr><th></th><th>tokens</th><th>USD</th></tr>");
    for l in lines.iter().chain([total]) {
        let name = if std::ptr::eq(l, total) { "= total" } else { l.name };
        t += &format!(
            "<tr><th>{}</th><td class=n title='{}'>{}</td><td class=n>{}</td></tr>",
            esc(name),
            esc(&l.tokens),
            esc(&pretty(&l.tokens, 6)),
            signed_usd(l.usd)
        );
    }
    t + "</table>"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_with_separators_and_round_half_away_from_zero() {
        assert_eq!(pretty("1234567.891", 6), "1,234,567.891");
        assert_eq!(pretty("240.625000000000", 6), "240.625");
        assert_eq!(pretty("-0.0000004", 6), "0");
        assert_eq!(pretty("-1234.0000005", 6), "-1,234.000001");
        assert_eq!(pretty("999.9999996", 6), "1,000");
        assert_eq!(pretty("100", 0), "100");
        assert_eq!(pretty("+12.5", 6), "+12.5");
        assert_eq!(pretty("abc", 6), "abc");
        assert_eq!(pretty("1.2.3", 6), "1.2.3");
        assert_eq!(pretty("", 6), "");
        assert_eq!(usd(4174.656), "4,174.66");
        assert_eq!(usd(-0.001), "0.00");
        assert_eq!(usd(-84123.4), "-84,123.40");
        assert_eq!(signed_usd(12.0), "+12.00");
        assert_eq!(signed_usd(-12.0), "-12.00");
    }

    #[test]
    fn times_and_countdowns_read_as_dates_and_durations() {
        assert_eq!(when(1_621_382_400 + 6 * 3_600 + 13 * 60), "2021-05-19 06:13 UTC");
        assert_eq!(left(0, "due now"), "due now");
        assert_eq!(left(45, "x"), "in 45 s");
        assert_eq!(left(200, "x"), "in 3 min 20 s");
        assert_eq!(left(3 * 3_600 + 5 * 60, "x"), "in 3 h 5 min");
        assert_eq!(left(3 * 86_400, "x"), "in 3.0 days");
        let c = countdown(1_000, 955, "due now");
        assert!(
            c.contains("data-due='1000'") && c.contains("data-now='955'") && c.contains(">in 45 s<"),
            "{c}"
        );
    }

    #[test]
    fn links_go_to_the_explorer_only_when_there_is_one() {
        let sig = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
        let none = Links::default().tx(sig);
        assert!(
            !none.contains("<a ") && none.contains("5VERv8…kQUW") && none.contains(sig),
            "{none}"
        );
        let l = Links {
            explorer: Some("https://explorer.solana.com/{kind}/{id}?cluster=devnet".into()),
        };
        let a = l.address("11111111111111111111111111111111");
        assert!(
            a.contains(
                "href='https://explorer.solana.com/address/11111111111111111111111111111111?cluster=devnet'"
            ),
            "{a}"
        );
        assert!(l.tx(sig).contains(&format!("/tx/{sig}?")));
    }
}
