//! Presets: the exports of the tools people collect posts with, read as
//! they come. A preset says where a post's text is and how to read it (HTML
//! stripped, entities decoded, title and body joined), which fields are its
//! id, author, date, language and mentions, and, for twarc2, how one line
//! of the input becomes several posts. Presets are detected from the first
//! record when the text field is not given.

mod bluesky;
mod mastodon;
mod reddit;
pub mod twarc2;
mod tweets;

use serde_json::Value;

use crate::input::record::{json_kind, Problem, Sources};

/// The export formats postclass knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// twarc2 raw output: one Twitter API v2 response page per line
    /// (`data` array of tweets, `includes.users`); each tweet is a post.
    Twarc2,
    /// One tweet per line: twarc2 flattened (`twarc2 flatten`), snscrape,
    /// API v1.1 tweets (`full_text`, `text`, `rawContent`).
    Tweets,
    /// The Twitter/X account archive's tweets.js (`window.YTD.tweets.part0
    /// = [{"tweet": {...}}, ...]`).
    TwitterArchive,
    /// Mastodon statuses (API array or JSONL): HTML `content` read as text.
    Mastodon,
    /// Reddit comments (`body`) and submissions (`title` + `selftext`), as in
    /// Pushshift dumps (also `.zst`).
    Reddit,
    /// Bluesky posts: `app.bsky.feed.post` records, post views
    /// (`record.text`) or feed items (`post.record.text`).
    Bluesky,
}

/// A field a preset knows, for CSV columns.
#[derive(Debug)]
pub struct MetaField {
    pub name: &'static str,
    pub get: Getter,
}

/// How a preset's field is read from a record.
#[derive(Debug)]
pub enum Getter {
    /// The first of these paths that holds a value.
    First(&'static [&'static str]),
    /// From the first of these arrays that exists, the value at the inner
    /// path of each element.
    Each(&'static [(&'static str, &'static str)]),
    /// The handles a Bluesky post's mention facets point at in its text.
    BlueskyMentions,
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Twarc2 => "twarc2",
            Preset::Tweets => "tweets",
            Preset::TwitterArchive => "twitter-archive",
            Preset::Mastodon => "mastodon",
            Preset::Reddit => "reddit",
            Preset::Bluesky => "bluesky",
        }
    }

    /// What the preset reads, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Preset::Twarc2 => "twarc2 Twitter API v2 pages; each tweet is a post",
            Preset::Tweets => "one tweet per record",
            Preset::TwitterArchive => "Twitter/X archive tweets",
            Preset::Mastodon => "Mastodon statuses; HTML content read as text",
            Preset::Reddit => "Reddit comments and submissions",
            Preset::Bluesky => "Bluesky posts",
        }
    }

    /// The preset the first record of an input looks like, if any. Checked
    /// from the most specific shape to the least.
    pub fn detect(record: &Value) -> Option<Preset> {
        let Value::Object(map) = record else {
            return None;
        };
        if twarc2::is_page(record) {
            return Some(Preset::Twarc2);
        }
        if ["tweet.full_text", "tweet.id_str"]
            .iter()
            .all(|p| lookup(record, p).is_some_and(Value::is_string))
        {
            return Some(Preset::TwitterArchive);
        }
        if map.get("content").is_some_and(Value::is_string)
            && map.get("account").is_some_and(Value::is_object)
        {
            return Some(Preset::Mastodon);
        }
        if map.get("subreddit").is_some_and(Value::is_string)
            && ["body", "title"]
                .iter()
                .any(|k| map.get(*k).is_some_and(Value::is_string))
        {
            return Some(Preset::Reddit);
        }
        if bluesky::is_post(record) {
            return Some(Preset::Bluesky);
        }
        if tweets::is_tweet(record) {
            return Some(Preset::Tweets);
        }
        None
    }

    /// Appends the post text of `record` to `out`.
    pub fn text_of(self, record: &Value, out: &mut String) -> Result<(), Problem> {
        match self {
            Preset::Twarc2 | Preset::Tweets => tweets::text_of(record, tweets::TEXT_PATHS, out),
            Preset::TwitterArchive => tweets::text_of(record, tweets::ARCHIVE_TEXT_PATHS, out),
            Preset::Mastodon => mastodon::text_of(record, out),
            Preset::Reddit => reddit::text_of(record, out),
            Preset::Bluesky => bluesky::text_of(record, out),
        }
    }

    /// The value of the record's language field, if the preset has one.
    pub fn lang_of(self, record: &Value) -> Option<&Value> {
        let field = self.fields().iter().find(|f| f.name == "lang")?;
        match &field.get {
            Getter::First(paths) => paths
                .iter()
                .find_map(|p| lookup(record, p).filter(|v| !v.is_null())),
            _ => None,
        }
    }

    /// The fields the preset knows, in their default column order (the text
    /// comes after them).
    pub fn fields(self) -> &'static [MetaField] {
        match self {
            Preset::Twarc2 | Preset::Tweets => tweets::FIELDS,
            Preset::TwitterArchive => tweets::ARCHIVE_FIELDS,
            Preset::Mastodon => mastodon::FIELDS,
            Preset::Reddit => reddit::FIELDS,
            Preset::Bluesky => bluesky::FIELDS,
        }
    }

    /// The records of `sources` as posts: twarc2 pages become their tweets;
    /// other presets read one post per record.
    pub fn posts(self, sources: Sources) -> Sources {
        match self {
            Preset::Twarc2 => {
                Sources::new(Box::new(twarc2::Pages::new(Box::new(sources))), Vec::new())
            }
            _ => sources,
        }
    }
}

