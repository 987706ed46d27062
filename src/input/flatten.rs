//! JSON records flattened into the columns of a CSV output: a preset's
//! fields, dotted paths, and the post text as the run reads it.

use serde_json::Value;

use crate::input::extract::TextField;
use crate::input::fields::JsonPath;
use crate::input::presets::{flat_value, MetaField, Preset};

/// A column flattened from JSON records when writing CSV.
#[derive(Debug, Clone)]
pub enum FlatField {
    /// A dotted path: strings as they are, null or missing as empty,
    /// anything else as its JSON text.
    Path(String, JsonPath),
    /// A field a preset knows.
    Meta(&'static MetaField),
    /// The post text, as the run reads it.
    Text(String, TextField),
}

impl FlatField {
    /// The column name.
    pub fn name(&self) -> &str {
        match self {
            FlatField::Path(name, _) | FlatField::Text(name, _) => name,
            FlatField::Meta(m) => m.name,
        }
    }

    /// Appends the value of the field in `record` to `out`.
    pub fn write(&self, record: &Value, out: &mut String) {
        match self {
            FlatField::Path(_, path) => flat_value(path.get(record), out),
            FlatField::Text(_, field) => {
                // A record without text never reaches the writer.
                let _ = field.text_of(record, out);
            }
            FlatField::Meta(m) => m.write(record, out),
        }
    }
}

/// The columns flattened from JSON records into CSV: those asked for (a
/// preset's field names, `text` for the post text when a preset is used,
/// else dotted paths), or by default the preset's fields and the text, or
/// without a preset the text field alone.
pub fn flat_fields(
    preset: Option<Preset>,
    asked: &[String],
    text: Option<&TextField>,
) -> Vec<FlatField> {
    let text_column = |name: &str| -> Option<FlatField> {
        match text? {
            TextField::Path(p) if preset.is_none() => {
                Some(FlatField::Path(name.to_string(), p.clone()))
            }
            field => Some(FlatField::Text(name.to_string(), field.clone())),
        }
    };
    if asked.is_empty() {
        let Some(preset) = preset else {
            return match text {
                Some(TextField::Path(p)) => vec![FlatField::Path(p.to_string(), p.clone())],
                _ => Vec::new(),
            };
        };
        let mut out: Vec<FlatField> = preset.fields().iter().map(FlatField::Meta).collect();
        out.extend(text_column("text"));
        return out;
    }
    asked
        .iter()
        .map(|name| {
            if let Some(p) = preset {
                if let Some(m) = p.fields().iter().find(|m| m.name == name) {
                    return FlatField::Meta(m);
                }
                if name == "text" {
                    if let Some(f) = text_column(name) {
                        return f;
                    }
                }
            }
            FlatField::Path(name.clone(), JsonPath::parse(name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flat(fields: &[FlatField], record: &Value) -> Vec<String> {
        fields
            .iter()
            .map(|f| {
                let mut s = String::new();
                f.write(record, &mut s);
                s
            })
            .collect()
    }

    #[test]
    fn preset_fields_flatten_with_alternatives() {
        let fields = flat_fields(Some(Preset::Tweets), &[], None);
        let names: Vec<&str> = fields.iter().map(FlatField::name).collect();
        assert_eq!(names, ["id", "author", "created_at", "lang", "mentions"]);
        let v1 = json!({"id": 5, "id_str": "5", "user": {"screen_name": "ana"}, "lang": "fr",
            "entities": {"user_mentions": [{"screen_name": "b"}, {"screen_name": "c"}]}});
        assert_eq!(flat(&fields, &v1), ["5", "ana", "", "fr", "b;c"]);
        let scrape = json!({"id": 7, "user": {"username": "zoé"}, "date": "2024-01-01",
            "mentionedUsers": null});
        assert_eq!(flat(&fields, &scrape), ["7", "zoé", "2024-01-01", "", ""]);
    }

    #[test]
    fn asked_fields_mix_preset_names_and_paths() {
        let text = TextField::Preset(Preset::Reddit);
        let fields = flat_fields(
            Some(Preset::Reddit),
            &["author".into(), "score".into(), "text".into()],
            Some(&text),
        );
        let r = json!({"author": "u1", "score": 3, "title": "Q&amp;A", "selftext": "body"});
        assert_eq!(flat(&fields, &r), ["u1", "3", "Q&A\n\nbody"]);
        // Without a preset every name is a path, `text` included.
        let path = TextField::Path(JsonPath::parse("body"));
        let fields = flat_fields(None, &["text".into()], Some(&path));
        assert_eq!(flat(&fields, &json!({"text": "x", "body": "y"})), ["x"]);
        let fields = flat_fields(None, &[], Some(&path));
        assert_eq!(fields[0].name(), "body");
    }
}
