//! `postclass fit`: learn a rulebook's weights (and optionally its labels'
//! thresholds) from posts labelled by hand, and write the rulebook with
//! only those values changed.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use super::gold::{read_gold, GoldArgs};
use super::{read_rulebook_source, Outcome};
use crate::engine;
use crate::engine::Rulebook;
use crate::fit::{self, ClassCounts, FitOptions, Metrics, SetFit, MIN_EXAMPLES};
use crate::lang::Lang;
use crate::output::{self, AtomicFile};
use crate::rulebook::{self, edit, model::RulebookFile, Mode};

const EXAMPLES: &str = "\
Learns the weights of the rules from posts labelled by hand (the gold file of `eval`): each
post is classified once, then for each set a regularised logistic regression over which rules
fired (multinomial for a `one` set, one binary model per label for a `many` set) finds the
weights, pulled towards the rulebook's with a strength chosen by cross-validation. Weights are
expressed against the thresholds as they are (which stay, unless --thresholds), rounded to
--step, and every figure is the rulebook's own decision with the rounded weights. Only `weight`
(and with --thresholds `threshold`) values change in the written rulebook: comments, order and
layout stay byte for byte. Rules and labels with `fixed = true`, or named by --keep, rules that
never fired and labels with fewer than 3 reference posts keep their weights. The report gives
each set's figures before and after, in-sample and cross-validated (--folds, --seed), each
label's recall and precision before and cross-validated, and the weights changed. The gold
files are read into memory (with several --gold, their posts are fitted as one set). A rulebook
that extends others (`extends`) gets the new values of its bases' rules and labels as
`[[override]]` tables of its own: no base is ever written, and the fitted file goes in the folder
of the rulebook given.

Examples:
  postclass fit --gold labelled.csv -o tuned.toml            # from the default rulebook
  postclass fit --gold labelled.csv --rules mine.toml -o mine-tuned.toml --keep angry-insult
  postclass fit --gold train_en.csv --where split=tune -o tuned.toml
  postclass fit --gold train_en.csv --gold dev_fr.csv -o tuned.toml  # two files as one
  postclass fit --gold labelled.csv --dry-run --folds 10     # the report only
  postclass fit --gold labelled.csv --thresholds -o tuned.toml  # label thresholds as well
  diff mine.toml mine-tuned.toml                             # only weight lines differ

