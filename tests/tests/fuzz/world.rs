//! The fuzzed world: its markets and users, the adversary, the tally and the failures.

use super::*;

/// xorshift64*: small, deterministic, good enough to pick actions.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A check that failed: its name (the shrinking keeps a failure of the same check)
/// and what happened.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) check: &'static str,
    pub(crate) message: String,
}

pub(crate) fn fail(check: &'static str, message: String) -> Result<(), Failure> {
    Err(Failure { check, message })
}

/// A failed step must be a named error (a program, Anchor or token-program error).
pub(crate) fn named(out: &Outcome) -> Result<(), Failure> {
    if out.result.is_ok() {
        return Ok(());
    }
    match out.custom_error() {
        Some(c) if (6000..6100).contains(&c) || (2000..5000).contains(&c) || c <= 20 => Ok(()),
        _ => fail(
            "named errors",
            format!("unnamed failure: {:?}\n{}", out.result, out.logs.join("\n")),
        ),
    }
}

/// Successes per kind of event, to show the sequences did real work.
#[derive(Default, Debug, Clone)]
pub(crate) struct Tally {
    pub(crate) executed: u32,
    pub(crate) execution_refusals: u32,
    pub(crate) late_executions: u32,
    pub(crate) held: u32,
    pub(crate) claims: u32,
    pub(crate) owner_cancels: u32,
    pub(crate) cancels_refused_after_due: u32,
    pub(crate) liquidations: u32,
    pub(crate) deleveraged: u32,
    pub(crate) pauses: u32,
    pub(crate) applied: u32,
    pub(crate) closes: u32,
    pub(crate) adversary_moves: u32,
    /// Executions that paid the skew potential's rise (trades, deposits, withdrawals).
    pub(crate) skew_fees: u32,
    /// Executions that were paid its rebate.
    pub(crate) rebates: u32,
    /// Liquidations of the adversary's own legs, by the adversary.
    pub(crate) own_leg_liquidations: u32,
    /// Times he found one of his legs open when he tried.
    pub(crate) pairs: u32,
    /// Forced closes and exits that left some of their rise unfunded.
    pub(crate) unfunded: u32,
}

/// The adversary: his wallet, and the keypairs of his token and share accounts so he
/// can close them and create them again at the same address.
pub(crate) struct Adversary {
    pub(crate) user: User,
    pub(crate) token_kp: Keypair,
    pub(crate) shares_kp: Keypair,
    /// Where he parks what his named accounts held before he closes them.
    pub(crate) spare_token: Pubkey,
    pub(crate) spare_shares: Pubkey,
    pub(crate) executable: bool,
}

pub(crate) struct World {
    pub(crate) h: Harness,
    pub(crate) lps: Vec<User>,
    pub(crate) traders: Vec<User>,
    pub(crate) staker: User,
    pub(crate) adv: Adversary,
    /// The adversary's accomplice: the other leg of his pairs.
    pub(crate) leg: User,
    pub(crate) usd: f64,
}

/// Every owner and the kinds of request they make.
pub(crate) fn requesters(w: &World) -> Vec<(User, RequestKind)> {
    let mut v = Vec::new();
    for lp in &w.lps {
        v.push((lp.clone(), RequestKind::Deposit));
        v.push((lp.clone(), RequestKind::Withdraw));
    }
    for t in &w.traders {
        v.push((t.clone(), RequestKind::Trade));
        v.push((t.clone(), RequestKind::MarginWithdraw));
    }
    v.push((w.staker.clone(), RequestKind::Unstake));
    v.push((w.leg.clone(), RequestKind::Trade));
    for k in RequestKind::ALL {
        v.push((w.adv.user.clone(), k));
    }
    v
}

/// Creates a token account of `mint` for `owner` at `kp`'s address.
pub(crate) async fn create_at(h: &mut Harness, kp: &Keypair, mint: &Pubkey, owner: &Pubkey) -> Outcome {
    let rent = h.ctx.banks_client.get_rent().await.unwrap();
    let space = <spl_token::state::Account as anchor_lang::solana_program::program_pack::Pack>::LEN;
    let payer = h.payer();
    let ixs = [
        anchor_lang::solana_program::system_instruction::create_account(
            &payer.pubkey(),
            &kp.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_account3(&spl_token::ID, &kp.pubkey(), mint, owner).unwrap(),
    ];
    h.send(&ixs, &[kp]).await
}

impl World {
    pub(crate) async fn new(base: Setup) -> World {
        let mut setup = Setup {
            freezable_mint: true,
            accept_freeze_authority: true,
            ..base
        };
        // Small enough that traders reach the over-hedge cap and a spike puts the
        // vault in breach (auto-deleveraging happens).
        setup.seed_insurance = 200 * ONE;
        let mut h = Harness::new(setup).await;
        let lps = vec![h.user(200 * ONE).await, h.user(200 * ONE).await];
        let mut traders = Vec::new();
        for _ in 0..4 {
            traders.push(h.user(50 * ONE).await);
        }
        let staker = h.user(20 * ONE).await;
        for t in &traders {
            h.trader(t, 3 * ONE).await;
        }
        h.deposit(&lps[0], 30 * ONE).await;
        // The adversary.
        let kp = Keypair::new();
        h.airdrop(&kp.pubkey(), 10_000_000_000).await;
        let (token_kp, shares_kp) = (Keypair::new(), Keypair::new());
        let mint = h.mint;
        let share_mint = share_mint_pda(&h.market);
        create_at(&mut h, &token_kp, &mint, &kp.pubkey()).await.ok();
        create_at(&mut h, &shares_kp, &share_mint, &kp.pubkey())
            .await
            .ok();
        h.mint_to(&token_kp.pubkey(), 100 * ONE).await;
        let spare_token = h.create_token_account(&mint, &kp.pubkey()).await;
        let spare_shares = h.create_token_account(&share_mint, &kp.pubkey()).await;
        let user = User {
            kp,
            token: token_kp.pubkey(),
            shares: shares_kp.pubkey(),
        };
        h.trader(&user, 20 * ONE).await;
        h.deposit(&user, 20 * ONE).await;
        let leg = h.user(20 * ONE).await;
        h.trader(&leg, 4 * ONE).await;
        World {
            h,
            lps,
            traders,
            staker,
            leg,
            adv: Adversary {
                user,
                token_kp,
                shares_kp,
                spare_token,
                spare_shares,
                executable: false,
            },
            usd: 100.0,
        }
    }

    /// The adversary's wallet may sign (it is not executable right now).
    pub(crate) fn adv_can_sign(&self) -> bool {
        !self.adv.executable
    }
}
