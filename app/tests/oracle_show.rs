//! `hedge oracle show --file` decodes the real mainnet Pyth dumps exactly, through the
//! actual binary.

use std::process::Command;

fn fixture(name: &str) -> String {
    format!("{}/../tests/fixtures/pyth/{name}", manifest_dir())
}

fn show(name: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .args(["oracle", "show", "--json", "--file", &fixture(name)])
        .output()
        .expect("runs hedge");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn legacy_fixture_decodes_exactly() {
    let v = show("sol_usd_legacy_price_account.json");
    assert_eq!(v["format"], "legacy");
    assert_eq!(v["address"], "H6ARHf6YXhGYeQfUzQNGk6rDNnLBQKrenN712K4AQJEG");
    assert_eq!(v["owner"], "FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");
    assert_eq!(v["price"], "159.33544250");
    assert_eq!(v["confidence"], "0.11516600");
    assert_eq!(v["price_mantissa"], 15_933_544_250i64);
    assert_eq!(v["conf_mantissa"], 11_516_600u64);
    assert_eq!(v["exponent"], -8);
    assert_eq!(v["publish_time"], 1_717_928_318i64);
    assert_eq!(v["status"], "Trading");
}

#[test]
fn pull_fixture_decodes_exactly() {
    let v = show("sol_usd_price_update_v2.json");
    assert_eq!(v["format"], "pull-v2");
    assert_eq!(v["address"], "7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE");
    assert_eq!(v["price"], "93.85943752");
    assert_eq!(v["confidence"], "0.04672083");
    assert_eq!(v["exponent"], -8);
    assert_eq!(v["publish_time"], 1_787_392_706i64);
    assert_eq!(
        v["feed_id"],
        "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d"
    );
    assert_eq!(v["status"], "Full");
}

#[test]
fn human_output_names_the_fields() {
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .args([
            "oracle",
            "show",
            "--file",
            &fixture("sol_usd_legacy_price_account.json"),
        ])
        .output()
        .expect("runs hedge");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("price:") && text.contains("159.33544250"), "{text}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .args(["oracle", "show", "--file", "/nonexistent.json"])
        .output()
        .expect("runs hedge");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading /nonexistent.json"));
}

/// This crate's directory in the checkout being tested: cargo sets it for the test
/// process. (The compile-time value names whichever checkout first built the binary
/// into a shared target directory.)
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}
