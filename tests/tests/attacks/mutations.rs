//! The cases of every other class: how the valid instruction is changed, sent, and
//! how its outcome is named.

use super::*;

/// Account names of an instruction, in order, from the IDL.
pub(crate) fn account_names(ix: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(IDL).unwrap();
    let ins = v["instructions"].as_array().unwrap();
    let i = ins
        .iter()
        .find(|i| i["name"] == ix)
        .unwrap_or_else(|| panic!("{ix} not in the IDL"));
    i["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

/// A transaction error's name: program and Anchor errors by name, the token and system
/// programs' by theirs, the runtime's by its variant.
pub(crate) fn error_name(out: &Outcome) -> String {
    let Err(e) = &out.result else {
        return "none".into();
    };
    if let Some(n) = hedge_client::errors::error_name(e) {
        return n;
    }
    if let TransactionError::InstructionError(_, InstructionError::Custom(c)) = e {
        let failed = out
            .logs
            .iter()
            .find(|l| l.contains(" failed: custom program error"))
            .cloned()
            .unwrap_or_default();
        if failed.contains(&spl_token::ID.to_string()) {
            let names = [
                "NotRentExempt",
                "InsufficientFunds",
                "InvalidMint",
                "MintMismatch",
                "OwnerMismatch",
                "FixedSupply",
                "AlreadyInUse",
            ];
            return format!("token: {}", names.get(*c as usize).copied().unwrap_or("?"));
        }
        if failed.contains("11111111111111111111111111111111") {
            let names = ["AccountAlreadyInUse", "ResultWithNegativeLamports"];
            return format!("system: {}", names.get(*c as usize).copied().unwrap_or("?"));
        }
        return format!("custom {c}");
    }
    match e {
        TransactionError::InstructionError(_, ie) => format!("{ie:?}"),
        other => format!("{other:?}"),
    }
}

/// What a case did: refused by name with nothing changed, or (executions) its
/// request cancelled with the named reason, or accepted.
pub(crate) async fn attempt(h: &mut Harness, ixs: Vec<Instruction>, signers: &[Keypair]) -> (String, bool) {
    let payer = h.ctx.payer.pubkey();
    let watched: Vec<Pubkey> = ixs
        .iter()
        .flat_map(|ix| ix.accounts.iter().filter(|m| m.is_writable).map(|m| m.pubkey))
        .filter(|k| *k != payer)
        .collect();
    let needed: Vec<Pubkey> = ixs
        .iter()
        .flat_map(|ix| ix.accounts.iter().filter(|m| m.is_signer).map(|m| m.pubkey))
        .collect();
    let signing: Vec<&Keypair> = signers.iter().filter(|k| needed.contains(&k.pubkey())).collect();
    let before = h.accounts(&watched).await;
    let out = h.send(&ixs, &signing).await;
    if out.result.is_err() {
        let after = h.accounts(&watched).await;
        for ((k, b), a) in watched.iter().zip(before).zip(after) {
            assert_eq!(b, a, "account {k} changed although the transaction was refused");
        }
        return (format!("refused: {}", error_name(&out)), false);
    }
    let refused = out
        .events::<RequestCancelled>()
        .into_iter()
        .find(|c| c.cause == CANCELLED_REFUSED);
    if let Some(c) = refused {
        let name = hedge_client::errors::program_errors()
            .get(&c.error)
            .map(|e| e.0.clone())
            .unwrap_or_else(|| format!("error {}", c.error));
        return (format!("request cancelled: {name}"), true);
    }
    ("ACCEPTED".into(), true)
}

/// One case before the control: how to change the valid instruction.
#[derive(Clone, Debug)]
pub(crate) enum Mutation {
    Unsigned(usize),
    Impostor(usize),
    OtherProgramOwns(usize),
    Substitute(usize, Pubkey),
    Duplicate(usize, usize),
    Oracle(OracleCase),
}

/// Every PDA the program derives from the world's markets and actors: address ->
/// (seeds, canonical bump).
pub(crate) fn pda_registry(w: &World, extra: &[Pubkey]) -> HashMap<Pubkey, (Vec<Vec<u8>>, u8)> {
    use hedge_vault::constants::*;
    let mut markets = vec![w.h.market, w.other.market];
    let mut owners = vec![
        w.u.key(),
        w.v.key(),
        w.stranger.key(),
        w.lp.key(),
        w.h.keeper.key(),
        w.h.admin.pubkey(),
        w.other.admin.pubkey(),
    ];
    owners.extend_from_slice(extra);
    let mints = [w.h.mint, w.other.mint]
        .into_iter()
        .chain(extra.iter().copied())
        .collect::<Vec<_>>();
    let mut seeds: Vec<Vec<Vec<u8>>> = vec![vec![b"__event_authority".to_vec()]];
    for m in &mints {
        for o in &owners {
            let s = vec![MARKET_SEED.to_vec(), m.to_bytes().to_vec(), o.to_bytes().to_vec()];
            markets.push(
                Pubkey::find_program_address(
                    &s.iter().map(|x| x.as_slice()).collect::<Vec<_>>(),
                    &hedge_vault::ID,
                )
                .0,
            );
            seeds.push(s);
        }
    }
    for m in &markets {
        for seed in [
            COLLATERAL_VAULT_SEED,
            INSURANCE_VAULT_SEED,
            SHARE_MINT_SEED,
            SHARE_ESCROW_SEED,
        ] {
            seeds.push(vec![seed.to_vec(), m.to_bytes().to_vec()]);
        }
        for o in &owners {
            for seed in [POSITION_SEED, STAKE_SEED] {
                seeds.push(vec![seed.to_vec(), m.to_bytes().to_vec(), o.to_bytes().to_vec()]);
            }
            for k in RequestKind::ALL {
                seeds.push(vec![
                    REQUEST_SEED.to_vec(),
                    m.to_bytes().to_vec(),
                    o.to_bytes().to_vec(),
                    vec![k as u8],
                ]);
            }
        }
    }
    seeds
        .into_iter()
        .map(|s| {
            let refs: Vec<&[u8]> = s.iter().map(|x| x.as_slice()).collect();
            let (k, b) = Pubkey::find_program_address(&refs, &hedge_vault::ID);
            (k, (s, b))
        })
        .collect()
}

/// The address of `seeds` with the largest bump below the canonical one.
pub(crate) fn non_canonical(seeds: &[Vec<u8>], canonical: u8) -> Option<(Pubkey, u8)> {
    (0..canonical).rev().find_map(|b| {
        let mut refs: Vec<&[u8]> = seeds.iter().map(|x| x.as_slice()).collect();
        let bump = [b];
        refs.push(&bump);
        Pubkey::create_program_address(&refs, &hedge_vault::ID)
            .ok()
            .map(|k| (k, b))
    })
}

pub(crate) fn program_ids() -> [Pubkey; 3] {
    [spl_token::ID, anchor_lang::system_program::ID, hedge_vault::ID]
}

/// The mutations of `p` that apply, in a stable order, with their classes and
/// descriptions. `b` and `v` are the same instruction for market B and for the other
/// owner, where those classes apply.
pub(crate) async fn mutations(
    w: &mut World,
    name: &str,
    p: &Prepared,
    b: Option<&Instruction>,
    v: Option<&Instruction>,
) -> Vec<(Class, String, Mutation)> {
    let names = account_names(name);
    let metas = &p.ix.accounts;
    assert_eq!(names.len(), metas.len(), "{name}: IDL and builder disagree");
    let programs = program_ids();
    let is_prog = |m: &AccountMeta| programs.contains(&m.pubkey);
    let fixed = |n: &str| matches!(n, "event_authority" | "program" | "oracle");
    let mut out = Vec::new();
    // Missing signer, impostor.
    for (i, m) in metas.iter().enumerate() {
        if m.is_signer {
            out.push((
                Class::MissingSigner,
                format!("{} does not sign", names[i]),
                Mutation::Unsigned(i),
            ));
        }
    }
    for (i, m) in metas.iter().enumerate() {
        if m.is_signer && !matches!(names[i].as_str(), "executor" | "liquidator" | "signer") {
            out.push((
                Class::WrongOwner,
                format!("{}: an impostor signs in its place", names[i]),
                Mutation::Impostor(i),
            ));
        }
    }
    // Accounts owned by another program; cosplay.
    let market_a = w.h.market;
    let stranger = w.stranger.key();
    let pool = [
        market_a,
        position_pda(&market_a, &stranger),
        stake_pda(&market_a, &w.h.admin.pubkey()),
        request_pda(&market_a, &stranger, RequestKind::Deposit),
    ];
    let mut pool_data = Vec::new();
    for k in pool {
        let acc = w.h.account(k).await.expect("pool account");
        pool_data.push((k, acc.data[..8].to_vec()));
    }
    let lp_token = w.lp.token;
    let mint = w.h.mint;
    for (i, m) in metas.iter().enumerate() {
        if m.is_signer || is_prog(m) || names[i] == "oracle" {
            continue;
        }
        let Some(acc) = w.h.account(m.pubkey).await else {
            continue;
        };
        if acc.owner != hedge_vault::ID && acc.owner != spl_token::ID {
            continue;
        }
        out.push((
            Class::WrongOwner,
            format!("{}: its data under another program", names[i]),
            Mutation::OtherProgramOwns(i),
        ));
        if acc.owner == hedge_vault::ID {
            let disc = acc.data[..8].to_vec();
            if let Some((k, _)) = pool_data.iter().find(|(_, d)| *d != disc) {
                let ty =
                    ["Market", "Position", "Stake", "Request"][pool.iter().position(|x| x == k).unwrap()];
                out.push((
                    Class::Cosplay,
                    format!("{} ← a {ty} account", names[i]),
                    Mutation::Substitute(i, *k),
                ));
            }
        } else if acc.data.len() == 165 {
            out.push((
                Class::Cosplay,
                format!("{} ← a mint", names[i]),
                Mutation::Substitute(i, mint),
            ));
        } else {
            out.push((
                Class::Cosplay,
                format!("{} ← a token account", names[i]),
                Mutation::Substitute(i, lp_token),
            ));
        }
    }
    // Another market's accounts.
    // (Where the market is the only account bound to it, B's market makes a valid
    // instruction on market B: nothing to mismatch.)
    let bound = |b: &Instruction| {
        metas
            .iter()
            .zip(&b.accounts)
            .enumerate()
            .filter(|(i, (x, y))| x.pubkey != y.pubkey && !fixed(&names[*i]))
            .count()
    };
    if let Some(b) = b.filter(|b| bound(b) > 1) {
        for (i, (ma, mb)) in metas.iter().zip(&b.accounts).enumerate() {
            if ma.pubkey != mb.pubkey && !ma.is_signer && !is_prog(ma) && !fixed(&names[i]) {
                out.push((
                    Class::Mismatch,
                    format!("{} ← market B's", names[i]),
                    Mutation::Substitute(i, mb.pubkey),
                ));
            }
        }
    }
    // Fake programs.
    for (i, m) in metas.iter().enumerate() {
        let fake = if m.pubkey == spl_token::ID {
            Some((anchor_lang::system_program::ID, "the system program"))
        } else if m.pubkey == anchor_lang::system_program::ID || m.pubkey == hedge_vault::ID {
            Some((spl_token::ID, "the token program"))
        } else {
            None
        };
        if let Some((k, what)) = fake {
            out.push((
                Class::FakeProgram,
                format!("{} ← {what}", names[i]),
                Mutation::Substitute(i, k),
            ));
        }
    }
    // Duplicate mutable accounts.
    for i in 0..metas.len() {
        for j in i + 1..metas.len() {
            let (a, b2) = (&metas[i], &metas[j]);
            if a.is_writable && b2.is_writable && !a.is_signer && !b2.is_signer && a.pubkey != b2.pubkey {
                out.push((
                    Class::Duplicate,
                    format!("{} = {}", names[j], names[i]),
                    Mutation::Duplicate(i, j),
                ));
            }
        }
    }
    // Non-canonical bumps.
    let created: Vec<Pubkey> = metas.iter().map(|m| m.pubkey).collect();
    let reg = pda_registry(w, &created);
    for (i, m) in metas.iter().enumerate() {
        if let Some((seeds, canonical)) = reg.get(&m.pubkey) {
            if let Some((k, _)) = non_canonical(seeds, *canonical) {
                // (The bumps depend on the random keys of the run: not in the text.)
                out.push((
                    Class::Bump,
                    format!("{} ← its address at the next lower valid bump", names[i]),
                    Mutation::Substitute(i, k),
                ));
            }
        }
    }
    // Another owner's accounts.
    if let Some(v) = v {
        for (i, (ma, mv)) in metas.iter().zip(&v.accounts).enumerate() {
            if ma.pubkey != mv.pubkey && !ma.is_signer && !is_prog(ma) && !fixed(&names[i]) {
                out.push((
                    Class::OtherOwner,
                    format!("{} ← another owner's", names[i]),
                    Mutation::Substitute(i, mv.pubkey),
                ));
            }
        }
    }
    // The oracle set.
    if names.iter().any(|n| n == "oracle") {
        let class = match w.h.setup.oracle_kind {
            OracleKind::PythPullV2 => Class::OraclePull,
            OracleKind::PythLegacy => Class::OracleLegacy,
        };
        for c in oracle_cases(p.mode, w.h.setup.oracle_kind) {
            out.push((class, c.describe(p.mode), Mutation::Oracle(c)));
        }
    }
    out
}

/// Applies a mutation to a copy of the valid instruction; returns it, the signers,
/// and a pinned price account to restore afterwards.
pub(crate) async fn apply(
    w: &mut World,
    name: &str,
    p: &Prepared,
    m: &Mutation,
) -> (
    Instruction,
    Vec<Keypair>,
    Option<(Pubkey, solana_account::Account)>,
) {
    let mut ix = p.ix.clone();
    let mut signers: Vec<Keypair> = p.signers.iter().map(|k| k.insecure_clone()).collect();
    let mut restore = None;
    match m {
        Mutation::Unsigned(i) => {
            let k = ix.accounts[*i].pubkey;
            for a in ix.accounts.iter_mut().filter(|a| a.pubkey == k) {
                a.is_signer = false;
            }
            signers.retain(|s| s.pubkey() != k);
        }
        Mutation::Impostor(i) => {
            let k = ix.accounts[*i].pubkey;
            let s = w.stranger.kp.insecure_clone();
            for a in ix.accounts.iter_mut().filter(|a| a.pubkey == k) {
                a.pubkey = s.pubkey();
            }
            signers.retain(|x| x.pubkey() != k);
            signers.push(s);
        }
        Mutation::OtherProgramOwns(i) => {
            let mut acc = w.h.account(ix.accounts[*i].pubkey).await.unwrap();
            acc.owner = Pubkey::new_unique();
            let k = Pubkey::new_unique();
            w.h.ctx.set_account(&k, &acc.into());
            ix.accounts[*i].pubkey = k;
        }
        Mutation::Substitute(i, k) => ix.accounts[*i].pubkey = *k,
        Mutation::Duplicate(i, j) => ix.accounts[*j].pubkey = ix.accounts[*i].pubkey,
        Mutation::Oracle(c) => {
            let names = account_names(name);
            let target = if c.is_confirmation() {
                "oracle_confirm"
            } else {
                "oracle"
            };
            let oi = names.iter().position(|n| n == target).unwrap();
            let (k, original) = oracle_account(&mut w.h, *c, p.mode, ix.accounts[oi].pubkey).await;
            ix.accounts[oi].pubkey = k;
            if let Some(o) = original {
                restore = Some((k, o));
            }
        }
    }
    (ix, signers, restore)
}
