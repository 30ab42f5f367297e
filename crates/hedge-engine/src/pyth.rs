//! The two Pyth account layouts the program reads, as bytes: the legacy price account
//! of the Pyth oracle program and the pull oracle's `PriceUpdateV2` (an Anchor account
//! of the Pyth receiver). Decoders for the program and the client, writers for the
//! embedded chain and the tests; one definition of each offset.
//!
//! Only the layout is checked here (length, magic, version, account type,
//! discriminator, enum tags). Who owns the account, which feed it is and whether its
//! price may be used are the program's and [`crate::oracle`]'s checks.
//!
//! The layouts are Pyth's, and the tests pin them against real mainnet accounts
//! (`tests/fixtures/pyth`). Every read is bounds-checked little-endian: no alignment
//! is assumed (a zero-copy cast of an unaligned buffer would not be sound).

use crate::oracle::RawPrice;

/// Why bytes are not a Pyth account of the expected layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PythLayoutError {
    /// Fewer bytes than the layout needs.
    TooShort { len: usize, need: usize },
    /// A legacy account whose magic number is not Pyth's.
    BadMagic(u32),
    /// A legacy account of another layout version.
    BadVersion(u32),
    /// A legacy account that is not a price account (mapping, product, ...).
    NotPriceAccount(u32),
    /// Not a `PriceUpdateV2`: the Anchor discriminator differs.
    BadDiscriminator([u8; 8]),
    /// A `PriceUpdateV2` whose verification level tag is neither 0 nor 1.
    BadVerificationLevel(u8),
}

impl core::fmt::Display for PythLayoutError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TooShort { len, need } => write!(f, "{len} bytes, the layout needs {need}"),
            Self::BadMagic(m) => write!(f, "magic {m:#010x} is not Pyth's {LEGACY_MAGIC:#010x}"),
            Self::BadVersion(v) => write!(f, "layout version {v}, expected {LEGACY_VERSION}"),
            Self::NotPriceAccount(t) => {
                write!(f, "account type {t} is not a price account ({LEGACY_TYPE_PRICE})")
            }
            Self::BadDiscriminator(_) => write!(f, "the discriminator is not PriceUpdateV2's"),
            Self::BadVerificationLevel(t) => write!(f, "verification level tag {t} is neither 0 nor 1"),
        }
    }
}

// ---------------------------------------------------------------------------------
// Legacy price account (Pyth oracle program, `pc_price_t` in Pyth's C headers).
// ---------------------------------------------------------------------------------

/// `magic` of every legacy Pyth account.
pub const LEGACY_MAGIC: u32 = 0xa1b2_c3d4;
/// The layout version every legacy price account has carried since 2021.
pub const LEGACY_VERSION: u32 = 2;
/// `atype` of a price account (0 unknown, 1 mapping, 2 product, 3 price).
pub const LEGACY_TYPE_PRICE: u32 = 3;
/// A price account with its 32 publisher slots: a header of 240 bytes and 32
/// components of 96. Accounts may be longer (extensions after the components).
pub const LEGACY_PRICE_ACCOUNT_LEN: usize = 240 + 32 * 96;

/// Byte offsets in a legacy price account.
pub mod legacy_offset {
    pub const MAGIC: usize = 0;
    pub const VERSION: usize = 4;
    pub const ACCOUNT_TYPE: usize = 8;
    pub const SIZE: usize = 12;
    pub const EXPO: usize = 20;
    /// Unix time of the aggregate (`timestamp`).
    pub const TIMESTAMP: usize = 96;
    /// The aggregate price: price `i64`, conf `u64`, status `u32`, corporate action
    /// `u32`, publish slot `u64`.
    pub const AGG_PRICE: usize = 208;
    pub const AGG_CONF: usize = 216;
    pub const AGG_STATUS: usize = 224;
    pub const AGG_PUB_SLOT: usize = 232;
}

/// Status of a legacy aggregate. Only [`LegacyStatus::Trading`] prices are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyStatus {
    Unknown,
    Trading,
    Halted,
    Auction,
    Ignored,
    /// A value Pyth does not define (never `Trading`).
    Other(u32),
}

impl LegacyStatus {
    pub fn from_u32(v: u32) -> Self {
        match v {
            0 => Self::Unknown,
            1 => Self::Trading,
            2 => Self::Halted,
            3 => Self::Auction,
            4 => Self::Ignored,
            v => Self::Other(v),
        }
    }

