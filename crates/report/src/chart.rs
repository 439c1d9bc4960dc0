//! Charts as SVG, drawn by [plotters](https://docs.rs/plotters) from a [`Chart`]'s data: the
//! overlaid histograms of net contribution, S-curves, the waterfall of fees and the tornado.
//!
//! The value axis is ticked at round values (1, 2 or 5 × a power of ten: 200,000, 500,000,
//! 1,000,000 …), titled with the contract's currency (`(CNY)`, or `(万元)` with
//! [`MoneyUnit::Wan`], which divides the axis by 10,000), zero is marked, and the chart's
//! markers (the mean, P5) are drawn as labelled vertical lines. Labels are in English,
//! Chinese or both ([`Lang`]).
//!
//! Text is laid out without a font: plotters is built without its font back-ends, so its
//! estimate of a label's width (0.7 em per byte, which over-estimates Chinese labels) only
//! sizes the label areas, and the SVG `<text>` is set by the viewer with its own fonts. Nothing
//! here reads a font file, so a machine without fonts draws the same bytes.

use kasim_core::money::format_money;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;

use crate::Error;
use crate::document::{Chart, ChartKind, Lang, Marker, Series, Text as Words, TornadoBar};
use crate::emit::table::MoneyUnit;

/// How a chart is drawn: its language, the money unit of its value axis, its size in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartOptions {
    /// The language of titles, axes, legends and markers.
    pub lang: Lang,
    /// The unit of a money axis: with [`MoneyUnit::Wan`] values are divided by 10,000.
    pub unit: MoneyUnit,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels (a tornado or waterfall grows with its rows).
    pub height: u32,
}

impl Default for ChartOptions {
    fn default() -> ChartOptions {
        ChartOptions { lang: Lang::Both, unit: MoneyUnit::Yuan, width: 760, height: 420 }
    }
}

impl ChartOptions {
    /// The default size in a language and money unit.
    pub fn new(lang: Lang, unit: MoneyUnit) -> ChartOptions {
        ChartOptions { lang, unit, ..ChartOptions::default() }
    }
}

/// Series colours, in legend order.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x48, 0x78, 0xa8),
    RGBColor(0xd9, 0x7a, 0x1e),
    RGBColor(0x3d, 0x9a, 0x5b),
    RGBColor(0x8e, 0x44, 0xad),
    RGBColor(0xc0, 0x39, 0x2b),
    RGBColor(0x16, 0x8a, 0x8a),
];
/// More fees or costs (a waterfall's up step).
const RED: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
/// Fewer fees (a waterfall's down step).
const GREEN: RGBColor = RGBColor(0x2e, 0x8b, 0x57);
/// Totals (a waterfall's start and end).
const SLATE: RGBColor = RGBColor(0x5d, 0x6d, 0x7e);
/// A tornado's low and high end.
const AMBER: RGBColor = RGBColor(0xd9, 0xa4, 0x41);
const BLUE: RGBColor = RGBColor(0x48, 0x78, 0xa8);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const FONT: &str = "sans-serif";

/// A font of `px` pixels (plotters' SVG back-end writes 1 / 1.24 of the size it is given).
fn font(px: f64) -> FontDesc<'static> {
    (FONT, px * 1.24).into_font()
}

/// A round step for about `n` intervals over `span`: 1, 2 or 5 × a power of ten.
pub fn nice_step(span: f64, n: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / n;
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    let m = if f <= 1.0 + 1e-9 {
        1.0
    } else if f <= 2.0 + 1e-9 {
        2.0
    } else if f <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    m * p
}

/// The axis over `[lo, hi]` widened to round ends, its ticks (about five, 1-2-5 steps) and the
/// step.
pub fn nice_axis(lo: f64, hi: f64) -> (f64, f64, Vec<f64>, f64) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1.0, lo + 1.0) };
    let step = nice_step(hi - lo, 5.0);
    let a = (lo / step).floor() * step;
    let b = (hi / step).ceil() * step;
    let n = ((b - a) / step).round() as i64;
    // `+ 0.0` turns -0 into 0.
    let ticks = (0..=n).map(|i| (a + step * i as f64) + 0.0).collect();
    (a, b, ticks, step)
}

/// A number with thousands separators, with as many decimals as a tick step needs.
fn number(x: f64, step: f64) -> String {
    let dp = if step >= 1.0 || step <= 0.0 { 0 } else { (-step.log10().floor()) as u32 };
    Decimal::from_f64_retain(x + 0.0).map_or_else(|| format!("{x:.0}"), |d| format_money(d.round_dp(dp), dp))
}

