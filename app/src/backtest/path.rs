//! Daily OHLC rows stepped intraday (docs/BACKTESTS.md, "The intraday path").
//!
//! Each day is a path through its open, its two extremes and its close: on a day
//! that closes at or above its open, open -> low -> high -> close; otherwise open ->
//! high -> low -> close (the order that travels the whole range and meets the
//! extreme opposite to the day's direction first: the harder one for leveraged
//! traders and the keeper). The day's sub-steps are shared among the three legs in
//! proportion to how far each moves (at least one each). Inside a leg the log price
//! follows a Brownian bridge from one anchor to the next, its volatility set from the
//! day's range, clipped to the day's low and high so that the extremes are the ones
//! in the data. A seed makes the path reproducible.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

/// One daily row.
#[derive(Clone, Debug, PartialEq)]
pub struct Day {
    pub date: String,
    /// Unix seconds of 00:00 UTC.
    pub start: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn unix_day(date: &str) -> Result<i64> {
    let mut it = date.trim().splitn(3, '-');
    let (y, m, d): (i64, i64, i64) = (
        it.next().ok_or_else(|| anyhow!("bad date {date}"))?.parse()?,
        it.next().ok_or_else(|| anyhow!("bad date {date}"))?.parse()?,
        it.next().ok_or_else(|| anyhow!("bad date {date}"))?.parse()?,
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(era * 146_097 + doe - 719_468)
}

/// `YYYY-MM-DD` of a day number since 1970-01-01 (the inverse of [`unix_day`]).
pub fn date_of(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Reads a `Date,Open,High,Low,Close,...` CSV (the files in data/); what had to be
/// repaired is dropped (the CLI reads it with [`read_ohlc_repaired`] and warns).
pub fn read_ohlc(path: &Path) -> Result<Vec<Day>> {
    Ok(read_ohlc_repaired(path)?.0)
}

/// [`read_ohlc`], and what was repaired.
pub fn read_ohlc_repaired(path: &Path) -> Result<(Vec<Day>, Repairs)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_ohlc_repaired(&text, &path.display().to_string())
}

/// What [`parse_ohlc_repaired`] changed in a CSV to use it: real-world files (Yahoo's
/// among them) carry `null` rows, a close outside the day's low-high, rows out of
/// order or twice. Each count comes with the first few line numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Repairs {
    /// Rows skipped: a price missing, `null`, not a number or not positive, or a
    /// date that cannot be read.
    pub skipped: usize,
    /// Rows whose high or low did not contain the open and close: widened to them.
    pub widened: usize,
    /// Rows whose date repeats an earlier row's: the later row is kept.
    pub duplicates: usize,
    /// Whether the rows had to be sorted by date.
    pub sorted: bool,
    /// Line numbers (1 = the header) of the first repaired rows.
    pub lines: Vec<usize>,
}

impl Repairs {
    const LINES_KEPT: usize = 5;

    pub fn is_empty(&self) -> bool {
        self.skipped == 0 && self.widened == 0 && self.duplicates == 0 && !self.sorted
    }

    fn note(&mut self, line: usize) {
        if self.lines.len() < Self::LINES_KEPT {
            self.lines.push(line);
        }
    }

    /// One line for a warning, e.g. `11 rows with a close outside the day's low-high
    /// widened; 3 rows skipped (null or unreadable) (lines 5, 9, ...)`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.skipped > 0 {
            parts.push(format!(
                "{} rows skipped (a price null, unreadable or not positive, or an unreadable date)",
                self.skipped
            ));
        }
        if self.widened > 0 {
            parts.push(format!(
                "{} rows whose high/low did not contain the open and close widened to them",
                self.widened
            ));
        }
        if self.duplicates > 0 {
            parts.push(format!("{} repeated dates (the later row kept)", self.duplicates));
        }
        if self.sorted {
            parts.push("rows sorted by date".to_string());
        }
        let lines: Vec<String> = self.lines.iter().map(|l| l.to_string()).collect();
        format!("{} (first at lines {})", parts.join("; "), lines.join(", "))
    }
}

