//! The backtest's four pictures, each as PNG and SVG: the token's price against a
//! share's USD value; the hedge ratio and the funding rate; the insurance fund with
//! liquidations and socialized losses marked; a share's result by cause as a
//! waterfall. The font is DejaVu Sans, shipped in app/assets (its licence beside it).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::report::{Report, Series};

const W: u32 = 1200;
const H: u32 = 700;
const FONT: &str = "sans-serif";

pub(crate) fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/DejaVuSans.ttf"),
        );
    });
}

/// Draws `$f` into `$dir/$name.svg` and `$dir/$name.png`.
macro_rules! write_plot {
    ($dir:expr, $name:expr, $f:ident, $s:expr, $r:expr, $out:expr) => {{
        let path = $dir.join(format!("{}.svg", $name));
        {
            let root = SVGBackend::new(&path, (W, H)).into_drawing_area();
            root.fill(&WHITE).map_err(e)?;
            $f(&root, $s, $r)?;
            root.present().map_err(e)?;
        }
        $out.push(path);
        let path = $dir.join(format!("{}.png", $name));
        {
            let root = BitMapBackend::new(&path, (W, H)).into_drawing_area();
            root.fill(&WHITE).map_err(e)?;
            $f(&root, $s, $r)?;
            root.present().map_err(e)?;
        }
        $out.push(path);
    }};
}

/// Writes the four plots into `dir`; returns the files written.
pub fn write_all(dir: &Path, s: &Series, r: &Report) -> Result<Vec<PathBuf>> {
    register_font();
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::new();
    write_plot!(dir, "price_vs_share", price_vs_share, s, r, out);
    write_plot!(dir, "hedge_ratio_funding", hedge_ratio_funding, s, r, out);
    write_plot!(dir, "insurance_fund", insurance_fund, s, r, out);
    write_plot!(dir, "attribution", attribution, s, r, out);
    Ok(out)
}

fn e<E: std::fmt::Debug>(x: E) -> anyhow::Error {
    anyhow!("plotting: {x:?}")
}

/// Sizes of a chart, in pixels: a whole picture's, or half of one.
#[derive(Clone, Copy)]
struct Frame {
    caption: u32,
    margin: u32,
    x_area: u32,
    y_area: u32,
    labels: u32,
}

const FULL: Frame = Frame {
    caption: 22,
    margin: 15,
    x_area: 40,
    y_area: 60,
    labels: 14,
};

const HALF: Frame = Frame {
    caption: 20,
    margin: 10,
    x_area: 30,
    y_area: 60,
    labels: 13,
};

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart over the run's days (dates on the x axis) and `y`, its mesh drawn.
fn daily_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    s: &Series,
    caption: &str,
    f: Frame,
    y: (f64, f64),
    y_desc: &str,
) -> Result<Chart<'a, DB>> {
    let n = s.day_price.len();
    let mut c = ChartBuilder::on(area)
        .caption(caption, (FONT, f.caption))
        .margin(f.margin)
        .x_label_area_size(f.x_area)
        .y_label_area_size(f.y_area)
        .build_cartesian_2d(0f64..(n.max(2) - 1) as f64, y.0..y.1)
        .map_err(e)?;
    c.configure_mesh()
        .x_label_formatter(&date_label(s))
        .x_labels(8)
        .y_desc(y_desc)
        .label_style((FONT, f.labels))
        .draw()
        .map_err(e)?;
    Ok(c)
}

/// The series' labels, upper left.
fn legend<'a, DB: DrawingBackend + 'a>(c: &mut Chart<'a, DB>) -> Result<()> {
    c.configure_series_labels()
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;
    Ok(())
}

fn date_label(s: &Series) -> impl Fn(&f64) -> String + '_ {
    move |x| {
        s.dates
            .get(x.round().max(0.0) as usize)
            .cloned()
            .unwrap_or_default()
    }
}

