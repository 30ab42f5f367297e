//! The Pyth pull price the localnet publishes: a `PriceUpdateV2` (the Pyth receiver's
//! account, byte for byte) in the feed's sponsored account, rewritten every second of
//! cluster time, and a copy of each second's update in a ring of accounts, so an
//! executor finds the unique update of a request's due time (`publish_time` at or
//! after it, `prev_publish_time` before it).

use solana_account::{Account, AccountSharedData};
use solana_pubkey::Pubkey;

/// The Pyth receiver program, owner of `PriceUpdateV2` accounts.
pub const RECEIVER: Pubkey = Pubkey::from_str_const("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/// The Pyth push-oracle program: a feed's sponsored account is its PDA
/// `[shard u16 LE, feed_id]`.
pub const PUSH_ORACLE: Pubkey = Pubkey::from_str_const("pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT");
/// Anchor's account discriminator of `PriceUpdateV2` (sha256("account:PriceUpdateV2")[..8]).
const DISCRIMINATOR: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];
/// `PriceUpdateV2::LEN`.
pub const LEN: usize = 134;
/// Offsets of the fields a client filters on.
pub const FEED_ID_OFFSET: usize = 41;
pub const PUBLISH_TIME_OFFSET: usize = 93;
/// Seconds of updates the ring keeps.
pub const RING: i64 = 600;

/// One update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Update {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
    pub publish_time: i64,
    pub prev_publish_time: i64,
    pub slot: u64,
}

/// The sponsored price-feed account of `feed_id` (shard 0), the one a pull market pins.
pub fn sponsored(feed_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[&0u16.to_le_bytes(), feed_id], &PUSH_ORACLE).0
}

/// The ring account that holds the update published at `t`.
pub fn ring_slot(feed_id: &[u8; 32], t: i64) -> Pubkey {
    let i = t.rem_euclid(RING) as u16;
    Pubkey::find_program_address(&[b"localnet-ring", feed_id, &i.to_le_bytes()], &PUSH_ORACLE).0
}

/// The account bytes: Anchor discriminator, write authority, verification level
/// `Full`, the price message, the posted slot; zero-padded to `LEN`.
pub fn encode(u: &Update) -> Vec<u8> {
    let mut d = Vec::with_capacity(LEN);
    d.extend_from_slice(&DISCRIMINATOR);
    d.extend_from_slice(&[7u8; 32]); // write authority
    d.push(1); // VerificationLevel::Full
    d.extend_from_slice(&u.feed_id);
    d.extend_from_slice(&u.price.to_le_bytes());
    d.extend_from_slice(&u.conf.to_le_bytes());
    d.extend_from_slice(&u.expo.to_le_bytes());
    d.extend_from_slice(&u.publish_time.to_le_bytes());
    d.extend_from_slice(&u.prev_publish_time.to_le_bytes());
    d.extend_from_slice(&u.price.to_le_bytes()); // ema price
    d.extend_from_slice(&u.conf.to_le_bytes()); // ema conf
    d.extend_from_slice(&u.slot.to_le_bytes());
    d.resize(LEN, 0);
    d
}

/// The account holding `u`, owned by the receiver, rent-exempt.
pub fn account(u: &Update) -> AccountSharedData {
    Account {
        lamports: 1_000_000_000,
        data: encode(u),
        owner: RECEIVER,
        executable: false,
        rent_epoch: u64::MAX,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_sit_where_clients_filter_for_them() {
        let u = Update {
            feed_id: [9; 32],
            price: 12_345,
            conf: 6,
            expo: -8,
            publish_time: 1_700_000_000,
            prev_publish_time: 1_699_999_999,
            slot: 42,
        };
        let d = encode(&u);
        assert_eq!(d.len(), LEN);
        assert_eq!(&d[FEED_ID_OFFSET..FEED_ID_OFFSET + 32], &[9; 32]);
        assert_eq!(
            i64::from_le_bytes(
                d[PUBLISH_TIME_OFFSET..PUBLISH_TIME_OFFSET + 8]
                    .try_into()
                    .unwrap()
            ),
            1_700_000_000
        );
        assert_eq!(
            i64::from_le_bytes(
                d[PUBLISH_TIME_OFFSET + 8..PUBLISH_TIME_OFFSET + 16]
                    .try_into()
                    .unwrap()
            ),
            1_699_999_999
        );
    }

    #[test]
    fn the_ring_reuses_an_address_after_its_length() {
        let f = [1; 32];
        assert_eq!(ring_slot(&f, 100), ring_slot(&f, 100 + RING));
        assert_ne!(ring_slot(&f, 100), ring_slot(&f, 101));
    }
}
