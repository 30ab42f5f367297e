//! The events of positions, funding, liquidations and deleveraging (re-exported by
//! `crate::events`).

use anchor_lang::prelude::*;

#[event]
#[derive(Debug)]
pub struct PositionOpened {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub position: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct MarginDeposited {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub margin: i64,
}

#[event]
#[derive(Debug)]
pub struct MarginWithdrawn {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub executor: Pubkey,
    pub amount: u64,
    pub funding_paid: i64,
    /// Revision 6: the long's bonus since it last settled, paid by the deposits in
    /// escrow: into its margin out of what `C` held for the longs, tokens.
    pub wait_bonus: u64,
    pub margin: i64,
}

#[event]
#[derive(Debug)]
pub struct PositionTraded {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub executor: Pubkey,
    pub delta_base: i64,
    pub base_after: i64,
    /// precision: 1e18 USD per whole token
    pub fill_price: u128,
    /// native units, to the trader (negative: to the vault)
    pub realized_pnl: i64,
    /// Taker plus impact fee.
    pub fee: u64,
    /// The skew potential's rise paid into the skew ledger (revision 5).
    pub impact_fee: u64,
    /// The skew rebate paid out of the skew ledger into the margin.
    pub rebate: u64,
    /// The insurance fund's part of `fee` (its share of the taker fee).
    pub insurance_fee: u64,
    pub funding_paid: i64,
    /// Revision 6: the long's bonus since it last settled, paid by the deposits in
    /// escrow: into its margin out of what `C` held for the longs, tokens.
    pub wait_bonus: u64,
    pub reducing: bool,
    pub margin_after: i64,
    pub net_base_after: i128,
    pub collateral_after: u64,
    /// The part of the rise an exit could not pay, left unfunded (revision 5).
    pub skew_unfunded: u64,
    /// The skew ledger `K` after, native units.
    pub skew_ledger: u64,
}

#[event]
#[derive(Debug)]
pub struct PositionClosed {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// margin returned, native units
    pub returned: u64,
}

#[event]
#[derive(Debug)]
pub struct FundingUpdated {
    pub market: Pubkey,
    /// precision: 1e27 USD per whole token
    pub index: i128,
    /// The longs' rate (revision 6: below `own_rate` by their bonus while deposits
    /// wait). precision: 1e12 per day
    pub rate: i64,
    /// The rate the index runs at, the vault's own hedge's: what the vault and the
    /// shorts pay or earn (equal to `rate` before revision 6 or with no deposit
    /// waiting). precision: 1e12 per day
    pub own_rate: i64,
    pub charged_seconds: i64,
    pub skipped_seconds: i64,
    /// `N - h*C`, native units
    pub imbalance: i128,
    /// precision: 1e18
    pub price: u128,
    // The market after the crank, so that an indexer can draw the vault over time
    // from this event alone (the keeper cranks it at least every few minutes).
    /// `C`, native units
    pub collateral: u64,
    /// `N`: traders' net base, native units
    pub net_base: i128,
    /// The insurance fund, native units
    pub insurance: u64,
    /// The vault's equity in the share price (the low edge of its band, income still
    /// locked left out), native units; `i128::MIN` if it cannot be computed (the crank
    /// is never refused for its report)
    pub vault_equity: i128,
    /// `N / (h*C)`, precision 1e6 (the `hedge_ratio_floor` of `vault show`)
    pub hedge_ratio: u64,
    /// The skew ledger `K` after the crank (its surplus released to `C`), native
    /// units (revision 5)
    pub skew_ledger: u64,
}

#[event]
#[derive(Debug)]
pub struct FundingSettled {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// tokens moved from the position to the vault (negative: to the position)
    pub paid: i64,
    /// Revision 6: the long's bonus since it last settled, paid by the deposits in
    /// escrow: into its margin out of what `C` held for the longs, tokens.
    pub wait_bonus: u64,
    pub margin_after: i64,
}

#[event]
#[derive(Debug)]
pub struct PositionLiquidated {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub liquidator: Pubkey,
    pub closed: u64,
    pub base_after: i64,
    /// precision: 1e18
    pub fill_price: u128,
    pub realized_pnl: i64,
    pub liquidator_reward: u64,
    pub insurance_reward: u64,
    pub bad_debt: u64,
    pub margin_after: i64,
    /// Funding settled before liquidating: tokens to the vault (negative: to the
    /// position).
    pub funding_paid: i64,
    /// Revision 6: the long's bonus since it last settled, paid by the deposits in
    /// escrow: into its margin out of what `C` held for the longs, tokens.
    pub wait_bonus: u64,
    /// The skew potential's rise of the close, paid into the skew ledger from the
    /// equity left (revision 5); never rebated.
    pub skew_paid: u64,
    /// The part of the rise the equity could not pay, left unfunded.
    pub skew_unfunded: u64,
    /// The skew ledger `K` after, native units.
    pub skew_ledger: u64,
}

/// Bad debt after a liquidation, and who paid it.
#[event]
#[derive(Debug)]
pub struct BadDebtResolved {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub bad_debt: u64,
    pub insurance_covered: u64,
    /// Loss socialized to vault shareholders (C fell by this much).
    pub socialized: u64,
    pub insurance_after: u64,
    pub collateral_after: u64,
}

#[event]
#[derive(Debug)]
pub struct AutoDeleveraged {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub closed: u64,
    /// precision: 1e18 (the oracle price)
    pub fill_price: u128,
    pub realized_pnl: i64,
    pub reduce_only_after: bool,
    /// Funding settled first: tokens to the vault.
    pub funding_paid: i64,
    /// Revision 6: the long's bonus since it last settled, paid by the deposits in
    /// escrow: into its margin out of what `C` held for the longs, tokens.
    pub wait_bonus: u64,
    /// The skew potential's rise of the close, paid into the skew ledger
    /// (revision 5); never rebated.
    pub skew_paid: u64,
    /// The part of the rise the equity could not pay, left unfunded.
    pub skew_unfunded: u64,
    /// The skew ledger `K` after, native units.
    pub skew_ledger: u64,
}

impl PositionTraded {
    pub fn new(
        market: Pubkey,
        owner: Pubkey,
        executor: Pubkey,
        delta_base: i64,
        x: &hedge_engine::market::TradeExecution,
    ) -> Self {
        let o = &x.outcome;
        PositionTraded {
            market,
            owner,
            executor,
            delta_base,
            base_after: o.position.base,
            fill_price: o.fill_price,
            realized_pnl: o.realized_pnl,
            fee: o.fee,
            impact_fee: o.impact_fee,
            rebate: o.rebate,
            insurance_fee: o.insurance_fee,
            funding_paid: x.funding_paid,
            wait_bonus: x.wait_bonus,
            reducing: o.reducing,
            margin_after: o.position.margin,
            net_base_after: o.aggregates.net_base,
            collateral_after: o.vault_collateral,
            skew_unfunded: o.skew.unfunded,
            skew_ledger: o.skew.ledger.balance,
        }
    }
}

impl FundingUpdated {
    /// The event of a crank that accrued `a` and left the market in `st`.
    pub fn new(
        market: Pubkey,
        a: &hedge_engine::funding::Accrual,
        imbalance: i128,
        oracle: &hedge_engine::oracle::OraclePrice,
        st: &hedge_engine::market::MarketState,
    ) -> Self {
        // The supply does not enter the equity; only a share's value needs it.
        let vault_equity =
            hedge_engine::vault::equity_band(&st.vault_view(0), oracle).map_or(i128::MIN, |(low, _)| low);
        FundingUpdated {
            market,
            index: a.state.index,
            rate: a.state.rate,
            own_rate: if st.params.deposits_wait_for_hedge() {
                st.waiting_bid.own_rate
            } else {
                a.state.rate
            },
            charged_seconds: a.charged_seconds,
            skipped_seconds: a.skipped_seconds,
            imbalance,
            price: oracle.price,
            collateral: st.collateral,
            net_base: st.aggregates.net_base,
            insurance: st.insurance,
            vault_equity,
            hedge_ratio: hedge_engine::vault::hedge_ratio_floor(st.collateral, &st.aggregates, &st.params)
                .unwrap_or(u64::MAX),
            skew_ledger: st.skew.balance,
        }
    }
}

impl PositionLiquidated {
    pub fn new(
        market: Pubkey,
        owner: Pubkey,
        liquidator: Pubkey,
        x: &hedge_engine::market::LiquidationExecution,
    ) -> Self {
        let out = &x.outcome;
        PositionLiquidated {
            market,
            owner,
            liquidator,
            closed: out.closed,
            base_after: out.position.base,
            fill_price: out.fill_price,
            realized_pnl: out.realized_pnl,
            liquidator_reward: out.liquidator_reward,
            insurance_reward: out.insurance_reward,
            bad_debt: out.bad_debt,
            margin_after: out.position.margin,
            funding_paid: x.funding_paid,
            wait_bonus: x.wait_bonus,
            skew_paid: out.skew.paid,
            skew_unfunded: out.skew.unfunded,
            skew_ledger: out.skew.ledger.balance,
        }
    }
}

impl BadDebtResolved {
    /// The liquidation's bad debt, if any (`insurance_after`, `collateral_after`: the
    /// market's ledgers once it is resolved).
    pub fn of(
        market: Pubkey,
        owner: Pubkey,
        out: &hedge_engine::liquidation::LiquidationOutcome,
        insurance_after: u64,
        collateral_after: u64,
    ) -> Option<Self> {
        (out.bad_debt > 0).then_some(BadDebtResolved {
            market,
            owner,
            bad_debt: out.bad_debt,
            insurance_covered: out.insurance_covered,
            socialized: out.socialized,
            insurance_after,
            collateral_after,
        })
    }
}

impl AutoDeleveraged {
    pub fn new(
        market: Pubkey,
        owner: Pubkey,
        fill_price: u128,
        x: &hedge_engine::market::DeleverageExecution,
    ) -> Self {
        AutoDeleveraged {
            market,
            owner,
            closed: x.closed,
            fill_price,
            realized_pnl: x.realized_pnl,
            reduce_only_after: x.reduce_only_after,
            funding_paid: x.funding_paid,
            wait_bonus: x.wait_bonus,
            skew_paid: x.skew.paid,
            skew_unfunded: x.skew.unfunded,
            skew_ledger: x.skew.ledger.balance,
        }
    }
}