/// A value at two significant decimals of its size: markers and bar labels.
fn amount(x: f64, scale: f64) -> String {
    number(x, if scale > 1.0 { 0.01 } else { 1.0 })
}

fn words<'a>(lang: Lang, en: &'a str, zh: &'a str) -> String {
    Words::both(en, zh).render(lang)
}

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Chart(e.to_string())
}

/// The value axis's divisor (10,000 for money in 万元) and its title with the unit.
fn value_axis(chart: &Chart, o: &ChartOptions) -> (f64, String) {
    let title = chart.value_axis.render(o.lang);
    match (&chart.currency, o.unit) {
        (Some(c), MoneyUnit::Wan) => {
            let unit = if c == "CNY" || c == "RMB" { "万元".to_string() } else { format!("万 {c}") };
            (10_000.0, format!("{title} ({unit})"))
        }
        (Some(c), MoneyUnit::Yuan) => (1.0, format!("{title} ({c})")),
        (None, _) => (1.0, title),
    }
}

/// Renders a chart as a standalone SVG document.
///
/// # Errors
///
/// [`Error::Chart`] when the chart has no data to draw (a histogram without bins) or the
/// drawing fails.
pub fn svg(chart: &Chart, options: &ChartOptions) -> Result<String, Error> {
    let rows = match &chart.kind {
        ChartKind::Tornado { bars, .. } => bars.len(),
        ChartKind::Waterfall { steps, .. } => steps.len() + 2,
        _ => 0,
    };
    // Bar charts grow with their rows (26 px each) so labels never overlap.
    let height = if rows > 0 { options.height.max(170 + 28 * rows as u32) } else { options.height };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (options.width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        // The legend is a strip under the chart, where it cannot cover bars or marker labels.
        let items = legend_items(chart, options);
        let rows = legend_rows(&items, options.width);
        let strip_h = 12 + 20 * rows.len() as u32;
        let (plot, strip) = root.split_vertically(height.saturating_sub(strip_h));
        match &chart.kind {
            ChartKind::Histogram { edges, series } => histogram(&plot, chart, options, edges, series)?,
            ChartKind::Curves { series } => curves(&plot, chart, options, series)?,
            ChartKind::Waterfall { start, steps, end } => waterfall(&plot, chart, options, start, steps, end)?,
            ChartKind::Tornado { base, bars, .. } => tornado(&plot, chart, options, *base, bars)?,
        }
        legend_strip(&strip, &items, &rows)?;
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A legend entry: its text, colour, and whether its swatch is a line (a curve) or a box.
struct Item {
    name: String,
    colour: RGBColor,
    alpha: f64,
    line: bool,
}

/// The legend of a chart: its series, a tornado's low and high end, a waterfall's colours.
fn legend_items(chart: &Chart, o: &ChartOptions) -> Vec<Item> {
    let boxes = |names: Vec<String>, alpha: f64| -> Vec<Item> {
        names
            .into_iter()
            .enumerate()
            .map(|(j, name)| Item { name, colour: PALETTE[j % PALETTE.len()], alpha, line: false })
            .collect()
    };
    match &chart.kind {
        ChartKind::Histogram { series, .. } => {
            boxes(series.iter().map(|s| s.name.render(o.lang)).collect(), if series.len() > 1 { 0.35 } else { 0.6 })
        }
        ChartKind::Curves { series } => series
            .iter()
            .enumerate()
            .map(|(j, s)| Item {
                name: s.name.render(o.lang),
                colour: PALETTE[j % PALETTE.len()],
                alpha: 1.0,
                line: true,
            })
            .collect(),
        ChartKind::Waterfall { .. } => vec![
            Item { name: words(o.lang, "total", "合计"), colour: SLATE, alpha: 0.85, line: false },
            Item { name: words(o.lang, "more cost", "成本增加"), colour: RED, alpha: 0.85, line: false },
            Item { name: words(o.lang, "less cost", "成本减少"), colour: GREEN, alpha: 0.85, line: false },
        ],
        ChartKind::Tornado { legend, .. } => vec![
            Item { name: legend.0.render(o.lang), colour: AMBER, alpha: 1.0, line: false },
            Item { name: legend.1.render(o.lang), colour: BLUE, alpha: 0.9, line: false },
        ],
    }
}

/// The legend's entries split into rows that fit `width` (widths estimated by
/// [`text_width`]): per row, the indices of its entries and the row's width.
fn legend_rows(items: &[Item], width: u32) -> Vec<(Vec<usize>, i32)> {
    let max = width.saturating_sub(32) as i32;
    let mut rows: Vec<(Vec<usize>, i32)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let w = 22 + text_width(&item.name) as i32 + 18;
        match rows.last_mut() {
            Some((row, used)) if *used + w <= max => {
                row.push(i);
                *used += w;
            }
            _ => rows.push((vec![i], w)),
        }
    }
    rows
}

/// The legend, row by row, centred.
fn legend_strip(area: &Area<'_>, items: &[Item], rows: &[(Vec<usize>, i32)]) -> Result<(), Error> {
    let (w, _) = area.dim_in_pixel();
    let style = font(12.0).color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
    for (r, (row, total)) in rows.iter().enumerate() {
        let mut x = ((w as i32 - total) / 2).max(8);
        let y = 14 + 20 * r as i32;
        for &i in row {
            let item = &items[i];
            if item.line {
                area.draw(&PathElement::new(vec![(x, y), (x + 16, y)], item.colour.stroke_width(3)))
                    .map_err(draw_err)?;
            } else {
                area.draw(&Rectangle::new([(x, y - 6), (x + 16, y + 6)], item.colour.mix(item.alpha).filled()))
                    .map_err(draw_err)?;
            }
            area.draw(&Text::new(item.name.clone(), (x + 22, y), style.clone())).map_err(draw_err)?;
            x += 22 + text_width(&item.name) as i32 + 18;
        }
    }
    Ok(())
}

/// A label in a language; in both languages a prefix the English and Chinese share (a
/// contract's name) is written once: `Sunrise mean 均值`, not `Sunrise mean Sunrise 均值`.
fn label(t: &Words, lang: Lang) -> String {
    if let (Lang::Both, Some(zh)) = (lang, &t.zh) {
        let common: usize =
            t.en.char_indices()
                .zip(zh.chars())
                .take_while(|((_, a), b)| a == b)
                .filter(|((_, a), _)| *a == ' ')
                .map(|((i, _), _)| i + 1)
                .last()
                .unwrap_or(0);
        if common > 0 {
            return format!("{} {}", t.en, &zh[common..]);
        }
    }
    t.render(lang)
}
type Ctx<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// A linear axis ticked exactly at the given (round) values.
#[derive(Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let share = (v - self.lo) / (self.hi - self.lo);
        let length = f64::from(limit.1 - limit.0);
        if !share.is_finite() {
            return limit.0;
        }
        limit.0 + (length * share + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// About how wide a label is at 12 px: 7 px per display column (a Chinese character is two).
fn text_width(s: &str) -> u32 {
    7 * UnicodeWidthStr::width(s) as u32
}

/// The label area a set of category labels needs, at most 320 px.
fn label_width(labels: &[String]) -> u32 {
    (labels.iter().map(|l| text_width(l)).max().unwrap_or(0) + 16).clamp(60, 320)
}

/// The value range of a chart's data and markers, widened to round ticks.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64, Vec<f64>, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    nice_axis(lo, hi)
}

/// The chart's frame: caption, axes with round ticks and their titles.
#[allow(clippy::too_many_arguments)]
fn frame<'a, 'b>(
    root: &'a Area<'b>,
    title: &str,
    (x, x_ticks): ((f64, f64), Vec<f64>),
    (y, y_ticks): ((f64, f64), Vec<f64>),
    y_area: u32,
    x_label: &dyn Fn(f64) -> String,
    y_label: &dyn Fn(f64) -> String,
    (x_desc, y_desc): (&str, &str),
) -> Result<Ctx<'a, 'b>, Error> {
    // A long title is set smaller so it fits the width (down to 11 px).
    let width = f64::from(root.dim_in_pixel().0.saturating_sub(40));
    let at_17 = f64::from(text_width(title)) * 17.0 / 12.0;
    let size = if at_17 > width { (17.0 * width / at_17).max(11.0) } else { 17.0 };
    let mut ctx = ChartBuilder::on(root)
        .caption(title, font(size).color(&INK))
        .margin(14)
        .margin_right(34)
        .x_label_area_size(46)
        .y_label_area_size(y_area)
        .build_cartesian_2d(Axis { lo: x.0, hi: x.1, ticks: x_ticks }, Axis { lo: y.0, hi: y.1, ticks: y_ticks })
        .map_err(draw_err)?;
    ctx.configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .x_label_formatter(&|v| x_label(*v))
        .y_label_formatter(&|v| y_label(*v))
        .label_style(font(12.0).color(&INK))
        .axis_desc_style(font(13.0).color(&INK))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()
        .map_err(draw_err)?;
    Ok(ctx)
}

/// A vertical labelled line; its label sits in a lane (a line of text from the top) where it
/// does not overlap another label.
struct Mark {
    label: String,
    value: f64,
    colour: RGBColor,
    lane: usize,
}

/// The plot's size inside a drawing area, before plotters lays it out (the caption, the
/// axis label areas and the margins of [`frame`]), for placing marker labels.
fn plot_size(root: &Area<'_>, y_area: u32) -> (f64, f64) {
    let (w, h) = root.dim_in_pixel();
    (f64::from(w.saturating_sub(14 + 34 + y_area)).max(50.0), f64::from(h.saturating_sub(28 + 46 + 30)).max(50.0))
}

/// Zero (when strictly inside the axis) and the chart's markers, scaled, each with its value
/// and in the colour of the series it names (`Sunrise 2027 mean` is Sunrise's colour); then
/// each label gets the first lane where it overlaps no other label (widths estimated), and
/// the number of lanes is returned.
fn marks(chart: &Chart, scale: f64, (a, b): (f64, f64), lang: Lang, plot_w: f64) -> (Vec<Mark>, usize) {
    let names: Vec<&str> = match &chart.kind {
        ChartKind::Histogram { series, .. } => series.iter().map(|s| s.name.en.as_str()).collect(),
        ChartKind::Curves { series } => series.iter().map(|s| s.name.en.as_str()).collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    let others = [INK, RED, PALETTE[3], PALETTE[5]];
    if a < 0.0 && b > 0.0 && !chart.markers.iter().any(|m| m.value == 0.0) {
        out.push(Mark { label: "0".into(), value: 0.0, colour: RGBColor(0x80, 0x80, 0x80), lane: 0 });
    }
    for (i, m) in chart.markers.iter().enumerate() {
        let v = m.value / scale;
        let text = if m.value == 0.0 {
            label(&m.label, lang)
        } else {
            format!("{} {}", label(&m.label, lang), amount(v, scale))
        };
        let series = names
            .iter()
            .enumerate()
            .filter(|(_, n)| names.len() > 1 && m.label.en.starts_with(**n))
            .max_by_key(|(_, n)| n.len())
            .map(|(j, _)| j);
        let colour = series.map_or(others[i % others.len()], |j| PALETTE[j % PALETTE.len()]);
        out.push(Mark { label: text, value: v, colour, lane: 0 });
    }
    let mut taken: Vec<Vec<(f64, f64)>> = Vec::new();
    for m in &mut out {
        let px = (m.value - a) / (b - a) * plot_w;
        let w = f64::from(text_width(&m.label)) + 8.0;
        let span = if (m.value - a) <= 0.75 * (b - a) { (px, px + w) } else { (px - w, px) };
        let lane = taken
            .iter()
            .position(|lane| lane.iter().all(|&(s, e)| span.1 + 4.0 < s || span.0 > e + 4.0))
            .unwrap_or(taken.len());
        if lane == taken.len() {
            taken.push(Vec::new());
        }
        taken[lane].push(span);
        m.lane = lane;
    }
    (out, taken.len())
}

/// The top of a value range `top` with room above it for `lanes` lines of marker labels, in a
/// plot `plot_h` pixels high.
fn headroom(top: f64, lanes: usize, plot_h: f64) -> f64 {
    let need = 8.0 + 15.0 * lanes as f64;
    top * plot_h / (plot_h - need).max(plot_h * 0.4)
}

/// Draws marks from `y0` to `y1`, each label in its lane from the top, on the side of the
/// line with room (right of it in the left three quarters of the axis, else left).
fn draw_marks(ctx: &mut Ctx<'_, '_>, marks: &[Mark], (a, b): (f64, f64), (y0, y1): (f64, f64)) -> Result<(), Error> {
    for m in marks {
        if !(m.value >= a && m.value <= b) {
            continue;
        }
        let style = m.colour.stroke_width(if m.label == "0" { 1 } else { 2 });
        ctx.draw_series(std::iter::once(PathElement::new(vec![(m.value, y0), (m.value, y1)], style)))
            .map_err(draw_err)?;
        let right = (m.value - a) <= 0.75 * (b - a);
        let (h, dx) = if right { (HPos::Left, 4) } else { (HPos::Right, -4) };
        let font = font(12.0).color(&m.colour).pos(Pos::new(h, VPos::Top));
        let dy = 4 + 15 * m.lane as i32;
        let label = EmptyElement::at((m.value, y1)) + Text::new(m.label.clone(), (dx, dy), font);
        ctx.draw_series(std::iter::once(label)).map_err(draw_err)?;
    }
    Ok(())
}

fn histogram(
    root: &Area<'_>,
    chart: &Chart,
    o: &ChartOptions,
    edges: &[f64],
    series: &[Series<u64>],
) -> Result<(), Error> {
    if edges.len() < 2 {
        return Err(Error::Chart(format!("histogram {} has no bins", chart.id)));
    }
    let (scale, x_desc) = value_axis(chart, o);
    let edges: Vec<f64> = edges.iter().map(|e| e / scale).collect();
    let (a, b, ticks, step) = range(edges.iter().copied().chain(chart.markers.iter().map(|m| m.value / scale)));
    let max = series.iter().flat_map(|s| s.points.iter()).copied().max().unwrap_or(0).max(1) as f64;
    let (_, top, y_ticks, y_step) = nice_axis(0.0, max);
    // Head room above the bars for the marker labels.
    let (plot_w, plot_h) = plot_size(root, 70);
    let (m, lanes) = marks(chart, scale, (a, b), o.lang, plot_w);
    let y_top = headroom(top, lanes, plot_h);
    let y_desc = chart.other_axis.render(o.lang);
    let mut ctx = frame(
        root,
        &label(&chart.title, o.lang),
        ((a, b), ticks),
        ((0.0, y_top), y_ticks),
        70,
        &|v| number(v, step),
        &|v| number(v, y_step),
        (&x_desc, &y_desc),
    )?;
    let alpha = if series.len() > 1 { 0.35 } else { 0.6 };
    for (j, s) in series.iter().enumerate() {
        let c = PALETTE[j % PALETTE.len()];
        let bars: Vec<Rectangle<(f64, f64)>> = s
            .points
            .iter()
            .zip(edges.windows(2))
            .filter(|(n, _)| **n > 0)
            .map(|(&n, e)| Rectangle::new([(e[0], 0.0), (e[1], n as f64)], c.mix(alpha).filled()))
            .collect();
        let outlines: Vec<Rectangle<(f64, f64)>> = s
            .points
            .iter()
            .zip(edges.windows(2))
            .filter(|(n, _)| **n > 0)
            .map(|(&n, e)| Rectangle::new([(e[0], 0.0), (e[1], n as f64)], c.stroke_width(1)))
            .collect();
        ctx.draw_series(bars).map_err(draw_err)?;
        ctx.draw_series(outlines).map_err(draw_err)?;
    }
    draw_marks(&mut ctx, &m, (a, b), (0.0, y_top))?;
    Ok(())
}

fn curves(root: &Area<'_>, chart: &Chart, o: &ChartOptions, series: &[Series<(f64, f64)>]) -> Result<(), Error> {
    let (scale, x_desc) = value_axis(chart, o);
    let (a, b, ticks, step) = range(
        series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0 / scale))
            .chain(chart.markers.iter().map(|m| m.value / scale)),
    );
    let y_desc = chart.other_axis.render(o.lang);
    let (plot_w, plot_h) = plot_size(root, 70);
    let (m, lanes) = marks(chart, scale, (a, b), o.lang, plot_w);
    let y_top = headroom(1.0, lanes, plot_h);
    let mut ctx = frame(
        root,
        &label(&chart.title, o.lang),
        ((a, b), ticks),
        ((0.0, y_top), vec![0.0, 0.25, 0.5, 0.75, 1.0]),
        70,
        &|v| number(v, step),
        &|v| format!("{:.0}%", v * 100.0),
        (&x_desc, &y_desc),
    )?;
    for (j, s) in series.iter().enumerate() {
        let c = PALETTE[j % PALETTE.len()];
        ctx.draw_series(LineSeries::new(s.points.iter().map(|&(x, y)| (x / scale, y)), c.stroke_width(2)))
            .map_err(draw_err)?;
    }
    draw_marks(&mut ctx, &m, (a, b), (0.0, y_top))?;
    Ok(())
}

