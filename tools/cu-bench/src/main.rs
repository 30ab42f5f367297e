//! `hedge-cu-bench`: compute units of the engine's operations on the SBF VM.
//!
//! Loads the SBF build of `bench/sbf` (made by `bench/sbf/build.sh`) into
//! `solana-sbpf` 0.13.1, the VM agave 3.1 executes programs with, configured as agave
//! configures it for SBPF v0 programs except for one setting: call frames are laid
//! out without gaps, as SIMD-0460 makes them (active on devnet and testnet). The
//! upstream LLVM that builds the benchmark passes a sixth argument register on the
//! stack assuming that layout; agave 3.1's loader still puts gaps between frames, so
//! such calls fault there. The meter is the VM's instruction meter, one compute unit
//! per executed instruction, with `sol_remaining_compute_units` charging the same 100
//! CU as agave's syscall (scenario 0 measures the meter itself and is subtracted).
//!
//! Each scenario returns a checksum of its result that must equal a native run of the
//! same scenario (same source file): the figures are of the engine computing the
//! right thing. `--baseline FILE` fails when a figure exceeds its baseline by more than
//! `--tolerance` percent; `--write-baseline FILE` records the current figures.
//!
//! ```text
//! cargo run --release -p hedge-cu-bench -- --so $(bench/sbf/build.sh) \
//!     [--baseline bench/cu-baseline.json] [--tolerance 10] [--write-baseline FILE] [--markdown]
//! ```

#[path = "../../../bench/sbf/src/scenarios.rs"]
#[allow(dead_code)]
mod scenarios;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use solana_sbpf::declare_builtin_function;
use solana_sbpf::ebpf;
use solana_sbpf::elf::Executable;
use solana_sbpf::error::StableResult;
use solana_sbpf::memory_region::{AccessType, MemoryMapping, MemoryRegion};
use solana_sbpf::program::{BuiltinProgram, SBPFVersion};
use solana_sbpf::vm::{Config, ContextObject, EbpfVm};

/// agave's per-transaction maximum.
const COMPUTE_LIMIT: u64 = 1_400_000;
/// agave's `syscall_base_cost`, charged by `sol_remaining_compute_units`.
const SYSCALL_BASE_COST: u64 = 100;
const HEAP_SIZE: usize = 32 * 1024;

struct Args {
    so: PathBuf,
    baseline: Option<PathBuf>,
    write_baseline: Option<PathBuf>,
    tolerance_pct: u64,
    markdown: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        so: PathBuf::new(),
        baseline: None,
        write_baseline: None,
        tolerance_pct: 10,
        markdown: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().ok_or_else(|| anyhow!("{k} needs a value"));
        match k.as_str() {
            "--so" => a.so = val()?.into(),
            "--baseline" => a.baseline = Some(val()?.into()),
            "--write-baseline" => a.write_baseline = Some(val()?.into()),
            "--tolerance" => a.tolerance_pct = val()?.parse().context("--tolerance is a whole percent")?,
            "--markdown" => a.markdown = true,
            other => bail!("unknown argument {other}"),
        }
    }
    if a.so.as_os_str().is_empty() {
        bail!("--so <path to the SBF .so> is required (bench/sbf/build.sh prints it)");
    }
    Ok(a)
}

/// The VM's context: the instruction meter and the return data.
struct Ctx {
    remaining: u64,
    return_data: Vec<u8>,
}

impl ContextObject for Ctx {
    fn consume(&mut self, amount: u64) {
        self.remaining = self.remaining.saturating_sub(amount);
    }
    fn get_remaining(&self) -> u64 {
        self.remaining
    }
}

declare_builtin_function!(
    /// `sol_remaining_compute_units`: as agave, charges the base syscall cost first.
    SyscallRemainingComputeUnits,
    fn rust(
        ctx: &mut Ctx,
        _a: u64,
        _b: u64,
        _c: u64,
        _d: u64,
        _e: u64,
        _m: &mut MemoryMapping,
    ) -> Result<u64, Box<dyn std::error::Error>> {
        if ctx.remaining < SYSCALL_BASE_COST {
            return Err("compute budget exceeded".into());
        }
        ctx.consume(SYSCALL_BASE_COST);
        Ok(ctx.remaining)
    }
);

declare_builtin_function!(
    /// `sol_set_return_data(ptr, len)`.
    SyscallSetReturnData,
    fn rust(
        ctx: &mut Ctx,
        addr: u64,
        len: u64,
        _c: u64,
        _d: u64,
        _e: u64,
        m: &mut MemoryMapping,
    ) -> Result<u64, Box<dyn std::error::Error>> {
        if len > 1024 {
            return Err("return data too long".into());
        }
        let host = match m.map(AccessType::Load, addr, len) {
            StableResult::Ok(h) => h,
            StableResult::Err(e) => return Err(Box::new(e)),
        };
        // SAFETY: `map` checked that [addr, addr + len) is inside a mapped region.
        let bytes = unsafe { std::slice::from_raw_parts(host as *const u8, len as usize) };
        ctx.return_data = bytes.to_vec();
        Ok(0)
    }
);

