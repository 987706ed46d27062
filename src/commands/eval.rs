//! `postclass eval`: measure a rulebook against posts labelled by hand.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::{load_rulebook, Outcome};
use crate::eval::{evaluate, Evaluation, GoldPost};
use crate::input::fields::{self, JsonPath};
use crate::input::{open, Input, InputFormat, RecordError};
use crate::pipeline::{Item, Problem, Raw, RecordSource};
use crate::rulebook::{Mode, Rulebook};

const EXAMPLES: &str = "\
Gold file: CSV, TSV, JSONL or a JSON array with the post text and one field per label set holding the
reference label(s): a label for `one` sets, `;`-joined labels (or a JSON array) for `many`
sets. An empty `one` cell leaves that post out of the set's figures; an empty `many` cell
means no label. The gold file is read into memory.

Examples:
  postclass eval --gold labelled.csv
  postclass eval --gold labelled.jsonl --rules mine.toml --format md > quality.md
  postclass eval --gold labelled.csv --label customer_type=type --fail-under customer_type.macro_f1=0.6

Metrics for --fail-under: SET.macro_f1, SET.micro_f1, SET.accuracy (one sets),
SET.LABEL.precision, SET.LABEL.recall, SET.LABEL.f1.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Posts with reference labels (CSV, TSV, JSONL or a JSON array;
    /// optionally gzip or zstd compressed).
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,

    /// Rulebook to measure (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Field holding the post text (detected from common names when absent).
    #[arg(short, long, value_name = "FIELD")]
    pub text: Option<String>,

    /// Field holding the reference labels of a set (default: the set's id). Repeatable.
    #[arg(long = "label", value_name = "SET=FIELD")]
    pub label_fields: Vec<String>,

    /// Input format of the gold file, when its extension does not tell.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,

    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// How many of the most confident mistakes to show per set.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,

    /// Exit 1 when METRIC is below VALUE (e.g. customer_type.macro_f1=0.6). Repeatable.
    #[arg(long, value_name = "METRIC=VALUE")]
    pub fail_under: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Md,
}

pub fn run(args: Args) -> Result<Outcome> {
    let rulebook = load_rulebook(args.rules.as_deref())?;
    let thresholds = parse_fail_under(&args.fail_under)?;
    let gold = read_gold(&args, &rulebook)?;
    if gold.is_empty() {
        bail!("{}: no posts to evaluate", args.gold.display());
    }
    let eval = evaluate(&rulebook, &gold, args.worst);
    let mut failed = Vec::new();
    for (metric, min) in &thresholds {
        let Some(value) = eval.metric(metric) else {
            bail!("--fail-under: unknown metric `{metric}` (see --help for the names)");
        };
        if value < *min {
            failed.push(format!("{metric} = {value:.4} is under {min}"));
        }
    }
    let report = match args.format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&eval)?;
            s.push('\n');
            s
        }
        ReportFormat::Md => render_md(&eval),
        ReportFormat::Text => render_text(&eval),
    };
    print!("{report}");
    if failed.is_empty() {
        Ok(Outcome::Success)
    } else {
        for f in &failed {
            eprintln!("postclass: eval: {f}");
        }
        Ok(Outcome::CheckFailed)
    }
}

fn parse_fail_under(items: &[String]) -> Result<Vec<(String, f64)>> {
    items
        .iter()
        .map(|item| {
            let (metric, value) = item
                .split_once('=')
                .with_context(|| format!("--fail-under expects METRIC=VALUE, got `{item}`"))?;
            let value: f64 = value
                .trim()
                .parse()
                .with_context(|| format!("--fail-under: `{value}` is not a number"))?;
            Ok((metric.trim().to_string(), value))
        })
        .collect()
}

