//! The world an instruction is prepared in: two markets, their users and accounts,
//! and a valid instruction of each kind.

use super::*;

/// A valid instruction and what signs it.
pub(crate) struct Prepared {
    pub(crate) ix: Instruction,
    pub(crate) signers: Vec<Keypair>,
    pub(crate) mode: OracleMode,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    U,
    V,
}

/// The keys of one market that `World::swap` moves in and out of the harness.
pub(crate) struct SideKeys {
    pub(crate) market: Pubkey,
    pub(crate) mint: Pubkey,
    pub(crate) admin: Keypair,
    pub(crate) admin_token: Pubkey,
}

/// Two markets (A, the harness's, and B with another admin and mint), users with
/// token and share accounts on both, and pools of accounts of every type.
pub(crate) struct World {
    pub(crate) h: Harness,
    pub(crate) u: User,
    pub(crate) v: User,
    pub(crate) stranger: User,
    pub(crate) lp: User,
    /// The other market, swapped with the harness's by `swap`.
    pub(crate) other: SideKeys,
    /// (token, shares) of u, v, stranger, lp and the keeper on the other market.
    pub(crate) other_accounts: [(Pubkey, Pubkey); 5],
    pub(crate) on_b: bool,
}

impl World {
    pub(crate) async fn new(kind: OracleKind, lp_deposit: u64) -> World {
        let mut h = Harness::new(Setup {
            oracle_kind: kind,
            ..Setup::default()
        })
        .await;
        let u = h.user(1_000 * ONE).await;
        let v = h.user(1_000 * ONE).await;
        let stranger = h.user(1_000 * ONE).await;
        let lp = h.user(1_000 * ONE).await;
        // Market B: another mint, another admin.
        let mint_kp = Keypair::new();
        h.create_mint(&mint_kp, SOL_DECIMALS).await;
        let mint_b = mint_kp.pubkey();
        let admin_b = Keypair::new();
        h.airdrop(&admin_b.pubkey(), 100 * ONE).await;
        let admin_b_token = h.create_token_account(&mint_b, &admin_b.pubkey()).await;
        h.mint_of_to(&mint_b, &admin_b_token, h.setup.seed_insurance)
            .await;
        let keys_b = MarketKeys::new(mint_b, admin_b.pubkey(), h.oracle);
        let args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
        let create = cix::market_create(&keys_b, &admin_b.pubkey(), &admin_b_token, args);
        h.send(&[create], &[&admin_b]).await.ok();
        let mut other_accounts = [(Pubkey::default(), Pubkey::default()); 5];
        let owners = [u.key(), v.key(), stranger.key(), lp.key(), h.keeper.key()];
        for (i, o) in owners.iter().enumerate() {
            let token = h.create_token_account(&mint_b, o).await;
            h.mint_of_to(&mint_b, &token, 1_000 * ONE).await;
            let shares = h.create_token_account(&keys_b.share_mint, o).await;
            other_accounts[i] = (token, shares);
        }
        let keeper_token = h.keeper.token;
        h.mint_to(&keeper_token, 10 * ONE).await;
        let mut w = World {
            h,
            u,
            v,
            stranger,
            lp,
            other: SideKeys {
                market: keys_b.market,
                mint: mint_b,
                admin: admin_b,
                admin_token: admin_b_token,
            },
            other_accounts,
            on_b: false,
        };
        // Both markets: a vault deposit, and the stranger's position and pending
        // deposit request (accounts of every type, for the cosplay cases).
        for _ in 0..2 {
            let lp = w.lp.clone();
            let stranger = w.stranger.clone();
            w.h.deposit(&lp, lp_deposit).await;
            w.h.trader(&stranger, ONE).await;
            let req = vault_request_deposit(&w.h, &stranger, ONE, 0);
            w.h.send(&[req], &[&stranger.kp]).await.ok();
            w.swap();
        }
        w
    }

