//! The world of a run: traders, holders, stakers, the market and the tally.

use super::*;

/// xorshift64*.
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
    /// Tokens between 0.001 and `max` whole tokens, log-uniform-ish.
    pub(crate) fn tokens(&mut self, max: u64) -> u64 {
        let digits = self.below(4);
        (self.below(max * ONE) / 10u64.pow(digits as u32)).max(ONE / 1_000)
    }
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Holder {
    pub(crate) shares: u64,
    /// A pending withdrawal: locked shares and their value at request.
    pub(crate) pending: Option<(u64, u64)>,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Staker {
    pub(crate) shares: u64,
    pub(crate) pending: Option<(u64, u64)>,
}

pub(crate) struct World {
    pub(crate) st: MarketState,
    pub(crate) traders: [Position; TRADERS],
    pub(crate) holders: [Holder; HOLDERS],
    pub(crate) stakers: [Staker; STAKERS],
    /// Shares of the creator's seed stake, never unstaked.
    pub(crate) seed_shares: u64,
    pub(crate) now: i64,
    /// USD per whole token, 1e18.
    pub(crate) price: u128,
    pub(crate) tokens_in: i128,
    pub(crate) tokens_out: i128,
}

#[derive(Default, Debug)]
pub(crate) struct Tally {
    pub(crate) steps: u64,
    pub(crate) ok: [u64; 14],
    pub(crate) refused: [u64; 14],
    pub(crate) liquidations: u64,
    pub(crate) bad_debt: u64,
    pub(crate) socialized: u64,
    pub(crate) deleveraged: u64,
    /// Why trades were refused, by error.
    pub(crate) trade_refusals: std::collections::BTreeMap<String, u64>,
}

pub(crate) const NAMES: [&str; 14] = [
    "price+time",
    "deposit",
    "request withdraw",
    "execute withdraw",
    "cancel withdraw",
    "margin deposit",
    "trade",
    "margin withdraw",
    "liquidate",
    "deleverage",
    "close",
    "stake",
    "request unstake",
    "execute unstake",
];

pub(crate) fn state() -> MarketState {
    let limits = OracleLimits::default_for_tests();
    MarketState::new(
        RiskParams::default_for_tests(),
        limits,
        Units { scale: ONE as u128 },
        0,
    )
}
