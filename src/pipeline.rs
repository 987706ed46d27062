//! The classify pipeline: one thread reads records in batches, worker
//! threads extract the text and classify, and the caller consumes the
//! batches in input order. Batches are recycled, so the steady state
//! allocates nothing per record and memory does not grow with the input.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use anyhow::Result;
use csv::ByteRecord;
use serde_json::Value;

use crate::input::fields::{JsonPath, Lookup};
use crate::input::presets::Preset;
use crate::{Rulebook, Scratch, Verdict};

/// Records per batch: large enough to amortise channel hand-offs, small
/// enough to keep memory flat.
pub const BATCH_RECORDS: usize = 512;

/// Where a record sits in its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pos {
    /// Index of the input in the list of inputs.
    pub input: usize,
    /// 1-based line where the record starts.
    pub line: u64,
    /// 1-based record number in its input, header excluded.
    pub record: u64,
}

/// A record as read.
#[derive(Debug, Clone)]
pub enum Raw {
    Csv(ByteRecord),
    /// One line of JSON, without its line ending.
    Line(Vec<u8>),
}

impl Default for Raw {
    fn default() -> Self {
        Raw::Line(Vec::new())
    }
}

/// Why a record could not be labelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<String>,
    pub reason: String,
}

/// One record travelling through the pipeline, with its results.
#[derive(Debug, Default)]
pub struct Item {
    pub pos: Pos,
    pub raw: Raw,
    /// A problem found while reading (a ragged row), before extraction.
    pub read_problem: Option<Problem>,
    /// The record's bytes as read, kept by readers whose `raw` is not the
    /// bytes themselves (CSV) when `read_problem` is set, for the rejects.
    pub original: Vec<u8>,
    /// The post text, once extracted.
    pub text: String,
    /// The parsed object, for JSON records.
    pub value: Option<Value>,
    pub verdict: Verdict,
    /// Set when the record cannot be labelled; `verdict` is then stale.
    pub problem: Option<Problem>,
}

/// Where the text of a record is.
#[derive(Debug, Clone)]
pub enum TextField {
    /// A CSV column, with its header name for messages.
    Column(usize, String),
    /// A dotted path in a JSON object.
    Path(JsonPath),
    /// A dotted path in a JSON object, read without building the record:
    /// `item.value` stays `None`. For runs that need nothing else from JSON
    /// records (see [`TextField::text_only`]).
    TextOnly(JsonPath),
    /// The text as a preset reads it (HTML stripped, parts joined...).
    Preset(Preset),
}

impl TextField {
    /// The same field, read without keeping JSON records as values: a path
    /// becomes [`TextField::TextOnly`]; the others stay as they are.
    pub fn text_only(self) -> TextField {
        match self {
            TextField::Path(p) => TextField::TextOnly(p),
            other => other,
        }
    }

    /// Extracts the text of `item` into `item.text`, parsing JSON records.
    pub fn extract(&self, item: &mut Item) -> Result<(), Problem> {
        item.text.clear();
        match (&item.raw, self) {
            (Raw::Line(line), TextField::TextOnly(path)) => {
                match path.find_str(line, &mut item.text) {
                    Err(e) => Err(Problem {
                        field: None,
                        reason: format!("invalid JSON: {e}"),
                    }),
                    Ok(Lookup::Found) => Ok(()),
                    Ok(Lookup::NotObject(kind)) => Err(Problem {
                        field: None,
                        reason: format!("expected a JSON object, found {kind}"),
                    }),
                    Ok(Lookup::Missing) => Err(missing_text(path)),
                    Ok(Lookup::Other(kind)) => Err(Problem {
                        field: Some(path.to_string()),
                        reason: format!("expected a string, found {kind}"),
                    }),
                }
            }
            (Raw::Csv(rec), TextField::Column(c, name)) => {
                let raw = rec.get(*c).unwrap_or(b"");
                let text = std::str::from_utf8(raw).map_err(|e| Problem {
                    field: Some(name.clone()),
                    reason: format!("invalid UTF-8 at byte {} of the field", e.valid_up_to()),
                })?;
                item.text.push_str(text);
                Ok(())
            }
            (Raw::Line(line), TextField::Path(_) | TextField::Preset(_)) => {
                let value: Value = serde_json::from_slice(line).map_err(|e| Problem {
                    field: None,
                    reason: format!("invalid JSON: {e}"),
                })?;
                if !value.is_object() {
                    return Err(Problem {
                        field: None,
                        reason: format!("expected a JSON object, found {}", json_kind(&value)),
                    });
                }
                self.text_of(&value, &mut item.text)?;
                item.value = Some(value);
                Ok(())
            }
            _ => Err(Problem {
                field: None,
                reason: "record kind does not match the input format".into(),
            }),
        }
    }