/// The daily rows of a `Date,Open,High,Low,Close,...` CSV's text; `name` says where
/// it came from in errors. Repairs what can be repaired ([`Repairs`]).
pub fn parse_ohlc(text: &str, name: &str) -> Result<Vec<Day>> {
    Ok(parse_ohlc_repaired(text, name)?.0)
}

/// [`parse_ohlc`], and what was repaired. Refused only when the header lacks a
/// column, or fewer than two usable days remain.
pub fn parse_ohlc_repaired(text: &str, name: &str) -> Result<(Vec<Day>, Repairs)> {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| anyhow!("{name} is empty"))?
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let col = |col: &str| {
        header
            .iter()
            .position(|h| h == col)
            .ok_or_else(|| anyhow!("{name}: no `{col}` column (want Date,Open,High,Low,Close)"))
    };
    let (d, o, h, l, c) = (
        col("date")?,
        col("open")?,
        col("high")?,
        col("low")?,
        col("close")?,
    );
    let mut repairs = Repairs::default();
    let mut days: Vec<(usize, Day)> = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let line_no = i + 2;
        let f: Vec<&str> = line.split(',').map(|s| s.trim().trim_matches('"')).collect();
        let num = |j: usize| -> Option<f64> {
            let v: f64 = f.get(j)?.parse().ok()?;
            (v.is_finite() && v > 0.0).then_some(v)
        };
        let date = f.get(d).map(|s| s.to_string()).unwrap_or_default();
        let start = unix_day(&date).ok().map(|x| x * 86_400);
        let (Some(start), Some(open), Some(high), Some(low), Some(close)) =
            (start, num(o), num(h), num(l), num(c))
        else {
            repairs.skipped += 1;
            repairs.note(line_no);
            continue;
        };
        let (hi, lo) = (high.max(open).max(close), low.min(open).min(close));
        if hi != high || lo != low {
            repairs.widened += 1;
            repairs.note(line_no);
        }
        days.push((
            line_no,
            Day {
                date,
                start,
                open,
                high: hi,
                low: lo,
                close,
            },
        ));
    }
    if days.windows(2).any(|w| w[1].1.start < w[0].1.start) {
        repairs.sorted = true;
        // Stable: of two rows of one date, the later in the file stays later.
        days.sort_by_key(|(_, day)| day.start);
    }
    let mut out: Vec<Day> = Vec::with_capacity(days.len());
    for (line_no, day) in days {
        match out.last_mut() {
            Some(last) if last.start == day.start => {
                repairs.duplicates += 1;
                repairs.note(line_no);
                *last = day;
            }
            _ => out.push(day),
        }
    }
    repairs.lines.sort_unstable();
    if out.len() < 2 {
        bail!(
            "{name}: at least two readable days are needed ({} rows skipped)",
            repairs.skipped
        );
    }
    Ok((out, repairs))
}

/// SplitMix64 with Box-Muller normals: small, seedable, the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }
}

/// One point of the path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub t: i64,
    pub usd: f64,
    /// Index of its day.
    pub day: usize,
}

