//! `hedge serve`: a read-only web page over a cluster or the embedded demo chain. It
//! binds 127.0.0.1 by default, never loads a keypair (its client's wallet is a fresh
//! key that signs nothing) and serves:
//!
//! | path | what |
//! |---|---|
//! | `/` | redirects to the market given by `--market` |
//! | `/market/<M>` | the market page |
//! | `/market/<M>/wallet/<OWNER>` | a wallet's page (`/market/<M>/wallet?owner=` redirects) |
//! | `/market/<M>/keepers` | the keepers' page: work due now, rewards earned |
//! | `/market/<M>/chart/<NAME>.svg` | a chart (share-value, hedge-ratio, funding, insurance); `?owner=` marks a wallet's deposits and withdrawals |
//! | `/api/market/<M>` | the market page's data, JSON |
//! | `/api/market/<M>/wallet/<OWNER>` | the wallet page's data, JSON |
//! | `/api/market/<M>/keepers` | the keepers' page's data, JSON (`hedge keeper status --json`) |
//! | `/api/market/<M>/series` | the charts' series, JSON (the last point: now) |
//! | `/favicon.ico` | the site's icon, SVG |
//!
//! Each request reads the accounts it shows afresh and brings the market's event
//! index up to date first. Bad input (an address that does not parse, an account that
//! does not exist or is not a market, a cluster that cannot be reached) is a page
//! saying so, with the HTTP status to match (JSON under `/api/`, whoever answers: a
//! layer converts the router's and the extractors' own answers); no input answers
//! 5xx but an unreachable or failing cluster; the server keeps serving.

pub mod charts;
pub mod data;
pub mod html;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::Mutex;

use crate::client::Client;
use crate::index::Index;

/// What `hedge serve` needs.
pub struct ServeOptions {
    /// The market `/` shows.
    pub market: Pubkey,
    pub bind: SocketAddr,
    /// Where cluster indexes are kept (see `Index::default_path`).
    pub index_dir: Option<PathBuf>,
    /// The cluster's URL, named when it cannot be reached.
    pub url: String,
    /// Where transactions and accounts link to: a URL with `{kind}` (`tx` or
    /// `address`) and `{id}`; none: no links (the embedded chain, which no explorer
    /// can see).
    pub explorer: Option<String>,
}

/// The Solana Explorer's link template for the cluster at `url`: its own name for
/// mainnet, devnet and testnet, else a custom cluster at `url`; none for the embedded
/// chain (an explorer cannot reach it).
pub fn default_explorer(url: &str) -> Option<String> {
    let base = "https://explorer.solana.com/{kind}/{id}";
    if !url.starts_with("http") {
        return None;
    }
    Some(if url.contains("api.mainnet-beta.solana.com") {
        base.to_string()
    } else if url.contains("api.devnet.solana.com") {
        format!("{base}?cluster=devnet")
    } else if url.contains("api.testnet.solana.com") {
        format!("{base}?cluster=testnet")
    } else {
        format!("{base}?cluster=custom&customUrl={}", html::url_segment(url))
    })
}

struct Inner {
    client: Client,
    indexes: HashMap<Pubkey, Index>,
    /// Each market's chart series, folded from its index as it grows.
    series: HashMap<Pubkey, data::SeriesBuilder>,
    index_dir: Option<PathBuf>,
    url: String,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    market: Pubkey,
    links: Arc<html::Links>,
}

/// Why a page could not be shown.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

impl PageError {
    fn new(status: StatusCode, title: &str, message: impl Into<String>) -> PageError {
        PageError {
            status,
            title: title.into(),
            message: message.into(),
        }
    }
}

fn parse_key(s: &str, what: &str) -> Result<Pubkey, PageError> {
    s.parse().map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            &format!("Not a {what} address"),
            format!("`{s}` is not a base58 address of 32 bytes"),
        )
    })
}

