//! Every statement adds up, on a chain where everything happens: the demo's first 8
//! days (the May 2021 crash, liquidations included) replayed through the program. For
//! every trader the lines explain every margin the program's events report, to the
//! native unit, and sum to the result; for every hedger and every insurance staker
//! (the creator's seed included) both columns sum to the result (tokens exact, USD to
//! the micro-dollar) and the history explains every share.

use std::collections::BTreeSet;

use anchor_lang::prelude::Pubkey;
use hedge_client::chain::decode_event;
use hedge_client::demo::{run_kept, DemoOptions};
use hedge_client::index::Index;
use hedge_client::reports::{staker, statement, trader};
use hedge_vault::events::{InsuranceStaked, MarketCreated, PositionTraded, VaultDeposited};

fn micro(usd: f64) -> i128 {
    (usd * 1e6).round() as i128
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_traders_and_every_hedgers_statement_adds_up() {
    std::env::set_var("RUST_LOG", "error");
    let f = run_kept(&DemoOptions {
        days: Some(8),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut client = f.client;
    let mut index = Index::for_chain(&mut client.chain, &f.market, None)
        .await
        .unwrap();
    index.sync(&mut client.chain).await.unwrap();
    let history = index.history().unwrap().to_vec();
    let owners = |pick: &dyn Fn(&[u8]) -> Option<Pubkey>| -> BTreeSet<Pubkey> {
        history
            .iter()
            .flat_map(|s| s.events.iter().filter_map(|p| pick(p)))
            .collect()
    };
    let traders = owners(&|p| decode_event::<PositionTraded>(p).map(|e| e.owner));
    let hedgers = owners(&|p| decode_event::<VaultDeposited>(p).map(|e| e.owner));
    assert!(
        traders.len() > 10 && hedgers.len() >= 4,
        "{} {}",
        traders.len(),
        hedgers.len()
    );

    let (mut liquidations, mut bonus, mut fills) = (0, 0i128, 0);
    for o in &traders {
        let s = trader::for_owner_from(&mut client, &history, &f.market, None, o)
            .await
            .unwrap();
        assert_eq!(s.unexplained, 0, "{}", trader::render(&s));
        let native: i128 = s.lines.iter().map(|l| l.native).sum();
        assert_eq!(native, s.result.native, "{}", trader::render(&s));
        let usd: i128 = s.lines.iter().map(|l| micro(l.usd)).sum();
        assert_eq!(usd, micro(s.result.usd), "{}", trader::render(&s));
        liquidations += s.fills.iter().filter(|f| f.kind == "liquidation").count();
        bonus += s.line(trader::BONUS).map_or(0, |l| l.native);
        fills += s.fills.len();
    }
    // The window has what the statement must explain: liquidations, and the bonus the
    // opening's waiting deposits paid the longs.
    assert!(liquidations > 0 && fills > 50, "{liquidations} {fills}");
    assert!(bonus > 0, "{bonus}");

    for o in &hedgers {
        let s = statement::for_owner_from(&mut client, &history, &f.market, None, o)
            .await
            .unwrap();
        let native: i128 = s.lines.iter().map(|l| l.native).sum();
        assert_eq!(native, s.result.native, "{}", statement::render(&s));
        let usd: i128 = s.lines.iter().map(|l| micro(l.usd)).sum();
        assert_eq!(usd, micro(s.result.usd), "{}", statement::render(&s));
        assert_eq!(s.shares_unaccounted.trim_start_matches(['0', '.']), "");
    }

    let mut stakers = owners(&|p| decode_event::<InsuranceStaked>(p).map(|e| e.owner));
    stakers.extend(owners(&|p| decode_event::<MarketCreated>(p).map(|e| e.admin)));
    assert!(stakers.len() >= 2, "{}", stakers.len());
    let mut income = 0i128;
    for o in &stakers {
        let s = staker::for_owner_from(&mut client, &history, &f.market, None, o)
            .await
            .unwrap();
        let native: i128 = s.lines.iter().map(|l| l.native).sum();
        assert_eq!(native, s.result.native, "{}", staker::render(&s));
        let usd: i128 = s.lines.iter().map(|l| micro(l.usd)).sum();
        assert_eq!(usd, micro(s.result.usd), "{}", staker::render(&s));
        assert_eq!(s.shares_unaccounted, 0, "{}", staker::render(&s));
        // What is left to explain in tokens is the attribution's rounding.
        let rest = s.line(staker::REST).unwrap().native;
        assert!(rest.abs() <= 1_000, "{}", staker::render(&s));
        income += s.line(staker::FEES).unwrap().native + s.line(staker::REWARDS).unwrap().native;
        println!("{}\n", staker::render(&s));
    }
    assert!(income > 0, "{income}");
}
