//! A backtest replayed through the real program on a chain: the same prices at the same
//! times, the same user actions (the simulation's log, signed by the agents' own
//! keypairs), the keeper's same passes. `hedge demo` tells its story this way, and the
//! equality test checks every account against the simulation after every sub-step.

use std::collections::{HashMap, HashSet};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Context, Result};
use hedge_vault::state::{Market, Position};
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::sim::Action;
use super::{population, raw_price, Run, StepTimes, DECIMALS};
use crate::client::Client;
use crate::ix;
use crate::keeper::{self, ChainVenue, Pass, PassConfig};
use crate::keys::MarketKeys;

/// The chain side of a replay: the client (its payer is the market's creator and the
/// keeper), the market's addresses and the agents' keypairs.
pub struct Replay {
    pub client: Client,
    pub keys: MarketKeys,
    /// The legacy Pyth price account the replay writes.
    pub oracle: Pubkey,
    wallets: HashMap<Pubkey, Keypair>,
    named: u64,
    funded: HashSet<Pubkey>,
    /// Transactions sent.
    pub transactions: usize,
    /// User actions replayed.
    pub actions: usize,
}

/// A market of the runs' creator and mint on an embedded chain (`open_market`).
pub struct OpenMarket {
    /// Its wallet is the creator: the mint authority and the keeper.
    pub client: Client,
    pub keys: MarketKeys,
    /// The legacy Pyth price account the market reads.
    pub oracle: Pubkey,
    /// The creator's token account.
    pub creator_token: Pubkey,
}

/// Creates on the embedded `chain` (paid by its payer) the runs' market: the creator
/// funded, the mint at its fixed key, `usd` published at `t`, the market created with
/// `market_args(deposit, over)` and the creator's seed stake; the creator keeps
/// `extra` tokens besides.
pub async fn open_market(
    mut chain: crate::chain::Chain,
    t: i64,
    usd: f64,
    deposit: u64,
    over: &[(String, String)],
    extra: u64,
) -> Result<OpenMarket> {
    let payer = chain.embedded_mut()?.payer();
    let creator = super::creator_keypair();
    let mut client = Client::new(chain, payer);
    client.fund(&creator.pubkey(), 10_000_000_000_000).await?;
    let mut client = Client::new(client.chain, creator);
    let mint = client.create_mint_at(&super::mint_keypair(), DECIMALS).await?;
    let oracle = Pubkey::new_unique();
    let admin = client.pubkey();
    let keys = MarketKeys::new(mint, admin, oracle);
    publish(&mut client, &oracle, t, usd).await?;
    let args = super::market_args(admin, deposit, over)?;
    let creator_token = client.mint_to(&mint, &admin, args.seed_insurance + extra).await?;
    client
        .send(&[ix::market_create(&keys, &admin, &creator_token, args)], &[])
        .await
        .context("creating the market")?;
    Ok(OpenMarket {
        client,
        keys,
        oracle,
        creator_token,
    })
}

/// Publishes `usd` at `t` on `client`'s embedded chain, its clock moved to `t`.
pub async fn publish(client: &mut Client, oracle: &Pubkey, t: i64, usd: f64) -> Result<()> {
    client
        .chain
        .embedded_mut()?
        .publish_legacy(oracle, &raw_price(usd, t))
        .await
}

impl Replay {
    /// Creates the token and the market on the embedded `chain` (paid by its payer,
    /// created by the runs' fixed creator) and the run that mirrors it (recording its
    /// actions), and replays the opening deposits.
    pub async fn start(
        chain: crate::chain::Chain,
        days: &[super::path::Day],
        opts: &super::Options,
    ) -> Result<(Replay, Run)> {
        let (market, creator) = super::market_address();
        let mut run = Run::with_market(days, opts, market, creator, true)?;
        let p0 = run.times().point;
        let deposit = opts.population.deposit_tokens * 10u64.pow(u32::from(DECIMALS));
        let m = open_market(chain, p0.t, p0.usd, deposit, &opts.overrides, 0).await?;
        let mut r = Replay {
            client: m.client,
            keys: m.keys,
            oracle: m.oracle,
            wallets: HashMap::new(),
            named: 0,
            funded: HashSet::new(),
            transactions: 1, // the market's creation
            actions: 0,
        };
        r.replay_actions(&mut run).await?;
        Ok((r, run))
    }

    /// One sub-step on both sides: the simulation's step, then the same price, the
    /// keeper's pass, the agents' actions and the second pass on the chain. Returns the
    /// chain's two keeper passes.
    pub async fn step(&mut self, run: &mut Run) -> Result<[Pass; 2]> {
        let StepTimes {
            point: p, t2, usd2, ..
        } = run.times();
        run.step()?;
        self.publish(p.t, p.usd).await?;
        let first = self.pass(&PassConfig::full(keeper::DEFAULT_BATCH)).await?;
        self.replay_actions(run).await?;
        self.publish(t2, usd2).await?;
        Ok([first, self.pass(&Run::second_pass()).await?])
    }

    /// Sets the chain's clock to `t` and publishes `usd` at `t`.
    pub async fn publish(&mut self, t: i64, usd: f64) -> Result<()> {
        publish(&mut self.client, &self.oracle, t, usd).await
    }

    /// The keeper's pass on the chain; anything it could not do is an error (the
    /// simulation did it).
    pub async fn pass(&mut self, cfg: &PassConfig) -> Result<Pass> {
        let mut venue = ChainVenue::new(&mut self.client, self.keys.market, None);
        let pass = keeper::run(&mut venue, cfg, None).await?;
        if !pass.requests.failed.is_empty() || !pass.liquidations.failed.is_empty() {
            bail!(
                "the keeper failed on the chain where the simulation did not: requests {:?}, liquidations {:?}",
                pass.requests.failed,
                pass.liquidations.failed
            );
        }
        if let Some(e) = &pass.funding_error {
            bail!("the funding crank failed on the chain: {e}");
        }
        self.transactions += pass.transactions;
        Ok(pass)
    }

