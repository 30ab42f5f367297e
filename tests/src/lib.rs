//! Test harness for the hedge-vault program on solana-program-test's real bank: the
//! program registered natively, the real SPL Token program, rent, signers, PDAs and
//! the clock. One builder per instruction, writers for both Pyth account formats,
//! event capture (from the simulated transaction's inner instructions, where
//! `emit_cpi!` puts them), exact-error and no-change assertions, and the invariant
//! checks of PROTOCOL section 7.

pub mod builders;
mod clock;
pub mod pyth;
pub mod shrink;
mod tokens;

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator, Event};
use anchor_spl::token::{spl_token, Mint, TokenAccount};
use hedge_engine::requests::RequestKind;
use hedge_vault::state::{Market, OracleKind, Position, Request};
use hedge_vault::HedgeError;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_program_test::ProgramTestContext;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub use anchor_lang::solana_program::instruction::Instruction;
pub use solana_instruction_error::InstructionError;

/// Decimals of the collateral mint in the default setup (as SOL).
pub const SOL_DECIMALS: u8 = 9;

/// What a sent transaction did.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<(), TransactionError>,
    /// Raw event payloads (discriminator + borsh) in emission order.
    pub events: Vec<Vec<u8>>,
    pub logs: Vec<String>,
    pub compute_units: u64,
    /// Return data of the transaction, also on failure (the program returns the
    /// largest allowed amount when it refuses a withdrawal above the limit).
    pub return_data: Option<Vec<u8>>,
}

impl Outcome {
    /// Panics unless the transaction succeeded.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        if let Err(e) = &self.result {
            panic!("transaction failed: {e:?}\n{}", self.logs.join("\n"));
        }
        self
    }

    /// Panics unless the transaction succeeded and executed its request (rather than
    /// cancelling it with a reason).
    #[track_caller]
    pub fn executed(self) -> Self {
        self.ok();
        let refused = self.events::<hedge_vault::events::RequestCancelled>();
        if let Some(c) = refused.first() {
            panic!(
                "the request was refused at execution: error {}\n{}",
                c.error,
                self.logs.join("\n")
            );
        }
        self
    }

    /// The single `RequestCancelled` event's refusal code (panics if there is none).
    #[track_caller]
    pub fn refused(&self) -> u32 {
        self.ok();
        let c: hedge_vault::events::RequestCancelled = self.event();
        assert_eq!(c.cause, hedge_vault::events::CANCELLED_REFUSED, "{c:?}");
        c.error
    }

    /// Events of type `E`.
    pub fn events<E: Event + Discriminator + anchor_lang::AnchorDeserialize>(&self) -> Vec<E> {
        hedge_client::chain::decode_events(&self.events)
            .map(|e| e.expect("event decodes"))
            .collect()
    }

    /// The single event of type `E`.
    #[track_caller]
    pub fn event<E: Event + Discriminator + anchor_lang::AnchorDeserialize>(&self) -> E {
        let mut v = self.events::<E>();
        assert_eq!(v.len(), 1, "expected one event");
        v.remove(0)
    }

    /// Return data read as a little-endian u64.
    pub fn return_u64(&self) -> Option<u64> {
        let d = self.return_data.as_ref()?;
        Some(u64::from_le_bytes(d.get(..8)?.try_into().ok()?))
    }

    /// The error of the failed instruction, whatever its kind.
    pub fn instruction_error(&self) -> Option<InstructionError> {
        match &self.result {
            Err(TransactionError::InstructionError(_, e)) => Some(e.clone()),
            _ => None,
        }
    }

    /// The custom error code of the failed instruction.
    pub fn custom_error(&self) -> Option<u32> {
        match &self.result {
            Err(TransactionError::InstructionError(_, InstructionError::Custom(c))) => Some(*c),
            _ => None,
        }
    }
}

