//! `--report`: the self-contained HTML report. Its rendering in a browser
//! is checked by tests/report/browser.sh.

mod common;

use std::path::PathBuf;
use std::process::Command;

const RULES: &str = "tests/fixtures/weekly/rules.toml";
const POSTS: &str = "tests/fixtures/weekly/posts.csv";
const SNAPSHOT: &str = "tests/fixtures/weekly/report.html";

fn report(name: &str) -> (PathBuf, String) {
    let dir = common::temp_dir(&format!("report-{name}"));
    let path = dir.join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["classify", POSTS, "--rules", RULES, "-q", "--summary-only"])
        .args(["--by", "mentions", "--by", "created_at:day", "--report"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&path).unwrap();
    (dir, html)
}

/// The report of the fixture is the reviewed snapshot. After a deliberate
/// change, rewrite it with POSTCLASS_UPDATE_SNAPSHOTS=1 and review the diff.
#[test]
fn report_matches_the_reviewed_snapshot() {
    let (dir, html) = report("snapshot");
    if std::env::var_os("POSTCLASS_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &html).unwrap();
    }
    let expected = std::fs::read_to_string(SNAPSHOT).unwrap();
    assert!(html == expected, "the report differs from {SNAPSHOT}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn report_is_the_same_from_run_to_run() {
    let (a, first) = report("again-1");
    let (b, second) = report("again-2");
    assert_eq!(first, second);
    std::fs::remove_dir_all(a).unwrap();
    std::fs::remove_dir_all(b).unwrap();
}

#[test]
fn report_is_self_contained_and_escapes_posts() {
    let (dir, html) = report("contained");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    for needle in ["<script", "<link", "@import", "url(", "src=", "href="] {
        assert!(!html.contains(needle), "the report contains {needle}");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; <mark>fed up</mark> with @orange &amp; co, <mark>down</mark> since monday"));
    assert!(html.contains("@media (prefers-color-scheme:dark)"));
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn report_shows_the_summary_counts() {
    let (dir, html) = report("counts");
    for needle in [
        "<span class=\"n\" id=\"rows-read\">12</span>",
        "<span class=\"n\" id=\"rows-urgent\">4</span>",
        "data-count=\"customer_type.angry\">4</span>",
        "data-count=\"customer_type.unclassified\">1</span>",
        "data-count=\"traits.responsiveness\">2</span>",
        "data-hits=\"angry-outage\">4</span>",
        "<td class=\"n\" data-rows=\"@orange\">4</td>",
        "<td class=\"n\" data-rows=\"2026-11-03\">6</td>",
    ] {
        assert!(html.contains(needle), "the report lacks {needle}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn report_is_not_written_over_an_input() {
    let out = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["classify", POSTS, "--rules", RULES, "-q", "--report", POSTS])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("refusing to write the output onto the input"));
}
