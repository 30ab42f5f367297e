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
    /// The accounts a liquidation names: its price and its confirmation, found by
    /// `liquidation_prices()`.
    liquidation_accounts: Option<(Pubkey, Pubkey)>,
}

impl<'a> ChainVenue<'a> {
    pub fn new(client: &'a mut Client, market: Pubkey, oracle: Option<Pubkey>) -> ChainVenue<'a> {
        ChainVenue {
            client,
            market,
            oracle,
            loaded: None,
            reward_token: None,
            liquidation_accounts: None,
        }
    }

    /// The market's keys with the liquidation's price account, and its confirmation.
    fn liquidation_keys(&self) -> Result<(crate::keys::MarketKeys, Pubkey)> {
        let (oracle, confirm) = self
            .liquidation_accounts
            .ok_or_else(|| anyhow!("the keeper liquidated before finding the liquidation's prices"))?;
        let keys = crate::keys::MarketKeys {
            oracle,
            ..self.loaded()?.keys
        };
        Ok((keys, confirm))
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
        let state = m.state;
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

    async fn liquidation_prices(&mut self, price: &OraclePrice) -> Result<(OraclePrice, OraclePrice)> {
        let m = self.loaded()?.clone();
        let l = requests::liquidation_prices(self.client, &m, price).await?;
        self.liquidation_accounts = Some((l.oracle, l.confirm));
        Ok((l.confirm_price, l.price))
    }

    async fn liquidate(&mut self, targets: &[Pubkey]) -> Result<Sent> {
        let (keys, confirm) = self.liquidation_keys()?;
        let me = self.client.pubkey();
        let token = match self.reward_token {
            Some(t) => t,
            None => {
                let t = self.client.ensure_ata(&me, &keys.mint).await?;
                self.reward_token = Some(t);
                t
            }
        };
        let ixs: Vec<_> = targets
            .iter()
            .map(|p| ix::position_liquidate(&keys, &me, &token, p, &confirm))
            .collect();
        self.client.send(&ixs, &[]).await
    }

    async fn deleverage(&mut self, target: &Pubkey) -> Result<Sent> {
        let (keys, confirm) = self.liquidation_keys()?;
        let ix = ix::market_auto_deleverage(&keys, target, &confirm);
        self.client.send(&[ix], &[]).await
    }
}
