//! Pure risk engine of the hedge vault.
//!
//! Every formula of `docs/PROTOCOL.md` lives here once, as a pure function of
//! its inputs (prices and `now` included), and is used by the on-chain program, the
//! keeper and the backtests alike. No Solana or Anchor dependency, `no_std`, integer
//! fixed point only, checked arithmetic, rounding always in the protocol's favour.
//!
//! Units (see docs/RISK.md for the full table):
//! - token amounts: native units of the market's mint (`u64` / `i64`), "tokens";
//! - prices: USD per *whole* token, scaled by [`PRICE_PRECISION`] (1e18);
//! - USD amounts ("quote"): scaled by [`QUOTE_PRECISION`] (1e18);
//! - ratios (margins, fees, hedge ratio, caps on ratios): [`RATIO_PRECISION`] (1e6);
//! - funding rates: fraction of notional per day, [`FUNDING_RATE_PRECISION`] (1e12);
//! - funding index: cumulative USD per whole token, [`FUNDING_INDEX_PRECISION`] (1e27).
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

pub mod constants;
#[cfg(test)]
mod cu_equivalence;
#[cfg(test)]
mod cu_equivalence_pull;
pub mod error;
pub mod funding;
pub mod liquidation;
pub mod market;
pub mod math;
pub mod oracle;
pub mod params;
pub mod position;
pub mod pyth;
pub mod requests;
pub mod skew;
pub mod vault;

pub use constants::*;
pub use error::EngineError;

/// Result type of every fallible engine function.
pub type EngineResult<T> = core::result::Result<T, EngineError>;
