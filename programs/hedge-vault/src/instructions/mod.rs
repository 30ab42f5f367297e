//! One file per instruction: `XArgs`, `#[derive(Accounts)] X`, `handler` (the admin
//! and insurance instructions, which share account shapes, one file each).

// Anchor needs every instruction module glob-exported (its generated client
// modules); each module's `handler` is called by path, never through the glob.
#![allow(ambiguous_glob_reexports)]

pub mod address_release;
pub mod admin;
pub mod insurance;
pub mod market_auto_deleverage;
pub mod market_create;
pub mod market_update_funding;
pub mod position_cancel_request;
pub mod position_close;
pub mod position_deposit;
pub mod position_execute_trade;
pub mod position_execute_withdraw;
pub mod position_liquidate;
pub mod position_open;
pub mod position_request_trade;
pub mod position_request_withdraw;
pub mod position_settle_funding;
pub mod request_claim;
pub mod vault_cancel_deposit;
pub mod vault_cancel_withdraw;
pub mod vault_execute_deposit;
pub mod vault_execute_withdraw;
pub mod vault_request_deposit;
pub mod vault_request_withdraw;

pub use address_release::*;
pub use admin::*;
pub use insurance::*;
pub use market_auto_deleverage::*;
pub use market_create::*;
pub use market_update_funding::*;
pub use position_cancel_request::*;
pub use position_close::*;
pub use position_deposit::*;
pub use position_execute_trade::*;
pub use position_execute_withdraw::*;
pub use position_liquidate::*;
pub use position_open::*;
pub use position_request_trade::*;
pub use position_request_withdraw::*;
pub use position_settle_funding::*;
pub use request_claim::*;
pub use vault_cancel_deposit::*;
pub use vault_cancel_withdraw::*;
pub use vault_execute_deposit::*;
pub use vault_execute_withdraw::*;
pub use vault_request_deposit::*;
pub use vault_request_withdraw::*;
