//! Row writers: the input row, unchanged, plus the label fields.

use std::io::Write;

use anyhow::{Context, Result};
use csv::ByteRecord;
use serde_json::Value;

use super::labels::{chosen_score, format_score, primary_label, reason, ColumnKind, LabelColumns};
use super::Sink;
use crate::engine::Rulebook;
use crate::input::fields::JsonPath;
use crate::input::flatten::FlatField;
use crate::Verdict;

/// Output record formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Csv,
    Tsv,
    Jsonl,
}

impl OutputFormat {
    pub fn from_input(f: crate::input::InputFormat) -> OutputFormat {
        match f {
            crate::input::InputFormat::Csv => OutputFormat::Csv,
            crate::input::InputFormat::Tsv => OutputFormat::Tsv,
            crate::input::InputFormat::Jsonl => OutputFormat::Jsonl,
        }
    }

    /// The file extension of this format, for files named by postclass.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Tsv => "tsv",
            OutputFormat::Jsonl => "jsonl",
        }
    }
}

/// An input row as read.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Csv {
        headers: &'a ByteRecord,
        record: &'a ByteRecord,
    },
    Json {
        /// The line as read, without its line ending.
        line: &'a [u8],
        /// The record, when it was kept; else the line is parsed again if
        /// its fields are needed.
        value: Option<&'a Value>,
    },
}

enum Inner {
    Delimited(Box<DelimitedOut>),
    Jsonl(Sink),
}

/// CSV or TSV rows written straight into a buffer, each field quoted when
/// it must be, as the `csv` crate does by default (`QuoteStyle::Necessary`,
/// `\n` ending rows): when it holds the delimiter, a quote, `\r` or `\n`,
/// with its quotes doubled. A field takes one pass of comparisons and one
/// copy, instead of a state machine step per byte.
struct DelimitedOut {
    sink: Sink,
    buf: Vec<u8>,
    delimiter: u8,
    /// No field of the current row written yet.
    row_start: bool,
}

/// Rows are handed to the sink once the buffer holds this much: as much as
/// the sink's own buffer, so that it passes them on without copying them
/// (with 64 KiB, every byte written was copied once more).
const OUT_BUFFER: usize = super::SINK_BUFFER;

impl DelimitedOut {
    fn new(sink: Sink, delimiter: u8) -> DelimitedOut {
        DelimitedOut {
            sink,
            buf: Vec::with_capacity(OUT_BUFFER + 4096),
            delimiter,
            row_start: true,
        }
    }

    fn field(&mut self, field: &[u8]) {
        if !std::mem::take(&mut self.row_start) {
            self.buf.push(self.delimiter);
        }
        push_csv_field(field, self.delimiter, &mut self.buf);
    }

    /// A field quoted already, as [`push_csv_field`] does.
    fn quoted_field(&mut self, field: &[u8]) {
        if !std::mem::take(&mut self.row_start) {
            self.buf.push(self.delimiter);
        }
        self.buf.extend_from_slice(field);
    }

