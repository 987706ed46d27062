//! JSON inputs: one JSON object per line (blank lines are skipped), or a
//! whole array read element by element (see `json_array`).

use std::io::BufRead;

use anyhow::Result;

use super::json_array::{self, ArrayReader, Layout};
use super::Input;
use crate::pipeline::{Item, Pos, Raw, RecordSource};

/// A JSONL input being read, one line at a time into a reused buffer.
pub struct JsonlSource {
    reader: Box<dyn BufRead + Send>,
    name: String,
    line: Vec<u8>,
    line_no: u64,
    record: u64,
    input_index: usize,
    /// Set for a whole-array input.
    array: Option<ArrayReader>,
}

impl JsonlSource {
    /// Opens `input`, telling from its first bytes whether it holds lines
    /// or one array.
    pub fn open(input: &Input, input_index: usize) -> Result<JsonlSource> {
        let name = input.display_name();
        let (reader, layout, skipped) = json_array::sniff(input.open()?, &name)?;
        Ok(JsonlSource {
            reader,
            name,
            line: Vec::with_capacity(4096),
            line_no: skipped,
            record: 0,
            input_index,
            array: (layout == Layout::Array).then(|| ArrayReader::new(skipped + 1)),
        })
    }

    /// Whether the input is one whole array rather than lines.
    pub fn is_array(&self) -> bool {
        self.array.is_some()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The next non-blank line, without its line ending, and its 1-based
    /// line number.
    pub fn next_line(&mut self) -> Result<Option<(&[u8], u64)>> {
        loop {
            self.line.clear();
            let n = self.reader.read_until(b'\n', &mut self.line).map_err(|e| {
                anyhow::anyhow!("{}: line {}: read error: {e}", self.name, self.line_no + 1)
            })?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            while matches!(self.line.last(), Some(b'\n' | b'\r')) {
                self.line.pop();
            }
            // A UTF-8 byte order mark may open the first line.
            if self.line_no == 1 && self.line.starts_with(b"\xEF\xBB\xBF") {
                self.line.drain(..3);
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some((&self.line, self.line_no)));
        }
    }
}

impl RecordSource for JsonlSource {
    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        if !matches!(item.raw, Raw::Line(_)) {
            item.raw = Raw::Line(Vec::new());
        }
        let Raw::Line(buf) = &mut item.raw else {
            unreachable!("set just above")
        };
        let line_no = if let Some(array) = &mut self.array {
            match array.next_element(&mut *self.reader, &self.name, buf)? {
                Some(line_no) => line_no,
                None => return Ok(false),
            }
        } else {
            let Some((line, line_no)) = self.next_line()? else {
                return Ok(false);
            };
            buf.clear();
            buf.extend_from_slice(line);
            line_no
        };
        self.record += 1;
        item.pos = Pos {
            input: self.input_index,
            line: line_no,
            record: self.record,
        };
        item.read_problem = None;
        Ok(true)
    }
}
