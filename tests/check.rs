//! `postclass check`: diagnostics of broken rulebooks, compared exactly with
//! reviewed expected outputs, the output formats and the exit codes.
//!
//! Each file in tests/fixtures/rulebooks/broken/ is named after the
//! diagnostic it shows (`e002-unknown-key.toml`), next to the exact output
//! of `postclass check` on it (`e002-unknown-key.out`). After a deliberate
//! change of wording, rewrite the expected outputs with
//! `POSTCLASS_BLESS=1 cargo test --test check` and review the diff.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use postclass::rulebook::JsonDiagnostic;
use serde::Deserialize;

mod common;
use common::{postclass, stderr, stdout};

const BROKEN: &str = "tests/fixtures/rulebooks/broken";
const GOOD: &str = "tests/fixtures/rulebooks/support.toml";

/// The broken rulebooks, as paths relative to the crate root.
fn broken_rulebooks() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(BROKEN);
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("read the broken rulebooks folder")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".toml"))
        .map(|n| format!("{BROKEN}/{n}"))
        .collect();
    names.sort();
    names
}

/// `E002` from `.../e002-unknown-key.toml`.
fn code_of(path: &str) -> String {
    let name = Path::new(path).file_name().unwrap().to_string_lossy();
    name[..4].to_ascii_uppercase()
}

