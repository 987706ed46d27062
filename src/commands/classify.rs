//! `postclass classify`: label every post of an export.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use csv::ByteRecord;

use super::consumers::{self, Consumers};
use super::input_args::InputArgs;
use super::{load_rulebook_on, Outcome};
use crate::input::presets;
use crate::input::Input;
use crate::output::split::SplitLayout;
use crate::output::{self, LabelColumns, OutputFormat, Row, RowWriter, Sink};
use crate::pipeline::{self, Raw};
use crate::progress::Progress;
use crate::summary::{Summary, SummaryFormat};

const EXAMPLES: &str = "\
Examples:
  postclass classify examples/tweets.csv
  postclass classify export.jsonl --text tweet.full_text -o out.jsonl --summary summary.json
  cat export.csv | postclass classify --rules my.toml --summary - > labelled.csv
  postclass classify big.csv.gz --summary-only
  postclass classify --preset reddit RC_2023-01.zst --summary-only
  postclass classify tweets.js -o labelled.csv --fields id,created_at,text
  postclass classify week.csv --split-dir lists/ --only angry,prospect -o to-handle.csv
  postclass classify week.jsonl --by mentions --by created_at:day --summary summary.json
  postclass classify week.csv --by lang --report report.html --summary-only -q
  postclass classify excel.csv --encoding windows-1252 --on-error skip --rejects rejects.jsonl";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Rulebook to apply (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Write labelled rows here (default: stdout). Written to a temporary
    /// file and moved into place only when complete.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Output format (default: the input's).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,

    /// Write summary counts here: .json, .csv, .md (by extension). `-` means
    /// stdout when rows go to a file or nowhere, else stderr; a table on a
    /// terminal, JSON otherwise.
    #[arg(long, value_name = "FILE|-")]
    pub summary: Option<PathBuf>,

    /// Only count: write the summary (to stdout unless --summary says where), no rows.
    #[arg(long)]
    pub summary_only: bool,

    /// For JSON input written as CSV/TSV: the fields (dotted paths, or with
    /// a preset its field names and `text`) that become columns before the
    /// labels (default: the preset's fields and text, else the text field).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub fields: Vec<String>,

    /// Prefix for the added field names, when the input already has a
    /// field named like one of them.
    #[arg(long, value_name = "STR", default_value = "")]
    pub prefix: String,

    /// Threads (default: the number of cores): workers that classify, and
    /// up to four that build the rulebook's regexes at start. Output is the
    /// same whatever the number.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print nothing on stderr but errors (no progress bar, no notes).
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub consumers: consumers::ConsumerArgs,
}

