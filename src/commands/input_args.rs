//! The arguments that say how posts are read, shared by the commands that
//! read exports (`classify`, `triage`): the inputs, their format, preset,
//! text field and delimiter, their encoding and record size limit, and what
//! happens to records that cannot be labelled.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Result};
use csv::ByteRecord;

use crate::input::extract::{LangField, LangSpec};
use crate::input::fields::{self, JsonPath};
use crate::input::open::{self, Opened};
use crate::input::presets::Preset;
use crate::input::{Input, InputFormat, ReadArgs};
use crate::output;
use crate::output::rejects::{self, RejectArgs, Rejects};
use crate::progress::Progress;
use crate::summary::DecodingCounts;

#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Input files (CSV, TSV, JSONL, JSON arrays, tweets.js; each optionally
    /// gzip or zstd compressed); `-` or none for stdin.
    pub inputs: Vec<PathBuf>,

    /// Field holding the post text: a CSV column or a dotted JSON path
    /// (`tweet.full_text`). Detected from common export names when absent.
    #[arg(short, long, value_name = "FIELD")]
    pub text: Option<String>,

    /// Input format, when the file extension does not tell (always for stdin).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,

    /// Read the export of a known tool: its text, its id, author, date,
    /// language and mentions fields (the default --fields of CSV output)
    /// and, for twarc2, one post per tweet. Implies JSON input. Detected from
    /// the first record when neither --preset nor --text is given.
    #[arg(long, value_enum, value_name = "NAME")]
    pub preset: Option<Preset>,

    /// Field holding each post's language (a CSV column or a dotted JSON
    /// path, values like `fr`, `en-US`): it wins over detection. Default:
    /// the preset's language field (tweets, twarc2, twitter-archive,
    /// mastodon, bluesky), else a CSV column or top-level JSON key named
    /// `lang`. Posts without a value are detected.
    #[arg(long, value_name = "FIELD")]
    pub lang_field: Option<String>,

    /// Field delimiter of CSV input (default `,`; `\t` for TSV). Labelled
    /// CSV is written with `,` (`--output-format tsv` for tabs); rejected
    /// records keep this delimiter.
    #[arg(short, long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

    #[command(flatten)]
    pub read: ReadArgs,

    #[command(flatten)]
    pub reject: RejectArgs,
}

/// Inputs opened by [`InputArgs::start_reading`], and what the run keeps
/// while reading them. A command takes the parts it needs and ends with
/// [`end_reading`].
pub struct Reading {
    pub inputs: Vec<Input>,
    pub format: InputFormat,
    pub progress: Progress,
    pub rejects: Rejects,
    pub opened: Opened,
    /// Invalid byte sequences decoding replaced (`--encoding`).
    pub replaced: Arc<AtomicU64>,
}

/// Ends a reading of `read` records: the progress line, the rejects' count
/// and file, and how many byte sequences decoding replaced, told by `say`.
pub fn end_reading(
    args: &InputArgs,
    mut progress: Progress,
    rejects: Rejects,
    replaced: &AtomicU64,
    read: u64,
    say: &dyn Fn(String),
) -> Result<()> {
    progress.finish();
    if let Some(note) = rejects.note(read) {
        say(note);
    }
    rejects.finish()?;
    if let Some(d) = args.decoding(replaced).filter(|d| d.replaced > 0) {
        say(format!(
            "{} invalid byte sequences replaced with U+FFFD (--encoding {})",
            d.replaced, d.encoding
        ));
    }
    Ok(())
}

/// Parses `--delimiter`: one ASCII character, or `\t` (`tab`) for a tab.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "\\t" | "tab" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "a delimiter is one ASCII character (or `\\t`), not `{s}`"
        )),
    }
}

impl InputArgs {
    /// The inputs named (none, or `-`, is standard input), read with
    /// `--encoding` and `--max-record-bytes`; `replaced` counts the invalid
    /// sequences decoding replaces.
    pub fn inputs(&self, replaced: &Arc<AtomicU64>) -> Result<Vec<Input>> {
        let options = self.read.options(Arc::clone(replaced));
        Ok(open::inputs_of(&self.inputs)?
            .into_iter()
            .map(|i| i.with_options(options.clone()))
            .collect())
    }

    /// The format of `inputs`: `--input-format`, else their names or
    /// content; a preset reads JSON.
    pub fn format(&self, inputs: &[Input]) -> Result<InputFormat> {
        open::input_format(inputs, self.input_format, self.preset)
    }

    /// The field delimiter of delimited inputs of `format`.
    pub fn delimiter(&self, format: InputFormat) -> u8 {
        self.delimiter.unwrap_or(format.delimiter())
    }

