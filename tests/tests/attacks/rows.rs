//! The matrix's rows: every case of an instruction run, and the generated sections
//! of docs/SECURITY.md rendered and parsed.

use super::*;

/// Builds a world and prepares `name` on market B, for the other owner and on market
/// A (last, so A's state is current).
pub(crate) async fn prepared_world(
    name: &str,
    kind: OracleKind,
) -> (World, Prepared, Option<Instruction>, Option<Instruction>) {
    let lp = if name == "market_auto_deleverage" {
        10 * ONE
    } else {
        100 * ONE
    };
    let mut w = World::new(kind, lp).await;
    let full = kind == OracleKind::PythPullV2;
    let b = if full {
        w.swap();
        let pb = w.prepare(name, Who::U).await;
        w.swap();
        Some(pb.ix)
    } else {
        None
    };
    let v = if full && !admin_ix(name) && !permissionless_target(name) {
        Some(w.prepare(name, Who::V).await.ix)
    } else {
        None
    };
    let p = w.prepare(name, Who::U).await;
    (w, p, b, v)
}

/// Every case of `name`, in order.
pub(crate) async fn matrix_row(name: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for kind in [OracleKind::PythPullV2, OracleKind::PythLegacy] {
        let (mut w, mut p, mut b, mut v) = prepared_world(name, kind).await;
        let names = account_names(name);
        if kind == OracleKind::PythLegacy && !names.iter().any(|n| n == "oracle") {
            break;
        }
        let all = mutations(&mut w, name, &p, b.as_ref(), v.as_ref()).await;
        let cases: Vec<_> = all
            .into_iter()
            .filter(|(c, _, _)| kind == OracleKind::PythPullV2 || *c == Class::OracleLegacy)
            .collect();
        for (class, case, m) in &cases {
            let (ix, signers, restore) = apply(&mut w, name, &p, m).await;
            let (outcome, changed) = attempt(&mut w.h, vec![ix], &signers).await;
            if let Some((k, acc)) = restore {
                w.h.ctx.set_account(&k, &acc.into());
            }
            assert!(
                outcome.starts_with("refused: ") || outcome.starts_with("request cancelled: "),
                "{name}: {} / {case}: {outcome}",
                title(*class)
            );
            rows.push(Row {
                class: *class,
                case: case.clone(),
                outcome,
            });
            if changed {
                // A cancellation changed the state: start again for what follows.
                (w, p, b, v) = prepared_world(name, kind).await;
                let _ = (&b, &v);
            }
        }
        if kind == OracleKind::PythLegacy {
            // The control on the legacy market.
            let (out, _) = attempt(&mut w.h, vec![p.ix.clone()], &p.signers).await;
            assert_eq!(out, "ACCEPTED", "{name} (legacy): the valid instruction");
            break;
        }
        // The control: the valid instruction succeeds (and executes, if it is an
        // execution). Then what it created or closed.
        let keys: Vec<Pubkey> = p.ix.accounts.iter().map(|m| m.pubkey).collect();
        let before = w.h.accounts(&keys).await;
        let stake_before = match name {
            "insurance_stake" => Some(stake_shares_opt(&mut w.h, &w.u.key()).await),
            _ => None,
        };
        let (out, _) = attempt(&mut w.h, vec![p.ix.clone()], &p.signers).await;
        assert_eq!(out, "ACCEPTED", "{name}: the valid instruction");
        let after = w.h.accounts(&keys).await;
        let created: Vec<usize> = (0..keys.len())
            .filter(|&i| before[i].is_none() && after[i].is_some())
            .collect();
        let closed: Vec<usize> = (0..keys.len())
            .filter(|&i| before[i].is_some() && after[i].is_none())
            .collect();
        if !created.is_empty() {
            let what = created
                .iter()
                .map(|&i| names[i].as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let (mut outcome, _) = attempt(&mut w.h, vec![p.ix.clone()], &p.signers).await;
            if name == "insurance_stake" && outcome == "ACCEPTED" {
                // init_if_needed: a second stake adds to the first, never resets it.
                let first = stake_shares_opt(&mut w.h, &w.u.key()).await;
                assert!(stake_before == Some(0) && first > 0);
                outcome = "accepted as a second stake: the shares add up (asserted), nothing is reset".into();
            }
            assert!(outcome != "ACCEPTED", "{name}: re-initialization accepted");
            rows.push(Row {
                class: Class::Reinit,
                case: format!("sent again once {what} exists"),
                outcome,
            });
        }
        if !closed.is_empty() {
            let what = closed
                .iter()
                .map(|&i| names[i].as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let (outcome, _) = attempt(&mut w.h, vec![p.ix.clone()], &p.signers).await;
            assert!(outcome.starts_with("refused: "), "{name}: {outcome}");
            rows.push(Row {
                class: Class::Revival,
                case: format!("sent again after {what} closed"),
                outcome,
            });
            let payer = w.h.ctx.payer.pubkey();
            let mut ixs: Vec<Instruction> = closed
                .iter()
                .map(|&i| {
                    anchor_lang::solana_program::system_instruction::transfer(&payer, &keys[i], 10_000_000)
                })
                .collect();
            ixs.push(p.ix.clone());
            let (mut outcome, _) = attempt(&mut w.h, ixs, &p.signers).await;
            if name == "address_release" && outcome == "ACCEPTED" {
                // What it is for: lamports sent again to an address that holds no
                // account of the program are released again, to the signer.
                let a = w.h.account(keys[closed[0]]).await;
                assert!(a.is_none(), "the address holds nothing after the release");
                outcome = "accepted by design: lamports sent again are released again (asserted: the address is left empty)".into();
            }
            assert!(
                outcome.starts_with("refused: ") || name == "address_release",
                "{name}: {outcome}"
            );
            rows.push(Row {
                class: Class::Revival,
                case: format!("{what} refunded in the same transaction, then sent again"),
                outcome,
            });
        }
    }
    rows
}

pub(crate) async fn stake_shares_opt(h: &mut Harness, owner: &Pubkey) -> u64 {
    let key = stake_pda(&h.market, owner);
    match h.account(key).await {
        Some(a) => {
            let s: Stake = anchor_lang::AccountDeserialize::try_deserialize(&mut a.data.as_slice()).unwrap();
            s.shares
        }
        None => 0,
    }
}

/// Why a class does not apply to an instruction whose cases show none of it.
pub(crate) fn not_applicable(name: &str, class: Class) -> &'static str {
    match class {
        Class::MissingSigner => "n/a: no signer (a permissionless crank)",
        Class::Reinit => "n/a: creates no account",
        Class::Revival => "n/a: closes no account",
        Class::OraclePull | Class::OracleLegacy => "n/a: reads no price",
        Class::OtherOwner if admin_ix(name) => "n/a: no owner (the admin impostor is under wrong owner)",
        Class::OtherOwner if name == "market_prove_feed_alive" => "n/a: anyone may prove the feed alive",
        Class::WrongOwner if name == "market_prove_feed_alive" => "n/a: anyone may sign",
        Class::Cosplay if name == "address_release" => {
            "n/a: its one program-side account is an address that holds no account (any account there is refused: AddressNotReleasable, `attack_rev31c`)"
        }
        Class::WrongOwner | Class::OtherOwner if name == "address_release" => {
            "n/a: anyone may release any address of the program left funded (the lamports go to the signer)"
        }
        Class::OtherOwner if permissionless_target(name) => {
            "n/a: any position is a valid target (eligibility is checked)"
        }
        Class::Duplicate => "n/a: fewer than two mutable accounts",
        Class::Mismatch => "n/a: the market is its only market-bound account",
        _ => "MISSING",
    }
}

pub(crate) fn render_cases(all: &BTreeMap<String, Vec<Row>>) -> String {
    let mut s = String::from("| instruction | class | case | outcome |\n|---|---|---|---|\n");
    for name in INSTRUCTIONS {
        for r in &all[*name] {
            s += &format!("| {name} | {} | {} | {} |\n", title(r.class), r.case, r.outcome);
        }
    }
    s
}

pub(crate) fn parse_cases(doc: &str) -> BTreeMap<String, Vec<Row>> {
    let section = between(doc, BEGIN_CASES);
    let mut all: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in section.lines().skip(2) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        if cells.len() != 4 {
            continue;
        }
        all.entry(cells[0].to_string()).or_default().push(Row {
            class: class_of(cells[1]).unwrap_or_else(|| panic!("unknown class {}", cells[1])),
            case: cells[2].to_string(),
            outcome: cells[3].to_string(),
        });
    }
    all
}

