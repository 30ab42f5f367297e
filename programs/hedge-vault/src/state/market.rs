//! The market: one collateral mint, one Pyth feed, its vault ledger (`C`), the
//! traders' aggregates, the insurance fund ledger and every parameter.

use anchor_lang::prelude::*;
use hedge_engine::funding::FundingState;
use hedge_engine::market::MarketState;
use hedge_engine::params::RiskParams;
use hedge_engine::position::{Aggregates, Units};

use super::market_config::{AdminConfig, MarketParams, OracleConfig, OracleKind, Proposal, ProposalKind};
use crate::error::EngineResultExt;

/// `Market::flags` bits.
pub const FLAG_PAUSED: u8 = 1;
/// Set while the vault is in margin breach and not yet back above initial margin.
pub const FLAG_REDUCE_ONLY: u8 = 2;
/// The collateral mint has a freeze authority, accepted by the creator at creation:
/// that authority can freeze the market's token accounts (docs/RISK.md).
pub const FLAG_FREEZABLE_MINT: u8 = 4;

/// The market account, stored as its bytes (`zero_copy`: no (de)serialization field by
/// field; about 8,000 compute units less per instruction than Borsh, docs/PERFORMANCE.md).
/// `repr(C)` with every field at its natural alignment and no implicit padding, the
/// same on the host and on SBF (where `u128` is 8-byte aligned): the 16-byte values sit
/// at multiples of 16. `Account<Market>` copies it in and out whole
/// (`AccountDeserialize` by `pod_read_unaligned`, `AccountSerialize` below).
#[zero_copy]
#[derive(InitSpace, Debug)]
pub struct Market {
    pub bump: u8,
    pub version: u8,
    /// Collateral mint decimals.
    pub decimals: u8,
    /// `FLAG_PAUSED | FLAG_REDUCE_ONLY`.
    pub flags: u8,
    // The accounts (32 bytes each; `collateral_mint` at byte 44 of the account).
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub share_mint: Pubkey,
    pub share_escrow: Pubkey,
    /// Legacy: the pinned price account. Pull: the feed's sponsored price-feed
    /// account (the Pyth push oracle's PDA for the feed id, shard 0), read only to
    /// judge whether the feed is dead; executions take any update of the feed.
    pub oracle: Pubkey,
    /// Pull: the Pyth feed id. Legacy: zeros.
    pub feed_id: [u8; 32],
    /// May pause at once.
    pub guardian: Pubkey,
    /// Proposed admin; becomes admin when it accepts.
    pub pending_admin: Pubkey,
    /// The market's creator, part of its PDA seeds; never changes.
    pub creator: Pubkey,
    /// `OracleKind` as its index: 0 legacy push account, 1 pull `PriceUpdateV2`
    /// (`Market::oracle_kind()`).
    pub oracle_kind: u8,
    /// Zero: aligns the 8-byte fields that follow.
    pub pad0: [u8; 3],
    /// Newest publish time accepted; older prices are refused.
    pub last_publish_time: i64,
    // 16-byte values (at offsets that are multiples of 16 from the struct's start).
    /// Last accepted price. precision: 1e18 USD per whole token
    pub last_price: u128,
    /// Sum of all positions' margin, native units (signed: debt is negative).
    pub total_margin: i128,
    /// `N`: traders' net base, native units.
    pub net_base: i128,
    /// Long open interest, native units.
    pub long_base: u128,
    /// Short open interest, native units.
    pub short_base: u128,
    /// Sum of entry notionals. precision: 1e18 USD
    pub entry_quote: i128,
    /// Sum of funding bases. precision: 1e18 USD
    pub funding_basis: i128,
    /// Cumulative funding index. precision: 1e27 USD per whole token
    pub funding_index: i128,
    /// Non-zero once a settlement price is applied: the market winds down.
    /// precision: 1e18 USD per whole token
    pub settlement_price: u128,
    /// Cumulative tokens collected into the skew ledger.
    pub skew_collected: u128,
    /// Cumulative tokens rebated out of it.
    pub skew_rebated: u128,
    /// Cumulative tokens released from it into `C`.
    pub skew_released: u128,
    /// Cumulative rises recorded as unfunded.
    pub skew_unfunded_total: u128,
    /// Cumulative tokens the deposits in escrow paid into `C` for it.
    pub wait_charged: u128,
    /// A parameter change or settlement waiting out the timelock (16-byte aligned).
    pub proposal: Proposal,
    // 8-byte values.
    /// `C`: tokens the vault holds, native units.
    pub collateral: u64,
    /// Insurance fund ledger, native units (balance of `insurance_vault`).
    pub insurance: u64,
    /// Current funding rate. precision: 1e12 per day
    pub funding_rate: i64,
    /// Unix seconds of the last funding accrual.
    pub last_funding_time: i64,
    /// Shares locked in pending withdrawals.
    pub pending_withdraw_shares: u64,
    /// Revision 6: the pending withdrawals' value at request, tokens (out of the
    /// hedge base while they wait).
    pub withdrawals_in_escrow: u64,
    /// Revision 6: shares minted with the first ones for the equity the vault held
    /// before any share existed, owned by nobody, in the share escrow for ever.
    pub dead_shares: u64,
    /// Open position accounts.
    pub position_count: u64,
    /// Insurance fund shares outstanding (stakers' ledger).
    pub insurance_shares: u64,
    /// Cumulative bad debt covered by the insurance fund, native units.
    pub total_insurance_covered: u64,
    /// Cumulative bad debt socialized to vault shareholders, native units.
    pub total_socialized: u64,
    /// Cumulative seconds not charged because one accrual is capped.
    pub funding_skipped_seconds: u64,
    /// Deposits requested and not yet executed or cancelled, native units, held in
    /// the collateral account apart from `C`.
    pub escrowed_deposits: u64,
    /// Tokens held in the collateral account for claims (payments whose destination
    /// could not take them, PROTOCOL section 6a), native units.
    pub claimable_tokens: u64,
    /// Shares held in the share escrow for claims.
    pub claimable_shares: u64,
    /// Vault income still locked at `profit_last` (PROTOCOL section 3, profit
    /// unlocking), native units, part of `C`.
    pub locked_profit: u64,
    /// Unix seconds `locked_profit` was measured at.
    pub profit_last: i64,
    /// Unix seconds at which all of it is unlocked.
    pub profit_unlock_end: i64,
    /// Deposits waiting in escrow for hedge capacity (PROTOCOL section 3), native
    /// units, part of `escrowed_deposits`. While non-zero, a deposit that has not
    /// waited yet waits behind them.
    pub waiting_deposits: u64,
    /// The skew ledger `K` (PROTOCOL section 4, revision 5): tokens the skew
    /// potential collected and has not rebated or released, native units, held in
    /// the collateral account apart from `C`.
    pub skew_ledger: u64,
    /// Rises of the skew potential owed and never paid, native units: the next falls
    /// pay it down before any rebate.
    pub skew_unfunded: u64,
    /// The insurance fund's income still locked at `insurance_profit_last`, native
    /// units, part of `insurance` (PROTOCOL section 5, revision 5).
    pub insurance_locked: u64,
    /// Unix seconds `insurance_locked` was measured at.
    pub insurance_profit_last: i64,
    /// Unix seconds at which all of it is unlocked.
    pub insurance_unlock_end: i64,
    /// Revision 6: the rate of the vault's own hedge (the hedge base without the
    /// deposits in escrow), which the funding index runs at: what the vault and the
    /// shorts pay or earn. `funding_rate` is the longs' rate, at most this: the
    /// difference is their bonus, paid by the deposits in escrow. precision: 1e12 per
    /// day (PROTOCOL section 4, "Who pays for a waiting deposit's hedge").
    pub funding_own_rate: i64,
    /// Revision 6: cumulative charge per escrowed token for the longs' bonus.
    /// precision: 1e12 tokens per token
    pub wait_index: u64,
    /// Tokens charged to the escrow as a whole, not yet booked to a request.
    pub wait_outstanding: u64,
    /// Tokens owed to the longs as their bonus, not yet settled: a ledger of its own
    /// in the collateral token account, apart from `C` (not the holders').
    pub wait_owed: u64,
    /// Cumulative bonus per unit of a long's base; each long settles its part
    /// against its `gap_snapshot`. precision: 1e18 tokens per token
    pub wait_gap_index: u64,
    // The configuration.
    pub params: MarketParams,
    pub oracle_config: OracleConfig,
    pub admin_config: AdminConfig,
    /// Zero: makes the size a multiple of 16.
    pub pad1: [u8; 4],
}