/// The value at a dotted path (`a.b.0`), without allocating: presets look
/// up fixed paths in every record.
fn lookup<'v>(record: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(record, |cur, seg| match cur {
        Value::Object(map) => map.get(seg),
        Value::Array(items) => items.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

/// The first string among `paths` in `record`.
fn first_string<'v>(record: &'v Value, paths: &[&'static str]) -> Option<&'v str> {
    paths
        .iter()
        .find_map(|p| lookup(record, p).and_then(Value::as_str))
}

/// The problem of a record where none of `paths` holds a string.
fn no_text(record: &Value, paths: &[&'static str]) -> Problem {
    let found = paths
        .iter()
        .find_map(|p| lookup(record, p).filter(|v| !v.is_null()).map(|v| (*p, v)));
    match found {
        Some((p, v)) => Problem {
            field: Some(p.to_string()),
            reason: format!("expected a string, found {}", json_kind(v)),
        },
        None => Problem {
            field: Some(paths[0].to_string()),
            reason: format!(
                "missing: no text in {}",
                paths
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

impl MetaField {
    /// Appends the value of the field in `record` to `out`, as a CSV
    /// column: lists joined by `;`.
    pub fn write(&self, record: &Value, out: &mut String) {
        match &self.get {
            Getter::First(paths) => {
                let v = paths
                    .iter()
                    .find_map(|p| lookup(record, p).filter(|v| !v.is_null()));
                match v {
                    Some(Value::Array(items)) => join_values(items.iter(), out),
                    v => flat_value(v, out),
                }
            }
            Getter::Each(arrays) => {
                let found = arrays
                    .iter()
                    .find_map(|(array, inner)| match lookup(record, array) {
                        Some(Value::Array(items)) => Some((items, *inner)),
                        _ => None,
                    });
                if let Some((items, inner)) = found {
                    join_values(items.iter().filter_map(|i| lookup(i, inner)), out);
                }
            }
            Getter::BlueskyMentions => bluesky::mentions(record, out),
        }
    }
}

/// Values joined by `;`, as postclass writes lists in CSV.
fn join_values<'v>(values: impl Iterator<Item = &'v Value>, out: &mut String) {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(';');
        }
        flat_value(Some(v), out);
    }
}

/// A JSON value as a CSV column: strings as they are, null or missing as
/// empty, anything else as its JSON text.
pub fn flat_value(v: Option<&Value>, out: &mut String) {
    match v {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => out.push_str(s),
        Some(other) => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_each_shape() {
        let cases = [
            (
                json!({"data": [{"id": "1", "text": "t", "author_id": "2"}], "includes": {}}),
                Some(Preset::Twarc2),
            ),
            (
                json!({"data": {"id": "1", "text": "t"}}),
                Some(Preset::Twarc2),
            ),
            (
                json!({"tweet": {"id_str": "1", "full_text": "t"}}),
                Some(Preset::TwitterArchive),
            ),
            (
                json!({"id": "1", "content": "<p>t</p>", "account": {"acct": "a"}}),
                Some(Preset::Mastodon),
            ),
            (
                json!({"body": "t", "subreddit": "france"}),
                Some(Preset::Reddit),
            ),
            (
                json!({"title": "t", "selftext": "", "subreddit": "france"}),
                Some(Preset::Reddit),
            ),
            (
                json!({"$type": "app.bsky.feed.post", "text": "t"}),
                Some(Preset::Bluesky),
            ),
            (
                json!({"uri": "at://did:plc:x/app.bsky.feed.post/1", "record": {"text": "t"}}),
                Some(Preset::Bluesky),
            ),
            (json!({"id": 1, "rawContent": "t"}), Some(Preset::Tweets)),
            (
                json!({"id": "1", "text": "t", "author_id": "2"}),
                Some(Preset::Tweets),
            ),
            (
                json!({"id_str": "1", "full_text": "t"}),
                Some(Preset::Tweets),
            ),
            (json!({"id": "1", "text": "t"}), None),
            // A wrapper named `tweet` alone is not the archive's shape.
            (json!({"id": "t1", "tweet": {"full_text": "t"}}), None),
            (json!({"data": [{"start": "x", "tweet_count": 3}]}), None),
            (json!([1]), None),
        ];
        for (record, want) in cases {
            assert_eq!(Preset::detect(&record), want, "{record}");
        }
    }
}
