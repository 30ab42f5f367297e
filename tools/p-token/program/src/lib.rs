//! Another ERC20-like Token program for the Solana blockchain.

#![no_std]

mod entrypoint;
mod processor;
