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
use crate::input::flatten::{self, FlatField};
use crate::input::Input;
use crate::lang::Lang;
use crate::output::labels::LangColumns;
use crate::output::split::SplitLayout;
use crate::output::{self, LabelColumns, OutputFormat, Row, RowWriter, Sink};
use crate::pipeline::Problem;
use crate::pipeline::{self, Raw};
use crate::progress::Progress;
use crate::summary::{LanguageCounts, Summary, SummaryFormat};

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
  postclass classify week.jsonl --lang fr,en --rejects other-languages.jsonl -o out.jsonl
  postclass classify export.csv --lang-field language --reason -o out.csv
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

    #[command(flatten)]
    pub langs: LangArgs,
}

/// What is done with each post's language.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Languages")]
pub struct LangArgs {
    /// Keep only the posts in these languages (ISO 639-1 codes; `und` for
    /// posts whose language is unknown). The others are counted as rejected
    /// and written to --rejects FILE with their language, so that rows read
    /// = rows written + rejected.
    #[arg(long = "lang", value_name = "LANG[,LANG]", value_delimiter = ',', value_parser = parse_lang)]
    pub keep: Vec<Lang>,

    /// Leave out the `lang` and `lang_source` columns.
    #[arg(long)]
    pub no_lang: bool,

    /// Add a `reason` column: `language:xx` for a post given the fallback
    /// because the rulebook does not cover its language, empty otherwise.
    #[arg(long)]
    pub reason: bool,
}

/// Parses a language code of `--lang`.
pub fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s.trim()).ok_or_else(|| {
        let hint = Lang::from_field(s)
            .or_else(|| Lang::from_name(s))
            .map_or(String::new(), |l| format!(" (did you mean `{l}`?)"));
        format!("`{s}` is not an ISO 639-1 language code nor `und`{hint}")
    })
}

impl LangArgs {
    /// Whether the run needs each post's language beyond what the rulebook
    /// needs: for columns, the filter, or a breakdown by language.
    pub fn wanted(&self, by: &[String]) -> bool {
        !self.no_lang || !self.keep.is_empty() || self.reason || by.iter().any(|b| b == "lang")
    }

    /// Why `lang` is left out by `--lang`, if it is.
    pub fn left_out(&self, lang: Lang) -> Option<Problem> {
        if self.keep.is_empty() || self.keep.contains(&lang) {
            return None;
        }
        let list: Vec<&str> = self.keep.iter().map(Lang::as_str).collect();
        Some(Problem {
            field: Some("lang".into()),
            reason: format!("language:{lang}, not in --lang {}", list.join(",")),
        })
    }
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
    let mut rejects = args
        .input
        .rejects_filtering(&inputs, format, !args.langs.keep.is_empty())?;
    let say = super::say(args.quiet);

    let opened = args.input.open(&inputs, format, &say)?;
    let lang_on = rulebook.needs_lang() || args.langs.wanted(&args.consumers.by);
    let lang = args
        .input
        .lang_spec(opened.header.as_ref(), opened.preset, lang_on)?;
    let json_fields = flatten::flat_fields(opened.preset, &args.fields, opened.field.as_ref());
    // An export that has its own `lang` field keeps it: it is the posts'
    // language (unless --lang-field names another), and a second `lang`
    // would clash. postclass then adds `lang_source` alone.
    let own_lang = args.prefix.is_empty()
        && match &opened.header {
            Some(h) => h.iter().any(|f| f == b"lang"),
            None => {
                out_format != OutputFormat::Jsonl && json_fields.iter().any(|f| f.name() == "lang")
            }
        };
    let columns = LabelColumns::with_lang(
        &rulebook,
        &args.prefix,
        LangColumns {
            lang: !args.langs.no_lang && !own_lang,
            source: !args.langs.no_lang,
            reason: args.langs.reason,
        },
    );
    check_added_fields(opened.header.as_ref(), &columns)?;
    if out_format != OutputFormat::Jsonl && opened.header.is_none() {
        check_flat_fields(&json_fields, &columns)?;
    }
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
    if lang_on {
        summary.languages = Some(LanguageCounts::new(&rulebook));
    }
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
        let fields = pipeline::Fields {
            text: &field,
            lang: &lang,
        };
        pipeline::run(&rulebook, fields, sources, threads(args.threads), |batch| {
            for item in batch.items() {
                summary.rows.read += 1;
                if let Some(p) = &item.problem {
                    rejects.reject(item, p)?;
                    continue;
                }
                if let Some(p) = args.langs.left_out(item.verdict.lang.lang) {
                    rejects.set_aside(item, &p)?;
                    continue;
                }
                summary.add(&rulebook, &item.verdict);
                let row = match (&item.raw, &item.value) {
                    (Raw::Csv(record), _) => Row::Csv {
                        headers: header,
                        record: record.as_byte_record(),
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

/// Refuses added fields named like a column flattened from JSON input.
fn check_flat_fields(fields: &[FlatField], columns: &LabelColumns) -> Result<()> {
    for f in fields {
        if columns.names.iter().any(|n| n == f.name()) {
            bail!(
                "--fields {0}: postclass adds a field named `{0}` too; pass --prefix (e.g. --prefix pc_) to name the added fields differently{1}",
                f.name(),
                if f.name() == "lang" { ", or --no-lang" } else { "" }
            );
        }
    }
    Ok(())
}

/// Refuses added fields named like a column of the input.
pub(crate) fn check_added_fields(
    header: Option<&ByteRecord>,
    columns: &LabelColumns,
) -> Result<()> {
    if let Some(h) = header {
        for name in &columns.names {
            if h.iter().any(|f| f == name.as_bytes()) {
                let no_lang = if name.ends_with("lang") || name.ends_with("lang_source") {
                    ", or --no-lang to leave out the language columns"
                } else {
                    ""
                };
                bail!(
                    "the input already has a field named `{name}`; pass --prefix (e.g. --prefix pc_) to name the added fields differently{no_lang}"
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
