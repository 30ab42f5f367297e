//! The page's four charts, drawn on the server as SVG with plotters (nothing fetched
//! by the browser): a share's USD value against the token's price (both indexed to
//! 100 at the first point), the hedge ratio against its band, the funding rate a
//! year, the insurance fund with liquidations and socialized losses marked.

use anyhow::{anyhow, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::BAND;
use super::series::Series;
use crate::backtest::path::date_of;

const W: u32 = 760;
const H: u32 = 300;
const FONT: &str = "sans-serif";

/// The charts by name, as served at `/market/<M>/chart/<name>.svg`.
pub const NAMES: &[&str] = &["share-value", "hedge-ratio", "funding", "insurance"];

fn e<E: std::fmt::Debug>(x: E) -> anyhow::Error {
    anyhow!("plotting: {x:?}")
}

/// Tick spacings the time axis chooses from, seconds: hours to a year.
const STEPS: &[i64] = &[
    3_600,
    3 * 3_600,
    6 * 3_600,
    12 * 3_600,
    86_400,
    2 * 86_400,
    7 * 86_400,
    14 * 86_400,
    30 * 86_400,
    91 * 86_400,
    182 * 86_400,
    365 * 86_400,
];

/// The time axis's ticks over `t0..t1`: at round multiples of the smallest spacing
/// that gives at most 9 of them (5 below a day, whose labels are longer), so every
/// part of the range is labelled, the last days included.
pub fn time_ticks(t0: f64, t1: f64) -> Vec<f64> {
    let (a, b) = (t0.ceil() as i64, t1.floor() as i64);
    let step = STEPS
        .iter()
        .copied()
        .find(|s| (b - a) / s <= if *s < 86_400 { 4 } else { 8 })
        .unwrap_or(365 * 86_400);
    let first = a.div_euclid(step) * step + if a.rem_euclid(step) == 0 { 0 } else { step };
    let ticks: Vec<f64> = (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= b)
        .map(|t| t as f64)
        .collect();
    if ticks.is_empty() {
        vec![t0]
    } else {
        ticks
    }
}

/// A tick's label: `YYYY-MM-DD` (UTC) at midnight, `YYYY-MM-DD HH:MM` otherwise.
fn time_label(t: &f64) -> String {
    let t = *t as i64;
    let day = t.div_euclid(86_400);
    let s = t.rem_euclid(86_400);
    if s == 0 {
        date_of(day)
    } else {
        format!("{} {:02}:{:02}", date_of(day), s / 3_600, s % 3_600 / 60)
    }
}

/// A chart `name` of `s`, as an SVG document.
pub fn svg(name: &str, s: &Series) -> Result<String> {
    crate::backtest::plots::register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(e)?;
        if s.points.len() < 2 {
            root.draw(&Text::new(
                "not enough history yet: the chart starts at the second funding crank",
                (20, (H / 2) as i32),
                (FONT, 16),
            ))
            .map_err(e)?;
        } else {
            match name {
                "share-value" => share_value(&root, s)?,
                "hedge-ratio" => hedge_ratio(&root, s)?,
                "funding" => funding(&root, s)?,
                "insurance" => insurance(&root, s)?,
                other => {
                    return Err(anyhow!(
                        "no chart named {other} (there are: {})",
                        NAMES.join(", ")
                    ))
                }
            }
        }
        root.present().map_err(e)?;
    }
    Ok(out)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// The time range of the points, and `lo..hi` of `ys` with a margin.
fn ranges(s: &Series, ys: impl Iterator<Item = f64>) -> ((f64, f64), (f64, f64)) {
    let t0 = s.points.first().map_or(0.0, |p| p.time as f64);
    let t1 = s.points.last().map_or(1.0, |p| p.time as f64).max(t0 + 1.0);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for y in ys.filter(|y| y.is_finite()) {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    ((t0, t1), (lo - pad, hi + pad))
}

macro_rules! chart {
    ($root:expr, $caption:expr, $x:expr, $y:expr, $desc:expr) => {{
        let mut c = ChartBuilder::on($root)
            .caption($caption, (FONT, 17))
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(62)
            .build_cartesian_2d($x.0..$x.1, $y.0..$y.1)
            .map_err(e)?;
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_label_formatter(&time_label)
            .y_desc($desc)
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        time_axis($root, &mut c, $x, $y)?;
        c
    }};
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The time axis: a faint line and a dated label at each of [`time_ticks`] (UTC).
fn time_axis(root: &Area, c: &mut Chart, x: (f64, f64), y: (f64, f64)) -> Result<()> {
    let style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for t in time_ticks(x.0, x.1) {
        c.draw_series(LineSeries::new(vec![(t, y.0), (t, y.1)], BLACK.mix(0.08)))
            .map_err(e)?;
        let (px, py) = c.backend_coord(&(t, y.0));
        root.draw(&Text::new(time_label(&t), (px, py + 6), style.clone()))
            .map_err(e)?;
    }
    Ok(())
}

fn share_value(root: &Area, s: &Series) -> Result<()> {
    let first_price = s.points[0].price_usd;
    let first_share = s.points.iter().find_map(|p| p.share_value_usd);
    let price: Vec<(f64, f64)> = s
        .points
        .iter()
        .map(|p| (p.time as f64, p.price_usd / first_price * 100.0))
        .collect();
    let share: Vec<(f64, f64)> = match first_share {
        Some(f0) => s
            .points
            .iter()
            .filter_map(|p| p.share_value_usd.map(|v| (p.time as f64, v / f0 * 100.0)))
            .collect(),
        None => Vec::new(),
    };
    let (x, y) = ranges(s, price.iter().chain(&share).map(|p| p.1));
    let mut c = chart!(
        root,
        "A share's USD value against the token's price (first point = 100)",
        x,
        y,
        "index"
    );
    c.draw_series(LineSeries::new(price, RGBColor(150, 150, 150).stroke_width(2)))
        .map_err(e)?
        .label("token price")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RGBColor(150, 150, 150)));
    // A wallet's deposits and withdrawals sit on the share's line at the last point
    // before them.
    let at = |t: i64| {
        share
            .iter()
            .take_while(|p| p.0 <= t as f64)
            .last()
            .or(share.first())
            .map_or(100.0, |p| p.1)
    };
    let (ins, outs): (Vec<_>, Vec<_>) = (
        s.deposits.iter().map(|m| (m.time as f64, at(m.time))).collect(),
        s.withdrawals
            .iter()
            .map(|m| (m.time as f64, at(m.time)))
            .collect(),
    );
    c.draw_series(LineSeries::new(share, BLUE.stroke_width(2)))
        .map_err(e)?
        .label("share value (USD)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE));
    if !ins.is_empty() {
        let green = RGBColor(0, 150, 70);
        c.draw_series(ins.into_iter().map(|p| TriangleMarker::new(p, 8, green.filled())))
            .map_err(e)?
            .label("your deposit")
            .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 6, green.filled()));
    }
    if !outs.is_empty() {
        let orange = RGBColor(230, 120, 0);
        c.draw_series(outs.into_iter().map(|p| Circle::new(p, 5, orange.filled())))
            .map_err(e)?
            .label("your withdrawal")
            .legend(move |(x, y)| Circle::new((x + 9, y), 4, orange.filled()));
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FONT, 12))
        .position(SeriesLabelPosition::LowerLeft)
        .draw()
        .map_err(e)?;
    Ok(())
}