/// The on-chain number of a program error.
pub fn code(e: HedgeError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

/// The on-chain number of an Anchor framework error.
pub fn anchor_code(e: anchor_lang::error::ErrorCode) -> u32 {
    e as u32
}

/// A wallet with its collateral and share token accounts.
pub struct User {
    pub kp: Keypair,
    pub token: Pubkey,
    pub shares: Pubkey,
}

impl User {
    pub fn key(&self) -> Pubkey {
        self.kp.pubkey()
    }
}

impl Clone for User {
    fn clone(&self) -> Self {
        User {
            kp: self.kp.insecure_clone(),
            token: self.token,
            shares: self.shares,
        }
    }
}

/// How a market under test is set up.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    pub decimals: u8,
    pub oracle_kind: OracleKind,
    /// Price mantissa and exponent at start, conf mantissa.
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
    pub params: hedge_engine::params::RiskParams,
    pub oracle_config: hedge_vault::state::OracleConfig,
    pub admin_config: hedge_vault::state::AdminConfig,
    /// The creator's seed insurance stake, native units.
    pub seed_insurance: u64,
    /// The collateral mint has a freeze authority (the mint authority).
    pub freezable_mint: bool,
    /// The creator accepts that freeze authority (`accept_freeze_authority`).
    pub accept_freeze_authority: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            decimals: SOL_DECIMALS,
            oracle_kind: OracleKind::PythLegacy,
            price: 100_00000000,
            conf: 0,
            expo: -8,
            params: hedge_engine::params::RiskParams::default_for_tests(),
            oracle_config: hedge_vault::state::OracleConfig {
                max_age: 120,
                max_age_liquidate: 30,
                liquidation_confirmation: 5,
                max_conf: 20_000,
                max_conf_reduce: 50_000,
            },
            admin_config: hedge_vault::state::AdminConfig {
                timelock_delay: 86_400,
                settlement_timeout: 86_400,
            },
            // Large enough that the stress-sized cap never binds unless a test wants it.
            seed_insurance: 1_000 * 1_000_000_000,
            freezable_mint: false,
            accept_freeze_authority: false,
        }
    }
}

impl Setup {
    /// Revision 4's hedge control on the default market, as revision 5 scales it: the
    /// two-way skew potential at 1.5% (full rebate) over a scale of 30% of the vault
    /// (at least 0.3 token), funding pulled back toward 5%/yr over a day, income
    /// unlocked over `unlock` seconds (the defaults of `app/src/defaults.rs` with a
    /// scale floor of 0.3 token instead of 300).
    pub fn two_way(unlock: u32) -> Setup {
        let mut s = Setup::default();
        s.params.impact_fee_ratio = 15_000;
        s.params.skew_scale = 300_000_000;
        s.params.skew_scale_ratio = 300_000;
        s.params.skew_rebate_share = 1_000_000;
        s.params.funding_rate_target = 137_000_000;
        s.params.funding_reversion_time = 86_400;
        s.params.profit_unlock_time = unlock;
        s
    }
}

/// The bank, one market and its actors.
pub struct Harness {
    pub ctx: ProgramTestContext,
    pub setup: Setup,
    pub admin: Keypair,
    /// The admin's collateral token account (it paid the seed insurance stake).
    pub admin_token: Pubkey,
    pub guardian: Keypair,
    /// Executes requests and liquidates; holds a collateral token account.
    pub keeper: User,
    pub mint: Pubkey,
    pub mint_authority: Keypair,
    /// The market's pinned price account: the legacy price account, or the pull
    /// feed's sponsored price-feed account.
    pub oracle: Pubkey,
    pub feed_id: [u8; 32],
    pub market: Pubkey,
    nonce: u32,
    /// Position accounts created so far (for the invariant checks).
    pub positions: Vec<Pubkey>,
    /// Every price written into the pinned account, by publish time: the feed's
    /// history, from which an update for a past time is published.
    pub prices: std::collections::BTreeMap<i64, (i64, u64, i32)>,
}

/// Unix time the harness starts at.
pub const START_TIME: i64 = 1_700_000_000;

