//! One file per instruction: `XArgs`, `#[derive(Accounts)] X`, `handler`.

// Anchor needs every instruction module glob-exported (its generated client
// modules); each module's `handler` is called by path, never through the glob.
#![allow(ambiguous_glob_reexports)]

pub mod admin;
pub mod insurance;
pub mod market_auto_deleverage;
pub mod market_create;
pub mod market_update_funding;
pub mod position_close;
pub mod position_deposit;
pub mod position_liquidate;
pub mod position_open;
pub mod position_settle_funding;
pub mod position_trade;
pub mod position_withdraw;
pub mod vault_deposit;
pub mod vault_request_withdraw;
pub mod vault_withdraw;

pub use admin::*;
pub use insurance::*;
pub use market_auto_deleverage::*;
pub use market_create::*;
pub use market_update_funding::*;
pub use position_close::*;
pub use position_deposit::*;
pub use position_liquidate::*;
pub use position_open::*;
pub use position_settle_funding::*;
pub use position_trade::*;
pub use position_withdraw::*;
pub use vault_deposit::*;
pub use vault_request_withdraw::*;
pub use vault_withdraw::*;
