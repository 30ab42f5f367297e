//! One transport over two real backends: a JSON-RPC cluster (solana-test-validator,
//! devnet, mainnet) and an embedded in-process bank (solana-program-test's
//! BanksClient with the program registered natively, the real SPL Token program,
//! rent and the clock).
//!
//! The embedded bank has no `getProgramAccounts`; every transaction on it goes
//! through this client, so the client records every account key it has sent, and
//! [`Chain::program_accounts`] scans that complete set with the same owner and
//! memcmp filters a cluster would apply.

use std::collections::BTreeSet;

use anchor_lang::prelude::{AccountInfo, Clock, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Context, Result};
use solana_account::Account;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_program_test::{processor, BanksClient, ProgramTest, ProgramTestContext};
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::errors;

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
pub fn program_test() -> ProgramTest {
    if let Some(dir) = std::env::var_os("HEDGE_PROGRAM_SO_DIR") {
        std::env::set_var("SBF_OUT_DIR", dir);
        let mut pt = ProgramTest::new("hedge_vault", hedge_vault::ID, None);
        pt.prefer_bpf(true);
        return pt;
    }
    let mut pt = ProgramTest::new("hedge_vault", hedge_vault::ID, processor!(process_instruction));
    pt.prefer_bpf(false);
    pt
}

/// What a sent transaction did.
#[derive(Debug, Default)]
pub struct Sent {
    pub signature: String,
    /// Event payloads (discriminator + borsh), from `emit_cpi!` inner instructions.
    pub events: Vec<Vec<u8>>,
}

impl Sent {
    /// Events of type `E`.
    pub fn events<E: anchor_lang::Event + anchor_lang::Discriminator + anchor_lang::AnchorDeserialize>(
        &self,
    ) -> Vec<E> {
        decode_events(&self.events).filter_map(Result::ok).collect()
    }
}

/// Decodes the payloads of type `E` (matched by discriminator), in emission order.
pub fn decode_events<E: anchor_lang::Event + anchor_lang::Discriminator + anchor_lang::AnchorDeserialize>(
    payloads: &[Vec<u8>],
) -> impl Iterator<Item = std::io::Result<E>> + '_ {
    payloads
        .iter()
        .filter(|d| d.starts_with(E::DISCRIMINATOR))
        .map(|d| E::try_from_slice(&d[E::DISCRIMINATOR.len()..]))
}

/// What simulating a transaction on the bank shows that processing it does not.
pub struct Simulated {
    /// `emit_cpi!` event payloads (discriminator + borsh) from the inner instructions.
    pub events: Vec<Vec<u8>>,
    pub return_data: Option<Vec<u8>>,
}

/// Simulates `tx` on the bank: natively, events are only visible this way.
pub async fn simulate(banks: &BanksClient, tx: &Transaction) -> Result<Simulated> {
    let sim = banks.simulate_transaction(tx.clone()).await?;
    let mut events = Vec::new();
    let mut return_data = None;
    if let Some(d) = &sim.simulation_details {
        for inner in d.inner_instructions.iter().flatten() {
            for ix in inner {
                let data = &ix.instruction.data;
                if data.starts_with(anchor_lang::event::EVENT_IX_TAG_LE) {
                    events.push(data[8..].to_vec());
                }
            }
        }
        return_data = d.return_data.as_ref().map(|r| r.data.clone());
    }
    Ok(Simulated { events, return_data })
}

/// A failed transaction, with the program error by name.
#[derive(Debug)]
pub struct TxError {
    pub error: TransactionError,
    pub name: Option<String>,
    pub description: String,
}

impl std::fmt::Display for TxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "transaction failed: {}", self.description)
    }
}

impl std::error::Error for TxError {}

fn tx_error(error: TransactionError) -> anyhow::Error {
    let name = errors::error_name(&error);
    let description = errors::describe(&error);
    anyhow::Error::new(TxError {
        error,
        name,
        description,
    })
}

/// The embedded bank.
pub struct Embedded {
    pub ctx: ProgramTestContext,
    known: BTreeSet<Pubkey>,
    nonce: u32,
}

/// A JSON-RPC cluster.
pub struct Rpc {
    pub client: RpcClient,
    pub url: String,
}

