//! `hedge-localnet`: the real Agave test validator in this process, JSON-RPC on
//! localhost, with
//! - the program's SBF build deployed at its id (upgradeable loader),
//! - SPL Token (the validator's genesis programs),
//! - a Pyth pull price for one feed: its sponsored `PriceUpdateV2` account rewritten
//!   every second of cluster time with `prev_publish_time` set, each second's update
//!   kept in a ring so a request executes at the unique update of its due time,
//! - a funded keypair written in the Solana CLI's format.
//!
//! Prices follow a path (one value per `step_seconds`, from a CSV or a seeded random
//! walk) until `set_price` pins one. Updates are written into the validator's working
//! bank (`Bank::store_account`), the way a test validator preloads accounts: no
//! transaction, so the price cannot be late behind a busy slot.

pub mod price;
pub mod token;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_rpc::rpc::JsonRpcConfig;
use solana_signer::Signer;
use solana_streamer::socket::SocketAddrSpace;
use solana_test_validator::{TestValidator, TestValidatorGenesis, UpgradeableProgramInfo};

/// The hedge vault program id.
pub const PROGRAM_ID: Pubkey = Pubkey::from_str_const("HedgeVau1t111111111111111111111111111111111");
/// The default feed id: SOL/USD on Pyth.
pub const SOL_USD_FEED: &str = "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d";

/// Where the price goes.
#[derive(Clone, Debug)]
pub enum Path_ {
    /// These USD prices in turn, one per step, holding the last.
    Series(Vec<f64>),
    /// A seeded random walk from `start` with `step_vol` relative volatility per step.
    Walk { start: f64, step_vol: f64, seed: u64 },
}

#[derive(Clone, Debug)]
pub struct Options {
    /// The program's SBF build (`hedge_vault.so`).
    pub program: PathBuf,
    pub ledger: PathBuf,
    pub rpc_port: u16,
    pub feed_id: [u8; 32],
    pub path: Path_,
    /// Seconds each step of the path lasts.
    pub step_seconds: i64,
    /// Confidence as a fraction of the price, in basis points.
    pub conf_bps: u64,
}

/// A running localnet.
pub struct Localnet {
    pub validator: TestValidator,
    pub url: String,
    /// The funded keypair (Solana CLI JSON format).
    pub keypair_path: PathBuf,
    pub payer: Keypair,
    pub feed_id: [u8; 32],
    /// The feed's sponsored price account, which a pull market pins.
    pub price_account: Pubkey,
    /// A collateral token (9 decimals) whose supply the payer holds.
    pub mint: Pubkey,
    /// A pinned price (USD, as f64 bits) once `set_price` is called; 0 = follow the path.
    pinned: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    writer: Option<std::thread::JoinHandle<()>>,
}

const EXPO: i32 = -8;
/// Whole tokens of the genesis collateral token, all the payer's.
pub const TOKEN_SUPPLY: u64 = 1_000_000;

fn mantissa(usd: f64) -> i64 {
    (usd * 1e8).round() as i64
}

/// A deterministic uniform in [0, 1) from a seed and a step (splitmix64).
fn uniform(seed: u64, i: u64) -> f64 {
    let mut z = seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

impl Path_ {
    /// The price at step `i`.
    pub fn at(&self, i: u64) -> f64 {
        match self {
            Path_::Series(v) => v[(i as usize).min(v.len() - 1)],
            Path_::Walk {
                start,
                step_vol,
                seed,
            } => {
                let mut p = *start;
                for k in 0..i.min(1_000_000) {
                    // Sum of two uniforms, centred: a bounded, symmetric step.
                    let z = uniform(*seed, 2 * k) + uniform(*seed, 2 * k + 1) - 1.0;
                    p *= 1.0 + step_vol * z * 2.449; // variance of z is 1/6
                }
                p
            }
        }
    }
}

/// Reads the `Close` column of a `Date,...,Close` CSV.
pub fn read_closes(path: &Path) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines();
    let header = lines
        .next()
        .ok_or_else(|| anyhow!("{} is empty", path.display()))?;
    let col = header
        .split(',')
        .position(|h| h.trim().eq_ignore_ascii_case("close"))
        .ok_or_else(|| anyhow!("{} has no Close column", path.display()))?;
    let v: Vec<f64> = lines
        .filter_map(|l| l.split(',').nth(col).and_then(|c| c.trim().parse().ok()))
        .filter(|p: &f64| *p > 0.0)
        .collect();
    if v.is_empty() {
        bail!("{} has no positive closes", path.display());
    }
    Ok(v)
}

pub fn parse_feed_id(hex: &str) -> Result<[u8; 32]> {
    let h = hex.trim_start_matches("0x");
    if h.len() != 64 {
        bail!("a feed id is 32 bytes of hex, got {} characters", h.len());
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).map_err(|e| anyhow!("feed id: {e}"))?;
    }
    Ok(out)
}

