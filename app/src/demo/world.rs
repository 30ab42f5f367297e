//! The demo's world: the client, the market's addresses, the clock, the traders, and
//! the keeper acting through the one keeper pass.

use anyhow::Result;
use hedge_vault::events::PositionTraded;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{tokens, DemoReport};
use crate::client::Client;
use crate::keeper::{self, PassConfig};
use crate::keys::MarketKeys;
use crate::{ix, pyth};
use anchor_lang::prelude::Pubkey;

pub(super) struct Trader {
    pub(super) kp: Keypair,
    pub(super) token: Pubkey,
}

pub(super) struct World {
    pub(super) client: Client,
    pub(super) keys: MarketKeys,
    pub(super) oracle: Pubkey,
    pub(super) now: i64,
    pub(super) tx: usize,
    pub(super) traders: Vec<Trader>,
    pub(super) report: DemoReport,
}

impl World {
    pub(super) async fn set_price(&mut self, usd: f64) -> Result<()> {
        let acc = pyth::legacy_account_of(&crate::backtest::raw_price(usd, self.now));
        let e = self.client.chain.embedded_mut()?;
        e.set_time(self.now).await?;
        e.set_account(&self.oracle, acc);
        Ok(())
    }

    pub(super) async fn send(
        &mut self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
        signers: &[&Keypair],
    ) -> Result<crate::chain::Sent> {
        self.tx += 1;
        self.client.send(ixs, signers).await
    }

    pub(super) async fn new_wallet(&mut self, tokens: u64) -> Result<(Keypair, Pubkey)> {
        let kp = Keypair::new();
        self.client.fund(&kp.pubkey(), 100_000_000).await?;
        let token = self.client.mint_to(&self.keys.mint, &kp.pubkey(), tokens).await?;
        self.tx += 2;
        Ok((kp, token))
    }

    /// Adds the fees and settled funding of the trades in `sent` to the report.
    pub(super) fn book_trades(&mut self, sent: &crate::chain::Sent) {
        for t in sent.events::<PositionTraded>() {
            self.report.fees_paid_tokens += tokens(t.fee.into());
            self.report.fees_to_insurance_tokens += tokens(t.insurance_fee.into());
            self.report.funding_to_vault_tokens += tokens(t.funding_paid.into());
        }
    }

    /// A new trader opens a position account, posts margin and requests a long of
    /// `size` at `leverage`x (executed by the next keeper pass).
    pub(super) async fn open_long(&mut self, size: u64, leverage: u64) -> Result<()> {
        let margin = size / leverage + size / 50;
        let (kp, token) = self.new_wallet(margin).await?;
        let ixs = [
            ix::position_open(&self.keys, &kp.pubkey()),
            ix::position_deposit(&self.keys, &kp.pubkey(), &token, margin),
            ix::position_request_trade(&self.keys, &kp.pubkey(), size as i64, 0),
        ];
        self.send(&ixs, &[&kp]).await?;
        self.report.positions_opened += 1;
        self.traders.push(Trader { kp, token });
        Ok(())
    }

    /// Moves the clock past the requests' due time (the price unchanged, published
    /// again) and lets the keeper execute every due request.
    pub(super) async fn settle_requests(&mut self, usd: f64, wait: i64) -> Result<Vec<crate::chain::Sent>> {
        self.now += wait;
        self.set_price(usd).await?;
        let cfg = PassConfig {
            requests: true,
            ..PassConfig::none()
        };
        let pass = self.keeper_pass(&cfg).await?;
        for sent in &pass.sent {
            self.book_trades(sent);
        }
        Ok(pass.sent)
    }

    /// One keeper pass of the demo's keeper (the admin's wallet).
    pub(super) async fn keeper_pass(&mut self, cfg: &PassConfig) -> Result<keeper::Pass> {
        let mut venue = keeper::ChainVenue::new(&mut self.client, self.keys.market, None);
        let pass = keeper::run(&mut venue, cfg, None).await?;
        self.tx += pass.transactions;
        Ok(pass)
    }
}

impl World {
    /// `t`'s position account, if it still exists.
    pub(super) async fn position_of(&mut self, t: &Trader) -> Result<Option<hedge_vault::state::Position>> {
        let key = crate::keys::position(&self.keys.market, &t.kp.pubkey());
        self.client.chain.anchor_opt(&key).await
    }

    pub(super) async fn client_market(&mut self) -> Result<crate::client::LoadedMarket> {
        let market = self.keys.market;
        self.client.market(&market, Some(self.oracle)).await
    }
}
