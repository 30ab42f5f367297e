//! Simulation equals program: the first sub-steps of a backtest (the ETH series of
//! data/, default parameters and population) replayed through the real program on
//! the embedded chain (`backtest::replay`): the same prices at the same times, the
//! same user actions, the keeper's same passes. After every sub-step the market
//! account's ledgers, the share supply, every position and every wallet equal the
//! simulation's, unit for unit.

use hedge_client::backtest::replay::Replay;
use hedge_client::backtest::{path, Options};
use hedge_client::chain::Chain;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_sub_steps_of_a_backtest_are_the_programs_to_the_unit() {
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/ETH-USD.csv");
    let days = path::read_ohlc(&csv).unwrap();
    // Two days of 15-minute steps, from 2021-01-03: a volatile start (+25% in two days).
    let days = &days[2..4];
    let opts = Options::default();

    let (mut r, mut run) = Replay::start(Chain::embedded().await.unwrap(), days, &opts)
        .await
        .unwrap();
    r.check_all(&run).await.unwrap();
    while !run.done() {
        r.step(&mut run).await.unwrap();
        r.check_all(&run).await.unwrap();
    }
    // The window must have exercised the market: deposits, trades of every kind of
    // agent, funding moving.
    assert_eq!(run.step, 192);
    assert!(r.actions > 40, "only {} actions replayed", r.actions);
    let st = run.sim.market.state().unwrap();
    assert!(run.sim.supply > 0 && st.aggregates.long_base > 0 && st.funding.index != 0);
}
