//! `vault_execute_deposit`: anyone executes a due deposit at the unique price of its
//! due time, however late (a request never expires). Shares are minted at the band
//! edge that gives the depositor fewer; a refusal at that price (the depositor's
//! minimum hedge ratio, a paused or settled market, a vault winding down, a deposit
//! too small) refunds the escrow and cancels the request with its reason. The shares
//! or the refund go where the depositor said at request, or are held for his claim if
//! that account cannot take them: nothing he does after requesting can block this
//! (PROTOCOL section 6a). Only the part within the vault's hedge capacity executes;
//! the rest waits in escrow, due again after the withdrawal delay, and a deposit that
//! has not waited waits whole while others wait (PROTOCOL section 3). The executor is
//! paid the request's execution fee once something executed.

use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use hedge_engine::market::{DepositExecution, DepositRequest, MarketState};
use hedge_engine::oracle::{OraclePrice, OracleUse};
use hedge_engine::EngineError;

use crate::error::{EngineResultExt, HedgeError};
use crate::events::{DepositReleased, VaultDeposited};
use crate::requests::{self, At, Execution, Kept, Step, KIND_DEPOSIT};
use crate::state::{Market, Request};

#[event_cpi]
#[derive(Accounts)]
pub struct VaultExecuteDeposit<'info> {
    #[account(mut)]
    pub executor: Signer<'info>,
    /// CHECK: the request's owner (`has_one` on `request`); receives the request's rent.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = request.kind == KIND_DEPOSIT @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// CHECK: the address the depositor named at request (`request.token_destination`):
    /// a refused deposit is refunded there, or held for his claim if it cannot take it.
    #[account(mut, address = request.token_destination @ HedgeError::WrongTokenAccount)]
    pub token_destination: UncheckedAccount<'info>,
    /// CHECK: the address the depositor named at request (`request.share_destination`):
    /// the shares are minted there, or into the escrow for his claim.
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

/// A deposit's part of the lifecycle (`requests::execute`).
struct Deposit<'a, 'info> {
    supply: u64,
    share_mint: &'a AccountInfo<'info>,
    share_escrow: &'a AccountInfo<'info>,
    token_destination: &'a AccountInfo<'info>,
    share_destination: &'a AccountInfo<'info>,
}

impl<'info> Execution<'info> for Deposit<'_, 'info> {
    type Done = DepositExecution;

    fn oracle_use(&self) -> Option<OracleUse> {
        Some(OracleUse::Increase)
    }

    fn engine(
        &mut self,
        st: &mut MarketState,
        at: At<'_>,
    ) -> core::result::Result<DepositExecution, EngineError> {
        let r = at.request;
        let now = at.now;
        let terms = DepositRequest {
            amount: r.amount,
            min_hedge_ratio: r.min_hedge_ratio,
            max_skew_fee_ratio: r.max_skew_fee_ratio,
            waited: r.is_waiting(),
            due_age: now.saturating_sub(r.due_time),
            wait_since: r.wait_since,
        };
        st.execute_deposit_request(self.supply, terms, at.price()?)
    }

    fn pay(
        &mut self,
        x: &mut Step<'_, 'info>,
        d: DepositExecution,
        price: Option<&OraclePrice>,
    ) -> Result<Kept> {
        let p = requests::priced(price).named()?;
        if d.dead_shares > 0 {
            // Revision 6: the first shares' dead twin, owned by nobody.
            x.pay.mint(self.share_mint, self.share_escrow, d.dead_shares)?;
        }
        if d.shares > 0 {
            x.new_shares(
                (self.share_mint, self.share_escrow),
                self.share_destination,
                d.shares,
            )?;
        }
        if d.waiting > 0 {
            // Due again after the withdrawal delay (revision 6: the execution delay,
            // so it executes as soon as a hedge covers it): its owner may cancel
            // before each new due time (no free option after it).
            x.request.amount = d.waiting;
            x.request.wait_since = x.st.waiting_bid.index;
            x.request.waiting = 1;
            x.queue_rest(x.st.waiting_deposit_delay())?;
        }
        x.events.push(&VaultDeposited {
            market: x.market,
            owner: x.owner,
            executor: x.executor,
            amount: d.executed,
            shares: d.shares,
            price: p.price,
            publish_time: p.publish_time,
            collateral: x.st.collateral,
            skew_fee: d.skew_fee,
            skew_rebate: d.skew_rebate,
            waiting: d.waiting,
            skew_ledger: x.st.skew.balance,
            wait_charge: d.wait_charge,
        });
        Ok(Kept {
            still_pending: d.waiting > 0,
            something_done: d.shares > 0,
        })
    }

    fn give_back(&mut self, x: &mut Step<'_, 'info>) -> Result<()> {
        // Accrued first (a no-op when the execution already did): the refund moves the
        // hedge base, and no price was accepted if the refusal is the oracle's.
        x.st.accrue_before_request(x.now).named()?;
        let (amount, waited, wait_since) = (x.request.amount, x.request.is_waiting(), x.request.wait_since);
        let back = x.st.refund_deposit(amount, waited, wait_since).named()?;
        x.events.push(&DepositReleased::of(x.market, x.owner, &back, 0));
        let vault = x.pay.collateral_vault;
        x.tokens(vault, self.token_destination, back.refunded)
    }
}

pub fn handler(ctx: Context<VaultExecuteDeposit>) -> Result<()> {
    let a = ctx.accounts;
    let mut kind = Deposit {
        supply: crate::token_util::mint_supply(&a.share_mint)?,
        share_mint: a.share_mint.as_ref(),
        share_escrow: a.share_escrow.as_ref(),
        token_destination: a.token_destination.as_ref(),
        share_destination: a.share_destination.as_ref(),
    };
    requests::execute(
        &mut kind,
        crate::common_accounts!(a, oracle: Some(a.oracle.as_ref()), insurance_vault: None),
    )
}