pub fn run(args: Args) -> Result<Outcome> {
    output::install_interrupt_cleanup();
    let rulebook = load_rulebook_on(args.rules.as_deref(), args.threads.unwrap_or(0))?;
    let replaced = Arc::new(AtomicU64::new(0));
    let inputs = args.input.inputs(&replaced)?;
    let mut progress = Progress::new(!args.quiet, &inputs);
    let inputs: Vec<Input> = inputs
        .into_iter()
        .map(|i| i.counting(&progress.counter()))
        .collect();
    let format = args.input.format(&inputs)?;
    let out_format = args
        .output_format
        .unwrap_or(OutputFormat::from_input(format));
    let input_paths: Vec<Option<PathBuf>> = inputs.iter().map(|i| i.path.clone()).collect();
    args.input
        .check_outputs(&inputs, &[args.output.as_deref(), args.summary.as_deref()])?;
    let mut rejects = args.input.rejects(&inputs, format)?;
    let say = |msg: String| {
        if !args.quiet {
            eprintln!("postclass: {msg}");
        }
    };

    let opened = args.input.open(&inputs, format, &say)?;
    let columns = LabelColumns::new(&rulebook, &args.prefix);
    check_added_fields(opened.header.as_ref(), &columns)?;
    let json_fields = presets::flat_fields(opened.preset, &args.fields, opened.field.as_ref());
    let names: Vec<String> = inputs.iter().map(Input::display_name).collect();
    let mut consumers = Consumers::new(
        &args.consumers,
        &rulebook,
        &consumers::Context {
            header: opened.header.as_ref(),
            layout: SplitLayout {
                format: out_format,
                columns: &columns,
                header: opened.header.as_ref(),
                json_fields: &json_fields,
                inputs: &input_paths,
            },
            names: &names,
        },
    )?;
    let mut writer = if args.summary_only {
        None
    } else {
        Some(RowWriter::with_fields(
            Sink::create(args.output.as_deref())?,
            out_format,
            columns,
            opened.header.as_ref(),
            json_fields,
        )?)
    };

    let mut summary = Summary::new(&rulebook);
    if let (Some(field), Some(sources)) = (opened.field, opened.sources) {
        // JSON records are kept as values only for what reads their other
        // fields: CSV output and split lists (columns), and breakdowns.
        // Else only the text is read from them, which is much cheaper.
        let keep_values = out_format != OutputFormat::Jsonl
            || args.consumers.split_dir.is_some()
            || !args.consumers.by.is_empty();
        let field = if keep_values {
            field
        } else {
            field.text_only()
        };
        let empty = ByteRecord::new();
        let header = opened.header.as_ref().unwrap_or(&empty);
        pipeline::run(&rulebook, &field, sources, threads(args.threads), |batch| {
            for item in batch.items() {
                summary.rows.read += 1;
                if let Some(p) = &item.problem {
                    rejects.reject(item, p)?;
                    continue;
                }
                summary.add(&rulebook, &item.verdict);
                let row = match (&item.raw, &item.value) {
                    (Raw::Csv(record), _) => Row::Csv {
                        headers: header,
                        record,
                    },
                    (Raw::Line(line), value) => Row::Json {
                        line,
                        value: value.as_ref(),
                    },
                };
                let keep = consumers.row(&rulebook, item, row)?;
                if let (Some(w), true) = (&mut writer, keep) {
                    w.write(row, &rulebook, &item.verdict)?;
                }
            }
            progress.rows(batch.items().len() as u64);
            Ok(())
        })?;
    }
    progress.finish();
    summary.rows.rejected = rejects.count();
    if let Some(note) = rejects.note(summary.rows.read) {
        say(note);
    }
    rejects.finish()?;
    if let Some(w) = writer {
        w.finish()?;
    }
    summary.decoding = args.input.decoding(&replaced);
    summary.update_shares();
    consumers.finish(&rulebook, &mut summary)?;
    write_summary(&args, &summary)?;
    Ok(Outcome::Success)
}

/// Refuses added fields named like a column of the input.
pub(crate) fn check_added_fields(
    header: Option<&ByteRecord>,
    columns: &LabelColumns,
) -> Result<()> {
    if let Some(h) = header {
        for name in &columns.names {
            if h.iter().any(|f| f == name.as_bytes()) {
                bail!(
                    "the input already has a field named `{name}`; pass --prefix (e.g. --prefix pc_) to name the added fields differently"
                );
            }
        }
    }
    Ok(())
}

pub(crate) fn threads(asked: Option<usize>) -> usize {
    asked
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn write_summary(args: &Args, summary: &Summary) -> Result<()> {
    let dest = match (&args.summary, args.summary_only) {
        (Some(p), _) if p.as_os_str() != "-" => {
            let text = SummaryFormat::from_path(p).render(summary);
            let mut sink = Sink::File(output::AtomicFile::create(p)?);
            sink.write_all(text.as_bytes())
                .with_context(|| format!("writing summary {}", p.display()))?;
            return sink.finish();
        }
        (Some(_), _) | (None, true) => {
            // `-`: stdout unless the rows are on it.
            if args.summary_only || args.output.as_ref().is_some_and(|o| o.as_os_str() != "-") {
                Dest::Stdout
            } else {
                Dest::Stderr
            }
        }
        (None, false) => return Ok(()),
    };
    match dest {
        Dest::Stdout => {
            let out = std::io::stdout();
            let fmt = if out.is_terminal() {
                SummaryFormat::Table
            } else {
                SummaryFormat::Json
            };
            let mut lock = out.lock();
            lock.write_all(fmt.render(summary).as_bytes())?;
            lock.flush()?;
        }
        Dest::Stderr => {
            let err = std::io::stderr();
            let fmt = if err.is_terminal() {
                SummaryFormat::Table
            } else {
                SummaryFormat::Json
            };
            err.lock().write_all(fmt.render(summary).as_bytes())?;
        }
    }
    Ok(())
}

enum Dest {
    Stdout,
    Stderr,
}
