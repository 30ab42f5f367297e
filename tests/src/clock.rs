//! The harness's clock and oracle: the bank's time, the Pyth accounts it publishes
//! (legacy and pull), and the confirmation a liquidation reads.

use super::*;

impl Harness {
    /// The price account a request due at `due` executes at, carrying the price the
    /// pinned account shows now: legacy, the pinned account published again at `due`
    /// (or now, if later); pull, a new update published at `due` whose previous update
    /// was a second before.
    pub async fn publish_for_due(&mut self, due: i64) -> Pubkey {
        let (price, conf, expo) = self.current_price().await;
        match self.setup.oracle_kind {
            OracleKind::PythLegacy => {
                let t = self.now().await.max(due);
                self.set_price_at(price, conf, expo, t).await;
                self.oracle
            }
            OracleKind::PythPullV2 => self.publish_update(price, conf, expo, due, due - 1).await,
        }
    }

    /// Writes a pull update at a new address and returns it.
    pub async fn publish_update(
        &mut self,
        price: i64,
        conf: u64,
        expo: i32,
        publish_time: i64,
        prev: i64,
    ) -> Pubkey {
        let key = Pubkey::new_unique();
        let acc = pyth::pull_update(
            &hedge_client::pyth::PullUpdate {
                feed_id: self.feed_id,
                price,
                conf,
                expo,
                publish_time,
                prev_publish_time: prev,
            },
            true,
        );
        self.ctx.set_account(&key, &acc.into());
        key
    }

    /// (mantissa, conf, expo) the pinned price account shows.
    pub async fn current_price(&mut self) -> (i64, u64, i32) {
        let acc = self.account(self.oracle).await.expect("oracle account");
        let r = hedge_client::pyth::decode(&acc.owner, &acc.data).expect("decodes");
        (r.price, r.conf, r.expo)
    }

    pub async fn now(&mut self) -> i64 {
        self.ctx
            .banks_client
            .get_sysvar::<anchor_lang::prelude::Clock>()
            .await
            .expect("clock")
            .unix_timestamp
    }

    /// Sets the bank clock to `t` (unix seconds).
    pub async fn set_time(&mut self, t: i64) {
        let mut clock = self
            .ctx
            .banks_client
            .get_sysvar::<anchor_lang::prelude::Clock>()
            .await
            .expect("clock");
        clock.unix_timestamp = t;
        self.ctx.set_sysvar(&clock);
    }

    /// Moves the clock forward by `dt` seconds.
    pub async fn advance(&mut self, dt: i64) {
        let now = self.now().await;
        self.set_time(now + dt).await;
    }

    /// Writes the oracle account with this price published now.
    pub async fn set_price(&mut self, price: i64, conf: u64, expo: i32) {
        let now = self.now().await;
        self.set_price_at(price, conf, expo, now).await;
    }

    /// The price the feed showed at `t` (the last written at or before it; the first
    /// one if none was).
    pub fn price_at(&self, t: i64) -> (i64, u64, i32) {
        self.prices
            .range(..=t)
            .next_back()
            .or_else(|| self.prices.iter().next())
            .map(|(_, p)| *p)
            .expect("a price was published")
    }

    /// The account that confirms a liquidation at the pinned account's price now
    /// (PROTOCOL section 6): legacy, the pinned account itself; pull, a new update of
    /// the feed for `liquidation_confirmation` seconds before the pinned account's
    /// publish time, carrying the price the feed showed then.
    pub async fn confirmation(&mut self) -> Pubkey {
        match self.setup.oracle_kind {
            OracleKind::PythLegacy => self.oracle,
            OracleKind::PythPullV2 => {
                let acc = self.account(self.oracle).await.expect("oracle account");
                let r = hedge_client::pyth::decode(&acc.owner, &acc.data).expect("decodes");
                let t = r.publish_time - i64::from(self.setup.oracle_config.liquidation_confirmation);
                let (price, conf, expo) = self.price_at(t);
                self.publish_update(price, conf, expo, t, t - 1).await
            }
        }
    }

    /// Writes the oracle account with this price published at `publish_time`.
    pub async fn set_price_at(&mut self, price: i64, conf: u64, expo: i32, publish_time: i64) {
        self.prices.insert(publish_time, (price, conf, expo));
        let acc = match self.setup.oracle_kind {
            OracleKind::PythLegacy => pyth::legacy_account(price, conf, expo, publish_time),
            OracleKind::PythPullV2 => pyth::pull_account(self.feed_id, price, conf, expo, publish_time, true),
        };
        self.ctx.set_account(&self.oracle, &acc.into());
    }

    /// Sets the price in whole USD with the setup's exponent and no confidence.
    pub async fn set_usd(&mut self, usd: f64) {
        let expo = self.setup.expo;
        let mantissa = (usd * 10f64.powi(-expo)).round() as i64;
        self.set_price(mantissa, 0, expo).await;
    }
}
