//! The market's ledger invariant, checked at the end of every handler that moves
//! tokens (as Squads v4 checks an `invariant()` at the end of every mutating handler):
//! the collateral token account holds at least everything the ledgers say it holds
//! (`C`, every position's margin, the deposits in escrow, the claims, the skew ledger
//! `K` and what is owed to the longs), the insurance token account at least the fund;
//! the skew ledger is what it collected less what it rebated and released, and the
//! fund's locked income is part of the fund. "At least": anyone can send tokens to a
//! token account; nobody can take them out but the program. A handler that would end
//! with less fails with `LedgerInvariant` and changes nothing.

use anchor_lang::prelude::*;

use crate::error::HedgeError;
use crate::state::Market;

/// The `amount` of an SPL token account (bytes 64..72), read after the token
/// program's CPIs have written it.
fn token_amount(account: &AccountInfo) -> Result<u64> {
    let data = account.try_borrow_data()?;
    let bytes = data
        .get(64..72)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .ok_or(HedgeError::WrongTokenAccount)?;
    Ok(u64::from_le_bytes(bytes))
}

/// Checks the invariant (see the module's documentation) against the market's token
/// accounts the instruction has.
pub fn check(
    m: &Market,
    collateral_vault: Option<&AccountInfo>,
    insurance_vault: Option<&AccountInfo>,
) -> Result<()> {
    let owed = i128::from(m.collateral)
        .checked_add(m.total_margin)
        .and_then(|x| x.checked_add(i128::from(m.escrowed_deposits)))
        .and_then(|x| x.checked_add(i128::from(m.claimable_tokens)))
        .and_then(|x| x.checked_add(i128::from(m.skew_ledger)))
        .and_then(|x| x.checked_add(i128::from(m.wait_owed)))
        .ok_or(HedgeError::MathOverflow)?;
    if let Some(cv) = collateral_vault {
        require!(i128::from(token_amount(cv)?) >= owed, HedgeError::LedgerInvariant);
    }
    if let Some(iv) = insurance_vault {
        require!(token_amount(iv)? >= m.insurance, HedgeError::LedgerInvariant);
    }
    require!(
        m.skew_collected
            .checked_sub(m.skew_rebated)
            .and_then(|x| x.checked_sub(m.skew_released))
            == Some(u128::from(m.skew_ledger)),
        HedgeError::LedgerInvariant
    );
    require!(m.insurance_locked <= m.insurance, HedgeError::LedgerInvariant);
    Ok(())
}
