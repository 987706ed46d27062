//! `postclass classify`: label every post of an export.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use csv::ByteRecord;
use serde_json::Value;

use super::{load_rulebook, Outcome};
use crate::input::delimited::DelimitedSource;
use crate::input::fields::{self, JsonPath};
use crate::input::jsonl::JsonlSource;
use crate::input::{resolve_format, Input, InputFormat, RecordError};
use crate::output::{self, LabelColumns, OutputFormat, Row, RowWriter, Sink};
use crate::rulebook::Rulebook;
use crate::summary::{Summary, SummaryFormat};
use crate::{Scratch, Verdict};

const EXAMPLES: &str = "\
Examples:
  postclass classify examples/tweets.csv
  postclass classify export.jsonl --text tweet.full_text -o out.jsonl --summary summary.json
  cat export.csv | postclass classify --rules my.toml --summary - > labelled.csv
  postclass classify big.csv.gz --summary-only";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Input files (CSV, TSV, JSONL, each optionally gzipped); `-` or none for stdin.
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

    /// For JSON input written as CSV/TSV: the fields (dotted paths) that
    /// become columns before the labels (default: the text field).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub fields: Vec<String>,

    /// Prefix for the added field names, when the input already has a
    /// field named like one of them.
    #[arg(long, value_name = "STR", default_value = "")]
    pub prefix: String,

    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "\\t" | "tab" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "a delimiter is one ASCII character (or `\\t`), not `{s}`"
        )),
    }
}

/// State of one classify run across its inputs.
struct Run<'a> {
    args: &'a Args,
    rulebook: &'a Rulebook,
    columns: LabelColumns,
    out_format: OutputFormat,
    writer: Option<RowWriter>,
    sink: Option<Sink>,
    summary: Summary,
    scratch: Scratch,
    verdict: Verdict,
}

pub fn run(args: Args) -> Result<Outcome> {
    let rulebook = load_rulebook(args.rules.as_deref())?;
    let inputs: Vec<Input> = if args.inputs.is_empty() {
        vec![Input::stdin()]
    } else {
        args.inputs.iter().map(|p| Input::from_arg(p)).collect()
    };
    if inputs.iter().filter(|i| i.path.is_none()).count() > 1 {
        bail!("standard input (`-`) can be read only once");
    }
    let format = resolve_format(&inputs, args.input_format)?;
    let out_format = args
        .output_format
        .unwrap_or(OutputFormat::from_input(format));
    let input_paths: Vec<Option<PathBuf>> = inputs.iter().map(|i| i.path.clone()).collect();
    for target in [&args.output, &args.summary].into_iter().flatten() {
        if target.as_os_str() != "-" {
            output::ensure_not_an_input(target, &input_paths)?;
        }
    }

    let sink = if args.summary_only {
        None
    } else {
        Some(Sink::create(args.output.as_deref())?)
    };
    let mut run = Run {
        args: &args,
        rulebook: &rulebook,
        columns: LabelColumns::new(&rulebook, &args.prefix),
        out_format,
        writer: None,
        sink,
        summary: Summary::new(&rulebook),
        scratch: Scratch::default(),
        verdict: Verdict::default(),
    };
    let mut first_header: Option<(ByteRecord, String)> = None;
    let mut json_path: Option<JsonPath> = args.text.as_deref().map(JsonPath::parse);
    for input in &inputs {
        match format {
            InputFormat::Csv | InputFormat::Tsv => {
                let delimiter = args.delimiter.unwrap_or(if format == InputFormat::Tsv {
                    b'\t'
                } else {
                    b','
                });
                run.delimited(input, delimiter, &mut first_header)?;
            }
            InputFormat::Jsonl => run.jsonl(input, &mut json_path)?,
        }
    }
    // An input with no records still gets its header (CSV) or an empty file.
    if run.writer.is_none() && run.sink.is_some() {
        let header = first_header.as_ref().map(|(h, _)| h);
        let text = json_path.as_ref().map(|p| p.to_string());
        run.start_writer(header, text.as_deref())?;
    }
    if let Some(w) = run.writer.take() {
        w.finish()?;
    }
    run.summary.update_shares();
    write_summary(&args, &run.summary)?;
    Ok(Outcome::Success)
}

