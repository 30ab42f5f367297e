//! Errors a user meets before any transaction, through the binary.

use std::process::Command;

/// A cluster that cannot be reached is named, with its URL, once: not as the first
/// RPC call's error.
#[test]
fn an_unreachable_cluster_is_named_with_its_url() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let market = "HRJ9hGLV77GXZLY2C36S3wS8amMruyzK8Vh96QQc2pti";
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .args(["market", "show", market, "--url", &url])
        .output()
        .expect("runs hedge");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("error: cannot reach the cluster at {url} (");
    assert!(err.starts_with(&want), "{err}");
    assert_eq!(err.matches("cannot reach").count(), 1, "{err}");
    // A listing (getProgramAccounts, whose transport error is not flattened) too.
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .args(["market", "list", "--url", &url])
        .output()
        .expect("runs hedge");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with(&want), "{err}");
    // The same in JSON.
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .args(["market", "show", market, "--url", &url, "--json"])
        .output()
        .expect("runs hedge");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = v["error"].as_str().unwrap();
    assert!(
        e.starts_with(&format!("cannot reach the cluster at {url}")),
        "{e}"
    );
}
