//! Simulation equals program: the first sub-steps of a backtest (the ETH series of
//! data/, default parameters and population) replayed through the real program on
//! the embedded chain: the same prices at the same times, the same user actions, the
//! keeper's same passes. After every sub-step the market account's ledgers, the share
//! supply, every position and every wallet equal the simulation's, unit for unit.

use std::collections::{HashMap, HashSet};

use anchor_lang::prelude::Pubkey;
use hedge_client::backtest::sim::Action;
use hedge_client::backtest::{self, path, population, raw_price, Options, Run, DECIMALS};
use hedge_client::chain::Chain;
use hedge_client::client::Client;
use hedge_client::keeper::{self, ChainVenue, PassConfig};
use hedge_client::keys::{self, MarketKeys};
use hedge_client::{ix, pyth};
use hedge_vault::state::{Market, Position};
use solana_keypair::Keypair;
use solana_signer::Signer;

struct Replay {
    client: Client,
    keys: MarketKeys,
    oracle: Pubkey,
    wallets: HashMap<Pubkey, Keypair>,
    funded: HashSet<Pubkey>,
}

impl Replay {
    async fn publish(&mut self, t: i64, usd: f64) {
        let acc = pyth::legacy_account_of(&raw_price(usd, t));
        let e = self.client.chain.embedded_mut().unwrap();
        e.set_time(t).await.unwrap();
        e.set_account(&self.oracle, acc);
    }

    async fn pass(&mut self, cfg: &PassConfig) {
        let mut venue = ChainVenue::new(&mut self.client, self.keys.market, None);
        let pass = keeper::run(&mut venue, cfg, None).await.unwrap();
        assert!(pass.requests.failed.is_empty(), "{:?}", pass.requests.failed);
        assert!(
            pass.liquidations.failed.is_empty(),
            "{:?}",
            pass.liquidations.failed
        );
        assert_eq!(pass.funding_error, None);
    }

    fn kp(&self, w: &Pubkey) -> Keypair {
        self.wallets
            .get(w)
            .unwrap_or_else(|| panic!("no keypair for {w}"))
            .insecure_clone()
    }

    async fn act(&mut self, a: Action) {
        let k = self.keys;
        let token = |w: &Pubkey| Client::ata(w, &k.mint);
        let send = |ixs: Vec<anchor_lang::solana_program::instruction::Instruction>, w: Pubkey| (ixs, w);
        let owner = match a {
            Action::MintTo(w, _)
            | Action::RequestDeposit(w, _)
            | Action::RequestWithdraw(w, _)
            | Action::OpenPosition(w)
            | Action::DepositMargin(w, _)
            | Action::RequestTrade(w, _, _)
            | Action::ClosePosition(w)
            | Action::Stake(w, _) => w,
        };
        if self.funded.insert(owner) {
            // SOL for rent and execution fees, and the wallet's token accounts.
            self.client.fund(&owner, 1_000_000_000).await.unwrap();
            self.client.ensure_ata(&owner, &k.share_mint).await.unwrap();
            self.client.ensure_ata(&owner, &k.mint).await.unwrap();
        }
        let (ixs, w) = match a {
            Action::MintTo(w, amount) => {
                self.client.mint_to(&k.mint, &w, amount).await.unwrap();
                return;
            }
            Action::RequestDeposit(w, amount) => {
                send(vec![ix::vault_request_deposit(&k, &w, &token(&w), amount, 0)], w)
            }
            Action::RequestWithdraw(w, shares) => send(
                vec![ix::vault_request_withdraw(
                    &k,
                    &w,
                    &Client::ata(&w, &k.share_mint),
                    shares,
                )],
                w,
            ),
            Action::OpenPosition(w) => send(vec![ix::position_open(&k, &w)], w),
            Action::DepositMargin(w, amount) => {
                send(vec![ix::position_deposit(&k, &w, &token(&w), amount)], w)
            }
            Action::RequestTrade(w, delta, limit) => {
                send(vec![ix::position_request_trade(&k, &w, delta, limit)], w)
            }
            Action::ClosePosition(w) => send(vec![ix::position_close(&k, &w, &token(&w))], w),
            Action::Stake(w, amount) => send(vec![ix::insurance_stake(&k, &w, &token(&w), amount)], w),
        };
        let kp = self.kp(&w);
        if let Err(e) = self.client.send(&ixs, &[&kp]).await {
            panic!("{a:?} succeeded in the simulation but not on the chain: {e:#}");
        }
    }

    async fn token_balance(&mut self, w: &Pubkey) -> u64 {
        let ata = Client::ata(w, &self.keys.mint);
        match self.client.chain.account(&ata).await.unwrap() {
            Some(_) => self.client.token_balance(&ata).await.unwrap(),
            None => 0,
        }
    }
}

