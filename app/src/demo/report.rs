//! The demo's report, and how a person reads it.

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_vault::events::{PositionTraded, VaultDeposited};
use serde::Serialize;

use super::tokens;
use crate::backtest::path::Day;
use crate::backtest::replay::Replay;
use crate::backtest::report::Report;
use crate::backtest::Run;
use crate::keeper::Pass;
use crate::reports::statement::Statement;

#[derive(Debug, Default, Serialize)]
pub struct DemoReport {
    pub program: String,
    pub market: String,
    pub path: String,
    /// Sub-steps run; after each the market's ledgers and the share supply on the
    /// chain equalled the simulation's.
    pub steps_checked: usize,
    pub first_date: String,
    pub last_date: String,
    pub start_price_usd: f64,
    pub end_price_usd: f64,
    /// The holder: the first hedger, who stays to the end and then withdraws all.
    pub holder: String,
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
    /// What the chain's keeper passes did (from the program's events).
    pub funding_to_vault_tokens: f64,
    pub fees_paid_tokens: f64,
    pub fees_to_insurance_tokens: f64,
    pub trades: usize,
    pub positions_closed_by_trade: usize,
    pub liquidations: usize,
    pub liquidator_rewards_tokens: f64,
    pub bad_debt_tokens: f64,
    pub insurance_covered_tokens: f64,
    pub socialized_loss_tokens: f64,
    pub auto_deleveraged: usize,
    pub insurance_fund_tokens: f64,
    /// The skew ledger at the end (PROTOCOL section 4, revision 5): what the potential
    /// collected (trades, deposits, withdrawals, liquidations), rebated, released into
    /// the vault, and holds; the rises left unfunded.
    pub skew_collected_tokens: f64,
    pub skew_rebated_tokens: f64,
    pub skew_released_tokens: f64,
    pub skew_ledger_tokens: f64,
    pub skew_unfunded_tokens: f64,
    pub transactions: usize,
    /// The opening deposits' executions (revision 6: each waits for the longs that
    /// cover it): seconds after the path's start, tokens executed, shares, tokens
    /// still waiting.
    pub opening: Vec<OpeningFill>,
    /// Unix time of the path's first point.
    #[serde(skip)]
    pub start_time: i64,
    /// The engine-level backtest of the same window (equal to the chain, checked).
    pub backtest: Option<Report>,
    /// The holder's `hedge vault statement` after the withdrawal.
    pub statement: Option<Statement>,
    /// Every hedger, the holder first: what each put in, what entering and leaving
    /// cost, and the result against holding the tokens.
    pub hedgers: Vec<HedgerRow>,
    /// What the deposits waiting for their hedge paid the longs (revision 6).
    pub wait_charges_tokens: f64,
}

/// One hedger's account at the end of the demo.
#[derive(Debug, Default, Clone, Serialize)]
pub struct HedgerRow {
    pub owner: String,
    pub deposited_tokens: f64,
    pub deposited_usd: f64,
    /// What entering cost (the band edge, skew charges, the wait), share of what
    /// executed; and leaving, share of what the shares were worth (`None`: still in).
    pub entry_cost: f64,
    pub exit_cost: Option<f64>,
    /// Value now plus withdrawn, USD.
    pub now_usd: f64,
    /// The statement's hedged result and the unhedged one, as returns.
    pub hedged_return: f64,
    pub held_return: f64,
    /// Still holding shares at the end.
    pub holding: bool,
}

impl HedgerRow {
    pub fn of(s: &Statement, costs: &crate::backtest::report::OwnerCosts) -> HedgerRow {
        let share = |x: f64, of: f64| if of > 0.0 { x / of } else { 0.0 };
        HedgerRow {
            owner: s.owner.clone(),
            deposited_tokens: tokens(s.deposited_native),
            deposited_usd: s.deposited_usd,
            entry_cost: share(costs.entry_cost, costs.entered),
            exit_cost: (costs.left > 0.0).then(|| share(costs.exit_cost, costs.left)),
            now_usd: s.value_now_usd + s.withdrawn_usd,
            hedged_return: s.hedged_return,
            held_return: s.held_return,
            holding: !s.shares_now.trim_start_matches(['0', '.']).is_empty(),
        }
    }
}

/// One execution of an opening deposit.
#[derive(Debug, Default, Clone, Serialize)]
pub struct OpeningFill {
    pub seconds: i64,
    pub owner: String,
    pub tokens: f64,
    pub shares: f64,
    pub waiting_tokens: f64,
}

