//! Opening the inputs of a run as posts: the format of the inputs, their
//! header and text field (given, a preset's, or detected from the first
//! record), and the record sources the pipeline reads, one input after the
//! other.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use csv::ByteRecord;
use serde_json::Value;

use super::delimited::DelimitedSource;
use super::fields::{self, JsonPath};
use super::jsonl::JsonlSource;
use super::presets::Preset;
use super::{resolve_format, Input, InputFormat, RecordError};
use crate::input::extract::TextField;
use crate::input::record::{Item, Opener, Raw, RecordSource, Sources};

/// The inputs named on the command line; none means standard input.
pub fn inputs_of(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let inputs: Vec<Input> = if paths.is_empty() {
        vec![Input::stdin()]
    } else {
        paths.iter().map(|p| Input::from_arg(p)).collect()
    };
    if inputs.iter().filter(|i| i.path.is_none()).count() > 1 {
        bail!("standard input (`-`) can be read only once");
    }
    Ok(inputs)
}

/// The format of the inputs: `--input-format`, else their names; a preset
/// reads JSON.
pub fn input_format(
    inputs: &[Input],
    forced: Option<InputFormat>,
    preset: Option<Preset>,
) -> Result<InputFormat> {
    let format = match (forced, preset) {
        // A preset reads JSON: it says the format when the names do not.
        (None, Some(_)) => resolve_format(inputs, None).unwrap_or(InputFormat::Jsonl),
        (forced, _) => resolve_format(inputs, forced)?,
    };
    if let (Some(p), InputFormat::Csv | InputFormat::Tsv) = (preset, format) {
        bail!(
            "--preset {} reads JSON exports, but the input format is {}",
            p.name(),
            format.name()
        );
    }
    Ok(format)
}

/// The inputs, opened far enough to know their header and text field.
pub struct Opened {
    pub header: Option<ByteRecord>,
    /// `None` when no input has a record (nothing to detect the text from).
    pub field: Option<TextField>,
    pub sources: Option<Sources>,
    /// The preset the JSON inputs are read with.
    pub preset: Option<Preset>,
}

/// Opens `inputs` of `format`, finding the text field (`text`, the
/// preset's, else detected and reported through `say`).
pub fn open_inputs(
    inputs: &[Input],
    format: InputFormat,
    delimiter: Option<u8>,
    text: Option<&str>,
    preset: Option<Preset>,
    say: &dyn Fn(String),
) -> Result<Opened> {
    match format {
        InputFormat::Csv | InputFormat::Tsv => {
            open_delimited(text, inputs, delimiter.unwrap_or(format.delimiter()), say)
        }
        InputFormat::Jsonl => open_jsonl(text, preset, inputs, say),
    }
}

fn open_delimited(
    text: Option<&str>,
    inputs: &[Input],
    delimiter: u8,
    say: &dyn Fn(String),
) -> Result<Opened> {
    // Empty files (no header, no records) before the first real one add nothing.
    let mut start = 0;
    let first = loop {
        let src = DelimitedSource::open(&inputs[start], start, delimiter)?;
        let empty = src.headers().len() <= 1 && src.headers().iter().all(|h| h.is_empty());
        if !empty {
            break src;
        }
        start += 1;
        if start == inputs.len() {
            return Ok(Opened {
                header: None,
                field: None,
                sources: None,
                preset: None,
            });
        }
    };
    let header = first.headers().clone();
    let names = first.header_names();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let column = match text {
        Some(t) => fields::find_csv_column(&name_refs, t).with_context(|| {
            format!(
                "{}: no column named `{t}`; the columns are: {}",
                first.name(),
                names.join(", ")
            )
        })?,
        None => {
            let c = fields::detect_csv_column(&name_refs).with_context(|| {
                format!(
                    "{}: cannot find the text column; pass --text NAME. The columns are: {}",
                    first.name(),
                    names.join(", ")
                )
            })?;
            say(format!(
                "{}: text field `{}` (detected)",
                first.name(),
                names[c]
            ));
            c
        }
    };
    let mut rest: Vec<Opener> = Vec::new();
    for (i, input) in inputs.iter().enumerate().skip(start + 1) {
        let input = input.clone();
        let expected = header.clone();
        let first_name = first.name().to_string();
        rest.push(Box::new(move || {
            let src = DelimitedSource::open(&input, i, delimiter)?;
            let empty = src.headers().len() <= 1 && src.headers().iter().all(|h| h.is_empty());
            if !empty && *src.headers() != expected {
                bail!(
                    "{}: its header differs from the header of {first_name}; inputs read together must have the same columns",
                    src.name()
                );
            }
            Ok(Box::new(src) as Box<dyn RecordSource>)
        }));
    }
    Ok(Opened {
        header: Some(header),
        field: Some(TextField::Column(column, names[column].clone())),
        sources: Some(Sources::new(Box::new(first), rest)),
        preset: None,
    })
}

