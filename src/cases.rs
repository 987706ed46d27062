//! Rule tests: posts with the labels they must or must not get, taken from
//! a rulebook's own `examples` and `counter_examples` or from case files
//! (CSV, TSV, JSONL), and running them against a compiled rulebook.
//!
//! A case file has a `text` column, optionally `id` and `note`, and one
//! column per label set it checks. A cell holds what the set must give:
//! a label (or the fallback) for a `one` set; labels joined with `;` for a
//! `many` set, where an empty cell means "no label". `*` leaves a set
//! unchecked for that row, and a set without a column is not checked.

use std::collections::BTreeSet;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::engine::Rulebook;
use crate::engine::{Scratch, Verdict};
use crate::rulebook::model::RulebookFile;
use crate::rulebook::validate::did_you_mean;
use crate::rulebook::{Chain, Mode};

/// Where a test comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// An entry of a label's `examples`: the post must get the label.
    Example,
    /// An entry of a label's `counter_examples`: the post must not get it.
    CounterExample,
    /// A row of a case file.
    Case,
}

/// What a test expects of one label set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// The set gives this label (among others, for a `many` set).
    Has(String),
    /// The set does not give this label.
    Lacks(String),
    /// The set gives exactly these labels: for a `one` set its label or
    /// fallback; nothing at all when empty.
    Exactly(Vec<String>),
}

impl Expect {
    fn holds(&self, got: &[String]) -> bool {
        match self {
            Expect::Has(l) => got.contains(l),
            Expect::Lacks(l) => !got.contains(l),
            Expect::Exactly(want) => {
                want.iter().collect::<BTreeSet<_>>() == got.iter().collect::<BTreeSet<_>>()
            }
        }
    }

    /// `has`, `lacks` or `exactly`, for the JSON report.
    pub fn kind(&self) -> &'static str {
        match self {
            Expect::Has(_) => "has",
            Expect::Lacks(_) => "lacks",
            Expect::Exactly(_) => "exactly",
        }
    }

    /// The labels named by the expectation.
    pub fn labels(&self) -> Vec<String> {
        match self {
            Expect::Has(l) | Expect::Lacks(l) => vec![l.clone()],
            Expect::Exactly(v) => v.clone(),
        }
    }

    /// How a person reads it: `angry`, `not angry`, `a;b`, `(none)`.
    pub fn describe(&self) -> String {
        match self {
            Expect::Has(l) => l.clone(),
            Expect::Lacks(l) => format!("not {l}"),
            Expect::Exactly(v) => join_labels(v),
        }
    }
}

/// Labels as a case file writes them: `a;b`, or `(none)`.
pub fn join_labels(labels: &[String]) -> String {
    if labels.is_empty() {
        "(none)".to_string()
    } else {
        labels.join(";")
    }
}

/// One post to classify and what must come of it.
#[derive(Debug, Clone)]
pub struct Case {
    /// `file:line` (and `:column` for examples in a rulebook).
    pub origin: String,
    pub kind: CaseKind,
    /// The case's `id` column, or the label of an example.
    pub name: Option<String>,
    pub text: String,
    /// Set index and what it must give.
    pub checks: Vec<(usize, Expect)>,
}

/// A rule that fired, as shown beside a failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiredRule {
    pub rule: String,
    pub label: String,
    pub weight: f64,
}

/// One set that did not give what a case expected.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub set: String,
    pub expect: Expect,
    pub got: Vec<String>,
    /// The rules of that set that fired.
    pub fired: Vec<FiredRule>,
}

/// The labels a set gave a post: the label or fallback of a `one` set (none
/// when it has no fallback), every label of a `many` set.
pub fn given_labels(rulebook: &Rulebook, verdict: &Verdict, set: usize) -> Vec<String> {
    match rulebook.sets[set].mode {
        Mode::One => {
            let l = rulebook.label_of(verdict, set);
            if l.is_empty() {
                Vec::new()
            } else {
                vec![l.to_string()]
            }
        }
        Mode::Many => verdict.sets[set]
            .labels
            .iter()
            .map(|&i| rulebook.sets[set].labels[i].id.clone())
            .collect(),
    }
}

