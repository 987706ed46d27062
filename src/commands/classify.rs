//! `postclass classify`: label every post of an export.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use csv::ByteRecord;
use serde_json::Value;

use super::consumers::{self, Consumers};
use super::{load_rulebook, Outcome};
use crate::input::delimited::DelimitedSource;
use crate::input::fields::{self, JsonPath};
use crate::input::jsonl::JsonlSource;
use crate::input::presets::{self, Preset};
use crate::input::{resolve_format, Input, InputFormat, ReadArgs, RecordError};
use crate::output::rejects::{self, RejectArgs, Rejects};
use crate::output::split::SplitLayout;
use crate::output::{self, LabelColumns, OutputFormat, Row, RowWriter, Sink};
use crate::pipeline::{self, Item, Opener, Raw, RecordSource, Sources, TextField};
use crate::progress::Progress;
use crate::summary::{DecodingCounts, Summary, SummaryFormat};

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
    /// Input files (CSV, TSV, JSONL, JSON arrays, tweets.js; each optionally
    /// gzip or zstd compressed); `-` or none for stdin.
    pub inputs: Vec<PathBuf>,

    /// Rulebook to apply (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Field holding the post text: a CSV column or a dotted JSON path
    /// (`tweet.full_text`). Detected from common export names when absent.
    #[arg(short, long, value_name = "FIELD")]
    pub text: Option<String>,

    /// Input format, when the file extension does not tell (always for stdin).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,

    /// Read the export of a known tool: its text, its id, author, date,
    /// language and mentions fields (the default --fields of CSV output)
    /// and, for twarc2, one post per tweet. Implies JSON input. Detected from
    /// the first record when neither --preset nor --text is given.
    #[arg(long, value_enum, value_name = "NAME")]
    pub preset: Option<Preset>,

    /// Field delimiter of CSV input and output (default `,`; `\t` for TSV).
    #[arg(short, long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

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

    /// Worker threads (default: the number of cores). Output is the same
    /// whatever the number.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print nothing on stderr but errors (no progress bar, no notes).
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub read: ReadArgs,

    #[command(flatten)]
    pub reject: RejectArgs,

    #[command(flatten)]
    pub consumers: consumers::ConsumerArgs,
}

pub(crate) fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "\\t" | "tab" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "a delimiter is one ASCII character (or `\\t`), not `{s}`"
        )),
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    output::install_interrupt_cleanup();
    let rulebook = load_rulebook(args.rules.as_deref())?;
    let replaced = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let read_options = args.read.options(std::sync::Arc::clone(&replaced));
    let inputs: Vec<Input> = inputs_of(&args.inputs)?
        .into_iter()
        .map(|i| i.with_options(read_options.clone()))
        .collect();
    let mut progress = Progress::new(!args.quiet, &inputs);
    let inputs: Vec<Input> = inputs
        .into_iter()
        .map(|i| i.counting(&progress.counter()))
        .collect();
    let format = input_format(&inputs, args.input_format, args.preset)?;
    let out_format = args
        .output_format
        .unwrap_or(OutputFormat::from_input(format));
    let input_paths: Vec<Option<PathBuf>> = inputs.iter().map(|i| i.path.clone()).collect();
    for target in [&args.output, &args.summary, &args.reject.rejects]
        .into_iter()
        .flatten()
    {
        if target.as_os_str() != "-" {
            output::ensure_not_an_input(target, &input_paths)?;
        }
    }
    rejects::ensure_distinct(
        args.reject.rejects.as_deref(),
        &[args.output.as_deref(), args.summary.as_deref()],
    )?;
    let delimiter = args.delimiter.unwrap_or(if format == InputFormat::Tsv {
        b'\t'
    } else {
        b','
    });
    let mut rejects = Rejects::create(
        &args.reject,
        inputs.iter().map(Input::display_name).collect(),
        delimiter,
    )?;
    let say = |msg: String| {
        if !args.quiet {
            eprintln!("postclass: {msg}");
        }
    };

    let opened = open_inputs(
        &inputs,
        format,
        args.delimiter,
        args.text.as_deref(),
        args.preset,
        &say,
    )?;
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
                    (Raw::Line(line), Some(value)) => Row::Json { line, value },
                    (Raw::Line(_), None) => {
                        unreachable!("JSON records are parsed before they are labelled")
                    }
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
    if !args.read.encoding.is_strict_utf8() {
        summary.decoding = Some(DecodingCounts {
            encoding: args.read.encoding.name().to_string(),
            replaced: replaced.load(std::sync::atomic::Ordering::Relaxed),
        });
    }
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