    /// Appends the text of the JSON object `value` to `out`.
    pub fn text_of(&self, value: &Value, out: &mut String) -> Result<(), Problem> {
        match self {
            TextField::Path(path) | TextField::TextOnly(path) => match path.get(value) {
                Some(Value::String(s)) => {
                    out.push_str(s);
                    Ok(())
                }
                Some(Value::Null) | None => Err(missing_text(path)),
                Some(other) => Err(Problem {
                    field: Some(path.to_string()),
                    reason: format!("expected a string, found {}", json_kind(other)),
                }),
            },
            TextField::Preset(preset) => preset.text_of(value, out),
            TextField::Column(_, name) => Err(Problem {
                field: Some(name.clone()),
                reason: "a CSV column is not a JSON field".into(),
            }),
        }
    }
}

fn missing_text(path: &JsonPath) -> Problem {
    Problem {
        field: Some(path.to_string()),
        reason: "missing or null; expected a string".into(),
    }
}

/// Describes a JSON value's kind for messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A stream of records.
pub trait RecordSource: Send {
    /// Reads the next record into `item` (its `raw`, `pos` and
    /// `read_problem`); false at the end of the input.
    fn next_into(&mut self, item: &mut Item) -> Result<bool>;
}

/// Classifies one item in place.
fn process(rulebook: &Rulebook, field: &TextField, item: &mut Item, scratch: &mut Scratch) {
    item.value = None;
    item.problem = item.read_problem.take();
    if item.problem.is_some() {
        return;
    }
    match field.extract(item) {
        Ok(()) => rulebook.classify_into(&item.text, scratch, &mut item.verdict),
        Err(p) => item.problem = Some(p),
    }
}

/// A batch of items; only the first `len` are live.
#[derive(Default)]
pub struct Batch {
    items: Vec<Item>,
    len: usize,
}

impl Batch {
    pub fn items(&self) -> &[Item] {
        &self.items[..self.len]
    }

    /// Reads up to `BATCH_RECORDS` records from `sources`, moving to the
    /// next source when one ends. False when nothing was left to read.
    fn fill(&mut self, sources: &mut Sources) -> Result<bool> {
        self.len = 0;
        while self.len < BATCH_RECORDS {
            if self.len == self.items.len() {
                self.items.push(Item::default());
            }
            if !sources.next_into(&mut self.items[self.len])? {
                break;
            }
            self.len += 1;
        }
        Ok(self.len > 0)
    }
}

/// Opens an input when its turn comes.
pub type Opener = Box<dyn FnOnce() -> Result<Box<dyn RecordSource>> + Send>;

/// The inputs of a run, each opened when the previous one ends.
pub struct Sources {
    current: Option<Box<dyn RecordSource>>,
    pending: std::vec::IntoIter<Opener>,
}

impl Sources {
    pub fn new(first: Box<dyn RecordSource>, rest: Vec<Opener>) -> Sources {
        Sources {
            current: Some(first),
            pending: rest.into_iter(),
        }
    }

    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        loop {
            let Some(src) = &mut self.current else {
                return Ok(false);
            };
            if src.next_into(item)? {
                return Ok(true);
            }
            self.current = match self.pending.next() {
                Some(open) => Some(open()?),
                None => None,
            };
        }
    }
}

impl RecordSource for Sources {
    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        Sources::next_into(self, item)
    }
}

