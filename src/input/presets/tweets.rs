//! Tweets, one per record: twarc2 flattened and the tweets of twarc2 pages
//! (API v2 objects with an `author` object), snscrape (`rawContent`,
//! `user.username`), API v1.1 (`full_text`, `user.screen_name`), and the
//! account archive's tweets.js (`{"tweet": {...}}`).

use serde_json::Value;

use super::{first_string, lookup, no_text, Getter, MetaField};
use crate::input::html::decode_entities_into;
use crate::input::record::Problem;

/// Where tweet text is, most complete first: a long post's full text
/// (`note_tweet`, v1.1 `extended_tweet`) before the truncated `text`.
pub const TEXT_PATHS: &[&str] = &[
    "note_tweet.text",
    "extended_tweet.full_text",
    "full_text",
    "rawContent",
    "legacy.full_text",
    "text",
    "content",
];

pub const ARCHIVE_TEXT_PATHS: &[&str] = &["tweet.full_text", "tweet.text", "full_text", "text"];

pub const FIELDS: &[MetaField] = &[
    MetaField {
        name: "id",
        get: Getter::First(&["id_str", "id", "rest_id"]),
    },
    MetaField {
        name: "author",
        get: Getter::First(&["author.username", "user.username", "user.screen_name"]),
    },
    MetaField {
        name: "created_at",
        get: Getter::First(&["created_at", "date"]),
    },
    MetaField {
        name: "lang",
        get: Getter::First(&["lang"]),
    },
    MetaField {
        name: "mentions",
        get: Getter::Each(&[
            ("entities.mentions", "username"),
            ("entities.user_mentions", "screen_name"),
            ("mentionedUsers", "username"),
        ]),
    },
];

pub const ARCHIVE_FIELDS: &[MetaField] = &[
    MetaField {
        name: "id",
        get: Getter::First(&["tweet.id_str", "tweet.id"]),
    },
    MetaField {
        name: "created_at",
        get: Getter::First(&["tweet.created_at"]),
    },
    MetaField {
        name: "lang",
        get: Getter::First(&["tweet.lang"]),
    },
    MetaField {
        name: "mentions",
        get: Getter::Each(&[("tweet.entities.user_mentions", "screen_name")]),
    },
];

/// Whether `record` looks like one tweet: text under a tweet-specific name,
/// or `text` beside a tweet-specific field.
pub fn is_tweet(record: &Value) -> bool {
    let has = |p: &str| lookup(record, p).is_some_and(|v| !v.is_null());
    if [
        "rawContent",
        "full_text",
        "legacy.full_text",
        "extended_tweet.full_text",
    ]
    .iter()
    .any(|p| lookup(record, p).is_some_and(Value::is_string))
    {
        return true;
    }
    lookup(record, "text").is_some_and(Value::is_string)
        && [
            "author_id",
            "id_str",
            "user.screen_name",
            "user.username",
            "author.username",
            "edit_history_tweet_ids",
            "conversation_id",
        ]
        .iter()
        .any(|p| has(p))
}

/// The tweet text, HTML entities decoded: the APIs escape `&`, `<` and `>`
/// in tweet text (`AT&amp;T`).
pub fn text_of(record: &Value, paths: &[&'static str], out: &mut String) -> Result<(), Problem> {
    let text = first_string(record, paths).ok_or_else(|| no_text(record, paths))?;
    decode_entities_into(text, out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(record: Value, paths: &[&'static str]) -> Result<String, Problem> {
        let mut s = String::new();
        text_of(&record, paths, &mut s).map(|()| s)
    }

    #[test]
    fn long_text_wins_and_entities_are_decoded() {
        let t = json!({"text": "court…", "note_tweet": {"text": "long &amp; complet"}});
        assert_eq!(text(t, TEXT_PATHS).unwrap(), "long & complet");
        let t = json!({"text": "Q&amp;A &lt;3"});
        assert_eq!(text(t, TEXT_PATHS).unwrap(), "Q&A <3");
        let t = json!({"tweet": {"full_text": "x &gt; y"}});
        assert_eq!(text(t, ARCHIVE_TEXT_PATHS).unwrap(), "x > y");
    }

    #[test]
    fn missing_text_names_the_fields() {
        let p = text(json!({"id": 1}), TEXT_PATHS).unwrap_err();
        assert_eq!(p.field.as_deref(), Some("note_tweet.text"));
        assert!(
            p.reason
                .starts_with("missing: no text in `note_tweet.text`, "),
            "{}",
            p.reason
        );
        let p = text(json!({"text": 3}), TEXT_PATHS).unwrap_err();
        assert_eq!(
            (p.field.as_deref(), p.reason.as_str()),
            (Some("text"), "expected a string, found a number")
        );
    }
}
