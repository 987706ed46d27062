//! CSV and TSV inputs: a header row, then records, read with reused buffers.

use std::io::BufRead;

use anyhow::{Context, Result};
use csv::{ByteRecord, ReaderBuilder};

use super::{Input, RecordError};
use crate::pipeline::{Item, Pos, Problem, Raw, RecordSource};

/// A CSV/TSV input being read.
pub struct DelimitedSource {
    reader: csv::Reader<Box<dyn BufRead + Send>>,
    headers: ByteRecord,
    name: String,
    index: u64,
    input_index: usize,
}

impl DelimitedSource {
    /// Opens `input` and reads its header row.
    pub fn open(input: &Input, input_index: usize, delimiter: u8) -> Result<DelimitedSource> {
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
            index: 0,
            input_index,
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

    /// Reads the next record into `item`. A record whose field count differs
    /// from the header's is kept with a problem naming both counts.
    pub fn read_into(&mut self, item: &mut Item) -> Result<bool> {
        if !matches!(item.raw, Raw::Csv(_)) {
            item.raw = Raw::Csv(ByteRecord::new());
        }
        let Raw::Csv(record) = &mut item.raw else {
            unreachable!("set just above")
        };
        let more = self.reader.read_byte_record(record).map_err(|e| {
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
            return Ok(false);
        }
        self.index += 1;
        item.pos = Pos {
            input: self.input_index,
            line: record.position().map_or(0, |p| p.line()),
            record: self.index,
        };
        item.read_problem = (record.len() != self.headers.len()).then(|| Problem {
            field: None,
            reason: format!(
                "expected {} fields as in the header, found {}",
                self.headers.len(),
                record.len()
            ),
        });
        Ok(true)
    }
}

impl RecordSource for DelimitedSource {
    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        self.read_into(item)
    }
}
