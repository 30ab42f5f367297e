//! One append-only error enum. Never reorder or remove a variant: clients decode the
//! number. Engine errors map one to one.

use anchor_lang::prelude::*;
use hedge_engine::EngineError;

#[error_code]
pub enum HedgeError {
    #[msg("An intermediate result overflowed")]
    MathOverflow,
    #[msg("Division by zero")]
    DivisionByZero,
    #[msg("Oracle price is zero or negative")]
    OraclePriceNotPositive,
    #[msg("Oracle exponent is outside the supported range [-18, 0]")]
    OracleExponentOutOfRange,
    #[msg("Oracle publish time is in the future")]
    OraclePublishTimeInFuture,
    #[msg("Oracle price is older than the maximum age for this action")]
    OracleStale,
    #[msg("Oracle price is older than the last price the market accepted")]
    OracleOlderThanLast,
    #[msg("Oracle confidence interval is too wide for this action")]
    OracleConfidenceTooWide,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Equity would fall below the initial margin requirement")]
    InsufficientMargin,
    #[msg("Withdrawal exceeds min(margin, equity - initial margin)")]
    WithdrawExceedsFreeMargin,
    #[msg("Position would be below the minimum size")]
    PositionBelowMinimumSize,
    #[msg("Trade would make the vault net long")]
    VaultWouldBeNetLong,
    #[msg("Trade would push traders' net long past the over-hedge cap")]
    OverHedgeCapExceeded,
    #[msg("Trade would exceed the market's open-interest cap")]
    MarketOpenInterestCapExceeded,
    #[msg("Trade would exceed the per-account position cap")]
    AccountOpenInterestCapExceeded,
    #[msg("Position equity is negative: it can only be liquidated")]
    PositionBankrupt,
    #[msg("Vault equity is not positive while shares are outstanding; the market is winding down")]
    VaultEquityNotPositive,
    #[msg("Deposit is too small to mint a share")]
    DepositTooSmall,
    #[msg("Vault hedge ratio after the deposit would be below the requested minimum")]
    HedgeRatioBelowMinimum,
    #[msg("Withdrawal exceeds what can leave the vault now (the log names the largest amount)")]
    WithdrawalExceedsLimit,
    #[msg("Withdrawal pays nothing")]
    WithdrawalTooSmall,
    #[msg("A parameter is outside its allowed range")]
    InvalidParameter,
    #[msg("Account belongs to another market")]
    WrongMarket,
    #[msg("Token account has the wrong mint")]
    WrongMint,
    #[msg("Account is owned by someone else")]
    WrongOwner,
    #[msg("Oracle account is not the market's oracle")]
    WrongOracle,
    #[msg("Oracle account is not owned by the configured Pyth program")]
    WrongOracleOwner,
    #[msg("Oracle account data cannot be decoded")]
    InvalidOracleAccount,
    #[msg("Legacy Pyth price is not in Trading status")]
    OracleNotTrading,
    #[msg("PriceUpdateV2 is not fully verified")]
    OracleNotFullyVerified,
    #[msg("Collateral mint decimals above 9 are not supported")]
    UnsupportedMintDecimals,
    #[msg("Withdrawal delay has not passed yet (no longer returned: see RequestNotDue)")]
    WithdrawalNotReady,
    #[msg("A withdrawal request is already pending (no longer returned: see RequestAlreadyPending)")]
    WithdrawalAlreadyPending,
    #[msg("No withdrawal request is pending (no longer returned)")]
    NoWithdrawalPending,
    #[msg("Position still has size; close it with a trade first")]
    PositionNotEmpty,
    #[msg("Fill price is worse than the limit price")]
    SlippageExceeded,
    #[msg("Signer is not the market admin")]
    Unauthorized,
    #[msg("Token account is not the market's")]
    WrongTokenAccount,
    #[msg("Not enough shares")]
    InsufficientShares,
    #[msg("Not enough tokens in the wallet")]
    InsufficientFunds,
    #[msg("Position is at or above maintenance margin: not liquidatable")]
    PositionHealthy,
    #[msg("Position has no size")]
    PositionEmpty,
    #[msg("Vault equity is above maintenance margin: no auto-deleveraging")]
    VaultNotInBreach,
    #[msg("Auto-deleveraging closes only profitable positions")]
    PositionNotProfitable,
    #[msg("Market is paused: deposits and risk-increasing trades are stopped")]
    MarketPaused,
    #[msg("Market is reduce-only while the vault is below initial margin")]
    MarketReduceOnly,
    #[msg("Market is settled: only closing and withdrawals are allowed")]
    MarketSettled,
    #[msg("The timelock delay has not passed")]
    TimelockNotElapsed,
    #[msg("No proposal is pending")]
    NoPendingProposal,
    #[msg("Signer is neither the guardian nor the admin")]
    NotGuardian,
    #[msg("Signer is not the proposed admin")]
    NotPendingAdmin,
    #[msg("The oracle is still live: settlement needs it dead past the settlement timeout")]
    FeedNotDead,
    #[msg("The unstake cooldown has not passed (no longer returned: see RequestNotDue)")]
    UnstakeNotReady,
    #[msg("No unstake request is pending (no longer returned)")]
    NoUnstakePending,
    #[msg("An unstake request is already pending (no longer returned: see RequestAlreadyPending)")]
    UnstakeAlreadyPending,
    #[msg("Not enough insurance shares")]
    InsufficientInsuranceShares,
    #[msg("The price was published before the request's due time")]
    OraclePublishedBeforeDueTime,
    #[msg("The price update is not the first one published at or after the request's due time")]
    OracleNotUniqueForDueTime,
    #[msg("The vault does not hold enough tokens to pay this gain now; auto-deleveraging is due")]
    VaultInsufficientCollateral,
    #[msg("Auto-deleveraging closes only positions on the side of the traders' net position")]
    DeleverageWrongSide,
    #[msg("The trade would grow open interest past what the insurance fund covers on a stress move")]
    InsuranceCapacityExceeded,
    #[msg("The request's due time has not come")]
    RequestNotDue,
    #[msg("Requests no longer expire (no longer returned)")]
    RequestExpired,
    #[msg("From its due time on this request can only be executed, never cancelled")]
    RequestLocked,
    #[msg("Only the request's owner may cancel it")]
    NotRequestOwner,
    #[msg("A request of this kind is already pending for this owner and market")]
    RequestAlreadyPending,
    #[msg("The request is of another kind")]
    WrongRequestKind,
    #[msg("The position has pending requests; execute or cancel them first")]
    PositionHasPendingRequests,
    #[msg("Neither the feed nor the market has a positive last price to settle at")]
    SettlementPriceUnknown,
    #[msg("The collateral mint has a freeze authority; create with accept_freeze_authority to accept it")]
    MintHasFreezeAuthority,
    #[msg("A market needs a seed insurance stake from its creator")]
    InsuranceSeedRequired,
    #[msg("The timelock delay can only be lengthened at once; shorten it through the timelock")]
    TimelockNotLonger,
    #[msg("The price-feed account is not the feed's sponsored Pyth account")]
    WrongPriceFeedAccount,
    #[msg("The confirmation update is not the first one published at or after the liquidation price's time minus the confirmation delay")]
    ConfirmationNotUnique,
    #[msg("The confirmation update must be published before the liquidation price")]
    ConfirmationNotEarlier,
    #[msg("Not liquidatable (or the vault not in breach) at the confirmation price: a move shorter than the confirmation delay does not liquidate")]
    LiquidationNotConfirmed,
    #[msg("This request account holds an unclaimed payment: claim it first (hedge request claim)")]
    ClaimPending,
    #[msg("The request holds no claim")]
    NothingToClaim,
    #[msg("A token account to receive the claim is missing")]
    ClaimAccountMissing,
    #[msg("No settlement is pending")]
    NoSettlementPending,
    #[msg("The vault's equity per share is too small to price this deposit (it would mint more shares than the mint can hold): refunded")]
    SharePriceTooLow,
    #[msg("The skew potential's fee is above the bound the request set: cancelled, returned")]
    SkewFeeAboveLimit,
    #[msg(
        "The request has ended (executed, refused or cancelled); a payment it holds is its owner's to claim"
    )]
    RequestNotPending,
    #[msg(
        "The market's token accounts hold less than its ledgers say (the invariant checked at the end of every handler that moves tokens)"
    )]
    LedgerInvariant,
    #[msg(
        "Not an address of this program waiting for its account (its seeds, the system program's, without data, with lamports)"
    )]
    AddressNotReleasable,
}

