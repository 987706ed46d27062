//! The bad-input corpus: every file of tests/bad_input/ listed in
//! cases.toml is classified by the real binary, and its exit code, exact
//! stderr, exact rejects file and row counts are compared with the
//! manifest. Every case also checks the invariants: rows read = rows
//! written + rows rejected; one rejects line per rejected row; and a run
//! that fails leaves no output file, no temporary file, and a previous
//! output untouched.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    input: String,
    #[serde(default)]
    args: Vec<String>,
    /// `fail` or `skip`.
    on_error: String,
    exit: i32,
    #[serde(default)]
    stderr: String,
    #[serde(default)]
    rejects: String,
    #[serde(default)]
    read: u64,
    #[serde(default)]
    labelled: u64,
    #[serde(default)]
    rejected: u64,
    /// Invalid sequences replaced by decoding, when not reading strict UTF-8.
    replaced: Option<u64>,
    /// Text that the written rows must contain.
    output_contains: Option<String>,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bad_input")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Data records in a written output: CSV/TSV rows after the header, or
/// JSON lines.
fn output_records(text: &[u8], jsonl: bool, delimiter: u8) -> u64 {
    if jsonl {
        return text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count() as u64;
    }
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text);
    let mut n = 0;
    for rec in r.byte_records() {
        rec.expect("the output is valid CSV");
        n += 1;
    }
    n
}

fn run_case(case: &Case) -> Vec<String> {
    let mut failures = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            failures.push(format!("{}: {what}", case.name));
        }
    };
    let dir = scratch(&case.name);
    let out = dir.join("out");
    let summary = dir.join("summary.json");
    let rejects = dir.join("rejects.jsonl");
    let previous = b"a previous output\n";
    fs::write(&out, previous).unwrap();

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_postclass"));
    cmd.current_dir(corpus())
        .arg("classify")
        .arg(&case.input)
        .arg("-q")
        .arg("-o")
        .arg(&out)
        .arg("--summary")
        .arg(&summary)
        .args(["--on-error", &case.on_error]);
    if case.on_error == "skip" {
        cmd.arg("--rejects").arg(&rejects);
    }
    cmd.args(&case.args);
    let result = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    check(
        result.status.code() == Some(case.exit),
        format!("exit {:?}, expected {}", result.status.code(), case.exit),
    );
    check(
        stderr == case.stderr,
        format!("stderr was\n{stderr}\nexpected\n{}", case.stderr),
    );
    let mut left: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();

    if case.exit != 0 {
        check(
            fs::read(&out).unwrap() == previous,
            "the previous output was changed".into(),
        );
        check(
            left == ["out"],
            format!("files left after a failed run: {left:?}"),
        );
        return failures;
    }

    let expected_files: Vec<&str> = if case.on_error == "skip" {
        vec!["out", "rejects.jsonl", "summary.json"]
    } else {
        vec!["out", "summary.json"]
    };
    check(left == expected_files, format!("files written: {left:?}"));
    let s: serde_json::Value =
        serde_json::from_slice(&fs::read(&summary).unwrap_or_default()).unwrap_or_default();
    let count = |k: &str| s["rows"][k].as_u64().unwrap_or(u64::MAX);
    let (read, labelled, rejected) = (count("read"), count("labelled"), count("rejected"));
    check(
        (read, labelled, rejected) == (case.read, case.labelled, case.rejected),
        format!(
            "rows read/labelled/rejected {read}/{labelled}/{rejected}, expected {}/{}/{}",
            case.read, case.labelled, case.rejected
        ),
    );
    check(
        read == labelled + rejected,
        format!("rows read {read} != labelled {labelled} + rejected {rejected}"),
    );
    check(
        s["decoding"]["replaced"].as_u64() == case.replaced,
        format!(
            "replaced {:?}, expected {:?}",
            s["decoding"]["replaced"], case.replaced
        ),
    );
    let written = fs::read(&out).unwrap();
    let jsonl = case.input.ends_with(".jsonl");
    let delimiter = if case.input.ends_with(".tsv") {
        b'\t'
    } else {
        b','
    };
    let records = output_records(&written, jsonl, delimiter);
    check(
        records == labelled,
        format!("{records} rows written, {labelled} labelled"),
    );
    if let Some(want) = &case.output_contains {
        check(
            String::from_utf8_lossy(&written).contains(want.as_str()),
            format!("output does not contain {want:?}"),
        );
    }
    if case.on_error == "skip" {
        let got = fs::read_to_string(&rejects).unwrap_or_default();
        check(
            got == case.rejects,
            format!("rejects were\n{got}\nexpected\n{}", case.rejects),
        );
        let lines = got.lines().count() as u64;
        check(
            lines == rejected,
            format!("{lines} rejects lines, {rejected} rejected"),
        );
        for line in got.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            check(
                ["file", "line", "record", "field", "reason", "raw"]
                    .iter()
                    .all(|k| v.get(k).is_some()),
                format!("rejects line lacks a key: {line}"),
            );
        }
    }
    failures
}

#[test]
fn every_corpus_case_gives_its_expected_result() {
    let text = fs::read_to_string(corpus().join("cases.toml")).unwrap();
    let manifest: Manifest = toml::from_str(&text).unwrap();
    let mut failures = Vec::new();
    for case in &manifest.case {
        failures.extend(run_case(case));
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_corpus_has_thirty_distinct_malformed_inputs_all_listed() {
    let text = fs::read_to_string(corpus().join("cases.toml")).unwrap();
    let manifest: Manifest = toml::from_str(&text).unwrap();
    let mut names: Vec<&str> = manifest.case.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "case names are unique");
    let mut used: Vec<String> = manifest
        .case
        .iter()
        .flat_map(|c| {
            let rules = c
                .args
                .windows(2)
                .filter(|w| w[0] == "--rules")
                .map(|w| w[1].clone());
            std::iter::once(c.input.clone()).chain(rules)
        })
        .collect();
    used.sort();
    used.dedup();
    let mut files: Vec<String> = fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "cases.toml")
        .collect();
    files.sort();
    assert_eq!(
        files, used,
        "every corpus file is used by a case, and only those"
    );
    let distinct_bad = files.iter().filter(|f| *f != "t.csv").count();
    assert!(distinct_bad >= 30, "only {distinct_bad} inputs");
}