pub enum Chain {
    Rpc(Rpc),
    Embedded(Box<Embedded>),
}

impl Chain {
    /// Starts an embedded bank with the program, SPL Token, and `accounts` preloaded.
    pub async fn embedded() -> Result<Chain> {
        let ctx = program_test().start_with_context().await;
        Ok(Chain::Embedded(Box::new(Embedded {
            ctx,
            known: BTreeSet::new(),
            nonce: 0,
        })))
    }

    pub fn rpc(url: &str, commitment: CommitmentConfig) -> Chain {
        Chain::Rpc(Rpc {
            client: RpcClient::new_with_commitment(url.to_string(), commitment),
            url: url.to_string(),
        })
    }

    pub fn is_embedded(&self) -> bool {
        matches!(self, Chain::Embedded(_))
    }

    pub fn embedded_mut(&mut self) -> Result<&mut Embedded> {
        match self {
            Chain::Embedded(e) => Ok(e),
            Chain::Rpc(_) => bail!("only on the embedded chain"),
        }
    }

    pub async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>> {
        match self {
            Chain::Embedded(e) => Ok(e.ctx.banks_client.get_account(*key).await?),
            Chain::Rpc(r) => Ok(r
                .client
                .get_account_with_commitment(key, r.client.commitment())
                .await?
                .value),
        }
    }

    /// Fetches and Anchor-decodes an account.
    pub async fn anchor<T: anchor_lang::AccountDeserialize>(&mut self, key: &Pubkey) -> Result<T> {
        let acc = self
            .account(key)
            .await?
            .ok_or_else(|| anyhow!("account {key} does not exist"))?;
        T::try_deserialize(&mut acc.data.as_slice()).map_err(|e| anyhow!("account {key}: {e}"))
    }

    pub async fn anchor_opt<T: anchor_lang::AccountDeserialize>(
        &mut self,
        key: &Pubkey,
    ) -> Result<Option<T>> {
        match self.account(key).await? {
            None => Ok(None),
            Some(acc) => Ok(Some(
                T::try_deserialize(&mut acc.data.as_slice()).map_err(|e| anyhow!("account {key}: {e}"))?,
            )),
        }
    }

