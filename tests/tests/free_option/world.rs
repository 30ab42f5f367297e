//! One world of the matrix: a pull market hedged by a trader, and the owner's moves
//! and requests played on it.

use super::*;

/// Everything the owner holds: tokens and shares in every account he owns (the ones
/// he named and the ones he moved them to), his position, his insurance stake, and
/// what his request accounts still hold for him.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) struct Holdings {
    pub(crate) tokens: u64,
    pub(crate) shares: u64,
    pub(crate) position: Option<(i64, i64, i128)>,
    pub(crate) stake: u64,
    pub(crate) unclaimed: (u64, u64),
}

/// One world: a pull market with no fees and no funding (so the state at execution is
/// the state at the due time, and any difference is the owner's), a vault hedged by a
/// trader, and the owner `u` with a second token and share account to move things to.
pub(crate) struct World {
    pub(crate) h: Harness,
    pub(crate) u: User,
    pub(crate) spare_token: Pubkey,
    pub(crate) spare_shares: Pubkey,
}

pub(crate) fn setup() -> Setup {
    let mut s = Setup {
        oracle_kind: OracleKind::PythPullV2,
        freezable_mint: true,
        accept_freeze_authority: true,
        ..Setup::default()
    };
    s.params.taker_fee_ratio = 0;
    s.params.impact_fee_ratio = 0;
    s.params.max_funding_rate = 0;
    s.params.max_funding_velocity = 0;
    s
}

impl World {
    pub(crate) async fn new(req: Req) -> World {
        let mut h = Harness::new(setup()).await;
        let lp = h.user(200 * ONE).await;
        h.deposit(&lp, 100 * ONE).await;
        let t = h.user(100 * ONE).await;
        h.trader(&t, 20 * ONE).await;
        h.trade(&t, 50 * IONE).await;
        let u = h.user(50 * ONE).await;
        let mint = h.mint;
        let share_mint = share_mint_pda(&h.market);
        let spare_token = h.create_token_account(&mint, &u.key()).await;
        let spare_shares = h.create_token_account(&share_mint, &u.key()).await;
        let mut w = World {
            h,
            u,
            spare_token,
            spare_shares,
        };
        let u = w.u.clone();
        match req {
            Req::Withdraw => {
                w.h.deposit(&u, 10 * ONE).await;
            }
            Req::Trade | Req::MarginWithdraw => w.h.trader(&u, 2 * ONE).await,
            Req::Unstake => {
                let s = insurance_stake(&w.h, &u, 5 * ONE);
                w.h.send(&[s], &[&u.kp]).await.ok();
            }
            Req::Deposit | Req::RefusedDeposit => {}
        }
        w
    }

    /// The owner's request, sent at 100 USD.
    pub(crate) async fn request(&mut self, req: Req) {
        self.h.set_usd(100.0).await;
        let (h, u) = (&mut self.h, &self.u);
        let ix = match req {
            Req::Deposit => vault_request_deposit(h, u, 10 * ONE, 0),
            Req::RefusedDeposit => vault_request_deposit(h, u, 10 * ONE, 1_000_000),
            Req::Withdraw => {
                let shares = h.token_balance(u.shares).await;
                vault_request_withdraw(h, u, shares)
            }
            Req::Trade => position_request_trade(h, u, 5 * IONE, 0),
            Req::MarginWithdraw => position_request_withdraw(h, u, ONE),
            Req::Unstake => {
                let s: Stake = h.anchor_account(stake_pda(&h.market, &u.key())).await;
                insurance_request_unstake(h, u, s.shares)
            }
        };
        let u = self.u.clone();
        self.h.send(&[ix], &[&u.kp]).await.ok();
    }

    /// Empties `account` into `to` and closes it.
    pub(crate) async fn close(&mut self, account: Pubkey, to: Pubkey) {
        let u = self.u.clone();
        let amount = self.h.token_balance(account).await;
        let ixs = [
            spl_token::instruction::transfer(&spl_token::ID, &account, &to, &u.key(), &[], amount).unwrap(),
            spl_token::instruction::close_account(&spl_token::ID, &account, &u.key(), &u.key(), &[]).unwrap(),
        ];
        self.h.send(&ixs, &[&u.kp]).await.ok();
    }

