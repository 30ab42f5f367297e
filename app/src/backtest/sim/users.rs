//! The users' instructions on the simulated market, each mirroring its handler.

use super::*;

impl Sim {
    /// `requests::open` on a fresh account.
    fn open_request(&mut self, owner: &Pubkey, kind: RequestKind, due: i64) -> Result<Pubkey> {
        let key = self.request_key(owner, kind);
        if self.requests.contains_key(&key) {
            return Err(refused_named(HedgeError::RequestAlreadyPending));
        }
        let r = Request {
            market: self.key,
            owner: *owner,
            kind: kind as u8,
            bump: 0,
            version: ACCOUNT_VERSION,
            created_at: self.now,
            due_time: due,
            execution_fee: self.market.params.execution_fee_lamports,
            amount: 0,
            delta_base: 0,
            limit_price: 0,
            min_hedge_ratio: 0,
            value_at_request: 0,
            // The population's wallets always hold their token and share accounts:
            // payments are pushed, never held (the keys are not needed at engine
            // level).
            token_destination: Pubkey::default(),
            share_destination: Pubkey::default(),
            claim_tokens: 0,
            claim_shares: 0,
            waiting: 0,
            max_skew_fee_ratio: hedge_engine::RATIO_PRECISION as i32,
            price_at_request: 0,
            wait_since: 0,
            reserved: [0; 12],
        };
        self.requests.insert(key, r);
        Ok(key)
    }

    fn take_wallet(&mut self, owner: &Pubkey, amount: u64) -> Result<()> {
        let w = self.wallets.entry(*owner).or_default();
        *w = w
            .checked_sub(amount)
            .ok_or_else(|| refused_named(HedgeError::InsufficientFunds))?;
        Ok(())
    }

    /// `vault_request_deposit` (minimum hedge ratio 0).
    pub fn request_deposit(&mut self, owner: &Pubkey, amount: u64) -> Result<()> {
        if amount == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        if self.wallet(owner) < amount {
            return Err(refused_named(HedgeError::InsufficientFunds));
        }
        let mut st = self.market.state()?;
        let ratio = hedge_engine::RATIO_PRECISION as i32;
        st.check_deposit_bounds(0, ratio).map_err(refused)?;
        st.accrue_before_request(self.now).map_err(refused)?;
        st.request_deposit(amount).map_err(refused)?;
        let due = self.now + i64::from(st.params.execution_delay);
        let key = self.open_request(owner, RequestKind::Deposit, due)?;
        let r = self.requests.get_mut(&key).expect("just opened");
        r.amount = amount;
        r.wait_since = st.waiting_bid.index;
        self.market.set_state(&st);
        self.record(Action::RequestDeposit(*owner, amount));
        self.take_wallet(owner, amount)
    }

    /// `vault_request_withdraw`.
    pub fn request_withdraw(&mut self, owner: &Pubkey, shares: u64) -> Result<()> {
        if shares == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        if self.shares_of(owner) < shares {
            return Err(refused_named(HedgeError::InsufficientShares));
        }
        let mut st = self.market.state()?;
        let price = self.refresh(&mut st, OracleUse::Reduce)?;
        st.accrue_before_request(self.now).map_err(refused)?;
        let value = st.request_withdraw(self.supply, shares, price).map_err(refused)?;
        let due = self.now + i64::from(st.params.withdraw_delay);
        let key = self.open_request(owner, RequestKind::Withdraw, due)?;
        let r = self.requests.get_mut(&key).expect("just opened");
        r.amount = shares;
        r.value_at_request = value;
        r.price_at_request = price.price;
        self.market.set_state(&st);
        *self.shares.entry(*owner).or_default() -= shares;
        self.escrow_shares += shares;
        self.record(Action::RequestWithdraw(*owner, shares));
        Ok(())
    }