    pub fn to_u32(self) -> u32 {
        match self {
            Self::Unknown => 0,
            Self::Trading => 1,
            Self::Halted => 2,
            Self::Auction => 3,
            Self::Ignored => 4,
            Self::Other(v) => v,
        }
    }
}

/// The aggregate of a legacy price account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegacyPrice {
    /// Aggregate price, confidence, exponent and `timestamp` as publish time.
    pub raw: RawPrice,
    pub status: LegacyStatus,
}

/// Decodes a legacy price account's aggregate, checking its length, magic, version
/// and account type. The status is returned, not judged: the program uses only
/// `Trading` prices, but reads any status's publish time to tell a dead feed.
pub fn decode_legacy_price(data: &[u8]) -> Result<LegacyPrice, PythLayoutError> {
    use legacy_offset as o;
    need(data, LEGACY_PRICE_ACCOUNT_LEN)?;
    let magic = u32_at(data, o::MAGIC);
    if magic != LEGACY_MAGIC {
        return Err(PythLayoutError::BadMagic(magic));
    }
    let version = u32_at(data, o::VERSION);
    if version != LEGACY_VERSION {
        return Err(PythLayoutError::BadVersion(version));
    }
    let atype = u32_at(data, o::ACCOUNT_TYPE);
    if atype != LEGACY_TYPE_PRICE {
        return Err(PythLayoutError::NotPriceAccount(atype));
    }
    Ok(LegacyPrice {
        raw: RawPrice {
            price: i64_at(data, o::AGG_PRICE),
            conf: u64_at(data, o::AGG_CONF),
            expo: i32_at(data, o::EXPO),
            publish_time: i64_at(data, o::TIMESTAMP),
        },
        status: LegacyStatus::from_u32(u32_at(data, o::AGG_STATUS)),
    })
}

/// A legacy price account holding `p` (every other field zero, no publishers, the
/// aggregate's publish slot 1): for the embedded chain and the tests.
pub fn write_legacy_price(p: &LegacyPrice) -> [u8; LEGACY_PRICE_ACCOUNT_LEN] {
    use legacy_offset as o;
    let mut d = [0u8; LEGACY_PRICE_ACCOUNT_LEN];
    put(&mut d, o::MAGIC, &LEGACY_MAGIC.to_le_bytes());
    put(&mut d, o::VERSION, &LEGACY_VERSION.to_le_bytes());
    put(&mut d, o::ACCOUNT_TYPE, &LEGACY_TYPE_PRICE.to_le_bytes());
    put(&mut d, o::SIZE, &(LEGACY_PRICE_ACCOUNT_LEN as u32).to_le_bytes());
    put(&mut d, o::EXPO, &p.raw.expo.to_le_bytes());
    put(&mut d, o::TIMESTAMP, &p.raw.publish_time.to_le_bytes());
    put(&mut d, o::AGG_PRICE, &p.raw.price.to_le_bytes());
    put(&mut d, o::AGG_CONF, &p.raw.conf.to_le_bytes());
    put(&mut d, o::AGG_STATUS, &p.status.to_u32().to_le_bytes());
    put(&mut d, o::AGG_PUB_SLOT, &1u64.to_le_bytes());
    d
}

// ---------------------------------------------------------------------------------
// PriceUpdateV2 (Pyth receiver program, Anchor account, Borsh-encoded).
// ---------------------------------------------------------------------------------

/// Anchor's discriminator of `PriceUpdateV2`: `sha256("account:PriceUpdateV2")[..8]`.
pub const PRICE_UPDATE_V2_DISCRIMINATOR: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];
/// The account's allocated length: room for the longer verification level
/// (`Partial`, 2 bytes); a `Full` update leaves the last byte zero.
pub const PRICE_UPDATE_V2_LEN: usize = PARTIAL_MESSAGE_AT + update_offset::END;
/// Offset of the feed id in a `Full` update (discriminator 8, write authority 32,
/// verification level 1): where a `memcmp` filter finds a feed's updates.
pub const PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET: usize = FULL_MESSAGE_AT;

/// How many Wormhole guardian signatures the receiver checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerificationLevel {
    Partial { num_signatures: u8 },
    Full,
}

/// A decoded `PriceUpdateV2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceUpdateV2 {
    pub write_authority: [u8; 32],
    pub verification_level: VerificationLevel,
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    /// The feed's previous update's publish time: this update is the unique one of
    /// every time in `(prev_publish_time, publish_time]`.
    pub prev_publish_time: i64,
    pub ema_price: i64,
    pub ema_conf: u64,
    pub posted_slot: u64,
}