impl Harness {
    /// A bank with the program and SPL Token, a collateral mint, an oracle account of
    /// the configured kind, and no market yet.
    pub async fn bare(setup: Setup) -> Harness {
        let ctx = hedge_client::chain::program_test().start_with_context().await;
        let feed_id = pyth::SOL_USD_FEED_ID;
        let oracle = match setup.oracle_kind {
            OracleKind::PythLegacy => Pubkey::new_unique(),
            OracleKind::PythPullV2 => hedge_vault::oracle::sponsored_price_feed(&feed_id),
        };
        let mut h = Harness {
            ctx,
            setup,
            admin: Keypair::new(),
            admin_token: Pubkey::default(),
            guardian: Keypair::new(),
            keeper: User {
                kp: Keypair::new(),
                token: Pubkey::default(),
                shares: Pubkey::default(),
            },
            mint: Pubkey::default(),
            mint_authority: Keypair::new(),
            oracle,
            feed_id,
            market: Pubkey::default(),
            nonce: 0,
            positions: Vec::new(),
            prices: std::collections::BTreeMap::new(),
        };
        h.set_time(START_TIME).await;
        let admin = h.admin.pubkey();
        h.airdrop(&admin, 100_000_000_000).await;
        let guardian = h.guardian.pubkey();
        h.airdrop(&guardian, 1_000_000_000).await;
        let mint_kp = Keypair::new();
        h.mint = mint_kp.pubkey();
        h.create_mint(&mint_kp, setup.decimals).await;
        let mint = h.mint;
        h.admin_token = h.create_token_account(&mint, &admin).await;
        let seed = setup.seed_insurance;
        let admin_token = h.admin_token;
        h.mint_to(&admin_token, seed).await;
        h.keeper = h.user(0).await;
        h.set_price(setup.price, setup.conf, setup.expo).await;
        h
    }

    /// [`Harness::bare`] plus `market_create` (with the seed insurance stake).
    pub async fn new(setup: Setup) -> Harness {
        let mut h = Harness::bare(setup).await;
        let ix = builders::market_create(&h, setup.params.into(), setup.oracle_config);
        let admin = h.admin.insecure_clone();
        h.send(&[ix], &[&admin]).await.ok();
        h.market = hedge_vault_market(&h.mint, &h.admin.pubkey());
        h
    }

    /// A second market on a new mint with the same oracle; returns (mint, market).
    pub async fn extra_market(&mut self) -> (Pubkey, Pubkey) {
        let mint_kp = Keypair::new();
        self.create_mint(&mint_kp, self.setup.decimals).await;
        let mint = mint_kp.pubkey();
        let admin_key = self.admin.pubkey();
        let admin_token = self.create_token_account(&mint, &admin_key).await;
        let auth = self.mint_authority.insecure_clone();
        let mint_ix = spl_token::instruction::mint_to(
            &spl_token::ID,
            &mint,
            &admin_token,
            &auth.pubkey(),
            &[],
            self.setup.seed_insurance,
        )
        .unwrap();
        self.send(&[mint_ix], &[&auth]).await.ok();
        let args = builders::market_create_args(self, self.setup.params.into(), self.setup.oracle_config);
        let mut accounts = builders::market_create_accounts_for(self, &mint);
        accounts.creator_token = admin_token;
        let ix = builders::ix(accounts, hedge_vault::instruction::MarketCreate { args });
        let admin = self.admin.insecure_clone();
        self.send(&[ix], &[&admin]).await.ok();
        (mint, hedge_vault_market(&mint, &self.admin.pubkey()))
    }

    /// Opens a position for `u` and deposits `margin`.
    pub async fn trader(&mut self, u: &User, margin: u64) {
        let open = builders::position_open(self, u);
        self.send(&[open], &[&u.kp]).await.ok();
        self.positions
            .push(builders::position_pda(&self.market, &u.key()));
        if margin > 0 {
            let dep = builders::position_deposit(self, u, margin);
            self.send(&[dep], &[&u.kp]).await.ok();
        }
    }

