//! Addresses: every PDA derived from the program's own seed constants.

use anchor_lang::prelude::Pubkey;
use hedge_vault::constants::*;

fn pda(seeds: &[&[u8]]) -> Pubkey {
    Pubkey::find_program_address(seeds, &hedge_vault::ID).0
}

/// Anchor's event authority (signer of `emit_cpi!` self-CPIs).
pub fn event_authority() -> Pubkey {
    pda(&[b"__event_authority"])
}

/// The market of `mint` created by `creator`.
pub fn market(mint: &Pubkey, creator: &Pubkey) -> Pubkey {
    pda(&[MARKET_SEED, mint.as_ref(), creator.as_ref()])
}

pub fn position(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    pda(&[POSITION_SEED, market.as_ref(), owner.as_ref()])
}

/// The owner's pending request of `kind` in `market` (one per kind).
pub fn request(market: &Pubkey, owner: &Pubkey, kind: hedge_engine::requests::RequestKind) -> Pubkey {
    pda(&[REQUEST_SEED, market.as_ref(), owner.as_ref(), &[kind as u8]])
}

pub fn stake(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    pda(&[STAKE_SEED, market.as_ref(), owner.as_ref()])
}

/// The seeds (without the bump) of an address the program creates an account at for
/// `owner`: what `address_release` takes (`Client::send_creating`).
pub fn request_seeds(
    market: &Pubkey,
    owner: &Pubkey,
    kind: hedge_engine::requests::RequestKind,
) -> Vec<Vec<u8>> {
    vec![
        REQUEST_SEED.to_vec(),
        market.to_bytes().to_vec(),
        owner.to_bytes().to_vec(),
        vec![kind as u8],
    ]
}

pub fn position_seeds(market: &Pubkey, owner: &Pubkey) -> Vec<Vec<u8>> {
    vec![
        POSITION_SEED.to_vec(),
        market.to_bytes().to_vec(),
        owner.to_bytes().to_vec(),
    ]
}

pub fn stake_seeds(market: &Pubkey, owner: &Pubkey) -> Vec<Vec<u8>> {
    vec![
        STAKE_SEED.to_vec(),
        market.to_bytes().to_vec(),
        owner.to_bytes().to_vec(),
    ]
}

/// Every address of one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketKeys {
    pub mint: Pubkey,
    pub market: Pubkey,
    pub collateral_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub share_mint: Pubkey,
    pub share_escrow: Pubkey,
    /// The price account instructions pass (legacy: the pinned one).
    pub oracle: Pubkey,
}

impl MarketKeys {
    pub fn new(mint: Pubkey, creator: Pubkey, oracle: Pubkey) -> Self {
        Self::for_market(market(&mint, &creator), mint, oracle)
    }

    /// The addresses of an existing market: its token accounts and share mint are
    /// derived from the market address.
    pub fn for_market(market: Pubkey, mint: Pubkey, oracle: Pubkey) -> Self {
        MarketKeys {
            mint,
            market,
            collateral_vault: pda(&[COLLATERAL_VAULT_SEED, market.as_ref()]),
            insurance_vault: pda(&[INSURANCE_VAULT_SEED, market.as_ref()]),
            share_mint: pda(&[SHARE_MINT_SEED, market.as_ref()]),
            share_escrow: pda(&[SHARE_ESCROW_SEED, market.as_ref()]),
            oracle,
        }
    }

    /// From a decoded market account.
    pub fn from_market(m: &hedge_vault::state::Market, oracle: Pubkey) -> Self {
        MarketKeys {
            mint: m.collateral_mint,
            market: market(&m.collateral_mint, &m.creator),
            collateral_vault: m.collateral_vault,
            insurance_vault: m.insurance_vault,
            share_mint: m.share_mint,
            share_escrow: m.share_escrow,
            oracle,
        }
    }
}
