//! Reading exports: where the bytes come from (files, stdin, gzip), what
//! format they are in, and which field holds the post text.

pub mod delimited;
pub mod encoding;
pub mod extract;
pub mod fields;
pub mod flatten;
pub mod html;
pub mod json_array;
pub mod jsonl;
pub mod open;
pub mod presets;
pub mod record;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use flate2::read::MultiGzDecoder;

pub use encoding::Encoding;

use crate::input::record::{Pos, Problem};

/// The longest record read by default, in bytes (16 MiB).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 16 << 20;

/// The help heading of the flags about bad input. Set on each flag rather
/// than for the struct, so that the flags after them, in whatever command
/// flattens them, keep their own heading.
pub const BAD_INPUT: &str = "Bad input";

/// How inputs are read, whatever their format.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// Text encoding of the inputs. With utf8 (the default) a record with an
    /// invalid byte cannot be labelled; lossy replaces invalid bytes with
    /// U+FFFD and counts them in the summary. Output is always UTF-8.
    #[arg(long, value_enum, value_name = "ENCODING", default_value = "utf8", help_heading = BAD_INPUT)]
    pub encoding: Encoding,

    /// Longest record accepted, in bytes (suffixes K, M, G: powers of 1024).
    /// A longer record cannot be labelled; reading goes on at the next line.
    /// Memory use stays a small multiple of this.
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_bytes, help_heading = BAD_INPUT)]
    pub max_record_bytes: usize,
}

impl ReadArgs {
    /// The options every input of a run is read with; `replaced` counts the
    /// invalid sequences decoding replaced.
    pub fn options(&self, replaced: Arc<AtomicU64>) -> ReadOptions {
        ReadOptions {
            encoding: self.encoding,
            max_record_bytes: self.max_record_bytes,
            replaced,
        }
    }
}

/// Parses a byte count: `1048576`, `512K`, `16M`, `1G`.
pub fn parse_bytes(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&t[..i], 10),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&t[..i], 20),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&t[..i], 30),
        _ => (t, 0),
    };
    let n: usize = digits.trim().parse().map_err(|_| {
        format!("expected a number of bytes such as 1048576, 512K or 16M, not `{s}`")
    })?;
    match n.checked_mul(1 << shift) {
        Some(v) if v > 0 => Ok(v),
        Some(_) => Err("the limit must be at least 1 byte".to_string()),
        None => Err(format!("`{s}` is too large")),
    }
}

/// How an input is read: its encoding and the record size limit.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub encoding: Encoding,
    pub max_record_bytes: usize,
    /// Invalid sequences replaced while decoding, over all inputs.
    pub replaced: Arc<AtomicU64>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            encoding: Encoding::Utf8,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            replaced: Arc::default(),
        }
    }
}

impl PartialEq for ReadOptions {
    fn eq(&self, other: &Self) -> bool {
        self.encoding == other.encoding && self.max_record_bytes == other.max_record_bytes
    }
}

impl Eq for ReadOptions {}

/// Record formats postclass reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row (RFC 4180).
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// JSON records: one object per line (JSONL, NDJSON), or one whole
    /// array `[...]`, or a JavaScript file assigning one (tweets.js); told
    /// apart by the first bytes, arrays read one element at a time.
    #[value(alias = "json")]
    Jsonl,
}

impl InputFormat {
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Csv => "csv",
            InputFormat::Tsv => "tsv",
            InputFormat::Jsonl => "jsonl",
        }
    }

    /// The field delimiter of the format when none is given: a tab for
    /// TSV, else a comma.
    pub fn delimiter(self) -> u8 {
        match self {
            InputFormat::Tsv => b'\t',
            InputFormat::Csv | InputFormat::Jsonl => b',',
        }
    }
}

/// Compression wrapped around an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One input: a file or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// `None` for standard input.
    pub path: Option<PathBuf>,
    pub options: ReadOptions,
    /// Adds up the bytes read from the input, before decompression.
    pub counter: ReadCounter,
}

/// A byte count shared with whoever shows progress. Two inputs are the same
/// input whatever their counters.
#[derive(Debug, Clone, Default)]
pub struct ReadCounter(Option<Arc<AtomicU64>>);