    /// Swaps market A and market B in the harness and the users.
    pub(crate) fn swap(&mut self) {
        let h = &mut self.h;
        std::mem::swap(&mut h.market, &mut self.other.market);
        std::mem::swap(&mut h.mint, &mut self.other.mint);
        std::mem::swap(&mut h.admin, &mut self.other.admin);
        std::mem::swap(&mut h.admin_token, &mut self.other.admin_token);
        let users = [
            &mut self.u,
            &mut self.v,
            &mut self.stranger,
            &mut self.lp,
            &mut self.h.keeper,
        ];
        for (user, acc) in users.into_iter().zip(self.other_accounts.iter_mut()) {
            std::mem::swap(&mut user.token, &mut acc.0);
            std::mem::swap(&mut user.shares, &mut acc.1);
        }
        self.on_b = !self.on_b;
    }

    pub(crate) fn user(&self, who: Who) -> User {
        match who {
            Who::U => self.u.clone(),
            Who::V => self.v.clone(),
        }
    }

    /// The pinned account republished now (after an execution at a due-time update,
    /// the market has accepted a newer price than the pinned account showed).
    pub(crate) async fn refresh(&mut self) {
        let (price, conf, expo) = self.h.current_price().await;
        self.h.set_price(price, conf, expo).await;
    }

    /// The market's newest accepted price becomes now's (a funding crank on a price
    /// published now), so "older than the last accepted" can be told from "stale".
    pub(crate) async fn fresh_last(&mut self) {
        let (price, conf, expo) = self.h.current_price().await;
        self.h.set_price(price, conf, expo).await;
        self.h.send(&[market_update_funding(&self.h)], &[]).await.ok();
    }

    /// Requests of `kind` by `u` sent: moves to the due time, publishes its price and
    /// returns the price account and the due time.
    pub(crate) async fn due(&mut self, kind: RequestKind, u: &User) -> (Pubkey, i64) {
        let r = self
            .h
            .request_state(&u.key(), kind)
            .await
            .expect("pending request");
        if self.h.now().await < r.due_time {
            self.h.set_time(r.due_time).await;
        }
        (self.h.publish_for_due(r.due_time).await, r.due_time)
    }

    /// `me` (given what the request needs: shares, a position, a stake) sends a
    /// request of `kind`.
    pub(crate) async fn request(&mut self, kind: RequestKind, me: &User) {
        let h = &mut self.h;
        let ix = match kind {
            RequestKind::Deposit => vault_request_deposit(h, me, 5 * ONE, 0),
            RequestKind::Withdraw => {
                h.deposit(me, 5 * ONE).await;
                self.refresh().await;
                let shares = self.h.token_balance(me.shares).await;
                vault_request_withdraw(&self.h, me, shares / 2)
            }
            RequestKind::Trade => {
                h.trader(me, 2 * ONE).await;
                position_request_trade(h, me, IONE, 0)
            }
            RequestKind::MarginWithdraw => {
                h.trader(me, 2 * ONE).await;
                position_request_withdraw(h, me, ONE)
            }
            RequestKind::Unstake => {
                let s = insurance_stake(h, me, ONE);
                h.send(&[s], &[&me.kp]).await.ok();
                let shares = stake_shares(h, &me.key()).await;
                insurance_request_unstake(h, me, shares / 2)
            }
        };
        self.h.send(&[ix], &[&me.kp]).await.ok();
    }

    /// `me`'s request of `kind`, ready to execute at its due time.
    pub(crate) async fn execution(&mut self, kind: RequestKind, me: &User) -> Prepared {
        self.request(kind, me).await;
        let (oracle, due) = self.due(kind, me).await;
        let mode = if kind == RequestKind::Unstake {
            OracleMode::None
        } else {
            OracleMode::Due(due)
        };
        Prepared {
            ix: execute(&self.h, kind, me, &oracle),
            signers: vec![self.h.keeper.kp.insecure_clone()],
            mode,
        }
    }