/// Runs one case; an empty list means it passed.
pub fn run_case(
    rulebook: &Rulebook,
    case: &Case,
    scratch: &mut Scratch,
    verdict: &mut Verdict,
) -> Vec<Mismatch> {
    rulebook.classify_into(&case.text, scratch, verdict);
    let mut out = Vec::new();
    for (set, expect) in &case.checks {
        let got = given_labels(rulebook, verdict, *set);
        if expect.holds(&got) {
            continue;
        }
        let fired = verdict
            .fired
            .iter()
            .map(|&r| &rulebook.rules[r])
            .filter(|r| r.set == *set)
            .map(|r| FiredRule {
                rule: r.id.clone(),
                label: rulebook.sets[*set].labels[r.label].id.clone(),
                weight: r.weight,
            })
            .collect();
        out.push(Mismatch {
            set: rulebook.sets[*set].id.clone(),
            expect: expect.clone(),
            got,
            fired,
        });
    }
    out
}

/// The `examples` and `counter_examples` of every label of a rulebook file,
/// each placed at its line and column in `source`.
pub fn examples(file: &RulebookFile, chain: &Chain) -> Vec<Case> {
    let mut out = Vec::new();
    for (si, set) in file.set.iter().enumerate() {
        for label in &set.label {
            let id = label.id.get_ref();
            for (kind, list) in [
                (CaseKind::Example, &label.examples),
                (CaseKind::CounterExample, &label.counter_examples),
            ] {
                for e in list {
                    let expect = match kind {
                        CaseKind::Example => Expect::Has(id.clone()),
                        _ => Expect::Lacks(id.clone()),
                    };
                    out.push(Case {
                        origin: chain.origin(&e.span()),
                        kind,
                        name: Some(id.clone()),
                        text: e.get_ref().clone(),
                        checks: vec![(si, expect)],
                    });
                }
            }
        }
    }
    out
}

/// How a case file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFormat {
    Csv,
    Tsv,
    Jsonl,
}

impl CaseFormat {
    /// The format a file name says: `.csv`, `.tsv`, `.jsonl` or `.ndjson`.
    pub fn from_name(name: &str) -> Option<CaseFormat> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "csv" => Some(CaseFormat::Csv),
            "tsv" | "tab" => Some(CaseFormat::Tsv),
            "jsonl" | "ndjson" => Some(CaseFormat::Jsonl),
            _ => None,
        }
    }
}

/// Columns (or keys) a case file may have besides one per set.
const META_COLUMNS: &[&str] = &["text", "id", "note"];

/// Reads the cases of a case file named `name` with content `text`, checking
/// every column and label against `rulebook`.
pub fn parse_cases(
    name: &str,
    text: &str,
    format: CaseFormat,
    rulebook: &Rulebook,
) -> Result<Vec<Case>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        CaseFormat::Csv => parse_delimited(name, text, b',', rulebook),
        CaseFormat::Tsv => parse_delimited(name, text, b'\t', rulebook),
        CaseFormat::Jsonl => parse_jsonl(name, text, rulebook),
    }
}

