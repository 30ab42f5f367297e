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
    // Fourteen days of 15-minute steps through the May 2021 crash, every one checked
    // against the simulation.
    assert_eq!(v["steps_checked"], 14 * 96);
    assert_eq!(v["first_date"], "2021-05-12");
    assert_eq!(v["last_date"], "2021-05-25");
    // The first of four hedgers sharing the 1,000-token opening deposit.
    assert_eq!(f(&v, "deposited_tokens"), 250.0);
    // Unhedged: the same tokens kept, valued at the end against their USD value when
    // the deposit executed (2 s after the path's first point).
    let held = f(&v, "deposited_tokens") * f(&v, "end_price_usd");
    assert!((f(&v, "unhedged_usd") - held).abs() < 1e-6);
    assert!((f(&v, "unhedged_return") - (held / f(&v, "deposited_usd") - 1.0)).abs() < 1e-9);
    // The deposit executes once takers' longs cover it (revision 6), minutes after
    // the path's first point: the unhedged comparison starts at its execution.
    let price_move = f(&v, "end_price_usd") / f(&v, "start_price_usd") - 1.0;
    assert!((f(&v, "unhedged_return") - price_move).abs() < 0.02, "{v}");
    assert!(price_move < -0.3, "{price_move}");
    // The hedge kept the holder's USD value within 10% through a 35% fall.
    assert!(f(&v, "hedged_return").abs() < 0.10, "{v}");
    assert!((f(&v, "hedged_usd") - f(&v, "withdrawn_tokens") * f(&v, "end_price_usd")).abs() < 1e-6);
    // What the chain's events say equals what the simulation booked.
    let b = &v["backtest"];
    assert_eq!(v["liquidations"], b["liquidations"]);
    assert_eq!(f(&v, "socialized_loss_tokens"), 0.0);
    assert_eq!(f(b, "socialized_tokens"), 0.0);
    assert!(
        f(&v, "bad_debt_tokens")
            >= f(&v, "insurance_covered_tokens") + f(&v, "socialized_loss_tokens") - 1e-9
    );
    // The statement, replayed from the market's history, agrees on the withdrawal.
    let st = &v["statement"];
    let withdrawn: f64 = st["withdrawn_tokens"].as_str().unwrap().parse().unwrap();
    assert!((withdrawn - f(&v, "withdrawn_tokens")).abs() < 1e-9, "{st}");
    assert!(f(&v, "transactions") > 1_000.0);
    // Every hedger is reported, the holder first: each one's entry cost within the
    // issue's 0.1%, its hedged result within 10% through the fall, and the unhedged
    // comparison the price's move; the holder's exit, and only its, is measured.
    let hedgers = v["hedgers"].as_array().unwrap();
    assert_eq!(hedgers.len(), 4, "{v}");
    assert_eq!(hedgers[0]["owner"], v["holder"]);
    for h in hedgers {
        assert!(f(h, "entry_cost") >= 0.0 && f(h, "entry_cost") <= 0.001, "{h}");
        assert!(f(h, "hedged_return").abs() < 0.10, "{h}");
        assert!((f(h, "held_return") - price_move).abs() < 0.02, "{h}");
        assert_eq!(h["exit_cost"].is_null(), h["owner"] != v["holder"], "{h}");
        assert_eq!(h["holding"], h["owner"] != v["holder"], "{h}");
    }
    assert!(f(&hedgers[0], "exit_cost").abs() <= 0.001, "{}", hedgers[0]);
    assert!((f(&hedgers[0], "hedged_return") - f(&v, "hedged_return")).abs() < 1e-6);
}

#[test]
fn a_csv_path_plays_out_too() {
    let csv = format!("{}/../data/BTC-USD.csv", manifest_dir());
    let v = demo(&[
        "--prices",
        &csv,
        "--from",
        "2022-06-11",
        "--days",
        "3",
        "--deposit",
        "100",
    ]);
    assert_eq!(v["steps_checked"], 3 * 96);
    assert_eq!(v["first_date"], "2022-06-11");
    assert_eq!(v["last_date"], "2022-06-13");
    // The path starts at the first day's open.
    assert_eq!(f(&v, "start_price_usd"), 29_084.666016);
    assert_eq!(f(&v, "deposited_tokens"), 25.0);
    assert!(f(&v, "withdrawn_tokens") > 25.0);
}

#[test]
fn a_bad_csv_or_window_is_refused_clearly() {
    let dir = std::env::temp_dir().join("hedge-demo-bad.csv");
    std::fs::write(&dir, "Date,Close\n2021-01-01,5\n").unwrap();
    let refused = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_hedge"))
            .arg("demo")
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let e = refused(&["--prices", dir.to_str().unwrap()]);
    assert!(
        e.contains("no `open` column (want Date,Open,High,Low,Close)"),
        "{e}"
    );
    let e = refused(&["--from", "2030-01-01"]);
    assert!(e.contains("has no day 2030-01-01"), "{e}");
}

/// This crate's directory in the checkout being tested: cargo sets it for the test
/// process. (The compile-time value names whichever checkout first built the binary
/// into a shared target directory.)
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}
