//! Why a page could not be shown, and every error answered in its path's format:
//! JSON under `/api/` (`{"error", "error_name"}`), a page elsewhere; a path the
//! server does not have; the site's icon.

use anchor_lang::prelude::Pubkey;
use axum::extract::Request;
use axum::http::{header, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::html;

/// Why a page could not be shown.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

impl PageError {
    pub(super) fn new(status: StatusCode, title: &str, message: impl Into<String>) -> PageError {
        PageError {
            status,
            title: title.into(),
            message: message.into(),
        }
    }
}

pub(super) fn parse_key(s: &str, what: &str) -> Result<Pubkey, PageError> {
    s.parse().map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            &format!("Not a {what} address"),
            format!("`{s}` is not a base58 address of 32 bytes"),
        )
    })
}

pub(super) fn html_error(e: PageError, market: Option<&str>) -> Response {
    (
        e.status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html::error(&e.title, &e.message, market),
    )
        .into_response()
}

pub(super) fn json_error(e: PageError) -> Response {
    (
        e.status,
        axum::Json(serde_json::json!({"error": e.message, "error_name": e.title})),
    )
        .into_response()
}

/// A path this server does not have: JSON under `/api/`, a page elsewhere.
pub(super) async fn not_found(uri: Uri) -> Response {
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

pub(super) fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The site's icon (the browser asks for it on every page), a small SVG.
pub(super) async fn favicon() -> Response {
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
pub(super) async fn uniform_errors(req: Request, next: Next) -> Response {
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