impl Inner {
    /// An error of the chain, named: an unreachable cluster as such.
    fn chain_error(&self, e: anyhow::Error) -> PageError {
        let e = crate::chain::name_unreachable(e, &self.url);
        let msg = format!("{e:#}");
        if msg.starts_with("cannot reach the cluster") {
            PageError::new(StatusCode::BAD_GATEWAY, "Cluster unreachable", msg)
        } else {
            PageError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Could not read the market",
                msg,
            )
        }
    }

    /// Checks that `market` is a market of the program: it exists, the program owns
    /// it, and it decodes.
    async fn check_market(&mut self, market: &Pubkey) -> Result<u8, PageError> {
        let acc = match self.client.chain.account(market).await {
            Ok(a) => a,
            Err(e) => return Err(self.chain_error(e)),
        };
        let Some(acc) = acc else {
            return Err(PageError::new(
                StatusCode::NOT_FOUND,
                "Unknown market",
                format!("there is no account at {market} on this cluster"),
            ));
        };
        if acc.owner != hedge_vault::ID {
            return Err(PageError::new(
                StatusCode::NOT_FOUND,
                "Not a market",
                format!(
                    "{market} is owned by {}, not by the hedge-vault program {}",
                    acc.owner,
                    hedge_vault::ID
                ),
            ));
        }
        let m = <hedge_vault::state::Market as anchor_lang::AccountDeserialize>::try_deserialize(
            &mut acc.data.as_slice(),
        )
        .map_err(|e| {
            PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Not a market",
                format!("the account at {market} does not decode as a market: {e}"),
            )
        })?;
        Ok(m.decimals)
    }

    /// The market's index, opened (and kept) on first use.
    async fn index(&mut self, market: &Pubkey) -> Result<Index, PageError> {
        match self.indexes.remove(market) {
            Some(i) => Ok(i),
            None => match Index::for_chain(&mut self.client.chain, market, self.index_dir.as_deref()).await {
                Ok(i) => Ok(i),
                Err(e) => Err(self.chain_error(e)),
            },
        }
    }
}

/// `market`'s index, synced, with its chart series brought up to date: what every
/// page of the market starts from. The index is put back by [`Inner::put`].
async fn synced(
    g: &mut Inner,
    market: &Pubkey,
    decimals: u8,
) -> Result<(Index, data::SeriesBuilder), PageError> {
    let mut index = g.index(market).await?;
    let mut series = g.series.remove(market).unwrap_or_default();
    let r = match index.sync(&mut g.client.chain).await {
        Ok(_) => series.update(&index, decimals),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok((index, series)),
        Err(e) => {
            g.indexes.insert(*market, index);
            Err(g.chain_error(e))
        }
    }
}

impl Inner {
    fn put(&mut self, market: Pubkey, index: Index, series: data::SeriesBuilder) {
        self.indexes.insert(market, index);
        self.series.insert(market, series);
    }
}

async fn market_data(s: &Shared, m: &str) -> Result<(data::MarketPage, usize), PageError> {
    let market = parse_key(m, "market")?;
    let mut g = s.inner.lock().await;
    let decimals = g.check_market(&market).await?;
    let (mut index, series) = synced(&mut g, &market, decimals).await?;
    let r = data::market_page(&mut g.client, &mut index, &series, &market).await;
    let cranks = series.points().len();
    g.put(market, index, series);
    r.map(|p| (p, cranks)).map_err(|e| g.chain_error(e))
}

async fn wallet_data(s: &Shared, m: &str, o: &str) -> Result<data::WalletPage, PageError> {
    let market = parse_key(m, "market")?;
    let owner = parse_key(o, "wallet")?;
    let mut g = s.inner.lock().await;
    g.check_market(&market).await?;
    let mut index = g.index(&market).await?;
    let r = data::wallet_page(&mut g.client, &mut index, &market, &owner).await;
    g.indexes.insert(market, index);
    r.map_err(|e| g.chain_error(e))
}