/// The field of each set: `--label SET=FIELD`, else the set's id.
fn label_fields(args: &Args, rulebook: &Rulebook) -> Result<Vec<String>> {
    let mut out: Vec<String> = rulebook.sets.iter().map(|s| s.id.clone()).collect();
    for item in &args.label_fields {
        let (set, field) = item
            .split_once('=')
            .with_context(|| format!("--label expects SET=FIELD, got `{item}`"))?;
        let Some(i) = rulebook.sets.iter().position(|s| s.id == set) else {
            bail!(
                "--label: the rulebook has no set `{set}`; its sets are: {}",
                rulebook
                    .sets
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        out[i] = field.to_string();
    }
    Ok(out)
}

fn split_labels(cell: &str, mode: Mode) -> Option<Vec<String>> {
    let labels: Vec<String> = cell
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    match mode {
        Mode::One if labels.is_empty() => None,
        _ => Some(labels),
    }
}

fn read_gold(args: &Args, rulebook: &Rulebook) -> Result<Vec<GoldPost>> {
    let input = Input::from_arg(&args.gold);
    let inputs = std::slice::from_ref(&input);
    let name = input.display_name();
    let format = open::input_format(inputs, args.input_format, None)?;
    let set_fields = label_fields(args, rulebook)?;
    let opened = open::open_inputs(inputs, format, None, args.text.as_deref(), None, &|_| {})?;
    let (Some(field), Some(mut sources)) = (opened.field, opened.sources) else {
        return Ok(Vec::new());
    };
    // Where each set's reference labels are: CSV columns, or JSON paths.
    let columns: Option<Vec<Option<(usize, &str)>>> = opened.header.as_ref().map(|header| {
        let names: Vec<String> = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        set_fields
            .iter()
            .map(|f| fields::find_csv_column(&names, f).map(|c| (c, f.as_str())))
            .collect()
    });
    if columns
        .as_ref()
        .is_some_and(|cols| cols.iter().all(Option::is_none))
    {
        bail!(
            "{name}: no column holds reference labels; expected one of: {} (or pass --label SET=FIELD)",
            set_fields.join(", ")
        );
    }
    let set_paths: Vec<JsonPath> = set_fields.iter().map(|f| JsonPath::parse(f)).collect();
    let mut posts = Vec::new();
    let mut item = Item::default();
    while sources.next_into(&mut item)? {
        open::read_text(&name, &field, &mut item)?;
        let at = |p: Problem| RecordError::at(&name, item.pos, p);
        let labels = match (&item.raw, &item.value, &columns) {
            (Raw::Csv(record), _, Some(cols)) => cols
                .iter()
                .zip(&rulebook.sets)
                .map(|(c, set)| match c {
                    None => Ok(None),
                    Some((c, f)) => std::str::from_utf8(record.get(*c).unwrap_or(b""))
                        .map(|cell| split_labels(cell, set.mode))
                        .map_err(|e| {
                            at(Problem {
                                field: Some(f.to_string()),
                                reason: format!(
                                    "invalid UTF-8 at byte {} of the field",
                                    e.valid_up_to()
                                ),
                            })
                        }),
                })
                .collect::<Result<_, _>>()?,
            (Raw::Line(_), Some(value), _) => set_paths
                .iter()
                .zip(&rulebook.sets)
                .map(|(p, set)| match p.get(value) {
                    Some(Value::String(s)) => split_labels(s, set.mode),
                    Some(Value::Array(items)) => Some(
                        items
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                    ),
                    _ => None,
                })
                .collect(),
            _ => unreachable!("CSV records have a header, JSON records a value once read"),
        };
        posts.push(GoldPost {
            text: std::mem::take(&mut item.text),
            labels,
        });
    }
    Ok(posts)
}

fn pct(x: f64) -> String {
    format!("{:.3}", x)
}

fn render_text(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} posts", e.posts);
    for s in &e.sets {
        let _ = writeln!(out, "\n== {} ({}, {} posts)", s.set, s.mode, s.posts);
        let w = s
            .labels
            .iter()
            .map(|l| l.label.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            out,
            "  {:<w$}  precision  recall     f1  support  predicted",
            "label"
        );
        for l in &s.labels {
            let _ = writeln!(
                out,
                "  {:<w$}  {:>9}  {:>6}  {:>5}  {:>7}  {:>9}",
                l.label,
                pct(l.precision),
                pct(l.recall),
                pct(l.f1),
                l.support,
                l.predicted
            );
        }
        let _ = write!(
            out,
            "  macro-F1 {}  micro-F1 {}",
            pct(s.macro_f1),
            pct(s.micro_f1)
        );
        if let Some(a) = s.accuracy {
            let _ = write!(out, "  accuracy {}", pct(a));
        }
        out.push('\n');
        if let Some(grid) = &s.confusion {
            let _ = writeln!(out, "\n  confusion (rows: expected, columns: got)");
            let cw = 6;
            let _ = write!(out, "  {:<w$}", "");
            for l in &s.labels {
                let short: String = l.label.chars().take(cw).collect();
                let _ = write!(out, " {short:>cw$}");
            }
            out.push('\n');
            for (l, row) in s.labels.iter().zip(grid) {
                let _ = write!(out, "  {:<w$}", l.label);
                for c in row {
                    let _ = write!(out, " {c:>cw$}");
                }
                out.push('\n');
            }
        }
        if !s.mistakes.is_empty() {
            let _ = writeln!(out, "\n  worst mistakes");
            for m in &s.mistakes {
                let text: String = m.text.replace('\n', " ").chars().take(140).collect();
                let _ = writeln!(
                    out,
                    "  - expected {} got {} (score {}, rules: {})\n    {text}",
                    show(&m.expected),
                    show(&m.got),
                    m.score,
                    if m.rules.is_empty() {
                        "none".to_string()
                    } else {
                        m.rules.join(", ")
                    }
                );
            }
        }
    }
    let _ = writeln!(out, "\n== rules (most wrong fires first)");
    let w = e
        .rules
        .iter()
        .map(|r| r.rule.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "  {:<w$}  coverage  correct  precision  overlaps  conflicts",
        "rule"
    );
    for r in &e.rules {
        let _ = writeln!(
            out,
            "  {:<w$}  {:>8}  {:>7}  {:>9}  {:>8}  {:>9}",
            r.rule,
            r.coverage,
            r.correct,
            pct(r.precision),
            r.overlaps,
            r.conflicts
        );
    }
    out
}

fn show(labels: &[String]) -> String {
    if labels.is_empty() {
        "(none)".to_string()
    } else {
        labels.join(";")
    }
}

fn render_md(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Evaluation on {} posts", e.posts);
    for s in &e.sets {
        let _ = writeln!(out, "\n## {} ({}, {} posts)\n", s.set, s.mode, s.posts);
        let _ = writeln!(out, "| label | precision | recall | F1 | support | predicted |\n|---|---:|---:|---:|---:|---:|");
        for l in &s.labels {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                l.label,
                pct(l.precision),
                pct(l.recall),
                pct(l.f1),
                l.support,
                l.predicted
            );
        }
        let _ = write!(
            out,
            "\nmacro-F1 **{}**, micro-F1 **{}**",
            pct(s.macro_f1),
            pct(s.micro_f1)
        );
        if let Some(a) = s.accuracy {
            let _ = write!(out, ", accuracy **{}**", pct(a));
        }
        out.push('\n');
        if let Some(grid) = &s.confusion {
            let _ = write!(out, "\n| expected \\ got |");
            for l in &s.labels {
                let _ = write!(out, " {} |", l.label);
            }
            let _ = write!(out, "\n|---|");
            for _ in &s.labels {
                out.push_str("---:|");
            }
            out.push('\n');
            for (l, row) in s.labels.iter().zip(grid) {
                let _ = write!(out, "| {} |", l.label);
                for c in row {
                    let _ = write!(out, " {c} |");
                }
                out.push('\n');
            }
        }
    }
    let _ = writeln!(
        out,
        "\n## Rules\n\n| rule | label | coverage | correct | precision | overlaps | conflicts |\n|---|---|---:|---:|---:|---:|---:|"
    );
    for r in &e.rules {
        let _ = writeln!(
            out,
            "| {} | {}.{} | {} | {} | {} | {} | {} |",
            r.rule,
            r.set,
            r.label,
            r.coverage,
            r.correct,
            pct(r.precision),
            r.overlaps,
            r.conflicts
        );
    }
    out
}
