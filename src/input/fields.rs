//! Finding the post text in a record: by name in a CSV header, by dotted
//! path in a JSON object, or by recognising common export field names.

use serde_json::Value;

/// Field names that export tools use for the post text, in order of
/// preference, compared without case, spaces or punctuation.
pub const TEXT_FIELD_NAMES: &[&str] = &[
    "full_text",
    "text",
    "rawContent",
    "content",
    "body",
    "message",
    "Full Text",
    "tweet_text",
    "tweet",
    "post_text",
    "post",
    "snippet",
    "caption",
    "comment",
    "selftext",
];

/// Objects that commonly wrap the post in JSON exports.
const WRAPPERS: &[&str] = &[
    "tweet", "data", "record", "status", "post", "item", "legacy",
];

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The index of the header that names the text, by detection.
pub fn detect_csv_column(headers: &[&str]) -> Option<usize> {
    let squashed: Vec<String> = headers.iter().map(|h| squash(h)).collect();
    TEXT_FIELD_NAMES
        .iter()
        .find_map(|want| squashed.iter().position(|h| *h == squash(want)))
}

/// The index of the header named `name` (exact first, then ignoring case).
pub fn find_csv_column(headers: &[&str], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| *h == name)
        .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

/// A dotted path into a JSON value: `tweet.full_text`, `data.0.text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    segments: Vec<String>,
}

impl JsonPath {
    pub fn parse(path: &str) -> JsonPath {
        JsonPath {
            segments: path.split('.').map(str::to_string).collect(),
        }
    }

    pub fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        let mut cur = value;
        for seg in &self.segments {
            cur = match cur {
                Value::Object(map) => map.get(seg)?,
                Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

/// What [`JsonPath::find_str`] found in a JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// A string, now in the output buffer.
    Found,
    /// Nothing at the path, or `null`.
    Missing,
    /// A value of another kind (as [`crate::input::record::json_kind`] names it).
    Other(&'static str),
    /// The text is not a JSON object but this kind of value.
    NotObject(&'static str),
}

impl JsonPath {
    /// Reads the string at this path in the JSON object `json` into `out`,
    /// without building the document: every value is parsed and checked as
    /// [`serde_json::from_slice`] would, the others are dropped as they go.
    /// As with a `Value`, of repeated keys the last counts.
    /// `out` is left empty unless a string is found.
    pub fn find_str(&self, json: &[u8], out: &mut String) -> Result<Lookup, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let mut found = Lookup::Missing;
        let seek = Seek {
            path: &self.segments,
            top: true,
            out: &mut *out,
            found: &mut found,
        };
        let read = serde::de::DeserializeSeed::deserialize(seek, &mut de).and_then(|()| de.end());
        if read.is_err() || found != Lookup::Found {
            // A string seen before a later repeat or a syntax error.
            out.clear();
        }
        read.map(|()| found)
    }
}

/// Walks one JSON value for the rest of a path.
struct Seek<'a> {
    path: &'a [String],
    /// Whether this is the whole record, which must be an object.
    top: bool,
    out: &'a mut String,
    found: &'a mut Lookup,
}

impl Seek<'_> {
    /// A value that is not a container ends the walk.
    fn leaf(self, kind: &'static str) {
        *self.found = if self.top {
            Lookup::NotObject(kind)
        } else if self.path.is_empty() && kind != "null" {
            Lookup::Other(kind)
        } else {
            Lookup::Missing
        };
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Seek {
            path, out, found, ..
        } = self;
        let Some((want, rest)) = path.split_first() else {
            *found = Lookup::Other("an object");
            while map.next_key_seed(Skip)?.is_some() {
                map.next_value_seed(Skip)?;
            }
            return Ok(());
        };
        *found = Lookup::Missing;
        while let Some(is_wanted) = map.next_key_seed(KeyIs(want))? {
            if is_wanted {
                // A later repeat of the key replaces what this one gave.
                *found = Lookup::Missing;
                map.next_value_seed(Seek {
                    path: rest,
                    top: false,
                    out: &mut *out,
                    found: &mut *found,
                })?;
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.top {
            while seq.next_element_seed(Skip)?.is_some() {}
            self.leaf("an array");
            return Ok(());
        }
        let Seek {
            path, out, found, ..
        } = self;
        let Some((want, rest)) = path.split_first() else {
            while seq.next_element_seed(Skip)?.is_some() {}
            *found = Lookup::Other("an array");
            return Ok(());
        };
        *found = Lookup::Missing;
        let index = want.parse::<usize>().ok();
        let mut i = 0;
        loop {
            let more = if Some(i) == index {
                seq.next_element_seed(Seek {
                    path: rest,
                    top: false,
                    out: &mut *out,
                    found: &mut *found,
                })?
            } else {
                seq.next_element_seed(Skip)?
            };
            if more.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        if self.path.is_empty() && !self.top {
            self.out.clear();
            self.out.push_str(v);
            *self.found = Lookup::Found;
        } else {
            self.leaf("a string");
        }
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.leaf("null");
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.leaf("a boolean");
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.leaf("a number");
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.leaf("a number");
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.leaf("a number");
        Ok(())
    }
}

/// Parses and drops one JSON value, with the checks a `Value` would make
/// (through `deserialize_any`, as `Value` does), allocating nothing for
/// strings without escapes.
struct Skip;

impl<'de> serde::de::DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
}

/// Reads an object key and says whether it is the wanted one.
struct KeyIs<'a>(&'a str);

impl<'de> serde::de::DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

impl std::fmt::Display for JsonPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.segments.join("."))
    }
}

