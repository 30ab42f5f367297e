//! The page's four charts, drawn on the server as SVG with plotters (nothing fetched
//! by the browser): a share's USD value against the token's price (both indexed to
//! 100 at the first point), the hedge ratio against its band, the funding rate a
//! year, the insurance fund with liquidations and socialized losses marked.

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use super::data::{Series, BAND};
use crate::backtest::path::date_of;

const W: u32 = 760;
const H: u32 = 300;
const FONT: &str = "sans-serif";

/// The charts by name, as served at `/market/<M>/chart/<name>.svg`.
pub const NAMES: &[&str] = &["share-value", "hedge-ratio", "funding", "insurance"];

fn e<E: std::fmt::Debug>(x: E) -> anyhow::Error {
    anyhow!("plotting: {x:?}")
}

/// `MM-DD HH:MM` (UTC) of a unix time, the x axis's labels.
fn time_label(t: &f64) -> String {
    let t = *t as i64;
    let day = t.div_euclid(86_400);
    let s = t.rem_euclid(86_400);
    format!("{} {:02}:{:02}", &date_of(day)[5..], s / 3_600, s % 3_600 / 60)
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
            .x_labels(6)
            .x_label_formatter(&time_label)
            .y_desc($desc)
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        c
    }};
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
    c.draw_series(LineSeries::new(share, BLUE.stroke_width(2)))
        .map_err(e)?
        .label("share value (USD)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE));
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FONT, 12))
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
        c.draw_series(LineSeries::new(vec![(x.0, b), (x.1, b)], RED.mix(0.5)))
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
