//! `postclass triage`: the rows to handle first.

use std::process::{Command, Output};

mod common;
use common::{postclass_ok as postclass, temp_dir};

const RULES: &str = "tests/fixtures/weekly/rules.toml";
const POSTS: &str = "tests/fixtures/weekly/posts.csv";

fn ids(csv_text: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    r.records().map(|rec| rec.unwrap()[0].to_string()).collect()
}

#[test]
fn rows_come_by_label_priority_then_score_then_input_order() {
    let out = postclass(&["triage", POSTS, "--rules", RULES, "-q", "--format", "csv"]);
    let text = String::from_utf8(out.stdout).unwrap();
    // angry (1): scores 3, 2, 2, 1; prospect (2); passive (3): 2, 1;
    // collaborator (4); advocate (5) x2; attention_seeker (6); the
    // unclassified row has no priority and is left out.
    assert_eq!(
        ids(&text),
        ["1", "7", "12", "10", "5", "11", "3", "6", "4", "8", "2"]
    );
    assert!(text.starts_with(
        "id,created_at,author,lang,text,customer_type,customer_type_score,traits,priority,action,matched_rules,lang_source\n"
    ));
}

#[test]
fn limit_keeps_the_most_urgent() {
    let out = postclass(&[
        "triage", POSTS, "--rules", RULES, "-q", "--format", "csv", "--limit", "3",
    ]);
    assert_eq!(
        ids(&String::from_utf8(out.stdout).unwrap()),
        ["1", "7", "12"]
    );
    let out = postclass(&[
        "triage", POSTS, "--rules", RULES, "-q", "--format", "csv", "-n", "0",
    ]);
    assert_eq!(
        ids(&String::from_utf8(out.stdout).unwrap()),
        Vec::<String>::new()
    );
}

