//! `postclass diff`: the posts whose labels change from one rulebook to
//! another, on posts nobody labelled: what a rulebook change does to an
//! export, before it is adopted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::classify::threads;
use super::ids::IdField;
use super::input_args::{end_reading, InputArgs, Reading};
use super::{load_baseline, load_rulebook_on, Outcome};
use crate::cases::given_labels;
use crate::engine::Rulebook;
use crate::output::{self, Sink};
use crate::pipeline;
use crate::rulebook::Mode;
use crate::{Scratch, Verdict};

const EXAMPLES: &str = "\
Each post is classified with both rulebooks (the language found once, for both); a post
whose labels differ in any set is written as a CSV row (TSV when FILE ends in .tsv): `id`
(when the input has an id field: `id`, the preset's, or --id FIELD), `text`, then for
each set `SET_before` (the baseline's labels) and `SET_after` (the rulebook's), `;`-joined
for `many` sets. The counts go to stderr: the posts read and changed, and each set's
changes from one label to another, the most frequent first. Nothing is held in memory
but the counts.

Examples:
  postclass diff --rules mine.toml --baseline default week.csv     # what my rules change
  postclass diff --rules new.toml --baseline old.toml export.jsonl -o changed.csv
  postclass diff --rules tidy.toml --baseline old.toml --fail-if-changed week.csv   # CI: a refactor";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
#[command(mut_arg("delimiter", |a| a.help("Field delimiter of CSV input (default `,`; `\\t` for TSV)")))]
pub struct Args {
    /// Rulebook after the change (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Rulebook before the change (`default`: the embedded one). Its sets
    /// must be those of --rules, in the same order.
    #[arg(long, value_name = "FILE", required = true)]
    pub baseline: PathBuf,

    #[command(flatten)]
    pub input: InputArgs,

    /// Write the changed posts here instead of stdout (replaced only once
    /// complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Field holding the post id, copied to the `id` column (default: `id`,
    /// or the preset's id field).
    #[arg(long = "id", value_name = "FIELD")]
    pub id_field: Option<String>,

    /// Exit 1 when a post changes label (a rulebook change meant to change
    /// nothing, such as a reordering or a cheaper pattern).
    #[arg(long)]
    pub fail_if_changed: bool,

    /// Threads that classify with --rules (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<Outcome> {
    output::install_interrupt_cleanup();
    let rulebook = load_rulebook_on(args.rules.as_deref(), args.threads.unwrap_or(0))?;
    let (baseline_name, baseline) = load_baseline(&args.baseline, &rulebook)?;
    let say = super::say(args.quiet);
    let Reading {
        mut progress,
        mut rejects,
        opened,
        replaced,
        ..
    } = args
        .input
        .start_reading(args.quiet, &[args.output.as_deref()], &say)?;
    let id_field = IdField::of(&opened, args.id_field.as_deref())?;
    let with_id = !matches!(id_field, IdField::None);

    let tsv = args
        .output
        .as_deref()
        .and_then(std::path::Path::extension)
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let mut sink = Sink::create(args.output.as_deref())?;
    let nsets = rulebook.sets.len();
    let (mut read, mut changed) = (0u64, 0u64);
    // Posts per move (see `count_move`): (set, before, after), or
    // (set, "+" or "-", label) for a `many` set.
    let mut moves: BTreeMap<(usize, String, String), u64> = BTreeMap::new();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if tsv { b'\t' } else { b',' })
            .from_writer(&mut sink);
        let mut header: Vec<String> = Vec::new();
        if with_id {
            header.push("id".into());
        }
        header.push("text".into());
        for set in &rulebook.sets {
            header.push(format!("{}_before", set.id));
            header.push(format!("{}_after", set.id));
        }
        w.write_record(&header)?;
        if let (Some(field), Some(sources)) = (opened.field, opened.sources) {
            let needs_lang = rulebook.needs_lang() || baseline.needs_lang();
            let lang = args
                .input
                .lang_spec(opened.header.as_ref(), opened.preset, needs_lang)?;
            let fields = pipeline::Fields {
                text: &field,
                lang: &lang,
            };
            let mut scratch = Scratch::default();
            let mut before_verdict = Verdict::default();
            let mut id = String::new();
            pipeline::run(&rulebook, fields, sources, threads(args.threads), |batch| {
                for item in batch.items() {
                    read += 1;
                    if let Some(p) = &item.problem {
                        rejects.reject(item, p)?;
                        continue;
                    }
                    // The language found for --rules holds for the baseline.
                    baseline.classify_as(
                        &item.text,
                        item.verdict.lang,
                        &mut scratch,
                        &mut before_verdict,
                    );
                    let before: Vec<Vec<String>> = (0..nsets)
                        .map(|si| given_labels(&baseline, &before_verdict, si))
                        .collect();
                    let after: Vec<Vec<String>> = (0..nsets)
                        .map(|si| given_labels(&rulebook, &item.verdict, si))
                        .collect();
                    if before == after {
                        continue;
                    }
                    changed += 1;
                    if with_id {
                        id_field.read(item, &mut id);
                        w.write_field(&id)?;
                    }
                    w.write_field(&item.text)?;
                    for si in 0..nsets {
                        w.write_field(before[si].join(";"))?;
                        w.write_field(after[si].join(";"))?;
                        count_move(
                            &mut moves,
                            si,
                            rulebook.sets[si].mode,
                            &before[si],
                            &after[si],
                        );
                    }
                    w.write_record(None::<&[u8]>)?;
                }
                progress.rows(batch.items().len() as u64);
                Ok(())
            })?;
        }
        w.flush().context("writing the changed posts")?;
    }
    sink.flush().context("writing the changed posts")?;
    end_reading(&args.input, progress, rejects, &replaced, read, &say)?;
    sink.finish()?;
    if !args.quiet {
        eprint!(
            "{}",
            counts(&rulebook, &baseline_name, read, changed, &moves)
        );
    }
    if args.fail_if_changed && changed > 0 {
        eprintln!("postclass: diff: {changed} post(s) change label (--fail-if-changed)");
        return Ok(Outcome::CheckFailed);
    }
    Ok(Outcome::Success)
}

