//! SPL Token CPIs: user-signed transfers in, market-signed transfers out, share mint
//! and burn.

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Burn, MintTo, Transfer};

/// Signer seeds of the market PDA, which owns every token account of the market.
#[macro_export]
macro_rules! market_seeds {
    ($mint:expr, $creator:expr, $bump:expr) => {
        &[&[
            $crate::constants::MARKET_SEED,
            $mint.as_ref(),
            $creator.as_ref(),
            &[$bump],
        ][..]]
    };
}

/// Moves `amount` from a token account the signer `authority` owns.
pub fn transfer_in<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = Transfer {
        from: from.clone(),
        to: to.clone(),
        authority: authority.clone(),
    };
    token::transfer(CpiContext::new(token_program.key(), accounts), amount)
}

/// Moves `amount` out of a market token account, signed by the market PDA.
pub fn transfer_out<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    market: &AccountInfo<'info>,
    seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = Transfer {
        from: from.clone(),
        to: to.clone(),
        authority: market.clone(),
    };
    token::transfer(
        CpiContext::new_with_signer(token_program.key(), accounts, seeds),
        amount,
    )
}

/// Mints vault shares, signed by the market PDA.
pub fn mint_shares<'info>(
    token_program: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    market: &AccountInfo<'info>,
    seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = MintTo {
        mint: mint.clone(),
        to: to.clone(),
        authority: market.clone(),
    };
    token::mint_to(
        CpiContext::new_with_signer(token_program.key(), accounts, seeds),
        amount,
    )
}

/// Burns shares from a market-owned account, signed by the market PDA.
pub fn burn_shares<'info>(
    token_program: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    market: &AccountInfo<'info>,
    seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = Burn {
        mint: mint.clone(),
        from: from.clone(),
        authority: market.clone(),
    };
    token::burn(
        CpiContext::new_with_signer(token_program.key(), accounts, seeds),
        amount,
    )
}
