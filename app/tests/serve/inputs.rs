//! Every route fuzzed with hostile input: each answered in its format.

use super::*;

/// Fuzzes the routes: every path template of the server with hostile segments and
/// query strings (control characters, bytes that are not UTF-8, a percent sign alone,
/// path traversal, SQL, 10 KB, a repeated key) and a seeded stream of random encoded
/// segments, under four methods. No answer is a 5xx; every error under `/api/` is JSON
/// with `error` and `error_name`; every error elsewhere is a page naming it; the
/// wallet form URL-encodes what was typed into the redirect.
pub(crate) async fn every_input_is_answered_in_its_format(addr: SocketAddr, m: &str, holder: &str) {
    use hedge_client::serve::{html::url_segment, http_request};
    let mut payloads: Vec<String> = [
        "",
        "%00",
        "a%00b",
        "%7f",
        "%7F%7F",
        "%ff",
        "%c3%28",
        "%",
        "%zz",
        "..",
        "..%2F..%2Fetc%2Fpasswd",
        "%27%20OR%201%3D1%20--",
        "%23frag",
        "%3Fq",
        "%E2%82%AC",
        "11111111111111111111111111111111",
        "%20",
        "%0d%0aSet-Cookie:%20x",
        "%3Cscript%3E",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    payloads.push("x".repeat(10_000));
    payloads.push(holder.to_string());
    payloads.push(m.to_string());
    let named = payloads.len();
    // A seeded stream of random bytes, each percent-encoded (a valid request line
    // whatever the bytes).
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..40 {
        let mut bytes = Vec::new();
        for _ in 0..(seed % 24 + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed >> 24) as u8);
        }
        payloads.push(bytes.iter().map(|b| format!("%{b:02X}")).collect());
    }
    let templates = [
        "/{p}",
        "/market/{p}",
        "/market/{p}/wallet",
        "/market/{m}/wallet/{p}",
        "/market/{m}/wallet?owner={p}",
        "/market/{m}/wallet?owner={p}&owner=x",
        "/market/{m}/wallet?{p}",
        "/market/{m}/chart/{p}",
        "/market/{m}/chart/{p}.svg",
        "/market/{m}?{p}",
        "/api/{p}",
        "/api/market/{p}",
        "/api/market/{p}/",
        "/api/market/{m}/wallet/{p}",
        "/api/market/{m}/series/{p}",
        "/api/market/{m}/series?{p}",
        "/market/{p}/keepers",
        "/api/market/{p}/keepers",
        "/market/{m}/chart/share-value.svg?owner={p}",
        "/market/{m}/chart/share-value.svg?{p}",
    ];
    let mut answered = 0;
    for t in templates {
        for (i, p) in payloads.iter().enumerate() {
            let path = t.replace("{m}", m).replace("{p}", p);
            // Every method for the named payloads, GET for the random stream.
            let methods: &[&str] = if i < named {
                &["GET", "POST", "PUT", "DELETE"]
            } else {
                &["GET"]
            };
            for &method in methods {
                let a = http_request(addr, method, &path).await.unwrap();
                answered += 1;
                assert!(a.status < 500, "{method} {path}: {} {}", a.status, a.body);
                if a.status < 400 {
                    continue;
                }
                let api = path == "/api" || path.starts_with("/api/");
                if api {
                    let v: Value = serde_json::from_str(&a.body).unwrap_or_else(|e| {
                        panic!("{method} {path}: {} not JSON ({e}): {}", a.status, a.body)
                    });
                    assert!(
                        v["error"].is_string() && v["error_name"].is_string(),
                        "{method} {path}: {v}"
                    );
                } else {
                    assert!(
                        a.body.contains("data-error>"),
                        "{method} {path}: {} {}",
                        a.status,
                        a.body
                    );
                }
            }
        }
    }
    assert!(answered > 1_000, "{answered}");

    // The named cases.
    let a = http_request(addr, "POST", &format!("/api/market/{m}"))
        .await
        .unwrap();
    assert_eq!(a.status, 405);
    let v: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        v["error"],
        "POST is not answered here: this server is read-only and answers GET"
    );
    let a = http_request(addr, "GET", "/api/nope").await.unwrap();
    assert_eq!(a.status, 404);
    assert_eq!(a.header("content-type"), Some("application/json"));
    let a = http_request(addr, "GET", &format!("/market/{m}/wallet?owner=a%00b"))
        .await
        .unwrap();
    assert_eq!(a.status, 303, "{}", a.head);
    assert_eq!(
        a.header("location"),
        Some(format!("/market/{m}/wallet/a%00b").as_str())
    );
    let a = http_request(
        addr,
        "GET",
        &format!("/market/{m}/wallet?owner=%27%20OR%201%3D1%20--"),
    )
    .await
    .unwrap();
    assert_eq!(
        a.header("location"),
        Some(format!("/market/{m}/wallet/%27%20OR%201%3D1%20--").as_str())
    );
    assert_eq!(url_segment("' OR 1=1 --"), "%27%20OR%201%3D1%20--");
    // Followed, the page names the address as it was typed.
    let a = http_request(addr, "GET", &format!("/market/{m}/wallet/%27%20OR%201%3D1%20--"))
        .await
        .unwrap();
    assert_eq!(a.status, 400);
    assert!(
        a.body
            .contains("data-error>`&#39; OR 1=1 --` is not a base58 address of 32 bytes<"),
        "{}",
        a.body
    );
    let a = http_request(addr, "GET", &format!("/market/{m}/wallet?owner={holder}&owner=x"))
        .await
        .unwrap();
    assert_eq!(a.status, 400);
    assert!(
        a.body
            .contains("data-error>the form takes one wallet address, 2 were given<"),
        "{}",
        a.body
    );
    let a = http_request(addr, "GET", &format!("/market/{m}/wallet?owner=%20{holder}%20"))
        .await
        .unwrap();
    assert_eq!(
        a.header("location"),
        Some(format!("/market/{m}/wallet/{holder}").as_str())
    );
    let a = http_request(addr, "GET", "/favicon.ico").await.unwrap();
    assert_eq!((a.status, a.header("content-type")), (200, Some("image/svg+xml")));
}
