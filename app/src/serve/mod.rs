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
mod errors;
pub mod html;
mod http;
pub mod series;

pub use errors::PageError;
use errors::{favicon, html_error, json_error, not_found, parse_key, uniform_errors};
pub use http::{http_get, http_request, HttpAnswer};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::middleware;
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
    series: HashMap<Pubkey, series::SeriesBuilder>,
    index_dir: Option<PathBuf>,
    url: String,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    market: Pubkey,
    links: Arc<html::Links>,
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
) -> Result<(Index, series::SeriesBuilder), PageError> {
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
    fn put(&mut self, market: Pubkey, index: Index, series: series::SeriesBuilder) {
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
async fn series_data(s: &Shared, m: &str, owner: Option<&str>) -> Result<series::Series, PageError> {
    let market = parse_key(m, "market")?;
    let owner = owner.map(|o| parse_key(o, "wallet")).transpose()?;
    let mut g = s.inner.lock().await;
    let decimals = g.check_market(&market).await?;
    let (index, series) = synced(&mut g, &market, decimals).await?;
    let mut out = series.series();
    let flows = match owner {
        Some(o) => series::flows_of(&index, &o, decimals),
        None => Ok(Default::default()),
    };
    g.put(market, index, series);
    let r = match flows {
        Ok(f) => {
            (out.deposits, out.withdrawals) = f;
            series::live_point(&mut g.client, &market)
                .await
                .map(|now| series::ending_at(out, now))
        }
        Err(e) => Err(e),
    };
    r.map_err(|e| g.chain_error(e))
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
