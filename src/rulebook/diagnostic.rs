//! Findings about a rulebook: what is wrong, where, and what to try.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding about a rulebook, with a stable code and a byte span into the
/// rulebook's source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Option<Range<usize>>,
    pub help: Option<String>,
    /// The file the span is in, when it is not the rulebook reported on but
    /// one it extends.
    pub file: Option<Arc<Source>>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            help: None,
            file: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Range<usize>) -> Self {
        // Spans of values given by default (not in the file) are empty at 0.
        self.span = if span == (0..0) { None } else { Some(span) };
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The text of a rulebook and the name it is reported under.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// A 1-based line and column (in characters) of a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The line and column of byte `offset`, clamped to the text.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..offset].chars().count() + 1;
        LineCol { line, col }
    }

    /// The whole line holding byte `offset`, without its line ending.
    pub fn line_text(&self, offset: usize) -> &str {
        let offset = offset.min(self.text.len());
        let start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        self.text[start..end].trim_end_matches('\r')
    }
}

/// Every finding about one rulebook source.
#[derive(Debug, Clone)]
pub struct Report {
    pub source: Source,
    pub diagnostics: Vec<Diagnostic>,
}

/// One finding as written by `postclass check --format json`. The field
/// names and meanings are a stable interface, documented in
/// `docs/diagnostics.md`; fields are only ever added.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JsonDiagnostic {
    /// The file the finding is in when it is not the rulebook checked but
    /// one it extends; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub code: String,
    pub severity: String,
    pub message: String,
    pub help: Option<String>,
    /// 1-based line and column (in characters) where the span starts, when
    /// the finding has a place in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Where the span ends (exclusive: the column just after it).
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// The span as byte offsets into the file.
    pub byte_start: Option<usize>,
    pub byte_end: Option<usize>,
    /// The text of the line where the span starts.
    pub source_line: Option<String>,
}

/// Colours of the human format, or none.
struct Paint {
    sev: &'static str,
    bold: &'static str,
    gutter: &'static str,
    off: &'static str,
}

impl Paint {
    fn new(color: bool, severity: Severity) -> Paint {
        if !color {
            return Paint {
                sev: "",
                bold: "",
                gutter: "",
                off: "",
            };
        }
        Paint {
            sev: match severity {
                Severity::Error => "\x1b[1;31m",
                Severity::Warning => "\x1b[1;33m",
            },
            bold: "\x1b[1m",
            gutter: "\x1b[1;34m",
            off: "\x1b[0m",
        }
    }
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// The file a finding's span is in.
    fn source_of<'a>(&'a self, d: &'a Diagnostic) -> &'a Source {
        d.file.as_deref().unwrap_or(&self.source)
    }

    /// Renders every finding as a human reads it: `file:line:col: error[E001]: …`,
    /// the source line, a caret under the span, and the hint; a blank line
    /// after each. `color` adds ANSI colours (for a terminal).
    pub fn render_human(&self, color: bool) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            render_one(self.source_of(d), d, color, &mut out);
            out.push('\n');
        }
        out
    }

    /// Every finding in the stable JSON form.
    pub fn to_json(&self) -> Vec<JsonDiagnostic> {
        self.diagnostics
            .iter()
            .map(|d| {
                let source = self.source_of(d);
                let start = d.span.as_ref().map(|s| source.line_col(s.start));
                let end = d.span.as_ref().map(|s| source.line_col(s.end));
                JsonDiagnostic {
                    file: d.file.as_ref().map(|f| f.name.clone()),
                    code: d.code.to_string(),
                    severity: d.severity.as_str().to_string(),
                    message: d.message.clone(),
                    help: d.help.clone(),
                    line: start.map(|p| p.line),
                    column: start.map(|p| p.col),
                    end_line: end.map(|p| p.line),
                    end_column: end.map(|p| p.col),
                    byte_start: d.span.as_ref().map(|s| s.start),
                    byte_end: d.span.as_ref().map(|s| s.end),
                    source_line: d
                        .span
                        .as_ref()
                        .map(|s| source.line_text(s.start).to_string()),
                }
            })
            .collect()
    }

    /// Every finding as a GitHub Actions workflow command
    /// (`::error file=…,line=…,col=…,title=…::message`), which the runner
    /// shows as an annotation on the line.
    pub fn render_github(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let source = self.source_of(d);
            out.push_str(&Report::github_command(
                d.severity.as_str(),
                &source.name,
                d.span.as_ref().map(|s| source.line_col(s.start)),
                &format!("postclass {}", d.code),
                &message,
            ));
        }
        out
    }

    /// One GitHub Actions workflow command line, escaped.
    pub fn github_command(
        level: &str,
        file: &str,
        at: Option<LineCol>,
        title: &str,
        message: &str,
    ) -> String {
        let mut out = format!("::{level} file={}", github_property(file));
        if let Some(lc) = at {
            out.push_str(&format!(",line={},col={}", lc.line, lc.col));
        }
        out.push_str(&format!(
            ",title={}::{}\n",
            github_property(title),
            github_data(message)
        ));
        out
    }
}

