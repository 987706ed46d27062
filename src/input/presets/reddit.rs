//! Reddit comments and submissions, as the Reddit API and Pushshift dumps
//! write them. A comment's text is its `body`; a submission's is its
//! `title`, then a blank line and its `selftext` when there is one. Reddit
//! escapes `&`, `<` and `>` as HTML entities: they are decoded.

use serde_json::Value;

use super::{Getter, MetaField};
use crate::input::html::decode_entities_into;
use crate::input::record::{json_kind, Problem};

pub const FIELDS: &[MetaField] = &[
    MetaField {
        name: "id",
        get: Getter::First(&["id"]),
    },
    MetaField {
        name: "author",
        get: Getter::First(&["author"]),
    },
    MetaField {
        name: "created_at",
        get: Getter::First(&["created_utc"]),
    },
    MetaField {
        name: "subreddit",
        get: Getter::First(&["subreddit"]),
    },
];

/// What Reddit leaves in place of a removed or deleted text.
const PLACEHOLDERS: &[&str] = &["[removed]", "[deleted]"];

pub fn text_of(record: &Value, out: &mut String) -> Result<(), Problem> {
    let wrong = |field: &str, v: &Value| Problem {
        field: Some(field.into()),
        reason: format!("expected a string, found {}", json_kind(v)),
    };
    match (record.get("body"), record.get("title")) {
        (Some(Value::String(body)), _) => decode_entities_into(body, out),
        (_, Some(Value::String(title))) => {
            decode_entities_into(title, out);
            match record.get("selftext") {
                Some(Value::String(s))
                    if !s.trim().is_empty() && !PLACEHOLDERS.contains(&s.trim()) =>
                {
                    out.push_str("\n\n");
                    decode_entities_into(s, out);
                }
                Some(Value::String(_) | Value::Null) | None => {}
                Some(other) => return Err(wrong("selftext", other)),
            }
        }
        (Some(body), _) if !body.is_null() => return Err(wrong("body", body)),
        (_, Some(title)) if !title.is_null() => return Err(wrong("title", title)),
        _ => {
            return Err(Problem {
                field: Some("body".into()),
                reason:
                    "missing: a comment has `body`, a submission `title`; this record has neither"
                        .into(),
            })
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(record: Value) -> Result<String, Problem> {
        let mut s = String::new();
        text_of(&record, &mut s).map(|()| s)
    }

    #[test]
    fn comments_and_submissions() {
        assert_eq!(
            text(json!({"body": "AT&amp;T &gt; all"})).unwrap(),
            "AT&T > all"
        );
        assert_eq!(
            text(json!({"title": "Box en panne", "selftext": "Depuis lundi."})).unwrap(),
            "Box en panne\n\nDepuis lundi."
        );
        assert_eq!(
            text(json!({"title": "Lien", "selftext": ""})).unwrap(),
            "Lien"
        );
        assert_eq!(
            text(json!({"title": "Parti", "selftext": "[removed]"})).unwrap(),
            "Parti"
        );
    }

    #[test]
    fn problems_name_the_field() {
        assert_eq!(
            text(json!({"id": "x"})).unwrap_err().field.as_deref(),
            Some("body")
        );
        let p = text(json!({"title": "t", "selftext": 4})).unwrap_err();
        assert_eq!(
            (p.field.as_deref(), p.reason.as_str()),
            (Some("selftext"), "expected a string, found a number")
        );
    }
}