/// Rows top to bottom: row `i` of `n` spans `[n - 1 - i + 0.18, n - i - 0.18]`.
fn row(i: usize, n: usize) -> (f64, f64) {
    let top = (n - i) as f64;
    (top - 0.82, top - 0.18)
}

/// The category axis of a bar chart: a key point at each row's middle, labelled by row.
fn category_axis(labels: &[String]) -> (Vec<f64>, impl Fn(f64) -> String + '_) {
    let n = labels.len();
    let ticks = (0..n).map(|i| (n - i) as f64 - 0.5).collect();
    let name = move |v: f64| {
        let i = n as f64 - 0.5 - v;
        let i = i.round();
        if i >= 0.0 && (i as usize) < n { labels[i as usize].clone() } else { String::new() }
    };
    (ticks, name)
}

fn waterfall(
    root: &Area<'_>,
    chart: &Chart,
    o: &ChartOptions,
    start: &(Words, f64),
    steps: &[(Words, f64)],
    end: &Words,
) -> Result<(), Error> {
    let (scale, x_desc) = value_axis(chart, o);
    let mut labels = vec![start.0.render(o.lang)];
    labels.extend(steps.iter().map(|s| s.0.render(o.lang)));
    labels.push(end.render(o.lang));
    let n = labels.len();
    // Running totals: bar i spans [from, to].
    let mut spans = vec![(0.0, start.1 / scale)];
    let mut total = start.1 / scale;
    for (_, d) in steps {
        let next = total + d / scale;
        spans.push((total, next));
        total = next;
    }
    spans.push((0.0, total));
    let (a, b, ticks, step) = range(spans.iter().flat_map(|s| [s.0, s.1]).chain(std::iter::once(0.0)));
    // Room right of the widest bar for its value.
    let b_room = b + 0.18 * (b - a);
    let (y_ticks, name) = category_axis(&labels);
    let (plot_w, plot_h) = plot_size(root, label_width(&labels));
    let (m, lanes) = marks(chart, scale, (a, b), o.lang, plot_w);
    let y_top = headroom(n as f64, lanes, plot_h);
    let mut ctx = frame(
        root,
        &label(&chart.title, o.lang),
        ((a, b_room), ticks),
        ((0.0, y_top), y_ticks),
        label_width(&labels),
        &|v| if v > b + 1e-9 * (b - a).abs() { String::new() } else { number(v, step) },
        &name,
        (&x_desc, &chart.other_axis.render(o.lang)),
    )?;
    let value_font = font(12.0).color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, &(from, to)) in spans.iter().enumerate() {
        let (y0, y1) = row(i, n);
        let total_bar = i == 0 || i == n - 1;
        let colour = if total_bar {
            SLATE
        } else if to >= from {
            RED
        } else {
            GREEN
        };
        let (lo, hi) = if from <= to { (from, to) } else { (to, from) };
        ctx.draw_series(std::iter::once(Rectangle::new([(lo, y0), (hi, y1)], colour.mix(0.85).filled())))
            .map_err(draw_err)?;
        let text = if total_bar {
            amount(to, scale)
        } else if to >= from {
            format!("+{}", amount(to - from, scale))
        } else {
            format!("−{}", amount(from - to, scale))
        };
        let label = EmptyElement::at((hi, (y0 + y1) / 2.0)) + Text::new(text, (5, 0), value_font.clone());
        ctx.draw_series(std::iter::once(label)).map_err(draw_err)?;
        // A thin connector from this bar's end to the next bar.
        if i + 1 < n {
            let (_, next_top) = row(i + 1, n);
            ctx.draw_series(std::iter::once(PathElement::new(vec![(to, y0), (to, next_top)], SLATE.stroke_width(1))))
                .map_err(draw_err)?;
        }
    }
    draw_marks(&mut ctx, &m, (a, b), (0.0, y_top))?;
    Ok(())
}

