//! Small, dependency-free SVG charts: histogram, S-curve (cumulative distribution) and tornado.
//!
//! Axes are ticked at round values (1-2-5 steps: 200,000, 500,000, 1,000,000 …), the axis title
//! names the contract's currency, the histogram has a scale of scenario counts, and zero, the
//! mean and P5 (the 95% value at risk of net contribution) are marked and labelled. Labels are in
//! English or Chinese ([`ChartLabels`]).

use std::fmt::Write;

use kasim_core::money::format_money;
use rust_decimal::Decimal;

use crate::Lang;

const W: f64 = 720.0;
const H: f64 = 400.0;
const L: f64 = 90.0;
const R: f64 = 50.0;
const T: f64 = 40.0;
const B: f64 = 50.0;

/// The words of a chart of net contribution, in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartLabels {
    /// The x axis: `net contribution (CNY)`.
    pub axis: String,
    /// The histogram's y axis: `scenarios`.
    pub count: String,
    /// The S-curve's y axis: `cumulative probability`.
    pub probability: String,
    /// The mean's marker.
    pub mean: String,
    /// P5's marker (value at risk).
    pub p5: String,
    /// The tornado's legend: low and high value, and the base.
    pub legend: (String, String, String),
}

impl ChartLabels {
    /// The labels of net contribution charts in `currency`, in `lang` (both: English, then
    /// Chinese in the axis title).
    pub fn net_contribution(currency: &str, lang: Lang) -> ChartLabels {
        let zh = lang == Lang::Zh;
        let axis = match lang {
            Lang::En => format!("net contribution ({currency})"),
            Lang::Zh => format!("净贡献 ({currency})"),
            Lang::Both => format!("net contribution 净贡献 ({currency})"),
        };
        let w = |en: &str, cn: &str| if zh { cn.to_string() } else { en.to_string() };
        ChartLabels {
            axis,
            count: w("scenarios", "情景数"),
            probability: w("cumulative probability", "累计概率"),
            mean: w("mean", "均值"),
            p5: w("P5 (VaR 95%)", "P5（风险价值 95%）"),
            legend: (w("low value (amber)", "低值（黄）"), w("high value (blue)", "高值（蓝）"), w("base", "基准")),
        }
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn money(x: f64) -> String {
    format_money(Decimal::from_f64_retain(x).unwrap_or_default(), 0)
}

/// A round step for about `n` intervals over `span`: 1, 2 or 5 × a power of ten.
pub fn nice_step(span: f64, n: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / n;
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * p
}

/// The axis over `[lo, hi]` widened to round ends, and its ticks (about five, 1-2-5 steps).
pub fn nice_axis(lo: f64, hi: f64) -> (f64, f64, Vec<f64>) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1.0, lo + 1.0) };
    let step = nice_step(hi - lo, 5.0);
    let a = (lo / step).floor() * step;
    let b = (hi / step).ceil() * step;
    let n = ((b - a) / step).round() as i64;
    // `+ 0.0` turns -0 into 0.
    let ticks = (0..=n).map(|i| (a + step * i as f64) + 0.0).collect();
    (a, b, ticks)
}

fn frame(title: &str, body: &str) -> String {
    frame_h(title, body, H)
}

fn frame_h(title: &str, body: &str, h: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n{body}</svg>\n",
        W / 2.0,
        esc(title)
    )
}

fn x_axis(out: &mut String, ticks: &[f64], x: &dyn Fn(f64) -> f64, label: &str) {
    let y = H - B;
    let _ = writeln!(out, "<line x1=\"{L}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"black\"/>", W - R);
    for &v in ticks {
        let xv = x(v);
        let _ = writeln!(
            out,
            "<line x1=\"{xv:.1}\" y1=\"{y}\" x2=\"{xv:.1}\" y2=\"{}\" stroke=\"black\"/><text x=\"{xv:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            y + 5.0,
            y + 18.0,
            money(v)
        );
    }
    let _ = writeln!(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", W / 2.0, H - 10.0, esc(label));
}

/// The y axis: its line, a tick and label at each (share of the plot height from the bottom,
/// text), and its title.
fn y_axis(out: &mut String, ticks: &[(f64, String)], label: &str) {
    let ph = H - T - B;
    let _ = writeln!(out, "<line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{}\" stroke=\"black\"/>", H - B);
    for (share, text) in ticks {
        let y = T + ph * (1.0 - share);
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y:.1}\" x2=\"{L}\" y2=\"{y:.1}\" stroke=\"black\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            L - 5.0,
            L - 8.0,
            y + 4.0,
            text
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">{}</text>",
        H / 2.0,
        H / 2.0,
        esc(label)
    );
}

