//! Shell integration: completions, manual pages, help with examples, and a
//! quiet stderr when it is not a terminal.

mod common;

use std::process::{Command, Output};

fn postclass(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(args)
        .output()
        .expect("postclass runs");
    assert!(
        out.status.success(),
        "postclass {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const SUBCOMMANDS: [&str; 8] = [
    "classify",
    "triage",
    "summary",
    "completions",
    "man",
    "fit",
    "suggest",
    "sample",
];

#[test]
fn completions_generate_for_bash_zsh_and_fish() {
    for (shell, marker) in [
        ("bash", "complete -F _postclass"),
        ("zsh", "#compdef postclass"),
        ("fish", "complete -c postclass"),
    ] {
        let text = String::from_utf8(postclass(&["completions", shell]).stdout).unwrap();
        assert!(text.contains(marker), "{shell}: no `{marker}`");
        for sub in SUBCOMMANDS {
            assert!(text.contains(sub), "{shell}: no subcommand {sub}");
        }
        assert!(text.contains("split-dir"), "{shell}: no --split-dir");
    }
}

#[test]
fn completions_refuse_an_unknown_shell() {
    let out = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["completions", "cmd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'cmd'"));
}

#[test]
fn man_prints_a_roff_page() {
    let text = String::from_utf8(postclass(&["man"]).stdout).unwrap();
    assert!(text.contains(".TH postclass 1"), "{text}");
    assert!(text.contains(".SH SUBCOMMANDS"));
    for sub in SUBCOMMANDS {
        assert!(text.contains(&format!("postclass\\-{sub}")), "no {sub}");
    }
}

#[test]
fn man_dir_writes_a_page_per_command() {
    // A directory that does not exist yet: `--dir` makes it.
    let dir = common::temp_dir("man").join("pages");
    postclass(&["man", "--dir", dir.to_str().unwrap()]);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for page in [
        "postclass.1",
        "postclass-classify.1",
        "postclass-triage.1",
        "postclass-summary.1",
        "postclass-summary-merge.1",
        "postclass-completions.1",
        "postclass-man.1",
    ] {
        assert!(names.iter().any(|n| n == page), "no {page} in {names:?}");
    }
    assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    let triage = std::fs::read_to_string(dir.join("postclass-triage.1")).unwrap();
    assert!(triage.contains(".TH postclass-triage 1"));
    assert!(triage.contains("\\-\\-limit"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_subcommand_help_has_examples() {
    for sub in SUBCOMMANDS
        .iter()
        .map(|s| vec![*s])
        .chain([vec!["summary", "merge"]])
    {
        let mut args = sub.clone();
        args.push("--help");
        let text = String::from_utf8(postclass(&args).stdout).unwrap();
        assert!(
            text.contains("Examples:\n  postclass "),
            "{sub:?} --help has no examples"
        );
    }
}

#[test]
fn quiet_runs_print_nothing_on_stderr() {
    let out = postclass(&[
        "classify",
        "tests/fixtures/weekly/posts.csv",
        "--rules",
        "tests/fixtures/weekly/rules.toml",
        "-q",
        "--summary-only",
    ]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    // Without --quiet, stderr (a pipe here) gets the notes and nothing else.
    let out = postclass(&[
        "classify",
        "tests/fixtures/weekly/posts.csv",
        "--rules",
        "tests/fixtures/weekly/rules.toml",
        "--summary-only",
    ]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "postclass: tests/fixtures/weekly/posts.csv: text field `text` (detected)\n"
    );
}
