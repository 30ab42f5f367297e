//! `hedge vault`: deposit spot tokens to hedge them, withdraw them, see the vault.
//! Deposits and withdrawals are requests executed at the price of their due time:
//! the command sends the request, waits for the due time and executes it unless a
//! keeper already has (`--no-wait` returns after the request).

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Subcommand;
use hedge_engine::requests::RequestKind;

use super::{kv, out, request::follow, Output};
use crate::client::Client;
use crate::reports::{self, statement};
use crate::units::{parse_amount, parse_ratio, share_decimals};
use crate::{ix, requests};

#[derive(Subcommand, Debug)]
pub enum VaultCmd {
    /// Deposit tokens from your wallet; shares are minted to your share account at the
    /// price of the request's due time
    Deposit {
        market: Pubkey,
        /// Amount in tokens (UI units)
        amount: String,
        /// Refund instead if the vault's hedge ratio after the deposit is below this, e.g. 50%
        #[arg(long, default_value = "0%")]
        min_hedge_ratio: String,
        /// Refund instead if the skew potential's charge net of its rebate is above this
        /// share of the amount, e.g. 1.5% (negative: a rebate of at least that); "auto":
        /// what it costs now plus 0.25% of the amount (so nobody who moves the skew
        /// before it executes makes it pay more or be rebated less); "none": no bound
        #[arg(long, default_value = "auto")]
        max_skew_fee: String,
        /// Return after sending the request (a keeper, or `hedge request execute`, executes it)
        #[arg(long)]
        no_wait: bool,
    },
    /// Withdraw: lock shares now, paid after the withdrawal delay at the lower of their
    /// value now and then (what does not fit the vault's limit stays queued)
    Withdraw {
        market: Pubkey,
        /// Shares (UI units), or "all"
        shares: String,
        /// Cancel instead (the shares back) if the skew potential's charge net of its
        /// rebate is above this share of what it pays, e.g. 2% (negative: a rebate of at
        /// least that); "auto": what it costs now plus 1% (the withdrawal delay lets the
        /// market move); "none": no bound
        #[arg(long, default_value = "auto")]
        max_skew_fee: String,
        #[arg(long)]
        no_wait: bool,
    },
    /// Share value, live delta per share, hedge ratio, and your position in the vault
    Show {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
    /// Your deposits and withdrawals, value now, hedged result against having held the
    /// tokens, and the funding, fees and socialized losses attributed to your shares
    Statement {
        market: Pubkey,
        #[arg(long)]
        owner: Option<Pubkey>,
    },
}

pub async fn run(cmd: VaultCmd, client: &mut Client, oracle: Option<Pubkey>) -> Result<Output> {
    let me = client.pubkey();
    match cmd {
        VaultCmd::Deposit {
            market,
            amount,
            min_hedge_ratio,
            max_skew_fee,
            no_wait,
        } => {
            let m = client.market(&market, None).await?;
            super::request::claim_before_request(client, &m, RequestKind::Deposit).await?;
            let amount = parse_amount(&amount, m.state.decimals)?;
            // The share account the execution mints into (named in the request).
            client.ensure_ata(&me, &m.keys.share_mint).await?;
            let o = requests::owner_accounts(&m, &me);
            let st = m.state.state()?;
            let quoted = st
                .deposit_skew_quote(amount)
                .map(|q| i128::from(q.paid) - i128::from(q.rebate))
                .unwrap_or(0);
            let bound = skew_fee_bound(&max_skew_fee, quoted, amount, 2_500)?;
            let ix =
                ix::vault_request_deposit_bounded(&m.keys, &o, amount, parse_ratio(&min_hedge_ratio)?, bound);
            let seeds = crate::keys::request_seeds(&m.keys.market, &me, RequestKind::Deposit);
            let sent = client.send_creating(ix, seeds).await?;
            follow(client, &m, RequestKind::Deposit, &sent, no_wait, oracle).await
        }
        VaultCmd::Withdraw {
            market,
            shares,
            max_skew_fee,
            no_wait,
        } => {
            let m = client.market(&market, None).await?;
            super::request::claim_before_request(client, &m, RequestKind::Withdraw).await?;
            let share_acc = Client::ata(&me, &m.keys.share_mint);
            let amount = if shares == "all" {
                client.token_balance(&share_acc).await?
            } else {
                parse_amount(&shares, share_decimals(m.state.decimals))?
            };
            // The token account the execution pays into (named in the request).
            client.ensure_ata(&me, &m.state.collateral_mint).await?;
            let o = requests::owner_accounts(&m, &me);
            // The fee's bound, quoted on the shares' value now.
            let st = m.state.state()?;
            let p = client.price(&m).await?;
            let supply = client.mint_supply(&m.keys.share_mint).await?;
            let value =
                hedge_engine::vault::value_of_shares_floor(&st.vault_view(supply), &p.price, amount.max(1))
                    .unwrap_or(0);
            let quoted = st
                .withdrawal_skew_quote(value)
                .map(|q| i128::from(q.paid) - i128::from(q.rebate))
                .unwrap_or(0);
            let bound = skew_fee_bound(&max_skew_fee, quoted, value, 10_000)?;
            let ix = ix::vault_request_withdraw_bounded(&m.keys, &o, amount, bound);
            let seeds = crate::keys::request_seeds(&m.keys.market, &me, RequestKind::Withdraw);
            let sent = client.send_creating(ix, seeds).await?;
            follow(client, &m, RequestKind::Withdraw, &sent, no_wait, oracle).await
        }
        VaultCmd::Show { market, owner } => {
            let json =
                serde_json::to_value(reports::vault(client, &market, oracle, &owner.unwrap_or(me)).await?)?;
            Ok(out(json.clone(), kv(&json)))
        }
        VaultCmd::Statement { market, owner } => {
            let s = statement::for_owner(client, &market, oracle, &owner.unwrap_or(me)).await?;
            Ok(out(serde_json::to_value(&s)?, statement::render(&s)))
        }
    }
}

/// A request's bound on its skew charge net of its rebate, a share of `amount` (1e6,
/// negative: a rebate asked for): `spec` as a ratio ("-0.5%" asks for a rebate of at
/// least 0.5%), "none", or "auto": the charge quoted now (`quoted` tokens, fee less
/// rebate) plus `slack` (1e6) of the amount (PROTOCOL section 4, revision 5: a
/// request's bound covers its skew charge, its rebate included).
fn skew_fee_bound(spec: &str, quoted: i128, amount: u64, slack: u32) -> Result<i32> {
    let none = i128::from(ix::NO_SKEW_FEE_LIMIT);
    let bound = match spec {
        "none" => none,
        "auto" => {
            let quoted = if amount == 0 {
                0
            } else {
                // Rounded up: the bound errs by under a millionth toward accepting.
                let (n, d) = (quoted * 1_000_000, i128::from(amount));
                n.div_euclid(d) + i128::from(n.rem_euclid(d) != 0)
            };
            quoted + i128::from(slack)
        }
        s => match s.strip_prefix('-') {
            Some(r) => -i128::from(parse_ratio(r)?),
            None => i128::from(parse_ratio(s)?),
        },
    };
    Ok(bound.clamp(-none, none) as i32)
}