/// Escapes the message of a workflow command.
fn github_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn render_one(src: &Source, d: &Diagnostic, color: bool, out: &mut String) {
    use std::fmt::Write;
    let Paint {
        sev,
        bold,
        gutter: blue,
        off,
    } = Paint::new(color, d.severity);
    let mut gutter = 1;
    match &d.span {
        Some(span) => {
            let lc = src.line_col(span.start);
            let _ = writeln!(
                out,
                "{bold}{}:{}:{}{off}: {sev}{}[{}]{off}{bold}: {}{off}",
                src.name,
                lc.line,
                lc.col,
                d.severity.as_str(),
                d.code,
                d.message
            );
            let line = src.line_text(span.start);
            gutter = lc.line.to_string().len();
            let _ = writeln!(out, "{blue}{:gutter$} |{off}", "");
            let _ = writeln!(out, "{blue}{} |{off} {}", lc.line, line);
            // Underline to the end of the span or of the line, whichever is first.
            let line_chars = line.chars().count();
            let span_chars = src
                .text
                .get(span.clone())
                .map_or(1, |s| s.lines().next().unwrap_or("").chars().count().max(1));
            let width = span_chars.min(line_chars.saturating_sub(lc.col - 1).max(1));
            // Keep the tabs of the line so that the caret lines up under it.
            let pad: String = line
                .chars()
                .take(lc.col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(
                out,
                "{blue}{:gutter$} |{off} {pad}{sev}{}{off}",
                "",
                "^".repeat(width)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{bold}{}{off}: {sev}{}[{}]{off}{bold}: {}{off}",
                src.name,
                d.severity.as_str(),
                d.code,
                d.message
            );
        }
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{blue}{:gutter$} ={off} {bold}help{off}: {help}", "");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_human(false))
    }
}

impl std::error::Error for Report {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let src = Source::new("r.toml", "a = 1\nbé = \"x\"\n");
        assert_eq!(src.line_col(0), LineCol { line: 1, col: 1 });
        let at = src.text.find('=').unwrap();
        assert_eq!(src.line_col(at), LineCol { line: 1, col: 3 });
        let x = src.text.find("\"x").unwrap();
        assert_eq!(src.line_col(x), LineCol { line: 2, col: 6 });
        assert_eq!(src.line_text(x), "bé = \"x\"");
    }

    #[test]
    fn human_rendering_has_location_caret_and_help() {
        let src = Source::new("r.toml", "[rulebook]\nwieght = 2\n");
        let at = src.text.find("wieght").unwrap();
        let report = Report {
            source: src,
            diagnostics: vec![Diagnostic::error("E002", "unknown key `wieght`")
                .at(at..at + 6)
                .with_help("did you mean `weight`?")],
        };
        let text = report.render_human(false);
        assert_eq!(
            text,
            "r.toml:2:1: error[E002]: unknown key `wieght`\n  |\n2 | wieght = 2\n  | ^^^^^^\n  = help: did you mean `weight`?\n\n"
        );
    }

    #[test]
    fn colour_wraps_the_same_text_in_ansi_codes() {
        let src = Source::new("r.toml", "[rulebook]\nwieght = 2\n");
        let report = Report {
            source: src,
            diagnostics: vec![Diagnostic::warning("W006", "zero")
                .at(11..17)
                .with_help("h")],
        };
        let coloured = report.render_human(true);
        assert_eq!(
            coloured,
            "\x1b[1mr.toml:2:1\x1b[0m: \x1b[1;33mwarning[W006]\x1b[0m\x1b[1m: zero\x1b[0m\n\
             \x1b[1;34m  |\x1b[0m\n\
             \x1b[1;34m2 |\x1b[0m wieght = 2\n\
             \x1b[1;34m  |\x1b[0m \x1b[1;33m^^^^^^\x1b[0m\n\
             \x1b[1;34m  =\x1b[0m \x1b[1mhelp\x1b[0m: h\n\n"
        );
        let mut plain = String::new();
        let mut in_escape = false;
        for c in coloured.chars() {
            match (in_escape, c) {
                (false, '\x1b') => in_escape = true,
                (true, 'm') => in_escape = false,
                (true, _) => {}
                (false, c) => plain.push(c),
            }
        }
        assert_eq!(plain, report.render_human(false));
    }

    #[test]
    fn github_commands_escape_their_values() {
        let line = Report::github_command(
            "error",
            "a,b:c.toml",
            Some(LineCol { line: 3, col: 4 }),
            "postclass E001",
            "50% done\nnext",
        );
        assert_eq!(
            line,
            "::error file=a%2Cb%3Ac.toml,line=3,col=4,title=postclass E001::50%25 done%0Anext\n"
        );
    }
}
