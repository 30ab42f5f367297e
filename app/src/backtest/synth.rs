//! Synthetic daily series (docs/BACKTESTS.md, "Synthetic series"): the hedge must hold
//! for any token, not only the two the repository has history for. Each series is a
//! log-normal random walk with Poisson jumps at a chosen volatility, stepped every 15
//! minutes and summarized as daily OHLC; one adds a flash crash that recovers within
//! its day. `hedge synth` writes them; the files in `data/synthetic/` are its output,
//! and a test regenerates them and compares byte for byte.

use std::fmt::Write as _;

use super::path::{date_of, Rng};

/// Intraday points per day of the generating walk.
const STEPS_PER_DAY: usize = 96;
/// 2021-01-01 00:00 UTC, the first day of every series (as the real ones).
const START_DAY: i64 = 18_628;

/// One synthetic series.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// File stem in `data/synthetic/`.
    pub name: &'static str,
    pub about: &'static str,
    /// Annualized volatility of the diffusion.
    pub vol: f64,
    /// Jumps a year (Poisson) and the standard deviation of a jump's log size.
    pub jumps_per_year: f64,
    pub jump_sd: f64,
    pub days: usize,
    pub seed: u64,
    /// A flash crash: (day, depth): the price falls by `depth` in the day's first
    /// hour and is back where it would have been six hours later.
    pub crash: Option<(usize, f64)>,
    /// A bubble and its crash: (peak day, multiple at the peak, multiple of the peak
    /// at the end): the walk is pinned to a straight line in log price through the
    /// start, the peak and the end (a Brownian bridge on each leg), so the series
    /// reaches exactly those multiples whatever its noise.
    pub trend: Option<(usize, f64, f64)>,
}

/// The committed series.
pub const SERIES: [Spec; 5] = [
    Spec {
        name: "walk-vol7",
        about: "7%/yr, 2 jumps/yr of 1.5%: an FX rate",
        vol: 0.07,
        jumps_per_year: 2.0,
        jump_sd: 0.015,
        days: 970,
        seed: 7,
        crash: None,
        trend: None,
    },
    Spec {
        name: "walk-vol30",
        about: "30%/yr, 4 jumps/yr of 5%: a stock",
        vol: 0.30,
        jumps_per_year: 4.0,
        jump_sd: 0.05,
        days: 970,
        seed: 30,
        crash: None,
        trend: None,
    },
    Spec {
        name: "walk-vol90",
        about: "90%/yr, 8 jumps/yr of 10%: a volatile crypto token",
        vol: 0.90,
        jumps_per_year: 8.0,
        jump_sd: 0.10,
        days: 970,
        seed: 90,
        crash: None,
        trend: None,
    },
    Spec {
        name: "flash-crash",
        about: "60%/yr, no jumps; on day 180 a 40% fall within an hour, recovered 6 hours later",
        vol: 0.60,
        jumps_per_year: 0.0,
        jump_sd: 0.0,
        days: 365,
        seed: 60,
        crash: Some((180, 0.40)),
        trend: None,
    },
    Spec {
        name: "bubble-crash",
        about: "100%/yr, 8 jumps/yr of 10%; up 10x to day 400, then down 95% to day 970: a token's bubble and its bust",
        vol: 1.00,
        jumps_per_year: 8.0,
        jump_sd: 0.10,
        days: 970,
        seed: 104,
        crash: None,
        trend: Some((400, 10.0, 0.05)),
    },
];

pub fn spec(name: &str) -> Option<Spec> {
    SERIES.iter().copied().find(|s| s.name == name)
}

