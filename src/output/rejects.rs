//! Records that cannot be labelled: `--on-error fail` (the default) stops
//! the run at the first one with an error naming its file, line, record and
//! field; `--on-error skip` sets each one aside, counted, in the rejects
//! file when `--rejects FILE` is given, and goes on.
//!
//! The rejects file is JSON Lines, one object per rejected record, in input
//! order: `{"file", "line", "record", "field", "reason", "raw"}`. `raw` is
//! the record as it was in the input: the line for JSONL, the record's own
//! bytes for CSV (quotes and line breaks inside it included, line ending
//! excluded), the first `--max-record-bytes` bytes of a record over that
//! limit. When those bytes are not valid UTF-8, `raw` has them with each
//! invalid sequence replaced by U+FFFD and `raw_base64` has them exactly.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::Sink;
use crate::input::{RecordError, BAD_INPUT};
use crate::pipeline::{Item, Problem, Raw};

/// What to do with a record that cannot be labelled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    /// Stop at the first one, with an error naming it; no output file is written.
    #[default]
    Fail,
    /// Set it aside (counted, and written to --rejects FILE if given) and go on.
    Skip,
}

/// The command-line flags that say what happens to bad records.
#[derive(Debug, Clone, clap::Args)]
pub struct RejectArgs {
    /// What to do with a record that cannot be labelled (ragged row, bad
    /// JSON, missing or non-string text, invalid UTF-8, over the size limit).
    #[arg(long, value_enum, value_name = "POLICY", default_value = "fail", help_heading = BAD_INPUT)]
    pub on_error: OnError,

    /// With --on-error skip: write each rejected record here, as JSON Lines
    /// {"file","line","record","field","reason","raw"}. Without it,
    /// rejected records are only counted.
    #[arg(long, value_name = "FILE", help_heading = BAD_INPUT)]
    pub rejects: Option<PathBuf>,
}

/// One line of the rejects file.
#[derive(Serialize)]
struct Rejected<'a> {
    file: &'a str,
    line: u64,
    record: u64,
    field: Option<&'a str>,
    reason: &'a str,
    raw: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_base64: Option<String>,
}

/// Applies the `--on-error` policy to the records of a run.
pub struct Rejects {
    policy: OnError,
    sink: Option<Sink>,
    path: Option<PathBuf>,
    count: u64,
    /// Input names, by input index.
    names: Vec<String>,
    delimiter: u8,
    csv: Vec<u8>,
}

impl Rejects {
    /// Starts a run's rejects; `names` are the inputs' names in messages,
    /// `delimiter` the CSV input delimiter (to write a CSV record back).
    pub fn create(args: &RejectArgs, names: Vec<String>, delimiter: u8) -> Result<Rejects> {
        Rejects::create_filtering(args, names, delimiter, false)
    }

    /// [`Rejects::create`] for a run that also sets records aside by choice
    /// (`--lang`): then `--rejects` is accepted without `--on-error skip`.
    pub fn create_filtering(
        args: &RejectArgs,
        names: Vec<String>,
        delimiter: u8,
        filtering: bool,
    ) -> Result<Rejects> {
        if let Some(path) = &args.rejects {
            if args.on_error != OnError::Skip && !filtering {
                bail!("--rejects only applies with --on-error skip: add --on-error skip");
            }
            if path.as_os_str() == "-" {
                bail!("--rejects needs a file name, not `-`");
            }
        }
        let sink = match &args.rejects {
            Some(p) => Some(Sink::create(Some(p))?),
            None => None,
        };
        Ok(Rejects {
            policy: args.on_error,
            sink,
            path: args.rejects.clone(),
            count: 0,
            names,
            delimiter,
            csv: Vec::new(),
        })
    }

    /// Handles a record that cannot be labelled: an error under `fail`;
    /// under `skip`, counted and written to the rejects file.
    pub fn reject(&mut self, item: &Item, problem: &Problem) -> Result<()> {
        if self.policy == OnError::Fail {
            let file = self
                .names
                .get(item.pos.input)
                .map_or("<input>", String::as_str);
            let err = RecordError::at(file, item.pos, problem.clone());
            bail!("{err}\n(pass --on-error skip to set such records aside and label the rest)");
        }
        self.set_aside(item, problem)
    }

    /// Sets aside a record the run leaves out by choice (whatever
    /// `--on-error` says): counted, and written to the rejects file.
    pub fn set_aside(&mut self, item: &Item, problem: &Problem) -> Result<()> {
        let file = self
            .names
            .get(item.pos.input)
            .map_or("<input>", String::as_str);
        self.count += 1;
        let Some(sink) = &mut self.sink else {
            return Ok(());
        };
        let bytes: &[u8] = if !item.original.is_empty() {
            &item.original
        } else {
            match &item.raw {
                Raw::Line(line) => line,
                Raw::Csv(record) => {
                    self.csv.clear();
                    let mut w = csv::WriterBuilder::new()
                        .delimiter(self.delimiter)
                        .terminator(csv::Terminator::Any(b'\n'))
                        .from_writer(&mut self.csv);
                    w.write_byte_record(record.as_byte_record())
                        .and_then(|()| w.flush().map_err(csv::Error::from))
                        .context("writing a rejected record")?;
                    drop(w);
                    if self.csv.last() == Some(&b'\n') {
                        self.csv.pop();
                    }
                    &self.csv
                }
            }
        };
        let (raw, raw_base64) = match std::str::from_utf8(bytes) {
            Ok(s) => (Cow::Borrowed(s), None),
            Err(_) => (String::from_utf8_lossy(bytes), Some(base64(bytes))),
        };
        let line = Rejected {
            file,
            line: item.pos.line,
            record: item.pos.record,
            field: problem.field.as_deref(),
            reason: &problem.reason,
            raw,
            raw_base64,
        };
        serde_json::to_writer(&mut *sink, &line).context("writing the rejects file")?;
        sink.write_all(b"\n").context("writing the rejects file")?;
        Ok(())
    }

    /// Records rejected so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// What to tell the user about the rejected records, if any were.
    pub fn note(&self, read: u64) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        Some(match &self.path {
            Some(p) => format!(
                "{} of {read} records rejected, written to {}",
                self.count,
                p.display()
            ),
            None => format!(
                "{} of {read} records rejected (pass --rejects FILE to keep them)",
                self.count
            ),
        })
    }

    /// Moves the rejects file into place.
    pub fn finish(self) -> Result<()> {
        match self.sink {
            Some(s) => s.finish(),
            None => Ok(()),
        }
    }
}

/// Refuses a rejects path that is also the output or summary path.
pub fn ensure_distinct(rejects: Option<&Path>, others: &[Option<&Path>]) -> Result<()> {
    let Some(r) = rejects else {
        return Ok(());
    };
    if others.iter().flatten().any(|o| *o == r) {
        bail!(
            "--rejects {} is also an output of this run: choose another file",
            r.display()
        );
    }
    Ok(())
}

/// Standard base64 with padding (RFC 4648), for raw bytes that are not UTF-8.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(b"caf\xe9"), "Y2Fm6Q==");
    }

    #[test]
    fn rejects_must_not_be_another_output() {
        let r = Path::new("out.csv");
        assert!(ensure_distinct(Some(r), &[Some(Path::new("out.csv"))]).is_err());
        assert!(ensure_distinct(Some(r), &[Some(Path::new("x.csv")), None]).is_ok());
    }
}