    /// `me`'s request of `kind`, to be cancelled by `me` before its due time.
    pub(crate) async fn cancellation(&mut self, kind: RequestKind, me: &User) -> Prepared {
        self.request(kind, me).await;
        Prepared {
            ix: cancel(&self.h, kind, me),
            signers: vec![me.kp.insecure_clone()],
            mode: OracleMode::None,
        }
    }

    /// Brings the current market into a state where `name` by `who` is valid and
    /// returns it.
    pub(crate) async fn prepare(&mut self, name: &str, who: Who) -> Prepared {
        let me = self.user(who);
        let keeper = self.h.keeper.clone();
        let admin = self.h.admin.insecure_clone();
        let a = admin.pubkey();
        let max_age = i64::from(self.h.setup.oracle_config.max_age);
        let max_age_liquidate = i64::from(self.h.setup.oracle_config.max_age_liquidate);
        let confirmation = i64::from(self.h.setup.oracle_config.liquidation_confirmation);
        let h = &mut self.h;
        let one = |ix: Instruction, s: &Keypair, mode: OracleMode| Prepared {
            ix,
            signers: vec![s.insecure_clone()],
            mode,
        };
        let p = match name {
            "market_create" => {
                let mint = Keypair::new();
                h.create_mint(&mint, SOL_DECIMALS).await;
                let token = h.create_token_account(&mint.pubkey(), &me.key()).await;
                let seed = h.setup.seed_insurance;
                h.mint_of_to(&mint.pubkey(), &token, seed).await;
                let keys = MarketKeys::new(mint.pubkey(), me.key(), h.oracle);
                let args = market_create_args(h, h.setup.params.into(), h.setup.oracle_config);
                one(
                    cix::market_create(&keys, &me.key(), &token, args),
                    &me.kp,
                    OracleMode::Create,
                )
            }
            "vault_request_deposit" => one(
                vault_request_deposit(h, &me, 5 * ONE, 0),
                &me.kp,
                OracleMode::None,
            ),
            "vault_execute_deposit" => self.execution(RequestKind::Deposit, &me).await,
            "vault_cancel_deposit" => self.cancellation(RequestKind::Deposit, &me).await,
            "vault_request_withdraw" => {
                h.deposit(&me, 5 * ONE).await;
                self.refresh().await;
                let h = &mut self.h;
                let shares = h.token_balance(me.shares).await;
                self.fresh_last().await;
                one(
                    vault_request_withdraw(&self.h, &me, shares / 2),
                    &me.kp,
                    OracleMode::Instant(max_age),
                )
            }
            "vault_execute_withdraw" => self.execution(RequestKind::Withdraw, &me).await,
            "vault_cancel_withdraw" => self.cancellation(RequestKind::Withdraw, &me).await,
            "position_open" => one(position_open(h, &me), &me.kp, OracleMode::None),
            "position_deposit" => {
                h.trader(&me, ONE).await;
                one(position_deposit(h, &me, ONE), &me.kp, OracleMode::None)
            }
            "position_request_withdraw" => {
                h.trader(&me, 2 * ONE).await;
                one(position_request_withdraw(h, &me, ONE), &me.kp, OracleMode::None)
            }
            "position_execute_withdraw" => self.execution(RequestKind::MarginWithdraw, &me).await,
            "position_request_trade" => {
                h.trader(&me, 2 * ONE).await;
                one(position_request_trade(h, &me, IONE, 0), &me.kp, OracleMode::None)
            }
            "position_execute_trade" => self.execution(RequestKind::Trade, &me).await,
            "position_cancel_request" => self.cancellation(RequestKind::Trade, &me).await,
            "position_close" => {
                h.trader(&me, ONE).await;
                one(position_close(h, &me), &me.kp, OracleMode::None)
            }
            "position_settle_funding" => {
                h.trader(&me, 2 * ONE).await;
                h.trade(&me, IONE).await;
                self.refresh().await;
                self.h.advance(60).await;
                self.fresh_last().await;
                Prepared {
                    ix: position_settle_funding(&self.h, &me.key()),
                    signers: vec![],
                    mode: OracleMode::Instant(max_age),
                }
            }
            "position_liquidate" => {
                // 9 long on about 1 token of margin at 100; at 92 equity is below 5%.
                h.set_usd(100.0).await;
                h.trader(&me, ONE).await;
                h.trade(&me, 9 * IONE).await;
                self.h.set_usd(92.0).await;
                // The fall holds past the confirmation delay (PROTOCOL section 6).
                self.h.advance(confirmation).await;
                self.fresh_last().await;
                let confirm = self.h.confirmation().await;
                one(
                    position_liquidate(&self.h, &keeper, &me.key(), &confirm),
                    &keeper.kp,
                    OracleMode::Liquidation(max_age_liquidate),
                )
            }
            "market_update_funding" => {
                h.advance(60).await;
                self.fresh_last().await;
                Prepared {
                    ix: market_update_funding(&self.h),
                    signers: vec![],
                    mode: OracleMode::Instant(max_age),
                }
            }
            "market_auto_deleverage" => {
                // A 10-token vault: a small long opened at 3000 and `me`'s 10 long at
                // 100; at 2600 the traders' gains leave the vault below maintenance.
                let s = self.stranger.clone();
                let h = &mut self.h;
                h.set_usd(3_000.0).await;
                h.trade(&s, IONE / 2).await;
                h.set_usd(100.0).await;
                h.trader(&me, 10 * ONE).await;
                h.trade(&me, 10 * IONE).await;
                h.set_usd(2_600.0).await;
                h.advance(confirmation).await;
                self.fresh_last().await;
                assert!(
                    self.h.market_state().await.is_reduce_only(),
                    "the vault is in breach"
                );
                let confirm = self.h.confirmation().await;
                Prepared {
                    ix: market_auto_deleverage(&self.h, &me.key(), &confirm),
                    signers: vec![],
                    mode: OracleMode::Liquidation(max_age_liquidate),
                }
            }
            "market_propose_params" => {
                let mut p = h.setup.params;
                p.taker_fee_ratio = 2_000;
                let ix = market_propose_params(h, &a, p.into(), h.setup.oracle_config, h.setup.admin_config);
                one(ix, &admin, OracleMode::None)
            }
            "market_propose_settlement" => {
                // The feed silent past the settlement timeout.
                let timeout = i64::from(h.setup.admin_config.settlement_timeout);
                h.advance(timeout + 1).await;
                one(market_propose_settlement(h, &a), &admin, OracleMode::Pinned)
            }
            "market_apply_proposal" => {
                let mut p = h.setup.params;
                p.taker_fee_ratio = 2_000;
                let ix = market_propose_params(h, &a, p.into(), h.setup.oracle_config, h.setup.admin_config);
                h.send(&[ix], &[&admin]).await.ok();
                h.advance(i64::from(h.setup.admin_config.timelock_delay)).await;
                self.fresh_last().await;
                one(
                    market_apply_proposal(&self.h, &a),
                    &admin,
                    OracleMode::Instant(max_age),
                )
            }
            "market_cancel_proposal" => {
                let mut p = h.setup.params;
                p.taker_fee_ratio = 2_000;
                let ix = market_propose_params(h, &a, p.into(), h.setup.oracle_config, h.setup.admin_config);
                h.send(&[ix], &[&admin]).await.ok();
                one(market_cancel_proposal(h, &a), &admin, OracleMode::None)
            }
            "market_lengthen_timelock" => {
                let longer = h.setup.admin_config.timelock_delay * 2;
                one(market_lengthen_timelock(h, &a, longer), &admin, OracleMode::None)
            }
            "market_set_guardian" => one(market_set_guardian(h, &a, me.key()), &admin, OracleMode::None),
            "market_propose_admin" => one(market_propose_admin(h, &a, me.key()), &admin, OracleMode::None),
            "market_accept_admin" => {
                let ix = market_propose_admin(h, &a, me.key());
                h.send(&[ix], &[&admin]).await.ok();
                one(market_accept_admin(h, &me.key()), &me.kp, OracleMode::None)
            }
            "market_set_pause" => {
                let g = h.guardian.insecure_clone();
                one(market_set_pause(h, &g.pubkey(), true), &g, OracleMode::None)
            }
            "insurance_deposit" => one(insurance_deposit(h, &me, ONE), &me.kp, OracleMode::None),
            "insurance_stake" => one(insurance_stake(h, &me, ONE), &me.kp, OracleMode::None),
            "insurance_request_unstake" => {
                let s = insurance_stake(h, &me, ONE);
                h.send(&[s], &[&me.kp]).await.ok();
                let shares = stake_shares(h, &me.key()).await;
                one(
                    insurance_request_unstake(h, &me, shares / 2),
                    &me.kp,
                    OracleMode::None,
                )
            }
            "insurance_execute_unstake" => self.execution(RequestKind::Unstake, &me).await,
            "request_claim" => {
                // A deposit whose owner closed his (empty) share account after
                // requesting: executed, its shares held for his claim, which he takes
                // into a new share account.
                self.request(RequestKind::Deposit, &me).await;
                let h = &mut self.h;
                let close = spl_token::instruction::close_account(
                    &spl_token::ID,
                    &me.shares,
                    &me.key(),
                    &me.key(),
                    &[],
                )
                .unwrap();
                h.send(&[close], &[&me.kp]).await.ok();
                let (oracle, _) = self.due(RequestKind::Deposit, &me).await;
                let h = &mut self.h;
                let keeper = h.keeper.kp.insecure_clone();
                let exec = execute(h, RequestKind::Deposit, &me, &oracle);
                h.send(&[exec], &[&keeper]).await.ok();
                let share_mint = share_mint_pda(&h.market);
                let fresh = h.create_token_account(&share_mint, &me.key()).await;
                let keys = MarketKeys::for_market(h.market, h.mint, h.oracle);
                one(
                    cix::request_claim(
                        &keys,
                        &me.key(),
                        RequestKind::Deposit,
                        Some(me.token),
                        Some(fresh),
                    ),
                    &me.kp,
                    OracleMode::None,
                )
            }
            "address_release" => {
                // Someone sent lamports to the owner's stake address before any stake:
                // released, they go to the owner and the stake can be created.
                let seeds = hedge_client::keys::stake_seeds(&h.market, &me.key());
                h.airdrop(&stake_pda(&h.market, &me.key()), 890_880).await;
                one(
                    hedge_client::ix::address_release(&me.key(), seeds),
                    &me.kp,
                    OracleMode::None,
                )
            }
            "market_prove_feed_alive" => {
                // A settlement pending after a day of silence; then a fresh update.
                let timeout = i64::from(h.setup.admin_config.settlement_timeout);
                h.advance(timeout + 1).await;
                let ix = market_propose_settlement(h, &a);
                h.send(&[ix], &[&admin]).await.ok();
                self.fresh_last().await;
                one(
                    market_prove_feed_alive(&self.h, &me.key(), &self.h.oracle),
                    &me.kp,
                    OracleMode::Instant(max_age),
                )
            }
            "insurance_cancel_unstake" => self.cancellation(RequestKind::Unstake, &me).await,
            other => panic!("no preparation for {other}"),
        };
        p
    }
}

pub(crate) async fn stake_shares(h: &mut Harness, owner: &Pubkey) -> u64 {
    let s: Stake = h.anchor_account(stake_pda(&h.market, owner)).await;
    s.shares
}
