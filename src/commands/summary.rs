//! `postclass summary`: work with summary files, such as adding up the
//! summaries of the parts of an input (`summary merge`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use super::Outcome;
use crate::output::{self, Sink};
use crate::summary::{Summary, SummaryFormat};

const EXAMPLES: &str = "\
Examples:
  postclass summary merge monday.json tuesday.json wednesday.json
  postclass summary merge shard-*.json -o week.json
  postclass summary merge part1.json part2.json --format md > week.md";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: SummaryCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SummaryCommand {
    /// Add up JSON summaries (from `classify --summary x.json`) of parts of
    /// an input: the result is the summary of all the parts read at once.
    Merge(MergeArgs),
}

const MERGE_EXAMPLES: &str = "\
Examples:
  postclass summary merge monday.json tuesday.json -o both.json
  postclass summary merge shard-*.json --format table

Every summary must come from the same rulebook (name, version, sets, labels
and rules) and the same --by breakdowns; shares are recomputed from the
added counts.";

#[derive(Debug, clap::Args)]
#[command(after_help = MERGE_EXAMPLES)]
pub struct MergeArgs {
    /// JSON summary files, at least one.
    #[arg(required = true, value_name = "SUMMARY")]
    pub summaries: Vec<PathBuf>,

    /// Write the merged summary here (replaced only once complete); its
    /// extension gives the format unless --format does.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// json, csv, md or table (default: by the --output extension; on
    /// stdout, a table on a terminal, JSON otherwise).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
    Md,
    Table,
}

pub fn run(args: Args) -> Result<Outcome> {
    match args.command {
        SummaryCommand::Merge(m) => merge(m),
    }
}

fn read(path: &PathBuf) -> Result<Summary> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read summary {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a postclass JSON summary (write one with `classify --summary FILE.json`)",
            path.display()
        )
    })
}

fn merge(args: MergeArgs) -> Result<Outcome> {
    if let Some(o) = &args.output {
        let inputs: Vec<Option<PathBuf>> = args.summaries.iter().cloned().map(Some).collect();
        output::ensure_not_an_input(o, &inputs)?;
    }
    let mut files = args.summaries.iter();
    let Some(first) = files.next() else {
        bail!("summary merge needs at least one summary file");
    };
    let mut total = read(first)?;
    for path in files {
        let next = read(path)?;
        total.merge(&next, &path.display().to_string())?;
    }
    total.update_shares();
    let format = match (args.format, &args.output) {
        (Some(f), _) => match f {
            Format::Json => SummaryFormat::Json,
            Format::Csv => SummaryFormat::Csv,
            Format::Md => SummaryFormat::Markdown,
            Format::Table => SummaryFormat::Table,
        },
        (None, Some(o)) if o.as_os_str() != "-" => SummaryFormat::from_path(o),
        (None, _) if std::io::stdout().is_terminal() => SummaryFormat::Table,
        (None, _) => SummaryFormat::Json,
    };
    let mut sink = Sink::create(args.output.as_deref())?;
    sink.write_all(format.render(&total).as_bytes())
        .context("writing the merged summary")?;
    sink.finish()?;
    Ok(Outcome::Success)
}
