//! `--by` breakdowns in the summary, and merging summaries of parts.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

mod common;
use common::{postclass_ok as postclass, temp_dir};

const RULES: &str = "tests/fixtures/weekly/rules.toml";
const POSTS: &str = "tests/fixtures/weekly/posts.csv";
const POSTS_JSONL: &str = "tests/fixtures/weekly/posts.jsonl";

fn summary_of(input: &str, by: &[&str]) -> Value {
    let mut args = vec!["classify", input, "--rules", RULES, "-q", "--summary-only"];
    for b in by {
        args.push("--by");
        args.push(b);
    }
    let out = postclass(&args);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (key, rows) of every group of the breakdown at `i`.
fn groups(s: &Value, i: usize) -> Vec<(String, u64)> {
    s["breakdowns"][i]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                g["rows"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn by_mentions_counts_brands_and_their_angry_rules() {
    let s = summary_of(POSTS, &["mentions"]);
    assert_eq!(
        groups(&s, 0),
        pairs(&[
            ("@orange", 4),
            ("@apple", 1),
            ("@decathlon", 1),
            ("@dell", 1),
            ("@free", 1),
            ("@google", 1),
            ("@netflix", 1),
            ("@sony", 1),
            ("@toshiba", 1)
        ])
    );
    let orange = &s["breakdowns"][0]["groups"][0];
    assert_eq!(
        orange["labels"],
        json!({"customer_type": {"angry": 4}, "traits": {"responsiveness": 2}})
    );
    // Most hits first, equal hits in rule id order.
    assert_eq!(
        orange["focus_rules"],
        json!([
            {"rule": "angry-outage", "hits": 4},
            {"rule": "angry-again", "hits": 2},
            {"rule": "angry-fed-up", "hits": 2},
            {"rule": "resp-no-reply", "hits": 2}
        ])
    );
    assert_eq!(s["breakdowns"][0]["missing"], 1);
    assert_eq!(s["breakdowns"][0]["focus"], "customer_type.angry");
}

#[test]
fn by_day_reads_export_dates_in_utc() {
    let s = summary_of(POSTS, &["created_at:day"]);
    // Row 5 (23:40 at -0500) is the next day in UTC.
    assert_eq!(
        groups(&s, 0),
        pairs(&[("2026-11-02", 4), ("2026-11-03", 6)])
    );
    assert_eq!(s["breakdowns"][0]["missing"], 1);
    assert_eq!(s["breakdowns"][0]["invalid"], 1);
    let s = summary_of(POSTS_JSONL, &["created_at:day", "created_at:month"]);
    // Twitter, epoch seconds, 24-02-2015 11:35 and 2015-02-24 11:35:52 -0800.
    assert_eq!(
        groups(&s, 0),
        pairs(&[("2015-02-24", 2), ("2017-10-11", 1), ("2017-10-12", 2)])
    );
    assert_eq!(groups(&s, 1), pairs(&[("2015-02", 2), ("2017-10", 3)]));
}

#[test]
fn by_column_or_json_path() {
    let s = summary_of(POSTS, &["lang"]);
    assert_eq!(groups(&s, 0), pairs(&[("en", 8), ("fr", 4)]));
    let fr = &s["breakdowns"][0]["groups"][1];
    assert_eq!(
        fr["labels"]["customer_type"],
        json!({"advocate": 1, "angry": 1, "passive": 2})
    );
    let s = summary_of(POSTS_JSONL, &["user.lang"]);
    assert_eq!(groups(&s, 0), pairs(&[("en", 3), ("fr", 1)]));
    assert_eq!(s["breakdowns"][0]["missing"], 1);
}

#[test]
fn an_unknown_column_is_named_with_the_columns() {
    let out = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["classify", POSTS, "--rules", RULES, "--by", "country"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).lines().last().unwrap(),
        "postclass: error: --by country: no column named `country`; the columns are: id, created_at, author, lang, text"
    );
}

#[test]
fn breakdowns_show_in_the_terminal_table_and_markdown() {
    let dir = temp_dir("render");
    let md = dir.join("s.md");
    postclass(&[
        "classify",
        POSTS,
        "--rules",
        RULES,
        "-q",
        "-o",
        "/dev/null",
        "--by",
        "lang",
        "--summary",
        md.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains(
        "## By lang\n\n| lang | rows | angry | prospect | passive | collaborator | advocate | attention_seeker | unclassified | top rules (angry) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n| en | 8 | 3 | 1 | 0 | 1 | 1 | 1 | 1 | angry-outage (3), resp-no-reply (2), angry-again (1) |\n| fr | 4 | 1 | 0 | 2 | 0 | 1 | 0 | 0 | angry-again (1), angry-fed-up (1), angry-outage (1) |\n"
    ), "{text}");
    let txt = dir.join("s.txt");
    postclass(&[
        "classify",
        POSTS,
        "--rules",
        RULES,
        "-q",
        "-o",
        "/dev/null",
        "--by",
        "lang",
        "--summary",
        txt.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&txt).unwrap();
    assert!(text.contains("\nby lang\n"), "{text}");
    assert!(
        text.contains("\n  en          8      3         1  "),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes rows `range` of the fixture (header kept) to `path`.
fn part(path: &Path, rows: std::ops::Range<usize>) {
    let text = std::fs::read_to_string(POSTS).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for l in lines.skip(rows.start).take(rows.len()) {
        out.push_str(l);
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

fn classify_to(input: &Path, summary: &Path, rules: &str, by: &[&str]) {
    let mut args = vec![
        "classify".to_string(),
        input.display().to_string(),
        "--rules".into(),
        rules.into(),
        "-q".into(),
        "--summary-only".into(),
        "--summary".into(),
        summary.display().to_string(),
    ];
    for b in by {
        args.push("--by".into());
        args.push(b.to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    postclass(&refs);
}

#[test]
fn merged_summaries_of_parts_equal_the_summary_of_the_whole() {
    let dir = temp_dir("merge");
    let by = ["mentions", "created_at:day", "lang"];
    let whole = dir.join("whole.json");
    classify_to(Path::new(POSTS), &whole, RULES, &by);
    let mut parts = Vec::new();
    for (i, range) in [0..5, 5..6, 6..12].into_iter().enumerate() {
        let csv = dir.join(format!("part{i}.csv"));
        part(&csv, range);
        let json = dir.join(format!("part{i}.json"));
        classify_to(&csv, &json, RULES, &by);
        parts.push(json.display().to_string());
    }
    let merged = dir.join("merged.json");
    let mut args = vec!["summary", "merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["-o", merged.to_str().unwrap()]);
    postclass(&args);
    assert_eq!(
        std::fs::read_to_string(&merged).unwrap(),
        std::fs::read_to_string(&whole).unwrap()
    );
    // In any order.
    parts.reverse();
    let mut args = vec!["summary", "merge", "--format", "json"];
    args.extend(parts.iter().map(String::as_str));
    let out = postclass(&args);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(&whole).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn merge_error(a: &Path, b: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["summary", "merge"])
        .arg(a)
        .arg(b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    String::from_utf8_lossy(&out.stderr).trim_end().to_string()
}

#[test]
fn summaries_of_other_rulebooks_or_breakdowns_do_not_merge() {
    let dir = temp_dir("mismatch");
    let a = dir.join("a.json");
    classify_to(Path::new(POSTS), &a, RULES, &["lang"]);
    let b = dir.join("b.json");
    classify_to(Path::new(POSTS), &b, RULES, &["mentions"]);
    assert_eq!(
        merge_error(&a, &b),
        format!("postclass: error: {} has breakdowns by mentions, the summaries before it by lang: run every part with the same --by", b.display())
    );
    let v2 = dir.join("v2.toml");
    std::fs::write(
        &v2,
        std::fs::read_to_string(RULES)
            .unwrap()
            .replace("version = \"1.0\"", "version = \"2.0\""),
    )
    .unwrap();
    let c = dir.join("c.json");
    classify_to(Path::new(POSTS), &c, v2.to_str().unwrap(), &["lang"]);
    assert_eq!(
        merge_error(&a, &c),
        format!("postclass: error: {} comes from rulebook weekly 2.0, not weekly 1.0: only summaries of the same rulebook add up", c.display())
    );
    let edited = dir.join("edited.toml");
    std::fs::write(
        &edited,
        std::fs::read_to_string(RULES)
            .unwrap()
            .replace("id = \"autonomy\"", "id = \"self_service\""),
    )
    .unwrap();
    let d = dir.join("d.json");
    classify_to(Path::new(POSTS), &d, edited.to_str().unwrap(), &["lang"]);
    assert!(merge_error(&a, &d).ends_with("has other label sets or labels than the summaries before it (same rulebook name and version, edited in between?)"));
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"rows\": 3}").unwrap();
    assert!(merge_error(&a, &junk).contains("not a postclass JSON summary"));
    std::fs::remove_dir_all(&dir).unwrap();
}