fn hedge_ratio(root: &Area, s: &Series) -> Result<()> {
    let pts: Vec<(f64, f64)> = s
        .points
        .iter()
        .map(|p| (p.time as f64, p.hedge_ratio * 100.0))
        .collect();
    let bounds = [(1.0 - BAND) * 100.0, (1.0 + BAND) * 100.0];
    let (x, y) = ranges(s, pts.iter().map(|p| p.1).chain(bounds));
    let mut c = chart!(
        root,
        "Hedge ratio N / (h*C), band within 5% of the target",
        x,
        y,
        "%"
    );
    for b in bounds {
        c.draw_series(LineSeries::new(
            vec![(x.0, b), (x.1, b)],
            RED.mix(0.85).stroke_width(2),
        ))
        .map_err(e)?;
    }
    c.draw_series(LineSeries::new(pts, BLUE.stroke_width(2)))
        .map_err(e)?;
    Ok(())
}

fn funding(root: &Area, s: &Series) -> Result<()> {
    let pts: Vec<(f64, f64)> = s
        .points
        .iter()
        .map(|p| (p.time as f64, p.funding_annual_percent))
        .collect();
    let (x, y) = ranges(s, pts.iter().map(|p| p.1).chain([0.0]));
    let mut c = chart!(
        root,
        "Funding rate, a year (positive: longs pay the vault)",
        x,
        y,
        "% a year"
    );
    c.draw_series(LineSeries::new(vec![(x.0, 0.0), (x.1, 0.0)], BLACK.mix(0.4)))
        .map_err(e)?;
    c.draw_series(LineSeries::new(pts, RGBColor(0, 130, 60).stroke_width(2)))
        .map_err(e)?;
    Ok(())
}

