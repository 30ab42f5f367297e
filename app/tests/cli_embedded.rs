//! Every `hedge` command, parsed from argv exactly as the binary parses it, run on the
//! embedded chain; assertions on balances and report fields.

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use hedge_client::chain::{Chain, TxError};
use hedge_client::cli::{execute, Cli, Output};
use hedge_client::client::Client;
use hedge_client::{keys, pyth};
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const T0: i64 = 1_700_000_000;

struct Env {
    client: Client,
    mint: Pubkey,
    oracle: Pubkey,
    market: Pubkey,
    now: i64,
}

impl Env {
    async fn new() -> Env {
        let mut chain = Chain::embedded().await.unwrap();
        let payer = chain.embedded_mut().unwrap().payer();
        let mut client = Client::new(chain, payer);
        let mint = client.create_mint(9).await.unwrap();
        let oracle = Pubkey::new_unique();
        let creator = client.pubkey();
        let mut env = Env {
            client,
            mint,
            oracle,
            market: keys::market(&mint, &creator),
            now: T0,
        };
        env.price(100.0).await;
        env
    }

    async fn price(&mut self, usd: f64) {
        let e = self.client.chain.embedded_mut().unwrap();
        e.set_time(self.now).await.unwrap();
        e.set_account(
            &self.oracle,
            pyth::legacy_account((usd * 1e8) as i64, 0, -8, self.now),
        );
    }

    async fn advance(&mut self, dt: i64, usd: f64) {
        self.now += dt;
        self.price(usd).await;
    }

    /// Runs `hedge <args> --json` as `who` and returns the JSON output.
    async fn run_as(&mut self, who: &Keypair, args: &str) -> anyhow::Result<Value> {
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

    async fn user(&mut self, tokens: u64) -> Keypair {
        let kp = Keypair::new();
        self.client.fund(&kp.pubkey(), 1_000_000_000).await.unwrap();
        self.client
            .mint_to(&self.mint, &kp.pubkey(), tokens)
            .await
            .unwrap();
        kp
    }

    async fn balance(&mut self, owner: &Pubkey) -> u64 {
        let ata = Client::ata(owner, &self.mint);
        self.client.token_balance(&ata).await.unwrap()
    }
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
        .to_string()
}

#[tokio::test]
async fn every_command_on_the_embedded_chain() {
    let mut env = Env::new().await;
    let admin = env.client.wallet.insecure_clone();
    let (mint, oracle, market) = (env.mint, env.oracle, env.market);

    // market create | list | show
    let v = env
        .run_as(
            &admin,
            &format!(
                "market create --mint {mint} --price-account {oracle} --skew-scale 100 --withdraw-delay 600"
            ),
        )
        .await
        .unwrap();
    assert_eq!(s(&v, "market"), market.to_string());
    let v = env.run_as(&admin, "market list").await.unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["market"], market.to_string());
    let v = env
        .run_as(&admin, &format!("market show {market}"))
        .await
        .unwrap();
    assert_eq!(s(&v, "price"), "100.000000");
    assert_eq!(s(&v, "vault_collateral"), "0.000000000");
    assert_eq!(v["paused"], false);
    // An empty insurance fund covers no open interest on a 50% gap: the configured cap
    // is flagged.
    assert_eq!(s(&v, "stress_sized_open_interest_usd"), "0");
    assert!(
        s(&v, "warning").contains("exceeds what the insurance fund covers on a 50.0000% gap"),
        "{v}"
    );

