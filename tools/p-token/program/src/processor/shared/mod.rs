//! Shared processor functions.
//!
//! This module contains the shared processor functions that are used by
//! the multiple instruction processors.

pub mod approve;
pub mod burn;
pub mod initialize_account;
pub mod initialize_mint;
pub mod initialize_multisig;
pub mod mint_to;
pub mod toggle_account_state;
pub mod transfer;
