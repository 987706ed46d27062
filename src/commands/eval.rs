//! `postclass eval`: measure a rulebook against posts labelled by hand.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::eval_by::{self, Grouping};
use super::figures::{delta, pct};
use super::gold::{read_gold_with, GoldArgs, Selection};
use super::{load_baseline, load_rulebook, Outcome};
use crate::eval::{
    compare, evaluate_groups, evaluate_with_decisions, ChangedPost, Decisions, Evaluation, Listing,
    SetComparison, SetEval,
};
use crate::lang::Lang;

const EXAMPLES: &str = "\
Gold file: CSV, TSV, JSONL or a JSON array with the post text and one field per label set
holding the reference label(s): a label for `one` sets, `;`-joined labels (or a JSON array) for
`many` sets. An empty `one` cell leaves that post out of the set's figures; an empty `many` cell
means no label. The gold file is read into memory; with several --gold, the posts of all of
them are measured as one set.

Examples:
  postclass eval --gold labelled.csv
  postclass eval --gold labelled.jsonl --rules mine.toml --format md > quality.md
  postclass eval --gold labelled.csv --label customer_type=type \\
      --fail-under customer_type.macro_f1=0.6
  postclass eval --gold train_en.csv --where split=holdout     # only the held-out rows
  postclass eval --gold train_en.csv --gold dev_fr.csv         # two files as one
  postclass eval --gold train_en.csv --gold dev_fr.csv --by file,split --blind split=holdout
                                       # and each file's tuned and held-out rows apart,
                                       # the held-out ones measured, none of them listed
  postclass eval --gold labelled.csv --rules mine.toml --baseline default  # against the default
  postclass eval --gold labelled.csv --rules mine.toml --baseline default --by lang  # per language
  postclass eval --gold labelled.csv --rules new.toml --baseline old.toml \\
      --fail-below-baseline customer_type.supported_macro_f1      # CI: no step back

Metrics for --fail-under: SET.macro_f1, SET.micro_f1, SET.accuracy (one sets),
SET.supported_macro_f1 and SET.lowest_recall (over the labels with at least --min-support
reference posts), SET.LABEL.precision, SET.LABEL.recall, SET.LABEL.f1. For example, no label
with 5 posts or more under half recall, and their macro-F1 at least 0.7:
  postclass eval --gold labelled.csv --fail-under customer_type.lowest_recall=0.5 \\
      --fail-under customer_type.supported_macro_f1=0.7
A metric of one group of posts (as --by groups them) is named after the group:
FIELD=VALUE[,FIELD=VALUE]:METRIC, for --fail-under and --fail-below-baseline alike:
  postclass eval --gold labelled.csv --fail-under lang=fr:customer_type.accuracy=0.7 \\
      --fail-under split=holdout:customer_type.supported_macro_f1=0.6";

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

    /// Measure the rows whose FIELD equals VALUE (`FIELD!=VALUE`: differs)
    /// without showing them: they count in every figure, but no mistake
    /// and no post fixed or broken of theirs is listed (`--blind
    /// split=holdout`: rows kept apart from tuning). Repeatable, combined
    /// as --where combines its conditions.
    #[arg(long, value_name = "FIELD=VALUE")]
    pub blind: Vec<String>,

    /// Reference posts a label needs to count in the supported figures
    /// (macro-F1 and lowest recall over those labels): a label with a post
    /// or two makes the plain macro-F1 noise.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_support: u64,

    /// Exit 1 when METRIC is below VALUE (e.g. customer_type.macro_f1=0.6;
    /// lang=fr:customer_type.accuracy=0.7 for the French posts alone). Repeatable.
    #[arg(long, value_name = "METRIC=VALUE")]
    pub fail_under: Vec<String>,

    /// Figures per group of posts as well, after those of all of them
    /// (repeatable): by a column or JSON path of the gold files (`split`),
    /// `file` (the --gold file of each post), `lang` (each post's language,
    /// from its file's field or detected), or several joined by commas
    /// (`file,split`: a group per file and value). With --baseline, each
    /// group against the baseline too.
    #[arg(long, value_name = "FIELD[,FIELD]")]
    pub by: Vec<String>,

    /// Compare with this rulebook (`default`: the embedded one) on the same
    /// posts: each figure and each label's F1 before and after, and the
    /// posts fixed and broken (at most --worst of each listed). Its sets
    /// must be those of the rulebook measured, in the same order.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Exit 1 when METRIC is lower than the baseline's (e.g.
    /// customer_type.supported_macro_f1). Repeatable; needs --baseline.
    #[arg(long, value_name = "METRIC", requires = "baseline")]
    pub fail_below_baseline: Vec<String>,
}

