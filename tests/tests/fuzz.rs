//! Random instruction sequences through the real bank (PROTOCOL section 7: "test them;
//! fuzz them"). Seeded, so a failure replays. After every step: token conservation
//! (7.1) and zero-sum (7.2); every refusal must be a named error (a program error or
//! Anchor's), never a panic or an unnamed failure.

use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::{is_liquidatable, MarketView};
use hedge_engine::PRICE_PRECISION;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::state::{InsuranceStake, WithdrawRequest};

const ONE: u64 = 1_000_000_000;

/// xorshift64*: small, deterministic, good enough to pick actions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A failed step must be a named error and change nothing (checked by the
/// invariants, which compare every ledger with every token account).
fn named(out: &Outcome) {
    if out.result.is_ok() {
        return;
    }
    let code = out
        .custom_error()
        .unwrap_or_else(|| panic!("unnamed failure: {:?}\n{}", out.result, out.logs.join("\n")));
    let ok = (6000..6100).contains(&code) || (2000..5000).contains(&code) || code <= 20;
    assert!(
        ok,
        "error {code} is neither a program nor an Anchor nor a token-program error"
    );
}

/// Successes and refusals per action kind, to show the sequence did real work.
#[derive(Default, Debug)]
struct Tally {
    ok: [u32; 12],
    refused: [u32; 12],
    liquidations: u32,
}

async fn run(seed: u64, steps: usize) -> Tally {
    let mut tally = Tally::default();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut h = Harness::new(Setup::default()).await;
    let lps = [h.user(200 * ONE).await, h.user(200 * ONE).await];
    let traders = [
        h.user(50 * ONE).await,
        h.user(50 * ONE).await,
        h.user(50 * ONE).await,
        h.user(50 * ONE).await,
    ];
    let staker = h.user(20 * ONE).await;
    let keeper = h.user(0).await;
    for t in &traders {
        h.trader(t, 2 * ONE).await;
    }
    h.deposit(&lps[0], 50 * ONE).await;
    let mut usd: f64 = 100.0;
    for _ in 0..steps {
        let action = rng.below(12);
        let out = match action {
            0 => {
                // The price moves up to 12% and up to 10 minutes pass.
                let pct = rng.below(2401) as f64 / 100.0 - 12.0;
                usd = (usd * (1.0 + pct / 100.0)).clamp(5.0, 1_000.0);
                h.advance(rng.below(600) as i64).await;
                h.set_usd(usd).await;
                None
            }
            1 => {
                let lp = &lps[rng.below(2) as usize];
                Some(
                    h.send(&[vault_deposit(&h, lp, 1 + rng.below(30 * ONE), 0)], &[&lp.kp])
                        .await,
                )
            }
            2 => {
                let lp = &lps[rng.below(2) as usize];
                let shares = h.token_balance(lp.shares).await;
                let pending: Option<WithdrawRequest> = {
                    let k = withdraw_pda(&h.market, &lp.key());
                    match h.account(k).await {
                        Some(a) => {
                            anchor_lang::AccountDeserialize::try_deserialize(&mut a.data.as_slice()).ok()
                        }
                        None => None,
                    }
                };
                if pending.is_some_and(|p| p.shares > 0) {
                    Some(h.send(&[vault_withdraw(&h, lp)], &[&lp.kp]).await)
                } else {
                    Some(
                        h.send(
                            &[vault_request_withdraw(&h, lp, 1 + rng.below(shares.max(1)))],
                            &[&lp.kp],
                        )
                        .await,
                    )
                }
            }
            3..=5 => {
                let t = &traders[rng.below(4) as usize];
                let delta = rng.below(24 * ONE) as i64 - 12 * ONE as i64;
                Some(h.send(&[position_trade(&h, t, delta, 0)], &[&t.kp]).await)
            }
            6 => {
                let t = &traders[rng.below(4) as usize];
                Some(
                    h.send(&[position_deposit(&h, t, 1 + rng.below(3 * ONE))], &[&t.kp])
                        .await,
                )
            }
            7 => {
                let t = &traders[rng.below(4) as usize];
                Some(
                    h.send(&[position_withdraw(&h, t, 1 + rng.below(2 * ONE))], &[&t.kp])
                        .await,
                )
            }
            8 => Some(h.send(&[market_update_funding(&h)], &[]).await),
            9 => {
                // The keeper liquidates whatever the engine says is due.
                let m = h.market_state().await;
                let params = m.risk_params();
                let view = MarketView {
                    params: &params,
                    units: m.units().unwrap(),
                    oracle: OraclePrice {
                        price: (usd * 1e8).round() as u128 * (PRICE_PRECISION / 100_000_000),
                        conf: 0,
                        publish_time: 0,
                    },
                    funding_index: m.funding_index,
                };
                let mut last = None;
                for t in &traders {
                    let p = h.position_state(&t.key()).await;
                    if is_liquidatable(&p.engine(), &view).unwrap_or(false) {
                        let out = h
                            .send(&[position_liquidate(&h, &keeper, &t.key())], &[&keeper.kp])
                            .await;
                        named(&out);
                        tally.liquidations += u32::from(out.result.is_ok());
                        h.check_invariants().await;
                        last = Some(out);
                    }
                }
                last
            }
            10 => {
                let stake: Option<InsuranceStake> = match h.account(stake_pda(&h.market, &staker.key())).await
                {
                    Some(a) => anchor_lang::AccountDeserialize::try_deserialize(&mut a.data.as_slice()).ok(),
                    None => None,
                };
                match stake {
                    Some(s) if s.pending_shares > 0 => {
                        Some(h.send(&[insurance_unstake(&h, &staker)], &[&staker.kp]).await)
                    }
                    Some(s) if s.shares > 0 && rng.below(2) == 0 => Some(
                        h.send(
                            &[insurance_request_unstake(&h, &staker, 1 + rng.below(s.shares))],
                            &[&staker.kp],
                        )
                        .await,
                    ),
                    _ => Some(
                        h.send(
                            &[insurance_stake(&h, &staker, 1 + rng.below(2 * ONE))],
                            &[&staker.kp],
                        )
                        .await,
                    ),
                }
            }
            _ => {
                let t = &traders[rng.below(4) as usize];
                Some(h.send(&[position_settle_funding(&h, &t.key())], &[]).await)
            }
        };
        if let Some(out) = &out {
            named(out);
            if out.result.is_ok() {
                tally.ok[action as usize] += 1;
            } else {
                tally.refused[action as usize] += 1;
            }
        }
        h.check_invariants().await;
    }
    tally
}

#[tokio::test]
async fn random_sequences_keep_the_invariants() {
    let mut trades_ok = 0;
    let mut liquidations = 0;
    for seed in 1..=4 {
        let t = run(seed, 200).await;
        println!(
            "seed {seed}: ok {:?} refused {:?} liquidations {}",
            t.ok, t.refused, t.liquidations
        );
        trades_ok += t.ok[3] + t.ok[4] + t.ok[5];
        liquidations += t.liquidations;
    }
    // The sequences did real work, not only refusals.
    assert!(trades_ok > 40, "{trades_ok} trades succeeded");
    assert!(liquidations > 0, "no liquidation happened");
}
