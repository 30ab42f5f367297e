//! Review rev31c of 7926fe6..667a1fb: the market's token accounts and share mint taken
//! as `UncheckedAccount` by address (supply and amounts read from raw bytes), the
//! `Request` as zero-copy bytes behind a length-checked `AccountDeserialize`, and
//! `open_request!`. Attacked by a user with several wallets, token accounts and the
//! timing. `attempt_*`: the attack failed, the code holds; `finding_*`: what the
//! review found (asserts the questionable outcome).

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use anchor_spl::token::spl_token;
use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::{Request, Stake};
use hedge_vault::HedgeError;
use solana_signer::Signer;

mod accounts;
mod requests;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

/// `ix` with every account meta naming `from` naming `to` instead (flags kept).
fn patch(mut ix: Instruction, from: Pubkey, to: Pubkey) -> Instruction {
    let mut n = 0;
    for m in ix.accounts.iter_mut() {
        if m.pubkey == from {
            m.pubkey = to;
            n += 1;
        }
    }
    assert!(n > 0, "{from} not in the instruction");
    ix
}

/// What the collateral and insurance token accounts hold beyond their ledgers.
async fn surplus(h: &mut Harness) -> (i128, i128) {
    let m = h.market_state().await;
    let coll = h.token_balance(m.collateral_vault).await;
    let ins = h.token_balance(m.insurance_vault).await;
    let owed = i128::from(m.collateral)
        + m.total_margin
        + i128::from(m.escrowed_deposits)
        + i128::from(m.claimable_tokens)
        + i128::from(m.skew_ledger)
        + i128::from(m.wait_owed);
    (i128::from(coll) - owed, i128::from(ins) - i128::from(m.insurance))
}

fn anchor(e: anchor_lang::error::ErrorCode) -> u32 {
    anchor_code(e)
}

/// The SPL Token error `OwnerMismatch`.
const TOKEN_OWNER_MISMATCH: u32 = 4;
/// The SPL Token error `AccountFrozen`.
const TOKEN_ACCOUNT_FROZEN: u32 = 17;
