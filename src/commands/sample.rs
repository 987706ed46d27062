//! `postclass sample`: the posts whose labels are least certain, written as
//! a file to label by hand (a gold file for `eval`, `fit` and `suggest`,
//! or a case file for `test`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::classify::threads;
use super::ids::IdField;
use super::input_args::{end_reading, InputArgs, Reading};
use super::{load_rulebook_on, Outcome};
use crate::output::{self, Sink};
use crate::pipeline;
use crate::sample::{near_note, nearness, note, uncertainty, UncertainPosts};

const EXAMPLES: &str = "\
The posts sampled are those of the first `one` set (customer_type in the default
rulebook) whose label is least certain: the smallest margin between the two best
scores, a tie first, then posts where no rule of the set fired. They are spread
over the labels given: one post of each label in turn (labels in rulebook order,
the fallback last), the most uncertain first within each. Equally uncertain posts
are drawn in an order fixed by --seed, so a run is repeatable and another seed
draws others.

The output is CSV (TSV when FILE ends in .tsv) with the columns `id` (when the
input has an id field: `id`, the preset's, or --id FIELD), `text`, one empty column per label set, and `note` (the
label given, the margin and the two best scores; `eval` and `test` ignore it).
Fill in the set columns, then use the file as:
  a gold file:  postclass eval --gold FILE   (also fit and suggest)
  a case file:  postclass test --cases FILE  (every `one` cell filled in)
Only N posts per label are kept in memory while the input is read, never the
whole input.

With --near LABEL (or SET.LABEL), the posts sampled are instead those the rulebook
comes closest to giving LABEL without giving it: a rule or a lexicon weight gave
LABEL a score above 0, and the label given won by the least (or LABEL fell the
least short of its threshold; for a label of a `many` set such as a trait, its
threshold). Spread over the labels given in the same way, they are where the posts
of a rare label that the rulebook misses are most likely found; the note gives
LABEL's score and how far short it fell.

Examples:
  postclass sample --uncertain 50 week.csv -o to-label.csv
  postclass sample --uncertain 20 week.jsonl --rules mine.toml --seed 7 -o next.csv
  postclass sample --uncertain 100 --preset mastodon statuses.json -o batch.tsv
  postclass sample --uncertain 30 airline_tweets.csv --id tweet_id -o next.csv
  postclass sample --uncertain 40 --near prospect week.csv -o prospects.csv
  postclass sample --uncertain 40 --near traits.multichannel week.csv -o multichannel.csv";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
#[command(mut_arg("delimiter", |a| a.help("Field delimiter of CSV input (default `,`; `\\t` for TSV)")))]
pub struct Args {
    /// How many posts to write: the N least certain.
    #[arg(long, value_name = "N", required = true)]
    pub uncertain: usize,

    /// Rulebook to apply (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Write here instead of stdout (replaced only once complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Field holding the post id, copied to the `id` column (default: `id`,
    /// or the preset's id field).
    #[arg(long = "id", value_name = "FIELD")]
    pub id_field: Option<String>,

    /// Sample the posts closest to getting this label (LABEL, or SET.LABEL)
    /// without getting it, instead of the least certain
    #[arg(long, value_name = "LABEL")]
    pub near: Option<String>,

    /// Orders equally uncertain posts (same seed, same sample).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Threads that classify (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// What is kept of a post sampled.
struct Sampled {
    id: String,
    text: String,
    note: String,
}

pub fn run(args: Args) -> Result<Outcome> {
    output::install_interrupt_cleanup();
    if args.uncertain == 0 {
        bail!("--uncertain must be at least 1: it is how many posts to write");
    }
    let rulebook = load_rulebook_on(args.rules.as_deref(), args.threads.unwrap_or(0))?;
    let Some(set) = rulebook.primary_set() else {
        bail!("sample --uncertain needs a rulebook with a `one` set, whose label it measures; this one has none");
    };
    let near = match &args.near {
        None => None,
        Some(item) => Some(near_label(&rulebook, item)?),
    };
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
    let groups = rulebook.sets[set].labels.len() + 1;
    let mut kept = UncertainPosts::new(args.uncertain, groups, args.seed);
    let mut read = 0u64;
    let mut any_id = matches!(id_field, IdField::Column(_));
    if let (Some(field), Some(sources)) = (opened.field, opened.sources) {
        let lang =
            args.input
                .lang_spec(opened.header.as_ref(), opened.preset, rulebook.needs_lang())?;
        let fields = pipeline::Fields {
            text: &field,
            lang: &lang,
        };
        pipeline::run(&rulebook, fields, sources, threads(args.threads), |batch| {
            for item in batch.items() {
                read += 1;
                if let Some(p) = &item.problem {
                    rejects.reject(item, p)?;
                    continue;
                }
                let u = match near {
                    None => uncertainty(&rulebook, &item.verdict, set),
                    Some(label) => match nearness(&rulebook, &item.verdict, set, label) {
                        Some(u) => u,
                        None => continue,
                    },
                };
                kept.offer(u, || {
                    let mut id = String::new();
                    id_field.read(item, &mut id);
                    any_id |= !id.is_empty();
                    let note = match near {
                        None => note(&rulebook, &item.verdict, set, &u),
                        Some(label) => near_note(&rulebook, &item.verdict, set, label, &u),
                    };
                    Sampled {
                        id,
                        text: item.text.clone(),
                        note,
                    }
                });
            }
            progress.rows(batch.items().len() as u64);
            Ok(())
        })?;
    }
    end_reading(&args.input, progress, rejects, &replaced, read, &say)?;
    let rows = kept.finish();

    let tsv = args
        .output
        .as_deref()
        .and_then(Path::extension)
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let mut sink = Sink::create(args.output.as_deref())?;
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if tsv { b'\t' } else { b',' })
            .from_writer(&mut sink);
        let mut header: Vec<&str> = Vec::new();
        if any_id {
            header.push("id");
        }
        header.push("text");
        header.extend(rulebook.sets.iter().map(|s| s.id.as_str()));
        header.push("note");
        w.write_record(&header)?;
        for k in &rows {
            let mut record: Vec<&str> = Vec::with_capacity(header.len());
            if any_id {
                record.push(&k.post.id);
            }
            record.push(&k.post.text);
            record.extend(rulebook.sets.iter().map(|_| ""));
            record.push(&k.post.note);
            w.write_record(&record)?;
        }
        w.flush().context("writing the sample")?;
    }
    sink.flush().context("writing the sample")?;
    sink.finish()?;
    if let Some(p) = &args.output {
        say(format!(
            "{} of {read} posts written to {}, to label by hand",
            rows.len(),
            p.display()
        ));
    }
    Ok(Outcome::Success)
}

/// The label `--near` names (LABEL, or SET.LABEL when several sets have
/// it): any label but the fallback of a `one` set.
fn near_label(rulebook: &crate::engine::Rulebook, item: &str) -> Result<(usize, usize)> {
    let (si, li) = super::find_label(rulebook, item, "--near")?;
    let s = &rulebook.sets[si];
    if s.fallback_label == Some(li) {
        bail!(
            "--near: `{}` is the fallback of set `{}`, given when no label wins; name one of its other labels",
            s.labels[li].id,
            s.id
        );
    }
    Ok((si, li))
}
