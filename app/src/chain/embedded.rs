//! The embedded bank: solana-program-test's BanksClient with the program registered
//! natively (its real entrypoint), the real SPL Token program, rent and the clock.

use std::collections::{BTreeSet, HashMap};

use anchor_lang::prelude::{AccountInfo, Clock, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, Result};
use base64::Engine;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_program_test::{processor, BanksClient, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, UiCompiledInstruction, UiInnerInstructions, UiInstruction,
};

use super::{event_payloads, tx_error, Sent};

fn bincode_tx(tx: &Transaction) -> Result<Vec<u8>> {
    bincode::serialize(tx).map_err(|e| anyhow!("serializing the transaction: {e}"))
}

/// The owner of the sysvar accounts, which the bank changes by itself.
const SYSVAR_OWNER: Pubkey = Pubkey::from_str_const("Sysvar1111111111111111111111111111111111111");

/// The embedded bank.
pub struct Embedded {
    pub(crate) ctx: ProgramTestContext,
    /// Every account key a transaction sent through this client named: the set
    /// `Chain::program_accounts` scans (the bank has no `getProgramAccounts`).
    pub(crate) known: BTreeSet<Pubkey>,
    /// Accounts as last read from the bank (`None`: absent). An account changes only
    /// when a transaction names it writable or `set_account` writes it, and both drop
    /// it here, so an entry is always the bank's current account; sysvars, which the
    /// bank changes itself, are never kept. Scans of the known keys then read only
    /// what changed.
    cache: HashMap<Pubkey, Option<Account>>,
    nonce: u32,
    /// Every successful transaction, for `Chain::history` (logs dropped).
    history: Vec<HistoryEntry>,
    /// Every price written into a Pyth account, by account and publish time: the
    /// feed's history, from which an update for any past time is published (a
    /// request's due time, a liquidation's confirmation), as Hermes serves them.
    prices: HashMap<Pubkey, std::collections::BTreeMap<i64, hedge_engine::oracle::RawPrice>>,
}

struct HistoryEntry {
    keys: Vec<Pubkey>,
    sent: Sent,
}

/// Anchor's entry with the lifetimes solana-program-test's `processor!` wants.
fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: the runtime keeps the account infos alive for the whole instruction;
    // Anchor's `entry` only needs the slice and its elements to share one lifetime.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute::<&[AccountInfo], &[AccountInfo]>(accounts) };
    hedge_vault::entry(program_id, accounts, data)
}

/// A `ProgramTest` with the program registered natively (its real entrypoint) and
/// the SPL programs program-test loads by default. With `HEDGE_PROGRAM_SO_DIR` set to
/// a directory holding `hedge_vault.so`, that SBF build is loaded instead and runs in
/// the bank's SBF VM (docs/PERFORMANCE.md, the whole-program build).
///
/// With `HEDGE_TOKEN_SO` set to an ELF of the Token program, that build replaces the
/// SPL Token 3.5 program-test bundles at `Tokenkeg...`: `tools/p-token` builds p-token,
/// the Token program mainnet runs since SIMD-0266 (docs/PERFORMANCE.md).
pub fn program_test() -> ProgramTest {
    let mut pt = if let Some(dir) = std::env::var_os("HEDGE_PROGRAM_SO_DIR") {
        std::env::set_var("SBF_OUT_DIR", dir);
        let mut pt = ProgramTest::new("hedge_vault", hedge_vault::ID, None);
        pt.prefer_bpf(true);
        pt
    } else {
        let mut pt = ProgramTest::new("hedge_vault", hedge_vault::ID, processor!(process_instruction));
        pt.prefer_bpf(false);
        pt
    };
    if let Some(path) = std::env::var_os("HEDGE_TOKEN_SO") {
        let elf = std::fs::read(&path).unwrap_or_else(|e| panic!("HEDGE_TOKEN_SO {path:?}: {e}"));
        let lamports = anchor_lang::prelude::Rent::default().minimum_balance(elf.len());
        pt.add_account(
            anchor_spl::token::ID,
            solana_account::Account {
                lamports,
                data: elf,
                owner: anchor_lang::prelude::pubkey!("BPFLoader2111111111111111111111111111111111"),
                executable: true,
                rent_epoch: 0,
            },
        );
    }
    pt
}

/// What simulating a transaction on the bank shows that processing it does not.
pub struct Simulated {
    /// `emit_cpi!` event payloads (discriminator + borsh) from the inner instructions.
    pub events: Vec<Vec<u8>>,
    pub return_data: Option<Vec<u8>>,
}

