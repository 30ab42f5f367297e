//! Client library of the hedge vault: addresses, instruction builders (from the
//! program's own types), Pyth decoding, one transport over a JSON-RPC cluster or an
//! embedded bank, account views and keeper decisions computed with the same engine
//! the program uses, and the end-to-end demo.

pub mod backtest;
pub mod chain;
pub mod cli;
pub mod client;
pub mod config;
pub mod defaults;
pub mod demo;
pub mod errors;
pub mod index;
pub mod ix;
pub mod keeper;
pub mod keys;
pub mod pyth;
pub mod reports;
pub mod requests;
pub mod serve;
pub mod units;