/// The set a column or key names, or an error saying what was expected.
fn column_set(name: &str, column: &str, rulebook: &Rulebook) -> Result<Option<usize>> {
    if META_COLUMNS.contains(&column) {
        return Ok(None);
    }
    if let Some(i) = rulebook.sets.iter().position(|s| s.id == column) {
        return Ok(Some(i));
    }
    let mut known: Vec<String> = META_COLUMNS.iter().map(|s| s.to_string()).collect();
    known.extend(rulebook.sets.iter().map(|s| s.id.clone()));
    let hint = did_you_mean(column, &known)
        .map(|b| format!("did you mean `{b}`? "))
        .unwrap_or_default();
    bail!(
        "{name}: column `{column}` is not a label set of rulebook `{}`; {hint}the columns are `text`, \
         optionally `id` and `note`, and one per set: {}",
        rulebook.name,
        rulebook
            .sets
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// What a cell asks of a set, or `None` for `*` (not checked).
fn expectation(at: &str, rulebook: &Rulebook, set: usize, cell: &str) -> Result<Option<Expect>> {
    let s = &rulebook.sets[set];
    let cell = cell.trim();
    if cell == "*" {
        return Ok(None);
    }
    let mut valid: Vec<String> = s.labels.iter().map(|l| l.id.clone()).collect();
    if let Some(f) = &s.fallback {
        if !valid.contains(f) {
            valid.push(f.clone());
        }
    }
    let check = |label: &str| -> Result<String> {
        if valid.iter().any(|v| v == label) {
            return Ok(label.to_string());
        }
        let hint = did_you_mean(label, &valid)
            .map(|b| format!("did you mean `{b}`? "))
            .unwrap_or_default();
        bail!(
            "{at}: `{label}` is not a label of set `{}`; {hint}the labels are: {}",
            s.id,
            valid.join(", ")
        )
    };
    match s.mode {
        Mode::One => {
            if cell.is_empty() {
                if let Some(f) = &s.fallback {
                    bail!(
                        "{at}: the `{}` cell is empty, but that set always gives a label; write the expected label, `{f}` (its fallback), or `*` to leave it unchecked",
                        s.id
                    );
                }
                return Ok(Some(Expect::Exactly(Vec::new())));
            }
            if cell.contains(';') {
                bail!(
                    "{at}: set `{}` gives one label per post, but the cell lists several (`{cell}`)",
                    s.id
                );
            }
            Ok(Some(Expect::Exactly(vec![check(cell)?])))
        }
        Mode::Many => {
            let mut labels = Vec::new();
            for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let l = check(part)?;
                if !labels.contains(&l) {
                    labels.push(l);
                }
            }
            Ok(Some(Expect::Exactly(labels)))
        }
    }
}

/// The line a record starts on. After a CRLF line end the CSV reader places
/// the next record at the LF, still on the line before: it is on the next.
fn record_line(text: &str, at: &csv::Position) -> u64 {
    let at_lf = text.as_bytes().get(at.byte() as usize) == Some(&b'\n');
    at.line() + u64::from(at_lf)
}

fn parse_delimited(
    name: &str,
    text: &str,
    delimiter: u8,
    rulebook: &Rulebook,
) -> Result<Vec<Case>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .with_context(|| format!("{name}: cannot read the header row"))?
        .clone();
    let mut text_col = None;
    let mut id_col = None;
    let mut set_cols: Vec<(usize, usize)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        if headers.iter().take(i).any(|o| o.trim() == h) {
            bail!("{name}: column `{h}` appears twice in the header");
        }
        match h {
            "text" => text_col = Some(i),
            "id" => id_col = Some(i),
            _ => {
                if let Some(set) = column_set(name, h, rulebook)? {
                    set_cols.push((i, set));
                }
            }
        }
    }
    let text_col = text_col.with_context(|| {
        format!(
            "{name}: no `text` column; the header is: {}",
            headers.iter().collect::<Vec<_>>().join(",")
        )
    })?;
    if set_cols.is_empty() {
        bail!(
            "{name}: no column names a label set, so nothing would be checked; add one of: {}",
            set_names(rulebook)
        );
    }
    let mut cases = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| record_line(text, p));
            anyhow::anyhow!("{name}:{line}: {}", csv_error(&e))
        })?;
        if !more {
            break;
        }
        row += 1;
        let line = record.position().map_or(0, |p| record_line(text, p));
        let at = format!("{name}:{line}");
        let post = record.get(text_col).unwrap_or("");
        if post.trim().is_empty() {
            bail!("{at}: the `text` cell is empty");
        }
        let mut checks = Vec::new();
        for &(col, set) in &set_cols {
            let cell_at = format!("{at}: column `{}`", rulebook.sets[set].id);
            if let Some(e) = expectation(&cell_at, rulebook, set, record.get(col).unwrap_or(""))? {
                checks.push((set, e));
            }
        }
        if checks.is_empty() {
            bail!("{at}: row {row} checks nothing: every set column is `*`");
        }
        cases.push(Case {
            origin: at,
            kind: CaseKind::Case,
            name: id_col
                .and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            text: post.to_string(),
            checks,
        });
    }
    Ok(cases)
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "the row has {len} fields but the header has {expected_len} (quote cells that hold the delimiter)"
        ),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        _ => e.to_string(),
    }
}

