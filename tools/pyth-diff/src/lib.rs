//! Both sides of the differential test of the engine's Pyth decoders
//! (`hedge_engine::pyth`): what the official SDKs (pyth-sdk-solana 0.10.6 for the
//! legacy price account, pyth-solana-receiver-sdk 2.0.0 for the pull oracle's
//! `PriceUpdateV2`) read from the same bytes, in the engine's terms, and the
//! repository's real mainnet accounts (`tests/fixtures/pyth`).

use anchor_lang::AccountDeserialize;
use hedge_engine::pyth::{decode_legacy_price, PriceUpdateV2, VerificationLevel};
use pyth_sdk_solana::state::load_price_account;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2 as SdkUpdate, VerificationLevel as SdkLevel};

/// A legacy aggregate as both sides read it: price, conf, expo, timestamp, status.
pub type Legacy = (i64, u64, i32, i64, u8);

/// `data` copied into 8-byte-aligned memory: the SDK casts the bytes in place
/// (bytemuck), which needs the alignment a real account buffer has.
fn aligned(data: &[u8]) -> Vec<u64> {
    let mut a = vec![0u64; data.len().div_ceil(8)];
    bytemuck::cast_slice_mut::<u64, u8>(&mut a)[..data.len()].copy_from_slice(data);
    a
}

/// What pyth-sdk-solana reads from a legacy price account, if it accepts it. The
/// SDK reads the status as a one-byte enum (a value it does not define would be
/// undefined behaviour in the cast): such bytes are not given to it.
pub fn sdk_legacy(data: &[u8]) -> Option<Legacy> {
    if data.len() >= 225 && data[224] > 4 {
        return None;
    }
    let a = aligned(data);
    let bytes = &bytemuck::cast_slice::<u64, u8>(&a)[..data.len()];
    let acc = load_price_account::<32, ()>(bytes).ok()?;
    Some((
        acc.agg.price,
        acc.agg.conf,
        acc.expo,
        acc.timestamp,
        acc.agg.status as u8,
    ))
}

/// What the engine reads from a legacy price account, if it accepts it.
pub fn ours_legacy(data: &[u8]) -> Option<Legacy> {
    let p = decode_legacy_price(data).ok()?;
    Some((
        p.raw.price,
        p.raw.conf,
        p.raw.expo,
        p.raw.publish_time,
        p.status.to_u32() as u8,
    ))
}

/// What pyth-solana-receiver-sdk reads from a `PriceUpdateV2`, in the engine's
/// struct, if it accepts it (Anchor's discriminator check, then borsh).
pub fn sdk_pull(data: &[u8]) -> Option<PriceUpdateV2> {
    let u = SdkUpdate::try_deserialize(&mut &data[..]).ok()?;
    let m = u.price_message;
    Some(PriceUpdateV2 {
        write_authority: u.write_authority.to_bytes(),
        verification_level: match u.verification_level {
            SdkLevel::Full => VerificationLevel::Full,
            SdkLevel::Partial { num_signatures } => VerificationLevel::Partial { num_signatures },
        },
        feed_id: m.feed_id,
        price: m.price,
        conf: m.conf,
        exponent: m.exponent,
        publish_time: m.publish_time,
        prev_publish_time: m.prev_publish_time,
        ema_price: m.ema_price,
        ema_conf: m.ema_conf,
        posted_slot: u.posted_slot,
    })
}

/// The data of the repository's account dump `name` (`solana account --output json`).
pub fn fixture(name: &str) -> Vec<u8> {
    use base64::Engine;
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/pyth")
        .join(name);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    let b64 = v["account"]["data"][0].as_str().unwrap();
    base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
}
