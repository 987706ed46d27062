//! Rulebooks: the TOML format, its checks, and its compiled form.

pub mod ascii;
pub mod compile;
pub mod diagnostic;
pub mod edit;
pub mod model;
mod parallel;
pub mod validate;

pub use compile::{Label, LabelSet, Rule, Rulebook};
pub use diagnostic::{Diagnostic, JsonDiagnostic, LineCol, Report, Severity, Source};
pub use model::Mode;

/// The default rulebook's name when reported in diagnostics.
pub const DEFAULT_NAME: &str = "rules/default.toml";

/// The text of the default rulebook, embedded at build time.
pub const DEFAULT_TEXT: &str = include_str!("../../rules/default.toml");

/// Checks a rulebook source: every finding, errors and warnings. A rulebook
/// that passes every check is also compiled, so that `check` finds every
/// error that [`load`] would.
pub fn check(source: Source) -> Report {
    match load(source) {
        Ok((_, report)) => report,
        Err(report) => report,
    }
}

/// Parses, validates and compiles a rulebook. On success the warnings come
/// back beside it; on any error, every finding comes back as a [`Report`].
/// Its regexes are built on every core, up to four.
pub fn load(source: Source) -> Result<(Rulebook, Report), Report> {
    load_on(source, 0)
}

/// [`load`], building the regexes on `threads` threads, four at
/// most (0: every core).
pub fn load_on(source: Source, threads: usize) -> Result<(Rulebook, Report), Report> {
    let file = match validate::parse_all(&source) {
        Ok(file) => file,
        Err(diagnostics) => {
            return Err(Report {
                source,
                diagnostics,
            })
        }
    };
    let mut diagnostics = validate::validate_on(&file, &source, threads);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Report {
            source,
            diagnostics,
        });
    }
    match compile::compile(&file, threads) {
        Ok(rulebook) => Ok((
            rulebook,
            Report {
                source,
                diagnostics,
            },
        )),
        Err(msg) => {
            diagnostics.push(
                Diagnostic::error("E009", msg)
                    .with_help("use fewer or simpler regexes; phrases in `any` cost far less"),
            );
            Err(Report {
                source,
                diagnostics,
            })
        }
    }
}

/// Loads a rulebook from TOML text, for library users who do not care about
/// warnings.
pub fn from_str(name: &str, text: &str) -> Result<Rulebook, Report> {
    load(Source::new(name, text)).map(|(r, _)| r)
}

/// The embedded default rulebook.
pub fn default_rulebook() -> Rulebook {
    // The default rulebook is checked by the test suite; failing here is a
    // build defect, not a user error.
    from_str(DEFAULT_NAME, DEFAULT_TEXT).expect("the embedded default rulebook is valid")
}
