//! Review rev31b of 769f454..fde58b0: `Market` as zero-copy bytes, one request
//! lifecycle (`requests::execute` / `requests::cancel`, `events::Queue`), the ledger
//! invariant (`invariant::check`), attacked by a user with several wallets, token
//! accounts and the timing. `attempt_*`: the attack failed, the code holds;
//! `finding_*`: what the review found (asserts the questionable outcome).

use anchor_lang::__private::bytemuck;
use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use anchor_spl::token::spl_token;
use hedge_client::keys::MarketKeys;
use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::{Market, MarketParams, Request, Stake};
use hedge_vault::HedgeError;
use solana_keypair::Keypair;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

fn mk(h: &Harness) -> MarketKeys {
    MarketKeys::for_market(h.market, h.mint, h.oracle)
}

fn keeper(h: &Harness) -> Keypair {
    h.keeper.kp.insecure_clone()
}

async fn raw_request(h: &mut Harness, owner: &Pubkey, kind: RequestKind) -> Option<Request> {
    let key = request_pda(&h.market, owner, kind);
    h.anchor_account_opt::<Request>(key).await
}

/// Empties `account` (of `u`) into a fresh account of `u` and closes it; returns the
/// fresh account.
async fn close_token(h: &mut Harness, u: &User, account: Pubkey) -> Pubkey {
    let mint = h
        .anchor_account::<anchor_spl::token::TokenAccount>(account)
        .await
        .mint;
    let spare = h.create_token_account(&mint, &u.key()).await;
    let amount = h.token_balance(account).await;
    let ixs = [
        spl_token::instruction::transfer(&spl_token::ID, &account, &spare, &u.key(), &[], amount).unwrap(),
        spl_token::instruction::close_account(&spl_token::ID, &account, &u.key(), &u.key(), &[]).unwrap(),
    ];
    h.send(&ixs, &[&u.kp]).await.ok();
    spare
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

// ---------------------------------------------------------------------------------
// One request, executed twice: in one transaction, or executed and reopened.
// ---------------------------------------------------------------------------------

mod invariant;
mod layout;
mod lifecycle;
