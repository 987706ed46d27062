//! CSV and TSV inputs: a header row, then records, read with reused buffers.
//!
//! Parsing is done with `csv_core` over our own buffer, so that every record
//! comes with its exact bytes (kept for the rejects file), its line, and a
//! size limit enforced while reading. A record that cannot be labelled is
//! still returned, with a problem saying why:
//! - more or fewer fields than the header;
//! - invalid UTF-8 (when reading UTF-8), with the byte offset;
//! - over `--max-record-bytes`: reading goes on after the next line break;
//! - a quote that never closes, or text after a closing quote, in a record
//!   that spans lines: only its first line is the bad record, and reading
//!   goes on from the line after it, so one stray quote cannot swallow the
//!   rest of a file.

use std::io::BufRead;

use anyhow::{bail, Result};
use csv::{ByteRecord, StringRecord};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::encoding::{invalid_utf8, ENCODING_HINT};
use super::{Input, ReadOptions};
use crate::input::record::{Item, Pos, Problem, Raw, RecordSource};

const QUOTE: u8 = b'"';

/// A CSV/TSV input being read.
pub struct DelimitedSource {
    bytes: Bytes,
    parser: Reader,
    delimiter: u8,
    /// Parsed field bytes and field ends of the record being read.
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// The bytes of the record being read, from its first byte, up to the
    /// size limit.
    raw: Vec<u8>,
    /// Line and byte offset where the record being read starts.
    record_line: u64,
    record_offset: u64,
    headers: ByteRecord,
    name: String,
    index: u64,
    input_index: usize,
    /// Line breaks consumed so far (`\n`, `\r\n` or a lone `\r`).
    breaks: u64,
    after_cr: bool,
    /// Bytes consumed so far.
    offset: u64,
    max_record_bytes: usize,
    /// A quoted field read without the parser, its quotes undoubled.
    unquoted: Vec<u8>,
    /// Whether records on one line are read without the parser (always,
    /// but in tests that check both ways agree).
    lines: bool,
}

/// The byte stream, with bytes given back after a bad quote read first.
struct Bytes {
    stream: Box<dyn BufRead + Send>,
    pushback: Vec<u8>,
    pushback_pos: usize,
}

impl Bytes {
    fn fill(&mut self) -> std::io::Result<&[u8]> {
        if self.pushback_pos < self.pushback.len() {
            return Ok(&self.pushback[self.pushback_pos..]);
        }
        self.stream.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.pushback_pos < self.pushback.len() {
            self.pushback_pos += n;
        } else {
            self.stream.consume(n);
        }
    }

    /// Makes `bytes` the next ones read.
    fn give_back(&mut self, bytes: &[u8]) {
        let mut rest = bytes.to_vec();
        rest.extend_from_slice(&self.pushback[self.pushback_pos..]);
        self.pushback = rest;
        self.pushback_pos = 0;
    }
}

/// Where a record read starts and how it ended.
struct Span {
    line: u64,
    offset: u64,
    oversized: bool,
    /// Its quotes are known to be well placed (it was split without the
    /// parser, which takes only such records).
    quotes_ok: bool,
}

impl DelimitedSource {
    /// Opens `input` and reads its header row.
    pub fn open(input: &Input, input_index: usize, delimiter: u8) -> Result<DelimitedSource> {
        DelimitedSource::from_reader(
            input.open()?,
            input.display_name(),
            input_index,
            delimiter,
            &input.options,
        )
    }