    /// The owner's move, made just after the due time (a price for it exists). Returns
    /// the refusal's name when the program refuses it.
    pub(crate) async fn make(&mut self, req: Req, m: Move) -> Option<String> {
        let u = self.u.clone();
        let (token, shares) = (u.token, u.shares);
        let (spare_token, spare_shares) = (self.spare_token, self.spare_shares);
        let refused = |out: Outcome| {
            let code = out.custom_error().expect("a named refusal");
            Some(
                hedge_client::errors::program_errors()
                    .get(&code)
                    .map(|e| e.0.clone())
                    .unwrap_or_else(|| format!("error {code}")),
            )
        };
        match m {
            Move::Nothing | Move::LeaveUnexecuted => None,
            Move::CloseToken => {
                self.close(token, spare_token).await;
                None
            }
            Move::CloseShares => {
                self.close(shares, spare_shares).await;
                None
            }
            Move::GiveAwayToken => {
                let ix = spl_token::instruction::set_authority(
                    &spl_token::ID,
                    &token,
                    Some(&Pubkey::new_unique()),
                    spl_token::instruction::AuthorityType::AccountOwner,
                    &u.key(),
                    &[],
                )
                .unwrap();
                // What was in it is his no more; move it out first.
                let amount = self.h.token_balance(token).await;
                let t = spl_token::instruction::transfer(
                    &spl_token::ID,
                    &token,
                    &spare_token,
                    &u.key(),
                    &[],
                    amount,
                )
                .unwrap();
                self.h.send(&[t, ix], &[&u.kp]).await.ok();
                None
            }
            Move::FreezeToken => {
                let auth = self.h.mint_authority.insecure_clone();
                let mint = self.h.mint;
                let amount = self.h.token_balance(token).await;
                let t = spl_token::instruction::transfer(
                    &spl_token::ID,
                    &token,
                    &spare_token,
                    &u.key(),
                    &[],
                    amount,
                )
                .unwrap();
                let f = spl_token::instruction::freeze_account(
                    &spl_token::ID,
                    &token,
                    &mint,
                    &auth.pubkey(),
                    &[],
                )
                .unwrap();
                self.h.send(&[t, f], &[&u.kp, &auth]).await.ok();
                None
            }
            Move::DelegateToken => {
                let ix = spl_token::instruction::approve(
                    &spl_token::ID,
                    &token,
                    &Pubkey::new_unique(),
                    &u.key(),
                    &[],
                    u64::MAX,
                )
                .unwrap();
                self.h.send(&[ix], &[&u.kp]).await.ok();
                None
            }
            Move::ExecutableWallet => {
                let mut acc = self.h.account(u.key()).await.expect("wallet");
                acc.executable = true;
                acc.owner = anchor_lang::solana_program::bpf_loader_upgradeable::ID;
                self.h.ctx.set_account(&u.key(), &acc.into());
                None
            }
            Move::CancelAfterDue => {
                let out = self.h.send(&[cancel(&self.h, req.kind(), &u)], &[&u.kp]).await;
                refused(out)
            }
            Move::AddMargin => {
                let out = self.h.send(&[position_deposit(&self.h, &u, ONE)], &[&u.kp]).await;
                refused(out)
            }
            Move::ClosePosition => {
                let out = self.h.send(&[position_close(&self.h, &u)], &[&u.kp]).await;
                refused(out)
            }
            Move::SecondRequest => {
                let out = self
                    .h
                    .send(&[position_request_withdraw(&self.h, &u, 1)], &[&u.kp])
                    .await;
                refused(out)
            }
        }
    }

    pub(crate) async fn holdings(&mut self, kind: RequestKind) -> Holdings {
        let u = self.u.clone();
        let mut tokens = 0;
        for k in [u.token, self.spare_token] {
            tokens += self.owned_balance(k, &u.key()).await;
        }
        let mut shares = 0;
        for k in [u.shares, self.spare_shares] {
            shares += self.owned_balance(k, &u.key()).await;
        }
        let position = self
            .h
            .anchor_account_opt::<Position>(position_pda(&self.h.market, &u.key()))
            .await
            .map(|p| (p.base, p.margin, p.entry_quote));
        let stake = self
            .h
            .anchor_account_opt::<Stake>(stake_pda(&self.h.market, &u.key()))
            .await
            .map(|s| s.shares)
            .unwrap_or(0);
        let unclaimed = self
            .h
            .anchor_account_opt::<hedge_vault::state::Request>(request_pda(&self.h.market, &u.key(), kind))
            .await
            .map(|r| (r.claim_tokens, r.claim_shares))
            .unwrap_or((0, 0));
        Holdings {
            tokens,
            shares,
            position,
            stake,
            unclaimed,
        }
    }

    /// The balance of token account `k` if it exists and `owner` owns it.
    pub(crate) async fn owned_balance(&mut self, k: Pubkey, owner: &Pubkey) -> u64 {
        match self.h.account(k).await {
            Some(a) if a.owner == spl_token::ID && a.data.len() == 165 => {
                let acc: anchor_spl::token::TokenAccount =
                    anchor_lang::AccountDeserialize::try_deserialize(&mut a.data.as_slice()).unwrap();
                if acc.owner == *owner {
                    acc.amount
                } else {
                    0
                }
            }
            _ => 0,
        }
    }
}
