//! The operations a wallet performs, over either backend: token accounts, market
//! loading, oracle reading, and sending instructions signed by the wallet.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
use anchor_spl::token::{spl_token, Mint, TokenAccount};
use anyhow::{anyhow, Result};
use hedge_engine::oracle::{normalize, OraclePrice};
use hedge_vault::state::Market;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::chain::{Chain, Sent};
use crate::keys::MarketKeys;
use crate::pyth;

pub struct Client {
    pub chain: Chain,
    pub wallet: Keypair,
}

/// A loaded market: its account, its addresses, and the oracle account to pass.
#[derive(Clone)]
pub struct LoadedMarket {
    pub state: Market,
    pub keys: MarketKeys,
}

/// The oracle as read for display: normalized price, confidence, age.
#[derive(Clone, Copy, Debug)]
pub struct PriceReading {
    pub price: OraclePrice,
    pub age: i64,
}

impl Client {
    pub fn new(chain: Chain, wallet: Keypair) -> Self {
        Client { chain, wallet }
    }

    pub fn pubkey(&self) -> Pubkey {
        self.wallet.pubkey()
    }

    /// Sends instructions signed by the wallet (fee payer) and `extra` signers.
    pub async fn send(&mut self, ixs: &[Instruction], extra: &[&Keypair]) -> Result<Sent> {
        let wallet = self.wallet.insecure_clone();
        self.chain.send(ixs, &wallet, extra).await
    }

    /// Sends `ix`, which creates the program's account at the address of `seeds`; if
    /// someone sent lamports there first (which would block the creation where the
    /// system program lacks `CreateAccountAllowPrefund`), `address_release` goes first in
    /// the same transaction and the lamports come to the wallet.
    pub async fn send_creating(&mut self, ix: Instruction, seeds: Vec<Vec<u8>>) -> Result<Sent> {
        // The release names the address (derived once, with its bump).
        let release = crate::ix::address_release(&self.pubkey(), seeds);
        let address = release.accounts[1].pubkey;
        let funded = self.chain.account(&address).await?.is_some_and(|a| {
            a.owner == anchor_lang::solana_program::system_program::ID && a.data.is_empty() && a.lamports > 0
        });
        if funded {
            return self.send(&[release, ix], &[]).await;
        }
        self.send(&[ix], &[]).await
    }

    /// Loads a market; `oracle` overrides the price account to pass (by default the
    /// market's pinned account: a legacy price account, or a pull feed's sponsored
    /// price-feed account, which instant uses such as cranks and liquidations read).
    pub async fn market(&mut self, market: &Pubkey, oracle: Option<Pubkey>) -> Result<LoadedMarket> {
        let state: Market = self.chain.anchor(market).await?;
        let oracle = oracle.unwrap_or(state.oracle);
        let keys = MarketKeys::from_market(&state, oracle);
        Ok(LoadedMarket { state, keys })
    }

    /// Every market of the program.
    pub async fn markets(&mut self) -> Result<Vec<(Pubkey, Market)>> {
        let size = 8 + <Market as anchor_lang::Space>::INIT_SPACE as u64;
        let disc = <Market as anchor_lang::Discriminator>::DISCRIMINATOR.to_vec();
        let found = self.chain.program_accounts(&[(0, disc)], Some(size)).await?;
        Ok(found
            .into_iter()
            .filter_map(|(k, a)| {
                <Market as anchor_lang::AccountDeserialize>::try_deserialize(&mut a.data.as_slice())
                    .ok()
                    .map(|m| (k, m))
            })
            .collect())
    }

    /// Reads and normalizes the market's price (no age or confidence limit: for
    /// display and keeper decisions; the program applies its own checks).
    pub async fn price(&mut self, m: &LoadedMarket) -> Result<PriceReading> {
        if m.state.settlement_price != 0 {
            return Ok(PriceReading {
                price: OraclePrice {
                    price: m.state.settlement_price,
                    conf: 0,
                    publish_time: 0,
                },
                age: 0,
            });
        }
        let acc = self
            .chain
            .account(&m.keys.oracle)
            .await?
            .ok_or_else(|| anyhow!("oracle account missing"))?;
        let r = pyth::decode(&acc.owner, &acc.data)?;
        let now = self.chain.unix_time().await?;
        let price = normalize(r.price.max(0).unsigned_abs(), r.expo).map_err(|e| anyhow!("oracle: {e:?}"))?;
        let conf = normalize(r.conf, r.expo).map_err(|e| anyhow!("oracle: {e:?}"))?;
        Ok(PriceReading {
            price: OraclePrice {
                price,
                conf,
                publish_time: r.publish_time,
            },
            age: now - r.publish_time,
        })
    }

    pub fn ata(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        get_associated_token_address(owner, mint)
    }

    /// The wallet's associated token account of `mint`, created if missing.
    pub async fn ensure_ata(&mut self, owner: &Pubkey, mint: &Pubkey) -> Result<Pubkey> {
        let ata = Self::ata(owner, mint);
        if self.chain.account(&ata).await?.is_none() {
            let ix = spl_associated_token_account::instruction::create_associated_token_account_idempotent(
                &self.pubkey(),
                owner,
                mint,
                &spl_token::ID,
            );
            self.send(&[ix], &[]).await?;
        }
        Ok(ata)
    }

    pub async fn token_balance(&mut self, account: &Pubkey) -> Result<u64> {
        Ok(self
            .chain
            .anchor_opt::<TokenAccount>(account)
            .await?
            .map(|t| t.amount)
            .unwrap_or(0))
    }

    pub async fn mint_supply(&mut self, mint: &Pubkey) -> Result<u64> {
        Ok(self.chain.anchor::<Mint>(mint).await?.supply)
    }

    /// Creates a new SPL mint with the wallet as mint authority (embedded demo, tests).
    pub async fn create_mint(&mut self, decimals: u8) -> Result<Pubkey> {
        self.create_mint_at(&Keypair::new(), decimals).await
    }

    /// A new mint at `mint`'s address, the wallet its authority.
    pub async fn create_mint_at(&mut self, mint: &Keypair, decimals: u8) -> Result<Pubkey> {
        let space = <spl_token::state::Mint as anchor_lang::solana_program::program_pack::Pack>::LEN;
        let lamports = self.chain.rent_exempt(space).await?;
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &self.pubkey(),
                &mint.pubkey(),
                lamports,
                space as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_mint2(
                &spl_token::ID,
                &mint.pubkey(),
                &self.pubkey(),
                None,
                decimals,
            )?,
        ];
        self.send(&ixs, &[mint]).await?;
        Ok(mint.pubkey())
    }

    /// Mints `amount` of a mint the wallet controls to `owner`'s associated account.
    pub async fn mint_to(&mut self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Result<Pubkey> {
        let ata = self.ensure_ata(owner, mint).await?;
        let ix = spl_token::instruction::mint_to(&spl_token::ID, mint, &ata, &self.pubkey(), &[], amount)?;
        self.send(&[ix], &[]).await?;
        Ok(ata)
    }

    /// Sends lamports from the wallet.
    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) -> Result<()> {
        let ix = anchor_lang::solana_program::system_instruction::transfer(&self.pubkey(), to, lamports);
        self.send(&[ix], &[]).await?;
        Ok(())
    }
}