    // vault deposit | show
    let holder = env.user(20 * ONE).await;
    let v = env
        .run_as(&holder, &format!("vault deposit {market} 12.5"))
        .await
        .unwrap();
    assert_eq!(s(&v, "amount"), "12.500000000");
    // Shares carry 3 more decimals than the token: 12.5 tokens mint 12.5 shares.
    assert_eq!(s(&v, "shares"), "12.500000000000");
    assert_eq!(env.balance(&holder.pubkey()).await, 7_500_000_000);
    // Refused by name: the vault's hedge ratio would be 0% with no trader yet.
    let err = env
        .run_as(
            &holder,
            &format!("vault deposit {market} 1 --min-hedge-ratio 50%"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.downcast_ref::<TxError>()
            .and_then(|t| t.name.clone())
            .as_deref(),
        Some("HedgeRatioBelowMinimum")
    );
    assert!(
        err.to_string()
            .contains("hedge ratio after the deposit would be below the requested minimum"),
        "{err}"
    );

    // position open | deposit | trade | show
    let trader = env.user(10 * ONE).await;
    env.run_as(&trader, &format!("position open {market}"))
        .await
        .unwrap();
    env.run_as(&trader, &format!("position deposit {market} 2"))
        .await
        .unwrap();
    let v = env
        .run_as(&trader, &format!("position trade {market} 10"))
        .await
        .unwrap();
    assert_eq!(s(&v, "base_after"), "10.000000000");
    assert_eq!(s(&v, "fill_price"), "100.000000");
    assert_eq!(v["reducing"], false);
    let v = env
        .run_as(&trader, &format!("position show {market}"))
        .await
        .unwrap();
    assert_eq!(s(&v, "side"), "long");
    assert_eq!(s(&v, "entry_price"), "100.000000");
    assert_eq!(v["liquidatable"], false);
    // 10 long at 100 with ~1.99 margin: 100 / (1 + 0.199 - 0.05) = 87.03
    assert!(s(&v, "liquidation_price").starts_with("87.0"), "{v}");
    let v = env
        .run_as(&holder, &format!("vault show {market}"))
        .await
        .unwrap();
    // Fee: taker 0.1% of 10 plus impact 0.1% * 10/100 of 10 = 0.011 token, 80% to the
    // vault: C = 12.5088, hedge ratio 10 / 12.5088 = 79.9437%.
    assert_eq!(s(&v, "hedge_ratio"), "79.9437%");
    assert_eq!(s(&v, "collateral"), "12.508800000");
    assert_eq!(s(&v, "your_shares"), "12.500000000000");

    // insurance stake | show | deposit
    let staker = env.user(3 * ONE).await;
    env.run_as(&staker, &format!("insurance stake {market} 2"))
        .await
        .unwrap();
    env.run_as(&staker, &format!("insurance deposit {market} 0.5"))
        .await
        .unwrap();
    let v = env
        .run_as(&staker, &format!("insurance show {market}"))
        .await
        .unwrap();
    // The fund already held the trade's insurance fee (0.0022) when the first staker
    // came: its shares are priced against it; as the only staker it owns the whole
    // fund, the later donation included.
    let staked_shares = v["your_shares"].as_u64().unwrap();
    assert!(staked_shares > 0);
    assert_eq!(s(&v, "fund"), "2.502200000");
    // 909090 shares * (2.5022 + 1e-9) / (909090 + 1000 virtual): the virtual shares
    // keep 0.11% in the fund for later stakers.
    assert_eq!(staked_shares, 909_090);
    assert_eq!(s(&v, "your_value"), "2.499450602");
    // 2.5022 tokens at 100 USD cover 625 USD of open interest on a 50% gap at 10% IM.
    let v = env
        .run_as(&admin, &format!("market show {market}"))
        .await
        .unwrap();
    assert_eq!(s(&v, "stress_sized_open_interest_usd"), "625");

    // crank funding; time passes
    env.advance(3_600, 100.0).await;
    let v = env
        .run_as(&admin, &format!("crank funding {market}"))
        .await
        .unwrap();
    assert_eq!(v["charged_seconds"], 3_600);

    // vault request-withdraw | withdraw
    env.run_as(&holder, &format!("vault request-withdraw {market} 2.5"))
        .await
        .unwrap();
    let early = env
        .run_as(&holder, &format!("vault withdraw {market}"))
        .await
        .unwrap_err();
    assert_eq!(
        early
            .downcast_ref::<TxError>()
            .and_then(|t| t.name.clone())
            .as_deref(),
        Some("WithdrawalNotReady")
    );
    env.advance(600, 100.0).await;
    let before = env.balance(&holder.pubkey()).await;
    let v = env
        .run_as(&holder, &format!("vault withdraw {market}"))
        .await
        .unwrap();
    let paid = hedge_client::units::parse_amount(&s(&v, "paid"), 9).unwrap();
    assert!(paid > 2_490_000_000 && paid <= 2_510_000_000, "{paid}");
    assert_eq!(env.balance(&holder.pubkey()).await, before + paid);

    // position trade back, withdraw, close
    let v = env
        .run_as(&trader, &format!("position trade {market} -10"))
        .await
        .unwrap();
    assert_eq!(s(&v, "base_after"), "0.000000000");
    env.run_as(&trader, &format!("position withdraw {market} 0.5"))
        .await
        .unwrap();
    let before = env.balance(&trader.pubkey()).await;
    let v = env
        .run_as(&trader, &format!("position close {market}"))
        .await
        .unwrap();
    let returned = hedge_client::units::parse_amount(&s(&v, "returned"), 9).unwrap();
    assert_eq!(env.balance(&trader.pubkey()).await, before + returned);

    // insurance unstake: request, then complete after the cooldown (1 day)
    let half = staked_shares / 2;
    let v = env
        .run_as(&staker, &format!("insurance unstake {market} {half}"))
        .await
        .unwrap();
    assert_eq!(v["shares"], half);
    env.advance(86_400, 100.0).await;
    let before = env.balance(&staker.pubkey()).await;
    env.run_as(&staker, &format!("insurance unstake {market}"))
        .await
        .unwrap();
    assert!(
        env.balance(&staker.pubkey()).await > before + ONE,
        "half the fund's shares pay over 1 token"
    );

    // oracle show from the chain; crank liquidate with nothing to do; keeper run once
    let v = env
        .run_as(&admin, &format!("oracle show {oracle}"))
        .await
        .unwrap();
    assert_eq!(s(&v, "price"), "100.00000000");
    let v = env
        .run_as(&admin, &format!("crank liquidate {market}"))
        .await
        .unwrap();
    assert_eq!(
        (v["eligible"].as_u64(), v["liquidated"].as_u64()),
        (Some(0), Some(0))
    );
    let v = env
        .run_as(
            &admin,
            &format!("keeper run {market} --iterations 1 --interval 0"),
        )
        .await
        .unwrap();
    assert_eq!(v["passes"], 1);
    assert!(v["last"]["funding_rate"].is_i64(), "{v}");
}

/// Many positions at different leverages; the price falls; `crank liquidate` finds
/// them with the scan and liquidates exactly the ones below maintenance, in batches.
#[tokio::test]
async fn the_keeper_liquidates_exactly_the_underwater_positions() {
    let mut env = Env::new().await;
    let admin = env.client.wallet.insecure_clone();
    let (mint, oracle, market) = (env.mint, env.oracle, env.market);
    env.run_as(
        &admin,
        &format!("market create --mint {mint} --price-account {oracle} --skew-scale 1000"),
    )
    .await
    .unwrap();
    let lp = env.user(1_000 * ONE).await;
    env.run_as(&lp, &format!("vault deposit {market} 1000"))
        .await
        .unwrap();
    // 20 traders, 10 tokens each, margin from 1.1 (about 9x) to 3.0 (about 3.3x).
    let mut traders = Vec::new();
    for i in 0..20u64 {
        let t = env.user(10 * ONE).await;
        let margin = 1.1 + 0.1 * i as f64;
        env.run_as(&t, &format!("position open {market}")).await.unwrap();
        env.run_as(&t, &format!("position deposit {market} {margin:.2}"))
            .await
            .unwrap();
        env.run_as(&t, &format!("position trade {market} 10"))
            .await
            .unwrap();
        traders.push(t);
    }
    // The price falls 15%: the expected set, from each position's own liquidation price.
    env.advance(60, 85.0).await;
    let mut expected = Vec::new();
    for t in &traders {
        let v = env.run_as(t, &format!("position show {market}")).await.unwrap();
        let liq: f64 = s(&v, "liquidation_price").parse().unwrap_or(0.0);
        assert_eq!(v["liquidatable"].as_bool().unwrap(), liq > 85.0, "{v}");
        if liq > 85.0 {
            expected.push(t.pubkey());
        }
    }
    assert!(
        expected.len() >= 8 && expected.len() < 20,
        "{} of 20",
        expected.len()
    );
    let keeper = env.user(0).await;
    let v = env
        .run_as(&keeper, &format!("crank liquidate {market} --batch 8"))
        .await
        .unwrap();
    assert_eq!(v["scanned"].as_u64(), Some(20));
    assert_eq!(v["eligible"].as_u64(), Some(expected.len() as u64));
    assert_eq!(v["liquidated"].as_u64(), Some(expected.len() as u64));
    assert_eq!(
        v["transactions"].as_u64(),
        Some(expected.len().div_ceil(8) as u64),
        "batched 8 per transaction"
    );
    for t in &traders {
        let v = env.run_as(t, &format!("position show {market}")).await.unwrap();
        let base = hedge_client::units::parse_signed_amount(&s(&v, "base"), 9).unwrap();
        if expected.contains(&t.pubkey()) {
            assert!(base < 10 * ONE as i64, "liquidated");
        } else {
            assert_eq!(base, 10 * ONE as i64, "healthy position untouched");
        }
    }
    // The keeper was paid.
    assert!(env.balance(&keeper.pubkey()).await > 0);
}
