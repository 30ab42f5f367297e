//! Pyth account writers and the real mainnet fixtures, from the client library.

pub use hedge_client::pyth::{
    legacy_account, legacy_account_with_status, pull_account, pull_update, PullUpdate,
};
use solana_account::Account;

/// SOL/USD feed id (tests/fixtures/pyth/README.md).
pub const SOL_USD_FEED_ID: [u8; 32] = [
    0xef, 0x0d, 0x8b, 0x6f, 0xda, 0x2c, 0xeb, 0xa4, 0x1d, 0xa1, 0x5d, 0x40, 0x95, 0xd1, 0xda, 0x39, 0x2a,
    0x0d, 0x2f, 0x8e, 0xd0, 0xc6, 0xc7, 0xbc, 0x0f, 0x4c, 0xfa, 0xc8, 0xc2, 0x80, 0xb5, 0x6d,
];

/// A `solana account --output json` dump from `tests/fixtures/pyth`.
pub fn fixture(name: &str) -> Account {
    let path = std::path::PathBuf::from(manifest_dir())
        .join("fixtures/pyth")
        .join(name);
    hedge_client::pyth::read_account_json(&path)
        .unwrap_or_else(|e| panic!("{e:#}"))
        .1
}

/// This crate's directory in the checkout being tested: cargo sets it for the test
/// process. (The compile-time value names whichever checkout first built the binary
/// into a shared target directory.)
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}
