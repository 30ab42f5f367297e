//! The oracle set: the cases that apply to how an instruction reads a price, and the
//! accounts that stage them.

use super::*;

#[derive(Clone, Copy, Debug)]
pub(crate) enum OracleCase {
    Stale,
    Future,
    OlderThanLast,
    PublishedBeforeDue,
    NotUnique,
    Wide,
    Zero,
    Negative,
    Exponent,
    NotTrading,
    WrongFeed,
    OtherOwner,
    Partial,
    OtherAccount,
    /// Confirmation cases (the `oracle_confirm` account of a liquidation).
    ConfirmNotUnique,
    ConfirmNotEarlier,
    ConfirmHealthy,
    ConfirmWrongFeed,
    ConfirmPartial,
    ConfirmOtherOwner,
    ConfirmOtherAccount,
}

impl OracleCase {
    pub(crate) fn is_confirmation(self) -> bool {
        use OracleCase::*;
        matches!(
            self,
            ConfirmNotUnique
                | ConfirmNotEarlier
                | ConfirmHealthy
                | ConfirmWrongFeed
                | ConfirmPartial
                | ConfirmOtherOwner
                | ConfirmOtherAccount
        )
    }
}

impl OracleCase {
    pub(crate) fn describe(self, mode: OracleMode) -> String {
        let when = match mode {
            OracleMode::Due(_) => "published at the due time",
            _ => "published now",
        };
        match self {
            OracleCase::Stale => match mode {
                OracleMode::Instant(age) | OracleMode::Liquidation(age) => {
                    format!("stale: published {} s ago", age + 1)
                }
                _ => "stale".into(),
            },
            OracleCase::Future => "published 30 s in the future".into(),
            OracleCase::OlderThanLast => "older than the newest accepted (1 s)".into(),
            OracleCase::PublishedBeforeDue => "published 1 s before the due time".into(),
            OracleCase::NotUnique => "not the unique update for the due time (its previous is at it)".into(),
            OracleCase::Wide => format!("confidence 10% of the price, {when}"),
            OracleCase::Zero => format!("price zero, {when}"),
            OracleCase::Negative => format!("price negative, {when}"),
            OracleCase::Exponent => format!("exponent +5 (out of range), {when}"),
            OracleCase::NotTrading => format!("status not Trading, {when}"),
            OracleCase::WrongFeed => "another feed's update (another market's feed)".into(),
            OracleCase::OtherOwner => "owned by another program".into(),
            OracleCase::Partial => "partially verified".into(),
            OracleCase::OtherAccount => "another price account than the pinned one".into(),
            OracleCase::ConfirmNotUnique => {
                "confirmation: not the first update after the confirmation time".into()
            }
            OracleCase::ConfirmNotEarlier => {
                "confirmation: published with the price it confirms (after a 5-s silence)".into()
            }
            OracleCase::ConfirmHealthy => {
                "confirmation: the unique update of 5 s earlier, at 100 USD (the fall is a wick)".into()
            }
            OracleCase::ConfirmWrongFeed => "confirmation: another feed's update".into(),
            OracleCase::ConfirmPartial => "confirmation: partially verified".into(),
            OracleCase::ConfirmOtherOwner => "confirmation: owned by another program".into(),
            OracleCase::ConfirmOtherAccount => "confirmation: another account than the pinned one".into(),
        }
    }
}

/// The oracle cases that apply to a mode and oracle kind.
pub(crate) fn oracle_cases(mode: OracleMode, kind: OracleKind) -> Vec<OracleCase> {
    use OracleCase::*;
    let pull = kind == OracleKind::PythPullV2;
    match mode {
        OracleMode::None => vec![],
        // A legacy market's creator names its price account: only its owner is checked.
        OracleMode::Create if !pull => vec![OtherOwner],
        OracleMode::Create | OracleMode::Pinned => {
            if pull {
                vec![OtherOwner, WrongFeed, OtherAccount]
            } else {
                vec![OtherOwner, OtherAccount]
            }
        }
        OracleMode::Liquidation(a) => {
            let mut v = oracle_cases(OracleMode::Instant(a), kind);
            if pull {
                v.extend([
                    ConfirmNotUnique,
                    ConfirmNotEarlier,
                    ConfirmWrongFeed,
                    ConfirmPartial,
                    ConfirmOtherOwner,
                    ConfirmHealthy,
                ]);
            } else {
                v.push(ConfirmOtherAccount);
            }
            v
        }
        OracleMode::Instant(_) => {
            let mut v = vec![
                Stale,
                Future,
                OlderThanLast,
                Wide,
                Zero,
                Negative,
                Exponent,
                OtherOwner,
            ];
            if pull {
                v.extend([WrongFeed, Partial]);
            } else {
                v.extend([NotTrading, OtherAccount]);
            }
            v
        }
        OracleMode::Due(_) => {
            let mut v = vec![PublishedBeforeDue, Future, Zero, Negative, Exponent, OtherOwner];
            if pull {
                v.extend([NotUnique, WrongFeed, Partial]);
            } else {
                v.extend([NotTrading, OtherAccount]);
            }
            // Last: a refusal at the price cancels the request (changes state).
            v.push(Wide);
            v
        }
    }
}

