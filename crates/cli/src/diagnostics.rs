//! Renders errors for people: every located problem of a contract as
//! `file:line:col: key: message` followed by a source snippet pointing at the offending value
//! (miette), any other error as its message followed by the causes it wraps.

use kasim_core::Error;

use crate::Failure;
use kasim_core::error::Problem;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};

#[derive(Debug)]
struct ProblemDiagnostic {
    message: String,
    source: Window,
    label: LabeledSpan,
}

impl std::fmt::Display for ProblemDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProblemDiagnostic {}

impl Diagnostic for ProblemDiagnostic {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

/// Display columns of a source line shown in a snippet: a longer line is cut to a window
/// around the error, marked with an ellipsis, so an error never echoes unbounded input (and
/// the renderer never meets a column it cannot format).
pub const SNIPPET_WIDTH: usize = 120;

/// Columns kept before the error when its line is cut on the left.
const LEAD: usize = 40;

/// Longest message echoed (a message may quote the offending input).
pub const MESSAGE_LIMIT: usize = 400;

/// The lines around a problem, each cut to [`SNIPPET_WIDTH`] columns, as the source miette
/// renders: the gutter shows the real line numbers and the header the problem's real
/// line:col, though the text is only the window.
#[derive(Debug)]
struct Window {
    name: String,
    /// The cut lines, joined by `\n`.
    text: String,
    /// 0-based number of the first line of `text`.
    first_line: usize,
    /// Byte range of the error line in `text`.
    error_line: std::ops::Range<usize>,
    /// The problem's 0-based line and column (characters) in the real file.
    line: usize,
    column: usize,
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        _span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let lines = self.text.split('\n').count();
        Ok(Box::new(if before == 0 && after == 0 {
            // The label's own span: what the header's file:line:col is read from.
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[self.error_line.clone()],
                (self.error_line.start, self.error_line.len()).into(),
                self.line,
                self.column,
                1,
            )
        } else {
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                self.text.as_bytes(),
                (0, self.text.len()).into(),
                self.first_line,
                0,
                lines,
            )
        }))
    }
}

/// A character as a snippet shows it: control characters (a NUL, a carriage return) as the
/// replacement character, so the terminal sees only printable text.
fn shown(c: char) -> char {
    if c.is_control() && c != '\t' { '\u{fffd}' } else { c }
}

/// The columns `[from, from + SNIPPET_WIDTH)` of a line, with an ellipsis where it is cut; and
/// the byte offset in the result of the line's byte `mark` (clamped into the window).
fn cut(line: &str, from: usize, mark: usize) -> (String, usize) {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut col = 0usize;
    let mut mark_at = None;
    let mut chars = line.char_indices().peekable();
    // Skip to the window.
    while let Some(&(_, c)) = chars.peek() {
        let w = c.width().unwrap_or(1);
        if col + w > from {
            break;
        }
        col += w;
        chars.next();
    }
    if from > 0 && chars.peek().is_some() {
        out.push('…');
    }
    let end = from + SNIPPET_WIDTH;
    while let Some(&(i, c)) = chars.peek() {
        let w = c.width().unwrap_or(1);
        if col + w > end {
            break;
        }
        if i >= mark && mark_at.is_none() {
            mark_at = Some(out.len());
        }
        out.push(shown(c));
        col += w;
        chars.next();
    }
    if chars.peek().is_some() {
        out.push('…');
    }
    let mark_at = mark_at.unwrap_or(if mark == 0 { 0 } else { out.len() });
    (out, mark_at)
}

