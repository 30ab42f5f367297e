//! One transport over two real backends: a JSON-RPC cluster (solana-test-validator,
//! devnet, mainnet) and an embedded in-process bank (solana-program-test's
//! BanksClient with the program registered natively, the real SPL Token program,
//! rent and the clock).
//!
//! The embedded bank has no `getProgramAccounts`; every transaction on it goes
//! through this client, so the client records every account key it has sent, and
//! [`Chain::program_accounts`] scans that complete set with the same owner and
//! memcmp filters a cluster would apply.

mod embedded;
mod rpc;

pub use embedded::{program_test, quiet_program_output, simulate, Embedded, Simulated};
pub use rpc::{name_unreachable, Rpc};

use anchor_lang::prelude::{Clock, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Result};
use solana_account::Account;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::{UiInnerInstructions, UiInstruction};

use crate::errors;

/// What a sent transaction did: the same on both backends (the embedded bank reads
/// it from a simulation and the processing metadata, a cluster from
/// `getTransaction`).
#[derive(Clone, Debug, Default)]
pub struct Sent {
    pub signature: String,
    /// Event payloads (discriminator + borsh), from the program's `emit_cpi!` inner
    /// instructions.
    pub events: Vec<Vec<u8>>,
    pub logs: Vec<String>,
    /// The last return data the program set.
    pub return_data: Option<Vec<u8>>,
    pub compute_units: Option<u64>,
    /// The slot it was processed in.
    pub slot: u64,
    /// Unix seconds of its block, when the node knows it (the embedded bank: its
    /// clock when the transaction was processed).
    pub block_time: Option<i64>,
}

impl Sent {
    /// Events of type `E`.
    pub fn events<E: anchor_lang::Event + anchor_lang::Discriminator + anchor_lang::AnchorDeserialize>(
        &self,
    ) -> Vec<E> {
        decode_events(&self.events).filter_map(Result::ok).collect()
    }
}

