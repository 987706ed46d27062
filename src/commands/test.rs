//! `postclass test`: run a rulebook's own examples and case files against it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::{read_base, read_rulebook_source, Outcome};
use crate::cases::{self, Case, CaseFormat, CaseKind, FiredRule, Mismatch};
use crate::engine;
use crate::engine::Rulebook;
use crate::{Scratch, Verdict};

const EXAMPLES: &str = "\
Examples:
  postclass test                                   # the default rulebook's examples
  postclass test --cases tests/cases/default.csv   # ... and a case file
  postclass test mine.toml --cases cases.csv more.jsonl --format json

Case files (CSV, TSV or JSONL, by extension) have a `text` column, optionally
`id` and `note`, and one column per label set to check:
  text,customer_type,traits
  \"Encore coupé, j'en ai marre !!!\",angry,responsiveness
  \"Which is better, X or Y?\",prospect,online_research;social_engagement
A `one` set's cell names its label (or fallback); a `many` set's cell lists
every expected label joined with `;` (empty: none); `*` skips the set for that
row; a set without a column is not checked. Case files are run against every
rulebook given. A rulebook may name its own (`cases = [..]` in `[rulebook]`);
one that extends others runs the examples and case files of every file of
its chain, and each failure names the file the case is in.

Exit codes: 0 every test passed; 1 a test failed; 2 a rulebook or case file
could not be read or is invalid, or a usage error.";

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// Each failure with its text, what was expected and what came, then
    /// `N passed, N failed`.
    Human,
    /// One JSON document (schema in docs/testing-rules.md).
    Json,
}

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Rulebooks to test (default: the embedded default rulebook).
    #[arg(value_name = "RULEBOOK")]
    pub rulebooks: Vec<PathBuf>,

    /// Case files to run against every rulebook: .csv, .tsv, .jsonl.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub cases: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = TestFormat::Human)]
    pub format: TestFormat,
}

/// A failed test, as written by `--format json`. Stable: fields are only added.
#[derive(Debug, Serialize)]
struct JsonFailure {
    rulebook: String,
    origin: String,
    kind: CaseKind,
    name: Option<String>,
    text: String,
    mismatches: Vec<JsonMismatch>,
}

#[derive(Debug, Serialize)]
struct JsonMismatch {
    set: String,
    /// `has`, `lacks` or `exactly`.
    expect: &'static str,
    labels: Vec<String>,
    got: Vec<String>,
    fired: Vec<FiredRule>,
}

#[derive(Debug, Serialize)]
struct JsonOutput {
    version: u32,
    passed: usize,
    failed: usize,
    rulebooks: Vec<JsonRulebook>,
    failures: Vec<JsonFailure>,
}

#[derive(Debug, Serialize)]
struct JsonRulebook {
    file: String,
    examples: usize,
    cases: usize,
    passed: usize,
    failed: usize,
}

/// One rulebook and everything to run against it.
struct Suite {
    name: String,
    rulebook: Rulebook,
    cases: Vec<Case>,
    examples: usize,
}

