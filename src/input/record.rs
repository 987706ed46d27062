//! Records as the readers give them: where each sits in its input, its raw
//! form and what went wrong with it. The readers of this folder produce
//! them; the classify pipeline consumes them (where their text and language
//! are read from is in [`extract`](super::extract)).

use anyhow::Result;
use csv::StringRecord;
use serde_json::Value;

use crate::Verdict;

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
    /// The fields of a CSV record, checked as UTF-8 once, when read. A
    /// record that is not valid UTF-8 has a problem, its invalid sequences
    /// replaced here and its bytes as read in [`Item::original`].
    Csv(StringRecord),
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
    /// The value of the language field read from the raw line, when the
    /// record is not kept as a value.
    pub lang_value: String,
    /// The parsed object, for JSON records.
    pub value: Option<Value>,
    pub verdict: Verdict,
    /// Set when the record cannot be labelled; `verdict` is then stale.
    pub problem: Option<Problem>,
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
