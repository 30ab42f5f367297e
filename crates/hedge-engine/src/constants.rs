//! Named precision constants. Each states its exponent.

/// Prices are USD per whole token times 10^18: exact for every Pyth exponent in
/// [`MIN_ORACLE_EXPO`, `MAX_ORACLE_EXPO`], so a 1e-8 USD token keeps 10 significant
/// digits and a 1e6 USD token fits comfortably in `u128`.
pub const PRICE_DECIMALS: u32 = 18;
/// precision: 1e18
pub const PRICE_PRECISION: u128 = 1_000_000_000_000_000_000;

/// USD amounts (notional, PnL, funding owed) times 10^18. One unit (1e-18 USD) is
/// smaller than one native unit of any supported token (the cheapest is 1e-8 USD per
/// whole token with 9 decimals, 1e-17 USD per native unit), so quote rounding never
/// reaches a whole native unit.
pub const QUOTE_DECIMALS: u32 = 18;
/// precision: 1e18
pub const QUOTE_PRECISION: u128 = 1_000_000_000_000_000_000;

/// Ratios: margins, fees, hedge ratio, over-hedge cap, fee shares. precision: 1e6.
pub const RATIO_PRECISION: u64 = 1_000_000;

/// Funding rate, fraction of notional per day. precision: 1e12 (one step is
/// 1e-12 per day).
pub const FUNDING_RATE_PRECISION: i128 = 1_000_000_000_000;

/// Cumulative funding index, USD per whole token. precision: 1e27. Chosen so that the
/// smallest accrual (1e-8 USD token, one second, one rate step, 1e-12/day) is
/// 1e-12 / 86400 * 1e-8 * 1e27 ~ 115 units (no underflow), and the largest (1e6 USD
/// token, ten years at a 100%/day maximum rate) is 3.65e9 * 1e27 = 3.65e36 < i128::MAX
/// = 1.7e38 (no overflow).
pub const FUNDING_INDEX_PRECISION: i128 = 1_000_000_000_000_000_000_000_000_000;

/// Seconds per day, the funding rate's time unit.
pub const SECONDS_PER_DAY: i128 = 86_400;

/// Pyth exponents accepted: prices are rescaled exactly to [`PRICE_DECIMALS`].
pub const MIN_ORACLE_EXPO: i32 = -18;
/// See [`MIN_ORACLE_EXPO`].
pub const MAX_ORACLE_EXPO: i32 = 0;

/// Largest number of decimals a collateral mint may have.
pub const MAX_TOKEN_DECIMALS: u8 = 9;

/// Virtual shares and assets against share-inflation attacks (OpenZeppelin ERC-4626
/// "decimals offset" of 3): shares are priced as `(supply + VIRTUAL_SHARES) /
/// (equity + VIRTUAL_ASSETS)`, so an attacker who donates `d` tokens to a near-empty
/// vault loses about 1000 times what they can take from the next depositor. The
/// share mint carries `SHARE_DECIMALS_OFFSET` more decimals than the collateral.
pub const VIRTUAL_SHARES: u128 = 1_000;
/// See [`VIRTUAL_SHARES`].
pub const VIRTUAL_ASSETS: u128 = 1;
/// Share mints have the collateral's decimals plus this.
pub const SHARE_DECIMALS_OFFSET: u8 = 3;