async fn keeper_data(s: &Shared, m: &str) -> Result<crate::reports::keeper::KeeperReport, PageError> {
    let market = parse_key(m, "market")?;
    let mut g = s.inner.lock().await;
    g.check_market(&market).await?;
    let mut index = g.index(&market).await?;
    let r = data::keeper_page(&mut g.client, &mut index, &market).await;
    g.indexes.insert(market, index);
    r.map_err(|e| g.chain_error(e))
}

/// The charts' series ending now; with `owner`, that wallet's deposits and
/// withdrawals marked.
async fn series_data(s: &Shared, m: &str, owner: Option<&str>) -> Result<data::Series, PageError> {
    let market = parse_key(m, "market")?;
    let owner = owner.map(|o| parse_key(o, "wallet")).transpose()?;
    let mut g = s.inner.lock().await;
    let decimals = g.check_market(&market).await?;
    let (index, series) = synced(&mut g, &market, decimals).await?;
    let mut out = series.series();
    let flows = match owner {
        Some(o) => data::flows_of(&index, &o, decimals),
        None => Ok(Default::default()),
    };
    g.put(market, index, series);
    let r = match flows {
        Ok(f) => {
            (out.deposits, out.withdrawals) = f;
            data::live_point(&mut g.client, &market)
                .await
                .map(|now| data::ending_at(out, now))
        }
        Err(e) => Err(e),
    };
    r.map_err(|e| g.chain_error(e))
}

fn html_error(e: PageError, market: Option<&str>) -> Response {
    (
        e.status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html::error(&e.title, &e.message, market),
    )
        .into_response()
}

fn json_error(e: PageError) -> Response {
    (
        e.status,
        axum::Json(serde_json::json!({"error": e.message, "error_name": e.title})),
    )
        .into_response()
}

fn html_ok(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn root(State(s): State<Shared>) -> Redirect {
    Redirect::to(&format!("/market/{}", s.market))
}

async fn market_page(State(s): State<Shared>, Path(m): Path<String>) -> Response {
    match market_data(&s, &m).await {
        Ok((p, cranks)) => html_ok(html::market(&p, &m, cranks, &s.links)),
        Err(e) => html_error(e, Some(&m)),
    }
}

async fn keeper_page(State(s): State<Shared>, Path(m): Path<String>) -> Response {
    match keeper_data(&s, &m).await {
        Ok(p) => html_ok(html::keepers(&p, &m, &s.links)),
        Err(e) => html_error(e, Some(&m)),
    }
}

async fn keeper_api(State(s): State<Shared>, Path(m): Path<String>) -> Response {
    match keeper_data(&s, &m).await {
        Ok(p) => axum::Json(p).into_response(),
        Err(e) => json_error(e),
    }
}

async fn market_api(State(s): State<Shared>, Path(m): Path<String>) -> Response {
    match market_data(&s, &m).await {
        Ok((p, _)) => axum::Json(p).into_response(),
        Err(e) => json_error(e),
    }
}

/// The wallet form's query, `?owner=<ADDRESS>`: redirects to the wallet's page, the
/// address URL-encoded into the path (its page then names what is wrong with it). The
/// query is read as pairs, so a repeated or foreign key is named rather than refused
/// by the extractor in plain text.
async fn wallet_form(Path(m): Path<String>, Query(q): Query<Vec<(String, String)>>) -> Response {
    let owners: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "owner")
        .map(|(_, v)| v.trim())
        .filter(|o| !o.is_empty())
        .collect();
    match owners.as_slice() {
        [o] => Redirect::to(&format!(
            "/market/{}/wallet/{}",
            html::url_segment(&m),
            html::url_segment(o)
        ))
        .into_response(),
        [] => html_error(
            PageError::new(
                StatusCode::BAD_REQUEST,
                "No wallet given",
                "enter a wallet address",
            ),
            Some(&m),
        ),
        more => html_error(
            PageError::new(
                StatusCode::BAD_REQUEST,
                "More than one wallet given",
                format!("the form takes one wallet address, {} were given", more.len()),
            ),
            Some(&m),
        ),
    }
}