fn set_names(rulebook: &Rulebook) -> String {
    rulebook
        .sets
        .iter()
        .map(|s| s.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_jsonl(name: &str, text: &str, rulebook: &Rulebook) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        if line.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(line).with_context(|| format!("{at}: invalid JSON"))?;
        let Value::Object(map) = value else {
            bail!("{at}: expected a JSON object");
        };
        let mut post = None;
        let mut id = None;
        let mut checks = Vec::new();
        for (key, v) in &map {
            match key.as_str() {
                "text" => match v {
                    Value::String(s) if !s.trim().is_empty() => post = Some(s.clone()),
                    _ => bail!("{at}: `text` must be a non-empty string"),
                },
                "id" => {
                    id = match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => bail!("{at}: `id` must be a string or a number"),
                    }
                }
                "note" => {}
                _ => {
                    let set = column_set(name, key, rulebook)?.expect("not a meta key");
                    let cell_at = format!("{at}: key `{key}`");
                    let cell = match v {
                        Value::Null => continue,
                        Value::String(s) => s.clone(),
                        Value::Array(items) => {
                            let mut parts = Vec::new();
                            for item in items {
                                match item {
                                    Value::String(s) if !s.contains(';') => parts.push(s.clone()),
                                    _ => bail!("{cell_at}: expected an array of label ids"),
                                }
                            }
                            if rulebook.sets[set].mode == Mode::One && parts.len() != 1 {
                                bail!(
                                    "{cell_at}: set `{key}` gives one label per post; write it as a string"
                                );
                            }
                            parts.join(";")
                        }
                        _ => bail!("{cell_at}: expected a label id, an array of them, or null"),
                    };
                    if let Some(e) = expectation(&cell_at, rulebook, set, &cell)? {
                        checks.push((set, e));
                    }
                }
            }
        }
        let post = post.with_context(|| format!("{at}: no `text` key"))?;
        if checks.is_empty() {
            bail!(
                "{at}: the case checks nothing; add a key per set to check: {}",
                set_names(rulebook)
            );
        }
        cases.push(Case {
            origin: at,
            kind: CaseKind::Case,
            name: id,
            text: post,
            checks,
        });
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{engine, rulebook};

    const BOOK: &str = r#"
[rulebook]
name = "t"
version = "1"

[[set]]
id = "type"
mode = "one"
fallback = "other"

[[set.label]]
id = "angry"
[[set.label.rule]]
id = "fed-up"
any = ["fed up"]

[[set.label]]
id = "other"

[[set]]
id = "traits"
mode = "many"

[[set.label]]
id = "responsiveness"
[[set.label.rule]]
id = "no-reply"
any = ["no reply"]

[[set.label]]
id = "autonomy"
[[set.label.rule]]
id = "faq"
any = ["faq"]
"#;

    fn book() -> Rulebook {
        engine::from_str("t.toml", BOOK).unwrap()
    }

    fn run(cases: &[Case]) -> Vec<Vec<Mismatch>> {
        let rb = book();
        let (mut s, mut v) = (Scratch::default(), Verdict::default());
        cases
            .iter()
            .map(|c| run_case(&rb, c, &mut s, &mut v))
            .collect()
    }

    #[test]
    fn csv_cells_give_exact_expectations() {
        let rb = book();
        let csv = "text,type,traits,note\n\
                   \"fed up, no reply\",angry,responsiveness,x\n\
                   read the faq,other,autonomy;responsiveness,\n\
                   hello,*,,\n";
        let cases = parse_cases("c.csv", csv, CaseFormat::Csv, &rb).unwrap();
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].origin, "c.csv:2");
        assert_eq!(
            cases[1].checks,
            vec![
                (0, Expect::Exactly(vec!["other".into()])),
                (
                    1,
                    Expect::Exactly(vec!["autonomy".into(), "responsiveness".into()])
                )
            ]
        );
        // `*` leaves the set unchecked; an empty many cell means no label.
        assert_eq!(cases[2].checks, vec![(1, Expect::Exactly(vec![]))]);
        let results = run(&cases);
        assert!(results[0].is_empty());
        assert_eq!(results[1].len(), 1);
        assert_eq!(results[1][0].set, "traits");
        assert_eq!(results[1][0].got, vec!["autonomy".to_string()]);
        assert!(results[2].is_empty());
    }

    /// Failures point at the line a case is on, whatever the file's line
    /// ends.
    #[test]
    fn csv_cases_are_placed_on_their_line_with_crlf_too() {
        let rb = book();
        for end in ["\n", "\r\n"] {
            let csv = [
                "text,type",
                "fed up,angry",
                "\"two\nlines\",other",
                "hello,other",
                "",
            ]
            .join(end);
            let cases = parse_cases("c.csv", &csv, CaseFormat::Csv, &rb).unwrap();
            let origins: Vec<&str> = cases.iter().map(|c| c.origin.as_str()).collect();
            assert_eq!(
                origins,
                ["c.csv:2", "c.csv:3", "c.csv:5"],
                "line ends {end:?}"
            );
            let bad = ["text,type", "fed up,angry", "x,\"y\"z", ""].join(end);
            let err = parse_cases("c.csv", &bad, CaseFormat::Csv, &rb).unwrap_err();
            assert!(err.to_string().starts_with("c.csv:3:"), "{err} ({end:?})");
        }
    }

    #[test]
    fn jsonl_takes_strings_arrays_and_null() {
        let rb = book();
        let jsonl = "{\"id\": 7, \"text\": \"fed up\", \"type\": \"angry\", \"traits\": null}\n\
                     \n\
                     {\"text\": \"no reply, see faq\", \"traits\": [\"autonomy\", \"responsiveness\"]}\n";
        let cases = parse_cases("c.jsonl", jsonl, CaseFormat::Jsonl, &rb).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name.as_deref(), Some("7"));
        assert_eq!(cases[1].origin, "c.jsonl:3");
        assert!(run(&cases).iter().all(Vec::is_empty));
    }

    #[test]
    fn bad_case_files_say_where_and_what() {
        let rb = book();
        let err = |text: &str, f: CaseFormat| {
            format!("{:#}", parse_cases("c", text, f, &rb).unwrap_err())
        };
        assert_eq!(
            err("text,typ\nx,angry\n", CaseFormat::Csv),
            "c: column `typ` is not a label set of rulebook `t`; did you mean `type`? the columns are `text`, optionally `id` and `note`, and one per set: type, traits"
        );
        assert_eq!(
            err("text,type\nx,angyr\n", CaseFormat::Csv),
            "c:2: column `type`: `angyr` is not a label of set `type`; did you mean `angry`? the labels are: angry, other"
        );
        assert_eq!(
            err("text,type\nx,\n", CaseFormat::Csv),
            "c:2: column `type`: the `type` cell is empty, but that set always gives a label; write the expected label, `other` (its fallback), or `*` to leave it unchecked"
        );
        assert_eq!(
            err("type\nangry\n", CaseFormat::Csv),
            "c: no `text` column; the header is: type"
        );
        assert_eq!(
            err("text,type\nx,angry,extra\n", CaseFormat::Csv),
            "c:2: the row has 3 fields but the header has 2 (quote cells that hold the delimiter)"
        );
        assert_eq!(
            err(
                "{\"text\": \"x\", \"type\": [\"angry\", \"other\"]}\n",
                CaseFormat::Jsonl
            ),
            "c:1: key `type`: set `type` gives one label per post; write it as a string"
        );
        assert_eq!(
            err("{\"text\": \"x\"}\n", CaseFormat::Jsonl),
            "c:1: the case checks nothing; add a key per set to check: type, traits"
        );
    }

    #[test]
    fn examples_expect_their_label_and_counter_examples_its_absence() {
        let text = BOOK.replace(
            "id = \"angry\"\n",
            "id = \"angry\"\nexamples = [\"so fed up\", \"hello\"]\ncounter_examples = [\"fed up\"]\n",
        );
        let source = crate::rulebook::Source::new("t.toml", text.clone());
        let file = rulebook::validate::parse(&source).unwrap();
        let cases = examples(&file, &crate::rulebook::Chain::single(source.clone()));
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].origin, "t.toml:13:13");
        assert_eq!(cases[2].kind, CaseKind::CounterExample);
        let results = run(&cases);
        assert!(results[0].is_empty());
        assert_eq!(results[1][0].got, vec!["other".to_string()]);
        assert_eq!(results[2][0].expect.describe(), "not angry");
        assert_eq!(
            results[2][0].fired,
            vec![FiredRule {
                rule: "fed-up".into(),
                label: "angry".into(),
                weight: 1.0
            }]
        );
    }
}