    /// Reads CSV from any byte stream, named `name` in messages.
    pub fn from_reader(
        mut bytes: Box<dyn BufRead + Send>,
        name: String,
        input_index: usize,
        delimiter: u8,
        options: &ReadOptions,
    ) -> Result<DelimitedSource> {
        let mut offset = 0;
        let start = bytes
            .fill_buf()
            .map_err(|e| anyhow::anyhow!("cannot read input {name}: {e}"))?;
        if start.starts_with(b"\xEF\xBB\xBF") {
            bytes.consume(3);
            offset = 3;
        } else if options.encoding.is_strict_utf8()
            && (start.starts_with(b"\xFF\xFE") || start.starts_with(b"\xFE\xFF"))
        {
            bail!("{name}: starts with a UTF-16 byte order mark; pass --encoding utf-16");
        }
        let mut src = DelimitedSource {
            bytes: Bytes {
                stream: bytes,
                pushback: Vec::new(),
                pushback_pos: 0,
            },
            record_line: 0,
            record_offset: 0,
            parser: started(ReaderBuilder::new().delimiter(delimiter).build()),
            delimiter,
            fields: vec![0; 4096],
            ends: vec![0; 64],
            raw: Vec::with_capacity(4096),
            headers: ByteRecord::new(),
            name,
            index: 0,
            input_index,
            breaks: 0,
            after_cr: false,
            offset,
            max_record_bytes: options.max_record_bytes,
            unquoted: Vec::new(),
            lines: true,
        };
        let mut headers = ByteRecord::new();
        if let Some(span) = src.read_record(&mut headers)? {
            // Input in another encoding is UTF-8 once decoded: the check
            // finds nothing there.
            let problem = src
                .record_problem(&span, &headers, true)
                .or_else(|| src.utf8_problem(&span, &headers, true));
            if let Some(p) = problem {
                let field = p.field.map(|f| format!("{f}: ")).unwrap_or_default();
                bail!(
                    "{}:{}: the header row is malformed: {field}{}",
                    src.name,
                    span.line,
                    p.reason
                );
            }
            check_header_names(&src.name, &headers)?;
        }
        src.headers = headers;
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

    /// Reads the next record into `item`. A record that cannot be labelled
    /// comes with a problem, and with its bytes in `item.original`.
    pub fn read_into(&mut self, item: &mut Item) -> Result<bool> {
        // The last record's buffers, reused.
        let mut record = match std::mem::take(&mut item.raw) {
            Raw::Csv(r) => r.into_byte_record(),
            Raw::Line(_) => ByteRecord::new(),
        };
        let Some(span) = self.read_record(&mut record)? else {
            item.raw = Raw::Csv(StringRecord::from_byte_record(record).unwrap_or_default());
            return Ok(false);
        };
        self.index += 1;
        item.pos = Pos {
            input: self.input_index,
            line: span.line,
            record: self.index,
        };
        item.read_problem = self.record_problem(&span, &record, false);
        // The one UTF-8 check of the record's fields: the text and every
        // other field are read from the record as `&str` from here on.
        item.raw = match StringRecord::from_byte_record(record) {
            Ok(record) => Raw::Csv(record),
            Err(e) => {
                let record = e.into_byte_record();
                if item.read_problem.is_none() {
                    item.read_problem = self.utf8_problem(&span, &record, false);
                }
                Raw::Csv(record.iter().map(String::from_utf8_lossy).collect())
            }
        };
        item.original.clear();
        if item.read_problem.is_some() {
            item.original.extend_from_slice(trim_terminators(&self.raw));
        }
        Ok(true)
    }

    fn read_error(&self, e: std::io::Error) -> anyhow::Error {
        anyhow::anyhow!("{}:{}: read error: {e}", self.name, self.breaks + 1)
    }

    /// Parses one record into `record`, keeping its bytes in `self.raw`.
    /// `None` at the end of the input.
    fn read_record(&mut self, record: &mut ByteRecord) -> Result<Option<Span>> {
        if let Some(span) = self.read_line(record)? {
            return Ok(Some(span));
        }
        self.raw.clear();
        let (mut nout, mut nend) = (0, 0);
        let mut started = false;
        loop {
            let input = match self.bytes.fill() {
                Ok(i) => i,
                Err(e) => return Err(self.read_error(e)),
            };
            let (res, nin, o, e) =
                self.parser
                    .read_record(input, &mut self.fields[nout..], &mut self.ends[nend..]);
            let mut rest = &input[..nin];
            if !started {
                // Blank lines before a record belong to no record.
                let skip = rest
                    .iter()
                    .position(|&b| b != b'\r' && b != b'\n')
                    .unwrap_or(rest.len());
                self.breaks += count_breaks(&rest[..skip], &mut self.after_cr);
                self.offset += skip as u64;
                rest = &rest[skip..];
                if !rest.is_empty() {
                    started = true;
                    self.record_line = self.breaks + 1;
                    self.record_offset = self.offset;
                }
            }
            self.breaks += count_breaks(rest, &mut self.after_cr);
            self.offset += rest.len() as u64;
            let room = self.max_record_bytes.saturating_sub(self.raw.len());
            let oversized = rest.len() > room;
            self.raw.extend_from_slice(&rest[..rest.len().min(room)]);
            self.bytes.consume(nin);
            nout += o;
            nend += e;
            let span = |oversized| Span {
                line: self.record_line,
                offset: self.record_offset,
                oversized,
                quotes_ok: false,
            };
            if oversized {
                let span = span(true);
                // A record that ended in this chunk needs no skipping.
                if res != ReadRecordResult::Record {
                    self.skip_oversized()?;
                }
                record.clear();
                return Ok(Some(span));
            }
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = self.fields.len() * 2;
                    self.fields.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    record.clear();
                    let mut from = 0;
                    for &end in &self.ends[..nend] {
                        record.push_field(&self.fields[from..end]);
                        from = end;
                    }
                    return Ok(Some(span(false)));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// Reads the next record without the parser when it is the next line
    /// of the buffered input, with every quoted field closing on it (most
    /// records): searching for the delimiters and quotes is much cheaper
    /// than a parser step per byte. `None`, having read nothing, for any
    /// other record (blank lines first, a line break inside quotes, a stray
    /// quote, a line over the size limit or past the buffer...): the
    /// parser reads it, as the same fields.
    fn read_line(&mut self, record: &mut ByteRecord) -> Result<Option<Span>> {
        if !self.lines || self.bytes.pushback_pos < self.bytes.pushback.len() {
            return Ok(None);
        }
        let input = match self.bytes.stream.fill_buf() {
            Ok(i) => i,
            Err(e) => return Err(self.read_error(e)),
        };
        // The `\n` of a `\r\n` that ended the record before.
        let skip = usize::from(self.after_cr && input.first() == Some(&b'\n'));
        let rest = &input[skip..];
        let Some(end) = memchr::memchr(b'\n', rest) else {
            return Ok(None);
        };
        let line = &rest[..end];
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        if body.is_empty()
            || line.len() + 1 > self.max_record_bytes
            || memchr::memchr(b'\r', body).is_some()
            || !split_line(body, self.delimiter, record, &mut self.unquoted)
        {
            return Ok(None);
        }
        self.raw.clear();
        self.raw.extend_from_slice(&rest[..=end]);
        self.offset += skip as u64;
        let span = Span {
            line: self.breaks + 1,
            offset: self.offset,
            oversized: false,
            quotes_ok: true,
        };
        self.record_line = span.line;
        self.record_offset = span.offset;
        self.breaks += 1;
        self.offset += end as u64 + 1;
        self.after_cr = false;
        self.bytes.stream.consume(skip + end + 1);
        Ok(Some(span))
    }

    /// After a record went over the size limit: when the part kept spans
    /// lines, go back to the line after its first one (an unclosed quote is
    /// the likely cause); else skip to the end of the line.
    fn skip_oversized(&mut self) -> Result<()> {
        self.restart_parser();
        if self.give_back_after_first_line() {
            return Ok(());
        }
        loop {
            let input = match self.bytes.fill() {
                Ok(i) => i,
                Err(e) => return Err(self.read_error(e)),
            };
            if input.is_empty() {
                return Ok(());
            }
            match input.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    self.breaks += count_breaks(&input[i..=i], &mut self.after_cr);
                    self.offset += i as u64 + 1;
                    self.bytes.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let n = input.len();
                    self.after_cr = false;
                    self.offset += n as u64;
                    self.bytes.consume(n);
                }
            }
        }
    }

    /// Starts the parser afresh, at the start of a record.
    fn restart_parser(&mut self) {
        self.parser.reset();
        self.parser = started(std::mem::take(&mut self.parser));
    }

    /// Makes the bytes after the first line break of the record the next
    /// ones read, and the record that first line. False when the record
    /// is one line.
    fn give_back_after_first_line(&mut self) -> bool {
        let body = trim_terminators(&self.raw);
        let Some(i) = body.iter().position(|&b| b == b'\n' || b == b'\r') else {
            return false;
        };
        let mut cut = i + 1;
        if self.raw[i] == b'\r' && self.raw.get(cut) == Some(&b'\n') {
            cut += 1;
        }
        self.bytes.give_back(&self.raw[cut..]);
        let mut after_cr = false;
        self.breaks = self.record_line - 1 + count_breaks(&self.raw[..cut], &mut after_cr);
        self.after_cr = after_cr;
        self.offset = self.record_offset + cut as u64;
        self.raw.truncate(cut);
        self.restart_parser();
        true
    }

    /// Why a record just read cannot be labelled, if it cannot, UTF-8 left
    /// aside (see [`Self::utf8_problem`]). Under a bad quote, rewinds to the
    /// line after the record's first line.
    fn record_problem(
        &mut self,
        span: &Span,
        record: &ByteRecord,
        header: bool,
    ) -> Option<Problem> {
        if span.oversized {
            return Some(Problem {
                field: None,
                reason: format!(
                    "record is over the --max-record-bytes limit of {} bytes",
                    self.max_record_bytes
                ),
            });
        }
        let body = trim_terminators(&self.raw);
        // Without a quote there is nothing to misquote (a record can only
        // span lines inside quotes).
        if !span.quotes_ok && body.contains(&QUOTE) {
            if let Err(what) = check_quotes(body, self.delimiter, span.line) {
                let cut = !header && self.give_back_after_first_line();
                let cut = if cut {
                    "; the record is cut at the end of its first line"
                } else {
                    ""
                };
                return Some(Problem {
                    field: None,
                    reason: format!("{what}{cut}"),
                });
            }
        }
        if !header && record.len() != self.headers.len() {
            return Some(Problem {
                field: None,
                reason: format!(
                    "expected {} fields as in the header, found {}",
                    self.headers.len(),
                    record.len()
                ),
            });
        }
        None
    }

    /// The field, byte and offset of the first invalid UTF-8 sequence of
    /// the record just read, if it has one.
    fn utf8_problem(&self, span: &Span, record: &ByteRecord, header: bool) -> Option<Problem> {
        let (at, byte) = invalid_utf8(trim_terminators(&self.raw))?;
        let (column, in_field) = record
            .iter()
            .enumerate()
            .find_map(|(i, f)| invalid_utf8(f).map(|(k, _)| (i, k)))
            .unwrap_or((0, at));
        let field = match self.headers.get(column) {
            Some(h) if !header => String::from_utf8_lossy(h).into_owned(),
            _ => format!("column {}", column + 1),
        };
        Some(Problem {
            field: Some(field),
            reason: format!(
                "invalid UTF-8: byte 0x{byte:02X} at byte {in_field} of the field \
                 (byte {} of the input); {ENCODING_HINT}",
                span.offset + at as u64
            ),
        })
    }
}

impl RecordSource for DelimitedSource {
    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        self.read_into(item)
    }
}

