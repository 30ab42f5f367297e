//! Requests (PROTOCOL section 6a): when one may be executed, who may cancel it when,
//! and which refusals at execution cancel it instead of failing the executor's
//! transaction. The program and the keeper decide with these same functions.

use crate::oracle::OraclePrice;
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

    /// Whether the kind's outcome depends on a price (an unstake's does not).
    pub fn needs_price(self) -> bool {
        self != RequestKind::Unstake
    }
}

/// Whether a request due at `due` can be executed at `now`: from its due time on, for
/// ever (PROTOCOL section 6a: a request never expires; its outcome is fixed by the
/// price of its due time, whenever it is executed).
pub fn check_executable(due: i64, now: i64) -> EngineResult<()> {
    if now < due {
        return Err(EngineError::RequestNotDue);
    }
    Ok(())
}

/// Whether `signer_is_owner` may cancel a request due at `due` at `now`: only its
/// owner, only before its due time, whatever the kind. From the due time on a price
/// for it exists, and a cancel after seeing it would be a free option (invariant 8).
pub fn check_cancellable(signer_is_owner: bool, due: i64, now: i64) -> EngineResult<()> {
    if !signer_is_owner {
        return Err(EngineError::NotRequestOwner);
    }
    if now >= due {
        return Err(EngineError::RequestLocked);
    }
    Ok(())
}

/// The price funding is accrued at when a request executes: the newer of its due-time
/// price and the newest price the market accepted (`last_price` published at
/// `last_publish_time`). An execution long after its due time must not scale the
/// funding of the interval since the last accrual by an old price.
pub fn accrual_price(due_price: &OraclePrice, last_price: u128, last_publish_time: i64) -> u128 {
    if last_price > 0 && last_publish_time > due_price.publish_time {
        last_price
    } else {
        due_price.price
    }
}

/// Whether a refusal at execution cancels the request (with the refusal as its
/// reason, the executor still paid) rather than failing the transaction. Refusals of
/// the request itself at the price of its due time are final, so they cancel: limit
/// price, margin, caps, the net-long rule, pause, reduce-only, settlement, the
/// depositor's minimum hedge ratio, an exit the vault cannot pay now, a confidence
/// interval too wide for the use. Each is a function of the due-time price and the
/// market's state (invariant 8). Whatever depends on what the executor passed (the
/// wrong price update, a wrong account) or on arithmetic fails the transaction and
/// leaves the request pending for a correct execution.
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
            | SharePriceTooLow
            | SkewFeeAboveLimit
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
    fn a_request_is_executable_from_its_due_time_for_ever() {
        assert_eq!(check_executable(100, 99), Err(EngineError::RequestNotDue));
        assert_eq!(check_executable(100, 100), Ok(()));
        assert_eq!(check_executable(100, 100 + 365 * 86_400), Ok(()));
    }

    #[test]
    fn only_the_owner_cancels_and_only_before_the_due_time() {
        assert_eq!(check_cancellable(true, 100, 99), Ok(()));
        for now in [100, 101, 10_000] {
            assert_eq!(check_cancellable(true, 100, now), Err(EngineError::RequestLocked));
        }
        for now in [0, 99, 100, 10_000] {
            assert_eq!(
                check_cancellable(false, 100, now),
                Err(EngineError::NotRequestOwner)
            );
        }
    }

    #[test]
    fn a_late_execution_accrues_funding_at_the_newest_price() {
        let due = OraclePrice {
            price: 100,
            conf: 0,
            publish_time: 1_000,
        };
        // The market has seen a newer price (97 at 1_500): funding uses it.
        assert_eq!(accrual_price(&due, 97, 1_500), 97);
        // Nothing newer: the due time's price.
        assert_eq!(accrual_price(&due, 97, 1_000), 100);
        assert_eq!(accrual_price(&due, 97, 900), 100);
        assert_eq!(accrual_price(&due, 0, 0), 100);
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
