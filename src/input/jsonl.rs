//! JSON inputs: one JSON object per line (blank lines are skipped), or a
//! whole array read element by element (see `json_array`). A line is never
//! buffered past `--max-record-bytes`: the rest of a longer line is skipped
//! and the line comes back as a record with a problem.

use std::io::BufRead;

use anyhow::Result;

use super::encoding::{invalid_utf8, ENCODING_HINT};
use super::json_array::{self, ArrayReader, Layout};
use super::{Input, ReadOptions};
use crate::input::record::{Item, Pos, Problem, Raw, RecordSource};

/// A JSONL input being read, one line at a time into a reused buffer.
pub struct JsonlSource {
    reader: Box<dyn BufRead + Send>,
    name: String,
    line: Vec<u8>,
    line_no: u64,
    /// Whether the last line ended with a `\r` (a `\n` next ends nothing).
    after_cr: bool,
    record: u64,
    input_index: usize,
    /// Set for a whole-array input.
    array: Option<ArrayReader>,
    max_record_bytes: usize,
    strict_utf8: bool,
}

/// One non-blank line: its bytes (up to the size limit), its number, and
/// whether it went over the limit.
pub struct Line<'a> {
    pub bytes: &'a [u8],
    pub number: u64,
    pub oversized: bool,
}

impl JsonlSource {
    /// Opens `input`, telling from its first bytes whether it holds lines
    /// or one array.
    pub fn open(input: &Input, input_index: usize) -> Result<JsonlSource> {
        JsonlSource::from_reader(
            input.open()?,
            input.display_name(),
            input_index,
            &input.options,
        )
    }

    /// Reads JSON (lines or one array) from any byte stream, named `name`
    /// in messages.
    pub fn from_reader(
        reader: Box<dyn BufRead + Send>,
        name: String,
        input_index: usize,
        options: &ReadOptions,
    ) -> Result<JsonlSource> {
        let (reader, layout, skipped) = json_array::sniff(reader, &name)?;
        Ok(JsonlSource {
            reader,
            name,
            line: Vec::with_capacity(4096),
            line_no: skipped,
            after_cr: false,
            record: 0,
            input_index,
            array: (layout == Layout::Array).then(|| ArrayReader::new(skipped + 1)),
            max_record_bytes: options.max_record_bytes,
            strict_utf8: options.encoding.is_strict_utf8(),
        })
    }

    /// Whether the input is one whole array rather than lines.
    pub fn is_array(&self) -> bool {
        self.array.is_some()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads one physical line into `self.line`, keeping at most the size
    /// limit and skipping the rest. A line ends at `\n`, `\r\n` or a lone
    /// `\r` (JSON text never holds a raw `\r` outside whitespace). Returns
    /// the bytes consumed (0 at the end) and whether the line was too long.
    fn read_physical_line(&mut self) -> std::io::Result<(usize, bool)> {
        self.line.clear();
        let mut consumed = 0;
        let mut oversized = false;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok((consumed, oversized));
            }
            if self.after_cr && consumed == 0 && buf[0] == b'\n' {
                // The `\n` of a `\r\n` whose `\r` ended the previous line.
                self.reader.consume(1);
                self.after_cr = false;
                continue;
            }
            self.after_cr = false;
            let (take, ended) = match memchr::memchr2(b'\n', b'\r', buf) {
                Some(i) => {
                    self.after_cr = buf[i] == b'\r';
                    (i + 1, true)
                }
                None => (buf.len(), false),
            };
            let body = if ended { take - 1 } else { take };
            let room = self.max_record_bytes.saturating_sub(self.line.len());
            if body > room {
                oversized = true;
            }
            self.line.extend_from_slice(&buf[..body.min(room)]);
            self.reader.consume(take);
            consumed += take;
            if ended {
                return Ok((consumed, oversized));
            }
        }
    }

    /// The next non-blank line, without its line ending.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        loop {
            let (n, oversized) = self.read_physical_line().map_err(|e| {
                anyhow::anyhow!("{}: line {}: read error: {e}", self.name, self.line_no + 1)
            })?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            // A UTF-8 byte order mark may open the first line.
            if self.line_no == 1 && self.line.starts_with(b"\xEF\xBB\xBF") {
                self.line.drain(..3);
            }
            if !oversized && self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(Line {
                bytes: &self.line,
                number: self.line_no,
                oversized,
            }));
        }
    }
}

