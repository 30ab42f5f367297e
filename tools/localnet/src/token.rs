//! A collateral token at genesis: an SPL Token mint (no freeze authority, the payer
//! as mint authority) and the payer's associated token account holding a supply, so
//! a person can create a market and deposit without other tools.

use solana_account::{Account, AccountSharedData};
use solana_pubkey::Pubkey;

pub const TOKEN_PROGRAM: Pubkey = Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
pub const ATA_PROGRAM: Pubkey = Pubkey::from_str_const("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

/// The associated token account of `owner` for `mint`.
pub fn ata(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[owner.as_ref(), TOKEN_PROGRAM.as_ref(), mint.as_ref()],
        &ATA_PROGRAM,
    )
    .0
}

fn owned(data: Vec<u8>) -> AccountSharedData {
    Account {
        lamports: 10_000_000,
        data,
        owner: TOKEN_PROGRAM,
        executable: false,
        rent_epoch: u64::MAX,
    }
    .into()
}

/// `spl_token::state::Mint` (82 bytes).
pub fn mint(authority: &Pubkey, supply: u64, decimals: u8) -> AccountSharedData {
    let mut d = Vec::with_capacity(82);
    d.extend_from_slice(&1u32.to_le_bytes()); // COption::Some
    d.extend_from_slice(authority.as_ref());
    d.extend_from_slice(&supply.to_le_bytes());
    d.push(decimals);
    d.push(1); // initialized
    d.extend_from_slice(&0u32.to_le_bytes()); // no freeze authority
    d.extend_from_slice(&[0; 32]);
    owned(d)
}

/// `spl_token::state::Account` (165 bytes), initialized.
pub fn token_account(mint: &Pubkey, owner: &Pubkey, amount: u64) -> AccountSharedData {
    let mut d = Vec::with_capacity(165);
    d.extend_from_slice(mint.as_ref());
    d.extend_from_slice(owner.as_ref());
    d.extend_from_slice(&amount.to_le_bytes());
    d.extend_from_slice(&[0; 36]); // no delegate
    d.push(1); // AccountState::Initialized
    d.extend_from_slice(&[0; 12]); // not native
    d.extend_from_slice(&0u64.to_le_bytes()); // delegated amount
    d.extend_from_slice(&[0; 36]); // no close authority
    owned(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_have_the_spl_token_sizes() {
        let k = Pubkey::new_unique();
        assert_eq!(solana_account::ReadableAccount::data(&mint(&k, 1, 9)).len(), 82);
        assert_eq!(
            solana_account::ReadableAccount::data(&token_account(&k, &k, 1)).len(),
            165
        );
    }
}