/// The event payloads in a transaction's inner instructions: those addressed to the
/// program whose data starts with Anchor's event-CPI tag, in emission order. One
/// decoder for both backends (`keys`: the transaction's account keys, which the
/// compiled instructions index).
pub fn event_payloads(inner: &[UiInnerInstructions], keys: &[Pubkey]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for group in inner {
        for ix in &group.instructions {
            let UiInstruction::Compiled(c) = ix else {
                continue;
            };
            if keys.get(usize::from(c.program_id_index)) != Some(&hedge_vault::ID) {
                continue;
            }
            let Ok(data) = bs58::decode(&c.data).into_vec() else {
                continue;
            };
            if data.starts_with(anchor_lang::event::EVENT_IX_TAG_LE) {
                out.push(data[8..].to_vec());
            }
        }
    }
    out
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

/// One event payload as `E`, if it is one (matched by discriminator) and decodes.
pub fn decode_event<E: anchor_lang::Discriminator + anchor_lang::AnchorDeserialize>(
    payload: &[u8],
) -> Option<E> {
    payload
        .strip_prefix(E::DISCRIMINATOR)
        .and_then(|rest| E::try_from_slice(rest).ok())
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

pub(crate) fn tx_error(error: TransactionError) -> anyhow::Error {
    let name = errors::error_name(&error);
    let description = errors::describe(&error);
    anyhow::Error::new(TxError {
        error,
        name,
        description,
    })
}

pub enum Chain {
    Rpc(Rpc),
    Embedded(Box<Embedded>),
}

impl Chain {
    /// Starts an embedded bank with the program, SPL Token, and `accounts` preloaded.
    pub async fn embedded() -> Result<Chain> {
        Ok(Chain::Embedded(Box::new(Embedded::start().await)))
    }

    pub fn rpc(url: &str, commitment: CommitmentConfig) -> Chain {
        Chain::Rpc(Rpc::new(url, commitment))
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
            Chain::Embedded(e) => e.account(key).await,
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

    /// Signs with `payer` and `signers`, sends, waits for confirmation, and reads what
    /// the transaction did (events, logs, return data, compute units).
    pub async fn send(&mut self, ixs: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> Result<Sent> {
        let mut keys: Vec<&Keypair> = vec![payer];
        for s in signers {
            if solana_signer::Signer::pubkey(*s) != solana_signer::Signer::pubkey(payer) {
                keys.push(s);
            }
        }
        match self {
            Chain::Embedded(e) => e.send(ixs, payer, &keys).await,
            Chain::Rpc(r) => r.send(ixs, payer, &keys).await,
        }
    }

    /// Every successful transaction that named `address`, oldest first: on a cluster
    /// from `getSignaturesForAddress` and `getTransaction` (as far back as the node
    /// keeps history), on the embedded chain from what this client sent.
    pub async fn history(&mut self, address: &Pubkey) -> Result<Vec<Sent>> {
        match self {
            Chain::Embedded(e) => Ok(e.history(address)),
            Chain::Rpc(r) => r.history(address).await,
        }
    }

    /// The transactions that named `address` after the one signed `after` (all of
    /// them for `None`), oldest first: what an index that stopped at `after` lacks.
    /// Fails when `after` is not in the address's history (another cluster, or one
    /// reset since).
    pub async fn history_since(&mut self, address: &Pubkey, after: Option<&str>) -> Result<Vec<Sent>> {
        match self {
            Chain::Embedded(e) => e.history_since(address, after),
            Chain::Rpc(r) => r.history_since(address, after).await,
        }
    }

    /// What names this cluster: its genesis hash (the embedded bank's own).
    pub async fn genesis_id(&mut self) -> Result<String> {
        match self {
            Chain::Embedded(e) => Ok(e.ctx.genesis_config().hash().to_string()),
            Chain::Rpc(r) => Ok(r.client.get_genesis_hash().await?.to_string()),
        }
    }

    /// Every program account of type `T` whose market, at byte `offset`, is `market`
    /// (`getProgramAccounts` with a memcmp on it and the account size; on the
    /// embedded chain, among the accounts the client knows).
    pub async fn market_accounts<T: anchor_lang::AccountDeserialize + anchor_lang::Space>(
        &mut self,
        offset: usize,
        market: &Pubkey,
    ) -> Result<Vec<(Pubkey, T)>> {
        let size = 8 + T::INIT_SPACE as u64;
        let found = self
            .program_accounts(&[(offset, market.to_bytes().to_vec())], Some(size))
            .await?;
        Ok(found
            .into_iter()
            .filter_map(|(k, a)| T::try_deserialize(&mut a.data.as_slice()).ok().map(|t| (k, t)))
            .collect())
    }

    /// Accounts owned by the program matching every `(offset, bytes)` memcmp filter
    /// and, if given, the data size.
    pub async fn program_accounts(
        &mut self,
        filters: &[(usize, Vec<u8>)],
        data_size: Option<u64>,
    ) -> Result<Vec<(Pubkey, Account)>> {
        self.accounts_of(&hedge_vault::ID, filters, data_size).await
    }

    /// Accounts owned by `owner` matching every `(offset, bytes)` memcmp filter and, if
    /// given, the data size (`getProgramAccounts`; on the embedded chain, among the
    /// accounts the client knows).
    pub async fn accounts_of(
        &mut self,
        owner: &Pubkey,
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
                    .get_program_ui_accounts_with_config(owner, config)
                    .await?;
                Ok(found
                    .into_iter()
                    .filter_map(|(k, ui)| ui.decode::<Account>().map(|a| (k, a)))
                    .collect())
            }
            Chain::Embedded(e) => Ok(e
                .owned_by(owner)
                .await?
                .into_iter()
                .filter(|(_, acc)| {
                    data_size.is_none_or(|n| acc.data.len() as u64 == n)
                        && filters
                            .iter()
                            .all(|(o, b)| acc.data.get(*o..*o + b.len()) == Some(b.as_slice()))
                })
                .collect()),
        }
    }
}
