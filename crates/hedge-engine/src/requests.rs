//! Requests (PROTOCOL section 6a): when one may be executed, who may cancel it when,
//! and which refusals at execution cancel it instead of failing the executor's
//! transaction. The program and the keeper decide with these same functions.

use crate::math::SafeMath;
use crate::{EngineError, EngineResult};

/// What a request asks for. The discriminant is part of the request's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RequestKind {
    /// A vault deposit (tokens escrowed).
    Deposit = 0,
    /// A vault withdrawal (shares escrowed).
    Withdraw = 1,
    /// A trade (an order with a limit price).
    Trade = 2,
    /// A margin withdrawal.
    MarginWithdraw = 3,
    /// An insurance unstake (shares locked).
    Unstake = 4,
}

impl RequestKind {
    /// Every kind, in discriminant order.
    pub const ALL: [RequestKind; 5] = [
        RequestKind::Deposit,
        RequestKind::Withdraw,
        RequestKind::Trade,
        RequestKind::MarginWithdraw,
        RequestKind::Unstake,
    ];

    /// The kind of a discriminant.
    pub fn from_u8(k: u8) -> Option<Self> {
        Self::ALL.get(usize::from(k)).copied()
    }

    /// Kinds whose owner may cancel at any time: the payout is capped at the value at
    /// request, so cancelling after seeing the due time's price gains nothing.
    pub fn owner_cancels_any_time(self) -> bool {
        matches!(self, RequestKind::Withdraw | RequestKind::Unstake)
    }
}

/// Whether a request due at `due` can be executed at `now`: from the due time to the
/// end of the execution window.
pub fn check_executable(due: i64, window: u32, now: i64) -> EngineResult<()> {
    if now < due {
        return Err(EngineError::RequestNotDue);
    }
    if now > due.add_c(i64::from(window))? {
        return Err(EngineError::RequestExpired);
    }
    Ok(())
}

/// Whether the request can be cancelled at `now`, by its owner or by someone else.
/// Anyone may cancel after the execution window (everything goes back to the owner).
/// The owner may also cancel before the due time (before any price for it exists),
/// and a withdrawal or unstake at any time; between the due time and the end of the
/// window a deposit, trade or margin withdrawal can only be executed: cancelling it
/// after seeing the price would be a free option.
pub fn check_cancellable(
    kind: RequestKind,
    by_owner: bool,
    due: i64,
    window: u32,
    now: i64,
) -> EngineResult<()> {
    let expired = now > due.add_c(i64::from(window))?;
    let ok = expired || (by_owner && (kind.owner_cancels_any_time() || now < due));
    if ok {
        Ok(())
    } else if by_owner {
        Err(EngineError::RequestLocked)
    } else {
        Err(EngineError::RequestNotExpired)
    }
}

/// Whether a refusal at execution cancels the request (with the refusal as its
/// reason, the executor still paid) rather than failing the transaction. Refusals of
/// the request itself at the price of its due time are final, so they cancel: limit
/// price, margin, caps, the net-long rule, pause, reduce-only, settlement, the
/// depositor's minimum hedge ratio, an exit the vault cannot pay now, a confidence
/// interval too wide for the use. Whatever depends on what the executor passed (the
/// wrong price update, a wrong account) or on arithmetic fails the transaction and
/// leaves the request for a correct execution or, after the window, a cancel.
pub fn cancels_request(e: EngineError) -> bool {
    use EngineError::*;
    matches!(
        e,
        ZeroAmount
            | InsufficientMargin
            | PositionBelowMinimumSize
            | VaultWouldBeNetLong
            | OverHedgeCapExceeded
            | MarketOpenInterestCapExceeded
            | AccountOpenInterestCapExceeded
            | InsuranceCapacityExceeded
            | PositionBankrupt
            | VaultEquityNotPositive
            | DepositTooSmall
            | HedgeRatioBelowMinimum
            | SlippageExceeded
            | MarketPaused
            | MarketReduceOnly
            | MarketSettled
            | WithdrawExceedsFreeMargin
            | WithdrawalTooSmall
            | VaultInsufficientCollateral
            | OracleConfidenceTooWide
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_happens_between_the_due_time_and_the_end_of_the_window() {
        assert_eq!(check_executable(100, 30, 99), Err(EngineError::RequestNotDue));
        assert_eq!(check_executable(100, 30, 100), Ok(()));
        assert_eq!(check_executable(100, 30, 130), Ok(()));
        assert_eq!(check_executable(100, 30, 131), Err(EngineError::RequestExpired));
    }

    #[test]
    fn cancellation_rules_leave_no_free_option() {
        use RequestKind::*;
        for kind in [Deposit, Trade, MarginWithdraw] {
            assert_eq!(check_cancellable(kind, true, 100, 30, 99), Ok(()));
            assert_eq!(
                check_cancellable(kind, true, 100, 30, 100),
                Err(EngineError::RequestLocked)
            );
            assert_eq!(
                check_cancellable(kind, true, 100, 30, 130),
                Err(EngineError::RequestLocked)
            );
            assert_eq!(check_cancellable(kind, true, 100, 30, 131), Ok(()));
        }
        for kind in [Withdraw, Unstake] {
            for now in [0, 100, 130, 131] {
                assert_eq!(check_cancellable(kind, true, 100, 30, now), Ok(()));
            }
        }
        for kind in RequestKind::ALL {
            assert_eq!(
                check_cancellable(kind, false, 100, 30, 99),
                Err(EngineError::RequestNotExpired)
            );
            assert_eq!(
                check_cancellable(kind, false, 100, 30, 130),
                Err(EngineError::RequestNotExpired)
            );
            assert_eq!(check_cancellable(kind, false, 100, 30, 131), Ok(()));
        }
    }

    #[test]
    fn kinds_round_trip_and_refusals_are_classified() {
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::from_u8(k as u8), Some(k));
        }
        assert_eq!(RequestKind::from_u8(5), None);
        assert!(cancels_request(EngineError::SlippageExceeded));
        assert!(cancels_request(EngineError::MarketPaused));
        assert!(!cancels_request(EngineError::OracleNotUniqueForDueTime));
        assert!(!cancels_request(EngineError::MathOverflow));
    }
}