    /// Refuses outputs (and the rejects file) that would overwrite an
    /// input, and a rejects file that is also one of `outputs`.
    pub fn check_outputs(&self, inputs: &[Input], outputs: &[Option<&Path>]) -> Result<()> {
        let input_paths: Vec<Option<PathBuf>> = inputs.iter().map(|i| i.path.clone()).collect();
        for target in outputs
            .iter()
            .copied()
            .chain([self.reject.rejects.as_deref()])
            .flatten()
        {
            if target.as_os_str() != "-" {
                output::ensure_not_an_input(target, &input_paths)?;
            }
        }
        rejects::ensure_distinct(self.reject.rejects.as_deref(), outputs)
    }

    /// Opens the inputs of a command that writes chosen posts to `outputs`
    /// (`triage`, `sample`, `diff`): each counted for the progress line
    /// (shown unless `quiet`), the outputs checked against them, the
    /// handling of bad records started, and the text field found (`say`
    /// tells which when it was detected).
    pub fn start_reading(
        &self,
        quiet: bool,
        outputs: &[Option<&Path>],
        say: &dyn Fn(String),
    ) -> Result<Reading> {
        let replaced = Arc::new(AtomicU64::new(0));
        let inputs = self.inputs(&replaced)?;
        let progress = Progress::new(!quiet, &inputs);
        let inputs: Vec<Input> = inputs
            .into_iter()
            .map(|i| i.counting(&progress.counter()))
            .collect();
        let format = self.format(&inputs)?;
        self.check_outputs(&inputs, outputs)?;
        let rejects = self.rejects(&inputs, format)?;
        let opened = self.open(&inputs, format, say)?;
        Ok(Reading {
            inputs,
            format,
            progress,
            rejects,
            opened,
            replaced,
        })
    }

    /// Starts the run's handling of records that cannot be labelled
    /// (`--on-error`, `--rejects`); `format` is the inputs'.
    pub fn rejects(&self, inputs: &[Input], format: InputFormat) -> Result<Rejects> {
        self.rejects_filtering(inputs, format, false)
    }

    /// [`InputArgs::rejects`] for a run that also leaves records out by
    /// choice (`filtering`), which may then be written with `--rejects`
    /// without `--on-error skip`.
    pub fn rejects_filtering(
        &self,
        inputs: &[Input],
        format: InputFormat,
        filtering: bool,
    ) -> Result<Rejects> {
        Rejects::create_filtering(
            &self.reject,
            inputs.iter().map(Input::display_name).collect(),
            self.delimiter(format),
            filtering,
        )
    }

    /// Opens `inputs` of `format` far enough to know their header and text
    /// field; notes (a detected text field or preset) go through `say`.
    pub fn open(
        &self,
        inputs: &[Input],
        format: InputFormat,
        say: &dyn Fn(String),
    ) -> Result<Opened> {
        open::open_inputs(
            inputs,
            format,
            self.delimiter,
            self.text.as_deref(),
            self.preset,
            say,
        )
    }

    /// How each post's language is found: `--lang-field`, else the
    /// preset's field, and detection for the rest. `on` says whether the
    /// run needs the language at all.
    pub fn lang_spec(
        &self,
        header: Option<&ByteRecord>,
        preset: Option<Preset>,
        on: bool,
    ) -> Result<LangSpec> {
        lang_spec(self.lang_field.as_deref(), header, preset, on)
    }

    /// What decoding did, for a summary: `None` for strict UTF-8 input.
    pub fn decoding(&self, replaced: &AtomicU64) -> Option<DecodingCounts> {
        (!self.read.encoding.is_strict_utf8()).then(|| DecodingCounts {
            encoding: self.read.encoding.name().to_string(),
            replaced: replaced.load(Ordering::Relaxed),
        })
    }
}

/// How each post's language is found: `lang_field` (a CSV column or a
/// dotted JSON path), else the `lang` column of a CSV header or the
/// preset's language field, and detection for the rest. `on` says whether
/// the run needs the language at all.
pub fn lang_spec(
    lang_field: Option<&str>,
    header: Option<&ByteRecord>,
    preset: Option<Preset>,
    on: bool,
) -> Result<LangSpec> {
    let field = match (lang_field, header) {
        (Some(name), Some(header)) => {
            let names: Vec<String> = header
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            match fields::find_csv_column(&refs, name) {
                Some(c) => Some(LangField::Column(c)),
                None => bail!(
                    "--lang-field {name}: no column named `{name}`; the columns are: {}",
                    names.join(", ")
                ),
            }
        }
        (Some(name), None) => Some(LangField::Path(JsonPath::parse(name))),
        (None, Some(header)) => header
            .iter()
            .position(|f| f == b"lang")
            .map(LangField::Column),
        (None, None) => Some(match preset {
            Some(p) if p.fields().iter().any(|f| f.name == "lang") => LangField::Preset(p),
            Some(_) => return Ok(LangSpec { field: None, on }),
            None => LangField::Path(JsonPath::parse("lang")),
        }),
    };
    Ok(LangSpec { field, on })
}
