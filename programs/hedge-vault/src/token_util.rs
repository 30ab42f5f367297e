//! SPL Token CPIs: user-signed transfers in, market-signed transfers out, share mint
//! and burn; one instruction builder for all four (the token program's own encoding:
//! a tag, the amount, three accounts), lighter than a `CpiContext` per call.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};

/// Every CPI the program sends (the token program's, an event's self-CPI).
///
/// On SBF it skips `invoke_signed`'s first step, which borrows every account passed
/// and releases it to prove none is borrowed by the caller (about 170 CU for a token
/// instruction's accounts, 80 for an event's): no caller holds a borrow of an
/// account's data or lamports across a CPI (every in-place read here and in
/// `requests::can_take` and `invariant` ends before it returns; Anchor's accounts
/// hold copies). The native build, which every bank test runs, keeps the check, so a
/// change that held a borrow across a CPI fails there with `AccountBorrowFailed`.
pub fn invoke(ix: &Instruction, accounts: &[AccountInfo], seeds: &[&[&[u8]]]) -> Result<()> {
    #[cfg(target_os = "solana")]
    let r = anchor_lang::solana_program::program::invoke_signed_unchecked(ix, accounts, seeds);
    #[cfg(not(target_os = "solana"))]
    let r = anchor_lang::solana_program::program::invoke_signed(ix, accounts, seeds);
    r.map_err(Into::into)
}

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
    invoke(
        &ix,
        &[
            first.clone(),
            second.clone(),
            authority.clone(),
            token_program.clone(),
        ],
        seeds,
    )
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

/// SPL Token's account layout (`spl_token::state::Account::LEN`): mint at 0..32,
/// owner at 32..64, amount at 64..72, state at 108 (0 uninitialized, 1 initialized,
/// 2 frozen), and the tags of its three options (delegate, is_native,
/// close_authority) at 72, 109 and 129 (`[0, 0, 0, 0]` none, `[1, 0, 0, 0]` some).
const TOKEN_ACCOUNT_LEN: usize =
    <anchor_spl::token::spl_token::state::Account as anchor_lang::solana_program::program_pack::Pack>::LEN;
const INITIALIZED: u8 = 1;
const OPTION_TAGS: [usize; 3] = [72, 109, 129];

/// Whether the data of an account the token program owns is a token account of `mint`
/// owned by `owner`, initialized and not frozen, whose balance takes `amount` more
/// without overflowing: `can_take`'s test, read in place. It decides what
/// `Account::unpack` and those four comparisons decide, on every input (the option
/// tags checked as `unpack` checks them), for about 90 CU less on SBF (tested
/// equal below).
pub fn account_takes(data: &[u8], mint: &Pubkey, owner: &Pubkey, amount: u64) -> bool {
    if data.len() != TOKEN_ACCOUNT_LEN || data[108] != INITIALIZED {
        return false;
    }
    if !OPTION_TAGS
        .iter()
        .all(|&t| matches!(data[t..t + 4], [0 | 1, 0, 0, 0]))
    {
        return false;
    }
    let Ok(balance) = <[u8; 8]>::try_from(&data[64..72]) else {
        return false;
    };
    data[0..32] == mint.as_ref()[..]
        && data[32..64] == owner.as_ref()[..]
        && u64::from_le_bytes(balance).checked_add(amount).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::solana_program::program_option::COption;
    use anchor_lang::solana_program::program_pack::Pack;
    use anchor_spl::token::spl_token::state::{Account, AccountState};

    /// What `can_take` decided before: the whole account unpacked.
    fn unpacked(data: &[u8], mint: &Pubkey, owner: &Pubkey, amount: u64) -> bool {
        Account::unpack(data).is_ok_and(|a| {
            a.mint == *mint
                && a.owner == *owner
                && a.state == AccountState::Initialized
                && a.amount.checked_add(amount).is_some()
        })
    }

    #[test]
    fn reads_in_place_what_unpacking_decides() -> core::result::Result<(), ProgramError> {
        let keys: Vec<Pubkey> = (1..=3u8).map(|i| Pubkey::new_from_array([i; 32])).collect();
        let states = [
            AccountState::Uninitialized,
            AccountState::Initialized,
            AccountState::Frozen,
        ];
        let balances = [0, 1, u64::MAX - 5, u64::MAX];
        let (mut checked, mut takes) = (0, 0);
        for (i, &state) in states.iter().enumerate() {
            for &bal in &balances {
                for (j, m) in keys.iter().enumerate() {
                    for o in &keys {
                        let acc = Account {
                            mint: *m,
                            owner: *o,
                            amount: bal,
                            delegate: if j == 1 {
                                COption::Some(keys[2])
                            } else {
                                COption::None
                            },
                            state,
                            is_native: if i == 1 && j == 2 {
                                COption::Some(2_039_280)
                            } else {
                                COption::None
                            },
                            delegated_amount: bal / 2,
                            close_authority: if j == 0 {
                                COption::Some(keys[1])
                            } else {
                                COption::None
                            },
                        };
                        let mut data = vec![0u8; Account::LEN];
                        Account::pack(acc, &mut data)?;
                        for amount in [0, 5, 6, u64::MAX] {
                            let want = unpacked(&data, &keys[0], &keys[1], amount);
                            assert_eq!(
                                account_takes(&data, &keys[0], &keys[1], amount),
                                want,
                                "{acc:?} + {amount}"
                            );
                            takes += usize::from(want);
                            checked += 1;
                            // A forged option tag or state byte (no token program
                            // writes one): refused by both.
                            for (at, byte) in [
                                (72, 2),
                                (73, 1),
                                (75, 1),
                                (109, 2),
                                (112, 1),
                                (129, 7),
                                (132, 1),
                                (108, 3),
                            ] {
                                let mut forged = data.clone();
                                forged[at] = byte;
                                assert_eq!(
                                    account_takes(&forged, &keys[0], &keys[1], amount),
                                    unpacked(&forged, &keys[0], &keys[1], amount),
                                    "{acc:?} with byte {at} = {byte}"
                                );
                                assert!(!account_takes(&forged, &keys[0], &keys[1], amount));
                            }
                            // A byte short or over is no token account, either way.
                            for len in [Account::LEN - 1, Account::LEN + 1] {
                                let mut other = data.clone();
                                other.resize(len, 0);
                                assert!(!account_takes(&other, &keys[0], &keys[1], amount));
                                assert!(!unpacked(&other, &keys[0], &keys[1], amount));
                            }
                        }
                    }
                }
            }
        }
        // Both answers occur: the cases are not all refused.
        assert_eq!(checked, 3 * 4 * 3 * 3 * 4);
        assert!(takes > 0 && takes < checked, "{takes} of {checked}");
        Ok(())
    }
}