impl ReadCounter {
    pub fn new(total: Arc<AtomicU64>) -> ReadCounter {
        ReadCounter(Some(total))
    }
}

impl PartialEq for ReadCounter {
    fn eq(&self, _: &ReadCounter) -> bool {
        true
    }
}

impl Eq for ReadCounter {}

/// A reader that adds the bytes it reads to a shared count.
struct Counting<R> {
    inner: R,
    total: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Input {
    /// `-` means standard input.
    pub fn from_arg(arg: &Path) -> Input {
        if arg.as_os_str() == "-" {
            Input::stdin()
        } else {
            Input {
                path: Some(arg.to_path_buf()),
                options: ReadOptions::default(),
                counter: ReadCounter::default(),
            }
        }
    }

    pub fn stdin() -> Input {
        Input {
            path: None,
            options: ReadOptions::default(),
            counter: ReadCounter::default(),
        }
    }

    /// The same input, read with `options`.
    pub fn with_options(mut self, options: ReadOptions) -> Input {
        self.options = options;
        self
    }

    /// The same input, counting the bytes it reads into `counter`.
    pub fn counting(mut self, counter: &ReadCounter) -> Input {
        self.counter = counter.clone();
        self
    }

    /// The name used in messages.
    pub fn display_name(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "<stdin>".to_string(),
        }
    }

    /// The format and compression the file name says, if it says.
    pub fn detect(&self) -> (Option<InputFormat>, Compression) {
        let Some(path) = &self.path else {
            return (None, Compression::None);
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let (stem, compression) = if let Some(stem) = name.strip_suffix(".gz") {
            (stem.to_string(), Compression::Gzip)
        } else if let Some(stem) = name.strip_suffix(".zst") {
            (stem.to_string(), Compression::Zstd)
        } else {
            (name, Compression::None)
        };
        let format = match Path::new(&stem).extension().and_then(|e| e.to_str()) {
            Some("csv") => Some(InputFormat::Csv),
            Some("tsv") | Some("tab") => Some(InputFormat::Tsv),
            Some("jsonl") | Some("ndjson") | Some("json") | Some("js") => Some(InputFormat::Jsonl),
            _ => None,
        };
        (format, compression)
    }

    /// The size in bytes of the file, when known.
    pub fn size(&self) -> Option<u64> {
        self.path
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
    }

    /// Opens the input as a buffered byte stream, decompressing gzip (zstd)
    /// when the name ends in `.gz` (`.zst`) or the stream starts with the
    /// gzip (zstd) magic bytes, and decoding to UTF-8 when the encoding is
    /// not UTF-8. Zstandard is read as a stream, with the largest window the
    /// format allows (Pushshift dumps need 2 GiB).
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>> {
        let bytes = self.open_bytes()?;
        let encoding = self.options.encoding;
        if encoding.is_strict_utf8() {
            return Ok(bytes);
        }
        let decoded =
            encoding::DecodingReader::new(bytes, encoding, Arc::clone(&self.options.replaced));
        Ok(Box::new(BufReader::with_capacity(256 * 1024, decoded)))
    }

    fn open_bytes(&self) -> Result<Box<dyn BufRead + Send>> {
        let raw: Box<dyn Read + Send> = match &self.path {
            Some(p) => Box::new(
                File::open(p).with_context(|| format!("cannot open input {}", p.display()))?,
            ),
            None => Box::new(io::stdin()),
        };
        let raw: Box<dyn Read + Send> = match &self.counter.0 {
            Some(total) => Box::new(Counting {
                inner: raw,
                total: Arc::clone(total),
            }),
            None => raw,
        };
        let mut buffered = BufReader::with_capacity(256 * 1024, raw);
        let starts_gzip = buffered
            .fill_buf()
            .with_context(|| format!("cannot read input {}", self.display_name()))?
            .starts_with(&[0x1f, 0x8b]);
        let starts_zstd = buffered.buffer().starts_with(&ZSTD_MAGIC);
        if starts_zstd || self.detect().1 == Compression::Zstd {
            if !starts_zstd && !buffered.buffer().is_empty() {
                bail!(
                    "{}: the name ends in .zst but the content is not Zstandard",
                    self.display_name()
                );
            }
            return zstd_reader(buffered, &self.display_name());
        }
        if starts_gzip || self.detect().1 == Compression::Gzip {
            if !starts_gzip && !buffered.buffer().is_empty() {
                bail!(
                    "{}: the name ends in .gz but the content is not gzip",
                    self.display_name()
                );
            }
            return Ok(Box::new(BufReader::with_capacity(
                256 * 1024,
                MultiGzDecoder::new(buffered),
            )));
        }
        Ok(Box::new(buffered))
    }
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fn zstd_reader(
    raw: BufReader<Box<dyn Read + Send>>,
    name: &str,
) -> Result<Box<dyn BufRead + Send>> {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(raw)
        .with_context(|| format!("{name}: cannot start Zstandard decompression"))?;
    decoder
        .window_log_max(31)
        .with_context(|| format!("{name}: cannot start Zstandard decompression"))?;
    Ok(Box::new(BufReader::with_capacity(
        256 * 1024,
        ZstdErrors { decoder },
    )))
}

/// Zstandard errors, said as such (readers add the file and line).
struct ZstdErrors<R: BufRead> {
    decoder: zstd::stream::read::Decoder<'static, R>,
}

impl<R: BufRead> Read for ZstdErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), format!("Zstandard decompression failed: {e}")))
    }
}