    /// `position_open`.
    pub fn open_position(&mut self, owner: &Pubkey) -> Result<()> {
        let key = self.position_key(owner);
        if self.positions.contains_key(&key) {
            bail!("simulated: the position account already exists");
        }
        self.market.position_count += 1;
        self.positions.insert(
            key,
            Position {
                market: self.key,
                owner: *owner,
                base: 0,
                entry_quote: 0,
                margin: 0,
                funding_basis: 0,
                bump: 0,
                version: ACCOUNT_VERSION,
                opened_at: self.now,
                pending_requests: 0,
                gap_snapshot: 0,
                reserved: [0; 55],
            },
        );
        self.record(Action::OpenPosition(*owner));
        Ok(())
    }

    pub(super) fn position_mut(&mut self, owner: &Pubkey) -> Result<(Pubkey, Position)> {
        let key = self.position_key(owner);
        let p = self
            .positions
            .get(&key)
            .ok_or_else(|| anyhow!("simulated: no position account"))?;
        Ok((key, p.clone()))
    }

    /// `position_deposit`.
    pub fn deposit_margin(&mut self, owner: &Pubkey, amount: u64) -> Result<()> {
        if amount == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        if self.wallet(owner) < amount {
            return Err(refused_named(HedgeError::InsufficientFunds));
        }
        let (key, mut account) = self.position_mut(owner)?;
        if account.pending_requests != 0 {
            return Err(refused_named(HedgeError::PositionHasPendingRequests));
        }
        let mut st = self.market.state()?;
        let mut pos = account.engine();
        st.deposit_margin(&mut pos, amount).map_err(refused)?;
        self.market.set_state(&st);
        account.set_engine(&pos);
        self.positions.insert(key, account);
        self.record(Action::DepositMargin(*owner, amount));
        self.take_wallet(owner, amount)
    }

    /// `position_request_trade`.
    pub fn request_trade(&mut self, owner: &Pubkey, delta: i64, limit_price: u128) -> Result<()> {
        if delta == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        let (key, mut account) = self.position_mut(owner)?;
        if account.pending_requests != 0 {
            return Err(refused_named(HedgeError::PositionHasPendingRequests));
        }
        let new_base = account
            .base
            .checked_add(delta)
            .ok_or_else(|| refused_named(HedgeError::MathOverflow))?;
        if !is_risk_reducing(account.base, new_base) {
            if self.market.is_settled() {
                return Err(refused_named(HedgeError::MarketSettled));
            }
            if self.market.is_paused() {
                return Err(refused_named(HedgeError::MarketPaused));
            }
            if self.market.is_reduce_only() {
                return Err(refused_named(HedgeError::MarketReduceOnly));
            }
        }
        let due = self.now + i64::from(self.market.params.execution_delay);
        let rkey = self.open_request(owner, RequestKind::Trade, due)?;
        let r = self.requests.get_mut(&rkey).expect("just opened");
        r.delta_base = delta;
        r.limit_price = limit_price;
        account.pending_requests += 1;
        self.positions.insert(key, account);
        self.record(Action::RequestTrade(*owner, delta, limit_price));
        Ok(())
    }

    /// `position_close`: the margin back to the wallet, the account closed.
    pub fn close_position(&mut self, owner: &Pubkey) -> Result<u64> {
        let (key, account) = self.position_mut(owner)?;
        if account.pending_requests != 0 {
            return Err(refused_named(HedgeError::PositionHasPendingRequests));
        }
        let mut st = self.market.state()?;
        let returned = st.close_position(&account.engine()).map_err(refused)?;
        self.market.set_state(&st);
        self.market.position_count -= 1;
        self.positions.remove(&key);
        self.credit(owner, returned);
        self.record(Action::ClosePosition(*owner));
        Ok(returned)
    }

    /// `insurance_stake`.
    pub fn stake(&mut self, owner: &Pubkey, amount: u64) -> Result<u64> {
        if amount == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        if self.wallet(owner) < amount {
            return Err(refused_named(HedgeError::InsufficientFunds));
        }
        let mut st = self.market.state()?;
        let shares = st.stake_insurance(amount).map_err(refused)?;
        self.market.set_state(&st);
        *self.stakes.entry(*owner).or_default() += shares;
        self.take_wallet(owner, amount)?;
        self.record(Action::Stake(*owner, amount));
        Ok(shares)
    }
}