fn bounds(v: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for x in v.filter(|x| x.is_finite()) {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = (hi - lo).max(hi.abs() * 1e-6).max(1e-12);
    (lo - span * pad, hi + span * pad)
}

fn title(r: &Report, what: &str) -> String {
    format!("{what}: {} {}..{}", r.source, r.first_date, r.last_date)
}

fn price_vs_share<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Series, r: &Report) -> Result<()> {
    let n = s.day_price.len();
    let first = s.first_share_day();
    let (p0, u0) = (s.day_price[first], s.day_share[first]);
    let token: Vec<(f64, f64)> = (first..n)
        .map(|i| (i as f64, s.day_price[i] / p0 * 100.0))
        .collect();
    let share: Vec<(f64, f64)> = (first..n)
        .map(|i| (i as f64, s.day_share[i] / u0 * 100.0))
        .collect();
    let (lo, hi) = bounds(token.iter().chain(share.iter()).map(|p| p.1), 0.05);
    let caption = title(r, "Token price vs a share's USD value (start = 100)");
    // A token that moves several times over flattens the share to a line at the
    // bottom: the share then gets a panel of its own, on its own scale.
    let (tmin, tmax) = token
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let split = tmin > 0.0 && tmax / tmin > 3.0;
    let (top, bottom) = if split {
        let (t, b) = root.split_vertically(H * 3 / 5);
        (t, Some(b))
    } else {
        (root.clone(), None)
    };
    let frame = if split { HALF } else { FULL };
    let mut c = daily_chart(&top, s, &caption, frame, (lo, hi), "USD, start = 100")?;
    c.draw_series(LineSeries::new(token, RGBColor(120, 120, 120).stroke_width(2)))
        .map_err(e)?
        .label(format!("token ({:+.1}%)", r.token_return * 100.0))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RGBColor(120, 120, 120).stroke_width(2)));
    let label = format!(
        "hedged share ({:+.2}%, effectiveness {:.3}%)",
        r.share_return * 100.0,
        r.hedge_effectiveness * 100.0
    );
    c.draw_series(LineSeries::new(share.clone(), BLUE.stroke_width(2)))
        .map_err(e)?
        .label(label.clone())
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    legend(&mut c)?;
    if let Some(bottom) = bottom {
        let (lo, hi) = bounds(share.iter().map(|p| p.1), 0.05);
        let mut c = daily_chart(
            &bottom,
            s,
            "The hedged share alone, on its own scale (start = 100)",
            HALF,
            (lo, hi),
            "USD, start = 100",
        )?;
        c.draw_series(LineSeries::new(share, BLUE.stroke_width(2)))
            .map_err(e)?
            .label(label)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        legend(&mut c)?;
    }
    Ok(())
}

fn hedge_ratio_funding<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Series,
    r: &Report,
) -> Result<()> {
    let n = s.day_price.len();
    let (top, bottom) = root.split_vertically(H / 2);
    let hr: Vec<(f64, f64)> = s
        .day_hedge_ratio
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64, v * 100.0))
        .collect();
    // The day's intraday range as a vertical bar behind its close. Clipped to
    // 50-150% (the first sub-steps of a run, before the first fill, read 0%).
    let clip = |v: f64| (v * 100.0).clamp(50.0, 150.0);
    let range: Vec<(f64, f64, f64)> = s
        .day_hedge_min
        .iter()
        .zip(&s.day_hedge_max)
        .enumerate()
        .map(|(i, (a, b))| (i as f64, clip(*a), clip(*b)))
        .collect();
    let (lo, hi) = bounds(
        hr.iter()
            .map(|p| p.1)
            .chain(range.iter().flat_map(|r| [r.1, r.2]))
            .chain([90.0, 100.0]),
        0.05,
    );
    let caption = title(
        r,
        "Hedge ratio N / (h C): each day's close (line) and intraday low-high (grey)",
    );
    let mut c = daily_chart(&top, s, &caption, HALF, (lo, hi), "%")?;
    c.draw_series(
        range
            .iter()
            .map(|&(x, a, b)| PathElement::new(vec![(x, a), (x, b)], RGBColor(150, 150, 150))),
    )
    .map_err(e)?;
    c.draw_series(LineSeries::new(hr, BLUE.stroke_width(2)))
        .map_err(e)?;
    c.draw_series(LineSeries::new(
        [(0.0, 90.0), ((n.max(2) - 1) as f64, 90.0)],
        RED.mix(0.6),
    ))
    .map_err(e)?;
    let fr: Vec<(f64, f64)> = s
        .day_funding
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64, v * 100.0))
        .collect();
    let (lo, hi) = bounds(fr.iter().map(|p| p.1).chain([0.0]), 0.05);
    let caption = "Funding rate, % a year (positive: longs pay the vault)";
    let mut c = daily_chart(&bottom, s, caption, HALF, (lo, hi), "% / year")?;
    c.draw_series(LineSeries::new(fr, RGBColor(0, 130, 0).stroke_width(2)))
        .map_err(e)?;
    Ok(())
}