fn open_jsonl(
    text: Option<&str>,
    preset: Option<Preset>,
    inputs: &[Input],
    say: &dyn Fn(String),
) -> Result<Opened> {
    // The first record tells the text field; it is read once and replayed.
    let mut start = 0;
    let (first, peek) = loop {
        let mut src = JsonlSource::open(&inputs[start], start)?;
        let mut peek = Item::default();
        if src.next_into(&mut peek)? {
            break (src, peek);
        }
        start += 1;
        if start == inputs.len() {
            return Ok(Opened {
                header: None,
                field: text
                    .map(|t| TextField::Path(JsonPath::parse(t)))
                    .or(preset.map(TextField::Preset)),
                sources: None,
                preset,
            });
        }
    };
    let mut preset = preset;
    let field = match text {
        Some(t) => TextField::Path(JsonPath::parse(t)),
        None => {
            let name = inputs[start].display_name();
            let Raw::Line(line) = &peek.raw else {
                unreachable!("JSONL sources yield lines")
            };
            if let Some(p) = &peek.read_problem {
                bail!(
                    "{name}:{}: the first record cannot be read ({}), so the text field cannot be detected: pass --text PATH",
                    peek.pos.line,
                    p.reason
                );
            }
            let value: Value = serde_json::from_slice(line).map_err(|e| RecordError {
                file: name.clone(),
                line: peek.pos.line,
                record: 1,
                field: None,
                reason: format!(
                    "invalid JSON: {e}; the text field cannot be detected from it: pass --text PATH"
                ),
            })?;
            if preset.is_none() {
                preset = Preset::detect(&value);
                if let Some(p) = preset {
                    say(format!(
                        "{name}: preset `{}` detected ({})",
                        p.name(),
                        p.describe()
                    ));
                }
            }
            if let Some(p) = preset {
                return open_jsonl_with(Some(p), TextField::Preset(p), inputs, start, first, peek);
            }
            let p = fields::detect_json_path(&value).with_context(|| {
                format!(
                    "{name}: cannot find the text field; pass --text PATH. The string fields are: {}",
                    fields::json_string_paths(&value).join(", ")
                )
            })?;
            say(format!("{name}: text field `{p}` (detected)"));
            TextField::Path(p)
        }
    };
    open_jsonl_with(preset, field, inputs, start, first, peek)
}

/// The JSON inputs from `start`, the first one's first record `peek`
/// already read, as posts.
fn open_jsonl_with(
    preset: Option<Preset>,
    field: TextField,
    inputs: &[Input],
    start: usize,
    first: JsonlSource,
    peek: Item,
) -> Result<Opened> {
    let rest: Vec<Opener> = inputs
        .iter()
        .enumerate()
        .skip(start + 1)
        .map(|(i, input)| {
            let input = input.clone();
            Box::new(move || Ok(Box::new(JsonlSource::open(&input, i)?) as Box<dyn RecordSource>))
                as Opener
        })
        .collect();
    let replay = Replay {
        item: Some(peek),
        rest: first,
    };
    let sources = Sources::new(Box::new(replay), rest);
    Ok(Opened {
        header: None,
        field: Some(field),
        sources: Some(match preset {
            Some(p) => p.posts(sources),
            None => sources,
        }),
        preset,
    })
}

/// A source that yields one record already read, then the rest.
struct Replay {
    item: Option<Item>,
    rest: JsonlSource,
}

impl RecordSource for Replay {
    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        if let Some(first) = self.item.take() {
            item.pos = first.pos;
            item.raw = first.raw;
            item.read_problem = first.read_problem;
            return Ok(true);
        }
        self.rest.next_into(item)
    }
}

/// Reads the post text of `item`, a record of the input `file`, read from
/// opened sources, into `item.text` (and, for JSON, its value into
/// `item.value`); the error of a record that cannot be read or labelled
/// names its place.
pub fn read_text(file: &str, field: &TextField, item: &mut Item) -> Result<(), RecordError> {
    if let Some(p) = item.read_problem.take() {
        return Err(RecordError::at(file, item.pos, p));
    }
    field
        .extract(item)
        .map_err(|p| RecordError::at(file, item.pos, p))
}