async fn assert_same(r: &mut Replay, run: &Run, step: usize) {
    let m: Market = r.client.chain.anchor(&r.keys.market).await.unwrap();
    let chain_state = m.state().unwrap();
    let sim_state = run.sim.market.state().unwrap();
    assert_eq!(
        chain_state, sim_state,
        "the market's ledgers differ after sub-step {step}"
    );
    assert_eq!(
        m.position_count, run.sim.market.position_count,
        "position count, sub-step {step}"
    );
    let supply = r.client.mint_supply(&r.keys.share_mint).await.unwrap();
    assert_eq!(supply, run.sim.supply, "share supply, sub-step {step}");
    let positions: Vec<(Pubkey, Position)> =
        keeper::chain::scan(&mut r.client, &r.keys.market).await.unwrap();
    assert_eq!(
        positions.len(),
        run.sim.positions.len(),
        "positions, sub-step {step}"
    );
    for (k, p) in &positions {
        let s = run
            .sim
            .positions
            .get(k)
            .unwrap_or_else(|| panic!("position {k} only on the chain"));
        assert_eq!(
            (p.engine(), p.pending_requests, p.owner),
            (s.engine(), s.pending_requests, s.owner),
            "position {k}, sub-step {step}"
        );
    }
    let wallets: Vec<Pubkey> = run.sim.wallets.keys().copied().collect();
    for w in wallets {
        if w == run.sim.keeper {
            continue; // the chain's keeper also pays fees and rent from its wallet
        }
        assert_eq!(
            r.token_balance(&w).await,
            run.sim.wallet(&w),
            "wallet {w}, sub-step {step}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_sub_steps_of_a_backtest_are_the_programs_to_the_unit() {
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/ETH-USD.csv");
    let days = path::read_ohlc(&csv).unwrap();
    // Two days of 15-minute steps, from 2021-01-03: a volatile start (+25% in two days).
    let days = &days[2..4];
    let opts = Options::default();

    let mut chain = Chain::embedded().await.unwrap();
    let payer = chain.embedded_mut().unwrap().payer();
    let mut client = Client::new(chain, payer);
    let mint = client.create_mint(DECIMALS).await.unwrap();
    let oracle = Pubkey::new_unique();
    let admin = client.pubkey();
    let keys = MarketKeys::new(mint, admin, oracle);
    let mut run = Run::with_market(days, &opts, keys.market, admin, true).unwrap();
    let mut r = Replay {
        client,
        keys,
        oracle,
        wallets: HashMap::new(),
        funded: HashSet::new(),
    };
    let p0 = run.times().point;
    r.publish(p0.t, p0.usd).await;
    let deposit = opts.population.deposit_tokens * 10u64.pow(u32::from(DECIMALS));
    let args = backtest::market_args(admin, deposit, &[]).unwrap();
    let admin_token = r
        .client
        .mint_to(&mint, &admin, args.seed_insurance)
        .await
        .unwrap();
    r.client
        .send(&[ix::market_create(&keys, &admin, &admin_token, args)], &[])
        .await
        .unwrap();
    r.client.ensure_ata(&admin, &mint).await.unwrap();

    let mut known = 0u64;
    let mut replayed = 0usize;
    let steps = run.path.len();
    let mut init = true;
    for step in 0..steps {
        // Keypairs for every agent the population has named so far.
        while known < 2_000 && r.wallets.len() < 2_000 {
            let kp = population::agent_keypair(known);
            r.wallets.insert(kp.pubkey(), kp);
            known += 1;
        }
        if init {
            // The hedgers' opening deposits, made before the first step.
            for a in run.sim.log.as_mut().unwrap().drain(..).collect::<Vec<_>>() {
                r.act(a).await;
                replayed += 1;
            }
            init = false;
        }
        let backtest::StepTimes {
            point: p, t2, usd2, ..
        } = run.times();
        run.step().unwrap();
        r.publish(p.t, p.usd).await;
        r.pass(&PassConfig::full(keeper::DEFAULT_BATCH)).await;
        for a in run.sim.log.as_mut().unwrap().drain(..).collect::<Vec<_>>() {
            r.act(a).await;
            replayed += 1;
        }
        r.publish(t2, usd2).await;
        r.pass(&Run::second_pass()).await;
        assert_same(&mut r, &run, step).await;
    }
    // The window must have exercised the market: deposits, trades of every kind of
    // agent, funding moving.
    assert!(replayed > 40, "only {replayed} actions replayed");
    let st = run.sim.market.state().unwrap();
    assert!(run.sim.supply > 0 && st.aggregates.long_base > 0 && st.funding.index != 0);
    let _ = keys::position(&keys.market, &admin);
}
