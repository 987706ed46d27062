//! `postclass eval`: measure a rulebook against posts labelled by hand.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use super::gold::{read_gold, GoldArgs};
use super::{load_rulebook, Outcome};
use crate::eval::{evaluate, Evaluation, SetEval};

const EXAMPLES: &str = "\
Gold file: CSV, TSV, JSONL or a JSON array with the post text and one field per label set holding the
reference label(s): a label for `one` sets, `;`-joined labels (or a JSON array) for `many`
sets. An empty `one` cell leaves that post out of the set's figures; an empty `many` cell
means no label. The gold file is read into memory; with several --gold, the posts of all of
them are measured as one set.

Examples:
  postclass eval --gold labelled.csv
  postclass eval --gold labelled.jsonl --rules mine.toml --format md > quality.md
  postclass eval --gold labelled.csv --label customer_type=type --fail-under customer_type.macro_f1=0.6
  postclass eval --gold train_en.csv --where split=holdout     # only the held-out rows
  postclass eval --gold train_en.csv --gold dev_fr.csv         # two files as one

Metrics for --fail-under: SET.macro_f1, SET.micro_f1, SET.accuracy (one sets),
SET.supported_macro_f1 and SET.lowest_recall (over the labels with at least --min-support
reference posts), SET.LABEL.precision, SET.LABEL.recall, SET.LABEL.f1. For example, no label
with 5 posts or more under half recall, and their macro-F1 at least 0.7:
  postclass eval --gold labelled.csv --fail-under customer_type.lowest_recall=0.5 \\
      --fail-under customer_type.supported_macro_f1=0.7";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub gold: GoldArgs,

    /// Rulebook to measure (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// How many of the most confident mistakes to show per set.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,

    /// Reference posts a label needs to count in the supported figures
    /// (macro-F1 and lowest recall over those labels): a label with a post
    /// or two makes the plain macro-F1 noise.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_support: u64,

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
    let gold = read_gold(&args.gold, &rulebook)?;
    gold.require_posts("evaluate")?;
    let eval = evaluate(&rulebook, &gold.posts, args.worst, args.min_support);
    let mut failed = Vec::new();
    for (metric, min) in &thresholds {
        let Some(value) = eval.metric(metric) else {
            let known_set = metric
                .strip_suffix(".lowest_recall")
                .filter(|set| eval.sets.iter().any(|s| s.set == *set));
            if let Some(set) = known_set {
                bail!(
                    "--fail-under {metric}: no label of `{set}` has {} reference posts or more \
                     (--min-support)",
                    args.min_support
                );
            }
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
        let _ = writeln!(out, "  {}", supported_line(s, false));
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

/// The supported figures of a set in a line: "labels with at least 5
/// posts (4 of 7): macro-F1 0.749, lowest recall 0.533 (attention_seeker)".
fn supported_line(s: &SetEval, md: bool) -> String {
    let u = &s.supported;
    let head = format!(
        "labels with at least {} post{} ({} of {})",
        u.min_support,
        if u.min_support == 1 { "" } else { "s" },
        u.labels.len(),
        s.labels.len()
    );
    let Some(low) = &u.lowest_recall else {
        return format!("{head}: none");
    };
    let b = if md { "**" } else { "" };
    format!(
        "{head}: macro-F1 {b}{}{b}, lowest recall {b}{}{b} ({})",
        pct(u.macro_f1),
        pct(low.recall),
        low.label
    )
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
        let _ = writeln!(out, "\n{}", supported_line(s, true));
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
