//! The TypeScript client (clients/js: Codama's, generated from the committed IDL) and
//! `@coral-xyz/anchor` 0.32 against real bytes from the bank: a short demo runs on the
//! embedded chain, a deposit request is left pending, and the accounts (Market,
//! Position, Request, Stake) and events (as the inner instructions carry them) are
//! dumped with what the program's own types read in them. The Node test
//! (clients/js/test/client.test.ts) decodes them with both clients and compares, then
//! builds `vault_cancel_deposit` with Codama from the owner, the market and two token
//! accounts alone (the request and the event authority from the IDL's recipes); this
//! test sends that instruction to the bank, which must accept it.
//!
//! Needs clients/js's node_modules: `.ci/run` runs `npm ci` there, then this test with
//! `--include-ignored`:
//!
//!     (cd clients/js && npm ci) && cargo test -p hedge-cli --test js_client -- --include-ignored

use std::path::PathBuf;
use std::process::Command;

use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AccountDeserialize, Discriminator};
use base64::Engine;
use hedge_client::client::Client;
use hedge_client::demo::{run_kept, DemoOptions};
use hedge_client::{keys, requests};
use hedge_engine::requests::RequestKind;
use hedge_vault::events::{FundingUpdated, PositionTraded, RequestCancelled, VaultDeposited};
use hedge_vault::state::{Market, Position, Request, Stake};
use serde_json::{json, Value};

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