/// The intraday path: `substep` seconds apart (dividing a day), `86_400 / substep`
/// points a day, the first at the day's open, the last at its close.
pub fn intraday(days: &[Day], substep: i64, seed: u64) -> Result<Vec<Point>> {
    if substep <= 0 || 86_400 % substep != 0 || 86_400 / substep < 4 {
        bail!("the sub-step must divide a day into at least 4 steps (got {substep} s)");
    }
    let n = (86_400 / substep) as usize;
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(days.len() * n);
    for (di, d) in days.iter().enumerate() {
        let anchors = if d.close >= d.open {
            [d.open, d.low, d.high, d.close]
        } else {
            [d.open, d.high, d.low, d.close]
        };
        // n points: index 0 is the open, n-1 the close; 3 legs share n-1 intervals.
        let moves: Vec<f64> = anchors.windows(2).map(|w| (w[1] / w[0]).ln().abs()).collect();
        let steps = share(n - 1, &moves);
        let (lo, hi) = (d.low.ln(), d.high.ln());
        // Volatility per interval from the day's range (Parkinson): sigma_day =
        // ln(H/L) / (2 sqrt(ln 2)).
        let sigma = (hi - lo) / (2.0 * std::f64::consts::LN_2.sqrt()) / ((n - 1) as f64).sqrt();
        let mut idx = 0usize;
        out.push(Point {
            t: d.start,
            usd: d.open,
            day: di,
        });
        for (leg, &k) in steps.iter().enumerate() {
            let (a, b) = (anchors[leg].ln(), anchors[leg + 1].ln());
            // A Brownian bridge from 0 to 0 over k intervals.
            let mut walk = Vec::with_capacity(k + 1);
            walk.push(0.0);
            for _ in 0..k {
                let last = *walk.last().expect("non-empty");
                walk.push(last + sigma * rng.normal());
            }
            let end = walk[k];
            for (i, w) in walk.iter().enumerate().skip(1) {
                idx += 1;
                let f = i as f64 / k as f64;
                let x = if i == k {
                    b
                } else {
                    (a + (b - a) * f + w - f * end).clamp(lo, hi)
                };
                out.push(Point {
                    t: d.start + idx as i64 * substep,
                    usd: x.exp(),
                    day: di,
                });
            }
        }
    }
    Ok(out)
}