    fn end_row(&mut self) -> std::io::Result<()> {
        self.buf.push(b'\n');
        self.row_start = true;
        if self.buf.len() >= OUT_BUFFER {
            self.sink.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn into_sink(mut self) -> std::io::Result<Sink> {
        self.sink.write_all(&self.buf)?;
        Ok(self.sink)
    }
}

/// Whether the CSV/TSV fields of a column never need quoting, with `,` or
/// a tab: a language code and its source are ASCII letters, a score is
/// digits, `-`, `.` (or `inf`, `NaN`).
fn never_quoted(kind: ColumnKind) -> bool {
    matches!(
        kind,
        ColumnKind::Lang | ColumnKind::LangSource | ColumnKind::Score(_)
    )
}

/// Appends one field to a CSV/TSV row, quoted when it holds the delimiter,
/// a quote, `\r` or `\n` (its quotes then doubled), else as it is.
fn push_csv_field(field: &[u8], delimiter: u8, out: &mut Vec<u8>) {
    // One pass of comparisons over the whole field, which the compiler
    // vectorises: cheaper than searches for fields of a few bytes.
    let quote = field.iter().fold(false, |q, &b| {
        q | (b == delimiter) | (b == b'"') | (b == b'\n') | (b == b'\r')
    });
    if !quote {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    let mut rest = field;
    while let Some(i) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=i]);
        out.push(b'"');
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Writes classified rows in one format.
pub struct RowWriter {
    inner: Inner,
    columns: LabelColumns,
    /// For JSON input written as CSV: the fields flattened into columns.
    json_fields: Vec<FlatField>,
    buf: String,
    /// CSV/TSV fields of the label columns, made once per label.
    label_fields: LabelFields,
}

/// The CSV/TSV fields of the columns whose value is one of a label's own
/// strings (a `one` set's label, the primary label's priority and action),
/// made once per label of the rulebook, quoted as they must be: a row then
/// copies them, where each was built, checked for quoting and copied again
/// in every row (the action, a sentence, the longest field of most rows).
#[derive(Debug, Default)]
struct LabelFields {
    /// The compiled rulebook they were made for.
    rulebook: Option<u64>,
    /// Per column: its field for each label of its set, then the field of a
    /// row without a label; empty for the other columns.
    fields: Vec<Vec<Vec<u8>>>,
}

impl LabelFields {
    /// Makes the fields for `rulebook`, unless they are made already.
    fn prepare(&mut self, kinds: &[ColumnKind], rulebook: &Rulebook, delimiter: u8) {
        if self.rulebook == Some(rulebook.matcher.id) {
            return;
        }
        self.rulebook = Some(rulebook.matcher.id);
        let mut text = String::new();
        self.fields = kinds
            .iter()
            .map(|&kind| {
                let Some(set) = label_column_set(kind, rulebook) else {
                    return Vec::new();
                };
                let labels = set.map_or(0, |s| rulebook.sets[s].labels.len());
                (0..labels)
                    .map(Some)
                    .chain([None])
                    .map(|label| {
                        text.clear();
                        label_value(kind, rulebook, label, &mut text);
                        let mut field = Vec::new();
                        push_csv_field(text.as_bytes(), delimiter, &mut field);
                        field
                    })
                    .collect()
            })
            .collect();
    }

    /// The field of column `col` for `verdict`, when the column is one of
    /// these.
    fn get(
        &self,
        col: usize,
        kind: ColumnKind,
        rulebook: &Rulebook,
        verdict: &Verdict,
    ) -> Option<&[u8]> {
        let fields = self.fields.get(col).filter(|f| !f.is_empty())?;
        let label = row_label(kind, rulebook, verdict);
        Some(&fields[label.unwrap_or(fields.len() - 1)])
    }
}

impl RowWriter {
    /// Starts writing. `header` is the input's CSV header (for CSV input);
    /// `json_fields` the fields flattened from JSON input into CSV columns.
    pub fn new(
        sink: Sink,
        format: OutputFormat,
        columns: LabelColumns,
        header: Option<&ByteRecord>,
        json_fields: &[String],
    ) -> Result<RowWriter> {
        let fields = json_fields
            .iter()
            .map(|f| FlatField::Path(f.clone(), JsonPath::parse(f)))
            .collect();
        RowWriter::with_fields(sink, format, columns, header, fields)
    }

    /// Like [`RowWriter::new`], with the JSON fields flattened into CSV
    /// columns given as [`FlatField`]s (preset fields, the post text).
    pub fn with_fields(
        sink: Sink,
        format: OutputFormat,
        columns: LabelColumns,
        header: Option<&ByteRecord>,
        json_fields: Vec<FlatField>,
    ) -> Result<RowWriter> {
        let inner = match format {
            OutputFormat::Csv | OutputFormat::Tsv => {
                let delimiter = if format == OutputFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                let mut w = DelimitedOut::new(sink, delimiter);
                // An input without a header (an empty file) gives an empty output.
                if header.is_some() || !json_fields.is_empty() {
                    match header {
                        Some(h) => h.iter().for_each(|f| w.field(f)),
                        None => json_fields
                            .iter()
                            .for_each(|f| w.field(f.name().as_bytes())),
                    }
                    columns.names.iter().for_each(|n| w.field(n.as_bytes()));
                    w.end_row().context("writing the output header")?;
                }
                Inner::Delimited(Box::new(w))
            }
            OutputFormat::Jsonl => Inner::Jsonl(sink),
        };
        Ok(RowWriter {
            inner,
            columns,
            json_fields,
            buf: String::new(),
            label_fields: LabelFields::default(),
        })
    }

    pub fn write(&mut self, row: Row<'_>, rulebook: &Rulebook, verdict: &Verdict) -> Result<()> {
        match &mut self.inner {
            Inner::Delimited(w) => {
                match row {
                    Row::Csv { record, .. } => {
                        for f in record.iter() {
                            w.field(f);
                        }
                    }
                    Row::Json { line, value } => {
                        let parsed;
                        let value = match value {
                            Some(v) => v,
                            None => {
                                parsed = serde_json::from_slice::<Value>(line)
                                    .context("JSON record read before is no longer valid")?;
                                &parsed
                            }
                        };
                        for field in &self.json_fields {
                            self.buf.clear();
                            field.write(value, &mut self.buf);
                            w.field(self.buf.as_bytes());
                        }
                    }
                }
                self.label_fields
                    .prepare(&self.columns.kinds, rulebook, w.delimiter);
                for (col, &kind) in self.columns.kinds.iter().enumerate() {
                    if let Some(field) = self.label_fields.get(col, kind, rulebook, verdict) {
                        w.quoted_field(field);
                        continue;
                    }
                    self.buf.clear();
                    csv_label_value(kind, rulebook, verdict, &mut self.buf);
                    if never_quoted(kind) {
                        w.quoted_field(self.buf.as_bytes());
                    } else {
                        w.field(self.buf.as_bytes());
                    }
                }
                w.end_row().context("writing output")?;
            }
            Inner::Jsonl(out) => {
                self.buf.clear();
                let has_fields = match row {
                    Row::Json { line, .. } => {
                        // Keep the object exactly as read: splice the label
                        // fields in before its closing brace.
                        let text = std::str::from_utf8(line).context("JSON line is not UTF-8")?;
                        let body = text.trim_end();
                        let body = body
                            .strip_suffix('}')
                            .context("JSON record is not an object")?;
                        self.buf.push_str(body);
                        body.trim_start().len() > 1
                    }
                    Row::Csv { headers, record } => {
                        self.buf.push('{');
                        for (i, (h, v)) in headers.iter().zip(record.iter()).enumerate() {
                            if i > 0 {
                                self.buf.push(',');
                            }
                            push_json_str(&String::from_utf8_lossy(h), &mut self.buf);
                            self.buf.push(':');
                            push_json_str(&String::from_utf8_lossy(v), &mut self.buf);
                        }
                        !headers.is_empty()
                    }
                };
                for (i, (name, kind)) in self
                    .columns
                    .names
                    .iter()
                    .zip(&self.columns.kinds)
                    .enumerate()
                {
                    // A record that has its own `lang` keeps it: a second
                    // key of the same name would hide it from JSON readers.
                    if matches!(kind, ColumnKind::Lang | ColumnKind::LangSource)
                        && has_key(row, name)
                    {
                        continue;
                    }
                    if has_fields || i > 0 {
                        self.buf.push(',');
                    }
                    push_json_str(name, &mut self.buf);
                    self.buf.push(':');
                    json_label_value(*kind, rulebook, verdict, &mut self.buf);
                }
                self.buf.push_str("}\n");
                out.write_all(self.buf.as_bytes())?;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        let sink = match self.inner {
            Inner::Delimited(w) => w.into_sink().context("writing output")?,
            Inner::Jsonl(s) => s,
        };
        sink.finish()
    }
}

/// Whether a JSON row's object has the top-level key `name`.
fn has_key(row: Row<'_>, name: &str) -> bool {
    let Row::Json { line, value } = row else {
        return false;
    };
    if let Some(v) = value {
        return v.get(name).is_some();
    }
    // Parsed only when the name is in the line at all.
    let quoted = format!("\"{name}\"");
    memchr::memmem::find(line, quoted.as_bytes()).is_some()
        && serde_json::from_slice::<Value>(line).is_ok_and(|v| v.get(name).is_some())
}

/// Writes `s` as a JSON string, escaped as serde_json does, straight into
/// `out`: no allocation per value.
fn push_json_str(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        if escape.is_empty() {
            use std::fmt::Write;
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

fn rule_ids<'a>(rulebook: &'a Rulebook, verdict: &'a Verdict) -> impl Iterator<Item = &'a str> {
    verdict.fired.iter().map(|&r| rulebook.rules[r].id.as_str())
}

/// For a column whose value is one of a label's own strings, the set of
/// that label (`None` inside: the rulebook has no primary set); `None` for
/// the other columns.
fn label_column_set(kind: ColumnKind, rulebook: &Rulebook) -> Option<Option<usize>> {
    match kind {
        ColumnKind::Label(set) => Some(Some(set)),
        ColumnKind::Priority | ColumnKind::Action => Some(rulebook.primary_set()),
        _ => None,
    }
}

/// The label whose string a row's column holds (see [`label_column_set`]):
/// the set's label, or for the priority and action the primary label (the
/// primary set's fallback label included); `None` for none.
fn row_label(kind: ColumnKind, rulebook: &Rulebook, verdict: &Verdict) -> Option<usize> {
    match kind {
        ColumnKind::Label(set) => verdict.sets[set].labels.first().copied(),
        _ => {
            let set = rulebook.primary_set()?;
            let given = verdict.sets[set].labels.first().copied();
            given.or(rulebook.sets[set].fallback_label)
        }
    }
}

/// The text of a column of [`label_column_set`] for `label` of its set
/// (`None`: no label; a `one` set's fallback, when it has one, is written
/// then).
fn label_value(kind: ColumnKind, rulebook: &Rulebook, label: Option<usize>, out: &mut String) {
    let Some(set) = label_column_set(kind, rulebook).flatten() else {
        return;
    };
    let s = &rulebook.sets[set];
    let label = label.map(|l| &s.labels[l]);
    match (kind, label) {
        (ColumnKind::Label(_), Some(l)) => out.push_str(&l.id),
        (ColumnKind::Label(_), None) => out.push_str(s.fallback.as_deref().unwrap_or("")),
        (ColumnKind::Priority, Some(l)) => push_priority(l, out),
        (ColumnKind::Action, Some(l)) => out.push_str(l.action.as_deref().unwrap_or("")),
        _ => {}
    }
}

/// A label's priority: its name, else its rank, else nothing.
fn push_priority(l: &crate::engine::Label, out: &mut String) {
    match (&l.priority_name, l.priority) {
        (Some(name), _) => out.push_str(name),
        (None, Some(rank)) => {
            use std::fmt::Write;
            let _ = write!(out, "{rank}");
        }
        (None, None) => {}
    }
}

fn csv_label_value(kind: ColumnKind, rulebook: &Rulebook, verdict: &Verdict, out: &mut String) {
    match kind {
        ColumnKind::Label(set) => out.push_str(rulebook.label_of(verdict, set)),
        ColumnKind::Score(set) => format_score(chosen_score(verdict, set), out),
        ColumnKind::Labels(set) => {
            let labels = &rulebook.sets[set].labels;
            for (i, &l) in verdict.sets[set].labels.iter().enumerate() {
                if i > 0 {
                    out.push(';');
                }
                out.push_str(&labels[l].id);
            }
        }
        ColumnKind::Priority => {
            if let Some(l) = primary_label(rulebook, verdict) {
                push_priority(l, out);
            }
        }
        ColumnKind::Action => {
            if let Some(a) = primary_label(rulebook, verdict).and_then(|l| l.action.as_deref()) {
                out.push_str(a);
            }
        }
        ColumnKind::MatchedRules => {
            for (i, id) in rule_ids(rulebook, verdict).enumerate() {
                if i > 0 {
                    out.push(';');
                }
                out.push_str(id);
            }
        }
        ColumnKind::Lang => out.push_str(verdict.lang.lang.as_str()),
        ColumnKind::LangSource => out.push_str(verdict.lang.source.as_str()),
        ColumnKind::Reason => reason(verdict, out),
    }
}

fn json_label_value(kind: ColumnKind, rulebook: &Rulebook, verdict: &Verdict, out: &mut String) {
    let push_list = |items: &mut dyn Iterator<Item = &str>, out: &mut String| {
        out.push('[');
        for (i, s) in items.enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(s, out);
        }
        out.push(']');
    };
    match kind {
        ColumnKind::Score(set) => format_score(chosen_score(verdict, set), out),
        ColumnKind::Labels(set) => {
            let labels = &rulebook.sets[set].labels;
            push_list(
                &mut verdict.sets[set]
                    .labels
                    .iter()
                    .map(|&l| labels[l].id.as_str()),
                out,
            );
        }
        ColumnKind::MatchedRules => push_list(&mut rule_ids(rulebook, verdict), out),
        ColumnKind::Label(set) => push_json_str(rulebook.label_of(verdict, set), out),
        ColumnKind::Priority => match primary_label(rulebook, verdict) {
            Some(l) => match (&l.priority_name, l.priority) {
                (Some(name), _) => push_json_str(name, out),
                (None, Some(rank)) => push_json_str(&rank.to_string(), out),
                (None, None) => out.push_str("\"\""),
            },
            None => out.push_str("\"\""),
        },
        ColumnKind::Action => push_json_str(
            primary_label(rulebook, verdict)
                .and_then(|l| l.action.as_deref())
                .unwrap_or(""),
            out,
        ),
        ColumnKind::Lang => push_json_str(verdict.lang.lang.as_str(), out),
        ColumnKind::LangSource => push_json_str(verdict.lang.source.as_str(), out),
        ColumnKind::Reason => {
            // Codes and the prefix need no escaping.
            out.push('"');
            reason(verdict, out);
            out.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSON record read for its text only is parsed again when CSV
    /// columns need its fields: the row is the same either way.
    #[test]
    fn json_rows_without_their_value_are_parsed_again_for_columns() {
        let rb = crate::engine::default_rulebook();
        let dir = std::env::temp_dir().join(format!("postclass-writer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let line = br#"{"id":7,"text":"so fed up, 3 hours on hold"}"#;
        let value: Value = serde_json::from_slice(line).unwrap();
        let verdict = rb.classify("so fed up, 3 hours on hold");
        let mut outs = Vec::new();
        for (i, value) in [Some(&value), None].into_iter().enumerate() {
            let path = dir.join(format!("out{i}.csv"));
            let sink = Sink::File(super::super::AtomicFile::create(&path).unwrap());
            let columns = LabelColumns::new(&rb, "");
            let fields = ["id".to_string(), "text".to_string()];
            let mut w = RowWriter::new(sink, OutputFormat::Csv, columns, None, &fields).unwrap();
            w.write(Row::Json { line, value }, &rb, &verdict).unwrap();
            w.finish().unwrap();
            outs.push(std::fs::read_to_string(&path).unwrap());
        }
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(outs[0], outs[1]);
        assert!(
            outs[0].contains("\n7,\"so fed up, 3 hours on hold\","),
            "{}",
            outs[0]
        );
    }

    /// Rows over many of the buffer's hand-overs to the sink come out whole
    /// and in order.
    #[test]
    fn rows_past_the_buffer_come_out_in_order() {
        const _: () = assert!(OUT_BUFFER >= super::super::SINK_BUFFER);
        let rb = crate::engine::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='one'\nfallback='none'\n[[set.label]]\nid='x'\n[[set.label.rule]]\nid='r'\nany=['x']\n",
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("postclass-buffer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        let sink = Sink::File(super::super::AtomicFile::create(&path).unwrap());
        let headers = ByteRecord::from(vec!["id", "text"]);
        let columns = LabelColumns::new(&rb, "");
        let names = columns.names.clone();
        let mut w = RowWriter::new(sink, OutputFormat::Csv, columns, Some(&headers), &[]).unwrap();
        let mut expected = format!("id,text,{}\n", names.join(","));
        let (yes, no) = (rb.classify("x"), rb.classify("y"));
        for i in 0..40_000 {
            let text = format!("post {i}, {}", "x".repeat(i % 97));
            let record = ByteRecord::from(vec![i.to_string(), text.clone()]);
            let row = Row::Csv {
                headers: &headers,
                record: &record,
            };
            w.write(row, &rb, if i % 3 == 0 { &yes } else { &no })
                .unwrap();
            let (label, score, rules) = if i % 3 == 0 {
                ("x", 1, "r")
            } else {
                ("none", 0, "")
            };
            expected.push_str(&format!("{i},\"{text}\",{label},{score},,,{rules}\n"));
        }
        w.finish().unwrap();
        let got = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        assert!(got.len() > 8 * OUT_BUFFER);
        assert!(got == expected, "{}", &got[..200]);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// The label columns made once per label are the fields each row would
    /// get built on its own, for every label, fallback or none, whatever
    /// rows came before.
    #[test]
    fn label_fields_made_once_are_the_fields_of_each_row() {
        let text = "[rulebook]\nname = \"t\"\nversion = \"1\"\n\
            [[set]]\nid = \"type\"\nmode = \"one\"\nfallback = \"calm\"\n\
            [[set.label]]\nid = \"x\"\npriority = 1\npriority_name = \"high, first\"\naction = 'say \"hi\", then wait'\n\
            [[set.label.rule]]\nid = \"x\"\nany = [\"xx\"]\n\
            [[set.label]]\nid = \"y\"\npriority = 2\n[[set.label.rule]]\nid = \"y\"\nany = [\"yy\"]\n\
            [[set.label]]\nid = \"calm\"\naction = \"nothing\\nto do\"\n[[set.label.rule]]\nid = \"c\"\nany = [\"cc\"]\n\
            [[set]]\nid = \"tone\"\nmode = \"one\"\n\
            [[set.label]]\nid = \"dry\"\naction = \"a;b\"\n[[set.label.rule]]\nid = \"d\"\nany = [\"dd\"]\n";
        let rb = crate::engine::from_str("t.toml", text).unwrap();
        let dir =
            std::env::temp_dir().join(format!("postclass-label-fields-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let headers = ByteRecord::from(vec!["id"]);
        let mut verdicts = Vec::new();
        for post in ["xx", "yy dd", "cc", "none", "xx", "dd", "yy"] {
            let mut v = rb.classify(post);
            verdicts.push(v.clone());
            // A `one` set without its label, its fallback or not.
            v.sets[0].labels.clear();
            v.sets[1].labels.clear();
            verdicts.push(v);
        }
        for (format, delimiter) in [(OutputFormat::Csv, b','), (OutputFormat::Tsv, b'\t')] {
            let path = dir.join("out.csv");
            let sink = Sink::File(super::super::AtomicFile::create(&path).unwrap());
            let columns = LabelColumns::new(&rb, "");
            let kinds = columns.kinds.clone();
            let mut w = RowWriter::new(sink, format, columns, Some(&headers), &[]).unwrap();
            let mut expected = b"id".to_vec();
            for name in &LabelColumns::new(&rb, "").names {
                expected.push(delimiter);
                push_csv_field(name.as_bytes(), delimiter, &mut expected);
            }
            expected.push(b'\n');
            for (i, v) in verdicts.iter().enumerate() {
                let record = ByteRecord::from(vec![i.to_string()]);
                w.write(
                    Row::Csv {
                        headers: &headers,
                        record: &record,
                    },
                    &rb,
                    v,
                )
                .unwrap();
                expected.extend_from_slice(i.to_string().as_bytes());
                for &kind in &kinds {
                    let mut value = String::new();
                    csv_label_value(kind, &rb, v, &mut value);
                    expected.push(delimiter);
                    push_csv_field(value.as_bytes(), delimiter, &mut expected);
                }
                expected.push(b'\n');
            }
            w.finish().unwrap();
            let got = std::fs::read(&path).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected)
            );
            let got = String::from_utf8(got).unwrap();
            if format == OutputFormat::Csv {
                assert!(
                    got.contains("\n0,x,1,,0,\"high, first\",\"say \"\"hi\"\", then wait\",x\n"),
                    "{got}"
                );
                assert!(
                    got.contains("\n1,calm,0,,0,,\"nothing\nto do\",x\n"),
                    "{got}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// The fields written without a pass for quoting need none.
    #[test]
    fn fields_never_quoted_need_no_quoting() {
        let mut values: Vec<String> = crate::lang::ISO_639_1
            .iter()
            .map(|c| c.to_string())
            .chain(["und", "field", "detected"].map(String::from))
            .collect();
        for score in [
            0.0,
            1.0,
            9.0,
            10.0,
            -1.0,
            0.5,
            -2.25,
            1e-7,
            3.0000004,
            1e15,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            123456.789,
        ] {
            let mut s = String::new();
            format_score(score, &mut s);
            values.push(s);
        }
        for v in &values {
            for delimiter in [b',', b'\t'] {
                let mut field = Vec::new();
                push_csv_field(v.as_bytes(), delimiter, &mut field);
                assert_eq!(field, v.as_bytes(), "{v}");
            }
        }
        assert!(never_quoted(ColumnKind::Lang) && never_quoted(ColumnKind::Score(0)));
        assert!(!never_quoted(ColumnKind::MatchedRules) && !never_quoted(ColumnKind::Reason));
    }

    /// Rows are quoted as the `csv` crate writes them by default.
    #[test]
    fn fields_are_quoted_as_the_csv_crate_does() {
        let fields: [&[u8]; 14] = [
            b"plain",
            b"",
            b"a,b",
            b"a\tb",
            b"say \"hi\"",
            b"\"",
            b"line\nbreak",
            b"cr\rhere",
            b" spaced ",
            b"#hash",
            b"'single'",
            "caf\u{e9} \u{1f621}".as_bytes(),
            b"\"\"\"",
            b"end,",
        ];
        for delimiter in [b',', b'\t'] {
            let mut expected = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            let mut ours = Vec::new();
            for f in fields {
                expected.write_record([f, &b"x"[..]]).unwrap();
                for (j, g) in [f, &b"x"[..]].iter().enumerate() {
                    if j > 0 {
                        ours.push(delimiter);
                    }
                    push_csv_field(g, delimiter, &mut ours);
                }
                ours.push(b'\n');
            }
            let expected = expected.into_inner().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&expected)
            );
        }
    }

    #[test]
    fn json_strings_are_escaped_as_serde_json_does() {
        for s in [
            "plain",
            "",
            "quote \" and \\ backslash",
            "tab\tnew\nline\r\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "accents é ❤️ 😡",
        ] {
            let mut out = String::from("x");
            push_json_str(s, &mut out);
            assert_eq!(out, format!("x{}", serde_json::to_string(s).unwrap()));
        }
    }
}
