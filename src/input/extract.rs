//! Where a record's post is read from: its text (a column, a JSON path or
//! a preset's reading) and its language (a column, a preset's field or
//! detection). Between the records of [`record`](super::record) and the
//! [`presets`](super::presets) that know each export's fields.

use serde_json::Value;

use crate::input::fields::{JsonPath, Lookup};
use crate::input::presets::Preset;
use crate::input::record::{json_kind, Item, Problem, Raw};
use crate::lang::{Lang, LangSource, PostLang};
use crate::Scratch;

/// Where the text of a record is.
#[derive(Debug, Clone)]
pub enum TextField {
    /// A CSV column, with its header name for messages.
    Column(usize, String),
    /// A dotted path in a JSON object.
    Path(JsonPath),
    /// A dotted path in a JSON object, read without building the record:
    /// `item.value` stays `None`. For runs that need nothing else from JSON
    /// records (see [`TextField::text_only`]).
    TextOnly(JsonPath),
    /// The text as a preset reads it (HTML stripped, parts joined...).
    Preset(Preset),
}

impl TextField {
    /// The same field, read without keeping JSON records as values: a path
    /// becomes [`TextField::TextOnly`]; the others stay as they are.
    pub fn text_only(self) -> TextField {
        match self {
            TextField::Path(p) => TextField::TextOnly(p),
            other => other,
        }
    }

    /// Extracts the text of `item` into `item.text`, parsing JSON records.
    pub fn extract(&self, item: &mut Item) -> Result<(), Problem> {
        item.text.clear();
        match (&item.raw, self) {
            (Raw::Line(line), TextField::TextOnly(path)) => {
                match path.find_str(line, &mut item.text) {
                    Err(e) => Err(Problem {
                        field: None,
                        reason: format!("invalid JSON: {e}"),
                    }),
                    Ok(Lookup::Found) => Ok(()),
                    Ok(Lookup::NotObject(kind)) => Err(Problem {
                        field: None,
                        reason: format!("expected a JSON object, found {kind}"),
                    }),
                    Ok(Lookup::Missing) => Err(missing_text(path)),
                    Ok(Lookup::Other(kind)) => Err(Problem {
                        field: Some(path.to_string()),
                        reason: format!("expected a string, found {kind}"),
                    }),
                }
            }
            (Raw::Csv(rec), TextField::Column(c, _)) => {
                item.text.push_str(rec.get(*c).unwrap_or(""));
                Ok(())
            }
            (Raw::Line(line), TextField::Path(_) | TextField::Preset(_)) => {
                let value = json_object(line)?;
                self.text_of(&value, &mut item.text)?;
                item.value = Some(value);
                Ok(())
            }
            _ => Err(Problem {
                field: None,
                reason: "record kind does not match the input format".into(),
            }),
        }
    }

    /// Appends the text of the JSON object `value` to `out`.
    pub fn text_of(&self, value: &Value, out: &mut String) -> Result<(), Problem> {
        match self {
            TextField::Path(path) | TextField::TextOnly(path) => match path.get(value) {
                Some(Value::String(s)) => {
                    out.push_str(s);
                    Ok(())
                }
                Some(Value::Null) | None => Err(missing_text(path)),
                Some(other) => Err(Problem {
                    field: Some(path.to_string()),
                    reason: format!("expected a string, found {}", json_kind(other)),
                }),
            },
            TextField::Preset(preset) => preset.text_of(value, out),
            TextField::Column(_, name) => Err(Problem {
                field: Some(name.clone()),
                reason: "a CSV column is not a JSON field".into(),
            }),
        }
    }
}

/// The JSON object of one record (a line of JSON), or why the line is not
/// one.
pub fn json_object(line: &[u8]) -> Result<Value, Problem> {
    let value: Value = serde_json::from_slice(line).map_err(|e| Problem {
        field: None,
        reason: format!("invalid JSON: {e}"),
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(Problem {
            field: None,
            reason: format!("expected a JSON object, found {}", json_kind(&value)),
        })
    }
}

/// Where the language of a record is read, when the export gives it.
#[derive(Debug, Clone)]
pub enum LangField {
    /// A CSV column.
    Column(usize),
    /// A dotted path in a JSON object.
    Path(JsonPath),
    /// A preset's `lang` field.
    Preset(Preset),
}

impl LangField {
    /// The value of the field in `item`, if any: a string, or the first
    /// string of an array (Bluesky's `langs`).
    pub fn value<'i>(&self, item: &'i mut Item) -> Option<&'i str> {
        match (self, &item.raw) {
            (LangField::Column(c), Raw::Csv(rec)) => rec.get(*c),
            (LangField::Path(p), Raw::Line(line)) if item.value.is_none() => {
                // Read from the line as the text is, without building the record.
                let found = p.find_str(line, &mut item.lang_value);
                matches!(found, Ok(Lookup::Found)).then_some(item.lang_value.as_str())
            }
            (LangField::Path(p), _) => item.value.as_ref().and_then(|v| first_str(p.get(v)?)),
            (LangField::Preset(preset), _) => item
                .value
                .as_ref()
                .and_then(|v| first_str(preset.lang_of(v)?)),
            _ => None,
        }
    }
}

fn first_str(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Array(items) => items.first().and_then(Value::as_str),
        _ => None,
    }
}

/// How the pipeline finds each post's language.
#[derive(Debug, Clone, Default)]
pub struct LangSpec {
    /// The export's field, when it has one.
    pub field: Option<LangField>,
    /// Whether to find the language at all (else every post is `und`,
    /// at no cost).
    pub on: bool,
}

impl LangSpec {
    /// The language of `item`, whose text is extracted: the field's value
    /// when it names a language, else detected.
    pub fn of(
        &self,
        item: &mut Item,
        rulebook: &crate::Rulebook,
        scratch: &mut Scratch,
    ) -> PostLang {
        if !self.on {
            return PostLang::default();
        }
        if let Some(lang) = self
            .field
            .as_ref()
            .and_then(|f| f.value(item))
            .and_then(Lang::from_field)
        {
            return PostLang {
                lang,
                source: LangSource::Field,
            };
        }
        rulebook.detect_lang(&item.text, scratch)
    }
}

fn missing_text(path: &JsonPath) -> Problem {
    Problem {
        field: Some(path.to_string()),
        reason: "missing or null; expected a string".into(),
    }
}
