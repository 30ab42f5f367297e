//! `vault_execute_withdraw`: anyone executes a due withdrawal at the unique price of
//! its due time. It pays `min(value at request, value now)` if that keeps
//! `C' >= reserve` and `N <= (1 + k) * h * C'`; otherwise it pays the largest amount
//! that can leave now (burning the shares that pays for) and the rest stays queued
//! with a new due time. The largest amount is in the event and the return data. Shares
//! owed nothing go back to their owner and the request is cancelled. Tokens and shares
//! go where the owner said at request, or are held for his claim if that account
//! cannot take them (PROTOCOL section 6a); a request never expires.

use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use hedge_engine::market::{MarketState, WithdrawRequest};
use hedge_engine::oracle::OraclePrice;
use hedge_engine::vault::WithdrawalPayout;
use hedge_engine::EngineError;

use crate::error::{EngineResultExt, HedgeError};
use crate::events::VaultWithdrawn;
use crate::requests::{self, At, Execution, Kept, Step, KIND_WITHDRAW};
use crate::state::{Market, Request};

#[event_cpi]
#[derive(Accounts)]
pub struct VaultExecuteWithdraw<'info> {
    #[account(mut)]
    pub executor: Signer<'info>,
    /// CHECK: the request's owner (`has_one` on `request`); receives the request's rent.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = request.kind == KIND_WITHDRAW @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// CHECK: the address the owner named at request (`request.token_destination`):
    /// the payout goes there, or is held for his claim if it cannot take it.
    #[account(mut, address = request.token_destination @ HedgeError::WrongTokenAccount)]
    pub token_destination: UncheckedAccount<'info>,
    /// CHECK: the address the owner named at request (`request.share_destination`):
    /// shares of a refused withdrawal go back there, or are held for his claim.
    #[account(mut, address = request.share_destination @ HedgeError::WrongTokenAccount)]
    pub share_destination: UncheckedAccount<'info>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.share_escrow @ HedgeError::WrongTokenAccount)]
    pub share_escrow: UncheckedAccount<'info>,
    /// CHECK: the market's share mint: its address, recorded at the market's creation
    /// (its supply read by `token_util::mint_supply`).
    #[account(mut, address = market.share_mint @ HedgeError::WrongMint)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: checked against the market by `oracle::read_at_due`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// A vault withdrawal's part of the lifecycle (`requests::execute`).
struct Withdrawal<'a, 'info> {
    supply: u64,
    share_mint: &'a AccountInfo<'info>,
    share_escrow: &'a AccountInfo<'info>,
    token_destination: &'a AccountInfo<'info>,
    share_destination: &'a AccountInfo<'info>,
    largest_now: Option<u64>,
}

impl<'info> Execution<'info> for Withdrawal<'_, 'info> {
    type Done = WithdrawalPayout;

    fn engine(
        &mut self,
        st: &mut MarketState,
        at: At<'_>,
    ) -> core::result::Result<WithdrawalPayout, EngineError> {
        let r = at.request;
        let terms = WithdrawRequest {
            shares: r.amount,
            value_at_request: r.value_at_request,
            price_at_request: r.price_at_request,
            max_skew_fee_ratio: r.max_skew_fee_ratio,
        };
        st.execute_withdraw_limited(self.supply, terms, at.price()?)
    }

    fn pay(
        &mut self,
        x: &mut Step<'_, 'info>,
        payout: WithdrawalPayout,
        price: Option<&OraclePrice>,
    ) -> Result<Kept> {
        let p = requests::priced(price).named()?;
        x.pay
            .burn(self.share_mint, self.share_escrow, payout.shares_burned)?;
        let vault = x.pay.collateral_vault;
        x.tokens(vault, self.token_destination, payout.paid)?;
        let (shares, value_at_request) = (x.request.amount, x.request.value_at_request);
        let remaining = shares
            .checked_sub(payout.shares_burned)
            .ok_or(HedgeError::MathOverflow)?;
        self.largest_now = Some(payout.largest_now);
        x.events.push(&VaultWithdrawn {
            market: x.market,
            owner: x.owner,
            executor: x.executor,
            shares: payout.shares_burned,
            shares_remaining: remaining,
            value_at_request,
            value_now: payout.value_now,
            paid: payout.paid,
            largest_now: payout.largest_now,
            price: p.price,
            collateral: x.st.collateral,
            skew_fee: payout.skew_fee,
            skew_rebate: payout.skew_rebate,
            skew_unfunded: payout.skew_unfunded,
            skew_ledger: x.st.skew.balance,
        });
        if remaining > 0 {
            // The rest stays queued, due again after the execution delay.
            x.request.amount = remaining;
            x.request.value_at_request = payout.remaining_value_at_request;
            x.queue_rest(x.st.params.execution_delay)?;
        }
        Ok(Kept {
            still_pending: remaining > 0,
            something_done: payout.paid > 0,
        })
    }

    fn give_back(&mut self, x: &mut Step<'_, 'info>) -> Result<()> {
        let (shares, value_at_request) = (x.request.amount, x.request.value_at_request);
        x.st.release_withdraw(shares, value_at_request).named()?;
        x.escrowed_shares(self.share_escrow, self.share_destination, shares)
    }

    fn return_data(&self, _refused: bool) -> Option<u64> {
        self.largest_now
    }
}

pub fn handler(ctx: Context<VaultExecuteWithdraw>) -> Result<()> {
    let a = ctx.accounts;
    let mut kind = Withdrawal {
        supply: crate::token_util::mint_supply(&a.share_mint)?,
        share_mint: a.share_mint.as_ref(),
        share_escrow: a.share_escrow.as_ref(),
        token_destination: a.token_destination.as_ref(),
        share_destination: a.share_destination.as_ref(),
        largest_now: None,
    };
    requests::execute(
        &mut kind,
        crate::common_accounts!(a, oracle: Some(a.oracle.as_ref()), insurance_vault: None),
    )
}
