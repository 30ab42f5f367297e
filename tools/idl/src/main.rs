//! `cargo run -p hedge-idl` writes idl/hedge_vault.json; `cargo run -p hedge-idl --
//! --check` fails when the committed IDL no longer matches the program. It runs the
//! same build `anchor idl build` runs (`cargo test --features idl-build
//! __anchor_private_print_idl` in the program crate) through anchor-lang-idl.

use std::path::PathBuf;

use anchor_lang_idl::types::{Idl, IdlInstructionAccountItem, IdlPda, IdlSeed, IdlSeedAccount, IdlSeedConst};
use hedge_engine::requests::RequestKind;

/// The request kind each instruction's `request` account has: its last seed,
/// `&[KIND_...]`, which the generator drops (`[REQUEST_SEED, market, owner, [kind]]`,
/// programs/hedge-vault/src/constants.rs). `position_cancel_request` and
/// `request_claim` take a request of any kind they accept, its seed read from the
/// account itself: no recipe can give it, a client passes the address.
const REQUEST_KINDS: &[(&str, RequestKind)] = &[
    ("vault_request_deposit", RequestKind::Deposit),
    ("vault_execute_deposit", RequestKind::Deposit),
    ("vault_cancel_deposit", RequestKind::Deposit),
    ("vault_request_withdraw", RequestKind::Withdraw),
    ("vault_execute_withdraw", RequestKind::Withdraw),
    ("vault_cancel_withdraw", RequestKind::Withdraw),
    ("position_request_trade", RequestKind::Trade),
    ("position_execute_trade", RequestKind::Trade),
    ("position_request_withdraw", RequestKind::MarginWithdraw),
    ("position_execute_withdraw", RequestKind::MarginWithdraw),
    ("insurance_request_unstake", RequestKind::Unstake),
    ("insurance_execute_unstake", RequestKind::Unstake),
    ("insurance_cancel_unstake", RequestKind::Unstake),
];

/// Gives the IDL the address recipes the generator leaves out, so that clients
/// (`@coral-xyz/anchor`'s `.accounts()`, Codama) derive them: each `request` of a
/// fixed kind (its seeds with the kind byte); `event_authority` (Anchor's
/// `[b"__event_authority"]`) and `program` (the program itself), which `#[event_cpi]`
/// adds without either. Fails if an
/// instruction listed above has no such account, or a request of another instruction
/// lacks a recipe that is not explained above.
fn add_address_recipes(idl: &mut Idl) -> anyhow::Result<()> {
    let constant = |v: &[u8]| IdlSeed::Const(IdlSeedConst { value: v.to_vec() });
    let account = |p: &str| {
        IdlSeed::Account(IdlSeedAccount {
            path: p.into(),
            account: None,
        })
    };
    let program_id = idl.address.clone();
    for ix in &mut idl.instructions {
        let kind = REQUEST_KINDS.iter().find(|(n, _)| *n == ix.name).map(|(_, k)| *k);
        let mut given = false;
        for item in &mut ix.accounts {
            let IdlInstructionAccountItem::Single(acc) = item else {
                continue;
            };
            match (acc.name.as_str(), kind) {
                ("event_authority", _) if acc.pda.is_none() => {
                    acc.pda = Some(IdlPda {
                        seeds: vec![constant(b"__event_authority")],
                        program: None,
                    });
                }
                ("program", _) if acc.address.is_none() && acc.pda.is_none() => {
                    acc.address = Some(program_id.clone());
                }
                ("request", Some(k)) if acc.pda.is_none() => {
                    acc.pda = Some(IdlPda {
                        seeds: vec![
                            constant(b"request"),
                            account("market"),
                            account("owner"),
                            constant(&[k as u8]),
                        ],
                        program: None,
                    });
                    given = true;
                }
                _ => {}
            }
        }
        if kind.is_some() && !given {
            anyhow::bail!("{}: no `request` account without a recipe to give one", ix.name);
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let check = std::env::args().any(|a| a == "--check");
    // anchor-lang-idl 0.1.4 turns a set RUSTUP_TOOLCHAIN into a literal
    // `cargo +{toolchain}` argument; rust-toolchain.toml picks the toolchain anyway.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    // The checkout `cargo run` was started in: cargo sets CARGO_MANIFEST_DIR for the
    // process. The compile-time value would name whichever checkout first built this
    // binary into a shared target directory, and check that checkout instead.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| anyhow::anyhow!("run it with `cargo run -p hedge-idl`"))?;
    let root = manifest.join("../..");
    let program = root.join("programs/hedge-vault");
    let mut idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(program)
        .resolution(true)
        .skip_lint(false)
        .no_docs(false)
        .build()?;
    add_address_recipes(&mut idl)?;
    let json = serde_json::to_string_pretty(&idl)? + "\n";
    let path = root.join("idl/hedge_vault.json");
    if check {
        let committed =
            std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        if committed != json {
            anyhow::bail!(
                "idl/hedge_vault.json is out of date: the program's IDL changed. Run `cargo run -p hedge-idl` and commit it."
            );
        }
        println!("idl/hedge_vault.json matches the program");
    } else {
        std::fs::create_dir_all(root.join("idl"))?;
        std::fs::write(&path, json)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
