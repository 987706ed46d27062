//! Bad input beyond single files: outputs that would overwrite inputs,
//! rejects flags, closed pipes, interrupts, records far over the size limit
//! and rulebooks over their limits. Each test drives the real binary.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::stderr;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_postclass"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bad_input_cli")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

const SMALL: &str = "id,text\n1,first post\n2,a,ragged\n3,third post\n";

#[test]
fn output_onto_an_input_is_refused() {
    let dir = scratch("output_onto_input");
    fs::write(dir.join("in.csv"), SMALL).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["classify", "in.csv", "-o", "./in.csv", "--on-error", "skip"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "postclass: error: refusing to write the output onto the input in.csv: choose another -o path\n"
    );
    assert_eq!(fs::read_to_string(dir.join("in.csv")).unwrap(), SMALL);
    assert_eq!(files_in(&dir), ["in.csv"]);
}

#[test]
fn rejects_onto_an_input_is_refused() {
    let dir = scratch("rejects_onto_input");
    fs::write(dir.join("in.csv"), SMALL).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args([
            "classify",
            "in.csv",
            "--on-error",
            "skip",
            "--rejects",
            "in.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "postclass: error: refusing to write the output onto the input in.csv: choose another -o path\n"
    );
    assert_eq!(fs::read_to_string(dir.join("in.csv")).unwrap(), SMALL);
}

#[test]
fn rejects_onto_the_output_is_refused() {
    let dir = scratch("rejects_onto_output");
    fs::write(dir.join("in.csv"), SMALL).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["classify", "in.csv", "-o", "x.csv", "--on-error", "skip"])
        .args(["--rejects", "x.csv"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "postclass: error: --rejects x.csv is also an output of this run: choose another file\n"
    );
    assert_eq!(files_in(&dir), ["in.csv"]);
}

#[test]
fn rejects_needs_on_error_skip() {
    let dir = scratch("rejects_needs_skip");
    fs::write(dir.join("in.csv"), SMALL).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["classify", "in.csv", "--rejects", "r.jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "postclass: error: --rejects only applies with --on-error skip: add --on-error skip\n"
    );
}

#[test]
fn skipped_records_are_counted_and_reported_without_a_rejects_file() {
    let dir = scratch("skip_without_rejects");
    fs::write(dir.join("in.csv"), SMALL).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["classify", "in.csv", "--on-error", "skip", "-o", "out.csv"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stderr(&o),
        "postclass: in.csv: text field `text` (detected)\n\
         postclass: 1 of 3 records rejected (pass --rejects FILE to keep them)\n"
    );
    assert_eq!(files_in(&dir), ["in.csv", "out.csv"]);
}

#[test]
fn the_rejects_note_names_the_rejects_file() {
    let dir = scratch("rejects_note");
    fs::write(dir.join("in.csv"), SMALL).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["classify", "in.csv", "--on-error", "skip", "-o", "out.csv"])
        .args(["--rejects", "rejected.jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stderr(&o),
        "postclass: in.csv: text field `text` (detected)\n\
         postclass: 1 of 3 records rejected, written to rejected.jsonl\n"
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = scratch("closed_stdout");
    let mut text = String::from("id,text\n");
    for i in 0..200_000 {
        text.push_str(&format!("{i},post number {i}\n"));
    }
    fs::write(dir.join("big.csv"), text).unwrap();
    let mut child = bin()
        .current_dir(&dir)
        .args(["classify", "big.csv", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.starts_with("id,text,"), "{first}");
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert_eq!(stderr(&o), "");
    assert_eq!(o.status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn an_interrupt_leaves_no_partial_file_and_the_previous_output() {
    // `diff` writes its rows while it reads, like `classify`.
    for (name, command) in [
        ("interrupt", &["classify"][..]),
        ("interrupt-diff", &["diff", "--baseline", "default"][..]),
    ] {
        interrupted(name, command);
    }
}

/// Runs `command` on standard input that stays open, interrupts it once its
/// temporary output file exists, and checks what is left.
#[cfg(unix)]
fn interrupted(name: &str, command: &[&str]) {
    let dir = scratch(name);
    fs::write(dir.join("out.csv"), "previous\n").unwrap();
    let mut child = bin()
        .current_dir(&dir)
        .args(command)
        .args(["-", "--input-format", "csv", "-q", "-o", "out.csv"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"id,text\n1,first post\n").unwrap();
    stdin.flush().unwrap();
    // Wait (bounded) for the temporary output file: the run is under way.
    let mut seen = false;
    for _ in 0..3000 {
        if files_in(&dir).iter().any(|f| f.ends_with(".postclass-tmp")) {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        seen,
        "{command:?}: no temporary file appeared: {:?}",
        files_in(&dir)
    );
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(o.status.code(), Some(130), "{command:?}");
    assert_eq!(stderr(&o), "postclass: interrupted\n", "{command:?}");
    assert_eq!(files_in(&dir), ["out.csv"], "{command:?}");
    assert_eq!(
        fs::read_to_string(dir.join("out.csv")).unwrap(),
        "previous\n",
        "{command:?}"
    );
}

/// A line of `n` bytes without a newline, after one good record.
fn huge_last_line(dir: &Path, name: &str, head: &str, open: &str, n: usize) -> PathBuf {
    let mut data = head.as_bytes().to_vec();
    data.extend_from_slice(open.as_bytes());
    data.resize(head.len() + n, b'x');
    let p = dir.join(name);
    fs::write(&p, data).unwrap();
    p
}

#[test]
fn a_line_far_over_the_limit_is_rejected_and_cut_at_the_limit() {
    let dir = scratch("huge_line");
    let limit = 1 << 20;
    for (name, head, open, line_no) in [
        ("huge.csv", "id,text\n1,first post\n", "2,", 3),
        (
            "huge.jsonl",
            "{\"text\":\"first post\"}\n",
            "{\"text\":\"",
            2,
        ),
    ] {
        huge_last_line(&dir, name, head, open, 24 << 20);
        let o = bin()
            .current_dir(&dir)
            .args(["classify", name, "-q", "-o", "out", "--on-error", "skip"])
            .args(["--rejects", "rejects.jsonl", "--max-record-bytes", "1M"])
            .args(["--summary", "summary.json"])
            .output()
            .unwrap();
        assert_eq!(stderr(&o), "", "{name}");
        assert_eq!(o.status.code(), Some(0), "{name}");
        let summary: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("summary.json")).unwrap()).unwrap();
        assert_eq!(
            summary["rows"],
            serde_json::json!({"read": 2, "labelled": 1, "rejected": 1}),
            "{name}"
        );
        let rejects = fs::read_to_string(dir.join("rejects.jsonl")).unwrap();
        let line: serde_json::Value = serde_json::from_str(rejects.trim_end()).unwrap();
        assert_eq!(line["line"], line_no, "{name}");
        assert!(line["reason"]
            .as_str()
            .unwrap()
            .ends_with("over the --max-record-bytes limit of 1048576 bytes"));
        assert_eq!(line["raw"].as_str().unwrap().len(), limit, "{name}");
    }
}

#[test]
fn a_rulebook_over_the_size_limit_is_refused() {
    let dir = scratch("rulebook_size");
    fs::write(dir.join("in.csv"), SMALL).unwrap();
    let mut text = String::from("# padding\n");
    text.push_str(&"#".repeat(8 << 20));
    fs::write(dir.join("big.toml"), text).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["classify", "in.csv", "--rules", "big.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "postclass: error: rulebook big.toml is 8388618 bytes, over the limit of 8388608 bytes\n"
    );
}

#[test]
fn a_rulebook_with_too_many_patterns_is_refused() {
    let dir = scratch("rulebook_patterns");
    fs::write(dir.join("in.csv"), SMALL).unwrap();
    let mut text = String::from(
        "[rulebook]\nname = \"t\"\nversion = \"1\"\n[[set]]\nid = \"s\"\nmode = \"many\"\n\
         [[set.label]]\nid = \"l\"\n[[set.label.rule]]\nid = \"r\"\nany = [",
    );
    for i in 0..200_001 {
        text.push_str(&format!("\"w{i}\","));
    }
    text.push_str("]\n");
    fs::write(dir.join("many.toml"), text).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["classify", "in.csv", "--rules", "many.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "postclass: error: the rulebook has 1 error(s):\n\
         many.toml: error[E020]: the rulebook has 200001 patterns, over the limit of 200000\n"
    );
}
