//! Small, dependency-free SVG charts: histogram, S-curve (cumulative distribution) and tornado.

use std::fmt::Write;

use kasim_core::money::format_money;
use rust_decimal::Decimal;

const W: f64 = 720.0;
const H: f64 = 400.0;
const L: f64 = 90.0;
const R: f64 = 50.0;
const T: f64 = 40.0;
const B: f64 = 50.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn money(x: f64) -> String {
    format_money(Decimal::from_f64_retain(x).unwrap_or_default(), 0)
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

fn x_axis(out: &mut String, lo: f64, hi: f64, label: &str) {
    let y = H - B;
    let _ = writeln!(out, "<line x1=\"{L}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"black\"/>", W - R);
    for i in 0..=4 {
        let v = lo + (hi - lo) * f64::from(i) / 4.0;
        let x = L + (W - L - R) * f64::from(i) / 4.0;
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"black\"/><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            y + 5.0,
            y + 18.0,
            money(v)
        );
    }
    let _ = writeln!(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", W / 2.0, H - 10.0, esc(label));
}

/// A histogram of values given in cents.
pub fn histogram(cents: &[i64], title: &str, label: &str) -> String {
    let mut out = String::new();
    if cents.is_empty() {
        return frame(title, "");
    }
    let lo = *cents.iter().min().unwrap_or(&0) as f64 / 100.0;
    let hi = *cents.iter().max().unwrap_or(&0) as f64 / 100.0;
    let bins = 40usize;
    let width = if hi > lo { (hi - lo) / bins as f64 } else { 1.0 };
    let mut counts = vec![0usize; bins];
    for &c in cents {
        let i = (((c as f64 / 100.0) - lo) / width) as usize;
        counts[i.min(bins - 1)] += 1;
    }
    let max = *counts.iter().max().unwrap_or(&1) as f64;
    let (pw, ph) = (W - L - R, H - T - B);
    for (i, &n) in counts.iter().enumerate() {
        let h = ph * n as f64 / max;
        let x = L + pw * i as f64 / bins as f64;
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#4878a8\" stroke=\"white\"/>",
            T + ph - h,
            pw / bins as f64
        );
    }
    if lo < 0.0 && hi > 0.0 {
        let x0 = L + pw * (0.0 - lo) / (hi - lo);
        let _ = writeln!(
            out,
            "<line x1=\"{x0:.1}\" y1=\"{T}\" x2=\"{x0:.1}\" y2=\"{}\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>",
            H - B
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">scenarios</text>",
        H / 2.0,
        H / 2.0
    );
    x_axis(&mut out, lo, hi, label);
    frame(title, &out)
}

/// The S-curve (cumulative probability) of sorted values in cents.
pub fn s_curve(sorted_cents: &[i64], title: &str, label: &str) -> String {
    let mut out = String::new();
    if sorted_cents.is_empty() {
        return frame(title, "");
    }
    let lo = sorted_cents[0] as f64 / 100.0;
    let hi = sorted_cents[sorted_cents.len() - 1] as f64 / 100.0;
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (pw, ph) = (W - L - R, H - T - B);
    let n = sorted_cents.len();
    let step = (n / 400).max(1);
    let mut pts = String::new();
    for (i, &c) in sorted_cents.iter().enumerate().step_by(step).chain(std::iter::once((n - 1, &sorted_cents[n - 1]))) {
        let x = L + pw * ((c as f64 / 100.0) - lo) / span;
        let y = T + ph * (1.0 - (i + 1) as f64 / n as f64);
        let _ = write!(pts, "{x:.1},{y:.1} ");
    }
    let _ =
        writeln!(out, "<polyline points=\"{}\" fill=\"none\" stroke=\"#4878a8\" stroke-width=\"2\"/>", pts.trim_end());
    for p in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = T + ph * (1.0 - p);
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y:.1}\" x2=\"{L}\" y2=\"{y:.1}\" stroke=\"black\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}%</text>",
            L - 5.0,
            L - 8.0,
            y + 4.0,
            p * 100.0
        );
    }
    let _ = writeln!(out, "<line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{}\" stroke=\"black\"/>", H - B);
    x_axis(&mut out, lo, hi, label);
    frame(title, &out)
}

/// A tornado chart: one bar per (label, value at low, value at high), around the base.
pub fn tornado(title: &str, base: f64, bars: &[(String, f64, f64)]) -> String {
    let mut out = String::new();
    let left = 260.0;
    let (pw, row) = (W - left - R, 26.0);
    let h = T + B + row * bars.len().max(1) as f64;
    let lo = bars.iter().map(|b| b.1.min(b.2)).fold(base, f64::min);
    let hi = bars.iter().map(|b| b.1.max(b.2)).fold(base, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let x = |v: f64| left + pw * (v - lo) / span;
    for (i, (label, a, b)) in bars.iter().enumerate() {
        let y = T + row * i as f64;
        let _ =
            writeln!(out, "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>", left - 8.0, y + 17.0, esc(label));
        // Low value in one colour, high in another.
        let (xl, xh) = (x(*a), x(*b));
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
    let xb = x(base);
    let _ = writeln!(out, "<line x1=\"{xb:.1}\" y1=\"{T}\" x2=\"{xb:.1}\" y2=\"{:.1}\" stroke=\"black\"/>", h - B);
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"middle\">low value (amber) / high value (blue); base {}</text>",
        (left + W - R) / 2.0,
        h - 12.0,
        money(base)
    );
    for i in 0..=4 {
        let v = lo + span * f64::from(i) / 4.0;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(v),
            h - B + 18.0,
            money(v)
        );
    }
    frame_h(title, &out, h)
}