    /// Requests a trade, executes it at its due time, and asserts it filled.
    pub async fn trade(&mut self, u: &User, delta: i64) -> Outcome {
        let ix = builders::position_request_trade(self, u, delta, 0);
        self.send(&[ix], &[&u.kp]).await.ok();
        self.execute_due(RequestKind::Trade, u).await.executed()
    }

    /// Requests a trade with a limit price and executes it at its due time, whatever
    /// the outcome (the request itself must be accepted).
    pub async fn try_trade(&mut self, u: &User, delta: i64, limit: u128) -> Outcome {
        let ix = builders::position_request_trade(self, u, delta, limit);
        self.send(&[ix], &[&u.kp]).await.ok();
        self.execute_due(RequestKind::Trade, u).await
    }

    /// Requests a margin withdrawal and executes it at its due time, whatever the
    /// outcome.
    pub async fn withdraw_margin(&mut self, u: &User, amount: u64) -> Outcome {
        let ix = builders::position_request_withdraw(self, u, amount);
        self.send(&[ix], &[&u.kp]).await.ok();
        self.execute_due(RequestKind::MarginWithdraw, u).await
    }

    /// Requests a deposit, executes it at its due time, and asserts it minted shares.
    pub async fn deposit(&mut self, u: &User, amount: u64) -> Outcome {
        let ix = builders::vault_request_deposit(self, u, amount, 0);
        self.send(&[ix], &[&u.kp]).await.ok();
        self.execute_due(RequestKind::Deposit, u).await.executed()
    }

    /// The owner's pending request of `kind`.
    pub async fn request_state(&mut self, owner: &Pubkey, kind: RequestKind) -> Option<Request> {
        let key = builders::request_pda(&self.market, owner, kind);
        let acc = self.account(key).await?;
        Request::try_deserialize(&mut acc.data.as_slice())
            .ok()
            .filter(Request::is_pending)
    }