declare_builtin_function!(
    /// `abort`: the program gave up.
    SyscallAbort,
    fn rust(
        _ctx: &mut Ctx,
        _a: u64,
        _b: u64,
        _c: u64,
        _d: u64,
        _e: u64,
        _m: &mut MemoryMapping,
    ) -> Result<u64, Box<dyn std::error::Error>> {
        Err("program aborted".into())
    }
);

/// agave 3.1's SBPF v0 configuration, with frames laid out without gaps (SIMD-0460).
fn config() -> Config {
    Config {
        max_call_depth: 64,
        stack_frame_size: 4096,
        enable_address_translation: true,
        enable_stack_frame_gaps: false,
        instruction_meter_checkpoint_distance: 10_000,
        enable_instruction_meter: true,
        enable_register_tracing: false,
        enable_symbol_and_section_labels: false,
        reject_broken_elfs: true,
        noop_instruction_rate: 256,
        sanitize_user_provided_values: true,
        enabled_sbpf_versions: SBPFVersion::V0..=SBPFVersion::V0,
        optimize_rodata: false,
        aligned_memory_mapping: true,
    }
}

/// Runs scenario `id`: returns (compute units the measured call consumed, checksum).
fn run_one(exe: &Executable<Ctx>, loader: &Arc<BuiltinProgram<Ctx>>, id: u8) -> Result<(u64, u128)> {
    let cfg = exe.get_config();
    let mut stack = vec![0u8; cfg.stack_size()];
    let mut heap = vec![0u8; HEAP_SIZE];
    // The serialized input of an instruction without accounts: account count, data
    // length, data, program id.
    let mut input = Vec::new();
    input.extend_from_slice(&0u64.to_le_bytes());
    input.extend_from_slice(&1u64.to_le_bytes());
    input.push(id);
    input.extend_from_slice(&[7u8; 32]);
    let regions = vec![
        exe.get_ro_region(),
        MemoryRegion::new_writable_gapped(&mut stack, ebpf::MM_STACK_START, 0),
        MemoryRegion::new_writable(&mut heap, ebpf::MM_HEAP_START),
        MemoryRegion::new_writable(&mut input, ebpf::MM_INPUT_START),
    ];
    let mapping = MemoryMapping::new(regions, cfg, exe.get_sbpf_version()).map_err(|e| anyhow!("{e:?}"))?;
    let mut ctx = Ctx {
        remaining: COMPUTE_LIMIT,
        return_data: Vec::new(),
    };
    let stack_len = cfg.stack_size();
    let mut vm = EbpfVm::new(
        loader.clone(),
        exe.get_sbpf_version(),
        &mut ctx,
        mapping,
        stack_len,
    );
    vm.registers[1] = ebpf::MM_INPUT_START;
    let (_executed, result) = vm.execute_program(exe, true);
    match result {
        StableResult::Ok(0) => {}
        StableResult::Ok(3) => bail!("scenario {id}: the engine refused its inputs on SBF"),
        StableResult::Ok(code) => bail!("scenario {id} returned {code}"),
        StableResult::Err(e) => bail!("scenario {id} failed on SBF: {e:?}"),
    }
    let data = &ctx.return_data;
    if data.len() != 24 {
        bail!("scenario {id}: {} bytes of return data", data.len());
    }
    let cu = u64::from_le_bytes(data[..8].try_into()?);
    let sum = u128::from_le_bytes(data[8..].try_into()?);
    Ok((cu, sum))
}

/// One measured scenario.
struct Row {
    id: u8,
    name: &'static str,
    cu: u64,
}

