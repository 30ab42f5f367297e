//! The keeper's [`Venue`] on a chain (embedded or JSON-RPC): accounts fetched fresh
//! for every decision, actions sent as the client's wallet.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Result};
use hedge_engine::oracle::OraclePrice;
use hedge_vault::state::{Market, Position, POSITION_MARKET_OFFSET};

use super::pass::Venue;
use crate::chain::Sent;
use crate::client::{Client, LoadedMarket};
use crate::ix;
use crate::requests::{self, Pending};

pub struct ChainVenue<'a> {
    pub client: &'a mut Client,
    market: Pubkey,
    /// The price account to read (legacy markets: the pinned one when `None`).
    oracle: Option<Pubkey>,
    loaded: Option<LoadedMarket>,
    /// The wallet's collateral token account, paid liquidation rewards.
    reward_token: Option<Pubkey>,
    /// The account confirming liquidations at the price last loaded.
    confirm: Option<Pubkey>,
}

impl<'a> ChainVenue<'a> {
    pub fn new(client: &'a mut Client, market: Pubkey, oracle: Option<Pubkey>) -> ChainVenue<'a> {
        ChainVenue {
            client,
            market,
            oracle,
            loaded: None,
            reward_token: None,
            confirm: None,
        }
    }

    /// The confirmation account found by `confirmation()`.
    fn confirm_key(&self) -> Result<Pubkey> {
        self.confirm
            .ok_or_else(|| anyhow!("the keeper liquidated before finding the confirmation price"))
    }

    /// The market as last loaded by `market()`.
    fn loaded(&self) -> Result<&LoadedMarket> {
        self.loaded
            .as_ref()
            .ok_or_else(|| anyhow!("the keeper acted before loading the market"))
    }
}

/// Every position of a market.
pub async fn scan(client: &mut Client, market: &Pubkey) -> Result<Vec<(Pubkey, Position)>> {
    client.chain.market_accounts(POSITION_MARKET_OFFSET, market).await
}

impl Venue for ChainVenue<'_> {
    async fn market(&mut self) -> Result<(Market, OraclePrice, i64)> {
        let m = self.client.market(&self.market, self.oracle).await?;
        let price = self.client.price(&m).await?.price;
        let now = self.client.chain.unix_time().await?;
        let state = m.state.clone();
        self.loaded = Some(m);
        Ok((state, price, now))
    }

    async fn positions(&mut self) -> Result<Vec<(Pubkey, Position)>> {
        scan(self.client, &self.market).await
    }

    async fn requests(&mut self) -> Result<Vec<Pending>> {
        requests::pending(self.client, &self.market).await
    }

    async fn crank_funding(&mut self) -> Result<Sent> {
        let ix = ix::market_update_funding(&self.loaded()?.keys);
        self.client.send(&[ix], &[]).await
    }

    async fn execute_request(&mut self, p: &Pending) -> Result<Sent> {
        let m = self.loaded()?.clone();
        requests::execute(self.client, &m, p, None).await
    }

    async fn confirmation(&mut self, price: &OraclePrice) -> Result<OraclePrice> {
        let m = self.loaded()?.clone();
        let (key, confirm) = requests::confirmation(self.client, &m, price).await?;
        self.confirm = Some(key);
        Ok(confirm)
    }

    async fn liquidate(&mut self, targets: &[Pubkey]) -> Result<Sent> {
        let keys = self.loaded()?.keys;
        let me = self.client.pubkey();
        let token = match self.reward_token {
            Some(t) => t,
            None => {
                let t = self.client.ensure_ata(&me, &keys.mint).await?;
                self.reward_token = Some(t);
                t
            }
        };
        let confirm = self.confirm_key()?;
        let ixs: Vec<_> = targets
            .iter()
            .map(|p| ix::position_liquidate(&keys, &me, &token, p, &confirm))
            .collect();
        self.client.send(&ixs, &[]).await
    }

    async fn deleverage(&mut self, target: &Pubkey) -> Result<Sent> {
        let confirm = self.confirm_key()?;
        let ix = ix::market_auto_deleverage(&self.loaded()?.keys, target, &confirm);
        self.client.send(&[ix], &[]).await
    }
}