/// The inner instructions of a simulation, as a cluster's `getTransaction` reports
/// them, so one decoder reads both.
pub fn ui_inner_instructions(
    inner: &[Vec<solana_message::inner_instruction::InnerInstruction>],
) -> Vec<UiInnerInstructions> {
    inner
        .iter()
        .enumerate()
        .map(|(i, list)| UiInnerInstructions {
            index: i as u8,
            instructions: list
                .iter()
                .map(|ix| {
                    UiInstruction::Compiled(UiCompiledInstruction::from(
                        &ix.instruction,
                        Some(u32::from(ix.stack_height)),
                    ))
                })
                .collect(),
        })
        .collect()
}

/// Simulates `tx` on the bank: natively, events are only visible this way.
pub async fn simulate(banks: &BanksClient, tx: &Transaction) -> Result<Simulated> {
    let sim = banks.simulate_transaction(tx.clone()).await?;
    let mut events = Vec::new();
    let mut return_data = None;
    if let Some(d) = &sim.simulation_details {
        let inner = ui_inner_instructions(d.inner_instructions.as_deref().unwrap_or_default());
        events = event_payloads(&inner, &tx.message.account_keys);
        return_data = d.return_data.as_ref().map(|r| r.data.clone());
    }
    Ok(Simulated { events, return_data })
}

impl Embedded {
    pub async fn start() -> Embedded {
        Embedded {
            ctx: program_test().start_with_context().await,
            known: BTreeSet::new(),
            cache: HashMap::new(),
            nonce: 0,
            history: Vec::new(),
            prices: HashMap::new(),
        }
    }

