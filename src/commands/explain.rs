//! `postclass explain`: why one post gets its labels.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;

use super::{load_rulebook, Outcome};
use crate::explain::{Explanation, Span, Status};
use crate::input::delimited::DelimitedSource;
use crate::input::fields::{self, JsonPath};
use crate::input::jsonl::JsonlSource;
use crate::input::{resolve_format, Input, InputFormat};
use crate::pipeline::{Item, Raw};
use crate::rulebook::Rulebook;

const EXAMPLES: &str = "\
Examples:
  postclass explain \"Encore une coupure, j'en ai marre !!!\"
  postclass explain --rules mine.toml \"Does anyone know how to reset it?\"
  postclass explain --input examples/tweets.csv --row 3
  postclass explain --input export.jsonl --id t42 --format json
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
pub struct Args {
    /// The post to explain; `-` reads it from standard input.
    #[arg(value_name = "TEXT", required_unless_present = "input")]
    pub post: Option<String>,

    /// Rulebook to apply (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Take the post from this export (CSV, TSV or JSONL, optionally
    /// gzipped) instead of TEXT; with --row or --id. Read until the post is found.
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

    /// Format of --input, when its extension does not tell.
    #[arg(long, value_enum, value_name = "FORMAT", requires = "input")]
    pub input_format: Option<InputFormat>,

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
            let (text, origin) = find_post(&args, path)?;
            (text, Some(origin))
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
    let out = match args.format {
        ExplainFormat::Human => human(&rulebook, origin.as_ref(), &explanation),
        ExplainFormat::Json => {
            let doc = JsonOutput {
                version: 1,
                rulebook: JsonRulebook {
                    name: &rulebook.name,
                    version: &rulebook.version,
                },
                source: origin,
                explanation: &explanation,
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

/// Reads `path` until the record asked for by --row or --id.
fn find_post(args: &Args, path: &Path) -> Result<(String, Origin)> {
    let input = Input::from_arg(path);
    let format = resolve_format(std::slice::from_ref(&input), args.input_format)?;
    let name = input.display_name();
    match format {
        InputFormat::Csv | InputFormat::Tsv => {
            let delimiter = if format == InputFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            let mut src = DelimitedSource::open(&input, 0, delimiter)?;
            let names = src.header_names();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let text_col = match &args.text_field {
                Some(t) => fields::find_csv_column(&refs, t),
                None => fields::detect_csv_column(&refs),
            }
            .with_context(|| {
                format!(
                    "{name}: cannot find the text column; pass --text NAME. The columns are: {}",
                    names.join(", ")
                )
            })?;
            let id_col = match (&args.id, &args.id_field) {
                (None, _) => None,
                (Some(_), Some(f)) => Some(fields::find_csv_column(&refs, f).with_context(
                    || format!("{name}: no column named `{f}`; the columns are: {}", names.join(", ")),
                )?),
                (Some(_), None) => Some(
                    ID_FIELD_NAMES
                        .iter()
                        .find_map(|n| fields::find_csv_column(&refs, n))
                        .with_context(|| {
                            format!(
                                "{name}: cannot find the id column; pass --id-field NAME. The columns are: {}",
                                names.join(", ")
                            )
                        })?,
                ),
            };
            let mut rows = 0;
            let mut item = Item::default();
            while src.read_into(&mut item)? {
                let pos = item.pos;
                rows = pos.record;
                let Raw::Csv(record) = &item.raw else {
                    unreachable!("a CSV source reads CSV records")
                };
                let id = id_col
                    .and_then(|c| record.get(c))
                    .map(|v| String::from_utf8_lossy(v).into_owned());
                let wanted = match (&args.row, &args.id) {
                    (Some(n), _) => pos.record == *n,
                    (None, Some(want)) => id.as_deref() == Some(want.as_str()),
                    (None, None) => false,
                };
                if wanted {
                    if let Some(p) = &item.read_problem {
                        bail!("{name}:{}: record {}: {}", pos.line, pos.record, p.reason);
                    }
                    let text = std::str::from_utf8(record.get(text_col).unwrap_or(b"")).map_err(|e| {
                        anyhow::anyhow!(
                            "{name}:{}: record {}, field `{}`: invalid UTF-8 at byte {} of the field",
                            pos.line,
                            pos.record,
                            names[text_col],
                            e.valid_up_to()
                        )
                    })?;
                    return Ok((
                        text.to_string(),
                        Origin {
                            file: name,
                            line: pos.line,
                            row: pos.record,
                            id,
                        },
                    ));
                }
            }
            not_found(args, &name, rows)
        }
        InputFormat::Jsonl => {
            let mut src = JsonlSource::open(&input, 0)?;
            let mut text_path = args.text_field.as_deref().map(JsonPath::parse);
            let mut id_path = args.id_field.as_deref().map(JsonPath::parse);
            let mut rows = 0;
            while let Some(l) = src.next_line()? {
                let (line, line_no) = (l.bytes, l.number);
                rows += 1;
                let by_row = args.row.is_some_and(|n| n == rows);
                if args.row.is_some() && !by_row {
                    continue;
                }
                let value: Value = serde_json::from_slice(line)
                    .with_context(|| format!("{name}:{line_no}: record {rows}: invalid JSON"))?;
                let id = match &args.id {
                    None => None,
                    Some(_) => {
                        if id_path.is_none() {
                            id_path = detect_json_id(&value);
                        }
                        id_path
                            .as_ref()
                            .and_then(|p| p.get(&value))
                            .and_then(json_scalar)
                    }
                };
                if !by_row && id.as_deref() != args.id.as_deref() {
                    continue;
                }
                if text_path.is_none() {
                    text_path = fields::detect_json_path(&value);
                }
                let p = text_path.as_ref().with_context(|| {
                    format!(
                        "{name}:{line_no}: cannot find the text field; pass --text PATH. The string fields are: {}",
                        fields::json_string_paths(&value).join(", ")
                    )
                })?;
                let text = match p.get(&value) {
                    Some(Value::String(s)) => s.clone(),
                    _ => bail!(
                        "{name}:{line_no}: record {rows}, field `{p}`: missing or not a string"
                    ),
                };
                return Ok((
                    text,
                    Origin {
                        file: name,
                        line: line_no,
                        row: rows,
                        id,
                    },
                ));
            }
            if args.id.is_some() && id_path.is_none() && rows > 0 {
                bail!("{name}: cannot find the id field; pass --id-field PATH");
            }
            not_found(args, &name, rows)
        }
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
    out.push_str(&format!("normalised: {}\n\n", one_line(&e.normalized)));

    if e.rules.is_empty() {
        out.push_str("rules that fired: none\n");
    } else {
        out.push_str("rules that fired:\n");
    }
    for r in &e.rules {
        out.push_str(&format!(
            "  {}  ->  {} = {} ({:+})\n",
            r.rule, r.set, r.label, r.weight
        ));
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
                "  {:width$}  {:>6}  {:>9}  {}\n",
                l.label,
                score(l.score),
                score(l.threshold),
                l.status.as_str()
            ));
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
