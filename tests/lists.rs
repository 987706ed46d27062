//! Lists to act on: `--split-dir` files and the `--only` filter.

use std::path::Path;
use std::process::Command;

mod common;
use common::{postclass_ok as postclass, temp_dir};

const RULES: &str = "tests/fixtures/weekly/rules.toml";
const POSTS: &str = "tests/fixtures/weekly/posts.csv";
const POSTS_JSONL: &str = "tests/fixtures/weekly/posts.jsonl";

/// The values of column `col` in a CSV file.
fn column(path: &Path, col: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == col).unwrap();
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

#[test]
fn split_dir_writes_one_file_per_label_with_its_rows() {
    let dir = temp_dir("split");
    let split = dir.join("lists");
    postclass(&[
        "classify",
        POSTS,
        "--rules",
        RULES,
        "-q",
        "--split-dir",
        split.to_str().unwrap(),
        "-o",
        dir.join("all.csv").to_str().unwrap(),
    ]);
    let mut files: Vec<String> = std::fs::read_dir(&split)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "advocate.csv",
            "angry.csv",
            "attention_seeker.csv",
            "collaborator.csv",
            "passive.csv",
            "prospect.csv",
            "unclassified.csv"
        ]
    );
    assert_eq!(
        column(&split.join("angry.csv"), "id"),
        ["1", "7", "10", "12"]
    );
    assert_eq!(column(&split.join("passive.csv"), "id"), ["3", "11"]);
    assert_eq!(column(&split.join("advocate.csv"), "id"), ["4", "8"]);
    assert_eq!(column(&split.join("unclassified.csv"), "id"), ["9"]);
    // Rows are written as in the main output: input columns, then labels.
    let all = std::fs::read_to_string(dir.join("all.csv")).unwrap();
    let angry = std::fs::read_to_string(split.join("angry.csv")).unwrap();
    let header = all.lines().next().unwrap();
    assert_eq!(angry.lines().next().unwrap(), header);
    for line in angry.lines().skip(1) {
        assert!(
            all.lines().any(|l| l == line),
            "{line} is not in the main output"
        );
    }
    // Every row is in exactly one file.
    let total: usize = files
        .iter()
        .map(|f| column(&split.join(f), "id").len())
        .sum();
    assert_eq!(total, 12);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn split_dir_keeps_jsonl_input_as_jsonl() {
    let dir = temp_dir("split-jsonl");
    postclass(&[
        "classify",
        POSTS_JSONL,
        "--rules",
        RULES,
        "-q",
        "--summary-only",
        "--split-dir",
        dir.to_str().unwrap(),
    ]);
    let angry = std::fs::read_to_string(dir.join("angry.jsonl")).unwrap();
    let ids: Vec<String> = angry
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["j1", "j3"]);
    assert!(angry.starts_with("{\"id\":\"j1\",\"created_at\":\"Wed Oct 11 06:55:44 +0000 2017\""));
    assert!(angry.contains("\"customer_type\":\"angry\""));
    assert_eq!(
        std::fs::read_to_string(dir.join("passive.jsonl")).unwrap(),
        ""
    );
    assert!(!dir.join("angry.csv").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn only_filters_the_output_but_the_summary_counts_every_row() {
    let dir = temp_dir("only");
    let summary = dir.join("summary.json");
    let out = postclass(&[
        "classify",
        POSTS,
        "--rules",
        RULES,
        "-q",
        "--only",
        "prospect,passive",
        "--summary",
        summary.to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["3", "5", "11"]);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["rows"]["labelled"], 12);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn only_takes_a_trait_or_the_fallback() {
    let out = postclass(&[
        "classify",
        POSTS,
        "--rules",
        RULES,
        "-q",
        "--only",
        "responsiveness",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["7", "10"]);
    let out = postclass(&[
        "classify",
        POSTS,
        "--rules",
        RULES,
        "-q",
        "--only",
        "unclassified",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().nth(1).unwrap().starts_with("9,"));
}

#[test]
fn only_names_the_labels_when_one_is_unknown() {
    let out = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["classify", POSTS, "--rules", RULES, "--only", "furious"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).lines().last().unwrap(),
        "postclass: error: --only: no label `furious` in rulebook weekly; its labels are: angry, prospect, passive, collaborator, advocate, attention_seeker, unclassified, responsiveness, autonomy"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_failed_run_leaves_no_split_file() {
    let dir = temp_dir("failed");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "id,text\n1,fed up\n2,too,many\n").unwrap();
    let split = dir.join("lists");
    let out = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args([
            "classify",
            bad.to_str().unwrap(),
            "--rules",
            RULES,
            "-q",
            "--summary-only",
        ])
        .arg("--split-dir")
        .arg(&split)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(&split).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
