//! One script of `hedge` commands (`steps.json`) that both backends run: the embedded
//! chain (`app/tests/cli_embedded`) and a real validator over JSON-RPC
//! (`tools/localnet/tests/cli.rs`, which includes this file). Each step runs a
//! command or publishes a price; its checks must hold on both backends, so a command
//! that reported another outcome on one of them fails that backend's test. Only
//! `serde_json`, so both workspaces can build it.

use std::collections::HashMap;

use serde_json::Value;

/// What a step asks of the backend.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// `hedge <args> --json`, the variables filled in.
    Run(String),
    /// Publish this USD price on the market's feed.
    Price(f64),
    /// Let this many seconds pass (the embedded chain moves its clock; a validator
    /// sleeps).
    Wait(u64),
}

pub struct Scenario {
    steps: Vec<Value>,
    feed: String,
    vars: HashMap<String, String>,
}

impl Scenario {
    /// The script; `bind` then names the backend's market inputs.
    pub fn new() -> Scenario {
        let script: Value = serde_json::from_str(include_str!("steps.json")).expect("steps.json parses");
        let feed = script["feed"].as_str().expect("feed").to_string();
        Scenario {
            steps: script["steps"].as_array().expect("steps").clone(),
            vars: HashMap::from([("feed".to_string(), feed.clone())]),
            feed,
        }
    }

    /// The backend's collateral `mint` and the account it publishes the feed's prices
    /// at.
    pub fn bind(&mut self, mint: &str, price_account: &str) {
        self.vars.insert("mint".into(), mint.into());
        self.vars.insert("price_account".into(), price_account.into());
    }

    /// The Pyth feed id (hex) the backend must publish the script's prices on.
    pub fn feed(&self) -> &str {
        &self.feed
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// A variable's value (the localnet's run does not read any).
    #[allow(dead_code)]
    pub fn var(&self, name: &str) -> &str {
        self.vars
            .get(name)
            .unwrap_or_else(|| panic!("no variable {name}"))
    }

    fn fill(&self, text: &str) -> String {
        self.vars
            .iter()
            .fold(text.to_string(), |t, (k, v)| t.replace(&format!("{{{k}}}"), v))
    }

    pub fn step(&self, i: usize) -> Step {
        let s = &self.steps[i];
        match (s["run"].as_str(), s["price"].as_f64(), s["wait"].as_u64()) {
            (Some(cmd), None, None) => Step::Run(self.fill(cmd)),
            (None, Some(p), None) => Step::Price(p),
            (None, None, Some(w)) => Step::Wait(w),
            _ => panic!("step {i} needs one of run, price or wait: {s}"),
        }
    }

    /// Checks step `i`'s output `out` against the script and saves its variables.
    pub fn check(&mut self, i: usize, out: &Value) {
        let s = self.steps[i].clone();
        let at = |p: &str| -> &Value {
            out.pointer(p)
                .unwrap_or_else(|| panic!("step {i} ({}): {p} missing in {out}", s["run"]))
        };
        let number = |p: &str| -> f64 {
            let v = at(p);
            v.as_f64()
                .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
                .unwrap_or_else(|| panic!("step {i}: {p} is not a number in {out}"))
        };
        for (p, want) in s["expect"].as_object().into_iter().flatten() {
            let want = match want {
                Value::String(t) => Value::String(self.fill(t)),
                w => w.clone(),
            };
            assert_eq!(at(p), &want, "step {i} ({}): {p} in {out}", s["run"]);
        }
        for p in s["positive"].as_array().into_iter().flatten() {
            let p = p.as_str().unwrap();
            assert!(number(p) > 0.0, "step {i}: {p} should be above 0 in {out}");
        }
        for p in s["string"].as_array().into_iter().flatten() {
            let p = p.as_str().unwrap();
            assert!(at(p).is_string(), "step {i}: {p} should be a string in {out}");
        }
        for (p, range) in s["between"].as_object().into_iter().flatten() {
            let (lo, hi) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
            let x = number(p);
            assert!(
                (lo..=hi).contains(&x),
                "step {i}: {p} = {x} not in [{lo}, {hi}] in {out}"
            );
        }
        for (p, n) in s["length"].as_object().into_iter().flatten() {
            let len = at(p).as_array().map(Vec::len);
            assert_eq!(len, n.as_u64().map(|n| n as usize), "step {i}: {p} in {out}");
        }
        for (name, p) in s["save"].as_object().into_iter().flatten() {
            let v = at(p.as_str().unwrap());
            let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            self.vars.insert(name.clone(), v);
        }
    }
}