zero_copy_account!(Market, "Market", [219, 190, 213, 55, 0, 227, 198, 154]);

/// The accounts a new market records (`Market::new`).
pub struct MarketAccounts {
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub share_mint: Pubkey,
    pub share_escrow: Pubkey,
    pub oracle: Pubkey,
}

impl Market {
    /// A market as `market_create` writes it, before the seed insurance stake: empty
    /// ledgers, funding starting at `now`. The backtest's simulation builds its market
    /// with this too.
    pub fn new(
        k: &MarketAccounts,
        args: &crate::MarketCreateArgs,
        bump: u8,
        decimals: u8,
        freezable_mint: bool,
        now: i64,
    ) -> Market {
        Market {
            bump,
            version: crate::constants::ACCOUNT_VERSION,
            decimals,
            flags: if freezable_mint { FLAG_FREEZABLE_MINT } else { 0 },
            admin: k.admin,
            collateral_mint: k.collateral_mint,
            collateral_vault: k.collateral_vault,
            insurance_vault: k.insurance_vault,
            share_mint: k.share_mint,
            share_escrow: k.share_escrow,
            oracle_kind: args.oracle_kind as u8,
            pad0: [0; 3],
            oracle: k.oracle,
            // The pull feed's id; zeros for a legacy account.
            feed_id: match args.oracle_kind {
                OracleKind::PythLegacy => [0u8; 32],
                OracleKind::PythPullV2 => args.feed_id,
            },
            oracle_config: args.oracle_config,
            params: args.params,
            last_publish_time: 0,
            last_price: 0,
            collateral: 0,
            insurance: 0,
            total_margin: 0,
            net_base: 0,
            long_base: 0,
            short_base: 0,
            entry_quote: 0,
            funding_basis: 0,
            funding_index: 0,
            funding_rate: 0,
            last_funding_time: now,
            pending_withdraw_shares: 0,
            withdrawals_in_escrow: 0,
            dead_shares: 0,
            position_count: 0,
            guardian: args.guardian,
            pending_admin: Pubkey::default(),
            admin_config: args.admin_config,
            proposal: Proposal {
                kind: ProposalKind::None as u8,
                eta: 0,
                params: args.params,
                oracle_config: args.oracle_config,
                admin_config: args.admin_config,
                settlement_price: 0,
                pad: [0; 3],
            },
            settlement_price: 0,
            insurance_shares: 0,
            total_insurance_covered: 0,
            total_socialized: 0,
            funding_skipped_seconds: 0,
            creator: k.admin,
            escrowed_deposits: 0,
            claimable_tokens: 0,
            claimable_shares: 0,
            locked_profit: 0,
            profit_last: now,
            profit_unlock_end: now,
            waiting_deposits: 0,
            skew_ledger: 0,
            skew_unfunded: 0,
            skew_collected: 0,
            skew_rebated: 0,
            skew_released: 0,
            skew_unfunded_total: 0,
            insurance_locked: 0,
            insurance_profit_last: now,
            insurance_unlock_end: now,
            funding_own_rate: 0,
            wait_index: 0,
            wait_charged: 0,
            wait_outstanding: 0,
            wait_owed: 0,
            wait_gap_index: 0,
            pad1: [0; 4],
        }
    }
}