/// Vertical markers at zero (when in range), the mean and P5, each labelled with its value.
fn markers(out: &mut String, x: &dyn Fn(f64) -> f64, (a, b): (f64, f64), mean: f64, p5: f64, labels: &ChartLabels) {
    let marks = [
        (0.0, "0".to_string(), "#c0392b", "4 3"),
        (mean, format!("{} {}", labels.mean, money(mean)), "#222222", "none"),
        (p5, format!("{} {}", labels.p5, money(p5)), "#d35400", "2 2"),
    ];
    for (i, (v, text, colour, dash)) in marks.iter().enumerate() {
        if *v < a || *v > b || (i == 0 && (a == 0.0 || b == 0.0)) {
            continue;
        }
        let xv = x(*v);
        let _ = writeln!(
            out,
            "<line x1=\"{xv:.1}\" y1=\"{T}\" x2=\"{xv:.1}\" y2=\"{}\" stroke=\"{colour}\" stroke-dasharray=\"{dash}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{colour}\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            H - B,
            xv + 3.0,
            T + 12.0 + 13.0 * i as f64,
            esc(text)
        );
    }
}

fn mean_and_p5(sorted_cents: &[i64]) -> (f64, f64) {
    let n = sorted_cents.len().max(1) as f64;
    let mean = sorted_cents.iter().map(|&c| c as f64).sum::<f64>() / n / 100.0;
    (mean, kasim_montecarlo::stats::quantile(sorted_cents, 0.05) / 100.0)
}

/// A histogram of values given in cents, sorted ascending.
pub fn histogram(sorted_cents: &[i64], title: &str, labels: &ChartLabels) -> String {
    let mut out = String::new();
    if sorted_cents.is_empty() {
        return frame(title, "");
    }
    let lo = sorted_cents[0] as f64 / 100.0;
    let hi = sorted_cents[sorted_cents.len() - 1] as f64 / 100.0;
    let (a, b, ticks) = nice_axis(lo, hi);
    let bins = 40usize;
    let width = (b - a) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &c in sorted_cents {
        let i = (((c as f64 / 100.0) - a) / width) as usize;
        counts[i.min(bins - 1)] += 1;
    }
    let (_, top, yticks) = nice_axis(0.0, *counts.iter().max().unwrap_or(&1) as f64);
    let (pw, ph) = (W - L - R, H - T - B);
    let x = |v: f64| L + pw * (v - a) / (b - a);
    for (i, &n) in counts.iter().enumerate() {
        let h = ph * n as f64 / top;
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#4878a8\" stroke=\"white\"/>",
            L + pw * i as f64 / bins as f64,
            T + ph - h,
            pw / bins as f64
        );
    }
    // The y axis: scenario counts per bin.
    let yticks: Vec<(f64, String)> = yticks.iter().map(|&c| (c / top, money(c))).collect();
    y_axis(&mut out, &yticks, &labels.count);
    let (mean, p5) = mean_and_p5(sorted_cents);
    markers(&mut out, &x, (a, b), mean, p5, labels);
    x_axis(&mut out, &ticks, &x, &labels.axis);
    frame(title, &out)
}

/// The S-curve (cumulative probability) of sorted values in cents.
pub fn s_curve(sorted_cents: &[i64], title: &str, labels: &ChartLabels) -> String {
    let mut out = String::new();
    if sorted_cents.is_empty() {
        return frame(title, "");
    }
    let lo = sorted_cents[0] as f64 / 100.0;
    let hi = sorted_cents[sorted_cents.len() - 1] as f64 / 100.0;
    let (a, b, ticks) = nice_axis(lo, hi);
    let (pw, ph) = (W - L - R, H - T - B);
    let x = |v: f64| L + pw * (v - a) / (b - a);
    let n = sorted_cents.len();
    let step = (n / 400).max(1);
    let mut pts = String::new();
    for (i, &c) in sorted_cents.iter().enumerate().step_by(step).chain(std::iter::once((n - 1, &sorted_cents[n - 1]))) {
        let y = T + ph * (1.0 - (i + 1) as f64 / n as f64);
        let _ = write!(pts, "{:.1},{y:.1} ", x(c as f64 / 100.0));
    }
    let _ =
        writeln!(out, "<polyline points=\"{}\" fill=\"none\" stroke=\"#4878a8\" stroke-width=\"2\"/>", pts.trim_end());
    let yticks: Vec<(f64, String)> =
        [0.0, 0.25, 0.5, 0.75, 1.0].iter().map(|&p| (p, format!("{}%", p * 100.0))).collect();
    y_axis(&mut out, &yticks, &labels.probability);
    let (mean, p5) = mean_and_p5(sorted_cents);
    markers(&mut out, &x, (a, b), mean, p5, labels);
    x_axis(&mut out, &ticks, &x, &labels.axis);
    frame(title, &out)
}

