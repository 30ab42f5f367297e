//! `hedge oracle show`: decode a Pyth account on the cluster or from a dump.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use serde_json::json;

use super::{kv, out, Output};
use crate::client::Client;
use crate::pyth;

#[derive(Subcommand, Debug)]
pub enum OracleCmd {
    /// Price, confidence, exponent, publish time, feed id of a Pyth account
    Show {
        /// Account on the cluster
        account: Option<Pubkey>,
        /// A `solana account --output json` dump instead
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

pub async fn run(cmd: OracleCmd, client: &mut Client) -> Result<Output> {
    match cmd {
        OracleCmd::Show { account, file } => {
            let (key, acc) = match (account, file) {
                (_, Some(f)) => pyth::read_account_json(&f)?,
                (Some(k), None) => (
                    Some(k),
                    client
                        .chain
                        .account(&k)
                        .await?
                        .ok_or_else(|| anyhow!("account {k} does not exist"))?,
                ),
                (None, None) => bail!("give an account address or --file"),
            };
            let r = pyth::decode(&acc.owner, &acc.data)?;
            let json = json!({
                "address": key.map(|k| k.to_string()),
                "format": r.format,
                "owner": r.owner,
                "price": r.price_decimal(),
                "confidence": r.conf_decimal(),
                "price_mantissa": r.price,
                "conf_mantissa": r.conf,
                "exponent": r.expo,
                "publish_time": r.publish_time,
                "feed_id": r.feed_id,
                "status": r.status,
            });
            Ok(out(json.clone(), kv(&json)))
        }
    }
}