/// Runs the pipeline over `sources` with `threads` workers, calling
/// `consume` on every batch in input order. An error from reading or from
/// `consume` stops the run and is returned.
pub fn run(
    rulebook: &Rulebook,
    field: &TextField,
    mut sources: Sources,
    threads: usize,
    mut consume: impl FnMut(&Batch) -> Result<()>,
) -> Result<()> {
    if threads <= 1 {
        let mut batch = Batch::default();
        let mut scratch = Scratch::default();
        while batch.fill(&mut sources)? {
            for item in &mut batch.items[..batch.len] {
                process(rulebook, field, item, &mut scratch);
            }
            consume(&batch)?;
        }
        return Ok(());
    }

    // Batches in flight at once: bounds memory whatever the input size.
    let in_flight = threads * 2 + 2;
    std::thread::scope(|scope| -> Result<()> {
        let (free_tx, free_rx) = mpsc::sync_channel::<Batch>(in_flight);
        let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Batch)>(in_flight);
        let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Batch)>(in_flight);
        for _ in 0..in_flight {
            free_tx.send(Batch::default()).expect("receiver alive");
        }
        let work_rx = Arc::new(Mutex::new(work_rx));

        let reader = scope.spawn(move || read_batches(&mut sources, free_rx, work_tx));
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let mut scratch = Scratch::default();
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((seq, mut batch))) = next else {
                        break;
                    };
                    for item in &mut batch.items[..batch.len] {
                        process(rulebook, field, item, &mut scratch);
                    }
                    if done_tx.send((seq, batch)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);

        let result = consume_in_order(done_rx, &free_tx, &mut consume);
        // Stop the reader: it blocks on free batches, which end with free_tx.
        drop(free_tx);
        let read = reader.join().expect("reader thread does not panic");
        result.and(read)
    })
}

fn read_batches(
    sources: &mut Sources,
    free: Receiver<Batch>,
    work: SyncSender<(u64, Batch)>,
) -> Result<()> {
    let mut seq = 0u64;
    while let Ok(mut batch) = free.recv() {
        if !batch.fill(sources)? {
            return Ok(());
        }
        if work.send((seq, batch)).is_err() {
            return Ok(());
        }
        seq += 1;
    }
    Ok(())
}