/// Counts how a post's labels of set `si` moved: from one label to another
/// in a `one` set; each label gained (`+`) or lost (`-`) in a `many` set,
/// where combinations of labels would scatter the counts.
fn count_move(
    moves: &mut BTreeMap<(usize, String, String), u64>,
    si: usize,
    mode: Mode,
    before: &[String],
    after: &[String],
) {
    if before == after {
        return;
    }
    match mode {
        // At most one label each: none is a set without a fallback.
        Mode::One => {
            *moves
                .entry((si, before.join(";"), after.join(";")))
                .or_default() += 1
        }
        Mode::Many => {
            for l in after.iter().filter(|l| !before.contains(l)) {
                *moves.entry((si, "+".into(), l.clone())).or_default() += 1;
            }
            for l in before.iter().filter(|l| !after.contains(l)) {
                *moves.entry((si, "-".into(), l.clone())).or_default() += 1;
            }
        }
    }
}

/// The counts printed on stderr: posts read and changed, then each set's
/// moves (see [`count_move`]), the most frequent first.
fn counts(
    rulebook: &Rulebook,
    baseline: &str,
    read: u64,
    changed: u64,
    moves: &BTreeMap<(usize, String, String), u64>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "postclass: {changed} of {read} posts change label against {baseline}"
    );
    for (si, set) in rulebook.sets.iter().enumerate() {
        let mut rows: Vec<(&str, &str, u64)> = moves
            .iter()
            .filter(|((s, _, _), _)| *s == si)
            .map(|((_, b, a), n)| (b.as_str(), a.as_str(), *n))
            .collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by(|x, y| y.2.cmp(&x.2).then(x.0.cmp(y.0)).then(x.1.cmp(y.1)));
        let _ = writeln!(out, "  {}:", set.id);
        for (b, a, n) in rows {
            let _ = match set.mode {
                Mode::One => writeln!(out, "    {n:>7}  {b} -> {a}"),
                Mode::Many => writeln!(out, "    {n:>7}  {b} {a}"),
            };
        }
    }
    out
}