    /// Sends on the bank: simulated first (natively, the events are only visible
    /// there), then processed.
    pub(super) async fn send(
        &mut self,
        ixs: &[Instruction],
        payer: &Keypair,
        keys: &[&Keypair],
    ) -> Result<Sent> {
        self.nonce = self.nonce.wrapping_add(1);
        // A distinct compute limit keeps otherwise identical transactions apart.
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                1_400_000 - (self.nonce % 100_000),
            ),
        ];
        all.extend_from_slice(ixs);
        for ix in ixs {
            self.known.extend(ix.accounts.iter().map(|m| m.pubkey));
        }
        // The bank advances a slot every few milliseconds: take a fresh blockhash.
        let bh = self.ctx.banks_client.get_latest_blockhash().await?;
        let tx = Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), keys, bh);
        for (i, k) in tx.message.account_keys.iter().enumerate() {
            if tx.message.is_maybe_writable(i, None) {
                self.cache.remove(k);
            }
        }
        let clock = self.ctx.banks_client.get_sysvar::<Clock>().await?;
        let sim = self.ctx.banks_client.simulate_transaction(tx.clone()).await?;
        let res = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx.clone())
            .await?;
        if let Err(err) = res.result {
            return Err(tx_error(err));
        }
        let signature = tx.signatures[0].to_string();
        let (inner, sim_return) = sim
            .simulation_details
            .map(|d| (d.inner_instructions.unwrap_or_default(), d.return_data))
            .unwrap_or_default();
        let (logs, units) = res
            .metadata
            .map(|m| (m.log_messages, m.compute_units_consumed))
            .unwrap_or_default();
        // The transaction as a cluster's getTransaction serves it, read by the same code
        // that reads a cluster's.
        let inner = ui_inner_instructions(&inner);
        let return_data = sim_return.map(|r| {
            serde_json::json!({
                "programId": r.program_id.to_string(),
                "data": [base64::engine::general_purpose::STANDARD.encode(&r.data), "base64"],
            })
        });
        let b64 = base64::engine::general_purpose::STANDARD.encode(bincode_tx(&tx)?);
        // `EncodedConfirmedTransactionWithStatusMeta` flattens the transaction and its
        // meta next to the slot, as the JSON-RPC answer does.
        let served = serde_json::json!({
            "slot": clock.slot,
            "blockTime": clock.unix_timestamp,
            "transaction": [b64, "base64"],
            "meta": {
                "err": null,
                "status": {"Ok": null},
                "fee": 0,
                "preBalances": [],
                "postBalances": [],
                "innerInstructions": inner,
                "logMessages": logs,
                "returnData": return_data,
                "computeUnitsConsumed": units,
            },
        });
        let t: EncodedConfirmedTransactionWithStatusMeta = serde_json::from_value(served)?;
        let sent = super::rpc::outcome(&signature, &t)?;
        self.history.push(HistoryEntry {
            keys: tx.message.account_keys.clone(),
            sent: Sent {
                logs: Vec::new(),
                ..sent.clone()
            },
        });
        Ok(sent)
    }

    /// Every successful transaction sent through this client that named `address`,
    /// oldest first.
    pub fn history(&self, address: &Pubkey) -> Vec<Sent> {
        self.history
            .iter()
            .filter(|h| h.keys.contains(address))
            .map(|h| h.sent.clone())
            .collect()
    }

    /// The transactions naming `address` after the one signed `after`, oldest first.
    pub fn history_since(&self, address: &Pubkey, after: Option<&str>) -> Result<Vec<Sent>> {
        let start = match after {
            None => 0,
            Some(sig) => {
                self.history
                    .iter()
                    .rposition(|h| h.sent.signature == sig)
                    .ok_or_else(|| anyhow!("transaction {sig} is not in this chain's history"))?
                    + 1
            }
        };
        Ok(self.history[start..]
            .iter()
            .filter(|h| h.keys.contains(address))
            .map(|h| h.sent.clone())
            .collect())
    }

    /// The account at `key` (through the cache).
    pub async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>> {
        if let Some(a) = self.cache.get(key) {
            return Ok(a.clone());
        }
        let a = self.ctx.banks_client.get_account(*key).await?;
        if a.as_ref().is_none_or(|a| a.owner != SYSVAR_OWNER) {
            self.cache.insert(*key, a.clone());
        }
        Ok(a)
    }

    /// The known accounts owned by `owner`.
    pub(crate) async fn owned_by(&mut self, owner: &Pubkey) -> Result<Vec<(Pubkey, Account)>> {
        let keys: Vec<Pubkey> = self.known.iter().copied().collect();
        let mut out = Vec::new();
        for k in keys {
            match self.cache.get(&k) {
                Some(Some(acc)) if acc.owner == *owner => out.push((k, acc.clone())),
                Some(_) => {}
                None => {
                    if let Some(acc) = self.account(&k).await? {
                        if acc.owner == *owner {
                            out.push((k, acc));
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// Sets the bank clock.
    pub async fn set_time(&mut self, unix: i64) -> Result<()> {
        let mut clock = self.ctx.banks_client.get_sysvar::<Clock>().await?;
        clock.unix_timestamp = unix;
        self.ctx.set_sysvar(&clock);
        Ok(())
    }

    /// Moves the clock to `raw`'s publish time and writes `raw` into `oracle` as a
    /// legacy Pyth price account: a price published now.
    pub async fn publish_legacy(
        &mut self,
        oracle: &Pubkey,
        raw: &hedge_engine::oracle::RawPrice,
    ) -> Result<()> {
        self.set_time(raw.publish_time).await?;
        self.set_account(oracle, crate::pyth::legacy_account_of(raw));
        Ok(())
    }

    /// Moves the clock to `raw`'s publish time and writes `raw` into `account` as a
    /// fully verified `PriceUpdateV2` of `feed_id` (its previous update a second
    /// before): a pull feed's sponsored account updated now.
    pub async fn publish_pull(
        &mut self,
        account: &Pubkey,
        feed_id: [u8; 32],
        raw: &hedge_engine::oracle::RawPrice,
    ) -> Result<()> {
        self.set_time(raw.publish_time).await?;
        let acc = crate::pyth::pull_account(feed_id, raw.price, raw.conf, raw.expo, raw.publish_time, true);
        self.set_account(account, acc);
        Ok(())
    }

    /// Writes an account directly into the bank (oracle updates on the embedded chain;
    /// a Pyth price is also kept in the feed's history).
    pub fn set_account(&mut self, key: &Pubkey, account: Account) {
        if let Ok(r) = crate::pyth::decode(&account.owner, &account.data) {
            let raw = hedge_engine::oracle::RawPrice {
                price: r.price,
                conf: r.conf,
                expo: r.expo,
                publish_time: r.publish_time,
            };
            self.prices.entry(*key).or_default().insert(r.publish_time, raw);
        }
        self.known.insert(*key);
        self.cache.remove(key);
        self.ctx.set_account(key, &account.into());
    }

    /// The price the feed showed at `t`: the last one written into `account` at or
    /// before `t` (the first one if none was), else the account's current one.
    async fn price_at(&mut self, account: &Pubkey, t: i64) -> Result<hedge_engine::oracle::RawPrice> {
        if let Some(h) = self.prices.get(account) {
            if let Some((_, r)) = h.range(..=t).next_back().or_else(|| h.iter().next()) {
                return Ok(*r);
            }
        }
        let acc = self
            .ctx
            .banks_client
            .get_account(*account)
            .await?
            .ok_or_else(|| anyhow!("the price account {account} is missing"))?;
        let r = crate::pyth::decode(&acc.owner, &acc.data)?;
        Ok(hedge_engine::oracle::RawPrice {
            price: r.price,
            conf: r.conf,
            expo: r.expo,
            publish_time: r.publish_time,
        })
    }

    /// Writes a fully verified `PriceUpdateV2` of `market`'s feed published at `t`
    /// (its previous update a second before: the unique update for `t`) carrying the
    /// price the feed showed at `t`, at a new address, and returns it.
    async fn pull_update_at(&mut self, market: &hedge_vault::state::Market, t: i64) -> Result<Pubkey> {
        let r = self.price_at(&market.oracle, t).await?;
        let key = Pubkey::new_unique();
        let upd = crate::pyth::PullUpdate {
            feed_id: market.feed_id,
            price: r.price,
            conf: r.conf,
            expo: r.expo,
            publish_time: t,
            prev_publish_time: t.saturating_sub(1),
        };
        // Not through `set_account`: an update at a new address is not the feed's
        // history, only a copy of it.
        self.known.insert(key);
        self.cache.remove(&key);
        self.ctx
            .set_account(&key, &crate::pyth::pull_update(&upd, true).into());
        Ok(key)
    }

    /// The price account a request of `market` due at `due` executes at: a legacy
    /// market's pinned account, republished now with its current price if it is older
    /// than the due time; for a pull market, the feed's unique update for the due time
    /// (the price the feed showed then).
    pub async fn price_update_for(
        &mut self,
        market: &hedge_vault::state::Market,
        due: i64,
    ) -> Result<Pubkey> {
        use hedge_vault::state::OracleKind;
        let now = self.ctx.banks_client.get_sysvar::<Clock>().await?.unix_timestamp;
        if now < due {
            // Not due: no price exists for it yet, and the program refuses the
            // execution by name (RequestNotDue) before it reads one.
            return Ok(market.oracle);
        }
        match market.oracle_kind() {
            OracleKind::PythLegacy => {
                let r = self.price_at(&market.oracle, now).await?;
                if r.publish_time < due {
                    let acc = crate::pyth::legacy_account(r.price, r.conf, r.expo, now);
                    self.set_account(&market.oracle, acc);
                }
                Ok(market.oracle)
            }
            OracleKind::PythPullV2 => self.pull_update_at(market, due).await,
        }
    }

    /// The account that confirms a liquidation at a price published at
    /// `publish_time` (PROTOCOL section 6): a legacy market's pinned account; for a
    /// pull market, the feed's unique update for `publish_time -
    /// liquidation_confirmation`.
    pub async fn confirmation_for(
        &mut self,
        market: &hedge_vault::state::Market,
        publish_time: i64,
    ) -> Result<Pubkey> {
        use hedge_vault::state::OracleKind;
        match market.oracle_kind() {
            OracleKind::PythLegacy => Ok(market.oracle),
            OracleKind::PythPullV2 => {
                let t = publish_time - i64::from(market.oracle_config.liquidation_confirmation);
                self.pull_update_at(market, t).await
            }
        }
    }
}

/// Runs `f` with file descriptor 1 pointed at /dev/null (at stderr when
/// `HEDGE_PROGRAM_LOGS` is set): a program registered natively in the embedded bank
/// prints its `msg!` lines to stdout, which must stay clean for the report and
/// `--json`. Transaction logs are still captured per transaction.
pub async fn quiet_program_output<T>(f: impl std::future::Future<Output = T>) -> T {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let target = if std::env::var_os("HEDGE_PROGRAM_LOGS").is_some() {
        2
    } else {
        // SAFETY: opening /dev/null write-only; closed below.
        unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY) }
    };
    // SAFETY: plain descriptor duplication; restored below.
    let saved = unsafe { libc::dup(1) };
    if saved >= 0 && target >= 0 {
        unsafe { libc::dup2(target, 1) };
    }
    if target > 2 {
        unsafe { libc::close(target) };
    }
    let out = f.await;
    let _ = std::io::stdout().flush();
    if saved >= 0 {
        unsafe {
            libc::dup2(saved, 1);
            libc::close(saved);
        }
    }
    out
}