fn consume_in_order(
    done: Receiver<(u64, Batch)>,
    free: &SyncSender<Batch>,
    consume: &mut impl FnMut(&Batch) -> Result<()>,
) -> Result<()> {
    let mut next = 0u64;
    let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
    for (seq, batch) in done.iter() {
        waiting.insert(seq, batch);
        while let Some(batch) = waiting.remove(&next) {
            consume(&batch)?;
            next += 1;
            // The reader may have stopped; a refused batch is just dropped.
            let _ = free.try_send(batch);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Lines(std::vec::IntoIter<(u64, String)>);

    impl RecordSource for Lines {
        fn next_into(&mut self, item: &mut Item) -> Result<bool> {
            let Some((n, line)) = self.0.next() else {
                return Ok(false);
            };
            item.pos = Pos {
                input: 0,
                line: n,
                record: n,
            };
            item.raw = Raw::Line(line.into_bytes());
            item.read_problem = None;
            Ok(true)
        }
    }

    fn labels_with(threads: usize, n: u64) -> Vec<(u64, String)> {
        let rb = crate::rulebook::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='one'\nfallback='none'\n[[set.label]]\nid='odd'\n[[set.label.rule]]\nid='r'\nany=['odd']\n",
        )
        .unwrap();
        let lines: Vec<(u64, String)> = (1..=n)
            .map(|i| {
                let word = if i % 2 == 1 { "odd" } else { "even" };
                (i, format!("{{\"text\":\"{word} {i}\"}}"))
            })
            .collect();
        let sources = Sources::new(Box::new(Lines(lines.into_iter())), Vec::new());
        let field = TextField::Path(JsonPath::parse("text"));
        let mut out = Vec::new();
        run(&rb, &field, sources, threads, |batch| {
            for item in batch.items() {
                out.push((item.pos.record, rb.label_of(&item.verdict, 0).to_string()));
            }
            Ok(())
        })
        .unwrap();
        out
    }

    /// Reading only the text of a JSON record gives what reading the whole
    /// record gives: the same text, or the same problem, whatever the line.
    #[test]
    fn text_only_reads_agree_with_whole_records() {
        let deep = format!(
            "{{\"x\":{}1{},\"text\":\"a\"}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        let lines = [
            r#"{"text":"hello","id":1}"#,
            r#"{"id":[1,{"a":null}],"text":"a\"b\\n\u00e9\ud83d\ude00 c"}"#,
            r#"{"text":null}"#,
            r#"{"text":3}"#,
            r#"{"text":-2.5e3}"#,
            r#"{"text":true}"#,
            r#"{"text":[1]}"#,
            r#"{"text":{"a":1}}"#,
            r#"{"text":"first","text":"second"}"#,
            r#"{"text":"first","text":null}"#,
            r#"{"tweet":{"full_text":"x"},"tweet":{"other":1}}"#,
            r#"{"tweet":{"other":1},"tweet":{"full_text":"y"}}"#,
            r#"{"tweet":"not an object"}"#,
            r#"{"data":[{"text":"a"},{"text":"b"}]}"#,
            r#"{"data":[1]}"#,
            r#"{"data":{"1":{"text":"keyed"}}}"#,
            r#"{"te\u0078t":"escaped key"}"#,
            r#"{}"#,
            r#"[1,2]"#,
            r#""str""#,
            r#"42"#,
            r#"null"#,
            r#"true"#,
            r#"{"text":"a""#,
            r#"{"text":"a",}"#,
            r#"{"text":"a"} x"#,
            r#"{"text":"a"}{"text":"b"}"#,
            r#"{text:"a"}"#,
            r#"{"text":"\ud800"}"#,
            r#"{"x":"\ud800","text":"a"}"#,
            r#"{"x":01,"text":"a"}"#,
            r#"{"x":1e999,"text":"a"}"#,
            r#"{"x":"\q","text":"a"}"#,
            "{\"x\":\"tab\there\",\"text\":\"a\"}",
            "",
            "  {\"text\" : \"spaced\" }  ",
            &deep,
        ];
        let paths = ["text", "tweet.full_text", "data.1.text", "data.x", "text.a"];
        let mut found = 0;
        for path in paths {
            let whole = TextField::Path(JsonPath::parse(path));
            let only = whole.clone().text_only();
            assert!(matches!(only, TextField::TextOnly(_)));
            for line in &lines {
                let mut a = Item {
                    raw: Raw::Line(line.as_bytes().to_vec()),
                    ..Item::default()
                };
                let mut b = Item {
                    raw: Raw::Line(line.as_bytes().to_vec()),
                    ..Item::default()
                };
                let (ra, rb) = (whole.extract(&mut a), only.extract(&mut b));
                assert_eq!(ra, rb, "{path} in {line}");
                assert_eq!(a.text, b.text, "{path} in {line}");
                assert!(b.value.is_none());
                found += ra.is_ok() as usize;
            }
        }
        assert!(found >= 8, "only {found} texts found");
    }

    #[test]
    fn threads_keep_input_order_and_results() {
        let one = labels_with(1, 3000);
        assert_eq!(one.len(), 3000);
        assert_eq!(one[0], (1, "odd".to_string()));
        assert_eq!(one[1], (2, "none".to_string()));
        assert_eq!(labels_with(4, 3000), one);
    }

    #[test]
    fn consumer_errors_stop_the_run() {
        let rb = crate::rulebook::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='many'\n[[set.label]]\nid='x'\n[[set.label.rule]]\nid='r'\nany=['x']\n",
        )
        .unwrap();
        let lines: Vec<(u64, String)> = (1..=5000)
            .map(|i| (i, "{\"text\":\"x\"}".to_string()))
            .collect();
        let sources = Sources::new(Box::new(Lines(lines.into_iter())), Vec::new());
        let field = TextField::Path(JsonPath::parse("text"));
        let mut seen = 0;
        let err = run(&rb, &field, sources, 2, |b| {
            seen += b.items().len();
            anyhow::bail!("stop")
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "stop");
        assert_eq!(seen, BATCH_RECORDS);
    }
}