impl Run<'_> {
    fn start_writer(&mut self, header: Option<&ByteRecord>, text_path: Option<&str>) -> Result<()> {
        let Some(sink) = self.sink.take() else {
            return Ok(());
        };
        let json_fields: Vec<String> = if !self.args.fields.is_empty() {
            self.args.fields.clone()
        } else {
            text_path.map(|t| vec![t.to_string()]).unwrap_or_default()
        };
        if let Some(h) = header {
            for name in &self.columns.names {
                if h.iter().any(|f| f == name.as_bytes()) {
                    bail!(
                        "the input already has a field named `{name}`; pass --prefix (e.g. --prefix pc_) to name the added fields differently"
                    );
                }
            }
        }
        self.writer = Some(RowWriter::new(
            sink,
            self.out_format,
            self.columns.clone(),
            header,
            &json_fields,
        )?);
        Ok(())
    }

    fn say(&self, msg: &str) {
        if !self.args.quiet {
            eprintln!("postclass: {msg}");
        }
    }

    fn delimited(
        &mut self,
        input: &Input,
        delimiter: u8,
        first: &mut Option<(ByteRecord, String)>,
    ) -> Result<()> {
        let mut src = DelimitedSource::open(input, delimiter)?;
        let names = src.header_names();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        if name_refs.iter().all(|n| n.is_empty()) && src.headers().len() <= 1 {
            // An empty file: no header, no records.
            if src.next_record()?.is_none() {
                return Ok(());
            }
        }
        match first {
            Some((h, other)) if h != src.headers() => bail!(
                "{}: its header differs from the header of {other}; inputs read together must have the same columns",
                src.name()
            ),
            Some(_) => {}
            None => *first = Some((src.headers().clone(), src.name().to_string())),
        }
        let column = match &self.args.text {
            Some(t) => fields::find_csv_column(&name_refs, t).with_context(|| {
                format!(
                    "{}: no column named `{t}`; the columns are: {}",
                    src.name(),
                    names.join(", ")
                )
            })?,
            None => {
                let c = fields::detect_csv_column(&name_refs).with_context(|| {
                    format!(
                        "{}: cannot find the text column; pass --text NAME. The columns are: {}",
                        src.name(),
                        names.join(", ")
                    )
                })?;
                self.say(&format!(
                    "{}: text field `{}` (detected)",
                    src.name(),
                    names[c]
                ));
                c
            }
        };
        if self.writer.is_none() {
            let header = src.headers().clone();
            self.start_writer(Some(&header), None)?;
        }
        let headers = src.headers().clone();
        let name = src.name().to_string();
        while let Some((record, pos)) = src.next_record()? {
            self.summary.rows.read += 1;
            let raw = record.get(column).unwrap_or(b"");
            let text = std::str::from_utf8(raw).map_err(|e| RecordError {
                file: name.clone(),
                line: pos.line,
                record: pos.record,
                field: Some(names[column].clone()),
                reason: format!("invalid UTF-8 at byte {} of the field", e.valid_up_to()),
            })?;
            self.rulebook
                .classify_into(text, &mut self.scratch, &mut self.verdict);
            self.summary.add(self.rulebook, &self.verdict);
            if let Some(w) = &mut self.writer {
                w.write(
                    Row::Csv {
                        headers: &headers,
                        record,
                    },
                    self.rulebook,
                    &self.verdict,
                )?;
            }
        }
        Ok(())
    }

    fn jsonl(&mut self, input: &Input, path: &mut Option<JsonPath>) -> Result<()> {
        let mut src = JsonlSource::open(input)?;
        let name = src.name().to_string();
        let mut record_no = 0u64;
        while let Some((line, line_no)) = src.next_line()? {
            record_no += 1;
            self.summary.rows.read += 1;
            let bad = |field: Option<String>, reason: String| RecordError {
                file: name.clone(),
                line: line_no,
                record: record_no,
                field,
                reason,
            };
            let value: Value = serde_json::from_slice(line)
                .map_err(|e| bad(None, format!("invalid JSON: {e}")))?;
            if !value.is_object() {
                return Err(bad(None, "expected a JSON object".to_string()).into());
            }
            if path.is_none() {
                let found = fields::detect_json_path(&value).with_context(|| {
                    format!(
                        "{name}: cannot find the text field; pass --text PATH. The string fields are: {}",
                        fields::json_string_paths(&value).join(", ")
                    )
                })?;
                self.say(&format!("{name}: text field `{found}` (detected)"));
                *path = Some(found);
            }
            let p = path.as_ref().expect("set above");
            let text = match p.get(&value) {
                Some(Value::String(s)) => s.as_str(),
                Some(Value::Null) | None => {
                    return Err(bad(
                        Some(p.to_string()),
                        "missing or null; expected a string".into(),
                    )
                    .into())
                }
                Some(other) => {
                    return Err(bad(
                        Some(p.to_string()),
                        format!("expected a string, found {}", json_kind(other)),
                    )
                    .into())
                }
            };
            if self.writer.is_none() && self.sink.is_some() {
                let t = p.to_string();
                self.start_writer(None, Some(&t))?;
            }
            self.rulebook
                .classify_into(text, &mut self.scratch, &mut self.verdict);
            self.summary.add(self.rulebook, &self.verdict);
            if let Some(w) = &mut self.writer {
                w.write(
                    Row::Json {
                        line,
                        value: &value,
                    },
                    self.rulebook,
                    &self.verdict,
                )?;
            }
        }
        Ok(())
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
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