/// The JSON report: the evaluation, and the comparison with a baseline.
#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    evaluation: &'a Evaluation,
    #[serde(skip_serializing_if = "<[Grouping]>::is_empty")]
    by: &'a [Grouping],
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<Baseline<'a>>,
}

/// What changed from a baseline rulebook.
#[derive(Serialize)]
struct Baseline<'a> {
    /// The baseline's file, or `default`.
    rulebook: &'a str,
    sets: &'a [SetComparison],
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
    let mut bys = eval_by::parse(&args.by)?;
    // A threshold on a group needs its grouping: added when --by lacks it.
    for name in thresholds
        .iter()
        .map(|(m, _)| m)
        .chain(&args.fail_below_baseline)
    {
        if let Some(g) = eval_by::parse_group_metric(name)? {
            if !bys.contains(&g.by) {
                bys.push(g.by);
            }
        }
    }
    let blind = Selection::parse(&args.blind)?;
    let wanted = eval_by::Wanted::new(&bys, &blind);
    let gold = read_gold_with(&args.gold, &rulebook, wanted.fields())?;
    gold.require_posts("evaluate")?;
    let hidden = eval_by::hidden(&blind, &wanted, &gold.values);
    let listing = Listing {
        worst: args.worst,
        hidden: &hidden,
    };
    let (eval, decisions) =
        evaluate_with_decisions(&rulebook, &gold.posts, listing, args.min_support);
    let langs = if bys
        .iter()
        .any(|b| b.fields.iter().any(|f| f == eval_by::LANG))
    {
        eval_by::langs(gold.posts.iter().map(|p| (p.lang, p.text.as_str())))
    } else {
        vec![Lang::UND; gold.posts.len()]
    };
    let keys: Vec<_> = bys
        .iter()
        .map(|by| eval_by::keys(by, &wanted, &gold.values, &langs))
        .collect();
    let group = |rulebook: &crate::engine::Rulebook,
                 decisions: &Decisions,
                 keys: &[Vec<Option<String>>]| {
        evaluate_groups(rulebook, &gold.posts, decisions, keys, args.min_support)
    };
    let baseline = match &args.baseline {
        None => None,
        Some(path) => {
            let (name, base) = load_baseline(path, &rulebook)?;
            let (base_eval, base_decisions) =
                evaluate_with_decisions(&base, &gold.posts, listing, args.min_support);
            let sets = compare(
                &gold.posts,
                (&base_eval, &base_decisions),
                (&eval, &decisions),
                listing,
            );
            let groups: Vec<_> = keys
                .iter()
                .map(|k| group(&base, &base_decisions, k))
                .collect();
            Some((name, base_eval, sets, groups))
        }
    };
    let groupings: Vec<Grouping> = bys
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(i, (by, keys))| Grouping {
            by: by.fields.clone(),
            groups: group(&rulebook, &decisions, keys),
            baseline: baseline.as_ref().map(|(.., groups)| groups[i].clone()),
        })
        .collect();
    let base_eval = baseline.as_ref().map(|(_, e, ..)| e);
    // A metric of all the posts, or of the group it names, with the
    // baseline's figures when `baseline`; `Ok(None)`: no such figure.
    let value_of = |name: &str, baseline: bool| -> Result<Option<f64>> {
        Ok(match eval_by::parse_group_metric(name)? {
            None if baseline => base_eval.and_then(|e| e.metric(name)),
            None => eval.metric(name),
            Some(g) => {
                let Some(group) = eval_by::find(&groupings, &g, baseline) else {
                    bail!("{name}: no post of the gold files is in this group");
                };
                group.metric(&g.metric)
            }
        })
    };
    let mut failed = Vec::new();
    for (metric, min) in &thresholds {
        let Some(value) = value_of(metric, false)? else {
            let inner = metric.rsplit_once(':').map_or(metric.as_str(), |(_, m)| m);
            let known_set = inner
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
    if let Some((name, ..)) = &baseline {
        for metric in &args.fail_below_baseline {
            let (Some(was), Some(now)) = (value_of(metric, true)?, value_of(metric, false)?) else {
                bail!(
                    "--fail-below-baseline: no figure `{metric}` (see --help for the names; \
                     `SET.lowest_recall` needs a label with --min-support posts)"
                );
            };
            if now < was {
                failed.push(format!(
                    "{metric} = {now:.4} is below the baseline's {was:.4} ({name})"
                ));
            }
        }
    }
    let comparison = baseline
        .as_ref()
        .map(|(name, _, sets, _)| (name.as_str(), sets.as_slice()));
    let report = match args.format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&JsonReport {
                evaluation: &eval,
                by: &groupings,
                baseline: comparison.map(|(rulebook, sets)| Baseline { rulebook, sets }),
            })?;
            s.push('\n');
            s
        }
        ReportFormat::Md => {
            let mut s = render_md(&eval);
            s.push_str(&eval_by::render_md(&groupings, args.min_support));
            if let Some((name, sets)) = comparison {
                s.push_str(&render_comparison_md(name, sets));
                s.push_str(&eval_by::render_comparison_md(
                    &groupings,
                    name,
                    args.min_support,
                ));
            }
            s
        }
        ReportFormat::Text => {
            let mut s = render_text(&eval);
            s.push_str(&eval_by::render_text(&groupings, args.min_support));
            if let Some((name, sets)) = comparison {
                s.push_str(&render_comparison_text(name, sets));
                s.push_str(&eval_by::render_comparison_text(
                    &groupings,
                    name,
                    args.min_support,
                ));
            }
            s
        }
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
                .rsplit_once('=')
                .with_context(|| format!("--fail-under expects METRIC=VALUE, got `{item}`"))?;
            let value: f64 = value
                .trim()
                .parse()
                .with_context(|| format!("--fail-under: `{value}` is not a number"))?;
            Ok((metric.trim().to_string(), value))
        })
        .collect()
}

