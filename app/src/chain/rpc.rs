//! A JSON-RPC cluster (solana-test-validator, `hedge localnet`, devnet, mainnet).
//! After confirmation the transaction is fetched (`getTransaction`) and read with the
//! embedded chain's decoder: events from the inner instructions, logs, return data and
//! compute units, so every command reports the same outcome on both backends.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, Context, Result};
use base64::Engine;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, EncodedConfirmedTransactionWithStatusMeta, UiTransactionEncoding,
};
use std::str::FromStr;

use super::{event_payloads, tx_error, Sent};

/// `err` renamed "cannot reach the cluster at `url`" when one of its causes is a
/// JSON-RPC request that could not connect (or timed out), so a wrong `--url` or a
/// stopped validator is named as such rather than as the failed call's error.
pub fn name_unreachable(err: anyhow::Error, url: &str) -> anyhow::Error {
    use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
    use solana_rpc_client_api::request::RpcError;
    let unreachable = err.chain().find_map(|c| {
        let e = c.downcast_ref::<ClientError>()?;
        match e.kind.as_ref() {
            ErrorKind::Reqwest(r) if r.is_connect() || r.is_timeout() => Some(r.to_string()),
            // `get_account_with_commitment` flattens the transport error into its
            // message ("AccountNotFound: pubkey=...: error sending request for url").
            ErrorKind::RpcError(RpcError::ForUser(m)) if m.contains("error sending request") => {
                Some("error sending request".to_string())
            }
            _ => None,
        }
    });
    match unreachable {
        Some(why) => anyhow!("cannot reach the cluster at {url} ({why})"),
        None => err,
    }
}

pub struct Rpc {
    pub client: RpcClient,
    pub url: String,
}

impl Rpc {
    pub fn new(url: &str, commitment: CommitmentConfig) -> Rpc {
        Rpc {
            client: RpcClient::new_with_commitment(url.to_string(), commitment),
            url: url.to_string(),
        }
    }

    pub(super) async fn send(
        &mut self,
        ixs: &[Instruction],
        payer: &Keypair,
        keys: &[&Keypair],
    ) -> Result<Sent> {
        let bh = self
            .client
            .get_latest_blockhash()
            .await
            .context("fetching a blockhash")?;
        let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), keys, bh);
        let sig = match self.client.send_and_confirm_transaction(&tx).await {
            Ok(sig) => sig,
            Err(err) => {
                return Err(match err.get_transaction_error() {
                    Some(te) => tx_error(te),
                    None => anyhow!(err),
                })
            }
        };
        // A node writes its transaction-status history a moment after confirming; wait
        // up to 30 s for it.
        let mut last = None;
        for _ in 0..60 {
            match self.fetch(&sig).await {
                Ok(sent) => return Ok(sent),
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        let why = last.map(|e| format!("{e:#}")).unwrap_or_default();
        Err(anyhow!(
            "transaction {sig} confirmed but not served by getTransaction: {why}"
        ))
    }

    /// A confirmed transaction, read with the shared decoder.
    async fn fetch(&self, sig: &Signature) -> Result<Sent> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(self.client.commitment()),
            max_supported_transaction_version: Some(0),
        };
        let t = self.client.get_transaction_with_config(sig, config).await?;
        outcome(&sig.to_string(), &t)
    }

    /// Every successful transaction that named `address`, oldest first
    /// (`getSignaturesForAddress` paged back to the first, then `getTransaction`).
    pub(super) async fn history(&self, address: &Pubkey) -> Result<Vec<Sent>> {
        self.history_since(address, None).await
    }

    /// The successful transactions that named `address` after the one signed `after`
    /// (`getSignaturesForAddress` paged back to it), oldest first.
    pub(super) async fn history_since(&self, address: &Pubkey, after: Option<&str>) -> Result<Vec<Sent>> {
        const PAGE: usize = 1000;
        let until = after.map(Signature::from_str).transpose()?;
        if let Some(sig) = &until {
            // A signature the node does not know (another cluster, or one reset since)
            // would make `until` page back to the first transaction.
            let known = self
                .client
                .get_signature_statuses_with_history(&[*sig])
                .await
                .with_context(|| format!("looking up transaction {sig}"))?
                .value
                .into_iter()
                .next()
                .flatten()
                .is_some();
            if !known {
                return Err(anyhow!("transaction {sig} is not in this cluster's history"));
            }
        }
        let mut sigs = Vec::new();
        let mut before = None;
        loop {
            let config = GetConfirmedSignaturesForAddress2Config {
                before,
                until,
                limit: Some(PAGE),
                commitment: Some(self.client.commitment()),
            };
            let page = self
                .client
                .get_signatures_for_address_with_config(address, config)
                .await
                .with_context(|| format!("listing the transactions of {address}"))?;
            let n = page.len();
            before = match page.last() {
                Some(s) => Some(Signature::from_str(&s.signature)?),
                None => None,
            };
            sigs.extend(page.into_iter().filter(|s| s.err.is_none()).map(|s| s.signature));
            if n < PAGE {
                break;
            }
        }
        let mut out = Vec::with_capacity(sigs.len());
        for s in sigs.iter().rev() {
            out.push(self.fetch(&Signature::from_str(s)?).await?);
        }
        Ok(out)
    }
}

/// What a fetched transaction did, read as the embedded chain reads its own.
pub fn outcome(signature: &str, t: &EncodedConfirmedTransactionWithStatusMeta) -> Result<Sent> {
    // Instruction program indices refer to the transaction's own account keys.
    let keys: Vec<Pubkey> = t
        .transaction
        .transaction
        .decode()
        .map(|tx| tx.message.static_account_keys().to_vec())
        .ok_or_else(|| anyhow!("transaction {signature} was not served in a binary encoding"))?;
    let meta = t
        .transaction
        .meta
        .as_ref()
        .ok_or_else(|| anyhow!("transaction {signature} has no status metadata"))?;
    let inner = match &meta.inner_instructions {
        OptionSerializer::Some(v) => v.clone(),
        _ => Vec::new(),
    };
    let logs = match &meta.log_messages {
        OptionSerializer::Some(v) => v.clone(),
        _ => Vec::new(),
    };
    let return_data = match &meta.return_data {
        OptionSerializer::Some(r) => base64::engine::general_purpose::STANDARD.decode(&r.data.0).ok(),
        _ => None,
    };
    let compute_units = match meta.compute_units_consumed {
        OptionSerializer::Some(c) => Some(c),
        _ => None,
    };
    Ok(Sent {
        signature: signature.to_string(),
        events: event_payloads(&inner, &keys),
        logs,
        return_data,
        compute_units,
        slot: t.slot,
        block_time: t.block_time,
    })
}