#[test]
fn broken_rulebooks_give_exactly_the_expected_diagnostics() {
    let bless = std::env::var_os("POSTCLASS_BLESS").is_some();
    let rulebooks = broken_rulebooks();
    assert!(
        rulebooks.len() >= 30,
        "only {} broken rulebooks",
        rulebooks.len()
    );
    let mut mismatches = Vec::new();
    for path in &rulebooks {
        let out = postclass(&["check", path]);
        let got = stdout(&out);
        let expected_path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(path.replace(".toml", ".out"));
        if bless {
            fs::write(&expected_path, &got).expect("write expected output");
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} is missing", expected_path.display()));
        if got != expected {
            mismatches.push(format!("--- {path}: expected\n{expected}\n--- got\n{got}"));
        }
        let code = code_of(path);
        let want_exit = if code.starts_with('E') { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(want_exit), "exit code of {path}");
        assert!(
            got.contains(&format!("[{code}]")),
            "{path} does not report {code}:\n{got}"
        );
        assert_eq!(stderr(&out), "", "stderr of {path}");
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn every_code_has_a_broken_rulebook_and_documentation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut in_code = BTreeSet::new();
    for file in [
        "src/rulebook/validate.rs",
        "src/rulebook/mod.rs",
        "src/rulebook/resolve.rs",
    ] {
        let text = fs::read_to_string(root.join(file)).unwrap();
        for (i, _) in text.match_indices("\"E0").chain(text.match_indices("\"W0")) {
            in_code.insert(text[i + 1..i + 5].to_string());
        }
    }
    assert!(in_code.len() >= 30, "{in_code:?}");
    let fixtures: BTreeSet<String> = broken_rulebooks().iter().map(|p| code_of(p)).collect();
    let docs = fs::read_to_string(root.join("docs/diagnostics.md")).unwrap();
    for code in &in_code {
        // E020's file-size and pattern-count limits need inputs too big for
        // a fixture; its phrase-length limit has one.
        assert!(fixtures.contains(code), "no broken rulebook shows {code}");
        assert!(
            docs.contains(&format!("### {code} ")),
            "docs/diagnostics.md has no section for {code}"
        );
    }
    for code in &fixtures {
        assert!(in_code.contains(code), "fixture for unknown code {code}");
    }
}

#[test]
fn a_clean_rulebook_exits_0_and_says_ok() {
    let out = postclass(&["check", GOOD]);
    assert_eq!(stdout(&out), format!("{GOOD}: ok\n"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_default_rulebook_has_no_errors() {
    let out = postclass(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("rules/default.toml"));
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let path = format!("{BROKEN}/w006-zero-weight.toml");
    assert_eq!(postclass(&["check", &path]).status.code(), Some(0));
    let out = postclass(&["check", "--deny-warnings", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("warning[W006]"));
    assert_eq!(
        postclass(&["check", "--deny-warnings", GOOD]).status.code(),
        Some(0)
    );
}

#[test]
fn several_rulebooks_are_all_reported() {
    let a = format!("{BROKEN}/e002-unknown-key.toml");
    let b = format!("{BROKEN}/e008-invalid-regex.toml");
    let out = postclass(&["check", &a, GOOD, &b]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains(&format!("{a}:22:1: error[E002]")), "{text}");
    assert!(text.contains(&format!("{GOOD}: ok")), "{text}");
    assert!(text.contains(&format!("{b}:13:18: error[E008]")), "{text}");
    assert!(
        text.ends_with("3 rulebooks checked: 2 errors, 0 warnings\n"),
        "{text}"
    );
}

#[test]
fn an_unreadable_rulebook_exits_2_after_checking_the_others() {
    let a = format!("{BROKEN}/e002-unknown-key.toml");
    let out = postclass(&["check", "tests/fixtures/rulebooks/missing.toml", &a]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("error[E002]"));
    assert!(
        stdout(&out).ends_with("1 rulebook checked: 1 error, 0 warnings; 1 could not be read\n")
    );
    let err = stderr(&out);
    assert!(
        err.contains("cannot read rulebook tests/fixtures/rulebooks/missing.toml"),
        "{err}"
    );
    assert!(
        err.ends_with("1 of 2 rulebooks could not be read\n"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = postclass(&["check", "--format", "xml", GOOD]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'xml'"));
}

#[derive(Debug, Deserialize)]
struct JsonOutput {
    version: u32,
    ok: bool,
    errors: usize,
    warnings: usize,
    rulebooks: Vec<JsonRulebook>,
}

#[derive(Debug, Deserialize)]
struct JsonRulebook {
    file: String,
    ok: bool,
    errors: usize,
    warnings: usize,
    read_error: Option<String>,
    diagnostics: Vec<JsonDiagnostic>,
}

#[test]
fn json_output_parses_back_with_every_field() {
    let a = format!("{BROKEN}/e002-unknown-key.toml");
    let b = format!("{BROKEN}/w002-phrase-not-folded.toml");
    let out = postclass(&["check", "--format", "json", &a, &b, "nowhere.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: JsonOutput = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc.version, 1);
    assert!(!doc.ok);
    assert_eq!((doc.errors, doc.warnings), (1, 2));
    assert_eq!(doc.rulebooks.len(), 3);
    let first = &doc.rulebooks[0];
    assert_eq!(first.file, a);
    assert!(!first.ok);
    assert_eq!((first.errors, first.warnings), (1, 0));
    assert_eq!(first.read_error, None);
    assert_eq!(
        first.diagnostics,
        vec![JsonDiagnostic {
            file: None,
            code: "E002".into(),
            severity: "error".into(),
            message: "unknown key `wieght`".into(),
            help: Some("did you mean `weight`?".into()),
            line: Some(22),
            column: Some(1),
            end_line: Some(22),
            end_column: Some(7),
            byte_start: Some(299),
            byte_end: Some(305),
            source_line: Some("wieght = 2".into()),
        }]
    );
    let second = &doc.rulebooks[1];
    assert!(second.ok, "warnings alone do not fail");
    let codes: Vec<(&str, Option<usize>, Option<usize>)> = second
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.column))
        .collect();
    assert_eq!(
        codes,
        vec![("W002", Some(13), Some(8)), ("W002", Some(13), Some(16))]
    );
    let third = &doc.rulebooks[2];
    assert!(third
        .read_error
        .as_deref()
        .unwrap()
        .starts_with("cannot read rulebook nowhere.toml"));
}

#[test]
fn json_marks_a_file_without_place_with_nulls() {
    let path = format!("{BROKEN}/e023-no-set.toml");
    let out = postclass(&["check", "--format", "json", &path]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &doc["rulebooks"][0]["diagnostics"][0];
    assert_eq!(d["code"], "E023");
    assert!(d["line"].is_null() && d["column"].is_null() && d["source_line"].is_null());
}

#[test]
fn github_format_writes_workflow_annotations() {
    let a = format!("{BROKEN}/e002-unknown-key.toml");
    let b = format!("{BROKEN}/w010-tie-break-repeated.toml");
    let out = postclass(&["check", "--format", "github", &a, &b]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "::error file={a},line=22,col=1,title=postclass E002::unknown key `wieght`%0Ahelp: did you mean `weight`?\n\
             {a}: 1 error, 0 warnings\n\
             ::warning file={b},line=8,col=34,title=postclass W010::`angry` is listed twice in `tie_break`%0Ahelp: only its first place counts\n\
             {b}: 0 errors, 1 warning\n"
        )
    );
}

#[test]
fn no_colour_when_output_is_not_a_terminal() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_postclass"));
    cmd.args(["check", &format!("{BROKEN}/e002-unknown-key.toml")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR");
    let out = cmd.output().unwrap();
    assert!(!out.stdout.contains(&0x1b), "escape codes in piped output");
}

#[test]
fn an_oversized_rulebook_is_refused_before_reading() {
    let dir = common::temp_dir("big-rulebook");
    let big: PathBuf = dir.join("big.toml");
    let f = fs::File::create(&big).unwrap();
    f.set_len(9 << 20).unwrap();
    let out = postclass(&["check", big.to_str().unwrap()]);
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("over the limit of 8388608 bytes"));
}