pub(crate) fn render_summary(all: &BTreeMap<String, Vec<Row>>) -> String {
    let mut s = String::from("| instruction |");
    for (_, t) in CLASSES {
        s += &format!(" {t} |");
    }
    s += "\n|---|";
    s += &"---|".repeat(CLASSES.len());
    s += "\n";
    for name in INSTRUCTIONS {
        s += &format!("| {name} |");
        let rows = all.get(*name).cloned().unwrap_or_default();
        for (c, _) in CLASSES {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.class == c).collect();
            if mine.is_empty() {
                s += &format!(" {} |", not_applicable(name, c));
            } else {
                let mut outcomes: Vec<String> = mine
                    .iter()
                    .map(|r| r.outcome.trim_start_matches("refused: ").to_string())
                    .collect();
                outcomes.sort();
                outcomes.dedup();
                s += &format!(" {}: {} |", mine.len(), outcomes.join(", "));
            }
        }
        s += "\n";
    }
    s
}

pub(crate) fn between<'a>(doc: &'a str, begin: &str) -> &'a str {
    let a = doc
        .find(begin)
        .unwrap_or_else(|| panic!("docs/SECURITY.md lacks {begin}"))
        + begin.len();
    let b = a + doc[a..].find(END).expect("end marker");
    doc[a..b].trim_matches('\n')
}

pub(crate) fn replace_between(doc: &str, begin: &str, body: &str) -> String {
    let a = doc.find(begin).expect("begin marker") + begin.len();
    let b = a + doc[a..].find(END).expect("end marker");
    format!("{}\n{}\n{}", &doc[..a], body.trim_end_matches('\n'), &doc[b..])
}
