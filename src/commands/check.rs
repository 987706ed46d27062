//! `postclass check`: validate rulebooks without classifying anything.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::{color_wanted, read_base, read_rulebook_source, Outcome};
use crate::engine;
use crate::rulebook::{self, JsonDiagnostic, Report};

const EXAMPLES: &str = "\
Examples:
  postclass check                      # the embedded default rulebook
  postclass check rules/*.toml --deny-warnings
  postclass check mine.toml --format json | jq '.rulebooks[].diagnostics[].code'
  postclass check mine.toml --format github   # annotations in GitHub Actions
  postclass check examples/brand.toml   # with every rulebook it extends; each finding names its file

Exit codes: 0 no errors (and no warnings with --deny-warnings); 1 errors found
(or warnings with --deny-warnings); 2 a rulebook could not be read, or a usage error.
Every code is explained in docs/diagnostics.md.";

/// How findings are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// file:line:col, the source line with a caret under the span, and a hint.
    Human,
    /// One JSON document with every finding (schema in docs/diagnostics.md).
    Json,
    /// GitHub Actions workflow commands: `::error file=…,line=…,col=…::…`.
    Github,
}

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Rulebooks to check (default: the embedded default rulebook). All are
    /// checked and reported, even after one fails.
    #[arg(value_name = "RULEBOOK")]
    pub rulebooks: Vec<PathBuf>,

    /// Output format. Colour is used by `human` on a terminal only, and never
    /// when NO_COLOR is set.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,

    /// Fail (exit 1) on warnings as well as on errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// The document `--format json` writes. Stable: fields are only added.
#[derive(Debug, Serialize)]
struct JsonOutput {
    version: u32,
    ok: bool,
    errors: usize,
    warnings: usize,
    rulebooks: Vec<JsonRulebook>,
}

#[derive(Debug, Serialize)]
struct JsonRulebook {
    file: String,
    ok: bool,
    errors: usize,
    warnings: usize,
    /// Why the file could not be read (then there are no diagnostics).
    read_error: Option<String>,
    diagnostics: Vec<JsonDiagnostic>,
}

/// What came of one rulebook argument.
enum Checked {
    Report(Report),
    Unreadable { name: String, error: anyhow::Error },
}

pub fn run(args: Args) -> Result<Outcome> {
    let paths: Vec<Option<PathBuf>> = if args.rulebooks.is_empty() {
        vec![None]
    } else {
        args.rulebooks.iter().cloned().map(Some).collect()
    };
    let results: Vec<Checked> = paths
        .iter()
        .map(|p| match read_rulebook_source(p.as_deref()) {
            Ok(source) => Checked::Report(engine::check(source, &mut read_base)),
            Err(error) => Checked::Unreadable {
                name: p.as_ref().map_or(rulebook::DEFAULT_NAME.to_string(), |p| {
                    p.display().to_string()
                }),
                error,
            },
        })
        .collect();

    let (mut errors, mut warnings, mut unreadable) = (0, 0, 0);
    for r in &results {
        match r {
            Checked::Report(rep) => {
                errors += rep.errors();
                warnings += rep.warnings();
            }
            Checked::Unreadable { .. } => unreadable += 1,
        }
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);

    let text = match args.format {
        CheckFormat::Human => human(&results, color_wanted(&std::io::stdout())),
        CheckFormat::Github => github(&results),
        CheckFormat::Json => {
            let doc = JsonOutput {
                version: 1,
                ok: !failed && unreadable == 0,
                errors,
                warnings,
                rulebooks: results
                    .iter()
                    .map(|r| json_rulebook(r, args.deny_warnings))
                    .collect(),
            };
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            s
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("writing to standard output")?;

    for r in &results {
        if let Checked::Unreadable { error, .. } = r {
            eprintln!("postclass: error: {error:#}");
        }
    }
    if unreadable > 0 {
        bail!(
            "{unreadable} of {} rulebook{} could not be read",
            results.len(),
            plural(results.len())
        );
    }
    Ok(if failed {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "1 error, 2 warnings".
fn counts(errors: usize, warnings: usize) -> String {
    format!(
        "{errors} error{}, {warnings} warning{}",
        plural(errors),
        plural(warnings)
    )
}

fn human(results: &[Checked], color: bool) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings, mut checked) = (0, 0, 0);
    for r in results {
        let Checked::Report(rep) = r else { continue };
        checked += 1;
        errors += rep.errors();
        warnings += rep.warnings();
        out.push_str(&rep.render_human(color));
        if rep.diagnostics.is_empty() {
            out.push_str(&format!("{}: ok\n", rep.source.name));
        } else {
            out.push_str(&format!(
                "{}: {}\n",
                rep.source.name,
                counts(rep.errors(), rep.warnings())
            ));
        }
    }
    let unreadable = results.len() - checked;
    if results.len() > 1 {
        out.push_str(&format!(
            "{checked} rulebook{} checked: {}",
            plural(checked),
            counts(errors, warnings)
        ));
        if unreadable > 0 {
            out.push_str(&format!("; {unreadable} could not be read"));
        }
        out.push('\n');
    }
    out
}

fn github(results: &[Checked]) -> String {
    let mut out = String::new();
    for r in results {
        match r {
            Checked::Report(rep) => {
                out.push_str(&rep.render_github());
                out.push_str(&format!(
                    "{}: {}\n",
                    rep.source.name,
                    counts(rep.errors(), rep.warnings())
                ));
            }
            Checked::Unreadable { name, error } => {
                out.push_str(&Report::github_command(
                    "error",
                    name,
                    None,
                    "postclass",
                    &format!("{error:#}"),
                ));
            }
        }
    }
    out
}

fn json_rulebook(r: &Checked, deny_warnings: bool) -> JsonRulebook {
    match r {
        Checked::Report(rep) => JsonRulebook {
            file: rep.source.name.clone(),
            ok: !(rep.has_errors() || deny_warnings && rep.warnings() > 0),
            errors: rep.errors(),
            warnings: rep.warnings(),
            read_error: None,
            diagnostics: rep.to_json(),
        },
        Checked::Unreadable { name, error } => JsonRulebook {
            file: name.clone(),
            ok: false,
            errors: 0,
            warnings: 0,
            read_error: Some(format!("{error:#}")),
            diagnostics: Vec::new(),
        },
    }
}