    async fn replay_actions(&mut self, run: &mut Run) -> Result<()> {
        // Keypairs for every agent the population has named so far.
        while self.named < run.agents.named() {
            let kp = population::agent_keypair(self.named);
            self.wallets.insert(kp.pubkey(), kp);
            self.named += 1;
        }
        let log = run.sim.log.as_mut().map(std::mem::take).unwrap_or_default();
        for a in log {
            self.actions += 1;
            self.act(a).await?;
        }
        Ok(())
    }

    async fn send(&mut self, ixs: Vec<Instruction>, signer: Option<&Pubkey>) -> Result<()> {
        let kp = match signer {
            Some(w) => Some(
                self.wallets
                    .get(w)
                    .ok_or_else(|| anyhow!("no keypair for agent {w}"))?
                    .insecure_clone(),
            ),
            None => None,
        };
        let signers: Vec<&Keypair> = kp.iter().collect();
        self.transactions += 1;
        self.client.send(&ixs, &signers).await?;
        Ok(())
    }

    /// `ix` signed by agent `w`.
    pub async fn send_as(&mut self, ix: Instruction, w: &Pubkey) -> Result<()> {
        self.send(vec![ix], Some(w)).await
    }

    /// One user action of the simulation's log, sent as its owner.
    pub async fn act(&mut self, a: Action) -> Result<()> {
        let k = self.keys;
        let token = |w: &Pubkey| Client::ata(w, &k.mint);
        let owner = a.owner();
        if self.funded.insert(owner) {
            // SOL for rent and execution fees, and the wallet's token accounts.
            self.client.fund(&owner, 1_000_000_000).await?;
            self.client.ensure_ata(&owner, &k.share_mint).await?;
            self.client.ensure_ata(&owner, &k.mint).await?;
            self.transactions += 3;
        }
        let ixs = match a {
            Action::MintTo(w, amount) => {
                self.client.mint_to(&k.mint, &w, amount).await?;
                self.transactions += 1;
                return Ok(());
            }
            Action::RequestDeposit(w, amount) => {
                let o = ix::OwnerAccounts {
                    owner: w,
                    token: token(&w),
                    shares: Client::ata(&w, &k.share_mint),
                };
                vec![ix::vault_request_deposit(&k, &o, amount, 0)]
            }
            Action::RequestWithdraw(w, shares) => {
                let o = ix::OwnerAccounts {
                    owner: w,
                    token: token(&w),
                    shares: Client::ata(&w, &k.share_mint),
                };
                vec![ix::vault_request_withdraw(&k, &o, shares)]
            }
            Action::OpenPosition(w) => vec![ix::position_open(&k, &w)],
            Action::DepositMargin(w, amount) => vec![ix::position_deposit(&k, &w, &token(&w), amount)],
            Action::RequestTrade(w, delta, limit) => {
                vec![ix::position_request_trade(&k, &w, delta, limit)]
            }
            Action::ClosePosition(w) => vec![ix::position_close(&k, &w, &token(&w))],
            Action::Stake(w, amount) => vec![ix::insurance_stake(&k, &w, &token(&w), amount)],
        };
        self.send(ixs, Some(&owner))
            .await
            .with_context(|| format!("{a:?} succeeded in the simulation but not on the chain"))
    }

    /// The market account on the chain.
    pub async fn market(&mut self) -> Result<Market> {
        self.client.chain.anchor(&self.keys.market).await
    }

    /// The market's ledgers, its position count and the share supply on the chain
    /// equal the simulation's.
    pub async fn check_market(&mut self, run: &Run) -> Result<()> {
        let m = self.market().await?;
        if m.state()? != run.sim.market.state()? || m.position_count != run.sim.market.position_count {
            bail!(
                "the market on the chain differs from the simulation after sub-step {}",
                run.step
            );
        }
        let supply = self.client.mint_supply(&self.keys.share_mint).await?;
        if supply != run.sim.supply {
            bail!(
                "share supply {supply} on the chain, {} in the simulation, after sub-step {}",
                run.sim.supply,
                run.step
            );
        }
        Ok(())
    }

    /// `check_market`, and every position and every agent's token balance.
    pub async fn check_all(&mut self, run: &Run) -> Result<()> {
        self.check_market(run).await?;
        let step = run.step;
        let positions: Vec<(Pubkey, Position)> =
            keeper::chain::scan(&mut self.client, &self.keys.market).await?;
        if positions.len() != run.sim.positions.len() {
            bail!(
                "{} positions on the chain, {} in the simulation, after sub-step {step}",
                positions.len(),
                run.sim.positions.len()
            );
        }
        for (k, p) in &positions {
            let s = run
                .sim
                .positions
                .get(k)
                .ok_or_else(|| anyhow!("position {k} only on the chain"))?;
            if (p.engine(), p.pending_requests, p.owner) != (s.engine(), s.pending_requests, s.owner) {
                bail!("position {k} differs after sub-step {step}: chain {p:?}, simulation {s:?}");
            }
        }
        for (w, &sim) in &run.sim.wallets {
            if *w == run.sim.keeper {
                continue; // the chain's keeper also pays fees and rent from its wallet
            }
            let chain = self
                .client
                .token_balance(&Client::ata(w, &self.keys.mint))
                .await?;
            if chain != sim {
                bail!("wallet {w}: {chain} on the chain, {sim} in the simulation, after sub-step {step}");
            }
        }
        Ok(())
    }
}
