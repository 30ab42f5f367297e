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
use crate::token_util::token_amount;

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A token account's bytes holding `amount` (only bytes 64..72 are read).
    fn token_data(amount: u64) -> Vec<u8> {
        let mut d = vec![0u8; 165];
        d[64..72].copy_from_slice(&amount.to_le_bytes());
        d
    }

    fn with_account<R>(amount: u64, f: impl FnOnce(&AccountInfo) -> R) -> R {
        let (key, owner) = (Pubkey::new_unique(), anchor_spl::token::ID);
        let mut lamports = 0u64;
        let mut data = token_data(amount);
        let ai = AccountInfo::new(&key, false, true, &mut lamports, &mut data, &owner, false);
        f(&ai)
    }

    fn market() -> Market {
        let mut m: Market = bytemuck::Zeroable::zeroed();
        m.collateral = 1_000;
        m.total_margin = -200; // a position in debt
        m.escrowed_deposits = 50;
        m.claimable_tokens = 7;
        m.skew_ledger = 30;
        m.skew_collected = 45;
        m.skew_rebated = 10;
        m.skew_released = 5;
        m.wait_owed = 3;
        m.insurance = 400;
        m.insurance_locked = 100;
        m
    }

    fn code(r: Result<()>) -> Option<u32> {
        match r {
            Ok(()) => None,
            Err(anchor_lang::error::Error::AnchorError(e)) => Some(e.error_code_number),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn holds_with_exactly_the_ledgers_and_with_a_donation() {
        // 1,000 - 200 + 50 + 7 + 30 + 3 = 890.
        let m = market();
        for extra in [0, 1, 1_000_000] {
            let r = with_account(890 + extra, |c| {
                with_account(400 + extra, |i| check(&m, Some(c), Some(i)))
            });
            assert_eq!(code(r), None);
        }
    }

    #[test]
    fn a_token_short_of_any_ledger_is_refused() {
        let m = market();
        let lie = HedgeError::LedgerInvariant.code();
        assert_eq!(code(with_account(889, |c| check(&m, Some(c), None))), Some(lie));
        assert_eq!(code(with_account(399, |i| check(&m, None, Some(i)))), Some(lie));
        let mut k = market();
        k.skew_released = 6; // K != collected - rebated - released
        assert_eq!(code(check(&k, None, None)), Some(lie));
        let mut l = market();
        l.insurance_locked = 401; // locked income above the fund
        assert_eq!(code(check(&l, None, None)), Some(lie));
    }
}