With --lexicon, fit leaves every rule as it is and learns a lexicon instead: weights of words
and pairs of adjacent words for the labels of the rulebook's `one` set, added to the scores the
rules give (a regularised multinomial logistic regression over the posts' words, whose penalty
cross-validation chooses). The lexicon is written as a `[[lexicon]]` table at the end of the
rulebook, replacing one of the same id there; when the cross-validated accuracy does not beat the
rulebook's, nothing is written. --cases files are learned from with --case-weight but not
measured, so that the case posts a rulebook is tested on keep their labels. The report gives
accuracy and macro-F1 before, in-sample and cross-validated, and each type's recall and
precision before and cross-validated.
  postclass fit --lexicon --gold labelled.csv -o with-words.toml
  postclass fit --lexicon --gold a.csv --gold b.csv --cases tests/cases.csv -o with-words.toml
  postclass fit --lexicon --gold fr.csv --lexicon-id words-fr --lexicon-lang fr -o both.toml";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub gold: GoldArgs,

    /// Rulebook to start from (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Where to write the fitted rulebook (never onto an input). Required
    /// unless --dry-run.
    #[arg(short, long, value_name = "FILE", required_unless_present = "dry_run")]
    pub output: Option<PathBuf>,

    /// Print the report only; write no rulebook.
    #[arg(long, conflicts_with = "output")]
    pub dry_run: bool,

    /// Leave this rule's weight, or every weight of this label, as it is
    /// (like `fixed = true` in the rulebook). Repeatable.
    #[arg(long, value_name = "ID")]
    pub keep: Vec<String>,

    /// Folds of the cross-validation (2 to 20).
    #[arg(long, value_name = "K", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(2..=20))]
    pub folds: u32,

    /// Seed of the folds: the same seed gives the same rulebook and report.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Weights are rounded to a multiple of this.
    #[arg(long, value_name = "STEP", default_value_t = 0.25)]
    pub step: f64,

    /// Fit the thresholds of the labels too: each label's threshold is
    /// searched among multiples of --step on the rulebook's decision, and
    /// cross-validation chooses whether it helps.
    #[arg(long)]
    pub thresholds: bool,

    /// Threads for the folds (default: the number of cores). The rulebook
    /// and the report are the same whatever the number.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Learn a lexicon (weights of words and pairs of words) for the `one`
    /// set instead of the rules' weights, which stay as they are.
    #[arg(long, conflicts_with_all = ["thresholds", "keep"])]
    pub lexicon: bool,

    /// The id of the lexicon written (--lexicon).
    #[arg(long, value_name = "ID", default_value = "words", requires = "lexicon")]
    pub lexicon_id: String,

    /// The languages of the posts the lexicon weighs, written as its `lang`
    /// (--lexicon; ISO 639-1 codes, `und` for posts whose language is
    /// unknown; comma-separated or repeated). Posts in other languages get
    /// no weight from it and it learns nothing from them, so that each
    /// language can have a lexicon of its own, with its own penalty.
    /// Default: the `lang` of the lexicon replaced, else every post.
    #[arg(
        long,
        value_name = "LANG",
        value_delimiter = ',',
        value_parser = super::classify::parse_lang,
        requires = "lexicon"
    )]
    pub lexicon_lang: Vec<Lang>,

    /// Posts labelled by hand to learn from but not measure (--lexicon):
    /// the rulebook's case files, so that they keep their labels.
    /// Repeatable; read with the gold files' --text and --label.
    #[arg(long, value_name = "FILE", requires = "lexicon")]
    pub cases: Vec<PathBuf>,

    /// How much more a --cases post weighs than a gold post.
    #[arg(long, value_name = "W", default_value_t = 10.0, requires = "lexicon")]
    pub case_weight: f64,

    /// Posts a word or pair needs to get weights (--lexicon).
    #[arg(long, value_name = "N", default_value_t = 5, requires = "lexicon")]
    pub min_posts: usize,

    /// Leave out weights under this, once rounded to 0.05 (--lexicon): a
    /// smaller lexicon, cheaper to run, at some cost in accuracy.
    #[arg(long, value_name = "W", default_value_t = 0.0, requires = "lexicon")]
    pub min_weight: f64,
}