/// Whether the first bytes of `input` look like JSON (after decompression):
/// used for files whose name does not tell, like Pushshift's `RC_2023-01.zst`.
fn looks_like_json(input: &Input) -> bool {
    let Ok(mut r) = input.open() else {
        return false;
    };
    let Ok(buf) = r.fill_buf() else {
        return false;
    };
    let buf = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
    matches!(
        buf.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Decides the format of a list of inputs: `--input-format` if given, else
/// each file's extension; inputs of different formats cannot be mixed.
pub fn resolve_format(inputs: &[Input], forced: Option<InputFormat>) -> Result<InputFormat> {
    if let Some(f) = forced {
        return Ok(f);
    }
    let mut found: Option<(InputFormat, String)> = None;
    for input in inputs {
        let name = input.display_name();
        let Some(f) = input.detect().0.or_else(|| {
            (input.path.is_some() && looks_like_json(input)).then_some(InputFormat::Jsonl)
        }) else {
            if input.path.is_none() {
                bail!(
                    "cannot tell the format of standard input: pass --input-format csv|tsv|jsonl or --preset"
                );
            }
            bail!(
                "cannot tell the format of {name} from its name or content: pass --input-format csv|tsv|jsonl \
                 (known extensions: .csv, .tsv, .jsonl, .ndjson, .json, .js, each optionally .gz or .zst)"
            );
        };
        match &found {
            Some((g, other)) if *g != f => bail!(
                "inputs mix formats: {other} is {} but {name} is {}",
                g.name(),
                f.name()
            ),
            Some(_) => {}
            None => found = Some((f, name)),
        }
    }
    found.map(|(f, _)| f).context("no input given")
}

/// A record that cannot be labelled, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub file: String,
    /// 1-based line where the record starts (0 when unknown).
    pub line: u64,
    /// 1-based record number, header excluded.
    pub record: u64,
    /// The field concerned, when there is one.
    pub field: Option<String>,
    pub reason: String,
}

impl RecordError {
    /// The error of the record at `pos` of the input `file`.
    pub fn at(file: &str, pos: Pos, problem: Problem) -> RecordError {
        RecordError {
            file: file.to_string(),
            line: pos.line,
            record: pos.record,
            field: problem.field,
            reason: problem.reason,
        }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: record {}", self.file, self.line, self.record)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for RecordError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_take_binary_suffixes() {
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("512K"), Ok(512 << 10));
        assert_eq!(parse_bytes("16m"), Ok(16 << 20));
        assert_eq!(parse_bytes("1G"), Ok(1 << 30));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("ten").is_err());
        assert!(parse_bytes("99999999999999999999G").is_err());
    }
}
