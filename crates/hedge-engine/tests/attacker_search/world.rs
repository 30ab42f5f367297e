//! The searched world: the coalition's actions, its colluders, the market and the
//! statistics of a search.

use super::*;

/// xorshift64*.
#[derive(Clone)]
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

/// Amounts the coalition picks from: whole tokens and dust, so that rounding has its
/// chance too.
pub(crate) const SIZES: [u64; 10] = [
    1,
    999,
    ONE / 1_000,
    ONE / 10,
    ONE,
    7 * ONE,
    50 * ONE,
    200 * ONE,
    700 * ONE,
    1_500 * ONE,
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Action {
    /// Colluder, signed size index (positive: buy), fraction of the position to close
    /// instead when `close` is set.
    Trade {
        who: usize,
        size: usize,
        buy: bool,
    },
    Close {
        who: usize,
        percent: u8,
    },
    Margin {
        who: usize,
        size: usize,
    },
    WithdrawMargin {
        who: usize,
        percent: u8,
    },
    Deposit {
        who: usize,
        size: usize,
    },
    RequestWithdraw {
        who: usize,
        percent: u8,
    },
    ExecuteWithdraw {
        who: usize,
    },
    Stake {
        who: usize,
        size: usize,
    },
    RequestUnstake {
        who: usize,
        percent: u8,
    },
    ExecuteUnstake {
        who: usize,
    },
    Liquidate {
        target: usize,
        by: usize,
    },
    Deleverage {
        target: usize,
    },
    Wait {
        seconds: i64,
    },
    /// The price moves to `percent` of the start price (price-move mode only).
    Price {
        percent: u8,
    },
    /// Brings `who`'s position to `lev` times its margin (adding 100 tokens of margin
    /// first if it has none), long or short: trades that pass the margin check.
    Lever {
        who: usize,
        lev: u8,
        buy: bool,
    },
    /// A neutral pair: `a` long and `b` short, each at `lev` times 100 tokens of fresh
    /// margin (the setup of the liquidation and capped-exit attacks).
    Pair {
        a: usize,
        b: usize,
        lev: u8,
    },
    /// A stake that lifts the stress-sized cap, then a position it allows (the
    /// just-in-time stake of PROTOCOL section 5).
    StakeThenLever {
        who: usize,
        size: usize,
        lev: u8,
        buy: bool,
    },
}

#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Colluder {
    pub(crate) wallet: u64,
    pub(crate) pos: Position,
    pub(crate) shares: u64,
    /// A pending withdrawal: shares, value at request, due time.
    pub(crate) withdrawal: Option<(u64, u64, i64)>,
    pub(crate) stake: u64,
    /// A pending unstake: shares, value at request, due time.
    pub(crate) unstake: Option<(u64, u64, i64)>,
}

#[derive(Clone)]
pub(crate) struct World {
    pub(crate) st: MarketState,
    pub(crate) now: i64,
    pub(crate) usd: u128,
    pub(crate) supply: u64,
    pub(crate) passive_shares: u64,
    pub(crate) honest: Position,
    pub(crate) c: [Colluder; COALITION],
    /// Every token of the world: must stay where the ledgers say.
    pub(crate) total: u128,
    /// What the skew ledger collected from and rebated to the coalition.
    pub(crate) skew_paid: u128,
    pub(crate) skew_rebated: u128,
    /// What the machinery did, for the report.
    pub(crate) stats: Stats,
}

/// How often each mechanism was exercised, over a search.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Stats {
    /// Sequences in which the coalition was rebated something.
    pub(crate) rebated: u64,
    /// Executed liquidations and deleveragings of the coalition's positions.
    pub(crate) forced: u64,
    /// Rises left unfunded by the coalition's exits or forced closes.
    pub(crate) unfunded: u64,
    /// Unstakes paid only in part (the fund kept covering the open interest).
    pub(crate) queued_unstakes: u64,
    /// Releases of the ledger's surplus into `C`.
    pub(crate) releases: u64,
}

pub(crate) fn params() -> RiskParams {
    RiskParams {
        // The defaults' potential (app/src/defaults.rs), scaled to this vault.
        impact_fee_ratio: 15_000,
        skew_scale: 300 * ONE,
        skew_scale_ratio: 300_000,
        skew_rebate_share: 1_000_000,
        profit_unlock_time: 86_400,
        // No funding: the property is about the potential and the ledgers.
        max_funding_rate: 0,
        max_funding_velocity: 0,
        funding_rate_target: 0,
        funding_reversion_time: 0,
        stress_move: 300_000,
        // The shortest delays a creator may set: the most room for timing.
        withdraw_delay: 60,
        insurance_cooldown: 60,
        max_open_interest_usd: u64::MAX / 4,
        max_position_usd: u64::MAX / 8,
        ..RiskParams::default_for_tests()
    }
}