/// The series' CSV (`Date,Open,High,Low,Close`, prices to 6 decimals), starting at
/// 100 USD.
pub fn csv(s: &Spec) -> String {
    let mut rng = Rng::new(s.seed);
    let dt = 1.0 / (365.0 * STEPS_PER_DAY as f64);
    let sigma = s.vol * dt.sqrt();
    let p_jump = s.jumps_per_year * dt;
    let start = 100f64.ln();
    let mut log = start;
    let mut walk = Vec::with_capacity(s.days * STEPS_PER_DAY + 1);
    walk.push(log);
    for _ in 0..s.days * STEPS_PER_DAY {
        // A martingale in price: the diffusion's drift is -sigma^2/2.
        log += sigma * rng.normal() - sigma * sigma / 2.0;
        if rng.uniform() < p_jump {
            let j = s.jump_sd * rng.normal();
            log += j - s.jump_sd * s.jump_sd / 2.0;
        }
        walk.push(log);
    }
    if let Some((peak, up, down)) = s.trend {
        let anchors = [
            (0, start),
            (peak * STEPS_PER_DAY, start + up.ln()),
            (s.days * STEPS_PER_DAY, start + up.ln() + down.ln()),
        ];
        let raw = walk.clone();
        for leg in anchors.windows(2) {
            let ((a, la), (b, lb)) = (leg[0], leg[1]);
            for (i, x) in walk.iter_mut().enumerate().take(b + 1).skip(a) {
                let f = (i - a) as f64 / (b - a) as f64;
                *x = raw[i] - (raw[a] + (raw[b] - raw[a]) * f) + la + (lb - la) * f;
            }
        }
    }
    let mut out = String::from("Date,Open,High,Low,Close\n");
    for day in 0..s.days {
        let pts = &walk[day * STEPS_PER_DAY..=(day + 1) * STEPS_PER_DAY];
        let mut prices: Vec<f64> = pts.iter().map(|x| x.exp()).collect();
        if let Some((d, depth)) = s.crash {
            if d == day {
                for (i, p) in prices.iter_mut().enumerate() {
                    *p *= 1.0 - depth * crash_shape(i);
                }
            }
        }
        let (open, close) = (prices[0], prices[STEPS_PER_DAY]);
        let high = prices.iter().copied().fold(f64::MIN, f64::max);
        let low = prices.iter().copied().fold(f64::MAX, f64::min);
        let date = date_of(START_DAY + day as i64);
        writeln!(out, "{date},{open:.6},{high:.6},{low:.6},{close:.6}").expect("a String");
    }
    out
}

/// The crash's depth at point `i` of its day: 0 at the open, 1 after an hour (4
/// points), back to 0 six hours later (28 points).
fn crash_shape(i: usize) -> f64 {
    match i {
        0..=4 => i as f64 / 4.0,
        5..=28 => (28 - i) as f64 / 24.0,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::path::parse_ohlc_repaired;

    #[test]
    fn the_committed_series_are_the_generators_output() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/synthetic");
        for s in SERIES {
            let file = std::fs::read_to_string(dir.join(format!("{}.csv", s.name))).unwrap();
            assert!(file == csv(&s), "{} differs: run `hedge synth`", s.name);
            let (days, repairs) = parse_ohlc_repaired(&file, s.name).unwrap();
            assert!(repairs.is_empty(), "{}: {repairs:?}", s.name);
            assert_eq!(days.len(), s.days);
        }
    }

    /// The realized volatility of the walks' daily closes is the one asked for (their
    /// jumps included), within sampling error.
    #[test]
    fn a_walk_has_its_volatility() {
        for s in SERIES.iter().filter(|s| s.crash.is_none()) {
            let (days, _) = parse_ohlc_repaired(&csv(s), s.name).unwrap();
            let r: Vec<f64> = days.windows(2).map(|w| (w[1].close / w[0].close).ln()).collect();
            let mean = r.iter().sum::<f64>() / r.len() as f64;
            let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r.len() - 1) as f64;
            let annual = (var * 365.0).sqrt();
            let want = (s.vol * s.vol + s.jumps_per_year * s.jump_sd * s.jump_sd).sqrt();
            assert!(
                (annual / want - 1.0).abs() < 0.15,
                "{}: {annual} vs {want}",
                s.name
            );
        }
    }

    #[test]
    fn the_bubble_rises_tenfold_and_loses_95_percent() {
        let s = spec("bubble-crash").unwrap();
        let (days, _) = parse_ohlc_repaired(&csv(&s), s.name).unwrap();
        assert!((days[0].open / 100.0 - 1.0).abs() < 1e-9);
        assert!((days[399].close / 1_000.0 - 1.0).abs() < 1e-6, "{:?}", days[399]);
        assert!((days[969].close / 50.0 - 1.0).abs() < 1e-6, "{:?}", days[969]);
    }

    #[test]
    fn the_flash_crash_falls_and_recovers_within_its_day() {
        let s = spec("flash-crash").unwrap();
        let (days, _) = parse_ohlc_repaired(&csv(&s), s.name).unwrap();
        let d = &days[180];
        assert!(d.low < 0.65 * d.open, "{d:?}");
        assert!((d.close / d.open - 1.0).abs() < 0.10, "{d:?}");
    }
}