async fn wallet_page(State(s): State<Shared>, Path((m, o)): Path<(String, String)>) -> Response {
    match wallet_data(&s, &m, &o).await {
        Ok(p) => html_ok(html::wallet(&p, &m, &s.links)),
        Err(e) => html_error(e, Some(&m)),
    }
}

async fn wallet_api(State(s): State<Shared>, Path((m, o)): Path<(String, String)>) -> Response {
    match wallet_data(&s, &m, &o).await {
        Ok(p) => axum::Json(p).into_response(),
        Err(e) => json_error(e),
    }
}

async fn series_api(State(s): State<Shared>, Path(m): Path<String>) -> Response {
    match series_data(&s, &m, None).await {
        Ok(p) => axum::Json(p).into_response(),
        Err(e) => json_error(e),
    }
}

async fn chart(
    State(s): State<Shared>,
    Path((m, name)): Path<(String, String)>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let name = name.strip_suffix(".svg").unwrap_or(&name).to_string();
    if !charts::NAMES.contains(&name.as_str()) {
        return html_error(
            PageError::new(
                StatusCode::NOT_FOUND,
                "No such chart",
                format!("no chart named {name} (there are: {})", charts::NAMES.join(", ")),
            ),
            Some(&m),
        );
    }
    let owners: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "owner")
        .map(|(_, v)| v.as_str())
        .collect();
    if owners.len() > 1 {
        return html_error(
            PageError::new(
                StatusCode::BAD_REQUEST,
                "More than one wallet given",
                format!("a chart marks one wallet, {} were given", owners.len()),
            ),
            Some(&m),
        );
    }
    match series_data(&s, &m, owners.first().copied())
        .await
        .and_then(|series| {
            charts::svg(&name, &series).map_err(|e| {
                PageError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Chart failed",
                    format!("{e:#}"),
                )
            })
        }) {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(e) => html_error(e, Some(&m)),
    }
}

/// A path this server does not have: JSON under `/api/`, a page elsewhere.
async fn not_found(uri: Uri) -> Response {
    let path = uri.path();
    let e = PageError::new(
        StatusCode::NOT_FOUND,
        "No such page",
        format!(
            "this server has no {}: it has /market/<MARKET>, /market/<MARKET>/wallet/<OWNER> and their /api/ JSON",
            if path.len() > 200 { "such path" } else { path }
        ),
    );
    if is_api(path) {
        json_error(e)
    } else {
        html_error(e, None)
    }
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The site's icon (the browser asks for it on every page), a small SVG.
async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><rect width='16' height='16' rx='3' fill='#1f4e79'/>\
         <path d='M3 11 L8 5 L13 11' stroke='#fff' stroke-width='2' fill='none'/></svg>",
    )
        .into_response()
}

/// Every error answered in the format of its path, whoever made it: JSON under `/api/`
/// (`{"error", "error_name"}`), a page elsewhere. The handlers do so themselves; this
/// catches what the router and the extractors answer on their own (a method other than
/// GET, a path or query that does not decode), which is plain text or empty.
async fn uniform_errors(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let method = req.method().clone();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let kind = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if (api && kind.starts_with("application/json")) || (!api && kind.starts_with("text/html")) {
        return res;
    }
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let e = if status == StatusCode::METHOD_NOT_ALLOWED {
        PageError::new(
            status,
            "Method not allowed",
            format!("{method} is not answered here: this server is read-only and answers GET"),
        )
    } else {
        let message = if body.is_empty() {
            status.canonical_reason().unwrap_or("bad request").to_string()
        } else {
            body
        };
        PageError::new(status, "Bad request", message)
    };
    if api {
        json_error(e)
    } else {
        html_error(e, None)
    }
}