    /// Cluster time (the Clock sysvar).
    pub async fn unix_time(&mut self) -> Result<i64> {
        match self {
            Chain::Embedded(e) => Ok(e.ctx.banks_client.get_sysvar::<Clock>().await?.unix_timestamp),
            Chain::Rpc(r) => {
                let slot = r.client.get_slot().await?;
                Ok(r.client.get_block_time(slot).await.unwrap_or_else(|_| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs() as i64)
                        .unwrap_or(0)
                }))
            }
        }
    }

    pub async fn rent_exempt(&mut self, size: usize) -> Result<u64> {
        match self {
            Chain::Embedded(e) => Ok(e.ctx.banks_client.get_rent().await?.minimum_balance(size)),
            Chain::Rpc(r) => Ok(r.client.get_minimum_balance_for_rent_exemption(size).await?),
        }
    }

    /// Signs with `payer` and `signers`, sends, and waits for confirmation. On the
    /// embedded bank the transaction is simulated first to collect its events.
    pub async fn send(&mut self, ixs: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> Result<Sent> {
        let mut keys: Vec<&Keypair> = vec![payer];
        for s in signers {
            if s.pubkey() != payer.pubkey() {
                keys.push(s);
            }
        }
        match self {
            Chain::Embedded(e) => {
                e.nonce = e.nonce.wrapping_add(1);
                // A distinct compute limit keeps otherwise identical transactions apart.
                let mut all = vec![
                    solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                        1_400_000 - (e.nonce % 100_000),
                    ),
                ];
                all.extend_from_slice(ixs);
                for ix in ixs {
                    e.known.extend(ix.accounts.iter().map(|m| m.pubkey));
                }
                // The bank advances a slot every few milliseconds: take a fresh blockhash.
                let bh = e.ctx.banks_client.get_latest_blockhash().await?;
                let tx = Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, bh);
                let events = simulate(&e.ctx.banks_client, &tx).await?.events;
                let res = e
                    .ctx
                    .banks_client
                    .process_transaction_with_metadata(tx.clone())
                    .await?;
                if let Err(err) = res.result {
                    return Err(tx_error(err));
                }
                Ok(Sent {
                    signature: tx.signatures[0].to_string(),
                    events,
                })
            }
            Chain::Rpc(r) => {
                let bh = r
                    .client
                    .get_latest_blockhash()
                    .await
                    .context("fetching a blockhash")?;
                let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &keys, bh);
                match r.client.send_and_confirm_transaction(&tx).await {
                    Ok(sig) => Ok(Sent {
                        signature: sig.to_string(),
                        events: Vec::new(),
                    }),
                    Err(err) => match err.get_transaction_error() {
                        Some(te) => Err(tx_error(te)),
                        None => Err(anyhow!(err)),
                    },
                }
            }
        }
    }

    /// Accounts owned by the program matching every `(offset, bytes)` memcmp filter
    /// and, if given, the data size.
    pub async fn program_accounts(
        &mut self,
        filters: &[(usize, Vec<u8>)],
        data_size: Option<u64>,
    ) -> Result<Vec<(Pubkey, Account)>> {
        match self {
            Chain::Rpc(r) => {
                let mut f: Vec<RpcFilterType> = filters
                    .iter()
                    .map(|(o, b)| RpcFilterType::Memcmp(Memcmp::new_raw_bytes(*o, b.clone())))
                    .collect();
                if let Some(n) = data_size {
                    f.push(RpcFilterType::DataSize(n));
                }
                let config = RpcProgramAccountsConfig {
                    filters: Some(f),
                    account_config: RpcAccountInfoConfig {
                        encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                        ..Default::default()
                    },
                    ..Default::default()
                };
                let found = r
                    .client
                    .get_program_ui_accounts_with_config(&hedge_vault::ID, config)
                    .await?;
                Ok(found
                    .into_iter()
                    .filter_map(|(k, ui)| ui.decode::<Account>().map(|a| (k, a)))
                    .collect())
            }
            Chain::Embedded(e) => {
                let keys: Vec<Pubkey> = e.known.iter().copied().collect();
                let mut out = Vec::new();
                for k in keys {
                    let Some(acc) = e.ctx.banks_client.get_account(k).await? else {
                        continue;
                    };
                    if acc.owner != hedge_vault::ID {
                        continue;
                    }
                    if data_size.is_some_and(|n| acc.data.len() as u64 != n) {
                        continue;
                    }
                    let ok = filters
                        .iter()
                        .all(|(o, b)| acc.data.get(*o..*o + b.len()) == Some(b.as_slice()));
                    if ok {
                        out.push((k, acc));
                    }
                }
                Ok(out)
            }
        }
    }
}

impl Embedded {
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

    /// Writes an account directly into the bank (oracle updates on the embedded chain).
    pub fn set_account(&mut self, key: &Pubkey, account: Account) {
        self.known.insert(*key);
        self.ctx.set_account(key, &account.into());
    }

    /// The price account a request of `market` due at `due` executes at, published
    /// from the market's pinned account (the embedded chain's current price): a legacy
    /// market's pinned account republished now if it is older than the due time; for a
    /// pull market, a new `PriceUpdateV2` published at the due time whose previous
    /// update was a second before, the unique update for that time.
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
        let pinned = self
            .ctx
            .banks_client
            .get_account(market.oracle)
            .await?
            .ok_or_else(|| anyhow!("the market's price account {} is missing", market.oracle))?;
        let r = crate::pyth::decode(&pinned.owner, &pinned.data)?;
        match market.oracle_kind {
            OracleKind::PythLegacy => {
                if r.publish_time < due {
                    let acc = crate::pyth::legacy_account(r.price, r.conf, r.expo, now);
                    self.set_account(&market.oracle, acc);
                }
                Ok(market.oracle)
            }
            OracleKind::PythPullV2 => {
                let key = Pubkey::new_unique();
                let upd = crate::pyth::PullUpdate {
                    feed_id: market.feed_id,
                    price: r.price,
                    conf: r.conf,
                    expo: r.expo,
                    publish_time: due,
                    prev_publish_time: due.saturating_sub(1),
                };
                self.set_account(&key, crate::pyth::pull_update(&upd, true));
                Ok(key)
            }
        }
    }
}