pub fn run(args: Args) -> Result<Outcome> {
    let paths: Vec<Option<PathBuf>> = if args.rulebooks.is_empty() {
        vec![None]
    } else {
        args.rulebooks.iter().cloned().map(Some).collect()
    };
    let mut case_files = Vec::new();
    for p in &args.cases {
        let name = p.display().to_string();
        let format = CaseFormat::from_name(&name).with_context(|| {
            format!("cannot tell the format of case file {name} from its name: use .csv, .tsv or .jsonl")
        })?;
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read case file {name}"))?;
        case_files.push((name, text, format));
    }

    // Everything is read and checked before anything runs, so that a bad
    // case file is reported at once and not after a long run.
    let mut suites = Vec::new();
    for path in &paths {
        let source = read_rulebook_source(path.as_deref())?;
        let name = source.name.clone();
        let loaded = match engine::load_chain(source, &mut read_base, 0) {
            Ok(loaded) => loaded,
            Err(report) => bail!(
                "cannot test {name}: it has {} error(s):\n{}",
                report.errors(),
                report.render_human(false).trim_end()
            ),
        };
        let rulebook = loaded.rulebook;
        let mut cases = cases::examples(&loaded.file, &loaded.chain);
        let examples = cases.len();
        // Case files named in the chain, then those given on the command line.
        for (path, named_in) in loaded.chain.case_files() {
            let case_name = path.display().to_string();
            let format = CaseFormat::from_name(&case_name).with_context(|| {
                format!("cannot tell the format of case file {case_name} (named in {named_in}) from its name: use .csv, .tsv or .jsonl")
            })?;
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("cannot read case file {case_name} (named in {named_in})")
            })?;
            cases.extend(cases::parse_cases(&case_name, &text, format, &rulebook)?);
        }
        for (case_name, text, format) in &case_files {
            cases.extend(cases::parse_cases(case_name, text, *format, &rulebook)?);
        }
        if cases.is_empty() {
            eprintln!(
                "postclass: warning: {name} has no examples or counter_examples and no case file was given; nothing to test"
            );
        }
        suites.push(Suite {
            name,
            rulebook,
            cases,
            examples,
        });
    }

    let (mut scratch, mut verdict) = (Scratch::default(), Verdict::default());
    let mut failures: Vec<(usize, &Case, Vec<Mismatch>)> = Vec::new();
    let mut per_suite = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for (si, suite) in suites.iter().enumerate() {
        let (mut p, mut f) = (0, 0);
        for case in &suite.cases {
            let mismatches = cases::run_case(&suite.rulebook, case, &mut scratch, &mut verdict);
            if mismatches.is_empty() {
                p += 1;
            } else {
                f += 1;
                failures.push((si, case, mismatches));
            }
        }
        passed += p;
        failed += f;
        per_suite.push((p, f));
    }

    let text = match args.format {
        TestFormat::Human => human(&suites, &failures, passed, failed),
        TestFormat::Json => {
            let doc = JsonOutput {
                version: 1,
                passed,
                failed,
                rulebooks: suites
                    .iter()
                    .zip(&per_suite)
                    .map(|(s, &(p, f))| JsonRulebook {
                        file: s.name.clone(),
                        examples: s.examples,
                        cases: s.cases.len() - s.examples,
                        passed: p,
                        failed: f,
                    })
                    .collect(),
                failures: failures
                    .iter()
                    .map(|(si, case, ms)| JsonFailure {
                        rulebook: suites[*si].name.clone(),
                        origin: case.origin.clone(),
                        kind: case.kind,
                        name: case.name.clone(),
                        text: case.text.clone(),
                        mismatches: ms
                            .iter()
                            .map(|m| JsonMismatch {
                                set: m.set.clone(),
                                expect: m.expect.kind(),
                                labels: m.expect.labels(),
                                got: m.got.clone(),
                                fired: m.fired.clone(),
                            })
                            .collect(),
                    })
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
    Ok(if failed > 0 {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

fn human(
    suites: &[Suite],
    failures: &[(usize, &Case, Vec<Mismatch>)],
    passed: usize,
    failed: usize,
) -> String {
    let mut out = String::new();
    for (si, case, mismatches) in failures {
        let what = match (case.kind, &case.name) {
            (CaseKind::Example, Some(label)) => format!("example of `{label}`"),
            (CaseKind::CounterExample, Some(label)) => format!("counter-example of `{label}`"),
            (_, Some(id)) => format!("case `{id}`"),
            (_, None) => "case".to_string(),
        };
        out.push_str(&format!("FAIL {}: {what}", case.origin));
        if suites.len() > 1 {
            out.push_str(&format!(" (rulebook {})", suites[*si].name));
        }
        out.push('\n');
        out.push_str(&format!("  text:     {:?}\n", case.text));
        for m in mismatches {
            out.push_str(&format!("  set:      {}\n", m.set));
            out.push_str(&format!("  expected: {}\n", m.expect.describe()));
            out.push_str(&format!("  got:      {}\n", cases::join_labels(&m.got)));
            let fired = if m.fired.is_empty() {
                "(none)".to_string()
            } else {
                m.fired
                    .iter()
                    .map(|f| format!("{} ({} {:+})", f.rule, f.label, f.weight))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push_str(&format!("  fired:    {fired}\n"));
        }
        out.push('\n');
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    out
}
