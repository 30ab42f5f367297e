//! The embedded chain the commands run on, and the caller's helpers: a wallet, a
//! market, prices on a legacy account or a pull feed, `hedge <args> --json` as any
//! signer.

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use hedge_client::chain::{Chain, TxError};
use hedge_client::cli::{execute, Cli, Output};
use hedge_client::client::Client;
use hedge_client::keys;
use hedge_engine::oracle::RawPrice;
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;

pub const ONE: u64 = 1_000_000_000;
pub const T0: i64 = 1_700_000_000;

pub struct Env {
    pub client: Client,
    pub mint: Pubkey,
    pub oracle: Pubkey,
    pub market: Pubkey,
    pub now: i64,
    /// A pull market's feed: prices are then `PriceUpdateV2` accounts at the feed's
    /// sponsored address (`oracle`), with a 5 bp confidence as `hedge-localnet`'s.
    pub feed: Option<[u8; 32]>,
}

impl Env {
    /// A chain with a mint and a legacy price account at 100 USD.
    pub async fn new() -> Env {
        Env::with_feed(None).await
    }

    /// A chain with a mint and a Pyth pull feed `feed` at 100 USD.
    pub async fn pull(feed: [u8; 32]) -> Env {
        Env::with_feed(Some(feed)).await
    }

    async fn with_feed(feed: Option<[u8; 32]>) -> Env {
        let mut chain = Chain::embedded().await.unwrap();
        let payer = chain.embedded_mut().unwrap().payer();
        let mut client = Client::new(chain, payer);
        let mint = client.create_mint(9).await.unwrap();
        let oracle = match &feed {
            Some(f) => hedge_vault::oracle::sponsored_price_feed(f),
            None => Pubkey::new_unique(),
        };
        let creator = client.pubkey();
        let mut env = Env {
            client,
            mint,
            oracle,
            market: keys::market(&mint, &creator),
            now: T0,
            feed,
        };
        env.price(100.0).await;
        env
    }

    /// Publishes `usd` at `now`: on a pull feed with hedge-localnet's rounding and
    /// 5 bp confidence.
    pub async fn price(&mut self, usd: f64) {
        let (price, conf) = match self.feed {
            None => ((usd * 1e8) as i64, 0),
            Some(_) => {
                let p = (usd * 1e8).round() as i64;
                (p, p.unsigned_abs() * 5 / 10_000)
            }
        };
        let raw = RawPrice {
            price,
            conf,
            expo: -8,
            publish_time: self.now,
        };
        let (oracle, feed) = (self.oracle, self.feed);
        let e = self.client.chain.embedded_mut().unwrap();
        match feed {
            None => e.publish_legacy(&oracle, &raw).await.unwrap(),
            Some(f) => e.publish_pull(&oracle, f, &raw).await.unwrap(),
        }
    }

    /// Moves the clock `dt` seconds past the chain's time (commands that wait for a
    /// due time move it too) and publishes `usd` then.
    pub async fn advance(&mut self, dt: i64, usd: f64) {
        let chain_now = self.client.chain.unix_time().await.unwrap();
        self.now = self.now.max(chain_now) + dt;
        self.price(usd).await;
    }

    /// Creates the market as `admin` (legacy price account, seed stake `seed` tokens
    /// minted to the admin first) with extra flags.
    pub async fn create_market(&mut self, admin: &Keypair, seed: u64, flags: &str) -> Value {
        let (mint, oracle) = (self.mint, self.oracle);
        self.client
            .mint_to(&mint, &admin.pubkey(), seed * ONE)
            .await
            .unwrap();
        self.run_as(
            admin,
            &format!(
                "market create --mint {mint} --price-account {oracle} --oracle-kind legacy --seed-insurance {seed} {flags}"
            ),
        )
        .await
        .unwrap()
    }

    /// Runs `hedge <args> --json` as `who` and returns the JSON output.
    pub async fn run_as(&mut self, who: &Keypair, args: &str) -> anyhow::Result<Value> {
        let argv: Vec<String> = std::iter::once("hedge".to_string())
            .chain(args.split_whitespace().map(str::to_string))
            .chain(std::iter::once("--json".to_string()))
            .collect();
        let cli = Cli::try_parse_from(argv)?;
        assert!(cli.json);
        let saved = std::mem::replace(&mut self.client.wallet, who.insecure_clone());
        let res = execute(cli.command, &mut self.client, cli.oracle).await;
        self.client.wallet = saved;
        res.map(|o: Output| o.json)
    }

    pub async fn user(&mut self, tokens: u64) -> Keypair {
        let kp = Keypair::new();
        self.client.fund(&kp.pubkey(), 1_000_000_000).await.unwrap();
        self.client
            .mint_to(&self.mint, &kp.pubkey(), tokens)
            .await
            .unwrap();
        kp
    }

    pub async fn balance(&mut self, owner: &Pubkey) -> u64 {
        let ata = Client::ata(owner, &self.mint);
        self.client.token_balance(&ata).await.unwrap()
    }
}

pub fn err_name(e: &anyhow::Error) -> Option<String> {
    e.downcast_ref::<TxError>().and_then(|t| t.name.clone())
}

pub fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
        .to_string()
}