impl PriceUpdateV2 {
    pub fn raw(&self) -> RawPrice {
        RawPrice {
            price: self.price,
            conf: self.conf,
            expo: self.exponent,
            publish_time: self.publish_time,
        }
    }
}

/// Byte offsets in a `PriceUpdateV2` after its verification level (which is 1 byte
/// for `Full`, 2 for `Partial`, at offset 40): the price message, then the slot.
pub mod update_offset {
    pub const FEED_ID: usize = 0;
    pub const PRICE: usize = 32;
    pub const CONF: usize = 40;
    pub const EXPONENT: usize = 48;
    pub const PUBLISH_TIME: usize = 52;
    pub const PREV_PUBLISH_TIME: usize = 60;
    pub const EMA_PRICE: usize = 68;
    pub const EMA_CONF: usize = 76;
    pub const POSTED_SLOT: usize = 84;
    /// The message and the slot.
    pub const END: usize = 92;
}

/// Where the verification level sits, and the message after a `Full` and after a
/// `Partial` one.
const LEVEL_AT: usize = 40;
const FULL_MESSAGE_AT: usize = LEVEL_AT + 1;
const PARTIAL_MESSAGE_AT: usize = LEVEL_AT + 2;

/// Decodes a `PriceUpdateV2` as Anchor would: the discriminator, then the Borsh
/// fields in order; bytes after them (the `Full` update's spare byte) are ignored.
pub fn decode_price_update_v2(data: &[u8]) -> Result<PriceUpdateV2, PythLayoutError> {
    use update_offset as o;
    need(data, FULL_MESSAGE_AT)?;
    let disc: [u8; 8] = arr(data, 0);
    if disc != PRICE_UPDATE_V2_DISCRIMINATOR {
        return Err(PythLayoutError::BadDiscriminator(disc));
    }
    let write_authority = arr(data, 8);
    let (verification_level, at) = match data[LEVEL_AT] {
        0 => {
            need(data, PARTIAL_MESSAGE_AT + o::END)?;
            (
                VerificationLevel::Partial {
                    num_signatures: data[FULL_MESSAGE_AT],
                },
                PARTIAL_MESSAGE_AT,
            )
        }
        1 => {
            need(data, FULL_MESSAGE_AT + o::END)?;
            (VerificationLevel::Full, FULL_MESSAGE_AT)
        }
        t => return Err(PythLayoutError::BadVerificationLevel(t)),
    };
    let m = &data[at..];
    Ok(PriceUpdateV2 {
        write_authority,
        verification_level,
        feed_id: arr(m, o::FEED_ID),
        price: i64_at(m, o::PRICE),
        conf: u64_at(m, o::CONF),
        exponent: i32_at(m, o::EXPONENT),
        publish_time: i64_at(m, o::PUBLISH_TIME),
        prev_publish_time: i64_at(m, o::PREV_PUBLISH_TIME),
        ema_price: i64_at(m, o::EMA_PRICE),
        ema_conf: u64_at(m, o::EMA_CONF),
        posted_slot: u64_at(m, o::POSTED_SLOT),
    })
}

/// The account bytes of `u`, as the receiver writes them (zero-padded to
/// [`PRICE_UPDATE_V2_LEN`]).
pub fn write_price_update_v2(u: &PriceUpdateV2) -> [u8; PRICE_UPDATE_V2_LEN] {
    use update_offset as o;
    let mut d = [0u8; PRICE_UPDATE_V2_LEN];
    put(&mut d, 0, &PRICE_UPDATE_V2_DISCRIMINATOR);
    put(&mut d, 8, &u.write_authority);
    let at = match u.verification_level {
        VerificationLevel::Partial { num_signatures } => {
            put(&mut d, LEVEL_AT, &[0, num_signatures]);
            PARTIAL_MESSAGE_AT
        }
        VerificationLevel::Full => {
            put(&mut d, LEVEL_AT, &[1]);
            FULL_MESSAGE_AT
        }
    };
    let m = &mut d[at..];
    put(m, o::FEED_ID, &u.feed_id);
    put(m, o::PRICE, &u.price.to_le_bytes());
    put(m, o::CONF, &u.conf.to_le_bytes());
    put(m, o::EXPONENT, &u.exponent.to_le_bytes());
    put(m, o::PUBLISH_TIME, &u.publish_time.to_le_bytes());
    put(m, o::PREV_PUBLISH_TIME, &u.prev_publish_time.to_le_bytes());
    put(m, o::EMA_PRICE, &u.ema_price.to_le_bytes());
    put(m, o::EMA_CONF, &u.ema_conf.to_le_bytes());
    put(m, o::POSTED_SLOT, &u.posted_slot.to_le_bytes());
    d
}