/// The window of source around the byte range `span` (its line and the lines either side).
fn window(p: &Problem, source: &str, span: &std::ops::Range<usize>) -> (Window, std::ops::Range<usize>) {
    use unicode_width::UnicodeWidthStr;
    let start = floor_char(source, span.start.min(source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
    let line_no = source[..line_start].bytes().filter(|&b| b == b'\n').count();
    let before = source[line_start..start].width();
    // Keep the start of the line when the error is near it, else LEAD columns before it.
    let from = if before + 20 <= SNIPPET_WIDTH { 0 } else { before - LEAD };
    let line_at = |s: usize| {
        let e = source[s..].find('\n').map_or(source.len(), |i| s + i);
        &source[s..e]
    };
    let mut text = String::new();
    let mut first_line = line_no;
    if line_start > 0 {
        let prev_start = source[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        text.push_str(&cut(line_at(prev_start).trim_end_matches('\r'), from, 0).0);
        text.push('\n');
        first_line -= 1;
    }
    let (err, mark) = cut(&source[line_start..line_end], from, start - line_start);
    let error_line = text.len()..text.len() + err.len();
    let label_start = text.len() + mark;
    // The label runs to the span's end, within the error line's window.
    let span_end = floor_char(source, span.end.min(line_end).max(start));
    let (_, mark_end) = cut(&source[line_start..line_end], from, span_end - line_start);
    let label_end = (text.len() + mark_end).max(label_start);
    text.push_str(&err);
    if line_end < source.len() {
        text.push('\n');
        let next = line_at(line_end + 1);
        text.push_str(&cut(next.trim_end_matches('\r'), from, 0).0);
        // As miette shows a file: an empty last context line is shown when a newline ends it.
        if line_end + 1 + next.len() < source.len() {
            text.push('\n');
        }
    }
    let w = Window {
        name: p.file.display().to_string(),
        text,
        first_line,
        error_line,
        line: p.line.saturating_sub(1),
        column: p.column.saturating_sub(1),
    };
    (w, label_start..label_end)
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A message cut to [`MESSAGE_LIMIT`] characters.
fn clip_message(m: &str) -> String {
    match m.char_indices().nth(MESSAGE_LIMIT) {
        None => m.chars().map(|c| if c == '\n' { c } else { shown(c) }).collect(),
        Some((i, _)) => {
            let kept: String = m[..i].chars().map(shown).collect();
            format!("{kept}… ({} more characters)", m[i..].chars().count())
        }
    }
}

fn snippet(p: &Problem, source: &str, color: bool) -> String {
    let Some(span) = p.span.clone() else { return String::new() };
    let (source, label) = window(p, source, &span);
    let d = ProblemDiagnostic {
        message: String::new(),
        source,
        label: LabeledSpan::at(
            label,
            if p.key_path.is_empty() { "here".to_string() } else { clip_message(&p.key_path) },
        ),
    };
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_context_lines(1);
    let mut s = String::new();
    if handler.render_report(&mut s, &d).is_err() {
        return String::new();
    }
    // The first line repeats the message; keep only the snippet.
    s.lines().skip_while(|l| !l.contains('╭')).collect::<Vec<_>>().join("\n") + "\n"
}

/// Renders a core error for stderr.
pub fn render_core(e: &Error, color: bool) -> String {
    match e {
        Error::Invalid(ps) => {
            let mut out = String::new();
            for p in &ps.problems {
                let shown =
                    Problem { message: clip_message(&p.message), key_path: clip_message(&p.key_path), ..p.clone() };
                out.push_str(&format!("error: {shown}\n"));
                if let Some(src) = ps.source_of(&p.file) {
                    out.push_str(&snippet(p, src, color));
                }
            }
            out
        }
        other => chain(other),
    }
}

/// Renders an error for stderr: located contract problems with snippets, anything else as its
/// message and then each wrapped cause its message does not already include.
pub fn render(f: &Failure, color: bool) -> String {
    let mut out = render_failure(f, color);
    if let Some(h) = help(f) {
        out.push_str(&format!("  help: {h}\n"));
    }
    out
}

/// What to try next, for the errors where the CLI knows (the library does not know the flags).
fn help(f: &Failure) -> Option<&'static str> {
    match f {
        Failure::InFile { source, .. } => help(source),
        Failure::MonteCarlo(e) if e.is_unreachable_goal() => {
            Some("widen the search range with --low and --high, or check the target's sign")
        }
        _ => None,
    }
}

fn render_failure(f: &Failure, color: bool) -> String {
    match f {
        Failure::Core(e) => render_core(e, color),
        Failure::MonteCarlo(e) => match (&**e, e.core()) {
            // The scenario's context first, then its located problems with their snippets.
            (kasim_montecarlo::Error::Scenario { index, .. }, Some(c @ Error::Invalid(_))) => {
                format!("error: in scenario {index}:\n{}", render_core(c, color))
            }
            (_, Some(c @ Error::Invalid(_))) => render_core(c, color),
            _ => chain(e),
        },
        Failure::InFile { source, .. } if source.is_located() => render_failure(source, color),
        other => chain(other),
    }
}

/// Category prefixes of library messages that read oddly after `error:` ("error: uncertainty
/// error: the target is not reached"): the category says nothing the message does not.
const PREFIXES: [&str; 4] = ["contract error: ", "outcome error: ", "negotiation space error: ", "uncertainty error: "];

/// A message without a leading category prefix ([`PREFIXES`]).
fn unprefixed(text: &str) -> &str {
    PREFIXES.iter().find_map(|p| text.strip_prefix(p)).unwrap_or(text)
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut out = format!("error: {}\n", unprefixed(&text));
    let mut cause = e.source();
    while let Some(c) = cause {
        let msg = c.to_string();
        if !text.contains(&msg) {
            out.push_str(&format!("  caused by: {}\n", unprefixed(&msg)));
            text.push_str(&msg);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    /// Loads `text` from a temporary file and renders its errors.
    fn errors_of(name: &str, text: &[u8]) -> String {
        let path = std::env::temp_dir().join(format!("kasim-diag-{}-{name}.toml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let e = kasim_core::load(&path).expect_err("the file is invalid");
        let _ = std::fs::remove_file(&path);
        render(&Failure::Core(e), false)
    }

    /// Every rendered line fits a terminal: the window, the gutter and the ellipses.
    fn assert_bounded(out: &str) {
        for l in out.lines().filter(|l| l.contains('│') || l.contains('·')) {
            assert!(l.width() <= SNIPPET_WIDTH + 12, "snippet line of {} columns: {l}", l.width());
        }
    }

    #[test]
    fn syntax_error_past_column_65535_is_clipped_and_located_exactly() {
        let text = format!("name = \"x\"{}oops = \n", " ".repeat(65_540));
        let out = errors_of("syntax", text.as_bytes());
        // 10 characters of `name = "x"`, 65,540 spaces: `oops` starts at column 65,551.
        assert!(out.contains("1:65551: TOML syntax error"), "{out}");
        assert!(out.contains("╭─[") && out.contains(":1:65551]"), "the header keeps the real line:col: {out}");
        assert!(out.contains(" 1 │ …") && out.contains("oops ="), "{out}");
        assert_bounded(&out);
        assert!(out.len() < 2_000, "{} bytes", out.len());
    }

    #[test]
    fn float_and_semantic_errors_past_column_65535() {
        let float =
            format!("[uncertainty]\ntrend = {{ dist = \"normal\", mean = 1{}.5e99999, sd = 1 }}\n", "1".repeat(70_000));
        let out = errors_of("float", float.as_bytes());
        assert!(out.contains("2:35: uncertainty.trend.mean"), "{out}");
        assert!(out.contains("more characters)"), "the message quoting the number is cut: {out}");
        assert_bounded(&out);
        assert!(out.len() < 3_000, "{} bytes", out.len());

        let semantic = format!("[uncertainty]\ntrend = {{{}dist = \"nope\" }}\n", " ".repeat(70_000));
        let out = errors_of("semantic", semantic.as_bytes());
        assert!(out.contains(":2:"), "{out}");
        assert!(out.contains("uncertainty.trend"), "{out}");
        assert_bounded(&out);
        assert!(out.len() < 3_000, "{} bytes", out.len());
    }

    #[test]
    fn a_line_of_nuls_is_not_echoed() {
        let mut text = b"name = \"".to_vec();
        text.extend(std::iter::repeat_n(0u8, 2_000_000));
        text.extend(b"\"\n");
        let out = errors_of("nul", &text);
        assert!(out.contains(":1:9:"), "{out}");
        assert!(!out.contains('\0'), "control characters are not written to the terminal");
        assert_bounded(&out);
        assert!(out.len() < 2_000, "{} bytes", out.len());
    }

    #[test]
    fn category_prefixes_are_not_repeated_after_error() {
        let e = kasim_core::Error::Contract(kasim_core::error::ContractError::UnknownSku { sku: "Z".into() });
        assert_eq!(render(&Failure::Core(e), false), "error: unknown SKU `Z`\n");
        let e = kasim_core::Error::Outcome(kasim_core::error::OutcomeError::StoreOpenings { entries: 3, periods: 12 });
        assert_eq!(render(&Failure::Core(e), false), "error: outcome has 3 store-opening entries for 12 periods\n");
        let m = kasim_montecarlo::Error::Model("the correlation matrix is not positive definite".into());
        assert_eq!(
            render(&Failure::MonteCarlo(Box::new(m)), false),
            "error: cannot simulate: the correlation matrix is not positive definite\n"
        );
    }

    #[test]
    fn cut_keeps_short_lines_and_marks_both_ends() {
        assert_eq!(cut("abc", 0, 1), ("abc".to_string(), 1));
        let long = "x".repeat(300);
        let (s, m) = cut(&long, 100, 140);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert_eq!(s.chars().count(), SNIPPET_WIDTH + 2);
        assert_eq!(m, '…'.len_utf8() + 40);
    }
}
