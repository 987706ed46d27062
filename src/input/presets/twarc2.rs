//! twarc2 raw output: each line is one Twitter API v2 response page,
//! `{"data": [tweet, ...], "includes": {"users": [...], ...}, "meta": {...}}`.
//! Each tweet of a page becomes one post, read in the reader thread. The
//! record a post carries is the page's tweet object as it is, plus an
//! `author` field holding the user object of `includes.users` whose `id` is
//! the tweet's `author_id` (the shape `twarc2 flatten` writes), when the page
//! includes that user and the tweet has no `author` yet. Its position is the
//! page's line, and its record number counts tweets in the input.

use std::borrow::Cow;
use std::collections::HashMap;

use anyhow::Result;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::input::record::{Item, Pos, Problem, Raw, RecordSource};

/// Whether `record` is a twarc2 page: a `data` array (or a single object)
/// of tweets, each with an `id` and a `text`.
pub fn is_page(record: &Value) -> bool {
    let tweet = |t: &Value| t.get("text").is_some_and(Value::is_string) && t.get("id").is_some();
    match record.get("data") {
        Some(Value::Array(items)) => items.first().is_some_and(tweet),
        Some(data @ Value::Object(_)) => tweet(data),
        _ => false,
    }
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(borrow)]
    includes: Option<Includes<'a>>,
    meta: Option<IgnoredAny>,
    errors: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Includes<'a> {
    #[serde(borrow, default)]
    users: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct UserId<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
}

#[derive(Deserialize)]
struct TweetKeys<'a> {
    #[serde(borrow)]
    author_id: Option<Cow<'a, str>>,
    author: Option<IgnoredAny>,
}

/// Writes the posts of the page `line` into `posts` (reusing its buffers);
/// returns how many, or why the line is not a page.
fn expand(line: &[u8], posts: &mut Vec<Vec<u8>>) -> Result<usize, String> {
    let page: Page = serde_json::from_slice(line).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            format!("not a twarc2 page (an object with a `data` array of tweets): {e}")
        }
        _ => format!("invalid JSON: {e}"),
    })?;
    let Some(data) = page.data else {
        if page.meta.is_some() || page.errors.is_some() {
            // A page of no results, or of errors only: no posts.
            return Ok(0);
        }
        return Err("not a twarc2 page: no `data` array of tweets".into());
    };
    let tweets: Vec<&RawValue> = match data.get().as_bytes().first() {
        Some(b'[') => {
            serde_json::from_str(data.get()).map_err(|e| format!("invalid `data` array: {e}"))?
        }
        Some(b'{') => vec![data],
        _ => return Err("`data` is neither an array of tweets nor a tweet".into()),
    };
    let users: HashMap<Cow<str>, &RawValue> = page
        .includes
        .map(|i| i.users)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|u| Some((serde_json::from_str::<UserId>(u.get()).ok()?.id, u)))
        .collect();
    while posts.len() < tweets.len() {
        posts.push(Vec::new());
    }
    for (tweet, out) in tweets.iter().zip(posts.iter_mut()) {
        out.clear();
        let text = tweet.get();
        let author = serde_json::from_str::<TweetKeys>(text)
            .ok()
            .filter(|k| k.author.is_none())
            .and_then(|k| users.get(k.author_id?.as_ref()).copied());
        match (author, text.strip_suffix('}')) {
            (Some(user), Some(body)) => {
                out.extend_from_slice(body.as_bytes());
                if body.trim_end() != "{" {
                    out.push(b',');
                }
                out.extend_from_slice(b"\"author\":");
                out.extend_from_slice(user.get().as_bytes());
                out.push(b'}');
            }
            _ => out.extend_from_slice(text.as_bytes()),
        }
    }
    Ok(tweets.len())
}

/// The posts of a stream of twarc2 pages.
pub struct Pages {
    inner: Box<dyn RecordSource>,
    page: Item,
    posts: Vec<Vec<u8>>,
    next: usize,
    count: usize,
    input: usize,
    record: u64,
}