    /// Moves the clock to `u`'s request of `kind`'s due time (or keeps it, if later),
    /// publishes the unique price for it (the current price), and executes it as the
    /// keeper. Returns the outcome whatever it is.
    pub async fn execute_due(&mut self, kind: RequestKind, u: &User) -> Outcome {
        let r = self
            .request_state(&u.key(), kind)
            .await
            .unwrap_or_else(|| panic!("no pending {kind:?} request of {}", u.key()));
        if self.now().await < r.due_time {
            self.set_time(r.due_time).await;
        }
        let oracle = self.publish_for_due(r.due_time).await;
        let ix = builders::execute(self, kind, u, &oracle);
        let keeper = self.keeper.kp.insecure_clone();
        self.send(&[ix], &[&keeper]).await
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// Sends a transaction (payer + `signers`): simulates it first to capture the
    /// events, then processes it.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Outcome {
        self.nonce += 1;
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                1_400_000 - self.nonce,
            ),
        ];
        all.extend_from_slice(ixs);
        let payer = self.payer();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend_from_slice(signers);
        // The bank advances a slot every few milliseconds: take a fresh blockhash.
        let bh = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .expect("blockhash");
        let tx = Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, bh);
        let sim = hedge_client::chain::simulate(&self.ctx.banks_client, &tx)
            .await
            .expect("simulate");
        let mut events = sim.events;
        let res = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .expect("process");
        let return_data = sim.return_data;
        let (logs, cu) = res
            .metadata
            .map(|m| (m.log_messages, m.compute_units_consumed))
            .unwrap_or_default();
        if res.result.is_err() {
            events.clear();
        }
        Outcome {
            result: res.result,
            events,
            logs,
            compute_units: cu,
            return_data,
        }
    }

    /// Sends and asserts the exact program error and that no writable account of the
    /// instructions (the fee payer aside) changed.
    pub async fn expect_error(
        &mut self,
        ixs: Vec<Instruction>,
        signers: Vec<&Keypair>,
        expected: u32,
    ) -> Outcome {
        let payer = self.ctx.payer.pubkey();
        let watched: Vec<Pubkey> = ixs
            .iter()
            .flat_map(|ix| ix.accounts.iter().filter(|m| m.is_writable).map(|m| m.pubkey))
            .filter(|k| *k != payer)
            .collect();
        let before = self.accounts(&watched).await;
        let out = self.send(&ixs, &signers).await;
        assert_eq!(
            out.custom_error(),
            Some(expected),
            "expected error {expected}, got {:?}\n{}",
            out.result,
            out.logs.join("\n")
        );
        let after = self.accounts(&watched).await;
        for ((k, b), a) in watched.iter().zip(before).zip(after) {
            assert_eq!(b, a, "account {k} changed although the transaction was refused");
        }
        out
    }

    /// `liquidator`'s liquidation of `owner`'s position at the pinned account's price,
    /// confirmed ([`Harness::confirmation`]).
    pub async fn liquidate_ix(&mut self, liquidator: &User, owner: &Pubkey) -> Instruction {
        let confirm = self.confirmation().await;
        builders::position_liquidate(self, liquidator, owner, &confirm)
    }

    /// The auto-deleveraging of `owner`'s position, confirmed.
    pub async fn deleverage_ix(&mut self, owner: &Pubkey) -> Instruction {
        let confirm = self.confirmation().await;
        builders::market_auto_deleverage(self, owner, &confirm)
    }

    /// Invariant 1 (token conservation) and 2 (zero-sum) against the ledger.
    pub async fn check_invariants(&mut self) {
        let m = self.market_state().await;
        let coll = self.token_balance(m.collateral_vault).await;
        let ins = self.token_balance(m.insurance_vault).await;
        assert_eq!(
            i128::from(coll),
            i128::from(m.collateral)
                + m.total_margin
                + i128::from(m.escrowed_deposits)
                + i128::from(m.claimable_tokens)
                + i128::from(m.skew_ledger)
                + i128::from(m.wait_owed),
            "collateral account balance != C + sum(margin) + escrowed deposits + claims + skew ledger + owed to the longs"
        );
        assert_eq!(ins, m.insurance, "insurance account balance != insurance ledger");
        // Invariant 9: the skew ledger is what it collected less what it rebated and
        // released, never negative; what is locked of the fund never exceeds it.
        assert_eq!(
            m.skew_collected
                .checked_sub(m.skew_rebated)
                .and_then(|x| x.checked_sub(m.skew_released)),
            Some(u128::from(m.skew_ledger)),
            "skew ledger != collected - rebated - released"
        );
        assert!(m.insurance_locked <= m.insurance, "insurance locked > fund");
        let mut margin = 0i128;
        let mut base = 0i128;
        let mut entry = 0i128;
        let mut count = 0u64;
        for p in self.positions.clone() {
            if let Some(acc) = self.account(p).await {
                let pos = Position::try_deserialize(&mut acc.data.as_slice()).unwrap();
                margin += i128::from(pos.margin);
                base += i128::from(pos.base);
                entry += pos.entry_quote;
                count += 1;
            }
        }
        assert_eq!(margin, m.total_margin, "sum of position margins != ledger");
        assert_eq!(base, m.net_base, "zero-sum: traders' net base + vault base != 0");
        assert_eq!(entry, m.entry_quote, "entry notional aggregate drifted");
        assert_eq!(count, m.position_count, "position count drifted");
        let escrow = self.token_balance(m.share_escrow).await;
        assert_eq!(
            escrow,
            m.pending_withdraw_shares + m.claimable_shares + m.dead_shares,
            "escrowed shares != pending withdrawals + claims + dead shares"
        );
    }
}

/// The market PDA of a collateral mint and its creator.
pub fn hedge_vault_market(mint: &Pubkey, creator: &Pubkey) -> Pubkey {
    hedge_client::keys::market(mint, creator)
}
