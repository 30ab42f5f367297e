//! Sizes and the bank's compute-unit figures of every account and user-facing
//! instruction (docs/PERFORMANCE.md): account bytes and rent, each instruction's
//! account count and serialized transaction size, and the compute units the bank
//! charges for it.
//!
//! The program runs natively here, so the bank charges its own code 1 CU per
//! invocation (solana-program-test's mock builtin) and charges in full what it calls
//! on SBF: the SPL Token program (a real SBF binary in the bank). The CU figure of an
//! instruction is therefore its SPL Token cost, measured; PERFORMANCE.md adds the
//! engine's (measured on the SBF VM) and Anchor's and the CPIs' (cited).
//!
//!     RUST_LOG=error cargo test -p hedge-tests --test sizes -- --nocapture

use anchor_spl::token::spl_token;
use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::constants::{POSITION_SEED, REQUEST_SEED, STAKE_SEED};
use solana_signer::Signer;

mod measure;

use measure::*;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

#[tokio::test]
async fn account_sizes_rent_and_instruction_costs() {
    let mut h = Harness::new(Setup::default()).await;
    let rent = h.ctx.banks_client.get_rent().await.unwrap();
    let mut rows = Vec::new();
    // A plain SPL Token transfer, the unit of every movement of tokens.
    let (a, b) = (h.user(10 * ONE).await, h.user(0).await);
    let t = spl_token::instruction::transfer(&spl_token::ID, &a.token, &b.token, &a.key(), &[], ONE).unwrap();
    let transfer = measure(&mut h, &mut rows, "SPL Token transfer (reference)", t, &[&a.kp])
        .await
        .compute_units;
    let u = market_update_funding(&h);
    let empty = measure(&mut h, &mut rows, "market_update_funding", u, &[])
        .await
        .compute_units;
    // Loaded from an SBF build (HEDGE_PROGRAM_SO_DIR), the program's own work is
    // metered too and the figures are whole instructions' costs.
    let sbf = std::env::var_os("HEDGE_PROGRAM_SO_DIR").is_some();
    // Natively: the compute-budget instruction and the mock builtin's 1 CU per
    // invocation: what an instruction without token movements is charged.
    assert!(sbf || empty < 500, "{empty}");
    // With p-token as the Token program (HEDGE_TOKEN_SO, tools/p-token) a transfer is
    // about 200 CU; SPL Token 3.5's, the bank's own, about 4,800.
    let p_token = std::env::var_os("HEDGE_TOKEN_SO").is_some();
    assert!(p_token || transfer > 1_000, "{transfer}");

    let lp = h.user(100 * ONE).await;
    let r = vault_request_deposit(&h, &lp, 50 * ONE, 0);
    measure(&mut h, &mut rows, "vault_request_deposit", r, &[&lp.kp]).await;
    searched(
        &mut rows,
        &[
            REQUEST_SEED,
            h.market.as_ref(),
            lp.key().as_ref(),
            &[RequestKind::Deposit as u8],
        ],
    );
    let r = h.request_state(&lp.key(), RequestKind::Deposit).await.unwrap();
    h.set_time(r.due_time).await;
    let o = h.publish_for_due(r.due_time).await;
    let keeper = h.keeper.kp.insecure_clone();
    let x = execute(&h, RequestKind::Deposit, &lp, &o);
    let dep = measure(&mut h, &mut rows, "vault_execute_deposit", x, &[&keeper]).await;
    // One transfer (escrow to C is a ledger move) and one mint: the bank charges
    // the mint alone.
    assert!(sbf || dep.compute_units > empty, "{}", dep.compute_units);

    let t = h.user(10 * ONE).await;
    let o = position_open(&h, &t);
    measure(&mut h, &mut rows, "position_open", o, &[&t.kp]).await;
    searched(&mut rows, &[POSITION_SEED, h.market.as_ref(), t.key().as_ref()]);
    h.positions.push(position_pda(&h.market, &t.key()));
    let d = position_deposit(&h, &t, 2 * ONE);
    let pd = measure(&mut h, &mut rows, "position_deposit", d, &[&t.kp]).await;
    // One transfer: the reference transfer's cost, give or take the mock builtin's
    // 1 CU per invocation (the event's self-CPI) and its 140 CU per sysvar read (the
    // execution reads the clock once more than the crank).
    let one_transfer = |cu: u64| sbf || p_token || (cu - empty).abs_diff(transfer - empty) <= 10;
    assert!(one_transfer(pd.compute_units), "{}", pd.compute_units);
    let q = position_request_trade(&h, &t, 5 * IONE, 0);
    measure(&mut h, &mut rows, "position_request_trade", q, &[&t.kp]).await;
    searched(
        &mut rows,
        &[
            REQUEST_SEED,
            h.market.as_ref(),
            t.key().as_ref(),
            &[RequestKind::Trade as u8],
        ],
    );
    let r = h.request_state(&t.key(), RequestKind::Trade).await.unwrap();
    h.set_time(r.due_time).await;
    let o = h.publish_for_due(r.due_time).await;
    let x = execute(&h, RequestKind::Trade, &t, &o);
    let tr = measure(&mut h, &mut rows, "position_execute_trade", x, &[&keeper]).await;
    // The insurance fund's share of the fee moves in one transfer.
    assert!(one_transfer(tr.compute_units - 140), "{}", tr.compute_units);
    h.set_usd(100.0).await;
    let s = position_settle_funding(&h, &t.key());
    measure(&mut h, &mut rows, "position_settle_funding", s, &[]).await;
    let w = position_request_withdraw(&h, &t, ONE / 10);
    measure(&mut h, &mut rows, "position_request_withdraw", w, &[&t.kp]).await;
    searched(
        &mut rows,
        &[
            REQUEST_SEED,
            h.market.as_ref(),
            t.key().as_ref(),
            &[RequestKind::MarginWithdraw as u8],
        ],
    );
    let r = h
        .request_state(&t.key(), RequestKind::MarginWithdraw)
        .await
        .unwrap();
    h.set_time(r.due_time).await;
    let o = h.publish_for_due(r.due_time).await;
    let x = execute(&h, RequestKind::MarginWithdraw, &t, &o);
    measure(&mut h, &mut rows, "position_execute_withdraw", x, &[&keeper]).await;

    // A liquidation: a 9x long and a 9% drop.
    let v = h.user(10 * ONE).await;
    h.trader(&v, ONE).await;
    h.trade(&v, 9 * IONE).await;
    h.set_usd(91.0).await;
    let liq = h.user(0).await;
    let l = position_liquidate(&h, &liq, &v.key(), &h.oracle);
    measure(&mut h, &mut rows, "position_liquidate", l, &[&liq.kp]).await;
    h.set_usd(100.0).await;

    let shares = h.token_balance(lp.shares).await;
    let w = vault_request_withdraw(&h, &lp, shares / 10);
    measure(&mut h, &mut rows, "vault_request_withdraw", w, &[&lp.kp]).await;
    searched(
        &mut rows,
        &[
            REQUEST_SEED,
            h.market.as_ref(),
            lp.key().as_ref(),
            &[RequestKind::Withdraw as u8],
        ],
    );
    let r = h.request_state(&lp.key(), RequestKind::Withdraw).await.unwrap();
    h.set_time(r.due_time).await;
    let o = h.publish_for_due(r.due_time).await;
    let x = execute(&h, RequestKind::Withdraw, &lp, &o);
    measure(&mut h, &mut rows, "vault_execute_withdraw", x, &[&keeper]).await;

    let s = insurance_stake(&h, &lp, ONE);
    measure(&mut h, &mut rows, "insurance_stake", s, &[&lp.kp]).await;
    searched(&mut rows, &[STAKE_SEED, h.market.as_ref(), lp.key().as_ref()]);
    let st: hedge_vault::state::Stake = h.anchor_account(stake_pda(&h.market, &lp.key())).await;
    let u = insurance_request_unstake(&h, &lp, st.shares);
    measure(&mut h, &mut rows, "insurance_request_unstake", u, &[&lp.kp]).await;
    searched(
        &mut rows,
        &[
            REQUEST_SEED,
            h.market.as_ref(),
            lp.key().as_ref(),
            &[RequestKind::Unstake as u8],
        ],
    );
    let r = h.request_state(&lp.key(), RequestKind::Unstake).await.unwrap();
    h.set_time(r.due_time).await;
    let oracle = h.oracle;
    let x = execute(&h, RequestKind::Unstake, &lp, &oracle);
    measure(&mut h, &mut rows, "insurance_execute_unstake", x, &[&keeper]).await;

    // Every kind's cancellation, by its owner before the due time (a fresh price for
    // the withdrawal's request).
    h.set_usd(100.0).await;
    let r = vault_request_deposit(&h, &lp, ONE, 0);
    h.send(&[r], &[&lp.kp]).await.ok();
    let c = cancel(&h, RequestKind::Deposit, &lp);
    measure(&mut h, &mut rows, "vault_cancel_deposit", c, &[&lp.kp]).await;
    let shares = h.token_balance(lp.shares).await;
    let w = vault_request_withdraw(&h, &lp, shares / 10);
    h.send(&[w], &[&lp.kp]).await.ok();
    let c = cancel(&h, RequestKind::Withdraw, &lp);
    measure(&mut h, &mut rows, "vault_cancel_withdraw", c, &[&lp.kp]).await;
    let q = position_request_trade(&h, &t, IONE, 0);
    h.send(&[q], &[&t.kp]).await.ok();
    let c = cancel(&h, RequestKind::Trade, &t);
    measure(&mut h, &mut rows, "position_cancel_request", c, &[&t.kp]).await;
    let s = insurance_stake(&h, &lp, ONE);
    h.send(&[s], &[&lp.kp]).await.ok();
    let st: hedge_vault::state::Stake = h.anchor_account(stake_pda(&h.market, &lp.key())).await;
    let u = insurance_request_unstake(&h, &lp, st.shares);
    h.send(&[u], &[&lp.kp]).await.ok();
    let c = cancel(&h, RequestKind::Unstake, &lp);
    measure(&mut h, &mut rows, "insurance_cancel_unstake", c, &[&lp.kp]).await;

    // Six trade executions due at the same time, in one transaction: what fits its
    // bytes (docs/KEEPERS.md), and what it costs.
    let mut batch = Vec::new();
    let mut owners = Vec::new();
    for _ in 0..6 {
        let o = h.user(2 * ONE).await;
        h.trader(&o, ONE).await;
        owners.push(o);
    }
    for o in &owners {
        let q = position_request_trade(&h, o, IONE / 2, 0);
        h.send(&[q], &[&o.kp]).await.ok();
    }
    let due = h
        .request_state(&owners[5].key(), RequestKind::Trade)
        .await
        .unwrap()
        .due_time;
    h.set_time(due).await;
    let mut o = h.publish_for_due(due).await;
    for u in &owners {
        let r = h.request_state(&u.key(), RequestKind::Trade).await.unwrap();
        if r.due_time != due {
            o = h.publish_for_due(r.due_time).await;
        }
        batch.push(execute(&h, RequestKind::Trade, u, &o));
    }
    let payer = h.payer();
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &batch,
        Some(&payer.pubkey()),
        &[&payer, &keeper],
        h.ctx.last_blockhash,
    );
    let bytes = 1 + tx.signatures.len() * 64 + tx.message.serialize().len();
    let out = h.send(&batch, &[&keeper]).await;
    out.ok();
    assert_eq!(out.events::<hedge_vault::events::PositionTraded>().len(), 6);
    assert!(bytes <= 1232 && out.compute_units <= 1_400_000);
    println!(
        "batch of 6 trade executions: {bytes} bytes, {} compute units",
        out.compute_units
    );

    // Close the trader (flat first).
    h.trade(&t, -5 * IONE).await;
    let c = position_close(&h, &t);
    measure(&mut h, &mut rows, "position_close", c, &[&t.kp]).await;

    // A liquidation on a pull market (the default): the price and its confirmation
    // are two updates of the feed, each decoded and checked.
    let mut hp = Harness::new(Setup {
        oracle_kind: hedge_vault::state::OracleKind::PythPullV2,
        ..Setup::default()
    })
    .await;
    let lp2 = hp.user(100 * ONE).await;
    hp.deposit(&lp2, 100 * ONE).await;
    let v2 = hp.user(10 * ONE).await;
    hp.trader(&v2, ONE).await;
    hp.trade(&v2, 9 * IONE).await;
    hp.set_usd(91.0).await;
    // The drop lasts the confirmation delay: the update that confirms it shows 91 too.
    hp.advance(i64::from(hp.setup.oracle_config.liquidation_confirmation) + 1)
        .await;
    hp.set_usd(91.0).await;
    let liq2 = hp.user(0).await;
    let l = hp.liquidate_ix(&liq2, &v2.key()).await;
    measure(&mut hp, &mut rows, "position_liquidate (pull)", l, &[&liq2.kp]).await;

    // Every instruction fits the default per-instruction budget.
    for r in &rows {
        assert!(r.cu < 200_000, "{}: {} CU", r.name, r.cu);
    }
    let what = if sbf {
        "bank CU (whole instruction, SBF)"
    } else {
        "bank CU (SPL Token part)"
    };
    println!("| instruction | accounts | transaction bytes | {what} |");
    println!("|---|---:|---:|---:|");
    for r in &rows {
        println!("| {} | {} | {} | {} |", r.name, r.accounts, r.bytes, r.cu);
    }
    // (Not with the trace points built in: each costs about 200 CU.)
    if sbf && std::env::var_os("HEDGE_CU_TRACE").is_none() {
        check_cu_baseline(&rows);
    }

    // The other instructions: accounts and transaction bytes (built, not sent; their
    // preconditions are the subject of admin.rs, market.rs and liquidation.rs).
    let admin = h.admin.insecure_clone();
    let a = admin.pubkey();
    let p = h.setup.params.into();
    let oc = h.setup.oracle_config;
    let ac = h.setup.admin_config;
    let others: Vec<(&str, Instruction, Vec<&solana_keypair::Keypair>)> = vec![
        ("market_create", market_create(&h, p, oc), vec![&admin]),
        (
            "market_auto_deleverage",
            market_auto_deleverage(&h, &v.key(), &h.oracle),
            vec![],
        ),
        (
            "market_propose_params",
            market_propose_params(&h, &a, p, oc, ac),
            vec![&admin],
        ),
        (
            "market_propose_settlement",
            market_propose_settlement(&h, &a),
            vec![&admin],
        ),
        (
            "market_apply_proposal",
            market_apply_proposal(&h, &a),
            vec![&admin],
        ),
        (
            "market_cancel_proposal",
            market_cancel_proposal(&h, &a),
            vec![&admin],
        ),
        (
            "market_lengthen_timelock",
            market_lengthen_timelock(&h, &a, 2 * 86_400),
            vec![&admin],
        ),
        (
            "market_set_guardian",
            market_set_guardian(&h, &a, lp.key()),
            vec![&admin],
        ),
        (
            "market_propose_admin",
            market_propose_admin(&h, &a, lp.key()),
            vec![&admin],
        ),
        (
            "market_accept_admin",
            market_accept_admin(&h, &lp.key()),
            vec![&lp.kp],
        ),
        ("market_set_pause", market_set_pause(&h, &a, true), vec![&admin]),
        (
            "address_release",
            hedge_client::ix::address_release(
                &lp.key(),
                hedge_client::keys::stake_seeds(&h.market, &lp.key()),
            ),
            vec![&lp.kp],
        ),
        ("insurance_deposit", insurance_deposit(&h, &lp, ONE), vec![&lp.kp]),
        (
            "request_claim",
            request_claim(&h, &lp, RequestKind::Withdraw),
            vec![&lp.kp],
        ),
        (
            "market_prove_feed_alive",
            market_prove_feed_alive(&h, &lp.key(), &h.oracle),
            vec![&lp.kp],
        ),
    ];
    println!("| instruction | accounts | transaction bytes |");
    println!("|---|---:|---:|");
    for (name, ix, signers) in &others {
        let bytes = tx_bytes(&h, ix, signers);
        assert!(bytes <= 1232, "{name}: {bytes} bytes");
        println!("| {name} | {} | {bytes} |", ix.accounts.len());
    }
    // With the measured ones, every instruction of the program's IDL.
    let idl: serde_json::Value = serde_json::from_str(include_str!("../../../idl/hedge_vault.json")).unwrap();
    let in_idl: std::collections::BTreeSet<&str> = idl["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    let here: std::collections::BTreeSet<&str> = rows
        .iter()
        .skip(1)
        .map(|r| r.name.split(' ').next().unwrap())
        .chain(others.iter().map(|o| o.0))
        .collect();
    assert_eq!(here, in_idl);

    // Account sizes: what the program allocates, as the chain holds it.
    let market = h.account(h.market).await.unwrap();
    let position = h.account(position_pda(&h.market, &v.key())).await.unwrap();
    let stake = h.account(stake_pda(&h.market, &h.admin.pubkey())).await.unwrap();
    let q = position_request_trade(&h, &v, -IONE, 0);
    h.send(&[q], &[&v.kp]).await.ok();
    let request = h
        .account(request_pda(&h.market, &v.key(), RequestKind::Trade))
        .await
        .unwrap();
    let spaces = [
        (
            "Market",
            market.data.len(),
            8 + <hedge_vault::state::Market as anchor_lang::Space>::INIT_SPACE,
        ),
        (
            "Position",
            position.data.len(),
            8 + <hedge_vault::state::Position as anchor_lang::Space>::INIT_SPACE,
        ),
        (
            "Request",
            request.data.len(),
            8 + <hedge_vault::state::Request as anchor_lang::Space>::INIT_SPACE,
        ),
        (
            "Stake",
            stake.data.len(),
            8 + <hedge_vault::state::Stake as anchor_lang::Space>::INIT_SPACE,
        ),
        ("SPL token account", 165, 165),
        ("SPL mint", 82, 82),
    ];
    println!("| account | bytes | rent-exempt lamports |");
    println!("|---|---:|---:|");
    for (name, len, space) in spaces {
        assert_eq!(len, space, "{name}");
        println!("| {name} | {len} | {} |", rent.minimum_balance(len));
    }
    // The request account holds its rent and the execution fee until it closes.
    assert_eq!(
        request.lamports,
        rent.minimum_balance(request.data.len()) + h.setup.params.execution_fee_lamports
    );
}
