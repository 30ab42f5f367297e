//! Against a real validator, when `anchor test` runs the suite: it starts
//! solana-test-validator with the program deployed and the real Pyth dump preloaded,
//! and sets ANCHOR_PROVIDER_URL and ANCHOR_WALLET. Plain `cargo test` lists it as
//! ignored; the embedded-chain tests cover the same paths without a validator.

use anchor_lang::prelude::Pubkey;
use hedge_client::chain::{Chain, TxError};
use hedge_client::client::Client;
use hedge_client::config::read_keypair;
use hedge_client::{ix, keys};
use hedge_vault::state::{AdminConfig, OracleConfig, OracleKind};
use solana_commitment_config::CommitmentConfig;

const PYTH_SOL_USD: &str = "H6ARHf6YXhGYeQfUzQNGk6rDNnLBQKrenN712K4AQJEG";

#[tokio::test]
#[ignore = "needs a validator: `anchor test` runs it (Anchor.toml passes --include-ignored)"]
async fn market_on_a_local_validator() {
    let url = std::env::var("ANCHOR_PROVIDER_URL").expect("ANCHOR_PROVIDER_URL: run through `anchor test`");
    let wallet = std::env::var("ANCHOR_WALLET").expect("ANCHOR_WALLET: run through `anchor test`");
    let wallet = read_keypair(&wallet).expect("anchor wallet");
    let mut client = Client::new(Chain::rpc(&url, CommitmentConfig::confirmed()), wallet);
    let program = client
        .chain
        .account(&hedge_vault::ID)
        .await
        .unwrap()
        .expect("program deployed");
    assert!(program.executable);

    let mint = client.create_mint(9).await.unwrap();
    let oracle: Pubkey = PYTH_SOL_USD.parse().unwrap();
    let me = client.pubkey();
    let k = keys::MarketKeys::new(mint, me, oracle);
    let args = hedge_vault::MarketCreateArgs {
        oracle_kind: OracleKind::PythLegacy,
        oracle_program: hedge_vault::PYTH_ORACLE_PROGRAM,
        feed_id: [0; 32],
        oracle_config: OracleConfig {
            max_age_increase: 30,
            max_age: 120,
            max_conf: 20_000,
            max_conf_liquidate: 50_000,
        },
        params: hedge_engine::params::RiskParams::default_for_tests().into(),
        admin_config: AdminConfig {
            timelock_delay: 86_400,
            settlement_timeout: 86_400,
        },
        guardian: me,
    };
    client
        .send(&[ix::market_create(&k, &me, args)], &[])
        .await
        .unwrap();
    let markets = client.markets().await.unwrap();
    assert!(
        markets.iter().any(|(key, _)| *key == k.market),
        "getProgramAccounts finds the market"
    );

    // The dump was published in 2024: a deposit is refused by name as stale.
    let token = client.mint_to(&mint, &me, 1_000_000_000).await.unwrap();
    let shares = client.ensure_ata(&me, &k.share_mint).await.unwrap();
    let err = client
        .send(
            &[ix::vault_deposit(&k, &me, &token, &shares, 1_000_000_000, 0)],
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.downcast_ref::<TxError>()
            .and_then(|t| t.name.clone())
            .as_deref(),
        Some("OracleStale"),
        "{err}"
    );
}
