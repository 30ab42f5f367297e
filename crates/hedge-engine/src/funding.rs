//! Perpetual funding: the rate's velocity with the hedge imbalance and the cumulative
//! index. Accrual is implemented with the funding issue; this module owns its units.
