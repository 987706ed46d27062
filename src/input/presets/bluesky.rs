//! Bluesky posts. The post itself is an `app.bsky.feed.post` record: bare
//! (`text`), inside a post view as the API returns it (`record.text`, with
//! `uri` and `author`), or inside a feed item (`post.record.text`).
//! Mentions are facets: byte ranges of the text that name a handle.

use serde_json::Value;

use super::{first_string, lookup, no_text, Getter, MetaField};
use crate::input::record::Problem;

/// Where the post record is, for each shape.
const RECORDS: &[&str] = &["", "record", "post.record", "value"];
const TEXT_PATHS: &[&str] = &["text", "record.text", "post.record.text", "value.text"];

pub const FIELDS: &[MetaField] = &[
    MetaField {
        name: "id",
        get: Getter::First(&["uri", "post.uri"]),
    },
    MetaField {
        name: "author",
        get: Getter::First(&["author.handle", "post.author.handle"]),
    },
    MetaField {
        name: "created_at",
        get: Getter::First(&[
            "createdAt",
            "record.createdAt",
            "post.record.createdAt",
            "value.createdAt",
        ]),
    },
    MetaField {
        name: "lang",
        get: Getter::First(&["langs", "record.langs", "post.record.langs", "value.langs"]),
    },
    MetaField {
        name: "mentions",
        get: Getter::BlueskyMentions,
    },
];

const POST_TYPE: &str = "app.bsky.feed.post";

fn record_of(value: &Value) -> Option<&Value> {
    RECORDS.iter().find_map(|p| {
        let r = if p.is_empty() {
            Some(value)
        } else {
            lookup(value, p)
        }?;
        r.get("text").is_some_and(Value::is_string).then_some(r)
    })
}

/// Whether `value` is a Bluesky post in one of the shapes above.
pub fn is_post(value: &Value) -> bool {
    let typed = |p: &str| lookup(value, p).and_then(Value::as_str) == Some(POST_TYPE);
    if ["$type", "record.$type", "post.record.$type", "value.$type"]
        .iter()
        .any(|p| typed(p))
    {
        return true;
    }
    let at_uri = |p: &str| {
        lookup(value, p)
            .and_then(Value::as_str)
            .is_some_and(|u| u.starts_with("at://"))
    };
    (at_uri("uri") || at_uri("post.uri")) && record_of(value).is_some()
}

pub fn text_of(record: &Value, out: &mut String) -> Result<(), Problem> {
    let text = first_string(record, TEXT_PATHS).ok_or_else(|| no_text(record, TEXT_PATHS))?;
    out.push_str(text);
    Ok(())
}

/// The handles the mention facets of the post point at, `;`-joined,
/// without `@`. A facet's range is in UTF-8 bytes of the text; a range
/// that does not fall on characters gives the mentioned account's DID.
pub fn mentions(value: &Value, out: &mut String) {
    let Some(record) = record_of(value) else {
        return;
    };
    let text = record.get("text").and_then(Value::as_str).unwrap_or("");
    let Some(facets) = record.get("facets").and_then(Value::as_array) else {
        return;
    };
    let mut first = true;
    for facet in facets {
        let Some(features) = facet.get("features").and_then(Value::as_array) else {
            continue;
        };
        for feature in features {
            if feature.get("$type").and_then(Value::as_str)
                != Some("app.bsky.richtext.facet#mention")
            {
                continue;
            }
            let range = |k: &str| {
                lookup(facet, &format!("index.{k}"))
                    .and_then(Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok())
            };
            let handle = match (range("byteStart"), range("byteEnd")) {
                (Some(s), Some(e)) => text.get(s..e).map(|h| h.trim_start_matches('@')),
                _ => None,
            };
            let Some(name) = handle.or_else(|| feature.get("did").and_then(Value::as_str)) else {
                continue;
            };
            if !first {
                out.push(';');
            }
            first = false;
            out.push_str(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mention_list(v: &Value) -> String {
        let mut s = String::new();
        mentions(v, &mut s);
        s
    }

    #[test]
    fn mentions_come_from_byte_ranges() {
        // "é" is two bytes: ranges count bytes, not characters.
        let record = json!({"text": "été @ana.bsky.social et @bo.example",
        "facets": [
            {"index": {"byteStart": 6, "byteEnd": 22},
             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:a"}]},
            {"index": {"byteStart": 0, "byteEnd": 2},
             "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://x"}]},
            {"index": {"byteStart": 1, "byteEnd": 99},
             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:b"}]}
        ]});
        assert_eq!(mention_list(&record), "ana.bsky.social;did:plc:b");
        let view = json!({"uri": "at://x", "record": record});
        assert_eq!(mention_list(&view), "ana.bsky.social;did:plc:b");
        assert_eq!(mention_list(&json!({"text": "rien"})), "");
    }
}