impl Localnet {
    /// Starts the validator (blocking; not from inside a tokio runtime) and the price
    /// writer.
    pub fn start(o: &Options) -> Result<Localnet> {
        if !o.program.is_file() {
            bail!(
                "no SBF build of the program at {} (build it with `anchor build` or bench/program-sbf/build.sh)",
                o.program.display()
            );
        }
        let payer = Keypair::new();
        let price_account = price::sponsored(&o.feed_id);
        let first = price::Update {
            feed_id: o.feed_id,
            price: mantissa(o.path.at(0)),
            conf: (mantissa(o.path.at(0)) as u64) * o.conf_bps / 10_000,
            expo: EXPO,
            publish_time: 0,
            prev_publish_time: 0,
            slot: 0,
        };
        let mint = Keypair::new().pubkey();
        let supply = TOKEN_SUPPLY * 1_000_000_000;
        let mut g = TestValidatorGenesis::default();
        // getTransaction (with inner instructions and logs: the program's events) and
        // getSignaturesForAddress: the client reads every outcome and the statement's
        // history through them.
        let rpc = JsonRpcConfig {
            enable_rpc_transaction_history: true,
            enable_extended_tx_metadata_storage: true,
            ..JsonRpcConfig::default_for_test()
        };
        g.ledger_path(&o.ledger)
            .rpc_port(o.rpc_port)
            .rpc_config(rpc)
            .add_upgradeable_programs_with_path(&[UpgradeableProgramInfo {
                program_id: PROGRAM_ID,
                loader: solana_sdk_ids::bpf_loader_upgradeable::id(),
                upgrade_authority: Pubkey::default(),
                program_path: o.program.clone(),
            }])
            .add_account(price_account, price::account(&first))
            .add_account(mint, token::mint(&payer.pubkey(), supply, 9))
            .add_account(
                token::ata(&payer.pubkey(), &mint),
                token::token_account(&mint, &payer.pubkey(), supply),
            );
        let validator = g
            .start_with_mint_address(payer.pubkey(), SocketAddrSpace::new(true))
            .map_err(|e| anyhow!("starting the test validator: {e}"))?;
        let url = validator.rpc_url();
        std::fs::create_dir_all(&o.ledger)?;
        let keypair_path = o.ledger.join("payer.json");
        std::fs::write(&keypair_path, serde_json::to_string(&payer.to_bytes().to_vec())?)?;
        let pinned = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (bank_forks, pinned, stop, o) =
                (validator.bank_forks(), pinned.clone(), stop.clone(), o.clone());
            std::thread::Builder::new()
                .name("hedge-localnet-price".into())
                .spawn(move || write_prices(bank_forks, &o, price_account, &pinned, &stop))?
        };
        Ok(Localnet {
            validator,
            url,
            keypair_path,
            payer,
            feed_id: o.feed_id,
            price_account,
            mint,
            pinned,
            stop,
            writer: Some(writer),
        })
    }

    /// From the next second on, publishes `usd` instead of the path.
    pub fn set_price(&self, usd: f64) {
        self.pinned.store(usd.to_bits(), Ordering::SeqCst);
    }
}

impl Drop for Localnet {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

/// Every second of cluster time: the sponsored account and that second's ring slot
/// get the update published then, whose `prev_publish_time` is the previous one.
fn write_prices(
    bank_forks: Arc<std::sync::RwLock<solana_runtime::bank_forks::BankForks>>,
    o: &Options,
    account: Pubkey,
    pinned: &AtomicU64,
    stop: &AtomicBool,
) {
    let mut last: Option<i64> = None;
    let mut start: Option<i64> = None;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        let bank = match bank_forks.read() {
            Ok(f) => f.working_bank(),
            Err(_) => return,
        };
        if bank.is_frozen() {
            continue;
        }
        let now = bank.clock().unix_timestamp;
        if last.is_some_and(|l| now <= l) {
            continue;
        }
        let t0 = *start.get_or_insert(now);
        let pin = f64::from_bits(pinned.load(Ordering::SeqCst));
        let usd = if pin > 0.0 {
            pin
        } else {
            o.path.at(((now - t0) / o.step_seconds.max(1)) as u64)
        };
        let m = mantissa(usd);
        let u = price::Update {
            feed_id: o.feed_id,
            price: m,
            conf: (m.max(0) as u64) * o.conf_bps / 10_000,
            expo: EXPO,
            publish_time: now,
            prev_publish_time: last.unwrap_or(now - 1),
            slot: bank.slot(),
        };
        let acc = price::account(&u);
        let ring = price::ring_slot(&o.feed_id, now);
        // The bank may start freezing between the check and the store; the store then
        // refuses (an assertion) and the next working bank takes the update.
        let stored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            bank.store_accounts((bank.slot(), &[(&account, &acc), (&ring, &acc)][..]));
        }));
        if stored.is_ok() {
            last = Some(now);
        }
    }
}