fn tornado(root: &Area<'_>, chart: &Chart, o: &ChartOptions, base: f64, bars: &[TornadoBar]) -> Result<(), Error> {
    let (scale, x_desc) = value_axis(chart, o);
    let base = base / scale;
    let labels: Vec<String> = bars.iter().map(|b| b.label.render(o.lang)).collect();
    let n = labels.len().max(1);
    let (a, b, ticks, step) = range(
        bars.iter()
            .flat_map(|b| [b.low / scale, b.high / scale])
            .chain([base])
            .chain(chart.markers.iter().map(|m| m.value / scale)),
    );
    let (y_ticks, name) = category_axis(&labels);
    // The base is the first marker.
    let mut with_base = chart.clone();
    with_base.markers.insert(0, Marker { label: Words::both("base", "基准"), value: base * scale });
    let (plot_w, plot_h) = plot_size(root, label_width(&labels));
    let (m, lanes) = marks(&with_base, scale, (a, b), o.lang, plot_w);
    let y_top = headroom(n as f64, lanes, plot_h);
    let mut ctx = frame(
        root,
        &label(&chart.title, o.lang),
        ((a, b), ticks),
        ((0.0, y_top), y_ticks),
        label_width(&labels),
        &|v| number(v, step),
        &name,
        (&x_desc, &chart.other_axis.render(o.lang)),
    )?;
    let side = |f: fn(&TornadoBar) -> f64, fill: ShapeStyle| -> Vec<Rectangle<(f64, f64)>> {
        bars.iter()
            .enumerate()
            .map(|(i, bar)| {
                let (y0, y1) = row(i, n);
                let v = f(bar) / scale;
                Rectangle::new([(base.min(v), y0), (base.max(v), y1)], fill)
            })
            .collect()
    };
    ctx.draw_series(side(|b| b.low, AMBER.filled())).map_err(draw_err)?;
    ctx.draw_series(side(|b| b.high, BLUE.mix(0.9).filled())).map_err(draw_err)?;
    draw_marks(&mut ctx, &m, (a, b), (0.0, y_top))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_1_2_5_steps() {
        assert_eq!(nice_step(1_481_252.23, 5.0), 500_000.0);
        assert_eq!(nice_step(9.0, 5.0), 2.0);
        assert_eq!(nice_step(0.4, 5.0), 0.1);
        let (a, b, ticks, step) = nice_axis(-1_251_554.96, 229_697.27);
        assert_eq!((a, b, step), (-1_500_000.0, 500_000.0, 500_000.0));
        assert_eq!(ticks, vec![-1_500_000.0, -1_000_000.0, -500_000.0, 0.0, 500_000.0]);
    }

    fn hist(currency: &str) -> Chart {
        Chart {
            id: "net_contribution".into(),
            title: Words::both("Net contribution", "净贡献"),
            value_axis: Words::both("net contribution", "净贡献"),
            other_axis: Words::both("scenarios", "情景数"),
            currency: Some(currency.into()),
            kind: ChartKind::Histogram {
                edges: (-2..=8).map(|i| f64::from(i) * 100_000.0).collect(),
                series: vec![
                    Series { name: Words::en("BASE"), points: vec![1, 3, 5, 9, 12, 9, 5, 3, 1, 1] },
                    Series { name: Words::en("DRAFT <x>"), points: vec![3, 5, 9, 12, 9, 5, 3, 1, 1, 0] },
                ],
            },
            markers: vec![
                Marker { label: Words::both("mean", "均值"), value: 295_000.0 },
                Marker { label: Words::en("P5"), value: -150_500.0 },
            ],
        }
    }

    /// The contents of an SVG's `<text>` elements, unescaped of plotters' line breaks.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>'))
            .map(|(_, rest)| rest.split("</text>").next().unwrap_or("").trim().to_string())
            .collect()
    }

    #[test]
    fn a_histogram_has_round_ticks_the_currency_markers_and_a_legend() {
        let svg = svg(&hist("HKD"), &ChartOptions::new(Lang::En, MoneyUnit::Yuan)).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("net contribution (HKD)"), "{svg}");
        let t = texts(&svg);
        for tick in ["-200,000", "0", "200,000", "400,000", "600,000", "800,000"] {
            assert!(t.iter().any(|x| x == tick), "tick {tick}: {t:?}");
        }
        // Counts 0 … 12: ticks 0, 5, 10 (and the zero marker).
        assert!(t.iter().any(|x| x == "10"), "{t:?}");
        assert!(t.iter().any(|x| x == "mean 295,000"), "{t:?}");
        assert!(t.iter().any(|x| x == "P5 -150,500"), "{t:?}");
        assert!(svg.contains("BASE") && svg.contains("DRAFT &lt;x&gt;"), "legend, escaped");
        assert!(!svg.contains("均值"), "English only");
        // Translucent fills of two series.
        assert!(svg.contains("opacity=\"0.35\"") || svg.contains("fill-opacity=\"0.35\""), "{svg}");
    }

    #[test]
    fn wan_divides_the_value_axis_and_titles_it() {
        let svg = svg(&hist("CNY"), &ChartOptions::new(Lang::Zh, MoneyUnit::Wan)).unwrap();
        assert!(svg.contains("净贡献 (万元)"), "{svg}");
        let t = texts(&svg);
        assert!(t.iter().any(|x| x == "20"), "200,000 is 20 万: {t:?}");
        assert!(t.iter().any(|x| x == "均值 29.50"), "{t:?}");
        assert!(!svg.contains("200,000"), "{svg}");
    }

    #[test]
    fn waterfall_steps_are_coloured_by_direction_and_labelled() {
        let chart = Chart {
            id: "fees".into(),
            title: Words::en("Fees BASE → DRAFT"),
            value_axis: Words::en("fees"),
            other_axis: Words::en("clause"),
            currency: Some("CNY".into()),
            kind: ChartKind::Waterfall {
                start: (Words::en("BASE fees"), 1_000_000.0),
                steps: vec![(Words::en("entry fee"), 250_000.0), (Words::en("rebate"), -50_000.0)],
                end: Words::en("DRAFT fees"),
            },
            markers: vec![],
        };
        let svg = svg(&chart, &ChartOptions::new(Lang::En, MoneyUnit::Yuan)).unwrap();
        let t = texts(&svg);
        for v in ["1,000,000", "+250,000", "−50,000", "1,200,000"] {
            assert!(t.iter().any(|x| x == v), "{v}: {t:?}");
        }
        assert!(svg.contains("#C0392B") || svg.contains("#c0392b"), "red up step: {svg}");
        assert!(svg.contains("#2E8B57") || svg.contains("#2e8b57"), "green down step");
        for l in ["BASE fees", "entry fee", "rebate", "DRAFT fees", "fees (CNY)"] {
            assert!(svg.contains(l), "{l}");
        }
    }

    #[test]
    fn tornado_and_curves_draw_in_chinese() {
        let t = Chart {
            id: "tornado".into(),
            title: Words::both("Tornado", "龙卷风图"),
            value_axis: Words::both("net contribution", "净贡献"),
            other_axis: Words::en(""),
            currency: Some("CNY".into()),
            kind: ChartKind::Tornado {
                base: 100.0,
                bars: vec![TornadoBar { label: Words::en("volume"), low: 50.0, high: 180.0 }],
                legend: (Words::both("low", "低值"), Words::both("high", "高值")),
            },
            markers: vec![],
        };
        let out = svg(&t, &ChartOptions::new(Lang::Zh, MoneyUnit::Yuan)).unwrap();
        assert!(out.contains("低值") && out.contains("高值"), "{out}");
        assert!(texts(&out).iter().any(|x| x == "基准 100"), "{out}");
        assert!(out.contains("volume") && out.contains("净贡献 (CNY)"), "{out}");
        let c = Chart {
            kind: ChartKind::Curves {
                series: vec![Series { name: Words::en("A"), points: vec![(-10.0, 0.0), (0.0, 0.5), (10.0, 1.0)] }],
            },
            other_axis: Words::both("cumulative probability", "累计概率"),
            ..t
        };
        let svg = svg(&c, &ChartOptions::new(Lang::Both, MoneyUnit::Yuan)).unwrap();
        assert!(
            svg.contains("cumulative probability 累计概率") && svg.contains("50%") && svg.contains("<polyline"),
            "{svg}"
        );
    }

    #[test]
    fn marker_labels_share_a_lane_only_when_they_do_not_overlap() {
        let mut c = hist("CNY");
        c.markers = vec![
            Marker { label: Words::en("A mean"), value: -190_000.0 },
            Marker { label: Words::en("B mean"), value: -185_000.0 },
            Marker { label: Words::en("C mean"), value: 700_000.0 },
        ];
        let (m, lanes) = marks(&c, 1.0, (-200_000.0, 800_000.0), Lang::En, 600.0);
        // Zero, then A, B and C: A and B collide with each other and with zero's label, C
        // (far right, its label to the left of its line) is free in the first lane.
        let lane = |l: &str| m.iter().find(|x| x.label.starts_with(l)).unwrap().lane;
        assert_eq!(m.len(), 4);
        assert_ne!(lane("A mean"), lane("B mean"));
        assert_eq!(lane("C mean"), 0);
        assert_eq!(lanes, 3, "zero, A and B stacked");
        // Colours follow the series named: neither A nor B is a series here.
        assert!(headroom(10.0, 3, 300.0) > 10.0 * 300.0 / 260.0);
    }

    #[test]
    fn the_legend_wraps_and_bilingual_labels_share_their_prefix() {
        let items: Vec<Item> = (0..6)
            .map(|i| Item { name: format!("Contract number {i}"), colour: PALETTE[i], alpha: 1.0, line: false })
            .collect();
        let rows = legend_rows(&items, 500);
        assert!(rows.len() >= 2, "{:?}", rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
        assert!(rows.iter().all(|(_, w)| *w <= 468));
        assert_eq!(rows.iter().map(|r| r.0.len()).sum::<usize>(), 6);
        assert_eq!(label(&Words::both("Sunrise 2027 mean", "Sunrise 2027 均值"), Lang::Both), "Sunrise 2027 mean 均值");
        assert_eq!(label(&Words::both("mean", "均值"), Lang::Both), "mean 均值");
        assert_eq!(label(&Words::both("Sunrise 2027 mean", "Sunrise 2027 均值"), Lang::Zh), "Sunrise 2027 均值");
    }

    #[test]
    fn a_long_title_is_set_smaller() {
        let short = svg(&hist("CNY"), &ChartOptions::default()).unwrap();
        assert!(short.contains("font-size=\"17"), "{short}");
        let mut c = hist("CNY");
        c.title = Words::en("x".repeat(300));
        let long = svg(&c, &ChartOptions::default()).unwrap();
        assert!(long.contains("font-size=\"11") && !long.contains("font-size=\"17"), "{long}");
    }

    #[test]
    fn a_histogram_without_bins_is_an_error() {
        let mut c = hist("CNY");
        c.kind = ChartKind::Histogram { edges: vec![], series: vec![] };
        assert!(matches!(svg(&c, &ChartOptions::default()), Err(Error::Chart(_))));
    }
}