impl DemoReport {
    pub(super) fn new(r: &Replay, run: &Run, days: &[Day], source: &str) -> DemoReport {
        let first = run.path.first().expect("a path");
        let last = run.path.last().expect("a path");
        DemoReport {
            program: hedge_vault::ID.to_string(),
            market: r.keys.market.to_string(),
            path: source.to_string(),
            first_date: days.first().map(|d| d.date.clone()).unwrap_or_default(),
            last_date: days.last().map(|d| d.date.clone()).unwrap_or_default(),
            start_price_usd: first.usd,
            end_price_usd: last.usd,
            start_time: first.t,
            ..Default::default()
        }
    }

    /// Adds what a keeper pass on the chain did.
    pub(super) fn book_pass(&mut self, pass: &Pass) {
        // The opening: every execution until the first deposits have all executed.
        let opening_done = self.opening.last().is_some_and(|o| o.waiting_tokens == 0.0);
        for d in pass.events::<VaultDeposited>() {
            if !opening_done && d.amount > 0 {
                self.opening.push(OpeningFill {
                    seconds: pass.unix_time - self.start_time,
                    owner: d.owner.to_string(),
                    tokens: tokens(d.amount.into()),
                    shares: d.shares as f64 / 1e12,
                    waiting_tokens: tokens(d.waiting.into()),
                });
            }
        }
        for t in pass.events::<PositionTraded>() {
            self.trades += 1;
            self.positions_closed_by_trade += usize::from(t.reducing && t.base_after == 0);
            self.fees_paid_tokens += tokens(t.fee.into());
            self.fees_to_insurance_tokens += tokens(t.insurance_fee.into());
            self.funding_to_vault_tokens += tokens(t.funding_paid.into());
        }
        let s = &pass.liquidations;
        self.liquidations += s.liquidated;
        self.liquidator_rewards_tokens += tokens(s.liquidator_rewards.into());
        self.bad_debt_tokens += tokens(s.bad_debt.into());
        self.insurance_covered_tokens += tokens(s.insurance_covered.into());
        self.socialized_loss_tokens += tokens(s.socialized.into());
        self.funding_to_vault_tokens += tokens(s.funding_to_vault.into());
        self.auto_deleveraged += pass.deleverage.deleveraged;
        self.funding_to_vault_tokens += tokens(pass.deleverage.funding_to_vault.into());
    }