/// A parser that has read something already: `csv_core` strips a byte
/// order mark from the first bytes it reads, which would take a leading
/// U+FEFF off a field after a restart. Ours is removed when opening.
fn started(mut parser: Reader) -> Reader {
    let (mut out, mut ends) = ([0u8; 1], [0usize; 1]);
    // A line break before a record is skipped and leaves no trace.
    let _ = parser.read_record(b"\n", &mut out, &mut ends);
    parser
}

/// Refuses a header with an empty or repeated column name: rows written as
/// JSON would lose a field, and `--text NAME` would be ambiguous.
fn check_header_names(name: &str, headers: &ByteRecord) -> Result<()> {
    // A lone empty field is an empty file, which is not an error.
    if headers.len() <= 1 && headers.iter().all(<[u8]>::is_empty) {
        return Ok(());
    }
    for (i, h) in headers.iter().enumerate() {
        if h.iter().all(u8::is_ascii_whitespace) {
            bail!(
                "{name}:1: the header gives column {} no name; every column needs a unique name",
                i + 1
            );
        }
        if let Some(j) = headers.iter().take(i).position(|o| o == h) {
            bail!(
                "{name}:1: the header names columns {} and {} both `{}`; every column needs a unique name",
                j + 1,
                i + 1,
                String::from_utf8_lossy(h)
            );
        }
    }
    Ok(())
}

