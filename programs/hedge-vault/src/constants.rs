//! PDA seeds and program-wide constants. Clients derive every address from these.

use anchor_lang::prelude::*;

/// Market PDA: `[MARKET_SEED, collateral_mint, creator]`. Seeding by the creator (the
/// first admin, never changed by a handover) means nobody can squat a mint's market:
/// each creator gets its own. It owns every token account of the market and is the
/// share mint's authority.
#[constant]
pub const MARKET_SEED: &[u8] = b"market";
/// Token account holding `C` plus all traders' margin: `[COLLATERAL_VAULT_SEED, market]`.
#[constant]
pub const COLLATERAL_VAULT_SEED: &[u8] = b"collateral";
/// Token account of the insurance fund: `[INSURANCE_VAULT_SEED, market]`.
#[constant]
pub const INSURANCE_VAULT_SEED: &[u8] = b"insurance";
/// Vault share mint: `[SHARE_MINT_SEED, market]`.
#[constant]
pub const SHARE_MINT_SEED: &[u8] = b"shares";
/// Share token account holding shares locked by pending withdrawals:
/// `[SHARE_ESCROW_SEED, market]`.
#[constant]
pub const SHARE_ESCROW_SEED: &[u8] = b"escrow";
/// Trader position: `[POSITION_SEED, market, owner]`.
#[constant]
pub const POSITION_SEED: &[u8] = b"position";
/// A pending request: `[REQUEST_SEED, market, owner, [kind]]` (one per kind).
#[constant]
pub const REQUEST_SEED: &[u8] = b"request";
/// Insurance stake: `[STAKE_SEED, market, owner]`.
#[constant]
pub const STAKE_SEED: &[u8] = b"stake";

/// Mainnet Pyth oracle program, the only accepted owner of legacy price accounts (a
/// market creator cannot choose another).
pub const PYTH_ORACLE_PROGRAM: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");
/// Pyth receiver program, the only accepted owner of pull `PriceUpdateV2` accounts.
pub const PYTH_RECEIVER_PROGRAM: Pubkey = pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/// Pyth push-oracle program: a feed's sponsored price-feed account is its PDA
/// `[shard (u16 LE), feed_id]`; pull markets pin the one of shard 0.
pub const PYTH_PUSH_ORACLE_PROGRAM: Pubkey = pubkey!("pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT");
/// Shard of the sponsored price-feed account a pull market pins.
pub const PYTH_PRICE_FEED_SHARD: u16 = 0;

/// Layout version of the accounts written by this program (3: the market account
/// stored as its bytes, zero-copy, 1,224 bytes; 2 was its Borsh form, 1,174 bytes,
/// which this program does not read).
pub const ACCOUNT_VERSION: u8 = 3;
