//! `cargo run -p hedge-idl` writes idl/hedge_vault.json; `cargo run -p hedge-idl --
//! --check` fails when the committed IDL no longer matches the program. It runs the
//! same build `anchor idl build` runs (`cargo test --features idl-build
//! __anchor_private_print_idl` in the program crate) through anchor-lang-idl.

use std::path::PathBuf;

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
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(program)
        .resolution(true)
        .skip_lint(false)
        .no_docs(false)
        .build()?;
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