pub fn run(args: Args) -> Result<Outcome> {
    if !(args.step.is_finite() && args.step > 0.0) {
        bail!("--step must be a number above 0, got {}", args.step);
    }
    if args.output.as_deref().is_some_and(|o| o.as_os_str() == "-") {
        bail!("-o -: the report goes to standard output; give -o a file name");
    }
    if let Some(out) = &args.output {
        let inputs: Vec<Option<PathBuf>> = std::iter::once(args.rules.clone())
            .chain(args.gold.gold.iter().cloned().map(Some))
            .collect();
        output::ensure_not_an_input(out, &inputs)?;
    }
    let source = read_rulebook_source(args.rules.as_deref())?;
    let loaded = super::load_rulebook_chain(args.rules.as_deref(), 0)?;
    if let (Some(out), Some(rules)) = (&args.output, &args.rules) {
        check_beside(out, rules, &loaded.file)?;
    }
    let (rulebook, file, chain) = (loaded.rulebook, loaded.file, loaded.chain);
    if args.lexicon {
        return run_lexicon(&args, &source, &rulebook);
    }
    let pinned = pinned_rules(&rulebook, &file, &args.keep)?;
    let gold = read_gold(&args.gold, &rulebook)?;
    gold.require_posts("fit on")?;
    for (set, field) in rulebook.sets.iter().zip(&gold.fields) {
        if field.is_none() {
            bail!(
                "{}: no field holds the reference labels of set `{}`; expected a field `{}` (or pass --label {}=FIELD)",
                gold.name,
                set.id,
                set.id,
                set.id
            );
        }
    }
    let folds = args.folds as usize;
    let needed = (2 * folds).max(10);
    let matrix = fit::firing(&rulebook, &gold.posts);
    let mut data = Vec::new();
    for (si, set) in rulebook.sets.iter().enumerate() {
        let d = fit::set_data(&rulebook, si, &gold.posts, &matrix, &pinned).map_err(|u| {
            anyhow::anyhow!(
                "{}: set `{}` has reference labels the rulebook does not define: {}; its labels are: {}",
                gold.name,
                set.id,
                u.0.iter()
                    .map(|(l, n)| format!("`{l}` ({n} post{})", if *n == 1 { "" } else { "s" }))
                    .collect::<Vec<_>>()
                    .join(", "),
                set.labels
                    .iter()
                    .map(|l| l.id.as_str())
                    .chain(set.fallback.as_deref())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        if d.fired.len() < needed {
            bail!(
                "{}: set `{}` has {} post(s) with a reference label; fitting with {} folds needs at least {}",
                gold.name,
                set.id,
                d.fired.len(),
                folds,
                needed
            );
        }
        data.push(d);
    }
    let opts = FitOptions {
        folds,
        seed: args.seed,
        step: args.step,
        threads: super::classify::threads(args.threads),
        thresholds: args.thresholds,
    };
    let fits: Vec<SetFit> = data.iter().map(|d| fit::fit_set(d, &opts)).collect();

    let mut changes = Vec::new();
    for (si, f) in fits.iter().enumerate() {
        for (j, r) in set_rules(&rulebook, si).enumerate() {
            let new = f.fitted.weights[j];
            if f.fitted.fitted[j] && new != rulebook.rules[r].weight {
                changes.push((rulebook.rules[r].id.clone(), new));
            }
        }
    }
    let mut threshold_changes = Vec::new();
    for (si, f) in fits.iter().enumerate() {
        let set = &rulebook.sets[si];
        for (l, label) in set.labels.iter().enumerate() {
            if f.fitted.thresholds[l] != label.threshold {
                threshold_changes.push(edit::ThresholdChange {
                    set: set.id.clone(),
                    label: Some(label.id.clone()),
                    value: f.fitted.thresholds[l],
                });
            }
        }
    }
    let text = write_values(&source, &file, &chain, &changes, &threshold_changes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", source.name))?;
    // The written rulebook must load: a check failing here is a defect.
    // It is read as if in place of the rulebook given, whose bases it names.
    load(&rulebook::Source::new(source.name.clone(), text.clone()))
        .context("the fitted rulebook does not load")?;

    let mut report = String::new();
    let _ = writeln!(
        report,
        "fit of {} on {}: {} posts{}, {} folds, seed {}, weights rounded to {}",
        source.name,
        gold.name,
        gold.posts.len(),
        if gold.filtered_out > 0 {
            format!(" ({} rows left out by --where)", gold.filtered_out)
        } else {
            String::new()
        },
        folds,
        args.seed,
        args.step
    );
    for (si, f) in fits.iter().enumerate() {
        render_set(&mut report, &rulebook, si, f, &data[si], folds);
    }
    print_report(&report)?;
    if let Some(out) = &args.output {
        write_rulebook(out, &text)?;
        eprintln!(
            "postclass: fit: wrote {} ({} weight{} and {} threshold{} changed)",
            out.display(),
            changes.len(),
            if changes.len() == 1 { "" } else { "s" },
            threshold_changes.len(),
            if threshold_changes.len() == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    Ok(Outcome::Success)
}

/// `fit --lexicon`: learns the lexicon of the rulebook's `one` set and
/// writes it at the end of the rulebook given.
fn run_lexicon(args: &Args, source: &rulebook::Source, rulebook: &Rulebook) -> Result<Outcome> {
    if !(args.case_weight.is_finite() && args.case_weight > 0.0) {
        bail!(
            "--case-weight must be a number above 0, got {}",
            args.case_weight
        );
    }
    if let Some(out) = &args.output {
        let cases: Vec<Option<PathBuf>> = args.cases.iter().cloned().map(Some).collect();
        output::ensure_not_an_input(out, &cases)?;
    }
    let ones: Vec<usize> = (0..rulebook.sets.len())
        .filter(|&si| rulebook.sets[si].mode == Mode::One)
        .collect();
    let si = match ones.as_slice() {
        [si] => *si,
        [] => bail!(
            "{}: --lexicon learns the weights of a `one` set, and the rulebook has none",
            source.name
        ),
        _ => bail!(
            "{}: --lexicon learns the weights of one `one` set, and the rulebook has {}",
            source.name,
            ones.len()
        ),
    };
    let set = &rulebook.sets[si];
    let gold = read_gold(&args.gold, rulebook)?;
    gold.require_posts("fit on")?;
    if gold.fields[si].is_none() {
        bail!(
            "{}: no field holds the reference labels of set `{}`; expected a field `{}` (or pass --label {}=FIELD)",
            gold.name, set.id, set.id, set.id
        );
    }
    let cases = if args.cases.is_empty() {
        Vec::new()
    } else {
        let case_args = GoldArgs {
            gold: args.cases.clone(),
            where_: Vec::new(),
            ..args.gold.clone()
        };
        read_gold(&case_args, rulebook)?.posts
    };
    let folds = args.folds as usize;
    if !(args.min_weight.is_finite() && args.min_weight >= 0.0) {
        bail!(
            "--min-weight must be a number from 0 up, got {}",
            args.min_weight
        );
    }
    let lang = lexicon_lang(args, rulebook, si);
    let opts = fit::lexicon::LexiconOptions {
        lang: lang.clone(),
        min_posts: args.min_posts,
        min_weight: args.min_weight,
        folds,
        seed: args.seed,
        threads: super::classify::threads(args.threads),
    };
    let learned = fit::lexicon::learn(
        rulebook,
        si,
        &args.lexicon_id,
        &gold.posts,
        &cases,
        args.case_weight,
        &opts,
    )
    .map_err(|u| {
        anyhow::anyhow!(
            "{}: set `{}` has reference labels the rulebook does not define: {}",
            gold.name,
            set.id,
            u.0.iter()
                .map(|(l, n)| format!("`{l}` ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    if learned.measured < (2 * folds).max(10) {
        bail!(
            "{}: set `{}` has {} post(s) with a reference label{}; learning a lexicon with {} folds needs at least {}",
            gold.name, set.id, learned.measured, langs_note(&lang), folds, (2 * folds).max(10)
        );
    }
    let gain = learned.cross_validated.accuracy > learned.before.accuracy;
    let mut report = String::new();
    let f = |m: &fit::lexicon::Figures| {
        format!(
            "accuracy {:.3}, macro-F1 (>= 5) {:.3}",
            m.accuracy, m.macro_f1
        )
    };
    let _ = writeln!(
        report,
        "lexicon `{}` of set `{}`{} learned on {}: {} posts measured, {} learned from ({} case posts weighing {}), {} words and pairs in at least {} posts, {} folds, seed {}",
        args.lexicon_id, set.id, langs_note(&lang), gold.name, learned.measured, learned.trained,
        learned.cases, args.case_weight, learned.vocabulary, args.min_posts, folds, args.seed
    );
    let _ = writeln!(report, "  rulebook alone:           {}", f(&learned.before));
    let _ = writeln!(
        report,
        "  with the lexicon, learned on the same posts: {}",
        f(&learned.after)
    );
    let _ = writeln!(
        report,
        "  with the lexicon, cross-validated (penalty {} chosen on the same folds): {}",
        learned.lambda,
        f(&learned.cross_validated)
    );
    write_classes(&mut report, set, &learned);
    {
        let _ = writeln!(
            report,
            "  case posts and the set's examples keeping their label: {} of {} before, {} with the lexicon",
            learned.cases_kept.0, learned.cases, learned.cases_kept.1
        );
    }
    let _ = writeln!(report, "  entries with a weight: {}", learned.entries.len());
    if !gain {
        let _ = writeln!(
            report,
            "  no gain: the cross-validated accuracy does not beat the rulebook's, so no lexicon is written"
        );
    }
    let text = gain.then(|| with_lexicon(&source.text, &args.lexicon_id, &set.id, &lang, &learned));
    if let Some(text) = &text {
        // The written rulebook must load: a failure here is a defect.
        load(&rulebook::Source::new(source.name.clone(), text.clone()))
            .context("the rulebook with the learned lexicon does not load")?;
    }
    print_report(&report)?;
    if let (Some(out), Some(text)) = (&args.output, &text) {
        write_rulebook(out, text)?;
        eprintln!(
            "postclass: fit: wrote {} (lexicon `{}`, {} entries)",
            out.display(),
            args.lexicon_id,
            learned.entries.len()
        );
    } else if let (Some(out), None) = (&args.output, &text) {
        eprintln!(
            "postclass: fit: {} not written: the lexicon brings no gain",
            out.display()
        );
    }
    Ok(Outcome::Success)
}

fn print_report(report: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(report.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Writes the rulebook `text` to `out`, which is replaced only once whole.
fn write_rulebook(out: &std::path::Path, text: &str) -> Result<()> {
    output::install_interrupt_cleanup();
    let mut file = output::Sink::File(AtomicFile::create(out)?);
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    file.finish()?;
    Ok(())
}

/// Each class of the set, in order, with the fallback last: its measured
/// posts, and its recall and precision with the rulebook alone and with
/// the lexicon, cross-validated.
fn write_classes(report: &mut String, set: &engine::LabelSet, learned: &fit::lexicon::Learned) {
    write_class_table(
        report,
        "per class, rulebook alone -> with the lexicon, cross-validated:",
        "class",
        &class_names(set),
        &learned.before.classes,
        &learned.cross_validated.classes,
    );
}

/// The set's labels, then the name of the slot for posts given none of
/// them: its fallback, or `(none)`.
fn class_names(set: &engine::LabelSet) -> Vec<&str> {
    set.labels
        .iter()
        .map(|l| l.id.as_str())
        .chain(std::iter::once(set.fallback.as_deref().unwrap_or("(none)")))
        .collect()
}

/// A table of each class's posts, and its recall and precision `before`
/// and `after`, under `heading`. Classes with no post and given to none
/// either way are left out.
fn write_class_table(
    report: &mut String,
    heading: &str,
    column: &str,
    names: &[&str],
    before: &[ClassCounts],
    after: &[ClassCounts],
) {
    let share = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |x| format!("{x:.3}"));
    let rows: Vec<(&str, _, _)> = names
        .iter()
        .zip(before.iter().zip(after))
        .filter(|(_, (b, a))| b.posts + b.given + a.given > 0)
        .map(|(name, (b, a))| (*name, b, a))
        .collect();
    let width = rows
        .iter()
        .map(|(n, _, _)| n.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(
        report,
        "  {heading}\n    {column:<width$}  {:>6}  {:<14}  precision",
        "posts", "recall"
    );
    for (name, b, a) in rows {
        let recall = format!("{} -> {}", share(b.recall()), share(a.recall()));
        let precision = format!("{} -> {}", share(b.precision()), share(a.precision()));
        let _ = writeln!(
            report,
            "    {name:<width$}  {:>6}  {recall:<14}  {precision}",
            b.posts
        );
    }
}

/// ` for posts in en, und` when the lexicon weighs some languages only.
fn langs_note(lang: &[Lang]) -> String {
    if lang.is_empty() {
        return String::new();
    }
    let codes: Vec<&str> = lang.iter().map(|l| l.as_str()).collect();
    format!(" for posts in {}", codes.join(", "))
}

/// The languages of the lexicon learned: `--lexicon-lang`, else those of
/// the rulebook's lexicon of that id for the set, else none (every post).
fn lexicon_lang(args: &Args, rulebook: &Rulebook, si: usize) -> Vec<Lang> {
    if args.lexicon_lang.is_empty() {
        return rulebook
            .lexicons
            .iter()
            .find(|x| x.set == si && x.id == args.lexicon_id)
            .map(|x| x.lang.clone())
            .unwrap_or_default();
    }
    let mut out = args.lexicon_lang.clone();
    out.sort();
    out.dedup();
    out
}

/// The rulebook text with `learned` as lexicon `id`, at the end; a lexicon
/// table of that id written at the top level of the text is taken out.
fn with_lexicon(
    text: &str,
    id: &str,
    set: &str,
    lang: &[Lang],
    learned: &fit::lexicon::Learned,
) -> String {
    let mut out = without_lexicon(text, id);
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let _ = write!(
        out,
        "\n# Lexicon `{id}`: weights of words and of pairs of words in a row for the labels\n\
         # of `{set}`, added to the scores the rules give. Learned by `postclass fit --lexicon`\n\
         # from {} labelled posts; cross-validated accuracy {:.3} against {:.3} for the rules\n\
         # alone. Each entry: a word (or two in a row), then each label's weight.\n\
         [[lexicon]]\nid = {}\nset = {}\ndescription = {}\n{}words = [\n",
        learned.trained,
        learned.cross_validated.accuracy,
        learned.before.accuracy,
        toml_string(id),
        toml_string(set),
        toml_string(&format!(
            "Word weights learned from {} labelled posts; cross-validated accuracy {:.3} against {:.3} for the rules alone.",
            learned.trained, learned.cross_validated.accuracy, learned.before.accuracy
        )),
        if lang.is_empty() {
            String::new()
        } else {
            let codes: Vec<String> = lang.iter().map(|l| toml_string(l.as_str())).collect();
            format!("lang = [{}]\n", codes.join(", "))
        },
    );
    for (word, weights) in &learned.entries {
        let pairs: Vec<String> = learned
            .labels
            .iter()
            .zip(weights)
            .filter(|(_, w)| **w != 0.0)
            .map(|(l, w)| format!("{l} {w}"))
            .collect();
        let _ = writeln!(
            out,
            "    {},",
            toml_string(&format!("{word}: {}", pairs.join(", ")))
        );
    }
    out.push_str("]\n");
    out
}

/// `text` without the top-level `[[lexicon]]` table of id `id` (with its
/// `[lexicon.words]` and the comment lines right above it), if it has one.
fn without_lexicon(text: &str, id: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let is_header = |l: &str| l.trim_start().starts_with('[');
    let is_id = |l: &str| {
        l.trim()
            .strip_prefix("id")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
            .is_some_and(|v| v.trim() == toml_string(id))
    };
    let mut out = String::new();
    // Comment and blank lines not yet known to belong to a kept table.
    let mut pending = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            pending.push_str(line);
            i += 1;
            continue;
        }
        if t == "[[lexicon]]" {
            let mut end = i + 1;
            while end < lines.len() && !is_header(lines[end]) {
                end += 1;
            }
            // Comment and blank lines right above the next table are its own.
            while end > i + 1 && {
                let t = lines[end - 1].trim();
                t.is_empty() || t.starts_with('#')
            } {
                end -= 1;
            }
            if lines[i..end].iter().any(|l| is_id(l)) {
                pending.clear();
                i = end;
                continue;
            }
        }
        out.push_str(&pending);
        pending.clear();
        out.push_str(line);
        i += 1;
    }
    out.push_str(&pending);
    out
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes the fitted values into the text of the rulebook given. The values
/// of rules and labels it defines are changed where they are written; those
/// of the rulebooks it extends become `[[override]]` tables of its own, so
/// that no base is ever changed.
fn write_values(
    source: &rulebook::Source,
    file: &RulebookFile,
    chain: &rulebook::Chain,
    weights: &[(String, f64)],
    thresholds: &[edit::ThresholdChange],
) -> std::result::Result<String, String> {
    if !chain.is_chain() {
        return edit::set_values(&source.text, weights, thresholds);
    }
    let own = rulebook::validate::parse(source).map_err(|d| d.message)?;
    let in_top = |at: &std::ops::Range<usize>| chain.locate(at.start).0 == 0;
    // A rule or label the file overrides itself keeps being set there.
    let overridden = |id: &str, kind: &str| {
        own.overrides.iter().any(|o| {
            let target = if kind == "rule" { &o.rule } else { &o.label };
            target.as_ref().is_some_and(|t| t.get_ref() == id)
        })
    };
    let rules: Vec<_> = file
        .set
        .iter()
        .flat_map(|s| &s.label)
        .flat_map(|l| &l.rule)
        .collect();
    let (mut here, mut over) = (Vec::new(), Vec::new());
    for (id, w) in weights {
        let def = rules.iter().find(|r| r.id.get_ref() == id);
        if def.is_some_and(|r| in_top(&r.id.span())) && !overridden(id, "rule") {
            here.push((id.clone(), *w));
        } else {
            over.push((id.clone(), *w));
        }
    }
    let (mut here_t, mut over_t) = (Vec::new(), Vec::new());
    for t in thresholds {
        let def = file
            .set
            .iter()
            .filter(|s| *s.id.get_ref() == t.set)
            .flat_map(|s| &s.label)
            .find(|l| Some(l.id.get_ref()) == t.label.as_ref());
        let label = t.label.as_deref().unwrap_or("");
        if def.is_some_and(|l| in_top(&l.id.span())) && !overridden(label, "label") {
            here_t.push(t.clone());
        } else {
            over_t.push(t.clone());
        }
    }
    let text = edit::set_values(&source.text, &here, &here_t)?;
    if over.is_empty() && over_t.is_empty() {
        return Ok(text);
    }
    edit::set_overrides(&text, &over, &over_t)
}

/// A rulebook that extends files by path must be written in the same folder
/// as the one given, for those paths to hold.
fn check_beside(out: &std::path::Path, rules: &std::path::Path, file: &RulebookFile) -> Result<()> {
    if file
        .rulebook
        .extends
        .iter()
        .all(|e| e.get_ref() == "default")
    {
        return Ok(());
    }
    let folder = |p: &std::path::Path| {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
        std::fs::canonicalize(parent.unwrap_or(std::path::Path::new(".")))
    };
    if folder(out).ok() != folder(rules).ok() {
        bail!(
            "-o {}: {} extends rulebooks by paths relative to its folder; write the fitted rulebook in that folder, so that they hold",
            out.display(),
            rules.display()
        );
    }
    Ok(())
}

fn load(source: &rulebook::Source) -> Result<Rulebook> {
    match engine::load_chain(source.clone(), &mut super::read_base, 0) {
        Ok(loaded) => Ok(loaded.rulebook),
        Err(report) => bail!(
            "the rulebook has {} error(s):\n{}",
            report.errors(),
            report.render_human(false).trim_end()
        ),
    }
}

/// The rules of set `si`, in the set's own numbering.
fn set_rules(rulebook: &Rulebook, si: usize) -> impl Iterator<Item = usize> + '_ {
    (0..rulebook.rules.len()).filter(move |&r| rulebook.rules[r].set == si)
}

/// Rules fit must leave as they are: `fixed = true` on the rule or its
/// label, and the rules and labels named by `--keep`.
fn pinned_rules(rulebook: &Rulebook, file: &RulebookFile, keep: &[String]) -> Result<Vec<bool>> {
    for id in keep {
        let known = rulebook.rules.iter().any(|r| r.id == *id)
            || rulebook
                .sets
                .iter()
                .any(|s| s.labels.iter().any(|l| l.id == *id));
        if !known {
            bail!("--keep: the rulebook has no rule or label `{id}`");
        }
    }
    let mut fixed_rules = Vec::new();
    let mut fixed_labels = Vec::new();
    for set in &file.set {
        for label in &set.label {
            if label.fixed {
                fixed_labels.push((set.id.get_ref().clone(), label.id.get_ref().clone()));
            }
            for rule in &label.rule {
                if rule.fixed {
                    fixed_rules.push(rule.id.get_ref().clone());
                }
            }
        }
    }
    Ok(rulebook
        .rules
        .iter()
        .map(|r| {
            let set = &rulebook.sets[r.set];
            let label = &set.labels[r.label].id;
            fixed_rules.contains(&r.id)
                || keep.contains(&r.id)
                || keep.contains(label)
                || fixed_labels.contains(&(set.id.clone(), label.clone()))
        })
        .collect())
}

fn figures(m: &Metrics) -> String {
    let mut s = format!("{:>8.3}  {:>8.3}", m.macro_f1, m.micro_f1);
    if let Some(a) = m.accuracy {
        let _ = write!(s, "  {a:>8.3}");
    }
    s
}

fn weight(w: f64) -> String {
    let s = format!("{w:.2}");
    let s = s.trim_end_matches('0');
    s.strip_suffix('.').unwrap_or(s).to_string()
}

fn render_set(
    out: &mut String,
    rb: &Rulebook,
    si: usize,
    f: &SetFit,
    data: &fit::SetData,
    folds: usize,
) {
    let set = &rb.sets[si];
    let one = set.mode == Mode::One;
    let _ = writeln!(
        out,
        "\n== {} ({}, {} posts, regularisation λ = {}, thresholds {})",
        set.id,
        if one { "one" } else { "many" },
        f.posts,
        f.config.lambda,
        if f.config.thresholds {
            "fitted"
        } else {
            "kept"
        }
    );
    let _ = writeln!(
        out,
        "  {:<28}  macro-F1  micro-F1{}",
        "",
        if one { "  accuracy" } else { "" }
    );
    let rows = [
        ("before, in-sample", &f.before),
        ("before, cross-validated", &f.before),
        ("after, in-sample", &f.after),
        ("after, cross-validated", &f.cross_validated),
    ];
    for (name, m) in rows {
        let _ = writeln!(out, "  {name:<28}  {}", figures(m));
    }
    let _ = writeln!(
        out,
        "  (before: the rulebook as it is, fitted on nothing, so both figures are the same; \
         cross-validated: each post decided by weights fitted on the other {} folds)",
        folds - 1
    );
    if f.no_gain {
        let _ = writeln!(
            out,
            "  kept every weight and threshold: the cross-validated micro-F1 ({:.3}) is below the \
             rulebook's ({:.3}), so weights fitted on these posts would not carry over to others",
            f.cross_validated.micro_f1, f.before.micro_f1
        );
    }
    out.push('\n');
    write_class_table(
        out,
        "per label, the rulebook as it is -> fitted weights, cross-validated:",
        "label",
        &class_names(set),
        &f.classes_before,
        &f.classes_cross_validated,
    );
    let rules: Vec<usize> = set_rules(rb, si).collect();
    let changed: Vec<usize> = (0..rules.len())
        .filter(|&j| f.fitted.fitted[j] && f.fitted.weights[j] != data.weights[j])
        .collect();
    let _ = writeln!(
        out,
        "\n  weights changed: {} of {} rules",
        changed.len(),
        rules.len()
    );
    if !changed.is_empty() {
        let w = changed
            .iter()
            .map(|&j| rb.rules[rules[j]].id.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let lw = set
            .labels
            .iter()
            .map(|l| l.id.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(out, "  {:<w$}  {:<lw$}  fired  old -> new", "rule", "label");
        for &j in &changed {
            let r = &rb.rules[rules[j]];
            let _ = writeln!(
                out,
                "  {:<w$}  {:<lw$}  {:>5}  {} -> {}",
                r.id,
                set.labels[r.label].id,
                f.fired[j],
                weight(data.weights[j]),
                weight(f.fitted.weights[j])
            );
        }
    }
    let moved: Vec<usize> = (0..set.labels.len())
        .filter(|&l| f.fitted.thresholds[l] != data.thresholds[l])
        .collect();
    if !moved.is_empty() {
        let _ = writeln!(out, "\n  thresholds changed:");
        let lw = moved
            .iter()
            .map(|&l| set.labels[l].id.len())
            .max()
            .unwrap_or(5);
        for &l in &moved {
            let _ = writeln!(
                out,
                "  {:<lw$}  {} -> {}",
                set.labels[l].id,
                weight(data.thresholds[l]),
                weight(f.fitted.thresholds[l])
            );
        }
    }
    let ids = |js: &mut dyn Iterator<Item = usize>| {
        js.map(|j| rb.rules[rules[j]].id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let pinned: Vec<usize> = (0..rules.len()).filter(|&j| data.pinned[j]).collect();
    if !pinned.is_empty() {
        let _ = writeln!(
            out,
            "  kept (fixed or --keep): {}",
            ids(&mut pinned.iter().copied())
        );
    }
    if !f.fitted.never_fired.is_empty() {
        let _ = writeln!(
            out,
            "  kept, never fired on these posts ({}): {}",
            f.fitted.never_fired.len(),
            ids(&mut f.fitted.never_fired.iter().copied())
        );
    }
    for &(l, n) in &f.fitted.few_examples {
        let _ = writeln!(
            out,
            "  kept, label `{}` has {n} reference post{} ({MIN_EXAMPLES} needed): its rules keep their weights",
            set.labels[l].id,
            if n == 1 { "" } else { "s" }
        );
    }
    for &l in &f.fitted.unreachable {
        let _ = writeln!(
            out,
            "  kept, label `{}`: the fitted weights could not reach its threshold {}",
            set.labels[l].id,
            weight(data.thresholds[l])
        );
    }
    if !f.fitted.near_zero.is_empty() {
        let _ = writeln!(
            out,
            "  fitted to about 0, written as one step of their sign (rules that may not help): {}",
            ids(&mut f.fitted.near_zero.iter().copied())
        );
    }
}
