//! `postclass explain`: why one post gets its labels.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use csv::ByteRecord;
use serde::Serialize;
use serde_json::Value;

use super::input_args::{lang_spec, parse_delimiter};
use super::{load_rulebook, Outcome};
use crate::engine::Rulebook;
use crate::engine::Scratch;
use crate::explain::{Explanation, Span, Status};
use crate::input::fields::{self, JsonPath};
use crate::input::flatten::FlatField;
use crate::input::open;
use crate::input::presets::Preset;
use crate::input::{Input, InputFormat, ReadArgs, RecordError};
use crate::lang::PostLang;
use crate::pipeline::{Item, Problem, Raw, RecordSource};

const EXAMPLES: &str = "\
Examples:
  postclass explain \"Encore une coupure, j'en ai marre !!!\"
  postclass explain --rules mine.toml \"Does anyone know how to reset it?\"
  postclass explain --input examples/tweets.csv --row 3
  postclass explain --input export.jsonl --id t42 --format json
  postclass explain --input statuses.json --preset mastodon --id 111958000000000001
  echo \"fed up\" | postclass explain -

Matched text is shown between [ and ] in the original post.";

/// How the explanation is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Sections for people: text, rules that fired, scores, decision.
    Human,
    /// One JSON document (schema in docs/testing-rules.md).
    Json,
}

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
#[command(group(clap::ArgGroup::new("which").args(["row", "id"])))]
#[command(mut_arg("encoding", |a| a.requires("input").help(
    "Text encoding of --input. With utf8 (the default) a record with an invalid byte \
     cannot be explained; lossy replaces invalid bytes with U+FFFD"
)))]
#[command(mut_arg("max_record_bytes", |a| a.requires("input").help(
    "Longest record of --input accepted, in bytes (suffixes K, M, G: powers of 1024). \
     A longer record cannot be explained; reading goes on at the next line"
)))]
pub struct Args {
    /// The post to explain; `-` reads it from standard input.
    #[arg(value_name = "TEXT", required_unless_present = "input")]
    pub post: Option<String>,

    /// Rulebook to apply (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Take the post from this export (CSV, TSV, JSONL, JSON arrays,
    /// tweets.js; optionally gzip or zstd compressed) instead of TEXT; with
    /// --row or --id. Read until the post is found.
    #[arg(long, value_name = "FILE", requires = "which")]
    pub input: Option<PathBuf>,

    /// The record of --input to explain: 1 is the first record after the header.
    #[arg(long, value_name = "N", requires = "input")]
    pub row: Option<u64>,

    /// The record of --input whose id field equals ID.
    #[arg(long, value_name = "ID", requires = "input")]
    pub id: Option<String>,

    /// Field of --input holding the post text: a CSV column or a dotted JSON
    /// path (detected from common export names when absent).
    #[arg(long = "text", value_name = "FIELD", requires = "input")]
    pub text_field: Option<String>,

    /// Field of --input holding the id that --id looks for (default: the
    /// first of id, id_str, tweet_id, post_id, status_id, message_id).
    #[arg(long, value_name = "FIELD", requires = "id")]
    pub id_field: Option<String>,

    /// Field of --input holding the post's language, read as classify reads
    /// it (default: a `lang` column, or the preset's language field); the
    /// language is detected when the field has no language.
    #[arg(long, value_name = "FIELD", requires = "input")]
    pub lang_field: Option<String>,

    /// Format of --input, when its extension does not tell.
    #[arg(long, value_enum, value_name = "FORMAT", requires = "input")]
    pub input_format: Option<InputFormat>,

    /// Read --input as the export of a known tool (see `classify --help`):
    /// its text as the preset reads it and, for --id, its id field.
    /// Detected from the first record when neither --preset nor --text is given.
    #[arg(long, value_enum, value_name = "NAME", requires = "input")]
    pub preset: Option<Preset>,

    /// Field delimiter of a CSV --input (default `,`; `\t` for TSV).
    #[arg(short, long, value_name = "CHAR", value_parser = parse_delimiter, requires = "input")]
    pub delimiter: Option<u8>,

    #[command(flatten)]
    pub read: ReadArgs,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

/// Names export tools give the post id, in order of preference.
const ID_FIELD_NAMES: &[&str] = &[
    "id",
    "id_str",
    "tweet_id",
    "post_id",
    "status_id",
    "message_id",
];

/// Where a post explained from an export was found.
#[derive(Debug, Clone, Serialize)]
struct Origin {
    file: String,
    line: u64,
    row: u64,
    id: Option<String>,
}

#[derive(Debug, Serialize)]
struct JsonOutput<'a> {
    version: u32,
    rulebook: JsonRulebook<'a>,
    source: Option<Origin>,
    #[serde(flatten)]
    explanation: &'a Explanation,
}

