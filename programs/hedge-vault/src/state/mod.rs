//! Accounts owned by the program, one file each.

pub mod insurance_stake;
pub mod market;
pub mod market_config;
pub mod position;
pub mod request;

pub use insurance_stake::*;
pub use market::*;
pub use market_config::*;
pub use position::*;
pub use request::*;
