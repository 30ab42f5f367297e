//! SPL Token CPIs: user-signed transfers in, market-signed transfers out, share mint
//! and burn; one instruction builder for all four (the token program's own encoding:
//! a tag, the amount, three accounts), lighter than a `CpiContext` per call.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;

/// Signer seeds of the market PDA, which owns every token account of the market:
/// `market_seeds!(market)` from the market account, or from its three fields.
#[macro_export]
macro_rules! market_seeds {
    ($m:expr) => {
        $crate::market_seeds!($m.collateral_mint, $m.creator, $m.bump)
    };
    ($mint:expr, $creator:expr, $bump:expr) => {
        &[&[
            $crate::constants::MARKET_SEED,
            $mint.as_ref(),
            $creator.as_ref(),
            &[$bump],
        ][..]]
    };
}

/// An SPL Token instruction the program sends: its tag in the token program's
/// instruction enum and the order of its three accounts.
#[derive(Clone, Copy)]
enum TokenOp {
    /// `Transfer` (3): source, destination, owner.
    Transfer = 3,
    /// `MintTo` (7): mint, destination, mint authority.
    MintTo = 7,
    /// `Burn` (8): account, mint, owner.
    Burn = 8,
}

/// One SPL Token instruction, built by hand (the tag and the amount, three accounts:
/// two written, the authority signing) and invoked, signed by `seeds` when the market
/// PDA is the authority. Nothing for a zero amount.
fn token_cpi<'info>(
    op: TokenOp,
    token_program: &AccountInfo<'info>,
    first: &AccountInfo<'info>,
    second: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let mut data = [0u8; 9];
    data[0] = op as u8;
    data[1..].copy_from_slice(&amount.to_le_bytes());
    let ix = Instruction {
        program_id: token_program.key(),
        accounts: vec![
            AccountMeta::new(first.key(), false),
            AccountMeta::new(second.key(), false),
            AccountMeta::new_readonly(authority.key(), true),
        ],
        data: data.to_vec(),
    };
    invoke_signed(
        &ix,
        &[
            first.clone(),
            second.clone(),
            authority.clone(),
            token_program.clone(),
        ],
        seeds,
    )
    .map_err(Into::into)
}

/// Moves `amount` from a token account the signer `authority` owns.
pub fn transfer_in<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    token_cpi(TokenOp::Transfer, token_program, from, to, authority, &[], amount)
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
    token_cpi(TokenOp::Transfer, token_program, from, to, market, seeds, amount)
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
    token_cpi(TokenOp::MintTo, token_program, mint, to, market, seeds, amount)
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
    token_cpi(TokenOp::Burn, token_program, from, mint, market, seeds, amount)
}

/// The little-endian `u64` at `offset` of an SPL account the instruction has checked
/// by address, read in place (unpacking the whole account and allocating it costs
/// about 1,000 CU on SBF); `missing` when the account is too short.
fn u64_at(account: &AccountInfo, offset: usize, missing: crate::error::HedgeError) -> Result<u64> {
    let data = account.try_borrow_data()?;
    let bytes = data
        .get(offset..offset + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .ok_or(missing)?;
    Ok(u64::from_le_bytes(bytes))
}

/// The `supply` of an SPL mint (bytes 36..44): the market's share mint.
pub fn mint_supply(mint: &AccountInfo) -> Result<u64> {
    u64_at(mint, 36, crate::error::HedgeError::WrongMint)
}

/// The `amount` of an SPL token account (bytes 64..72): the market's own token
/// accounts, read after the token program's CPIs have written them.
pub fn token_amount(account: &AccountInfo) -> Result<u64> {
    u64_at(account, 64, crate::error::HedgeError::WrongTokenAccount)
}