/// The width of a table's first column: its longest name, at least `min`.
fn width<'a>(names: impl Iterator<Item = &'a str>, min: usize) -> usize {
    names.map(str::len).max().unwrap_or(min).max(min)
}

fn render_text(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} posts", e.posts);
    for s in &e.sets {
        let _ = writeln!(out, "\n== {} ({}, {} posts)", s.set, s.mode, s.posts);
        let w = width(s.labels.iter().map(|l| l.label.as_str()), 5);
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
    let w = width(e.rules.iter().map(|r| r.rule.as_str()), 4);
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

/// What a changed post expects and was given before and after: "expected
/// angry, was passive, now angry".
fn changed_line(p: &ChangedPost) -> String {
    format!(
        "expected {}, was {}, now {}",
        show(&p.expected),
        show(&p.baseline),
        show(&p.current)
    )
}

/// The comparison with a baseline, after the text report.
fn render_comparison_text(name: &str, sets: &[SetComparison]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n== against the baseline {name}");
    for s in sets {
        let _ = writeln!(
            out,
            "\n  {} ({} posts): {} fixed, {} broken, {} from one wrong answer to another",
            s.set, s.posts, s.fixed, s.broken, s.other
        );
        let _ = writeln!(out, "  {:<20}  baseline     this  change", "figure");
        for f in &s.figures {
            let _ = writeln!(
                out,
                "  {:<20}  {:>8}  {:>7}  {:>6}",
                f.figure,
                pct(f.baseline),
                pct(f.current),
                delta(f.baseline, f.current)
            );
        }
        let w = width(s.labels.iter().map(|l| l.label.as_str()), 5);
        let _ = writeln!(
            out,
            "  {:<w$}  support  f1 baseline  f1 this  change",
            "label"
        );
        for l in &s.labels {
            let _ = writeln!(
                out,
                "  {:<w$}  {:>7}  {:>11}  {:>7}  {:>6}",
                l.label,
                l.support,
                pct(l.baseline_f1),
                pct(l.current_f1),
                delta(l.baseline_f1, l.current_f1)
            );
        }
        for (title, posts) in [("fixed", &s.fixed_posts), ("broken", &s.broken_posts)] {
            if posts.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n  {title}");
            for p in posts {
                let text: String = p.text.replace('\n', " ").chars().take(140).collect();
                let _ = writeln!(out, "  - {}\n    {text}", changed_line(p));
            }
        }
    }
    out
}

/// The comparison with a baseline, after the Markdown report.
fn render_comparison_md(name: &str, sets: &[SetComparison]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n## Against the baseline `{name}`");
    for s in sets {
        let _ = writeln!(
            out,
            "\n### {} ({} posts)\n\n{} fixed, {} broken, {} from one wrong answer to another.\n",
            s.set, s.posts, s.fixed, s.broken, s.other
        );
        let _ = writeln!(
            out,
            "| figure | baseline | this | change |\n|---|---:|---:|---:|"
        );
        for f in &s.figures {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                f.figure,
                pct(f.baseline),
                pct(f.current),
                delta(f.baseline, f.current)
            );
        }
        let _ = writeln!(
            out,
            "\n| label | support | F1 baseline | F1 this | change |\n|---|---:|---:|---:|---:|"
        );
        for l in &s.labels {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                l.label,
                l.support,
                pct(l.baseline_f1),
                pct(l.current_f1),
                delta(l.baseline_f1, l.current_f1)
            );
        }
        for (title, posts) in [("Fixed", &s.fixed_posts), ("Broken", &s.broken_posts)] {
            if posts.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{title}:\n");
            for p in posts {
                let text = p.text.replace('\n', " ").replace('|', "\\|");
                let _ = writeln!(out, "- {}: {text}", changed_line(p));
            }
        }
    }
    out
}