/// Writes the price account of an oracle case and returns its address (and, for a
/// legacy market whose pinned account was overwritten, the original to restore).
pub(crate) async fn oracle_account(
    h: &mut Harness,
    case: OracleCase,
    mode: OracleMode,
    valid: Pubkey,
) -> (Pubkey, Option<solana_account::Account>) {
    use hedge_client::pyth::{legacy_account_with_status, pull_update, PullUpdate};
    let now = h.now().await;
    let (price, _, expo) = h.current_price().await;
    let last = h.market_state().await.last_publish_time;
    let (mut publish, mut prev) = match mode {
        OracleMode::Due(due) => (due, due - 1),
        _ => (now, now - 1),
    };
    let (mut price, mut conf, mut expo, mut feed, mut full, mut trading) =
        (price, 0u64, expo, h.feed_id, true, true);
    let mut owner = None;
    let mut elsewhere = false;
    if case.is_confirmation() {
        // The confirmation of a liquidation at the pinned account's price (published
        // now): the unique update for `now - liquidation_confirmation` is valid.
        let x = now - i64::from(h.setup.oracle_config.liquidation_confirmation);
        let (mut publish, mut prev) = (x, x - 1);
        match case {
            OracleCase::ConfirmNotUnique => (publish, prev) = (x + 1, x),
            OracleCase::ConfirmNotEarlier => (publish, prev) = (now, x - 1),
            OracleCase::ConfirmHealthy => price = 100 * 10i64.pow(expo.unsigned_abs()),
            OracleCase::ConfirmWrongFeed => feed[0] ^= 1,
            OracleCase::ConfirmPartial => full = false,
            OracleCase::ConfirmOtherOwner => owner = Some(Pubkey::new_unique()),
            _ => {}
        }
        let mut acc = if h.setup.oracle_kind == OracleKind::PythLegacy {
            legacy_account_with_status(price, 0, expo, now, LegacyStatus::Trading)
        } else {
            pull_update(
                &PullUpdate {
                    feed_id: feed,
                    price,
                    conf: 0,
                    expo,
                    publish_time: publish,
                    prev_publish_time: prev,
                },
                full,
            )
        };
        if let Some(o) = owner {
            acc.owner = o;
        }
        let key = Pubkey::new_unique();
        h.ctx.set_account(&key, &acc.into());
        return (key, None);
    }
    match case {
        OracleCase::Stale => {
            let age = match mode {
                OracleMode::Instant(a) | OracleMode::Liquidation(a) => a,
                _ => 0,
            };
            publish = now - age - 1;
            prev = publish - 1;
        }
        OracleCase::Future => publish = now + 30,
        OracleCase::OlderThanLast => {
            publish = last - 1;
            prev = publish - 1;
        }
        OracleCase::PublishedBeforeDue => {
            publish -= 1;
            prev = publish - 1;
        }
        OracleCase::NotUnique => {
            prev = publish;
            publish += 1;
        }
        OracleCase::Wide => conf = (price / 10) as u64,
        OracleCase::Zero => price = 0,
        OracleCase::Negative => price = -price,
        OracleCase::Exponent => expo = 5,
        OracleCase::NotTrading => trading = false,
        OracleCase::WrongFeed => feed[0] ^= 1,
        OracleCase::OtherOwner => owner = Some(Pubkey::new_unique()),
        OracleCase::Partial => full = false,
        OracleCase::OtherAccount => elsewhere = true,
        // Handled above.
        _ => unreachable!("a confirmation case"),
    }
    if matches!(mode, OracleMode::Create | OracleMode::Pinned) {
        // Identity only: the valid account's data, elsewhere or owned by another
        // program, or (pull) another feed's sponsored-format account.
        let mut acc = h.account(valid).await.expect("price account");
        if let Some(o) = owner {
            acc.owner = o;
        }
        if matches!(case, OracleCase::WrongFeed) {
            acc = pull_update(
                &PullUpdate {
                    feed_id: feed,
                    price,
                    conf,
                    expo,
                    publish_time: publish,
                    prev_publish_time: prev,
                },
                true,
            );
        }
        let key = Pubkey::new_unique();
        h.ctx.set_account(&key, &acc.into());
        return (key, None);
    }
    match h.setup.oracle_kind {
        OracleKind::PythPullV2 => {
            let mut acc = pull_update(
                &PullUpdate {
                    feed_id: feed,
                    price,
                    conf,
                    expo,
                    publish_time: publish,
                    prev_publish_time: prev,
                },
                full,
            );
            if let Some(o) = owner {
                acc.owner = o;
            }
            let key = Pubkey::new_unique();
            h.ctx.set_account(&key, &acc.into());
            (key, None)
        }
        OracleKind::PythLegacy => {
            let mut acc = legacy_account_with_status(
                price,
                conf,
                expo,
                publish,
                if trading {
                    LegacyStatus::Trading
                } else {
                    LegacyStatus::Halted
                },
            );
            if let Some(o) = owner {
                acc.owner = o;
            }
            if elsewhere {
                let key = Pubkey::new_unique();
                h.ctx.set_account(&key, &acc.into());
                return (key, None);
            }
            let original = h.account(h.oracle).await.expect("pinned account");
            let pinned = h.oracle;
            h.ctx.set_account(&pinned, &acc.into());
            (pinned, Some(original))
        }
    }
}
