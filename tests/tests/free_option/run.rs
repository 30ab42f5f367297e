//! One run of the script, one row (the run with a move against the honest run), and
//! the generated section of docs/SECURITY.md.

use super::*;

/// What one run did.
pub(crate) struct Run {
    pub(crate) holdings: Holdings,
    /// The execution's outcome: "executed" or "refused: X" at the due-time price.
    pub(crate) execution: String,
    /// What the execution held for the owner's claim (tokens, shares).
    pub(crate) held: (u64, u64),
    /// The program's answer to the owner's move, when it refused it.
    pub(crate) move_refused: Option<String>,
    /// Whether the request account outlived its request (its rent kept: the owner's
    /// wallet could not take it).
    pub(crate) rent_kept: bool,
}

/// The script: request at 100; the due time comes with the price at 100 (its unique
/// update); the owner moves; the price goes to 97 (29 s later), or the owner leaves it
/// a day; the keeper executes at the due time's update; the owner claims what was
/// held, into his spare accounts.
pub(crate) async fn run(req: Req, m: Move) -> Run {
    let mut w = World::new(req).await;
    w.request(req).await;
    let kind = req.kind();
    let due = w.h.request_state(&w.u.key(), kind).await.unwrap().due_time;
    w.h.set_time(due).await;
    w.h.set_usd(100.0).await;
    let at_due = w.h.publish_update(100_00000000, 0, -8, due, due - 1).await;
    let move_refused = w.make(req, m).await;
    let later = if m == Move::LeaveUnexecuted { 86_400 } else { 29 };
    w.h.advance(later).await;
    w.h.set_usd(97.0).await;
    if m == Move::LeaveUnexecuted {
        // Still pending a day later, and its owner still cannot cancel it.
        let u = w.u.clone();
        let out = w.h.send(&[cancel(&w.h, kind, &u)], &[&u.kp]).await;
        assert_eq!(out.custom_error(), Some(code(HedgeError::RequestLocked)));
    }
    let keeper = w.h.keeper.kp.insecure_clone();
    let out = w.h.send(&[execute(&w.h, kind, &w.u, &at_due)], &[&keeper]).await;
    // Whatever the owner did, the execution succeeds.
    out.ok();
    let execution = match out.events::<RequestCancelled>().first() {
        Some(c) => format!(
            "refused: {}",
            hedge_client::errors::program_errors()
                .get(&c.error)
                .map(|e| e.0.clone())
                .unwrap_or_default()
        ),
        None => "executed".into(),
    };
    let held = out
        .events::<PaymentHeld>()
        .first()
        .map(|e| (e.tokens, e.shares))
        .unwrap_or((0, 0));
    w.h.check_invariants().await;
    let request = request_pda(&w.h.market, &w.u.key(), kind);
    if held != (0, 0) {
        let u = w.u.clone();
        let claim = hedge_client::ix::request_claim(
            &hedge_client::keys::MarketKeys::for_market(w.h.market, w.h.mint, w.h.oracle),
            &u.key(),
            kind,
            Some(w.spare_token),
            Some(w.spare_shares),
        );
        let out = w.h.send(&[claim], &[&u.kp]).await;
        out.ok();
        let c: PaymentClaimed = out.event();
        assert_eq!((c.tokens, c.shares), held);
        w.h.check_invariants().await;
    }
    let rent_kept = w.h.account(request).await.is_some();
    Run {
        holdings: w.holdings(kind).await,
        execution,
        held,
        move_refused,
        rent_kept,
    }
}

pub(crate) fn amount(x: u64, decimals: u8) -> String {
    hedge_client::units::format_amount(i128::from(x), decimals)
}

/// One row: the run with the move against the honest run; asserts the owner's result
/// is exactly the honest one. Returns the outcome's description.
pub(crate) async fn row(req: Req, m: Move) -> String {
    let honest = run(req, Move::Nothing).await;
    let moved = run(req, m).await;
    assert_eq!(
        moved.holdings, honest.holdings,
        "{:?} / {m:?}: the owner's result differs from an honest owner's",
        req
    );
    assert_eq!(moved.execution, honest.execution, "{req:?} / {m:?}");
    assert_eq!(moved.holdings.unclaimed, (0, 0));
    let mut s = format!("{}; ", moved.execution);
    if let Some(r) = &moved.move_refused {
        s = format!("his move refused: {r}; {s}");
    }
    if moved.held != (0, 0) {
        let mut what = Vec::new();
        if moved.held.0 > 0 {
            what.push(format!("{} tokens", amount(moved.held.0, 9)));
        }
        if moved.held.1 > 0 {
            what.push(format!("{} shares", amount(moved.held.1, 12)));
        }
        s += &format!("{} held for his claim, claimed; ", what.join(" and "));
    } else if !matches!(req, Req::Trade) {
        s += "paid where he named; ";
    }
    if moved.rent_kept && !honest.rent_kept {
        s += "the request's rent kept in it (his wallet takes no lamports); ";
    }
    s + "result = an honest owner's (asserted)"
}

pub(crate) fn render(rows: &[(Req, Move, String)]) -> String {
    let mut s =
        String::from("| execution | what the owner does after requesting | outcome |\n|---|---|---|\n");
    for (req, m, out) in rows {
        s += &format!("| {} | {} | {} |\n", req.execution(), m.describe(), out);
    }
    s
}

pub(crate) fn security_md() -> std::path::PathBuf {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    std::path::PathBuf::from(dir).join("../docs/SECURITY.md")
}

pub(crate) fn section(doc: &str) -> (usize, usize) {
    let a = doc
        .find(BEGIN)
        .expect("docs/SECURITY.md lacks the free-option section")
        + BEGIN.len();
    let b = a + doc[a..].find(END).expect("end marker");
    (a, b)
}

pub(crate) async fn all_rows() -> Vec<(Req, Move, String)> {
    let mut out = Vec::new();
    for (req, m) in rows() {
        out.push((req, m, row(req, m).await));
    }
    out
}