async fn raw(client: &mut Client, key: &Pubkey) -> Vec<u8> {
    client
        .chain
        .account(key)
        .await
        .unwrap()
        .expect("the account exists")
        .data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs clients/js's node_modules: .ci/run runs `npm ci` there and passes --include-ignored"]
async fn the_js_clients_decode_bank_bytes_and_build_an_instruction_the_program_accepts() {
    std::env::set_var("RUST_LOG", "error");
    let f = run_kept(&DemoOptions {
        days: Some(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let market = f.market;
    let mut client = f.client;
    let me = client.pubkey();
    let m = client.market(&market, None).await.unwrap();

    // A deposit request left pending, by the client's wallet.
    client
        .mint_to(&m.state.collateral_mint, &me, 5_000_000_000)
        .await
        .unwrap();
    let cli = <hedge_client::cli::Cli as clap::Parser>::try_parse_from([
        "hedge",
        "vault",
        "deposit",
        &market.to_string(),
        "2",
        "--no-wait",
    ])
    .unwrap();
    hedge_client::cli::execute(cli.command, &mut client, None)
        .await
        .unwrap();
    let request_key = keys::request(&market, &me, RequestKind::Deposit);

    // Accounts: bytes and what the program's types read in them.
    let market_data = raw(&mut client, &market).await;
    let mk = Market::try_deserialize(&mut market_data.as_slice()).unwrap();
    let (pos_key, _) = hedge_client::keeper::chain::scan(&mut client, &market)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("a position");
    let pos_data = raw(&mut client, &pos_key).await;
    let pos = Position::try_deserialize(&mut pos_data.as_slice()).unwrap();
    let req_data = raw(&mut client, &request_key).await;
    let req = Request::try_deserialize(&mut req_data.as_slice()).unwrap();
    let stake_key = keys::stake(&market, &mk.creator);
    let stake_data = raw(&mut client, &stake_key).await;
    let stake = Stake::try_deserialize(&mut stake_data.as_slice()).unwrap();
    let accounts = json!({
        "Market": {"address": market.to_string(), "data": b64(&market_data), "discriminator": Market::DISCRIMINATOR, "fields": {
            "collateralMint": mk.collateral_mint.to_string(), "creator": mk.creator.to_string(), "admin": mk.admin.to_string(),
            "decimals": mk.decimals.to_string(), "collateral": mk.collateral.to_string(), "insurance": mk.insurance.to_string(),
            "netBase": mk.net_base.to_string(), "fundingRate": mk.funding_rate.to_string(), "waitingDeposits": mk.waiting_deposits.to_string(),
        }},
        "Position": {"address": pos_key.to_string(), "data": b64(&pos_data), "discriminator": Position::DISCRIMINATOR, "fields": {
            "owner": pos.owner.to_string(), "market": pos.market.to_string(), "base": pos.base.to_string(), "margin": pos.margin.to_string(),
        }},
        "Request": {"address": request_key.to_string(), "data": b64(&req_data), "discriminator": Request::DISCRIMINATOR, "fields": {
            "owner": req.owner.to_string(), "kind": req.kind.to_string(), "amount": req.amount.to_string(), "dueTime": req.due_time.to_string(),
            "waiting": req.waiting.to_string(),
        }},
        "Stake": {"address": stake_key.to_string(), "data": b64(&stake_data), "discriminator": Stake::DISCRIMINATOR, "fields": {
            "owner": stake.owner.to_string(), "market": stake.market.to_string(), "shares": stake.shares.to_string(),
        }},
    });

    // Events, as the inner instruction carries them: Anchor's event-CPI tag, then the
    // event's discriminator and borsh.
    let history = client.chain.history_since(&market, None).await.unwrap();
    let payloads: Vec<&Vec<u8>> = history.iter().flat_map(|t| &t.events).collect();
    let first = |d: &[u8]| {
        *payloads
            .iter()
            .rev()
            .find(|p| p.starts_with(d))
            .expect("an event of the kind")
    };
    let tagged = |p: &[u8]| {
        let mut v = anchor_lang::event::EVENT_IX_TAG_LE.to_vec();
        v.extend_from_slice(p);
        b64(&v)
    };
    let dep = first(VaultDeposited::DISCRIMINATOR);
    let d: VaultDeposited = hedge_client::chain::decode_event(dep).unwrap();
    let fu = first(FundingUpdated::DISCRIMINATOR);
    let u: FundingUpdated = hedge_client::chain::decode_event(fu).unwrap();
    let tr = first(PositionTraded::DISCRIMINATOR);
    let t: PositionTraded = hedge_client::chain::decode_event(tr).unwrap();
    let events = json!([
        {"name": "VaultDeposited", "ixData": tagged(dep), "fields": {"owner": d.owner.to_string(), "amount": d.amount.to_string(), "shares": d.shares.to_string(), "price": d.price.to_string(), "skewFee": d.skew_fee.to_string()}},
        {"name": "FundingUpdated", "ixData": tagged(fu), "fields": {"index": u.index.to_string(), "rate": u.rate.to_string(), "price": u.price.to_string(), "collateral": u.collateral.to_string(), "netBase": u.net_base.to_string(), "vaultEquity": u.vault_equity.to_string(), "hedgeRatio": u.hedge_ratio.to_string()}},
        {"name": "PositionTraded", "ixData": tagged(tr), "fields": {"owner": t.owner.to_string(), "deltaBase": t.delta_base.to_string(), "fillPrice": t.fill_price.to_string(), "reducing": t.reducing.to_string(), "netBaseAfter": t.net_base_after.to_string()}},
    ]);

    // What Codama is given to build the cancellation: no request, no event authority.
    let owner_token = Client::ata(&me, &m.state.collateral_mint);
    let expected = hedge_client::ix::vault_cancel_deposit(&m.keys, &me, &owner_token);
    let fixtures = json!({
        "program": hedge_vault::ID.to_string(),
        "accounts": accounts,
        "events": events,
        "cancel": {"owner": me.to_string(), "market": market.to_string(), "ownerToken": owner_token.to_string(), "collateralVault": m.keys.collateral_vault.to_string()},
        "eventAuthority": keys::event_authority().to_string(),
        "request": request_key.to_string(),
    });
    let dir = std::env::temp_dir().join(format!("hedge-js-client-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("fixtures.json"),
        serde_json::to_string_pretty(&fixtures).unwrap(),
    )
    .unwrap();

    let js = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients/js");
    let out = Command::new("npx")
        .args(["tsx", "--test", "test/client.test.ts"])
        .current_dir(&js)
        .env("HEDGE_JS_FIXTURES", &dir)
        .output()
        .expect("runs npx (Node 20) in clients/js");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{log}");
    assert!(out.status.success(), "the Node test failed:\n{log}");

    // The instruction Codama built: the Rust builder's, and the bank accepts it.
    let built: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("instruction.json")).unwrap()).unwrap();
    let ix = Instruction {
        program_id: built["programAddress"].as_str().unwrap().parse().unwrap(),
        accounts: built["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let key: Pubkey = a["address"].as_str().unwrap().parse().unwrap();
                // @solana/kit's AccountRole: bit 0 writable, bit 1 signer.
                let role = a["role"].as_u64().unwrap();
                AccountMeta {
                    pubkey: key,
                    is_signer: role & 2 != 0,
                    is_writable: role & 1 != 0,
                }
            })
            .collect(),
        data: base64::engine::general_purpose::STANDARD
            .decode(built["data"].as_str().unwrap())
            .unwrap(),
    };
    assert_eq!(
        ix, expected,
        "Codama's instruction differs from the Rust client's"
    );
    let sent = client.send(&[ix], &[]).await.expect("the program accepts it");
    let cancelled = sent.events::<RequestCancelled>();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        (cancelled[0].owner, cancelled[0].kind),
        (me, RequestKind::Deposit as u8)
    );
    assert!(requests::find(&mut client, &market, &me, RequestKind::Deposit)
        .await
        .unwrap()
        .is_none());
    let _ = std::fs::remove_dir_all(&dir);
}