impl Market {
    /// Which Pyth account format the market reads (stored as its index).
    pub fn oracle_kind(&self) -> OracleKind {
        OracleKind::from_index(self.oracle_kind)
    }

    pub fn is_paused(&self) -> bool {
        self.flags & FLAG_PAUSED != 0
    }

    pub fn is_reduce_only(&self) -> bool {
        self.flags & FLAG_REDUCE_ONLY != 0
    }

    pub fn is_settled(&self) -> bool {
        self.settlement_price != 0
    }

    pub fn set_flag(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    pub fn units(&self) -> Result<Units> {
        let scale = hedge_engine::params::token_scale(self.decimals).named()?;
        Ok(Units { scale })
    }

    pub fn risk_params(&self) -> RiskParams {
        self.params.into()
    }

    pub fn aggregates(&self) -> Aggregates {
        Aggregates {
            net_base: self.net_base,
            long_base: self.long_base,
            short_base: self.short_base,
            entry_quote: self.entry_quote,
            funding_basis: self.funding_basis,
        }
    }

    /// The engine's copy of everything economic about the market.
    pub fn state(&self) -> Result<MarketState> {
        Ok(MarketState {
            params: self.params.into(),
            limits: self.oracle_config.into(),
            units: self.units()?,
            collateral: self.collateral,
            insurance: self.insurance,
            insurance_shares: self.insurance_shares,
            total_margin: self.total_margin,
            escrowed_deposits: self.escrowed_deposits,
            waiting_deposits: self.waiting_deposits,
            aggregates: self.aggregates(),
            funding: FundingState {
                index: self.funding_index,
                rate: self.funding_rate,
                last_time: self.last_funding_time,
            },
            funding_skipped_seconds: self.funding_skipped_seconds,
            last_publish_time: self.last_publish_time,
            last_price: self.last_price,
            settlement_price: self.settlement_price,
            paused: self.is_paused(),
            reduce_only: self.is_reduce_only(),
            pending_withdraw_shares: self.pending_withdraw_shares,
            withdrawals_in_escrow: self.withdrawals_in_escrow,
            dead_shares: self.dead_shares,
            claimable_tokens: self.claimable_tokens,
            claimable_shares: self.claimable_shares,
            total_insurance_covered: self.total_insurance_covered,
            total_socialized: self.total_socialized,
            profit: hedge_engine::vault::ProfitLock {
                locked: self.locked_profit,
                last: self.profit_last,
                end: self.profit_unlock_end,
            },
            skew: hedge_engine::skew::SkewLedger {
                balance: self.skew_ledger,
                unfunded: self.skew_unfunded,
                collected: self.skew_collected,
                rebated: self.skew_rebated,
                released: self.skew_released,
                unfunded_total: self.skew_unfunded_total,
            },
            insurance_profit: hedge_engine::vault::ProfitLock {
                locked: self.insurance_locked,
                last: self.insurance_profit_last,
                end: self.insurance_unlock_end,
            },
            waiting_bid: hedge_engine::funding::WaitingBid {
                own_rate: self.funding_own_rate,
                index: self.wait_index,
                charged: self.wait_charged,
                outstanding: self.wait_outstanding,
                owed: self.wait_owed,
                gap_index: self.wait_gap_index,
            },
        })
    }

    /// Writes the engine's state back (parameters and limits change only through
    /// the timelock, so they are written by `market_apply_proposal` alone).
    pub fn set_state(&mut self, s: &MarketState) {
        self.collateral = s.collateral;
        self.insurance = s.insurance;
        self.insurance_shares = s.insurance_shares;
        self.total_margin = s.total_margin;
        self.escrowed_deposits = s.escrowed_deposits;
        self.waiting_deposits = s.waiting_deposits;
        self.net_base = s.aggregates.net_base;
        self.long_base = s.aggregates.long_base;
        self.short_base = s.aggregates.short_base;
        self.entry_quote = s.aggregates.entry_quote;
        self.funding_basis = s.aggregates.funding_basis;
        self.funding_index = s.funding.index;
        self.funding_rate = s.funding.rate;
        self.last_funding_time = s.funding.last_time;
        self.funding_skipped_seconds = s.funding_skipped_seconds;
        self.last_publish_time = s.last_publish_time;
        self.last_price = s.last_price;
        self.settlement_price = s.settlement_price;
        self.set_flag(FLAG_PAUSED, s.paused);
        self.set_flag(FLAG_REDUCE_ONLY, s.reduce_only);
        self.pending_withdraw_shares = s.pending_withdraw_shares;
        self.withdrawals_in_escrow = s.withdrawals_in_escrow;
        self.dead_shares = s.dead_shares;
        self.claimable_tokens = s.claimable_tokens;
        self.claimable_shares = s.claimable_shares;
        self.total_insurance_covered = s.total_insurance_covered;
        self.total_socialized = s.total_socialized;
        self.locked_profit = s.profit.locked;
        self.profit_last = s.profit.last;
        self.profit_unlock_end = s.profit.end;
        self.skew_ledger = s.skew.balance;
        self.skew_unfunded = s.skew.unfunded;
        self.skew_collected = s.skew.collected;
        self.skew_rebated = s.skew.rebated;
        self.skew_released = s.skew.released;
        self.skew_unfunded_total = s.skew.unfunded_total;
        self.insurance_locked = s.insurance_profit.locked;
        self.insurance_profit_last = s.insurance_profit.last;
        self.insurance_unlock_end = s.insurance_profit.end;
        self.funding_own_rate = s.waiting_bid.own_rate;
        self.wait_index = s.waiting_bid.index;
        self.wait_charged = s.waiting_bid.charged;
        self.wait_outstanding = s.waiting_bid.outstanding;
        self.wait_owed = s.waiting_bid.owed;
        self.wait_gap_index = s.waiting_bid.gap_index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discriminator_is_anchors_name_for_the_account() {
        use sha2::Digest;
        let h = sha2::Sha256::digest(b"account:Market");
        assert_eq!(Market::DISCRIMINATOR, &h[..8]);
    }

    #[test]
    fn an_account_of_another_size_is_an_error_not_a_panic() {
        let mut ok = Market::DISCRIMINATOR.to_vec();
        ok.extend(std::iter::repeat_n(0u8, core::mem::size_of::<Market>()));
        assert!(Market::try_deserialize(&mut ok.as_slice()).is_ok());
        let did_not = anchor_lang::error::ErrorCode::AccountDidNotDeserialize as u32;
        // The Borsh layout's 1,174 bytes (layout version 2), one byte short, one over.
        for len in [
            1_166,
            core::mem::size_of::<Market>() - 1,
            core::mem::size_of::<Market>() + 1,
        ] {
            let mut data = Market::DISCRIMINATOR.to_vec();
            data.extend(std::iter::repeat_n(0u8, len));
            match Market::try_deserialize(&mut data.as_slice()) {
                Err(anchor_lang::error::Error::AnchorError(e)) => assert_eq!(e.error_code_number, did_not),
                other => panic!("{len}: {other:?}"),
            }
        }
        let mut wrong = ok.clone();
        wrong[0] ^= 1;
        assert!(Market::try_deserialize(&mut wrong.as_slice()).is_err());
    }
}
