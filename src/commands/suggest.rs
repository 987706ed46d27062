//! `postclass suggest`: phrases, hashtags and emoji from posts labelled by
//! hand that would make good new rules, as TOML ready to paste.

use std::path::PathBuf;

use anyhow::{bail, Result};

use super::gold::{read_gold, GoldArgs};
use super::{load_rulebook, Outcome};
use crate::engine::Rulebook;
use crate::suggest::{render_table, render_toml, suggest, Options, Target};

const EXAMPLES: &str = "\
Candidates are phrases of one to three words of the posts, normalised as the
rulebook normalises them, plus hashtags and emoji. Phrases made only of
stopwords (short French and English lists) or numbers, @handles and links are
left out, and so is anything the rulebook already has: any phrase of its
`any`, `all`, `none` and `near` lists, anything a prefix pattern `word*`
covers, its hashtags and emoji.

For each label, the candidates found in at least --min-support of its posts,
right at least --min-precision of the time, and whose precision's lower bound
beats the label's share of the posts, are ranked by the lower
bound of their precision (one-sided 95% Wilson) times the posts of the label
they occur in, a post the rulebook misses counting four times as much as one
it already gets right. A phrase around a better one already listed is
skipped. Each suggestion is a rule of weight equal to the label's threshold,
with an id unused in the rulebook (`suggested-LABEL-N`), commented with:
  support   labelled posts the candidate occurs in
  hits      of those, posts of the label (precision = hits / support)
  catches   posts of the label the rulebook does not give it, that it occurs in
Paste the rules under the label's [[set.label]], then run `postclass check`
and `postclass eval` to see what they do. The gold file is read into memory.

Examples:
  postclass suggest --gold labelled.csv --for angry
  postclass suggest --gold ../shared/data/dev_fr.csv --where split=tune --for angry --top 15
  postclass suggest --gold labelled.csv --rules mine.toml --for traits.price_sensitive --format table
  postclass suggest --gold labelled.jsonl --format json > suggestions.json   # every label";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub gold: GoldArgs,

    /// Rulebook to extend (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// The label to find rules for: LABEL, or SET.LABEL when several sets
    /// have it. Repeatable. Default: every label with rules of every set.
    #[arg(long = "for", value_name = "LABEL")]
    pub targets: Vec<String>,

    /// Suggest only what occurs in at least N posts of the label.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub min_support: u64,

    /// Suggest only what is right at least this share of the time (0 to 1).
    #[arg(long, value_name = "P", default_value_t = 0.5)]
    pub min_precision: f64,

    /// At most K suggestions per label.
    #[arg(long, value_name = "K", default_value_t = 10)]
    pub top: usize,

    /// `toml` (rules to paste, the default), `table` or `json`.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "toml")]
    pub format: SuggestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SuggestFormat {
    Toml,
    Table,
    Json,
}

pub fn run(args: Args) -> Result<Outcome> {
    if args.top == 0 {
        bail!("--top must be at least 1");
    }
    if !(0.0..=1.0).contains(&args.min_precision) {
        bail!(
            "--min-precision must be between 0 and 1, not {}",
            args.min_precision
        );
    }
    let rulebook = load_rulebook(args.rules.as_deref())?;
    let targets = parse_targets(&args.targets, &rulebook)?;
    let gold = read_gold(&args.gold, &rulebook)?;
    gold.require_posts("mine")?;
    for t in &targets {
        if gold.fields[t.set].is_none() {
            let set = &rulebook.sets[t.set];
            bail!(
                "{}: no field holds the reference labels of set `{}`; expected a column `{}` (or pass --label {}=FIELD)",
                gold.name,
                set.id,
                set.id,
                set.id
            );
        }
    }
    let groups = suggest(
        &rulebook,
        &gold.posts,
        &targets,
        Options {
            min_support: args.min_support,
            top: args.top,
            min_precision: args.min_precision,
        },
    );
    let text = match args.format {
        SuggestFormat::Toml => render_toml(&groups),
        SuggestFormat::Table => render_table(&groups),
        SuggestFormat::Json => {
            let mut s = serde_json::to_string_pretty(&groups)?;
            s.push('\n');
            s
        }
    };
    print!("{text}");
    Ok(Outcome::Success)
}

/// The labels of `--for`, or every label with rules of the sets.
fn parse_targets(items: &[String], rulebook: &Rulebook) -> Result<Vec<Target>> {
    let all: Vec<(Target, String)> = rulebook
        .sets
        .iter()
        .enumerate()
        .flat_map(|(si, s)| {
            s.labels
                .iter()
                .enumerate()
                .map(move |(li, l)| (Target { set: si, label: li }, format!("{}.{}", s.id, l.id)))
        })
        .collect();
    if items.is_empty() {
        return Ok(all
            .into_iter()
            .filter(|(t, _)| !rulebook.sets[t.set].labels[t.label].rules.is_empty())
            .map(|(t, _)| t)
            .collect());
    }
    let mut out = Vec::new();
    for item in items {
        let (set, label) = super::find_label(rulebook, item, "--for")?;
        let t = Target { set, label };
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}