fn measure(so: &PathBuf) -> Result<Vec<Row>> {
    let elf = std::fs::read(so).with_context(|| format!("reading {}", so.display()))?;
    let mut loader = BuiltinProgram::new_loader(config());
    loader.register_function("sol_remaining_compute_units", SyscallRemainingComputeUnits::vm)?;
    loader.register_function("sol_set_return_data", SyscallSetReturnData::vm)?;
    loader.register_function("abort", SyscallAbort::vm)?;
    let loader = Arc::new(loader);
    let exe = Executable::load(&elf, loader.clone()).map_err(|e| anyhow!("loading the ELF: {e:?}"))?;
    exe.verify::<solana_sbpf::verifier::RequisiteVerifier>()
        .map_err(|e| anyhow!("verifying the program: {e:?}"))?;

    let mut raw = Vec::new();
    for &(id, name) in scenarios::SCENARIOS {
        let (cu, sum) = run_one(&exe, &loader, id).with_context(|| format!("scenario {id} ({name})"))?;
        let native = match scenarios::run(id, &mut scenarios::NoMeter) {
            Some(Ok(sum)) => sum,
            Some(Err(_)) => bail!("scenario {id} ({name}): the engine refused its inputs natively"),
            None => bail!("scenario {id} unknown natively"),
        };
        if sum != native {
            bail!("scenario {id} ({name}): SBF result {sum:#x} differs from the native {native:#x}");
        }
        raw.push((id, name, cu));
    }
    let overhead = raw
        .iter()
        .find(|r| r.0 == 0)
        .map(|r| r.2)
        .ok_or_else(|| anyhow!("no calibration scenario"))?;
    Ok(raw
        .into_iter()
        .filter(|r| r.0 != 0)
        .map(|(id, name, cu)| Row {
            id,
            name,
            cu: cu.saturating_sub(overhead),
        })
        .collect())
}

fn read_baseline(path: &PathBuf) -> Result<BTreeMap<String, u64>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    let obj = v
        .get("compute_units")
        .and_then(|o| o.as_object())
        .ok_or_else(|| anyhow!("{}: no compute_units object", path.display()))?;
    obj.iter()
        .map(|(k, v)| Ok((k.clone(), v.as_u64().ok_or_else(|| anyhow!("{k}: not a number"))?)))
        .collect()
}

fn main() -> Result<()> {
    let a = args()?;
    let rows = measure(&a.so)?;
    let baseline = a.baseline.as_ref().map(read_baseline).transpose()?;

    let mut regressions = Vec::new();
    if a.markdown {
        println!("| operation | CU | baseline |");
        println!("|---|---:|---:|");
    } else {
        println!("{:>4}  {:<52} {:>9} {:>9}", "id", "operation", "CU", "baseline");
    }
    for r in &rows {
        let base = baseline.as_ref().and_then(|b| b.get(r.name)).copied();
        let base_s = base.map(|b| b.to_string()).unwrap_or_else(|| "-".into());
        if a.markdown {
            println!("| {} | {} | {} |", r.name, r.cu, base_s);
        } else {
            println!("{:>4}  {:<52} {:>9} {:>9}", r.id, r.name, r.cu, base_s);
        }
        match base {
            Some(b) if r.cu.saturating_mul(100) > b.saturating_mul(100 + a.tolerance_pct) => {
                regressions.push(format!(
                    "{}: {} CU, baseline {} (+{}% allowed)",
                    r.name, r.cu, b, a.tolerance_pct
                ));
            }
            None if baseline.is_some() => regressions.push(format!("{}: not in the baseline", r.name)),
            _ => {}
        }
    }
    if let Some(path) = &a.write_baseline {
        let map: serde_json::Map<String, serde_json::Value> =
            rows.iter().map(|r| (r.name.to_string(), r.cu.into())).collect();
        let v = serde_json::json!({
            "about": "compute units per engine operation on SBF (bench/sbf, hedge-cu-bench --write-baseline); CI fails when a figure exceeds its baseline by more than the tolerance",
            "compute_units": map,
        });
        std::fs::write(path, serde_json::to_string_pretty(&v)? + "\n")?;
        eprintln!("wrote {}", path.display());
    }
    if !regressions.is_empty() {
        bail!("compute units regressed:\n  {}", regressions.join("\n  "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::scenarios::{run, NoMeter, SCENARIOS};

    /// Every scenario's engine call succeeds natively: a refused call would measure
    /// an early return, not the operation.
    #[test]
    fn every_scenario_runs_its_operation() {
        for &(id, name) in SCENARIOS {
            assert!(
                matches!(run(id, &mut NoMeter), Some(Ok(_))),
                "{id} {name}: {:?}",
                run(id, &mut NoMeter)
            );
        }
        assert_eq!(run(250, &mut NoMeter), None);
    }

    /// Every position of the scenarios' market opened: 790 + 10 long, 50 + 5 short.
    #[test]
    fn the_world_holds_every_position() {
        const ONE: i64 = 1_000_000_000;
        assert_eq!(
            super::scenarios::world_bases(),
            (i128::from(745 * ONE), 10 * ONE, -5 * ONE)
        );
    }

    /// The liquidation scenarios are what their names say.
    #[test]
    fn the_liquidation_scenarios_are_partial_and_bankrupt() {
        use super::scenarios::{world_liquidation, BANKRUPT_CENTS, PARTIAL_CENTS};
        let p = world_liquidation(PARTIAL_CENTS).unwrap();
        assert!(p.position.base > 0 && p.bad_debt == 0, "{p:?}");
        let b = world_liquidation(BANKRUPT_CENTS).unwrap();
        assert!(b.position.base == 0 && b.bad_debt > 0, "{b:?}");
    }
}