#[test]
fn output_defaults_to_the_input_format_off_a_terminal() {
    let out = postclass(&[
        "triage",
        "tests/fixtures/weekly/posts.jsonl",
        "--rules",
        RULES,
        "-q",
        "-n",
        "2",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["j1", "j3"]);
}

#[test]
fn table_groups_rows_under_their_label_and_action() {
    let out = postclass(&[
        "triage", POSTS, "--rules", RULES, "-q", "--format", "table", "-n", "6",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = "\
angry (priority highest): Reach out first and fix the root cause
  1  score 3     tests/fixtures/weekly/posts.csv:2   Mon internet est encore coupé, j'en ai marre de @Orange !
  2  score 2     tests/fixtures/weekly/posts.csv:8   @Orange down AGAIN, second time this week, still waiting for a reply
  3  score 2     tests/fixtures/weekly/posts.csv:13  <script>alert(1)</script> fed up with @orange & co, down since monday
  4  score 1     tests/fixtures/weekly/posts.csv:11  @Orange internet down since this morning, no reply from support

prospect (priority high): Answer with an offer
  5  score 1     tests/fixtures/weekly/posts.csv:6   Should I buy the Pixel or the iPhone? @Google @Apple

passive (priority medium-high): Flag it and send the fix
  6  score 2     tests/fixtures/weekly/posts.csv:12  Anyone know how to reset the box @Free ? J'ai cherché partout dans la FAQ #fail
";
    assert_eq!(text, expected);
}

#[test]
fn output_file_is_written_whole() {
    let dir = temp_dir("triage-first");
    let path = dir.join("first.csv");
    let out = postclass(&[
        "triage",
        POSTS,
        "--rules",
        RULES,
        "-q",
        "-n",
        "1",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(out.stdout.is_empty());
    assert_eq!(ids(&std::fs::read_to_string(&path).unwrap()), ["1"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `triage INPUT --rules RULES EXTRA...`, successful or not.
fn triage(input: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["triage", input, "--rules", RULES])
        .args(extra)
        .output()
        .expect("postclass runs")
}

/// Runs `triage INPUT --rules RULES EXTRA...`, which must succeed.
fn triage_ok(input: &str, extra: &[&str]) -> Output {
    let out = triage(input, extra);
    assert!(
        out.status.success(),
        "triage {input} {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const RAGGED: &str = "tests/fixtures/triage/ragged.csv";
const BAD_LINE: &str = "tests/fixtures/triage/bad_line.jsonl";
const LATIN1: &str = "tests/fixtures/triage/latin1.csv";

#[test]
fn a_ragged_row_stops_the_run_by_default_and_writes_nothing() {
    let dir = temp_dir("ragged-fail");
    let path = dir.join("first.csv");
    let out = triage(RAGGED, &["-q", "-o", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "postclass: error: tests/fixtures/triage/ragged.csv:3: record 2: expected 2 fields as in the header, found 3\n\
         (pass --on-error skip to set such records aside and label the rest)\n"
    );
    assert!(!path.exists(), "no output after a failed run");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn skip_sets_a_ragged_row_aside_in_the_rejects_and_says_so() {
    let dir = temp_dir("ragged-skip");
    let rejects = dir.join("rejects.jsonl");
    let out = triage(
        RAGGED,
        &[
            "--format",
            "csv",
            "--on-error",
            "skip",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    assert_eq!(ids(&String::from_utf8(out.stdout).unwrap()), ["1", "3"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "postclass: 1 of 3 records rejected, written to {}\n",
            rejects.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        "{\"file\":\"tests/fixtures/triage/ragged.csv\",\"line\":3,\"record\":2,\"field\":null,\
         \"reason\":\"expected 2 fields as in the header, found 3\",\
         \"raw\":\"2,fed up, no reply since Monday\"}\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_jsonl_line_fails_with_its_place_or_is_skipped_and_counted() {
    let out = triage(BAD_LINE, &["-q", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "postclass: error: tests/fixtures/triage/bad_line.jsonl:2: record 2: invalid JSON: EOF while parsing a string at line 1 column 24\n\
         (pass --on-error skip to set such records aside and label the rest)\n"
    );

    let out = triage(BAD_LINE, &["--format", "jsonl", "--on-error", "skip"]);
    assert!(out.status.success());
    let ids: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"c\"", "\"a\""]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("postclass: 1 of 3 records rejected (pass --rejects FILE to keep them)\n"),
        "{stderr}"
    );
}

#[test]
fn quiet_skip_says_nothing() {
    let out = triage(BAD_LINE, &["-q", "--format", "jsonl", "--on-error", "skip"]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
}

#[test]
fn rejects_need_skip() {
    let dir = temp_dir("rejects-need-skip");
    let rejects = dir.join("rejects.jsonl");
    let out = triage(RAGGED, &["--rejects", rejects.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "postclass: error: --rejects only applies with --on-error skip: add --on-error skip\n"
    );
    assert!(!rejects.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn latin1_input_is_read_with_its_encoding() {
    // As UTF-8, the é of row 1 is an invalid byte in the text field.
    let out = triage(LATIN1, &["-q", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "postclass: error: tests/fixtures/triage/latin1.csv:2: record 1, field `text`: invalid UTF-8: byte 0xE9"
        ),
        "{stderr}"
    );

    let out = triage_ok(LATIN1, &["-q", "--format", "csv", "--encoding", "latin1"]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "id,text,customer_type,customer_type_score,traits,priority,action,matched_rules,lang,lang_source\n\
         1,\"Encore coupée, j'en ai marre\",angry,2,,highest,Reach out first and fix the root cause,angry-again;angry-fed-up,und,detected\n\
         2,fed up,angry,1,,highest,Reach out first and fix the root cause,angry-fed-up,und,detected\n"
    );
}

#[test]
fn lossy_decoding_says_how_many_bytes_it_replaced() {
    let out = triage_ok(LATIN1, &["--format", "csv", "--encoding", "lossy"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("\"Encore coup\u{FFFD}e, j'en ai marre\""),
        "{stdout}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "postclass: 1 invalid byte sequences replaced with U+FFFD (--encoding lossy)\n"
        ),
        "{stderr}"
    );
}

#[test]
fn records_over_max_record_bytes_cannot_be_labelled() {
    let long = "tests/fixtures/triage/long.jsonl";
    let out = triage(
        long,
        &["-q", "--format", "jsonl", "--max-record-bytes", "40"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "postclass: error: tests/fixtures/triage/long.jsonl:2: record 2: line is over the --max-record-bytes limit of 40 bytes\n\
         (pass --on-error skip to set such records aside and label the rest)\n"
    );
    // Without the limit, the long record is the most urgent.
    let out = triage_ok(long, &["-q", "--format", "jsonl"]);
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["id"], "long");
}

#[test]
fn rows_carry_the_language_columns_as_classify_writes_them() {
    let mixed = "tests/fixtures/lang/mixed.csv";
    let text =
        String::from_utf8(postclass(&["triage", mixed, "-q", "--format", "csv"]).stdout).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.ends_with(",matched_rules,lang,lang_source"),
        "{header}"
    );
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    let (lang, source) = (
        h.iter().position(|f| f == "lang").unwrap(),
        h.iter().position(|f| f == "lang_source").unwrap(),
    );
    let rows: Vec<(String, String, String)> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].to_string(),
                rec[lang].to_string(),
                rec[source].to_string(),
            )
        })
        .collect();
    assert!(
        rows.iter()
            .any(|(id, l, s)| id == "fr1" && l == "fr" && s == "detected"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|(id, l, s)| id == "en1" && l == "en" && s == "detected"),
        "{rows:?}"
    );

    // A tweet export keeps its own `lang` and gains `lang_source`.
    let tweets = "tests/fixtures/lang/tweets.jsonl";
    let line = String::from_utf8(postclass(&["triage", tweets, "-q", "--format", "jsonl"]).stdout)
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(first["lang_source"], "detected");

    // --no-lang leaves both out.
    let bare = String::from_utf8(
        postclass(&["triage", mixed, "-q", "--format", "csv", "--no-lang"]).stdout,
    )
    .unwrap();
    assert!(
        bare.lines().next().unwrap().ends_with(",matched_rules"),
        "{bare}"
    );
}