/// Finds the text field of a JSON record: a common name at the top level,
/// else inside a common wrapper object. Only string values count.
pub fn detect_json_path(record: &Value) -> Option<JsonPath> {
    let Value::Object(map) = record else {
        return None;
    };
    let find_in = |obj: &serde_json::Map<String, Value>| -> Option<String> {
        TEXT_FIELD_NAMES.iter().find_map(|want| {
            let want = squash(want);
            obj.iter()
                .find(|(k, v)| squash(k) == want && v.is_string())
                .map(|(k, _)| k.clone())
        })
    };
    if let Some(k) = find_in(map) {
        return Some(JsonPath { segments: vec![k] });
    }
    for wrapper in WRAPPERS {
        if let Some((k, Value::Object(inner))) = map.iter().find(|(k, _)| squash(k) == *wrapper) {
            if let Some(inner_key) = find_in(inner) {
                return Some(JsonPath {
                    segments: vec![k.clone(), inner_key],
                });
            }
        }
    }
    None
}

/// Every dotted path to a string in `record`, for error messages that list
/// the fields a user could have meant.
pub fn json_string_paths(record: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>, depth: usize) {
        if depth > 4 || out.len() > 40 {
            return;
        }
        if let Value::Object(map) = v {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match v {
                    Value::String(_) => out.push(path),
                    Value::Object(_) => walk(v, &path, out, depth + 1),
                    _ => {}
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(record, "", &mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_common_csv_headers() {
        assert_eq!(detect_csv_column(&["id", "Full Text", "author"]), Some(1));
        assert_eq!(detect_csv_column(&["tweet_id", "TEXT"]), Some(1));
        assert_eq!(detect_csv_column(&["id", "rawContent"]), Some(1));
        assert_eq!(detect_csv_column(&["id", "author"]), None);
        // full_text is preferred over text when both exist.
        assert_eq!(detect_csv_column(&["text", "full_text"]), Some(1));
    }

    #[test]
    fn finds_named_columns_exactly_then_without_case() {
        assert_eq!(find_csv_column(&["Text", "text"], "text"), Some(1));
        assert_eq!(find_csv_column(&["Text"], "TEXT"), Some(0));
        assert_eq!(find_csv_column(&["a"], "b"), None);
    }

    #[test]
    fn json_paths_walk_objects_and_arrays() {
        let v = json!({"tweet": {"full_text": "hi"}, "data": [{"text": "x"}]});
        assert_eq!(
            JsonPath::parse("tweet.full_text").get(&v),
            Some(&json!("hi"))
        );
        assert_eq!(JsonPath::parse("data.0.text").get(&v), Some(&json!("x")));
        assert_eq!(JsonPath::parse("tweet.missing").get(&v), None);
    }

    #[test]
    fn detects_nested_json_text() {
        let v = json!({"id": 1, "tweet": {"id": 2, "full_text": "hello"}});
        assert_eq!(detect_json_path(&v).unwrap().to_string(), "tweet.full_text");
        let v = json!({"id": 1, "text": 3, "body": "b"});
        assert_eq!(detect_json_path(&v).unwrap().to_string(), "body");
        assert_eq!(detect_json_path(&json!({"id": 1})), None);
        assert_eq!(
            json_string_paths(&json!({"a": "x", "b": {"c": "y", "d": 1}})),
            vec!["a", "b.c"]
        );
    }
}