/// A tornado chart: one bar per (label, value at low, value at high), around the base.
pub fn tornado(title: &str, base: f64, bars: &[(String, f64, f64)], labels: &ChartLabels) -> String {
    let mut out = String::new();
    let left = 260.0;
    let (pw, row) = (W - left - R, 26.0);
    let h = T + B + 14.0 + row * bars.len().max(1) as f64;
    let lo = bars.iter().map(|b| b.1.min(b.2)).fold(base, f64::min);
    let hi = bars.iter().map(|b| b.1.max(b.2)).fold(base, f64::max);
    let (a, b, ticks) = nice_axis(lo, hi);
    let x = |v: f64| left + pw * (v - a) / (b - a);
    for (i, (label, lo_v, hi_v)) in bars.iter().enumerate() {
        let y = T + row * i as f64;
        let _ =
            writeln!(out, "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>", left - 8.0, y + 17.0, esc(label));
        // Low value in one colour, high in another.
        let (xl, xh) = (x(*lo_v), x(*hi_v));
        let xb = x(base);
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"18\" fill=\"#d9a441\"/><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"18\" fill=\"#4878a8\"/>",
            xl.min(xb),
            y + 4.0,
            (xl - xb).abs().max(0.5),
            xh.min(xb),
            y + 4.0,
            (xh - xb).abs().max(0.5)
        );
    }
    let axis_y = h - B - 14.0;
    let xb = x(base);
    let _ = writeln!(out, "<line x1=\"{xb:.1}\" y1=\"{T}\" x2=\"{xb:.1}\" y2=\"{axis_y:.1}\" stroke=\"black\"/>");
    for &v in &ticks {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(v),
            axis_y + 16.0,
            money(v)
        );
    }
    let (low, high, base_word) = &labels.legend;
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"middle\">{} — {} / {}; {} {}</text>",
        (left + W - R) / 2.0,
        h - 12.0,
        esc(&labels.axis),
        esc(low),
        esc(high),
        esc(base_word),
        money(base)
    );
    frame_h(title, &out, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_1_2_5_steps() {
        assert_eq!(nice_step(1_481_252.23, 5.0), 500_000.0);
        assert_eq!(nice_step(9.0, 5.0), 2.0);
        assert_eq!(nice_step(0.4, 5.0), 0.1);
        let (a, b, ticks) = nice_axis(-1_251_554.96, 229_697.27);
        assert_eq!((a, b), (-1_500_000.0, 500_000.0));
        assert_eq!(ticks, vec![-1_500_000.0, -1_000_000.0, -500_000.0, 0.0, 500_000.0]);
    }

    fn cents() -> Vec<i64> {
        let mut v: Vec<i64> = (-20..80).map(|x| x * 100_000).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn histogram_has_a_count_scale_markers_and_the_currency() {
        let svg = histogram(&cents(), "t", &ChartLabels::net_contribution("HKD", Lang::En));
        assert!(svg.contains("net contribution (HKD)"), "the contract's currency");
        assert!(!svg.contains("CNY"));
        // Data -20,000 … 79,000: round ticks of 20,000.
        for t in ["-20,000", "0", "20,000", "40,000", "60,000", "80,000"] {
            assert!(svg.contains(&format!(">{t}</text>")), "tick {t}");
        }
        // Mean 29,500; P5 = -20,000 + 0.05 × 99 × 1,000 = -15,050.
        assert!(svg.contains(">mean 29,500</text>"), "{svg}");
        assert!(svg.contains(">P5 (VaR 95%) -15,050</text>"), "{svg}");
        assert!(svg.contains(">0</text>"));
        // The y axis: 40 bins of 2,500 hold 2 or 3 scenarios each; ticks 0 … 3 in steps of 1.
        assert!(svg.contains(">scenarios</text>"));
        assert!(svg.contains("text-anchor=\"end\">3</text>"), "{svg}");
    }

    #[test]
    fn chinese_labels() {
        let l = ChartLabels::net_contribution("CNY", Lang::Zh);
        let svg = s_curve(&cents(), "t", &l);
        assert!(svg.contains("净贡献 (CNY)") && svg.contains("累计概率") && svg.contains(">均值 29,500</text>"));
        let t = tornado("t", 100.0, &[("x".into(), 50.0, 180.0)], &l);
        assert!(t.contains("低值（黄）") && t.contains(">200</text>"), "{t}");
    }
}
