//! Every `hedge` command, parsed from argv exactly as the binary parses it, run on the
//! embedded chain; assertions on balances and report fields. The scenario the
//! localnet test runs over JSON-RPC (`app/tests/scenario/steps.json`) runs here too,
//! with the same checks.

mod env;
mod keeper;
#[path = "../scenario/mod.rs"]
mod scenario;

use env::{err_name, s, Env, ONE};
use scenario::{Scenario, Step};
use serde_json::Value;
use solana_signer::Signer;

#[tokio::test]
async fn the_localnet_scenario_on_the_embedded_chain() {
    let mut sc = Scenario::new();
    let mut env = Env::pull(hedge_client::pyth::parse_feed_id(sc.feed()).unwrap()).await;
    let admin = env.client.wallet.insecure_clone();
    let me = admin.pubkey();
    // As on the localnet: the keypair holds a million tokens.
    let mint = env.mint;
    env.client.mint_to(&mint, &me, 1_000_000 * ONE).await.unwrap();
    sc.bind(&mint.to_string(), &env.oracle.to_string());
    // The localnet rewrites the feed's sponsored account every second; here it is
    // republished at the chain's time before each command.
    let mut usd = 100.0;
    for i in 0..sc.len() {
        match sc.step(i) {
            Step::Run(cmd) => {
                env.advance(0, usd).await;
                let out = env
                    .run_as(&admin, &cmd)
                    .await
                    .unwrap_or_else(|e| panic!("step {i}: hedge {cmd}: {e:#}"));
                sc.check(i, &out);
            }
            Step::Price(p) => {
                // Published at once, as the localnet's feed does.
                usd = p;
                env.advance(0, usd).await;
            }
            Step::Wait(w) => env.advance(w as i64, usd).await,
        }
    }
    assert_eq!(sc.var("market"), env.market.to_string());
}

