//! The demo's report, and how a person reads it.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct DemoReport {
    pub program: String,
    pub market: String,
    pub path: String,
    pub steps: usize,
    pub first_date: String,
    pub last_date: String,
    pub start_price_usd: f64,
    pub end_price_usd: f64,
    pub deposited_tokens: f64,
    pub deposited_usd: f64,
    pub withdrawn_tokens: f64,
    /// The holder's USD value at the end, hedged (withdrawn tokens at the end price).
    pub hedged_usd: f64,
    /// The same tokens never deposited, at the end price.
    pub unhedged_usd: f64,
    /// hedged_usd / deposited_usd - 1
    pub hedged_return: f64,
    /// unhedged_usd / deposited_usd - 1
    pub unhedged_return: f64,
    /// Funding settled into the vault (negative: the vault paid), tokens.
    pub funding_to_vault_tokens: f64,
    pub fees_paid_tokens: f64,
    pub fees_to_insurance_tokens: f64,
    pub liquidations: usize,
    pub liquidator_rewards_tokens: f64,
    pub bad_debt_tokens: f64,
    pub insurance_covered_tokens: f64,
    pub socialized_loss_tokens: f64,
    pub insurance_fund_tokens: f64,
    pub positions_opened: usize,
    pub take_profits: usize,
    pub auto_deleveraged: usize,
    pub transactions: usize,
    /// The holder's `hedge vault statement` after the withdrawal.
    pub statement: Option<crate::statement::Statement>,
}

/// The report as a person reads it.
pub fn render(r: &DemoReport) -> String {
    let pct = |x: f64| format!("{:+.2}%", x * 100.0);
    let statement = r
        .statement
        .as_ref()
        .map(|s| {
            format!(
                "\n\nThe holder's `hedge vault statement`:\n{}",
                crate::statement::render(s)
            )
        })
        .unwrap_or_default();
    let story = format!(
        "Hedge vault demo (embedded chain, program {program})
market {market}
price path: {path}
  {steps} steps, {d0} -> {d1}, {p0:.2} -> {p1:.2} USD

The holder deposited {dep:.4} tokens = {dep_usd:.2} USD
  and withdrew        {wd:.4} tokens = {h_usd:.2} USD at the end   ({h_ret} in USD, hedged)
  had they held:      {dep:.4} tokens = {u_usd:.2} USD              ({u_ret} in USD, unhedged)

Funding settled to the vault: {fund:+.6} tokens
Fees paid by traders:         {fees:.6} tokens ({fees_ins:.6} to the insurance fund)
Liquidations:                 {liq} (keeper rewards {rew:.6} tokens)
Bad debt:                     {bad:.6} tokens: {cov:.6} paid by the insurance fund, {soc:.6} socialized
Insurance fund at the end:    {ins:.6} tokens
Traders:                      {opened} positions opened, {tp} took profit, {adl} auto-deleveraged
Transactions:                 {tx}",
        program = r.program,
        market = r.market,
        path = r.path,
        steps = r.steps,
        d0 = r.first_date,
        d1 = r.last_date,
        p0 = r.start_price_usd,
        p1 = r.end_price_usd,
        dep = r.deposited_tokens,
        dep_usd = r.deposited_usd,
        wd = r.withdrawn_tokens,
        h_usd = r.hedged_usd,
        h_ret = pct(r.hedged_return),
        u_usd = r.unhedged_usd,
        u_ret = pct(r.unhedged_return),
        fund = r.funding_to_vault_tokens,
        fees = r.fees_paid_tokens,
        fees_ins = r.fees_to_insurance_tokens,
        liq = r.liquidations,
        rew = r.liquidator_rewards_tokens,
        bad = r.bad_debt_tokens,
        cov = r.insurance_covered_tokens,
        soc = r.socialized_loss_tokens,
        ins = r.insurance_fund_tokens,
        opened = r.positions_opened,
        tp = r.take_profits,
        adl = r.auto_deleveraged,
        tx = r.transactions,
    );
    story + &statement
}