    /// The holder's result, the insurance fund and the transaction count.
    pub(super) async fn finish(
        &mut self,
        r: &mut Replay,
        holder: Pubkey,
        end_usd: f64,
        paid: u64,
        statement: Statement,
        hedgers: Vec<HedgerRow>,
    ) -> Result<()> {
        let deposited_usd = statement.deposited_usd;
        let m = r.market().await?;
        self.holder = holder.to_string();
        self.deposited_tokens = tokens(statement.deposited_native);
        self.deposited_usd = deposited_usd;
        self.withdrawn_tokens = tokens(paid.into());
        self.hedged_usd = self.withdrawn_tokens * end_usd;
        self.unhedged_usd = self.deposited_tokens * end_usd;
        self.hedged_return = self.hedged_usd / deposited_usd - 1.0;
        self.unhedged_return = self.unhedged_usd / deposited_usd - 1.0;
        self.insurance_fund_tokens = tokens(m.state()?.insurance.into());
        self.skew_collected_tokens = tokens(m.skew_collected as i128);
        self.skew_rebated_tokens = tokens(m.skew_rebated as i128);
        self.skew_released_tokens = tokens(m.skew_released as i128);
        self.skew_ledger_tokens = tokens(m.skew_ledger.into());
        self.skew_unfunded_tokens = tokens(m.skew_unfunded_total as i128);
        self.transactions = r.transactions;
        self.wait_charges_tokens = tokens(m.wait_charged as i128);
        self.statement = Some(statement);
        self.hedgers = hedgers;
        Ok(())
    }
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
                crate::reports::statement::render(s)
            )
        })
        .unwrap_or_default();
    let backtest = r
        .backtest
        .as_ref()
        .map(|b| {
            format!(
                "\n\nThe same window as `hedge backtest` measures it:\n{}",
                b.render()
            )
        })
        .unwrap_or_default();
    let opening = if r.opening.is_empty() {
        String::new()
    } else {
        let mut o = String::from(
            "\nThe opening: the hedgers asked to deposit into an empty market; each deposit executes only\nwhat traders' longs already cover (PROTOCOL section 3, revision 6), the rest waits in escrow:\n",
        );
        for f in &r.opening {
            o += &format!(
                "  {:>6.1} min  {:>10.4} tokens of {} executed, {:.4} still waiting\n",
                f.seconds as f64 / 60.0,
                f.tokens,
                f.owner,
                f.waiting_tokens
            );
        }
        o
    };
    let story = format!(
        "Hedge vault demo (embedded chain, program {program})
market {market}
price path: {path}, {d0} -> {d1}, {p0:.2} -> {p1:.2} USD
  {steps} sub-steps; after each the chain's market ledgers and share supply equalled the
  engine-level simulation's, and every position and wallet did at the end
{opening}
At the end the traders closed their positions and the first hedger withdrew everything:
The holder {holder}
  deposited      {dep:.4} tokens = {dep_usd:.2} USD
  withdrew       {wd:.4} tokens = {h_usd:.2} USD   ({h_ret} in USD, hedged)
  had they held  {dep:.4} tokens = {u_usd:.2} USD   ({u_ret} in USD, unhedged)

{every}
Who paid whom, on the chain (from the program's events):
  the traders paid {fees:.6} tokens of fees: {fees_ins:.6} to the insurance fund, the rest to the
  vault's holders or, as skew charges, into the skew ledger (below); they paid the vault
  {fund:+.6} tokens of funding; the deposits waiting for their hedge paid the longs
  {wait:.6} tokens; liquidated traders paid the keepers {rew:.6} tokens; the insurance fund
  paid {cov:.6} tokens of bad debt and the holders {soc:.6}.
Trades executed:              {trades} ({closed} closed a position)
Funding settled to the vault: {fund:+.6} tokens
Fees paid by traders:         {fees:.6} tokens ({fees_ins:.6} to the insurance fund)
Liquidations:                 {liq} (keeper rewards {rew:.6} tokens)
Bad debt:                     {bad:.6} tokens: {cov:.6} paid by the insurance fund, {soc:.6} socialized
Auto-deleveraged:             {adl}
Insurance fund at the end:    {ins:.6} tokens
Skew potential's ledger:      {kc:.6} tokens paid in, {kr:.6} rebated out of it,
                              {kx:.6} released to the vault, {kb:.6} held at the end;
                              {ku:.6} tokens of rises left unfunded (rebated to nobody)
Transactions:                 {tx}",
        program = r.program,
        market = r.market,
        path = r.path,
        steps = r.steps_checked,
        d0 = r.first_date,
        d1 = r.last_date,
        p0 = r.start_price_usd,
        p1 = r.end_price_usd,
        holder = r.holder,
        dep = r.deposited_tokens,
        dep_usd = r.deposited_usd,
        wd = r.withdrawn_tokens,
        h_usd = r.hedged_usd,
        h_ret = pct(r.hedged_return),
        u_usd = r.unhedged_usd,
        u_ret = pct(r.unhedged_return),
        trades = r.trades,
        closed = r.positions_closed_by_trade,
        fund = r.funding_to_vault_tokens,
        fees = r.fees_paid_tokens,
        fees_ins = r.fees_to_insurance_tokens,
        liq = r.liquidations,
        rew = r.liquidator_rewards_tokens,
        bad = r.bad_debt_tokens,
        cov = r.insurance_covered_tokens,
        soc = r.socialized_loss_tokens,
        adl = r.auto_deleveraged,
        ins = r.insurance_fund_tokens,
        kc = r.skew_collected_tokens,
        kr = r.skew_rebated_tokens,
        kx = r.skew_released_tokens,
        kb = r.skew_ledger_tokens,
        ku = r.skew_unfunded_tokens,
        tx = r.transactions,
        opening = opening,
        every = every_hedger(r),
        wait = r.wait_charges_tokens,
    );
    story + &backtest + &statement
}

/// Every hedger, one line each: what it put in, what entering and leaving cost, its
/// result in USD against holding the tokens.
fn every_hedger(r: &DemoReport) -> String {
    if r.hedgers.is_empty() {
        return String::new();
    }
    let pct = |x: f64| format!("{:+.2}%", x * 100.0);
    let mut t = String::from(
        "Every hedger (the first withdrew at the end; the others still hold their shares,
valued at the end price; costs as shares of what entered or left):
  hedger                                          deposited  deposited USD   entry    exit   hedged  unhedged
",
    );
    for h in &r.hedgers {
        t += &format!(
            "  {:<44}  {:>9.4}  {:>13.2}  {:>6.3}%  {:>6}  {:>7}  {:>8}{}\n",
            h.owner,
            h.deposited_tokens,
            h.deposited_usd,
            h.entry_cost * 100.0,
            h.exit_cost
                .map_or("-".to_string(), |x| format!("{:.3}%", x * 100.0)),
            pct(h.hedged_return),
            pct(h.held_return),
            if h.holding { "" } else { "  (withdrew)" }
        );
    }
    t
}