#[derive(Debug, Serialize)]
struct JsonRulebook<'a> {
    name: &'a str,
    version: &'a str,
}

pub fn run(args: Args) -> Result<Outcome> {
    let rulebook = load_rulebook(args.rules.as_deref())?;
    let (text, origin) = match (&args.input, &args.post) {
        (Some(_), Some(_)) => bail!("give the post either as TEXT or with --input, not both"),
        (Some(path), None) => {
            let (text, origin, lang) = find_post(&args, path, &rulebook)?;
            let explanation = rulebook.explain_as(&text, lang);
            return write(&args, &rulebook, Some(origin), &explanation);
        }
        (None, Some(t)) if t == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the post from standard input")?;
            (s.trim_end_matches(['\n', '\r']).to_string(), None)
        }
        (None, Some(t)) => (t.clone(), None),
        (None, None) => bail!("give the post as TEXT, or --input FILE with --row or --id"),
    };
    let explanation = rulebook.explain(&text);
    write(&args, &rulebook, origin, &explanation)
}

/// Writes the explanation to standard output in the format asked for.
fn write(
    args: &Args,
    rulebook: &Rulebook,
    origin: Option<Origin>,
    explanation: &Explanation,
) -> Result<Outcome> {
    let out = match args.format {
        ExplainFormat::Human => human(rulebook, origin.as_ref(), explanation),
        ExplainFormat::Json => {
            let doc = JsonOutput {
                version: 1,
                rulebook: JsonRulebook {
                    name: &rulebook.name,
                    version: &rulebook.version,
                },
                source: origin,
                explanation,
            };
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            s
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing to standard output")?;
    Ok(Outcome::Success)
}

/// Reads `path` until the record asked for by --row or --id: its text,
/// where it was found and its language (the export's field as classify
/// reads it, else detected).
fn find_post(args: &Args, path: &Path, rulebook: &Rulebook) -> Result<(String, Origin, PostLang)> {
    let input = Input::from_arg(path).with_options(args.read.options(Arc::default()));
    let inputs = std::slice::from_ref(&input);
    let format = open::input_format(inputs, args.input_format, args.preset)?;
    let name = input.display_name();
    let opened = open::open_inputs(
        inputs,
        format,
        args.delimiter,
        args.text_field.as_deref(),
        args.preset,
        &|_| {},
    )?;
    let (Some(field), Some(mut sources)) = (opened.field, opened.sources) else {
        return not_found(args, &name, 0);
    };
    let lang = lang_spec(
        args.lang_field.as_deref(),
        opened.header.as_ref(),
        opened.preset,
        rulebook.needs_lang(),
    )?;
    let mut ids = match &args.id {
        None => None,
        Some(_) => Some(Ids::new(
            args,
            opened.header.as_ref(),
            opened.preset,
            &name,
        )?),
    };
    let mut rows = 0;
    let mut item = Item::default();
    while sources.next_into(&mut item)? {
        let pos = item.pos;
        rows = pos.record;
        let id = match &mut ids {
            Some(ids) => ids.of(&item).map_err(|p| RecordError::at(&name, pos, p))?,
            None => None,
        };
        let wanted = match (&args.row, &args.id) {
            (Some(n), _) => pos.record == *n,
            (None, Some(want)) => id.as_deref() == Some(want.as_str()),
            (None, None) => false,
        };
        if !wanted {
            continue;
        }
        open::read_text(&name, &field, &mut item)?;
        let post_lang = lang.of(&mut item, rulebook, &mut Scratch::default());
        return Ok((
            std::mem::take(&mut item.text),
            Origin {
                file: name,
                line: pos.line,
                row: pos.record,
                id,
            },
            post_lang,
        ));
    }
    if ids.is_some_and(|ids| ids.never_found()) && rows > 0 {
        bail!("{name}: cannot find the id field; pass --id-field PATH");
    }
    not_found(args, &name, rows)
}

/// Where the id that --id looks for is in each record.
enum Ids {
    /// A CSV column.
    Column(usize),
    /// A JSON path: --id-field, else detected from the first record that
    /// has one of the usual names.
    Path(Option<JsonPath>),
    /// The id field of a preset.
    Preset(FlatField),
}

impl Ids {
    fn new(
        args: &Args,
        header: Option<&ByteRecord>,
        preset: Option<Preset>,
        name: &str,
    ) -> Result<Ids> {
        if let Some(header) = header {
            let names: Vec<String> = header
                .iter()
                .map(|h| String::from_utf8_lossy(h).into_owned())
                .collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let column = match &args.id_field {
                Some(f) => fields::find_csv_column(&refs, f).with_context(|| {
                    format!("{name}: no column named `{f}`; the columns are: {}", names.join(", "))
                })?,
                None => ID_FIELD_NAMES
                    .iter()
                    .find_map(|n| fields::find_csv_column(&refs, n))
                    .with_context(|| {
                        format!(
                            "{name}: cannot find the id column; pass --id-field NAME. The columns are: {}",
                            names.join(", ")
                        )
                    })?,
            };
            return Ok(Ids::Column(column));
        }
        let preset_id = preset.and_then(|p| p.fields().iter().find(|f| f.name == "id"));
        Ok(match (&args.id_field, preset_id) {
            (Some(f), _) => Ids::Path(Some(JsonPath::parse(f))),
            (None, Some(meta)) => Ids::Preset(FlatField::Meta(meta)),
            (None, None) => Ids::Path(None),
        })
    }

    /// The id of the record `item`, if it has one.
    fn of(&mut self, item: &Item) -> Result<Option<String>, Problem> {
        let line = match (&item.raw, &*self) {
            (Raw::Csv(record), Ids::Column(c)) => {
                return Ok(record.get(*c).map(str::to_string));
            }
            (Raw::Line(line), Ids::Path(_) | Ids::Preset(_)) => line,
            _ => return Ok(None),
        };
        if let Some(p) = &item.read_problem {
            return Err(p.clone());
        }
        let value: Value = serde_json::from_slice(line).map_err(|e| Problem {
            field: None,
            reason: format!("invalid JSON: {e}"),
        })?;
        Ok(match self {
            Ids::Preset(meta) => {
                let mut id = String::new();
                meta.write(&value, &mut id);
                (!id.is_empty()).then_some(id)
            }
            Ids::Path(path) => {
                if path.is_none() {
                    *path = detect_json_id(&value);
                }
                path.as_ref()
                    .and_then(|p| p.get(&value))
                    .and_then(json_scalar)
            }
            Ids::Column(_) => None,
        })
    }

    /// Whether no record had an id field to look in.
    fn never_found(&self) -> bool {
        matches!(self, Ids::Path(None))
    }
}

fn not_found<T>(args: &Args, name: &str, rows: u64) -> Result<T> {
    match (&args.row, &args.id) {
        (Some(n), _) => bail!("{name} has {rows} records; there is no record {n}"),
        (None, Some(id)) => bail!("{name}: no record has the id `{id}` ({rows} records read)"),
        (None, None) => bail!("pass --row N or --id ID with --input"),
    }
}

fn detect_json_id(value: &Value) -> Option<JsonPath> {
    let Value::Object(map) = value else {
        return None;
    };
    for name in ID_FIELD_NAMES {
        if map.get(*name).and_then(json_scalar).is_some() {
            return Some(JsonPath::parse(name));
        }
    }
    None
}

fn json_scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A score without float noise: 0.30000000000000004 reads as 0.3.
fn score(x: f64) -> String {
    let r = (x * 1000.0).round() / 1000.0;
    if r == 0.0 {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

/// The text on one line, with `[` `]` around each span.
fn marked(text: &str, spans: &[&Span]) -> String {
    let mut spans: Vec<&Span> = spans.to_vec();
    spans.sort_by_key(|s| (s.start, s.end));
    let mut out = String::new();
    let mut at = 0;
    for s in spans {
        if s.start < at {
            continue; // overlaps the previous span
        }
        out.push_str(&one_line(&text[at..s.start]));
        out.push('[');
        out.push_str(&one_line(&text[s.start..s.end]));
        out.push(']');
        at = s.end;
    }
    out.push_str(&one_line(&text[at..]));
    out
}

/// Line breaks and tabs as `\n`, `\r`, `\t`, so that a post stays on its line.
fn one_line(s: &str) -> String {
    s.replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
}

fn human(rulebook: &Rulebook, origin: Option<&Origin>, e: &Explanation) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "rulebook:   {} {}\n",
        rulebook.name, rulebook.version
    ));
    if let Some(o) = origin {
        out.push_str(&format!(
            "post:       {}:{} (record {}",
            o.file, o.line, o.row
        ));
        if let Some(id) = &o.id {
            out.push_str(&format!(", id {id}"));
        }
        out.push_str(")\n");
    }
    out.push_str(&format!("text:       {}\n", one_line(&e.text)));
    out.push_str(&format!("normalised: {}\n", one_line(&e.normalized)));
    if rulebook.needs_lang() {
        let covers = if rulebook.languages.is_empty() {
            "every language".to_string()
        } else {
            let codes: Vec<String> = rulebook.languages.iter().map(|l| l.to_string()).collect();
            codes.join(", ")
        };
        let note = match &e.reason {
            Some(_) => format!(": not covered by the rulebook ({covers})"),
            None if e.lang == "und" => ": undetermined, classified like any post".to_string(),
            None => String::new(),
        };
        out.push_str(&format!(
            "language:   {} ({}){note}\n",
            e.lang, e.lang_source
        ));
    }
    if let Some(r) = &e.reason {
        out.push_str(&format!(
            "reason:     {r}: no rule checked, every `one` set gives its fallback\n"
        ));
    }
    out.push('\n');

    if e.rules.is_empty() {
        out.push_str("rules that fired: none\n");
    } else {
        out.push_str("rules that fired:\n");
    }
    for r in &e.rules {
        out.push_str(&format!(
            "  {}  ->  {} = {} ({:+})",
            r.rule, r.set, r.label, r.weight
        ));
        if let Some(file) = &r.file {
            out.push_str(&format!("  [{file}]"));
        }
        out.push('\n');
        for ev in &r.evidence {
            let mut what = ev.matcher.to_string();
            if !ev.pattern.is_empty() {
                what.push_str(&format!(" `{}`", ev.pattern));
            }
            match &ev.detail {
                Some(d) if ev.pattern.is_empty() => what.push_str(&format!(": {d}")),
                Some(d) => what.push_str(&format!(" ({d})")),
                None => {}
            }
            out.push_str(&format!("    {what}\n"));
            if !ev.spans.is_empty() {
                let spans: Vec<&Span> = ev.spans.iter().collect();
                out.push_str(&format!("      {}\n", marked(&e.text, &spans)));
            }
        }
    }

    if !e.words.is_empty() {
        out.push_str("\nlexicon words found:\n");
        for w in &e.words {
            let weights: Vec<String> = w
                .weights
                .iter()
                .map(|(label, weight)| format!("{label} {weight:+}"))
                .collect();
            out.push_str(&format!(
                "  {}  ->  {}: {}  [{}]\n",
                w.word,
                w.set,
                weights.join(", "),
                w.lexicon
            ));
        }
    }

    let mut near = Vec::new();
    for set in &e.sets {
        out.push_str(&format!(
            "\n{} ({}, threshold {})\n",
            set.set,
            set.mode,
            score(set.threshold)
        ));
        let width = set
            .labels
            .iter()
            .map(|l| l.label.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        out.push_str(&format!(
            "  {:width$}  {:>6}  {:>9}  status\n",
            "label", "score", "threshold"
        ));
        for l in &set.labels {
            out.push_str(&format!(
                "  {:width$}  {:>6}  {:>9}  {}",
                l.label,
                score(l.score),
                score(l.threshold),
                l.status.as_str()
            ));
            if l.worded {
                out.push_str(&format!(
                    "  (words {:+})",
                    (l.words * 1000.0).round() / 1000.0
                ));
            }
            out.push('\n');
            if l.status == Status::BelowThreshold {
                near.push(format!(
                    "{} = {} ({} of {})",
                    set.set,
                    l.label,
                    score(l.score),
                    score(l.threshold)
                ));
            }
        }
        if let Some(t) = &set.tie {
            out.push_str(&format!(
                "  tie: {} scored the same; {} won by {}\n",
                t.labels.join(", "),
                t.winner,
                t.by
            ));
        }
        let decision = if set.decision.is_empty() {
            "(none)".to_string()
        } else {
            set.decision.join(", ")
        };
        if set.fallback {
            out.push_str(&format!(
                "  decision: {decision} (fallback: no label reached its threshold)\n"
            ));
        } else {
            out.push_str(&format!("  decision: {decision}\n"));
        }
    }
    if near.is_empty() {
        out.push_str("\nnear misses: none\n");
    } else {
        out.push_str("\nnear misses:\n");
        for n in near {
            out.push_str(&format!("  {n}\n"));
        }
    }
    out
}
