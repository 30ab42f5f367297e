//! A minimal HTTP/1.1 client over a TCP connection, for the tests and the bench,
//! which read the server as a browser would.

use std::net::SocketAddr;

use anyhow::Result;

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
