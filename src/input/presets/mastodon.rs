//! Mastodon statuses (the API's Status entity). `content` is HTML: it is
//! read as text. A content warning (`spoiler_text`, plain text) is part of
//! what the author wrote and comes first; a boost (`reblog`) has no content
//! of its own and reads as the status it boosts.

use serde_json::Value;

use super::{Getter, MetaField};
use crate::input::html::{decode_entities_into, html_to_text_into};
use crate::input::record::{json_kind, Problem};

pub const FIELDS: &[MetaField] = &[
    MetaField {
        name: "id",
        get: Getter::First(&["id"]),
    },
    MetaField {
        name: "author",
        get: Getter::First(&["account.acct"]),
    },
    MetaField {
        name: "created_at",
        get: Getter::First(&["created_at"]),
    },
    MetaField {
        name: "lang",
        get: Getter::First(&["language"]),
    },
    MetaField {
        name: "mentions",
        get: Getter::Each(&[("mentions", "acct")]),
    },
];

pub fn text_of(record: &Value, out: &mut String) -> Result<(), Problem> {
    let mut status = record;
    let mut field = "content";
    if status.get("content").and_then(Value::as_str) == Some("") {
        if let Some(boosted) = status.get("reblog").filter(|r| r.is_object()) {
            status = boosted;
            field = "reblog.content";
        }
    }
    let content = match status.get("content") {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => {
            return Err(Problem {
                field: Some(field.into()),
                reason: "missing or null; expected the status HTML".into(),
            })
        }
        Some(other) => {
            return Err(Problem {
                field: Some(field.into()),
                reason: format!("expected a string, found {}", json_kind(other)),
            })
        }
    };
    if let Some(spoiler) = status.get("spoiler_text").and_then(Value::as_str) {
        if !spoiler.trim().is_empty() {
            decode_entities_into(spoiler.trim(), out);
            out.push_str("\n\n");
        }
    }
    let start = out.len();
    html_to_text_into(content, out);
    if out.len() == start {
        // Only a warning, no content: no trailing blank line.
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
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
    fn content_warning_comes_first() {
        let s =
            json!({"spoiler_text": "Coupure", "content": "<p>Plus de réseau<br>depuis hier</p>"});
        assert_eq!(text(s).unwrap(), "Coupure\n\nPlus de réseau\ndepuis hier");
        let s = json!({"spoiler_text": "seul", "content": ""});
        assert_eq!(text(s).unwrap(), "seul");
    }

    #[test]
    fn boosts_read_as_the_boosted_status() {
        let s = json!({"content": "", "reblog": {"content": "<p>original &amp; vrai</p>"}});
        assert_eq!(text(s).unwrap(), "original & vrai");
        let p = text(json!({"content": "", "reblog": {"id": "1"}})).unwrap_err();
        assert_eq!(p.field.as_deref(), Some("reblog.content"));
        let p = text(json!({"id": "1"})).unwrap_err();
        assert_eq!(p.field.as_deref(), Some("content"));
    }
}
