//! Measuring one instruction sent alone (accounts, transaction bytes, compute units,
//! a trace of where they go), and the SBF figures held to the baseline.

use super::*;

/// (name, accounts, transaction bytes, bank CU) of one instruction sent alone.
pub(crate) struct Measured {
    pub(crate) name: &'static str,
    pub(crate) accounts: usize,
    pub(crate) bytes: usize,
    pub(crate) cu: u64,
    /// Bumps below 255 its `find_program_address` tried (an account it creates at a
    /// PDA): each costs one `create_program_address`, 1,500 CU.
    pub(crate) extra_bumps: u64,
}

/// Records on the last row the bumps the program tried for the PDA of `seeds`.
pub(crate) fn searched(rows: &mut [Measured], seeds: &[&[u8]]) {
    let bump = anchor_lang::prelude::Pubkey::find_program_address(seeds, &hedge_vault::ID).1;
    rows.last_mut().unwrap().extra_bumps = 255 - u64::from(bump);
}

pub(crate) fn tx_bytes(h: &Harness, ix: &Instruction, signers: &[&solana_keypair::Keypair]) -> usize {
    let payer = h.payer();
    let mut keys = vec![&payer];
    keys.extend_from_slice(signers);
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        std::slice::from_ref(ix),
        Some(&payer.pubkey()),
        &keys,
        h.ctx.last_blockhash,
    );
    1 + tx.signatures.len() * 64 + tx.message.serialize().len()
}

pub(crate) async fn measure(
    h: &mut Harness,
    out: &mut Vec<Measured>,
    name: &'static str,
    ix: Instruction,
    signers: &[&solana_keypair::Keypair],
) -> Outcome {
    let bytes = tx_bytes(h, &ix, signers);
    let accounts = ix.accounts.len();
    let o = h.send(&[ix], signers).await;
    o.ok();
    if std::env::var_os("HEDGE_CU_TRACE").is_some() {
        println!("{}", breakdown(name, &o.logs));
    }
    out.push(Measured {
        name,
        accounts,
        bytes,
        cu: o.compute_units,
        extra_bumps: 0,
    });
    o
}

/// With the program built with `cu-trace` (bench/program-sbf/test.sh --cu-trace): the
/// instruction's compute units between its trace points, from its log. `prologue` is
/// the entrypoint and Anchor's loading and checking of the accounts (the program's
/// budget at its start less what is left at `start`), `epilogue` Anchor's writing
/// back of the accounts (what is left at the last point less what is left at the end);
/// each step includes one trace point's own cost (the `start` to `start again` step).
pub(crate) fn breakdown(name: &str, logs: &[String]) -> String {
    let program = hedge_vault::ID.to_string();
    let (mut budget, mut used) = (None, None);
    let mut points: Vec<(String, u64)> = Vec::new();
    let mut label = None;
    for l in logs {
        if let Some(rest) = l.strip_prefix(&format!("Program {program} consumed ")) {
            // The top-level invocation's: "X of Y compute units" (the last one).
            let mut w = rest.split_whitespace();
            used = w.next().and_then(|x| x.parse::<u64>().ok());
            budget = w.nth(1).and_then(|x| x.parse::<u64>().ok());
        } else if let Some(t) = l.strip_prefix("Program log: ") {
            label = Some(t.to_string());
        } else if let Some(rest) = l.strip_prefix("Program consumption: ") {
            if let (Some(t), Some(n)) = (
                label.take(),
                rest.split_whitespace().next().and_then(|x| x.parse().ok()),
            ) {
                points.push((t, n));
            }
        }
    }
    let (Some(budget), Some(used)) = (budget, used) else {
        return format!("trace {name}: no trace in the log");
    };
    let mut parts = Vec::new();
    let mut last = budget;
    for (t, left) in &points {
        parts.push(format!(
            "{} {}",
            if parts.is_empty() {
                "prologue".to_string()
            } else {
                format!("-> {t}")
            },
            last.saturating_sub(*left)
        ));
        last = *left;
    }
    parts.push(format!("epilogue {}", last.saturating_sub(budget - used)));
    format!("trace {name}: {} | total {used}", parts.join(" | "))
}

/// The SBF figures held to `bench/program-cu-baseline.json` within 10% (as the
/// engine's are to `bench/cu-baseline.json`): an instruction that grows fails here.
/// An instruction that creates an account at a PDA is held at bump 255 (its figure
/// less 1,500 CU per bump tried below it: the keys, and so the bumps, differ from run
/// to run). Its JSON, to commit when figures move, is printed on the `cu-baseline`
/// line. With p-token as the Token program (`HEDGE_TOKEN_SO`) the figures are held to
/// the file's `compute_units_p_token`.
pub(crate) fn check_cu_baseline(rows: &[Measured]) {
    let base: serde_json::Value =
        serde_json::from_str(include_str!("../../../bench/program-cu-baseline.json")).unwrap();
    let which = if std::env::var_os("HEDGE_TOKEN_SO").is_some() {
        "compute_units_p_token"
    } else {
        "compute_units"
    };
    let base = &base[which];
    let mut over = Vec::new();
    let mut now = serde_json::Map::new();
    for r in rows {
        let cu = r.cu - 1_500 * r.extra_bumps;
        now.insert(r.name.to_string(), cu.into());
        match base[r.name].as_u64() {
            Some(b) if cu * 100 <= b * 110 => {}
            b => over.push(format!("{}: {cu} CU at bump 255, baseline {b:?}", r.name)),
        }
    }
    println!("cu-baseline {which} {}", serde_json::Value::Object(now));
    assert!(
        over.is_empty(),
        "more than 10% over bench/program-cu-baseline.json ({which}): {over:?}"
    );
}
