//! Reading exports: where the bytes come from (files, stdin, gzip), what
//! format they are in, and which field holds the post text.

pub mod delimited;
pub mod fields;
pub mod jsonl;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use flate2::read::MultiGzDecoder;

/// Record formats postclass reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row (RFC 4180).
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON object per line (also called NDJSON).
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
}

/// Compression wrapped around an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
}

/// One input: a file or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// `None` for standard input.
    pub path: Option<PathBuf>,
}

impl Input {
    /// `-` means standard input.
    pub fn from_arg(arg: &Path) -> Input {
        if arg.as_os_str() == "-" {
            Input { path: None }
        } else {
            Input {
                path: Some(arg.to_path_buf()),
            }
        }
    }

    pub fn stdin() -> Input {
        Input { path: None }
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
        let (stem, compression) = match name.strip_suffix(".gz") {
            Some(stem) => (stem.to_string(), Compression::Gzip),
            None => (name, Compression::None),
        };
        let format = match Path::new(&stem).extension().and_then(|e| e.to_str()) {
            Some("csv") => Some(InputFormat::Csv),
            Some("tsv") | Some("tab") => Some(InputFormat::Tsv),
            Some("jsonl") | Some("ndjson") | Some("json") => Some(InputFormat::Jsonl),
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

    /// Opens the input as a buffered byte stream, decompressing gzip when the
    /// name ends in `.gz` or the stream starts with the gzip magic bytes.
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>> {
        let raw: Box<dyn Read + Send> = match &self.path {
            Some(p) => Box::new(
                File::open(p).with_context(|| format!("cannot open input {}", p.display()))?,
            ),
            None => Box::new(io::stdin()),
        };
        let mut buffered = BufReader::with_capacity(256 * 1024, raw);
        let starts_gzip = buffered
            .fill_buf()
            .with_context(|| format!("cannot read input {}", self.display_name()))?
            .starts_with(&[0x1f, 0x8b]);
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

/// Decides the format of a list of inputs: `--input-format` if given, else
/// each file's extension; inputs of different formats cannot be mixed.
pub fn resolve_format(inputs: &[Input], forced: Option<InputFormat>) -> Result<InputFormat> {
    if let Some(f) = forced {
        return Ok(f);
    }
    let mut found: Option<(InputFormat, String)> = None;
    for input in inputs {
        let name = input.display_name();
        let Some(f) = input.detect().0 else {
            if input.path.is_none() {
                bail!(
                    "cannot tell the format of standard input: pass --input-format csv|tsv|jsonl"
                );
            }
            bail!(
                "cannot tell the format of {name} from its name: pass --input-format csv|tsv|jsonl \
                 (known extensions: .csv, .tsv, .jsonl, .ndjson, each optionally .gz)"
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