#[tokio::test]
async fn every_command_on_the_embedded_chain() {
    let mut env = Env::new().await;
    let admin = env.client.wallet.insecure_clone();
    let (oracle, market) = (env.oracle, env.market);

    // market create: parameters out of range are refused before sending, by rule.
    let (mint, price_account) = (env.mint, env.oracle);
    let e = env
        .run_as(
            &admin,
            &format!(
                "market create --mint {mint} --price-account {price_account} --oracle-kind legacy \
                 --seed-insurance 10 --withdraw-delay 5"
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "market parameters out of range: withdraw_delay between 60 s and the delay maximum \
         (the program refuses them with InvalidParameter)"
    );

    // market create | list | show. This walkthrough checks every command's figures by
    // hand on revision 3's pricing (one-way impact fee of 0.1%, velocity-only funding,
    // income at once), set by the flags that override the two-way defaults; the
    // defaults' own story is the scenario's (app/tests/scenario/steps.json) and the
    // demo's.
    let v = env
        .create_market(
            &admin,
            10,
            "--skew-scale 100 --withdraw-delay 600 --impact-fee 0.1% --skew-scale-ratio 0 \
             --skew-rebate 0 --funding-target 0 --funding-reversion 0 --profit-unlock 0 \
             --hedge-tolerance 0 --max-hedge-cost 100%",
        )
        .await;
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
    // The 10-token seed stake at 100 USD covers 1000 / (30% - 10%) = 5000 USD of open
    // interest on a 30% gap; the configured cap is larger, and flagged.
    assert_eq!(v["stress_sized_open_interest_usd"], 5000);
    assert!(
        s(&v, "warning").contains("exceeds what the insurance fund covers on a 30.0000% gap"),
        "{v}"
    );

    // vault deposit (request, wait for the due time, execute) | show
    let holder = env.user(20 * ONE).await;
    let v = env
        .run_as(&holder, &format!("vault deposit {market} 12.5"))
        .await
        .unwrap();
    let x = &v["execution"];
    assert_eq!(x["executed"], true, "{v}");
    assert_eq!(s(x, "amount"), "12.500000000");
    // Shares carry 3 more decimals than the token: 12.5 tokens mint 12.5 shares.
    assert_eq!(s(x, "shares"), "12.500000000000");
    assert_eq!(s(x, "price"), "100.000000");
    assert_eq!(env.balance(&holder.pubkey()).await, 7_500_000_000);
    // Refused at execution, by name: the vault's hedge ratio would be 0% with no
    // trader yet. The request is cancelled and the tokens come back.
    let v = env
        .run_as(
            &holder,
            &format!("vault deposit {market} 1 --min-hedge-ratio 50%"),
        )
        .await
        .unwrap();
    assert_eq!(v["execution"]["executed"], false, "{v}");
    assert_eq!(s(&v["execution"], "refused"), "HedgeRatioBelowMinimum");
    assert_eq!(env.balance(&holder.pubkey()).await, 7_500_000_000);

    // position open | deposit | trade | show
    let trader = env.user(10 * ONE).await;
    env.run_as(&trader, &format!("position open {market}"))
        .await
        .unwrap();
    env.run_as(&trader, &format!("position deposit {market} 2"))
        .await
        .unwrap();
    // A limit below the price refuses a buy at execution.
    let v = env
        .run_as(&trader, &format!("position trade {market} 10 --limit 99.5"))
        .await
        .unwrap();
    assert_eq!(s(&v["execution"], "refused"), "SlippageExceeded", "{v}");
    let v = env
        .run_as(&trader, &format!("position trade {market} 10 --limit 100.5"))
        .await
        .unwrap();
    let x = &v["execution"];
    assert_eq!(s(x, "base_after"), "10.000000000", "{v}");
    assert_eq!(s(x, "fill_price"), "100.000000");
    // The long moves the skew N - hC from -12.5 to -2.5, toward zero: no impact fee;
    // taker fee 0.1% of 10.
    assert_eq!(s(x, "fee"), "0.010000000");
    assert_eq!(s(x, "impact_fee"), "0.000000000");
    assert_eq!(x["reducing"], false);
    let v = env
        .run_as(&trader, &format!("position show {market}"))
        .await
        .unwrap();
    assert_eq!(s(&v, "side"), "long");
    assert_eq!(s(&v, "entry_price"), "100.000000");
    assert_eq!(v["liquidatable"], false);
    // 10 long at 100 with 1.99 margin: 100 / (1 + 0.199 - 0.05) = 87.03
    assert!(s(&v, "liquidation_price").starts_with("87.0"), "{v}");
    let v = env
        .run_as(&holder, &format!("vault show {market}"))
        .await
        .unwrap();
    // 80% of the 0.01 fee to the vault: C = 12.508, hedge ratio 10 / 12.508.
    assert_eq!(s(&v, "hedge_ratio"), "79.9488%");
    assert_eq!(s(&v, "collateral"), "12.508000000");
    assert_eq!(s(&v, "your_shares"), "12.500000000000");

    // insurance stake | deposit | show
    let staker = env.user(3 * ONE).await;
    let v = env
        .run_as(&staker, &format!("insurance stake {market} 2"))
        .await
        .unwrap();
    let staked_shares = v["shares"].as_u64().unwrap();
    // 2 tokens into a fund of 10.002 tokens and 10^13 shares (+1 virtual token unit,
    // +1000 virtual shares): floor(2e9 * (1e13 + 1000) / (10.002e9 + 1)).
    assert_eq!(
        u128::from(staked_shares),
        2_000_000_000u128 * (10_000_000_000_000 + 1_000) / (10_002_000_000 + 1)
    );
    env.run_as(&staker, &format!("insurance deposit {market} 0.5"))
        .await
        .unwrap();
    let v = env
        .run_as(&staker, &format!("insurance show {market}"))
        .await
        .unwrap();
    assert_eq!(v["your_shares"].as_u64(), Some(staked_shares));
    assert_eq!(s(&v, "fund"), "12.502000000");
    let supply = 10_000_000_000_000u128 + u128::from(staked_shares);
    // The donation is the fund's income: locked (revision 5), with what is left of the
    // fee income of the trades before, so not yet in a stake's value.
    let locked = hedge_client::units::parse_amount(&s(&v, "locked_income"), 9).unwrap();
    assert!((500_000_000..510_000_000).contains(&locked), "{locked}");
    let value = u128::from(staked_shares) * (12_502_000_000 - u128::from(locked) + 1) / (supply + 1_000);
    assert_eq!(
        s(&v, "your_value"),
        hedge_client::units::format_amount(value as i128, 9)
    );
    // 12.502 tokens at 100 USD cover 1250.2 / 0.2 = 6251 USD on a 30% gap.
    let v = env
        .run_as(&admin, &format!("market show {market}"))
        .await
        .unwrap();
    assert_eq!(v["stress_sized_open_interest_usd"], 6251);

    // crank funding; time passes
    env.advance(3_600, 100.0).await;
    let v = env
        .run_as(&admin, &format!("crank funding {market}"))
        .await
        .unwrap();
    assert_eq!(v["charged_seconds"], 3_600);

    // vault withdraw --no-wait | request list | request execute (early, then due)
    let v = env
        .run_as(&holder, &format!("vault withdraw {market} 2.5 --no-wait"))
        .await
        .unwrap();
    let due = v["request"]["due_time"].as_i64().unwrap();
    assert_eq!(due, env.client.chain.unix_time().await.unwrap() + 600);
    let v = env
        .run_as(&holder, &format!("request list {market}"))
        .await
        .unwrap();
    let list = &v["requests"];
    assert_eq!(list.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(
        (s(&list[0], "kind"), s(&list[0], "state")),
        ("withdraw".into(), "waiting".into())
    );
    let early = env
        .run_as(
            &admin,
            &format!("request execute {market} withdraw --owner {}", holder.pubkey()),
        )
        .await
        .unwrap_err();
    assert_eq!(err_name(&early).as_deref(), Some("RequestNotDue"), "{early}");
    env.advance(600, 100.0).await;
    let before = env.balance(&holder.pubkey()).await;
    let v = env
        .run_as(
            &admin,
            &format!("request execute {market} withdraw --owner {}", holder.pubkey()),
        )
        .await
        .unwrap();
    let paid = hedge_client::units::parse_amount(&s(&v, "paid"), 9).unwrap();
    assert!(paid > 2_490_000_000 && paid <= 2_510_000_000, "{paid}");
    assert_eq!(env.balance(&holder.pubkey()).await, before + paid);
    assert_eq!(s(&v, "shares_remaining"), "0.000000000000");

    // A trade requested and cancelled before its due time.
    env.run_as(&trader, &format!("position trade {market} 1 --no-wait"))
        .await
        .unwrap();
    env.run_as(&trader, &format!("request cancel {market} trade"))
        .await
        .unwrap();
    let v = env
        .run_as(&trader, &format!("request list {market}"))
        .await
        .unwrap();
    assert_eq!(v["requests"].as_array().unwrap().len(), 0, "{v}");

    // position trade back, withdraw, close
    let v = env
        .run_as(&trader, &format!("position trade {market} -10"))
        .await
        .unwrap();
    assert_eq!(s(&v["execution"], "base_after"), "0.000000000", "{v}");
    let amount = |v: &Value, k: &str| hedge_client::units::parse_amount(&s(v, k), 9).unwrap();
    let close_taker_fee = amount(&v["execution"], "fee") - amount(&v["execution"], "impact_fee");
    let v = env
        .run_as(&trader, &format!("position withdraw {market} 0.5"))
        .await
        .unwrap();
    assert_eq!(s(&v["execution"], "amount"), "0.500000000", "{v}");
    let before = env.balance(&trader.pubkey()).await;
    let v = env
        .run_as(&trader, &format!("position close {market}"))
        .await
        .unwrap();
    let returned = hedge_client::units::parse_amount(&s(&v, "returned"), 9).unwrap();
    assert_eq!(env.balance(&trader.pubkey()).await, before + returned);

    // vault statement: replayed from the market's history. The holder was the only
    // shareholder through both trades, so the vault's part of their taker fees (80%;
    // the impact fee goes to the insurance fund) is all theirs.
    let st = env
        .run_as(&holder, &format!("vault statement {market}"))
        .await
        .unwrap();
    assert_eq!(st["deposits"].as_array().unwrap().len(), 1, "{st}");
    assert_eq!(s(&st, "deposited_tokens"), "12.500000000");
    assert_eq!(st["deposited_usd"], 1250.0);
    assert_eq!(st["withdrawals"].as_array().unwrap().len(), 1, "{st}");
    assert_eq!(amount(&st, "withdrawn_tokens"), paid);
    let line = |name: &str| {
        st["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("no line {name} in {st}"))
            .clone()
    };
    assert_eq!(
        amount(&line(hedge_client::reports::statement::FEES), "tokens"),
        (10_000_000 + close_taker_fee) * 4 / 5,
        "{st}"
    );
    assert_eq!(
        s(&line(hedge_client::reports::statement::SOCIALIZED), "tokens"),
        "0.000000000"
    );
    // The lines add up to the result, to the native unit: what the holder holds now
    // and withdrew, less what it deposited.
    let sum: i128 = st["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["native"].as_i64().unwrap() as i128)
        .sum();
    assert_eq!(sum, st["result"]["native"].as_i64().unwrap() as i128, "{st}");
    assert_eq!(
        st["result"]["native"].as_i64().unwrap() as i128,
        i128::from(amount(&st, "value_now_tokens")) + i128::from(paid) - 12_500_000_000,
        "{st}"
    );
    // The holder was the only one: its share of the fees is all of the vault's part,
    // and what is left to explain at a price that did not move is rounding.
    assert!(
        line(hedge_client::reports::statement::REST)["native"]
            .as_i64()
            .unwrap()
            .abs()
            <= 2,
        "{st}"
    );
    assert_eq!(s(&st, "shares_unaccounted"), "0.000000000000");
    assert_eq!(s(&st, "supply_unaccounted"), "0.000000000000");
    let shown = env
        .run_as(&holder, &format!("vault show {market}"))
        .await
        .unwrap();
    assert_eq!(s(&st, "value_now_tokens"), s(&shown, "your_value"));
    let hedged = st["value_now_usd"].as_f64().unwrap() + st["withdrawn_usd"].as_f64().unwrap() - 1250.0;
    assert!(
        (st["hedged_result_usd"].as_f64().unwrap() - hedged).abs() < 1e-6,
        "{st}"
    );

    // A withdrawal whose owner closed his token account after requesting: executed all
    // the same, the payment held for his claim; `request list` shows it and `request
    // claim` takes it into a re-created account (PROTOCOL section 6a).
    let v = env
        .run_as(&holder, &format!("vault withdraw {market} 1 --no-wait"))
        .await
        .unwrap();
    let due = v["request"]["due_time"].as_i64().unwrap();
    let ata = hedge_client::client::Client::ata(&holder.pubkey(), &env.mint);
    let admin_ata = env.client.ensure_ata(&admin.pubkey(), &env.mint).await.unwrap();
    let parked = env.balance(&holder.pubkey()).await;
    use anchor_spl::token::spl_token::instruction as tok;
    let ixs = [
        tok::transfer(
            &anchor_spl::token::ID,
            &ata,
            &admin_ata,
            &holder.pubkey(),
            &[],
            parked,
        )
        .unwrap(),
        tok::close_account(
            &anchor_spl::token::ID,
            &ata,
            &holder.pubkey(),
            &holder.pubkey(),
            &[],
        )
        .unwrap(),
    ];
    env.client.send(&ixs, &[&holder]).await.unwrap();
    env.advance(due - env.now, 100.0).await;
    let v = env
        .run_as(
            &admin,
            &format!("request execute {market} withdraw --owner {}", holder.pubkey()),
        )
        .await
        .unwrap();
    let held = hedge_client::units::parse_amount(&s(&v["held_for_claim"], "tokens"), 9).unwrap();
    assert_eq!(
        held,
        hedge_client::units::parse_amount(&s(&v, "paid"), 9).unwrap(),
        "{v}"
    );
    let v = env
        .run_as(&holder, &format!("request list {market}"))
        .await
        .unwrap();
    assert_eq!(v["claims"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(s(&v["claims"][0], "kind"), "withdraw");
    let v = env
        .run_as(&holder, &format!("request claim {market}"))
        .await
        .unwrap();
    assert_eq!(v[0]["tokens"].as_u64(), Some(held), "{v}");
    assert_eq!(env.balance(&holder.pubkey()).await, held);
    let v = env
        .run_as(&holder, &format!("request list {market}"))
        .await
        .unwrap();
    assert_eq!(v["claims"].as_array().unwrap().len(), 0, "{v}");

    // insurance unstake: the request, the cooldown (1 day, the embedded clock moves
    // there), the execution
    let half = staked_shares / 2;
    let before = env.balance(&staker.pubkey()).await;
    let v = env
        .run_as(&staker, &format!("insurance unstake {market} {half}"))
        .await
        .unwrap();
    assert_eq!(v["execution"]["shares"], half, "{v}");
    let paid = hedge_client::units::parse_amount(&s(&v["execution"], "paid"), 9).unwrap();
    assert!(paid > ONE, "half the staker's shares pay over 1 token: {paid}");
    assert_eq!(env.balance(&staker.pubkey()).await, before + paid);

    // oracle show from the chain; crank liquidate and crank requests with nothing to
    // do; keeper run once
    env.advance(1, 100.0).await;
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
        .run_as(&admin, &format!("crank requests {market}"))
        .await
        .unwrap();
    assert_eq!(v["pending"], 0, "{v}");
    let v = env
        .run_as(
            &admin,
            &format!("keeper run {market} --iterations 1 --interval 0"),
        )
        .await
        .unwrap();
    assert_eq!(v["passes"], 1);
    assert!(v["last"]["funding"]["rate"].is_i64(), "{v}");
    assert_eq!(v["last"]["transactions"], 1, "{v}");
}
