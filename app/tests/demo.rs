//! `hedge demo` through the binary: it runs end to end and its report adds up.

use std::process::Command;

fn demo(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .arg("demo")
        .args(args)
        .arg("--json")
        .output()
        .expect("runs hedge");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn f(v: &serde_json::Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("{k} missing"))
}

#[test]
fn the_built_in_story_hedges_the_holder() {
    let v = demo(&[]);
    assert_eq!(v["steps"], 92);
    assert_eq!(v["first_date"], "2021-04-25");
    assert_eq!(f(&v, "deposited_tokens"), 100.0);
    // Unhedged return is the price move itself.
    let price_move = f(&v, "end_price_usd") / f(&v, "start_price_usd") - 1.0;
    assert!((f(&v, "unhedged_return") - price_move).abs() < 1e-9);
    // The hedge held the USD value far closer than holding did, through an 80% rally
    // and a 57% crash; what it lost is the socialized bad debt, which the report names.
    assert!(f(&v, "hedged_return").abs() < 0.05, "{v}");
    assert!(f(&v, "liquidations") > 0.0);
    assert!(
        f(&v, "bad_debt_tokens")
            >= f(&v, "insurance_covered_tokens") + f(&v, "socialized_loss_tokens") - 1e-9
    );
    assert!(f(&v, "withdrawn_tokens") > 0.0);
    assert!((f(&v, "hedged_usd") - f(&v, "withdrawn_tokens") * f(&v, "end_price_usd")).abs() < 1e-6);
}

#[test]
fn a_csv_path_plays_out_too() {
    let csv = format!("{}/../data/BTC-USD.csv", manifest_dir());
    let v = demo(&["--prices", &csv, "--steps", "60", "--deposit", "10"]);
    assert_eq!(v["steps"], 60);
    assert_eq!(v["first_date"], "2021-01-01");
    assert_eq!(f(&v, "start_price_usd"), 29_374.152344);
    assert_eq!(f(&v, "deposited_tokens"), 10.0);
    assert!(f(&v, "transactions") > 60.0);
}

#[test]
fn a_bad_csv_is_refused_clearly() {
    let dir = std::env::temp_dir().join("hedge-demo-bad.csv");
    std::fs::write(&dir, "Date,Open\n2021-01-01,5\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .args(["demo", "--prices", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Close column"));
}

/// This crate's directory in the checkout being tested: cargo sets it for the test
/// process. (The compile-time value names whichever checkout first built the binary
/// into a shared target directory.)
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}
