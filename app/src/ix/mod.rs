//! Instruction builders from the program's own `accounts::` and `instruction::` types
//! (the program crate with `no-entrypoint`), so they cannot drift from the program.
//! Each `*_accounts` returns the account struct (a caller can swap one account by
//! name); [`build`] turns accounts and data into an instruction.
//!
//! Executions take the price account explicitly: on a pull market it is the update
//! for the request's due time, which differs from request to request.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use hedge_engine::requests::RequestKind;

use crate::keys::{self, MarketKeys};

pub(crate) const SYSTEM: Pubkey = anchor_lang::solana_program::system_program::ID;

pub fn build<A: ToAccountMetas, D: InstructionData>(accounts: A, data: D) -> Instruction {
    Instruction {
        program_id: hedge_vault::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// `address_release` of the program's address with these seeds (`keys::*_seeds`): its
/// lamports to `signer`, so its account can be created (docs/SECURITY.md).
pub fn address_release(signer: &Pubkey, seeds: Vec<Vec<u8>>) -> Instruction {
    let refs: Vec<&[u8]> = seeds.iter().map(|s| s.as_slice()).collect();
    let (address, bump) = Pubkey::find_program_address(&refs, &hedge_vault::ID);
    build(
        hedge_vault::accounts::AddressRelease {
            signer: *signer,
            address,
            system_program: SYSTEM,
        },
        hedge_vault::instruction::AddressRelease { seeds, bump },
    )
}

pub(crate) fn request(k: &MarketKeys, owner: &Pubkey, kind: RequestKind) -> Pubkey {
    keys::request(&k.market, owner, kind)
}

mod insurance;
mod market;
mod position;
mod vault;

pub use insurance::*;
pub use market::*;
pub use position::*;
pub use vault::*;