/// Counts line breaks: `\n`, `\r\n` and a lone `\r` each count once.
/// `after_cr` carries a `\r` seen at the end of the previous chunk.
fn count_breaks(bytes: &[u8], after_cr: &mut bool) -> u64 {
    let mut n = 0;
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        // A `\n` right after a `\r` ends the same line break.
        let after = match i {
            0 => *after_cr,
            _ => bytes[i - 1] == b'\r',
        };
        n += u64::from(bytes[i] == b'\r' || !after);
    }
    if let Some(&last) = bytes.last() {
        *after_cr = last == b'\r';
    }
    n
}

/// Splits one line (without its line ending) into `record`'s fields as the
/// parser does: a field that starts with a quote runs to the quote that is
/// not doubled, which must end the line or come before a delimiter; any
/// other field runs to the next delimiter. False when a quoted field does
/// not close on the line, or text follows its closing quote.
fn split_line(body: &[u8], delimiter: u8, record: &mut ByteRecord, unquoted: &mut Vec<u8>) -> bool {
    record.clear();
    let mut i = 0;
    loop {
        if body.get(i) != Some(&QUOTE) {
            match memchr::memchr(delimiter, &body[i..]) {
                Some(d) => {
                    record.push_field(&body[i..i + d]);
                    i += d + 1;
                    continue;
                }
                None => {
                    record.push_field(&body[i..]);
                    return true;
                }
            }
        }
        unquoted.clear();
        i += 1;
        loop {
            let Some(q) = memchr::memchr(QUOTE, &body[i..]) else {
                return false;
            };
            unquoted.extend_from_slice(&body[i..i + q]);
            i += q + 1;
            match body.get(i) {
                Some(&QUOTE) => {
                    unquoted.push(QUOTE);
                    i += 1;
                }
                Some(&b) if b == delimiter => {
                    record.push_field(unquoted);
                    i += 1;
                    break;
                }
                None => {
                    record.push_field(unquoted);
                    return true;
                }
                Some(_) => return false,
            }
        }
    }
}

