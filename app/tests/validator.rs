//! Against a real validator, when `anchor test` runs the suite: it starts
//! solana-test-validator with the program deployed and the real Pyth dump preloaded,
//! and sets ANCHOR_PROVIDER_URL and ANCHOR_WALLET. Plain `cargo test` lists it as
//! ignored; the embedded-chain tests cover the same paths without a validator.

use anchor_lang::prelude::Pubkey;
use hedge_client::chain::{Chain, TxError};
use hedge_client::client::Client;
use hedge_client::config::read_keypair;
use hedge_client::{ix, keys, requests};
use hedge_engine::requests::RequestKind;
use hedge_vault::state::OracleKind;
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
    let seed = 1_000_000_000;
    let my_token = client.mint_to(&mint, &me, 2 * seed).await.unwrap();
    let args = hedge_client::defaults::market_create_args(
        OracleKind::PythLegacy,
        [0; 32],
        hedge_client::defaults::risk_params(9),
        me,
        seed,
    );
    client
        .send(&[ix::market_create(&k, &me, &my_token, args)], &[])
        .await
        .unwrap();
    let markets = client.markets().await.unwrap();
    assert!(
        markets.iter().any(|(key, _)| *key == k.market),
        "getProgramAccounts finds the market"
    );

    // A deposit request escrows the tokens; at its due time the dump (published in
    // 2024) is not a price of that time, so the execution is refused by name.
    let shares = client.ensure_ata(&me, &k.share_mint).await.unwrap();
    let o = ix::OwnerAccounts {
        owner: me,
        token: my_token,
        shares,
    };
    client
        .send(&[ix::vault_request_deposit(&k, &o, seed, 0)], &[])
        .await
        .unwrap();
    let err = match requests::wait_and_execute(&mut client, &k.market, &me, RequestKind::Deposit, None).await
    {
        Ok(_) => panic!("executed at a 2024 price"),
        Err(e) => e,
    };
    assert_eq!(
        err.downcast_ref::<TxError>()
            .and_then(|t| t.name.clone())
            .as_deref(),
        Some("OraclePublishedBeforeDueTime"),
        "{err}"
    );
}