/// The inputs named on the command line; none means standard input.
pub(crate) fn inputs_of(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let inputs: Vec<Input> = if paths.is_empty() {
        vec![Input::stdin()]
    } else {
        paths.iter().map(|p| Input::from_arg(p)).collect()
    };
    if inputs.iter().filter(|i| i.path.is_none()).count() > 1 {
        bail!("standard input (`-`) can be read only once");
    }
    Ok(inputs)
}

/// The format of the inputs: `--input-format`, else their names; a preset
/// reads JSON.
pub(crate) fn input_format(
    inputs: &[Input],
    forced: Option<InputFormat>,
    preset: Option<Preset>,
) -> Result<InputFormat> {
    let format = match (forced, preset) {
        // A preset reads JSON: it says the format when the names do not.
        (None, Some(_)) => resolve_format(inputs, None).unwrap_or(InputFormat::Jsonl),
        (forced, _) => resolve_format(inputs, forced)?,
    };
    if let (Some(p), InputFormat::Csv | InputFormat::Tsv) = (preset, format) {
        bail!(
            "--preset {} reads JSON exports, but the input format is {}",
            p.name(),
            format.name()
        );
    }
    Ok(format)
}

pub(crate) fn threads(asked: Option<usize>) -> usize {
    asked
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The inputs, opened far enough to know their header and text field.
pub(crate) struct Opened {
    pub header: Option<ByteRecord>,
    /// `None` when no input has a record (nothing to detect the text from).
    pub field: Option<TextField>,
    pub sources: Option<Sources>,
    /// The preset the JSON inputs are read with.
    pub preset: Option<Preset>,
}

/// Opens `inputs` of `format`, finding the text field (`text`, the
/// preset's, else detected and reported through `say`).
pub(crate) fn open_inputs(
    inputs: &[Input],
    format: InputFormat,
    delimiter: Option<u8>,
    text: Option<&str>,
    preset: Option<Preset>,
    say: &dyn Fn(String),
) -> Result<Opened> {
    match format {
        InputFormat::Csv | InputFormat::Tsv => {
            let default = if format == InputFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            open_delimited(text, inputs, delimiter.unwrap_or(default), say)
        }
        InputFormat::Jsonl => open_jsonl(text, preset, inputs, say),
    }
}

fn open_delimited(
    text: Option<&str>,
    inputs: &[Input],
    delimiter: u8,
    say: &dyn Fn(String),
) -> Result<Opened> {
    // Empty files (no header, no records) before the first real one add nothing.
    let mut start = 0;
    let first = loop {
        let src = DelimitedSource::open(&inputs[start], start, delimiter)?;
        let empty = src.headers().len() <= 1 && src.headers().iter().all(|h| h.is_empty());
        if !empty {
            break src;
        }
        start += 1;
        if start == inputs.len() {
            return Ok(Opened {
                header: None,
                field: None,
                sources: None,
                preset: None,
            });
        }
    };
    let header = first.headers().clone();
    let names = first.header_names();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let column = match text {
        Some(t) => fields::find_csv_column(&name_refs, t).with_context(|| {
            format!(
                "{}: no column named `{t}`; the columns are: {}",
                first.name(),
                names.join(", ")
            )
        })?,
        None => {
            let c = fields::detect_csv_column(&name_refs).with_context(|| {
                format!(
                    "{}: cannot find the text column; pass --text NAME. The columns are: {}",
                    first.name(),
                    names.join(", ")
                )
            })?;
            say(format!(
                "{}: text field `{}` (detected)",
                first.name(),
                names[c]
            ));
            c
        }
    };
    let mut rest: Vec<Opener> = Vec::new();
    for (i, input) in inputs.iter().enumerate().skip(start + 1) {
        let input = input.clone();
        let expected = header.clone();
        let first_name = first.name().to_string();
        rest.push(Box::new(move || {
            let src = DelimitedSource::open(&input, i, delimiter)?;
            let empty = src.headers().len() <= 1 && src.headers().iter().all(|h| h.is_empty());
            if !empty && *src.headers() != expected {
                bail!(
                    "{}: its header differs from the header of {first_name}; inputs read together must have the same columns",
                    src.name()
                );
            }
            Ok(Box::new(src) as Box<dyn RecordSource>)
        }));
    }
    Ok(Opened {
        header: Some(header),
        field: Some(TextField::Column(column, names[column].clone())),
        sources: Some(Sources::new(Box::new(first), rest)),
        preset: None,
    })
}

fn open_jsonl(
    text: Option<&str>,
    preset: Option<Preset>,
    inputs: &[Input],
    say: &dyn Fn(String),
) -> Result<Opened> {
    // The first record tells the text field; it is read once and replayed.
    let mut start = 0;
    let (first, peek) = loop {
        let mut src = JsonlSource::open(&inputs[start], start)?;
        let mut peek = Item::default();
        if src.next_into(&mut peek)? {
            break (src, peek);
        }
        start += 1;
        if start == inputs.len() {
            return Ok(Opened {
                header: None,
                field: text
                    .map(|t| TextField::Path(JsonPath::parse(t)))
                    .or(preset.map(TextField::Preset)),
                sources: None,
                preset,
            });
        }
    };
    let mut preset = preset;
    let field = match text {
        Some(t) => TextField::Path(JsonPath::parse(t)),
        None => {
            let name = inputs[start].display_name();
            let Raw::Line(line) = &peek.raw else {
                unreachable!("JSONL sources yield lines")
            };
            if let Some(p) = &peek.read_problem {
                bail!(
                    "{name}:{}: the first record cannot be read ({}), so the text field cannot be detected: pass --text PATH",
                    peek.pos.line,
                    p.reason
                );
            }
            let value: Value = serde_json::from_slice(line).map_err(|e| RecordError {
                file: name.clone(),
                line: peek.pos.line,
                record: 1,
                field: None,
                reason: format!(
                    "invalid JSON: {e}; the text field cannot be detected from it: pass --text PATH"
                ),
            })?;
            if preset.is_none() {
                preset = Preset::detect(&value);
                if let Some(p) = preset {
                    say(format!(
                        "{name}: preset `{}` detected ({})",
                        p.name(),
                        p.describe()
                    ));
                }
            }
            if let Some(p) = preset {
                return open_jsonl_with(Some(p), TextField::Preset(p), inputs, start, first, peek);
            }
            let p = fields::detect_json_path(&value).with_context(|| {
                format!(
                    "{name}: cannot find the text field; pass --text PATH. The string fields are: {}",
                    fields::json_string_paths(&value).join(", ")
                )
            })?;
            say(format!("{name}: text field `{p}` (detected)"));
            TextField::Path(p)
        }
    };
    open_jsonl_with(preset, field, inputs, start, first, peek)
}

/// The JSON inputs from `start`, the first one's first record `peek`
/// already read, as posts.
fn open_jsonl_with(
    preset: Option<Preset>,
    field: TextField,
    inputs: &[Input],
    start: usize,
    first: JsonlSource,
    peek: Item,
) -> Result<Opened> {
    let rest: Vec<Opener> = inputs
        .iter()
        .enumerate()
        .skip(start + 1)
        .map(|(i, input)| {
            let input = input.clone();
            Box::new(move || Ok(Box::new(JsonlSource::open(&input, i)?) as Box<dyn RecordSource>))
                as Opener
        })
        .collect();
    let replay = Replay {
        item: Some(peek),
        rest: first,
    };
    let sources = Sources::new(Box::new(replay), rest);
    Ok(Opened {
        header: None,
        field: Some(field),
        sources: Some(match preset {
            Some(p) => p.posts(sources),
            None => sources,
        }),
        preset,
    })
}

/// A source that yields one record already read, then the rest.
struct Replay {
    item: Option<Item>,
    rest: JsonlSource,
}

impl RecordSource for Replay {
    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        if let Some(first) = self.item.take() {
            item.pos = first.pos;
            item.raw = first.raw;
            item.read_problem = first.read_problem;
            return Ok(true);
        }
        self.rest.next_into(item)
    }
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