fn trim_terminators(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|&c| c != b'\r' && c != b'\n')
        .map_or(0, |i| i + 1);
    &b[..end]
}

/// Checks the quoting of one record's bytes as RFC 4180 has it: a quoted
/// field ends with a quote followed by a delimiter or the end of the record.
/// `first_line` is the line the record starts on, for messages.
fn check_quotes(record: &[u8], delimiter: u8, first_line: u64) -> Result<(), String> {
    let Some((problem, opened)) = quote_problem(record, delimiter) else {
        return Ok(());
    };
    let opened_line = first_line + count_breaks(&record[..opened], &mut false);
    Err(match problem {
        QuoteProblem::Stray => format!(
            "unexpected text after the closing quote of a field opened on line \
             {opened_line} (a stray quote?)"
        ),
        QuoteProblem::Unclosed => format!("a quote opened on line {opened_line} is never closed"),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteProblem {
    /// Text after the closing quote of a field, before the delimiter.
    Stray,
    /// A quoted field that runs to the end of the record.
    Unclosed,
}

/// The first quoting problem of a record (without its line terminator),
/// with the offset of the quote that opened the field concerned. Jumps
/// from quote to quote and from delimiter to delimiter: a quote is only
/// special at the start of a field, and inside a quoted field only another
/// quote is.
fn quote_problem(record: &[u8], delimiter: u8) -> Option<(QuoteProblem, usize)> {
    let mut i = 0;
    // `i` is at the start of a field.
    loop {
        if record.get(i) != Some(&QUOTE) {
            // Unquoted: runs to the next delimiter.
            i += memchr::memchr(delimiter, &record[i..])? + 1;
            continue;
        }
        let opened = i;
        i += 1;
        // Quoted: to the quote that is not doubled.
        loop {
            let Some(q) = memchr::memchr(QUOTE, &record[i..]) else {
                return Some((QuoteProblem::Unclosed, opened));
            };
            i += q + 1;
            match record.get(i) {
                Some(&QUOTE) => i += 1,
                Some(&b) if b == delimiter => break,
                Some(_) => return Some((QuoteProblem::Stray, opened)),
                None => return None,
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain definition of [`check_quotes`]: a state machine, one byte
    /// at a time.
    fn check_quotes_plain(record: &[u8], delimiter: u8, first_line: u64) -> Result<(), String> {
        #[derive(PartialEq)]
        enum S {
            FieldStart,
            Unquoted,
            Quoted,
            QuoteInQuoted,
        }
        let mut s = S::FieldStart;
        let mut opened_line = first_line;
        let mut line = first_line;
        let mut after_cr = false;
        for &b in record {
            let breaks = count_breaks(&[b], &mut after_cr);
            s = match s {
                S::FieldStart if b == QUOTE => {
                    opened_line = line;
                    S::Quoted
                }
                S::FieldStart | S::Unquoted if b == delimiter => S::FieldStart,
                S::FieldStart | S::Unquoted => S::Unquoted,
                S::Quoted if b == QUOTE => S::QuoteInQuoted,
                S::Quoted => S::Quoted,
                S::QuoteInQuoted if b == QUOTE => S::Quoted,
                S::QuoteInQuoted if b == delimiter => S::FieldStart,
                S::QuoteInQuoted => {
                    return Err(format!(
                        "unexpected text after the closing quote of a field opened on line \
                         {opened_line} (a stray quote?)"
                    ))
                }
            };
            line += breaks;
        }
        if s == S::Quoted {
            return Err(format!(
                "a quote opened on line {opened_line} is never closed"
            ));
        }
        Ok(())
    }

    /// The plain definition of [`count_breaks`]: one byte at a time.
    fn count_breaks_plain(bytes: &[u8], after_cr: &mut bool) -> u64 {
        let mut n = 0;
        for &b in bytes {
            n += u64::from(b == b'\r' || (b == b'\n' && !*after_cr));
            *after_cr = b == b'\r';
        }
        n
    }

    #[test]
    fn line_breaks_of_every_kind_count_once() {
        let mut after_cr = false;
        assert_eq!(count_breaks(b"a\nb\r\nc\rd\n\n", &mut after_cr), 5);
        assert!(!after_cr);
        assert_eq!(count_breaks(b"a\r", &mut after_cr), 1);
        assert!(after_cr);
        // The `\n` of a `\r\n` split between two chunks.
        assert_eq!(count_breaks(b"\nb", &mut after_cr), 0);
        assert!(!after_cr);
        after_cr = true;
        assert_eq!(count_breaks(b"", &mut after_cr), 0);
        assert!(after_cr);
    }

    proptest! {
        #[test]
        fn count_breaks_agrees_with_its_definition(
            bytes in prop::collection::vec(prop::sample::select(b"a\r\n".to_vec()), 0..40),
            cut in any::<prop::sample::Index>(),
            carried in any::<bool>(),
        ) {
            // Counted in two chunks, as read, or all at once one byte at a time.
            let cut = cut.index(bytes.len() + 1);
            let (mut after, mut after_plain) = (carried, carried);
            let n = count_breaks(&bytes[..cut], &mut after) + count_breaks(&bytes[cut..], &mut after);
            prop_assert_eq!(n, count_breaks_plain(&bytes, &mut after_plain));
            prop_assert_eq!(after, after_plain);
        }

        #[test]
        fn check_quotes_agrees_with_its_definition(
            bytes in prop::collection::vec(prop::sample::select(b"\"\",;a\r\n".to_vec()), 0..30),
            delimiter in prop::sample::select(vec![b',', b';']),
        ) {
            prop_assert_eq!(
                check_quotes(&bytes, delimiter, 7),
                check_quotes_plain(&bytes, delimiter, 7)
            );
        }
    }

    /// Line, fields, problem and original bytes of each record.
    type Rows = Vec<(u64, Vec<String>, String, String)>;

    fn read_all(text: &[u8], max: usize) -> (Vec<String>, Rows) {
        // A small buffer puts records across reads.
        read_with(text, max, 5, true).unwrap()
    }

    /// Reads `text` through a buffer of `buffer` bytes, records on one line
    /// read without the parser when `lines`; `None` when the header is
    /// refused.
    fn read_with(
        text: &[u8],
        max: usize,
        buffer: usize,
        lines: bool,
    ) -> Option<(Vec<String>, Rows)> {
        let options = ReadOptions {
            max_record_bytes: max,
            ..ReadOptions::default()
        };
        let reader = std::io::BufReader::with_capacity(buffer, std::io::Cursor::new(text.to_vec()));
        let mut src =
            DelimitedSource::from_reader(Box::new(reader), "t".into(), 0, b',', &options).ok()?;
        src.lines = lines;
        let mut out = Vec::new();
        let mut item = Item::default();
        while src.read_into(&mut item).unwrap() {
            let Raw::Csv(r) = &item.raw else { panic!() };
            out.push((
                item.pos.line,
                r.iter().map(str::to_string).collect(),
                item.read_problem
                    .as_ref()
                    .map_or(String::new(), |p| p.reason.clone()),
                String::from_utf8_lossy(&item.original).into_owned(),
            ));
        }
        Some((src.header_names(), out))
    }

    proptest! {
        /// Records read line by line without the parser come out as the
        /// parser alone gives them: the same fields, lines, problems and
        /// bytes, whatever the quotes, line endings and buffer sizes.
        #[test]
        fn lines_read_without_the_parser_agree_with_it(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["a", "bc", ",", "\"", "\"\"", "\n", "\r", "\r\n", "\u{e9}", "\u{feff}", " "]),
                0..40,
            ),
            invalid in proptest::option::of(0..40usize),
            buffer in proptest::sample::select(vec![3usize, 7, 64, 8192]),
            max in proptest::sample::select(vec![6usize, 20, 1000]),
        ) {
            let mut text = b"h1,h2\n".to_vec();
            for (i, p) in parts.iter().enumerate() {
                if invalid == Some(i) {
                    text.push(0xff);
                }
                text.extend_from_slice(p.as_bytes());
            }
            let fast = read_with(&text, max, buffer, true);
            let slow = read_with(&text, max, buffer, false);
            prop_assert_eq!(fast, slow);
        }
    }

    proptest! {
        /// The one UTF-8 check of a record: a record of valid UTF-8 comes
        /// with its fields as written and no problem; one with an invalid
        /// byte, with the problem of its first invalid field (the byte and
        /// where it is in the field) and its fields with the invalid
        /// sequences replaced.
        #[test]
        fn records_are_text_when_valid_utf8_and_flagged_when_not(
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::collection::vec(
                        proptest::sample::select(vec![
                            &b"a"[..], b"bc", b",", b"\"", b"\n", b" ", "\u{e9}".as_bytes(),
                            b"\xff", b"\xc3", b"\xe2\x82",
                        ]),
                        0..6,
                    ).prop_map(|parts| parts.concat()),
                    2,
                ),
                1..4,
            ),
            lines in proptest::bool::ANY,
        ) {
            let mut text = b"h1,h2\n".to_vec();
            for row in &rows {
                for (i, field) in row.iter().enumerate() {
                    if i > 0 {
                        text.push(b',');
                    }
                    text.push(b'"');
                    for &b in field {
                        if b == b'"' {
                            text.push(b'"');
                        }
                        text.push(b);
                    }
                    text.push(b'"');
                }
                text.push(b'\n');
            }
            let (_, got) = read_with(&text, 1 << 20, 64, lines).unwrap();
            prop_assert_eq!(got.len(), rows.len());
            for (row, (_, fields, problem, _)) in rows.iter().zip(&got) {
                let lossy: Vec<String> =
                    row.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
                prop_assert_eq!(fields, &lossy);
                match row.iter().find_map(|f| std::str::from_utf8(f).err().map(|e| (f, e))) {
                    None => prop_assert_eq!(problem, ""),
                    Some((f, e)) => {
                        let at = e.valid_up_to();
                        let start = format!(
                            "invalid UTF-8: byte 0x{:02X} at byte {at} of the field",
                            f[at]
                        );
                        prop_assert!(problem.starts_with(&start), "{} / {}", problem, start);
                    }
                }
            }
        }
    }

    #[test]
    fn records_on_one_line_read_without_the_parser() {
        let text = b"id,text\r\n1,\"a, \"\"b\"\"\"\r\n2,plain\n3,\"two\nlines\"\n4,\"x\"y\n5,\r\n";
        let (_, rows) = read_with(text, 1000, 8192, true).unwrap();
        let got: Vec<(u64, Vec<String>)> = rows.iter().map(|r| (r.0, r.1.clone())).collect();
        assert_eq!(
            got,
            vec![
                (2, fields(&["1", "a, \"b\""])),
                (3, fields(&["2", "plain"])),
                (4, fields(&["3", "two\nlines"])),
                (6, fields(&["4", "xy"])),
                (7, fields(&["5", ""])),
            ]
        );
        assert_eq!(
            Some((fields(&["id", "text"]), rows)),
            read_with(text, 1000, 8192, false)
        );
    }

    fn fields(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn line_endings_and_bom_and_blank_lines() {
        for text in [
            &b"\xEF\xBB\xBFid,text\r\n1,a\r\n\r\n2,b"[..],
            b"id,text\r1,a\r\r2,b\r",
            b"id,text\n1,a\n\n2,b\n",
        ] {
            let (h, rows) = read_all(text, 1 << 20);
            assert_eq!(h, fields(&["id", "text"]));
            let got: Vec<(u64, Vec<String>)> = rows.iter().map(|r| (r.0, r.1.clone())).collect();
            assert_eq!(
                got,
                vec![(2, fields(&["1", "a"])), (4, fields(&["2", "b"]))],
                "{text:?}"
            );
        }
    }

    #[test]
    fn quoted_fields_may_span_lines() {
        let (_, rows) = read_all(b"id,text\n1,\"a\nb, \"\"c\"\"\"\n2,d\n", 1 << 20);
        assert_eq!(rows[0].1, fields(&["1", "a\nb, \"c\""]));
        assert_eq!(rows[0].2, "");
        assert_eq!((rows[1].0, rows[1].1.clone()), (4, fields(&["2", "d"])));
    }

    #[test]
    fn an_unclosed_quote_costs_one_line() {
        let (_, rows) = read_all(b"id,text\n1,\"oops\n2,fine\n3,ok\n", 1 << 20);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].0, 2);
        assert_eq!(
            rows[0].2,
            "a quote opened on line 2 is never closed; the record is cut at the end of its first line"
        );
        assert_eq!(rows[0].3, "1,\"oops");
        assert_eq!((rows[1].0, rows[1].1.clone()), (3, fields(&["2", "fine"])));
        assert_eq!((rows[2].0, rows[2].1.clone()), (4, fields(&["3", "ok"])));
    }

    #[test]
    fn a_leading_zero_width_no_break_space_survives_a_restart() {
        let (_, rows) = read_all("id,text\n1,\"oops\n\u{feff}2,x\n".as_bytes(), 1 << 20);
        assert_eq!(rows[1].1, fields(&["\u{feff}2", "x"]));
    }

    #[test]
    fn a_stray_closing_quote_costs_one_line() {
        let (_, rows) = read_all(b"id,text\n1,\"a\r\n2,b\r\n3,\"c\",x\r\n4,d\r\n", 1 << 20);
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert!(rows[0]
            .2
            .starts_with("unexpected text after the closing quote"));
        assert_eq!(rows[1].1, fields(&["2", "b"]));
        assert_eq!(rows[2].2, "expected 2 fields as in the header, found 3");
        assert_eq!(rows[3].1, fields(&["4", "d"]));
    }

    #[test]
    fn oversized_records_skip_to_the_next_line() {
        let (_, rows) = read_all(b"id,text\n1,aaaaaaaaaaaaaaaaaaaa\n2,b\n", 10);
        assert_eq!(rows.len(), 2);
        assert!(rows[0]
            .2
            .starts_with("record is over the --max-record-bytes limit of 10"));
        assert_eq!(rows[0].3, "1,aaaaaaaa");
        assert_eq!(
            (rows[1].0, rows[1].1.clone(), rows[1].2.clone()),
            (3, fields(&["2", "b"]), String::new())
        );
    }

    #[test]
    fn ragged_and_non_utf8_records_are_flagged() {
        let (_, rows) = read_all(b"id,text\n1,a,x\n2\n3,caf\xe9\n", 1 << 20);
        assert_eq!(rows[0].2, "expected 2 fields as in the header, found 3");
        assert_eq!(rows[1].2, "expected 2 fields as in the header, found 1");
        assert!(
            rows[2].2.starts_with(
                "invalid UTF-8: byte 0xE9 at byte 3 of the field (byte 21 of the input)"
            ),
            "{}",
            rows[2].2
        );
    }

    #[test]
    fn bad_headers_are_refused() {
        let open = |t: &'static [u8]| {
            DelimitedSource::from_reader(
                Box::new(t),
                "h.csv".into(),
                0,
                b',',
                &ReadOptions::default(),
            )
            .err()
            .map(|e| e.to_string())
        };
        assert_eq!(
            open(b"id,text,id\n").unwrap(),
            "h.csv:1: the header names columns 1 and 3 both `id`; every column needs a unique name"
        );
        assert_eq!(
            open(b"id,,text\n").unwrap(),
            "h.csv:1: the header gives column 2 no name; every column needs a unique name"
        );
        assert!(open(b"").is_none());
        assert!(open(b"\n\n").is_none());
    }
}
