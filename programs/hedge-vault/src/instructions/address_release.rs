//! `address_release`: anyone takes the lamports someone sent to an address of this
//! program before the program created its account there (found by the issue-31
//! review). Anchor creates an account at an address that already holds lamports with
//! the system program's `CreateAccountAllowPrefund` (SIMD-0312); where that
//! instruction does not exist (agave 3.1, the bank the tests run on), 890,880
//! lamports sent to a request's, a stake's, a position's or a market's address would
//! block its creation for ever: a staker could never unstake, a trader never trade or
//! withdraw. Sent before the creating instruction in the same transaction, this
//! returns the address to no lamports, so the creation is a plain `create_account`
//! (the clients do it: `hedge_client::ix::release_if_funded`).
//!
//! Only an address of this program (its seeds and bump given), still the system
//! program's and without data (no account of the program is ever there), is
//! released; every lamport goes to the signer.

use anchor_lang::prelude::*;
use anchor_lang::system_program;

use crate::error::HedgeError;

#[derive(Accounts)]
pub struct AddressRelease<'info> {
    #[account(mut)]
    pub signer: Signer<'info>,
    /// CHECK: an address of this program (checked against the seeds), owned by the
    /// system program and without data (checked by the handler).
    #[account(mut)]
    pub address: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<AddressRelease>, seeds: Vec<Vec<u8>>, bump: u8) -> Result<()> {
    let a = ctx.accounts;
    let bump = [bump];
    let mut signer_seeds: Vec<&[u8]> = seeds.iter().map(|s| s.as_slice()).collect();
    signer_seeds.push(&bump);
    let derived = Pubkey::create_program_address(&signer_seeds, &crate::ID)
        .map_err(|_| error!(HedgeError::AddressNotReleasable))?;
    require_keys_eq!(derived, a.address.key(), HedgeError::AddressNotReleasable);
    require!(
        *a.address.owner == system_program::ID && a.address.data_is_empty(),
        HedgeError::AddressNotReleasable
    );
    let lamports = a.address.lamports();
    require!(lamports > 0, HedgeError::AddressNotReleasable);
    system_program::transfer(
        CpiContext::new_with_signer(
            a.system_program.key(),
            system_program::Transfer {
                from: a.address.to_account_info(),
                to: a.signer.to_account_info(),
            },
            &[&signer_seeds],
        ),
        lamports,
    )
}
