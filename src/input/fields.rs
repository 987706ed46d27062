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
