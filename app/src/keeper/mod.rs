//! The keeper: one pass (`pass::run`) that executes due requests, cranks funding,
//! liquidates in batches and deleverages most profitable first, on any [`Venue`]
//! (the chain through [`ChainVenue`]; the backtest's simulation). Its decisions
//! (`decide`) are the program's own engine calls tried on a copy of the state, so
//! the keeper sends only what the program will accept.

pub mod chain;
pub mod decide;
pub mod pass;

pub use chain::ChainVenue;
pub use decide::{accrued, deleverage_order, in_breach, liquidatable, request_action, RequestAction};
pub use pass::{run, LiquidationSummary, Pass, PassConfig, RequestSummary, Venue};

/// Liquidations that fit in one transaction with room to spare (12 measured; see
/// docs/KEEPERS.md).
pub const DEFAULT_BATCH: usize = 8;
