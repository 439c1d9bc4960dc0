//! Renders errors for people: every located problem of a contract as
//! `file:line:col: key: message` followed by a source snippet pointing at the offending value
//! (miette), any other error as its message followed by the causes it wraps.

use kasim_core::Error;

use crate::Failure;
use kasim_core::error::Problem;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

#[derive(Debug)]
struct ProblemDiagnostic {
    message: String,
    source: NamedSource<String>,
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

fn snippet(p: &Problem, source: &str, color: bool) -> String {
    let Some(span) = p.span.clone() else { return String::new() };
    let len = span.end.saturating_sub(span.start).clamp(0, 200);
    let d = ProblemDiagnostic {
        message: p.message.clone(),
        source: NamedSource::new(p.file.display().to_string(), source.to_string()),
        label: LabeledSpan::at(
            span.start..span.start + len,
            if p.key_path.is_empty() { "here".to_string() } else { p.key_path.clone() },
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
                out.push_str(&format!("error: {p}\n"));
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
        Failure::MonteCarlo(e) => match (e, e.core()) {
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

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut out = format!("error: {text}\n");
    let mut cause = e.source();
    while let Some(c) = cause {
        let msg = c.to_string();
        if !text.contains(&msg) {
            out.push_str(&format!("  caused by: {msg}\n"));
            text.push_str(&msg);
        }
        cause = c.source();
    }
    out
}