impl RecordSource for JsonlSource {
    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        let max = self.max_record_bytes;
        let strict = self.strict_utf8;
        if !matches!(item.raw, Raw::Line(_)) {
            item.raw = Raw::Line(Vec::new());
        }
        let Raw::Line(buf) = &mut item.raw else {
            unreachable!("set just above")
        };
        let (line_no, oversized) = if let Some(array) = &mut self.array {
            match array.next_element(&mut *self.reader, &self.name, buf)? {
                // Elements are read whole; the limit is checked after.
                Some(line_no) => (line_no, buf.len() > max),
                None => return Ok(false),
            }
        } else {
            let Some(line) = self.next_line()? else {
                return Ok(false);
            };
            buf.clear();
            buf.extend_from_slice(line.bytes);
            (line.number, line.oversized)
        };
        let what = if self.array.is_some() {
            "array element"
        } else {
            "line"
        };
        item.original.clear();
        item.read_problem = if oversized {
            buf.truncate(max);
            Some(Problem {
                field: None,
                reason: format!("{what} is over the --max-record-bytes limit of {max} bytes"),
            })
        } else if let Some((at, byte)) = strict.then(|| invalid_utf8(buf)).flatten() {
            Some(Problem {
                field: None,
                reason: format!(
                    "invalid UTF-8: byte 0x{byte:02X} at byte {at} of the {what}; {ENCODING_HINT}"
                ),
            })
        } else {
            None
        };
        self.record += 1;
        item.pos = Pos {
            input: self.input_index,
            line: line_no,
            record: self.record,
        };
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8], max: usize) -> Vec<(u64, String, String)> {
        let options = ReadOptions {
            max_record_bytes: max,
            ..ReadOptions::default()
        };
        let reader = std::io::BufReader::with_capacity(4, std::io::Cursor::new(text.to_vec()));
        let mut src = JsonlSource::from_reader(Box::new(reader), "t".into(), 0, &options).unwrap();
        let mut item = Item::default();
        let mut out = Vec::new();
        while src.next_into(&mut item).unwrap() {
            let Raw::Line(l) = &item.raw else { panic!() };
            out.push((
                item.pos.line,
                String::from_utf8_lossy(l).into_owned(),
                item.read_problem
                    .as_ref()
                    .map_or(String::new(), |p| p.reason.clone()),
            ));
        }
        out
    }

    #[test]
    fn lines_end_at_lf_crlf_or_cr_and_blank_lines_are_skipped() {
        let want = vec![
            (1, "{\"a\":1}".to_string(), String::new()),
            (3, "{\"a\":2}".to_string(), String::new()),
        ];
        assert_eq!(read_all(b"\xEF\xBB\xBF{\"a\":1}\n  \n{\"a\":2}", 100), want);
        assert_eq!(read_all(b"{\"a\":1}\r\n\r\n{\"a\":2}\r\n", 100), want);
        assert_eq!(read_all(b"{\"a\":1}\r\r{\"a\":2}\r", 100), want);
    }

    #[test]
    fn long_lines_are_cut_at_the_limit_and_reading_goes_on() {
        let rows = read_all(b"{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"a\":1}\n", 10);
        assert_eq!(rows[0].1, "{\"a\":\"xxxx");
        assert!(rows[0]
            .2
            .starts_with("line is over the --max-record-bytes limit of 10 bytes"));
        assert_eq!(rows[1], (2, "{\"a\":1}".to_string(), String::new()));
    }

    #[test]
    fn invalid_utf8_names_the_byte_offset() {
        let rows = read_all(b"{\"a\":1}\n{\"a\":\"caf\xe9\"}\n", 100);
        assert!(rows[1]
            .2
            .starts_with("invalid UTF-8: byte 0xE9 at byte 9 of the line;"));
    }
}