// ---------------------------------------------------------------------------------
// Little-endian reads of a slice whose length was checked first.
// ---------------------------------------------------------------------------------

fn need(data: &[u8], len: usize) -> Result<(), PythLayoutError> {
    if data.len() < len {
        return Err(PythLayoutError::TooShort {
            len: data.len(),
            need: len,
        });
    }
    Ok(())
}

fn arr<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&data[at..][..N]);
    out
}

fn put(d: &mut [u8], at: usize, bytes: &[u8]) {
    d[at..][..bytes.len()].copy_from_slice(bytes);
}

fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(arr(d, at))
}

fn i32_at(d: &[u8], at: usize) -> i32 {
    i32::from_le_bytes(arr(d, at))
}

fn u64_at(d: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(arr(d, at))
}

fn i64_at(d: &[u8], at: usize) -> i64 {
    i64::from_le_bytes(arr(d, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The account bytes of a `solana account --output json` dump in tests/fixtures/pyth.
    fn fixture(name: &str) -> Vec<u8> {
        use base64::Engine;
        let path = format!("{}/../../tests/fixtures/pyth/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let b64 = v["account"]["data"][0].as_str().expect("account.data[0]");
        base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
    }

    const SOL_USD_FEED_ID: [u8; 32] = [
        0xef, 0x0d, 0x8b, 0x6f, 0xda, 0x2c, 0xeb, 0xa4, 0x1d, 0xa1, 0x5d, 0x40, 0x95, 0xd1, 0xda, 0x39, 0x2a,
        0x0d, 0x2f, 0x8e, 0xd0, 0xc6, 0xc7, 0xbc, 0x0f, 0x4c, 0xfa, 0xc8, 0xc2, 0x80, 0xb5, 0x6d,
    ];

    /// The values pyth-sdk-solana 0.10.6's `load_price_account` gave for this mainnet
    /// account (the differential test `app/tests/pyth_differential.rs`, in this
    /// repository's history, compared the two over 20,000 mutations of each account).
    #[test]
    fn the_mainnet_legacy_account_decodes_to_pyths_values() {
        let d = fixture("sol_usd_legacy_price_account.json");
        assert_eq!(d.len(), LEGACY_PRICE_ACCOUNT_LEN);
        let p = decode_legacy_price(&d).unwrap();
        assert_eq!(p, LEGACY_SOL_USD);
    }

    /// The values pyth-solana-receiver-sdk 2.0's `PriceUpdateV2::try_deserialize`
    /// gave for this mainnet account.
    #[test]
    fn the_mainnet_price_update_decodes_to_pyths_values() {
        let d = fixture("sol_usd_price_update_v2.json");
        assert_eq!(d.len(), PRICE_UPDATE_V2_LEN);
        let u = decode_price_update_v2(&d).unwrap();
        assert_eq!(u.feed_id, SOL_USD_FEED_ID);
        assert_eq!(u, PULL_SOL_USD);
        assert_eq!(
            d[PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET..PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET + 32],
            SOL_USD_FEED_ID
        );
        // The writer gives the chain's bytes back, byte for byte.
        assert_eq!(write_price_update_v2(&u)[..], d[..]);
    }

    const LEGACY_SOL_USD: LegacyPrice = LegacyPrice {
        raw: RawPrice {
            price: 15_933_544_250,
            conf: 11_516_600,
            expo: -8,
            publish_time: 1_717_928_318,
        },
        status: LegacyStatus::Trading,
    };

    const PULL_SOL_USD: PriceUpdateV2 = PriceUpdateV2 {
        write_authority: [
            96, 49, 71, 4, 52, 13, 237, 223, 55, 31, 212, 36, 114, 20, 143, 36, 142, 157, 26, 109, 26, 94,
            178, 172, 58, 205, 139, 127, 213, 214, 178, 67,
        ],
        verification_level: VerificationLevel::Full,
        feed_id: SOL_USD_FEED_ID,
        price: 9_385_943_752,
        conf: 4_672_083,
        exponent: -8,
        publish_time: 1_787_392_706,
        prev_publish_time: 1_787_392_706,
        ema_price: 9_409_295_100,
        ema_conf: 4_368_665,
        posted_slot: 440_897_412,
    };

    #[test]
    fn each_wrong_header_is_named() {
        let good = write_legacy_price(&LEGACY_SOL_USD);
        assert_eq!(
            decode_legacy_price(&good[..LEGACY_PRICE_ACCOUNT_LEN - 1]),
            Err(PythLayoutError::TooShort {
                len: LEGACY_PRICE_ACCOUNT_LEN - 1,
                need: LEGACY_PRICE_ACCOUNT_LEN
            })
        );
        let mut d = good;
        d[0] ^= 1;
        assert_eq!(
            decode_legacy_price(&d),
            Err(PythLayoutError::BadMagic(0xa1b2_c3d5))
        );
        let mut d = good;
        d[4] = 1;
        assert_eq!(decode_legacy_price(&d), Err(PythLayoutError::BadVersion(1)));
        let mut d = good;
        d[8] = 2;
        assert_eq!(decode_legacy_price(&d), Err(PythLayoutError::NotPriceAccount(2)));
        // A longer account (extensions after the components) is a price account.
        let mut long = good.to_vec();
        long.extend_from_slice(&[9; 64]);
        assert_eq!(decode_legacy_price(&long), Ok(LEGACY_SOL_USD));

        let good = write_price_update_v2(&PULL_SOL_USD);
        let mut d = good;
        d[0] ^= 1;
        assert!(matches!(
            decode_price_update_v2(&d),
            Err(PythLayoutError::BadDiscriminator(_))
        ));
        let mut d = good;
        d[40] = 2;
        assert_eq!(
            decode_price_update_v2(&d),
            Err(PythLayoutError::BadVerificationLevel(2))
        );
        // A full update needs 133 bytes, a partial one 134.
        assert!(decode_price_update_v2(&good[..133]).is_ok());
        assert_eq!(
            decode_price_update_v2(&good[..132]),
            Err(PythLayoutError::TooShort { len: 132, need: 133 })
        );
        let partial = write_price_update_v2(&PriceUpdateV2 {
            verification_level: VerificationLevel::Partial { num_signatures: 5 },
            ..PULL_SOL_USD
        });
        assert_eq!(
            decode_price_update_v2(&partial[..133]),
            Err(PythLayoutError::TooShort { len: 133, need: 134 })
        );
        assert_eq!(
            decode_price_update_v2(&[]),
            Err(PythLayoutError::TooShort { len: 0, need: 41 })
        );
    }

    #[test]
    fn a_status_is_trading_only_when_its_whole_word_says_so() {
        let mut d = write_legacy_price(&LEGACY_SOL_USD);
        assert_eq!(decode_legacy_price(&d).unwrap().status, LegacyStatus::Trading);
        d[legacy_offset::AGG_STATUS + 1] = 1; // 0x0101
        assert_eq!(decode_legacy_price(&d).unwrap().status, LegacyStatus::Other(257));
    }

    fn any_status() -> impl Strategy<Value = LegacyStatus> {
        (0u32..8).prop_map(LegacyStatus::from_u32)
    }

    proptest! {
        #[test]
        fn legacy_accounts_round_trip(price: i64, conf: u64, expo: i32, t: i64, status in any_status()) {
            let p = LegacyPrice { raw: RawPrice { price, conf, expo, publish_time: t }, status };
            prop_assert_eq!(decode_legacy_price(&write_legacy_price(&p)), Ok(p));
        }

        #[test]
        fn price_updates_round_trip(
            price: i64, conf: u64, exponent: i32, publish_time: i64, prev: i64,
            ema_price: i64, ema_conf: u64, posted_slot: u64, sigs in proptest::option::of(any::<u8>()),
            feed: [u8; 32], auth: [u8; 32],
        ) {
            let u = PriceUpdateV2 {
                write_authority: auth,
                verification_level: match sigs {
                    Some(n) => VerificationLevel::Partial { num_signatures: n },
                    None => VerificationLevel::Full,
                },
                feed_id: feed, price, conf, exponent, publish_time,
                prev_publish_time: prev, ema_price, ema_conf, posted_slot,
            };
            let d = write_price_update_v2(&u);
            prop_assert_eq!(decode_price_update_v2(&d), Ok(u));
            if u.verification_level == VerificationLevel::Full {
                prop_assert_eq!(&d[PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET..PRICE_UPDATE_V2_FULL_FEED_ID_OFFSET + 32], &feed[..]);
            }
        }

        /// Any bytes at all: the decoders return, never panic.
        #[test]
        fn arbitrary_bytes_never_panic(d in proptest::collection::vec(any::<u8>(), 0..3400)) {
            let _ = decode_legacy_price(&d);
            let _ = decode_price_update_v2(&d);
        }
    }
}