impl Pages {
    pub fn new(inner: Box<dyn RecordSource>) -> Pages {
        Pages {
            inner,
            page: Item::default(),
            posts: Vec::new(),
            next: 0,
            count: 0,
            input: 0,
            record: 0,
        }
    }

    fn emit(&mut self, item: &mut Item, problem: Option<Problem>) {
        self.record += 1;
        item.pos = Pos {
            input: self.input,
            line: self.page.pos.line,
            record: self.record,
        };
        item.read_problem = problem;
    }
}

impl RecordSource for Pages {
    fn next_into(&mut self, item: &mut Item) -> Result<bool> {
        loop {
            if self.next < self.count {
                if !matches!(item.raw, Raw::Line(_)) {
                    item.raw = Raw::Line(Vec::new());
                }
                let Raw::Line(buf) = &mut item.raw else {
                    unreachable!("set just above")
                };
                // The item's old buffer goes back to the pool.
                std::mem::swap(buf, &mut self.posts[self.next]);
                self.next += 1;
                self.emit(item, None);
                return Ok(true);
            }
            if !self.inner.next_into(&mut self.page)? {
                return Ok(false);
            }
            if self.page.pos.input != self.input {
                self.input = self.page.pos.input;
                self.record = 0;
            }
            let problem = match (&self.page.raw, self.page.read_problem.take()) {
                (_, Some(p)) => Some(p),
                (Raw::Line(line), None) => match expand(line, &mut self.posts) {
                    Ok(n) => {
                        self.count = n;
                        self.next = 0;
                        None
                    }
                    Err(reason) => Some(Problem {
                        field: None,
                        reason,
                    }),
                },
                (Raw::Csv(_), None) => Some(Problem {
                    field: None,
                    reason: "twarc2 pages are JSON".into(),
                }),
            };
            if let Some(p) = problem {
                // The page itself is the record that cannot be labelled.
                self.count = 0;
                item.raw = std::mem::take(&mut self.page.raw);
                self.emit(item, Some(p));
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posts(line: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let n = expand(line.as_bytes(), &mut out)?;
        Ok(out[..n]
            .iter()
            .map(|b| String::from_utf8(b.clone()).unwrap())
            .collect())
    }

    #[test]
    fn tweets_gain_their_author() {
        let page = r#"{"data":[{"id":"1","text":"a","author_id":"9"},{"id":"2","text":"b","author_id":"8"},{"id":"3","text":"c","author_id":"9","author":{"username":"kept"}}],"includes":{"users":[{"id":"9","username":"ana"}]},"meta":{"result_count":3}}"#;
        assert_eq!(
            posts(page).unwrap(),
            [
                r#"{"id":"1","text":"a","author_id":"9","author":{"id":"9","username":"ana"}}"#,
                r#"{"id":"2","text":"b","author_id":"8"}"#,
                r#"{"id":"3","text":"c","author_id":"9","author":{"username":"kept"}}"#,
            ]
        );
    }

    #[test]
    fn single_tweets_empty_pages_and_errors() {
        assert_eq!(
            posts(r#"{"data":{"id":"1","text":"a"}}"#).unwrap(),
            [r#"{"id":"1","text":"a"}"#]
        );
        assert_eq!(
            posts(r#"{"meta":{"result_count":0}}"#).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            posts(r#"{"id":"1"}"#).unwrap_err(),
            "not a twarc2 page: no `data` array of tweets"
        );
        assert!(posts(r#"[1]"#)
            .unwrap_err()
            .starts_with("not a twarc2 page (an object"));
        assert!(posts(r#"{"data":["#)
            .unwrap_err()
            .starts_with("invalid JSON: "));
        assert_eq!(
            posts(r#"{"data":3}"#).unwrap_err(),
            "`data` is neither an array of tweets nor a tweet"
        );
    }
}