fn insurance(root: &Area, s: &Series) -> Result<()> {
    let pts: Vec<(f64, f64)> = s
        .points
        .iter()
        .map(|p| (p.time as f64, p.insurance_tokens))
        .collect();
    let (x, y) = ranges(s, pts.iter().map(|p| p.1));
    let mut c = chart!(
        root,
        "Insurance fund (tokens); liquidations in orange, socialized losses in red",
        x,
        y,
        "tokens"
    );
    // A marker sits on the fund's line at the last point before it.
    let at = |t: i64| {
        pts.iter()
            .take_while(|p| p.0 <= t as f64)
            .last()
            .map_or(y.0, |p| p.1)
    };
    c.draw_series(LineSeries::new(pts.clone(), BLUE.stroke_width(2)))
        .map_err(e)?;
    c.draw_series(
        s.liquidations
            .iter()
            .map(|m| Circle::new((m.time as f64, at(m.time)), 4, RGBColor(240, 140, 0).filled())),
    )
    .map_err(e)?;
    c.draw_series(
        s.socialized
            .iter()
            .map(|m| TriangleMarker::new((m.time as f64, at(m.time)), 7, RED.filled())),
    )
    .map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_times_and_cover_the_range_with_dated_labels() {
        // 16 days from 2021-05-12 06:13 UTC: a tick every 2 days at midnight.
        let t0 = 1_620_800_000.0;
        let t1 = t0 + 16.0 * 86_400.0;
        let t = time_ticks(t0, t1);
        assert_eq!(t.len(), 8);
        assert!(t.iter().all(|x| (*x as i64) % 86_400 == 0));
        assert!(t.windows(2).all(|w| w[1] - w[0] == 2.0 * 86_400.0));
        // The last tick is within a step of the end: the last days are labelled.
        assert!(t1 - t.last().unwrap() < 2.0 * 86_400.0);
        assert_eq!(time_label(&t[0]), "2021-05-13");
        // Under a day: hours, with the date and year.
        let h = time_ticks(t0, t0 + 10.0 * 3_600.0);
        assert!(h.len() <= 5 && h.len() >= 3, "{h:?}");
        assert_eq!(time_label(&h[0]), "2021-05-12 09:00");
        // A year and more: a tick a quarter.
        assert!(time_ticks(t0, t0 + 400.0 * 86_400.0).len() <= 9);
        // A week: a tick a day.
        assert_eq!(time_ticks(t0, t0 + 7.0 * 86_400.0).len(), 7);
    }
}
