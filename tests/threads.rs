//! The classify output does not depend on the number of worker threads:
//! inputs of many batches give the same bytes with -j1, -j2 and -j4.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROWS: usize = 2_600;

const PIECES: &[&str] = &[
    "J'en ai marre de @Orange, encore coupé",
    "I love my new laptop, but it's heavy",
    "I LOVE THIS PHONE SO MUCH",
    "Je recommande @Decathlon 😍",
    "Should I buy the Pixel or the iPhone ? @Google @Apple",
    "still no reply after two days",
    "toujours pas de réponse",
    "two hours on hold",
    "what a day!!!",
    "a quoted \"word\", with a comma",
    "line one\nline two",
    "#fail #sav #wifi",
    "coffee first",
    "Œuvre déçue, très DÉÇUE",
    "❤️ it",
];

/// Deterministic posts built from the pieces above.
fn posts() -> Vec<String> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..ROWS)
        .map(|_| {
            let n = 1 + (next() % 4) as usize;
            let parts: Vec<&str> = (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            parts.join(" ")
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("threads-{name}"))
}

fn classify(input: &Path, threads: &str, out: &Path) -> Vec<u8> {
    let status = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["classify", "-q", "--rules"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/threads.toml"))
        .arg(input)
        .args(["-j", threads, "-o"])
        .arg(out)
        .status()
        .expect("postclass runs");
    assert!(status.success(), "postclass -j{threads} failed");
    std::fs::read(out).expect("output written")
}

fn assert_same_with_any_threads(input: &Path, ext: &str) {
    let one = classify(input, "1", &tmp(&format!("out1.{ext}")));
    let text = String::from_utf8(one.clone()).expect("UTF-8 output");
    // Every record is there, and the labels vary.
    for label in [
        "angry",
        "advocate",
        "prospect",
        "unclassified",
        "social_engagement",
    ] {
        assert!(text.contains(label), "no row labelled {label}");
    }
    for threads in ["2", "4"] {
        let many = classify(input, threads, &tmp(&format!("out{threads}.{ext}")));
        assert!(many == one, "-j{threads} output differs from -j1 on {ext}");
    }
}

#[test]
fn csv_output_is_identical_whatever_the_thread_count() {
    let mut csv = String::from("id,lang,text\n");
    for (i, p) in posts().iter().enumerate() {
        csv.push_str(&format!("{i},fr,{}\n", csv_field(p)));
    }
    let input = tmp("in.csv");
    std::fs::write(&input, csv).unwrap();
    assert_same_with_any_threads(&input, "csv");
    let out = std::fs::read_to_string(tmp("out1.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(reader.records().count(), ROWS);
}

#[test]
fn jsonl_output_is_identical_whatever_the_thread_count() {
    let mut jsonl = String::new();
    for (i, p) in posts().iter().enumerate() {
        jsonl.push_str(&format!(
            "{{\"id\":{i},\"user\":{{\"name\":\"u{i}\"}},\"text\":{}}}\n",
            json_str(p)
        ));
    }
    let input = tmp("in.jsonl");
    std::fs::write(&input, jsonl).unwrap();
    assert_same_with_any_threads(&input, "jsonl");
    let out = std::fs::read_to_string(tmp("out1.jsonl")).unwrap();
    assert_eq!(out.lines().count(), ROWS);
}