fn insurance_fund<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Series, r: &Report) -> Result<()> {
    let fund: Vec<(f64, f64)> = s
        .day_insurance
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64, *v))
        .collect();
    let (_, hi) = bounds(fund.iter().map(|p| p.1), 0.1);
    let caption = title(r, "Insurance fund (tokens), liquidations and socialized losses");
    let wide = Frame { y_area: 70, ..FULL };
    let mut c = daily_chart(root, s, &caption, wide, (0.0, hi), "tokens")?;
    c.draw_series(LineSeries::new(fund.clone(), BLUE.stroke_width(2)))
        .map_err(e)?
        .label("insurance fund")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    let most = s.liquidation_days.iter().map(|d| d.1).max().unwrap_or(1).max(1) as f64;
    c.draw_series(s.liquidation_days.iter().map(|(d, k)| {
        let y = fund.get(*d).map_or(0.0, |p| p.1);
        Circle::new(
            (*d as f64, y),
            3 + (8.0 * (*k as f64 / most).sqrt()) as i32,
            RGBColor(230, 140, 0).mix(0.7).filled(),
        )
    }))
    .map_err(e)?
    .label(format!(
        "liquidations ({} in all; size: count that day)",
        r.liquidations
    ))
    .legend(|(x, y)| Circle::new((x + 10, y), 5, RGBColor(230, 140, 0).filled()));
    c.draw_series(s.socialized.iter().map(|(d, _)| {
        let y = fund.get(*d).map_or(0.0, |p| p.1);
        Cross::new((*d as f64, y), 9, RED.stroke_width(3))
    }))
    .map_err(e)?
    .label(format!("socialized loss ({:.4} tokens)", r.socialized_tokens))
    .legend(|(x, y)| Cross::new((x + 10, y), 6, RED.stroke_width(3)));
    legend(&mut c)
}

fn attribution<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, _s: &Series, r: &Report) -> Result<()> {
    let a = &r.attribution;
    let u0 = r.share_start_usd;
    let steps = [
        ("exposure", a.exposure),
        ("funding", a.funding),
        ("trades", a.fees),
        ("socialized", a.socialized),
        ("deleveraging", a.deleveraging),
        ("vault flows", a.rounding),
    ];
    // In % of the starting value; bars float from the running total.
    let mut bars = Vec::new();
    let mut level = 0.0;
    for (name, v) in steps {
        let d = v / u0 * 100.0;
        bars.push((name, level, level + d));
        level += d;
    }
    bars.push(("total", 0.0, level));
    let (lo, hi) = bounds(bars.iter().flat_map(|b| [b.1, b.2]).chain([0.0]), 0.15);
    let k = bars.len();
    let f = Frame { y_area: 70, ..FULL };
    let mut c = ChartBuilder::on(root)
        .caption(
            title(r, "A share's USD result by cause (% of its starting value)"),
            (FONT, f.caption),
        )
        .margin(f.margin)
        .x_label_area_size(f.x_area)
        .y_label_area_size(f.y_area)
        .build_cartesian_2d(0f64..k as f64, lo..hi)
        .map_err(e)?;
    let names: Vec<&str> = bars.iter().map(|b| b.0).collect();
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(k * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - i as f64 - 0.5).abs() < 0.26 {
                names.get(i).map(|s| s.to_string()).unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("% of the starting value")
        .label_style((FONT, 14))
        .draw()
        .map_err(e)?;
    c.draw_series(bars.iter().enumerate().map(|(i, (name, from, to))| {
        let color = if *name == "total" {
            BLUE.filled()
        } else if to >= from {
            RGBColor(0, 150, 0).filled()
        } else {
            RED.filled()
        };
        Rectangle::new([(i as f64 + 0.15, *from), (i as f64 + 0.85, *to)], color)
    }))
    .map_err(e)?;
    c.draw_series(bars.iter().enumerate().map(|(i, (_, from, to))| {
        Text::new(
            format!("{:+.3}%", to - from),
            (i as f64 + 0.2, from.max(*to) + (hi - lo) * 0.03),
            (FONT, 15),
        )
    }))
    .map_err(e)?;
    c.draw_series(LineSeries::new([(0.0, 0.0), (k as f64, 0.0)], BLACK))
        .map_err(e)?;
    Ok(())
}