/// The server's routes over `client` (read only), with the indexes already open.
fn router(client: Client, opts: &ServeOptions, indexes: Vec<Index>) -> Router {
    let shared = Shared {
        inner: Arc::new(Mutex::new(Inner {
            client,
            indexes: indexes.into_iter().map(|i| (i.market(), i)).collect(),
            series: HashMap::new(),
            index_dir: opts.index_dir.clone(),
            url: opts.url.clone(),
        })),
        market: opts.market,
        links: Arc::new(html::Links {
            explorer: opts.explorer.clone(),
        }),
    };
    Router::new()
        .route("/", get(root))
        .route("/market/{m}", get(market_page))
        .route("/market/{m}/wallet", get(wallet_form))
        .route("/market/{m}/wallet/{o}", get(wallet_page))
        .route("/market/{m}/keepers", get(keeper_page))
        .route("/api/market/{m}/keepers", get(keeper_api))
        .route("/market/{m}/chart/{name}", get(chart))
        .route("/api/market/{m}", get(market_api))
        .route("/api/market/{m}/wallet/{o}", get(wallet_api))
        .route("/api/market/{m}/series", get(series_api))
        .route("/favicon.ico", get(favicon))
        .fallback(not_found)
        .layer(middleware::from_fn(uniform_errors))
        .with_state(shared)
}

/// Binds `opts.bind` (port 0: any free port) and returns the address bound and the
/// server's future, which runs until dropped.
pub async fn bind(
    client: Client,
    opts: &ServeOptions,
) -> Result<(SocketAddr, impl std::future::Future<Output = std::io::Result<()>>)> {
    bind_with(client, opts, Vec::new()).await
}

/// [`bind`], serving from `indexes` (already open and filled) for their markets.
pub async fn bind_with(
    client: Client,
    opts: &ServeOptions,
    indexes: Vec<Index>,
) -> Result<(SocketAddr, impl std::future::Future<Output = std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(opts.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", opts.bind))?;
    let addr = listener.local_addr()?;
    let app = router(client, opts, indexes);
    Ok((addr, async move { axum::serve(listener, app).await }))
}

/// Serves until the process is stopped, after printing where.
pub async fn run(client: Client, opts: &ServeOptions) -> Result<()> {
    let (addr, server) = bind(client, opts).await?;
    eprintln!(
        "serving http://{addr}/market/{} (read-only; Ctrl-C stops)",
        opts.market
    );
    server.await?;
    Ok(())
}

/// One HTTP/1.1 GET of `path` from `addr` (a connection per request): the status and
/// the body. For the tests and the bench, which read the server as a browser would.
pub async fn http_get(addr: SocketAddr, path: &str) -> Result<(u16, String)> {
    let a = http_request(addr, "GET", path).await?;
    Ok((a.status, a.body))
}

/// An HTTP answer: its status, its head (the status line and the headers, as sent)
/// and its body.
pub struct HttpAnswer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl HttpAnswer {
    /// The value of header `name` (case-insensitive), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// One HTTP/1.1 request of `method` for `path` (sent as given: the caller encodes it),
/// a connection per request.
pub async fn http_request(addr: SocketAddr, method: &str, path: &str) -> Result<HttpAnswer> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow::anyhow!("no HTTP answer from {addr}"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no HTTP status from {addr}: {head}"))?;
    Ok(HttpAnswer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::default_explorer;

    #[test]
    fn the_explorer_is_named_by_cluster_and_absent_for_the_embedded_chain() {
        assert_eq!(default_explorer("the embedded chain"), None);
        assert_eq!(
            default_explorer("https://api.mainnet-beta.solana.com").as_deref(),
            Some("https://explorer.solana.com/{kind}/{id}")
        );
        assert_eq!(
            default_explorer("https://api.devnet.solana.com").as_deref(),
            Some("https://explorer.solana.com/{kind}/{id}?cluster=devnet")
        );
        assert_eq!(
            default_explorer("http://127.0.0.1:8899").as_deref(),
            Some("https://explorer.solana.com/{kind}/{id}?cluster=custom&customUrl=http%3A%2F%2F127.0.0.1%3A8899")
        );
    }
}
