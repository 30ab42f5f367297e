//! Writers for both Pyth account formats, and the real mainnet fixtures.

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use base64::Engine;
use pyth_sdk_solana::state::{AccountType, PriceStatus, SolanaPriceAccount, MAGIC, VERSION_2};
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_account::Account;

/// SOL/USD feed id (shared/fixtures/pyth/README.md).
pub const SOL_USD_FEED_ID: [u8; 32] = [
    0xef, 0x0d, 0x8b, 0x6f, 0xda, 0x2c, 0xeb, 0xa4, 0x1d, 0xa1, 0x5d, 0x40, 0x95, 0xd1, 0xda, 0x39, 0x2a,
    0x0d, 0x2f, 0x8e, 0xd0, 0xc6, 0xc7, 0xbc, 0x0f, 0x4c, 0xfa, 0xc8, 0xc2, 0x80, 0xb5, 0x6d,
];

/// A legacy Pyth price account in `Trading` status.
pub fn legacy_account(price: i64, conf: u64, expo: i32, publish_time: i64) -> Account {
    legacy_account_with_status(price, conf, expo, publish_time, PriceStatus::Trading)
}

/// A legacy Pyth price account with the given aggregate status.
pub fn legacy_account_with_status(
    price: i64,
    conf: u64,
    expo: i32,
    publish_time: i64,
    status: PriceStatus,
) -> Account {
    let mut acc: SolanaPriceAccount = bytemuck::Zeroable::zeroed();
    acc.magic = MAGIC;
    acc.ver = VERSION_2;
    acc.atype = AccountType::Price as u32;
    acc.size = std::mem::size_of::<SolanaPriceAccount>() as u32;
    acc.expo = expo;
    acc.timestamp = publish_time;
    acc.agg.price = price;
    acc.agg.conf = conf;
    acc.agg.status = status;
    acc.agg.pub_slot = 1;
    Account {
        lamports: 1_000_000_000,
        data: bytemuck::bytes_of(&acc).to_vec(),
        owner: hedge_vault::PYTH_ORACLE_PROGRAM,
        executable: false,
        rent_epoch: 0,
    }
}

/// A `PriceUpdateV2` account owned by the Pyth receiver.
pub fn pull_account(
    feed_id: [u8; 32],
    price: i64,
    conf: u64,
    expo: i32,
    publish_time: i64,
    full: bool,
) -> Account {
    let upd = PriceUpdateV2 {
        write_authority: Pubkey::new_unique(),
        verification_level: if full {
            VerificationLevel::Full
        } else {
            VerificationLevel::Partial { num_signatures: 5 }
        },
        price_message: PriceFeedMessage {
            feed_id,
            price,
            conf,
            exponent: expo,
            publish_time,
            prev_publish_time: publish_time - 1,
            ema_price: price,
            ema_conf: conf,
        },
        posted_slot: 1,
    };
    let mut data = Vec::new();
    upd.try_serialize(&mut data).expect("serialize");
    data.resize(PriceUpdateV2::LEN, 0);
    Account {
        lamports: 1_000_000_000,
        data,
        owner: hedge_vault::PYTH_RECEIVER_PROGRAM,
        executable: false,
        rent_epoch: 0,
    }
}

/// A `solana account --output json` dump from shared/fixtures/pyth.
pub fn fixture(name: &str) -> Account {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/pyth")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("fixture json");
    let a = &v["account"];
    let data = base64::engine::general_purpose::STANDARD
        .decode(a["data"][0].as_str().expect("data"))
        .expect("base64");
    Account {
        lamports: a["lamports"].as_u64().unwrap_or(1_000_000_000),
        data,
        owner: a["owner"].as_str().expect("owner").parse().expect("owner pubkey"),
        executable: false,
        rent_epoch: 0,
    }
}