impl From<EngineError> for HedgeError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::MathOverflow => HedgeError::MathOverflow,
            EngineError::DivisionByZero => HedgeError::DivisionByZero,
            EngineError::OraclePriceNotPositive => HedgeError::OraclePriceNotPositive,
            EngineError::OracleExponentOutOfRange => HedgeError::OracleExponentOutOfRange,
            EngineError::OraclePublishTimeInFuture => HedgeError::OraclePublishTimeInFuture,
            EngineError::OracleStale => HedgeError::OracleStale,
            EngineError::OracleOlderThanLast => HedgeError::OracleOlderThanLast,
            EngineError::OracleConfidenceTooWide => HedgeError::OracleConfidenceTooWide,
            EngineError::ZeroAmount => HedgeError::ZeroAmount,
            EngineError::InsufficientMargin => HedgeError::InsufficientMargin,
            EngineError::PositionBelowMinimumSize => HedgeError::PositionBelowMinimumSize,
            EngineError::VaultWouldBeNetLong => HedgeError::VaultWouldBeNetLong,
            EngineError::OverHedgeCapExceeded => HedgeError::OverHedgeCapExceeded,
            EngineError::MarketOpenInterestCapExceeded => HedgeError::MarketOpenInterestCapExceeded,
            EngineError::AccountOpenInterestCapExceeded => HedgeError::AccountOpenInterestCapExceeded,
            EngineError::PositionBankrupt => HedgeError::PositionBankrupt,
            EngineError::VaultEquityNotPositive => HedgeError::VaultEquityNotPositive,
            EngineError::DepositTooSmall => HedgeError::DepositTooSmall,
            EngineError::HedgeRatioBelowMinimum => HedgeError::HedgeRatioBelowMinimum,
            EngineError::InvalidParameter => HedgeError::InvalidParameter,
            EngineError::PositionHealthy => HedgeError::PositionHealthy,
            EngineError::PositionEmpty => HedgeError::PositionEmpty,
            EngineError::VaultNotInBreach => HedgeError::VaultNotInBreach,
            EngineError::PositionNotProfitable => HedgeError::PositionNotProfitable,
            EngineError::OraclePublishedBeforeDueTime => HedgeError::OraclePublishedBeforeDueTime,
            EngineError::OracleNotUniqueForDueTime => HedgeError::OracleNotUniqueForDueTime,
            EngineError::VaultInsufficientCollateral => HedgeError::VaultInsufficientCollateral,
            EngineError::SlippageExceeded => HedgeError::SlippageExceeded,
            EngineError::DeleverageWrongSide => HedgeError::DeleverageWrongSide,
            EngineError::WithdrawalTooSmall => HedgeError::WithdrawalTooSmall,
            EngineError::InsuranceCapacityExceeded => HedgeError::InsuranceCapacityExceeded,
            EngineError::MarketPaused => HedgeError::MarketPaused,
            EngineError::MarketReduceOnly => HedgeError::MarketReduceOnly,
            EngineError::MarketSettled => HedgeError::MarketSettled,
            EngineError::PositionNotEmpty => HedgeError::PositionNotEmpty,
            EngineError::WithdrawExceedsFreeMargin => HedgeError::WithdrawExceedsFreeMargin,
            EngineError::RequestNotDue => HedgeError::RequestNotDue,
            EngineError::RequestLocked => HedgeError::RequestLocked,
            EngineError::NotRequestOwner => HedgeError::NotRequestOwner,
            EngineError::ConfirmationNotUnique => HedgeError::ConfirmationNotUnique,
            EngineError::ConfirmationNotEarlier => HedgeError::ConfirmationNotEarlier,
            EngineError::LiquidationNotConfirmed => HedgeError::LiquidationNotConfirmed,
            EngineError::SharePriceTooLow => HedgeError::SharePriceTooLow,
            EngineError::SkewFeeAboveLimit => HedgeError::SkewFeeAboveLimit,
        }
    }
}

impl HedgeError {
    /// The number clients see (`6000 + index`).
    pub fn code(self) -> u32 {
        anchor_lang::error::ERROR_CODE_OFFSET + self as u32
    }
}

/// Converts an engine result into a program result with the named error.
pub trait EngineResultExt<T> {
    /// Maps the engine error to its program error.
    fn named(self) -> Result<T>;
}

impl<T> EngineResultExt<T> for core::result::Result<T, EngineError> {
    #[track_caller]
    fn named(self) -> Result<T> {
        self.map_err(|e| {
            let loc = core::panic::Location::caller();
            msg!("engine error {:?} at {}:{}", e, loc.file(), loc.line());
            error!(HedgeError::from(e))
        })
    }
}