/// `total` intervals shared in proportion to `weights`, at least one each.
fn share(total: usize, weights: &[f64]) -> Vec<usize> {
    let k = weights.len();
    let sum: f64 = weights.iter().sum();
    let spare = total - k;
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| {
            1 + if sum > 0.0 {
                (w / sum * spare as f64).floor() as usize
            } else {
                0
            }
        })
        .collect();
    let mut left = total - out.iter().sum::<usize>();
    let mut i = 0;
    while left > 0 {
        out[i % k] += 1;
        left -= 1;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(open: f64, high: f64, low: f64, close: f64) -> Day {
        Day {
            date: "2022-06-13".into(),
            start: 1_655_078_400,
            open,
            high,
            low,
            close,
        }
    }

    #[test]
    fn a_day_passes_through_open_extremes_and_close_and_stays_inside_them() {
        let mut next = day(85.0, 95.0, 84.0, 94.0);
        next.start += 86_400;
        let days = [day(100.0, 110.0, 80.0, 85.0), next];
        let p = intraday(&days, 900, 7).unwrap();
        assert_eq!(p.len(), 2 * 96);
        let first: Vec<f64> = p[..96].iter().map(|x| x.usd).collect();
        assert_eq!(first[0], 100.0);
        assert!((first[95] - 85.0).abs() < 1e-9, "close {}", first[95]);
        let max = first.iter().cloned().fold(f64::MIN, f64::max);
        let min = first.iter().cloned().fold(f64::MAX, f64::min);
        assert!(
            (max - 110.0).abs() < 1e-9 && (min - 80.0).abs() < 1e-9,
            "{min}..{max}"
        );
        // A down day meets its high before its low.
        let hi_at = first.iter().position(|x| (x - 110.0).abs() < 1e-9).unwrap();
        let lo_at = first.iter().position(|x| (x - 80.0).abs() < 1e-9).unwrap();
        assert!(hi_at < lo_at);
        // An up day meets its low first.
        let second: Vec<f64> = p[96..].iter().map(|x| x.usd).collect();
        let hi_at = second.iter().position(|x| (x - 95.0).abs() < 1e-9).unwrap();
        let lo_at = second.iter().position(|x| (x - 84.0).abs() < 1e-9).unwrap();
        assert!(lo_at < hi_at);
        assert!(p.windows(2).all(|w| w[1].t - w[0].t == 900));
    }

    #[test]
    fn dates_round_trip() {
        for d in [0, 18_628, 19_000, 20_000, 11_016] {
            assert_eq!(unix_day(&date_of(d)).unwrap(), d);
        }
        assert_eq!(date_of(18_628), "2021-01-01");
    }

    #[test]
    fn a_yahoo_style_csv_is_repaired_and_the_repairs_counted() {
        let csv = "Date,Open,High,Low,Close,Adj Close,Volume\n\
                   2023-01-03,10,11,9,10.5,10.5,100\n\
                   2023-01-02,null,null,null,null,null,null\n\
                   2023-01-01,9,10,8,9.5,9.5,100\n\
                   2023-01-04,10.5,11,10,11.5,11.5,100\n\
                   2023-01-04,10.5,12,10,11.8,11.8,100\n\
                   not-a-date,1,1,1,1,1,1\n";
        let (days, r) = parse_ohlc_repaired(csv, "y.csv").unwrap();
        let dates: Vec<&str> = days.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(dates, ["2023-01-01", "2023-01-03", "2023-01-04"]);
        // The later 2023-01-04 row is kept; its close is inside its range.
        assert_eq!((days[2].high, days[2].close), (12.0, 11.8));
        assert_eq!(
            r,
            Repairs {
                skipped: 2,
                widened: 1,
                duplicates: 1,
                sorted: true,
                lines: vec![3, 5, 6, 7],
            }
        );
        assert!(r.summary().starts_with("2 rows skipped"), "{}", r.summary());
        // A close above the high is widened to it, not refused.
        let (days, r) = parse_ohlc_repaired(
            "Date,Open,High,Low,Close\n2023-01-01,9,10,8,10.4\n2023-01-02,10,10.1,7.9,8\n",
            "w.csv",
        )
        .unwrap();
        assert_eq!((days[0].high, days[1].low), (10.4, 7.9));
        assert_eq!((r.widened, r.skipped, r.sorted), (1, 0, false));
        let clean = "Date,Open,High,Low,Close\n2023-01-01,9,10,8,9\n2023-01-02,9,10,8,9\n";
        assert!(parse_ohlc_repaired(clean, "c.csv").unwrap().1.is_empty());
    }

    #[test]
    fn only_what_cannot_be_read_is_refused() {
        let e = parse_ohlc("Date,Open,High,Low\n2023-01-01,1,1,1\n", "a.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.csv: no `close` column (want Date,Open,High,Low,Close)"
        );
        let e = parse_ohlc(
            "Date,Open,High,Low,Close\n2023-01-01,null,null,null,null\n2023-01-02,1,1,1,0\n2023-01-03,1,1,1,1\n",
            "b.csv",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "b.csv: at least two readable days are needed (2 rows skipped)"
        );
        assert_eq!(parse_ohlc("", "e.csv").unwrap_err().to_string(), "e.csv is empty");
    }

    #[test]
    fn the_seed_makes_it_reproducible_and_changes_it() {
        let days = [day(100.0, 110.0, 80.0, 85.0)];
        assert_eq!(intraday(&days, 900, 1).unwrap(), intraday(&days, 900, 1).unwrap());
        assert_ne!(intraday(&days, 900, 1).unwrap(), intraday(&days, 900, 2).unwrap());
    }

    #[test]
    fn a_sub_step_that_does_not_divide_a_day_is_refused() {
        let e = intraday(&[day(1.0, 1.0, 1.0, 1.0)], 7_000, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the sub-step must divide a day into at least 4 steps (got 7000 s)"
        );
    }

    #[test]
    fn legs_share_the_intervals() {
        assert_eq!(share(95, &[1.0, 2.0, 1.0]), vec![24, 47, 24]);
        assert_eq!(share(3, &[0.0, 0.0, 0.0]), vec![1, 1, 1]);
        assert_eq!(share(95, &[0.0, 1.0, 0.0]).iter().sum::<usize>(), 95);
    }
}
