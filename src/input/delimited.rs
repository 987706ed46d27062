//! CSV and TSV inputs: a header row, then records, read with reused buffers.

use std::io::BufRead;

use anyhow::{Context, Result};
use csv::{ByteRecord, ReaderBuilder};

use super::{Input, RecordError};

/// A CSV/TSV input being read.
pub struct DelimitedSource {
    reader: csv::Reader<Box<dyn BufRead + Send>>,
    headers: ByteRecord,
    name: String,
    record: ByteRecord,
    index: u64,
}

/// Where a record sits in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPos {
    /// 1-based line where the record starts.
    pub line: u64,
    /// 1-based record number, header excluded.
    pub record: u64,
}

impl DelimitedSource {
    /// Opens `input` and reads its header row.
    pub fn open(input: &Input, delimiter: u8) -> Result<DelimitedSource> {
        let name = input.display_name();
        let reader = ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            // Ragged rows are reported by us, with the counts, not skipped.
            .flexible(true)
            .from_reader(input.open()?);
        let mut src = DelimitedSource {
            reader,
            headers: ByteRecord::new(),
            name,
            record: ByteRecord::new(),
            index: 0,
        };
        src.headers = src
            .reader
            .byte_headers()
            .with_context(|| format!("{}: cannot read the header row", src.name))?
            .clone();
        Ok(src)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn headers(&self) -> &ByteRecord {
        &self.headers
    }

    /// The header names as text (invalid UTF-8 replaced), for matching.
    pub fn header_names(&self) -> Vec<String> {
        self.headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect()
    }

    /// Reads the next record. A record whose field count differs from the
    /// header's is an error naming both counts.
    pub fn next_record(&mut self) -> Result<Option<(&ByteRecord, RecordPos)>> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                anyhow::Error::new(RecordError {
                    file: self.name.clone(),
                    line,
                    record: self.index + 1,
                    field: None,
                    reason: e.to_string(),
                })
            })?;
        if !more {
            return Ok(None);
        }
        self.index += 1;
        let pos = RecordPos {
            line: self.record.position().map_or(0, |p| p.line()),
            record: self.index,
        };
        if self.record.len() != self.headers.len() {
            return Err(RecordError {
                file: self.name.clone(),
                line: pos.line,
                record: pos.record,
                field: None,
                reason: format!(
                    "expected {} fields as in the header, found {}",
                    self.headers.len(),
                    self.record.len()
                ),
            }
            .into());
        }
        Ok(Some((&self.record, pos)))
    }
}
