//! `postclass explain` and `postclass rules show`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SUPPORT: &str = "tests/fixtures/rulebooks/support.toml";
const POSTS_CSV: &str = "tests/fixtures/posts/posts.csv";
const POSTS_JSONL: &str = "tests/fixtures/posts/posts.jsonl";

fn postclass(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run postclass")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 stderr")
}

#[test]
fn explains_matches_scores_tie_break_and_near_misses() {
    let out = postclass(&[
        "explain",
        "--rules",
        SUPPORT,
        "Again: does anyone know a good router? Je recommande pas le mien",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "\
rulebook:   support 1.0.0
text:       Again: does anyone know a good router? Je recommande pas le mien
normalised: again: does anyone know a good router? je recommande pas le mien

rules that fired:
  angry-again  ->  customer_type = angry (+0.5)
    any `again`
      [Again]: does anyone know a good router? Je recommande pas le mien
  passive-anyone-know  ->  customer_type = passive (+1)
    any `anyone know`
      Again: does [anyone know] a good router? Je recommande pas le mien
  advocate-recommend  ->  customer_type = advocate (+1)
    any `je recommande`
      Again: does anyone know a good router? [Je recommande] pas le mien

customer_type (one, threshold 1)
  label          score  threshold  status
  angry            0.5          1  below threshold
  passive            1          1  given
  advocate           1          1  lost tie
  unclassified       0          1  -
  tie: passive, advocate scored the same; passive won by tie_break
  decision: passive

traits (many, threshold 1)
  label            score  threshold  status
  responsiveness       0          1  -
  autonomy             0          1  -
  decision: (none)

near misses:
  customer_type = angry (0.5 of 1)
"
    );
}

#[test]
fn explains_signals_near_and_the_fallback() {
    let out = postclass(&["explain", "-r", SUPPORT, "WIFI DOWN\nencore !! !"]);
    assert_eq!(
        stdout(&out),
        "\
rulebook:   support 1.0.0
text:       WIFI DOWN\\nencore !! !
normalised: wifi down encore !! !

rules that fired:
  angry-again  ->  customer_type = angry (+0.5)
    any `encore`
      WIFI DOWN\\n[encore] !! !
  angry-outage  ->  customer_type = angry (+0.5)
    near `wifi` (within 3 words)
      [WIFI] DOWN\\nencore !! !
    near `down` (within 3 words)
      WIFI [DOWN]\\nencore !! !
  angry-shouting  ->  customer_type = angry (+0.5)
    exclaim: a run of 3 `!` (needs 3)
      WIFI DOWN\\nencore [!! !]

customer_type (one, threshold 1)
  label          score  threshold  status
  angry            1.5          1  given
  passive            0          1  -
  advocate           0          1  -
  unclassified       0          1  -
  decision: angry

traits (many, threshold 1)
  label            score  threshold  status
  responsiveness       0          1  -
  autonomy             0          1  -
  decision: (none)

near misses: none
"
    );
    let out = postclass(&["explain", "-r", SUPPORT, "Bonjour"]);
    let text = stdout(&out);
    assert!(text.contains("rules that fired: none\n"), "{text}");
    assert!(
        text.contains("  unclassified       0          1  given\n"),
        "{text}"
    );
    assert!(
        text.contains("  decision: unclassified (fallback: no label reached its threshold)\n"),
        "{text}"
    );
}

#[test]
fn json_explanation_parses_back() {
    let text = "Still no reply, j'ai lu la FAQ. Fed up!!!";
    let out = postclass(&["explain", "-r", SUPPORT, "--format", "json", text]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["rulebook"]["name"], "support");
    assert!(doc["source"].is_null());
    assert_eq!(doc["text"], text);
    assert_eq!(
        doc["normalized"],
        "still no reply, j'ai lu la faq. fed up!!!"
    );
    let rules: Vec<&str> = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec![
            "angry-fed-up",
            "angry-shouting",
            "responsiveness-no-reply",
            "autonomy-self-help"
        ]
    );
    let fed_up = &doc["rules"][0]["evidence"][0];
    assert_eq!(fed_up["matcher"], "any");
    assert_eq!(fed_up["pattern"], "fed up");
    let span = &fed_up["spans"][0];
    let (start, end) = (
        span["start"].as_u64().unwrap() as usize,
        span["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], "Fed up");
    assert_eq!(span["text"], "Fed up");
    let types = &doc["sets"][0];
    assert_eq!(types["set"], "customer_type");
    assert_eq!(types["mode"], "one");
    assert_eq!(types["decision"], serde_json::json!(["angry"]));
    assert_eq!(types["labels"][0]["score"], 1.5);
    assert_eq!(types["labels"][0]["status"], "given");
    assert_eq!(
        types["labels"][0]["rules"],
        serde_json::json!(["angry-fed-up", "angry-shouting"])
    );
    assert!(types["tie"].is_null());
    let traits = &doc["sets"][1];
    assert_eq!(
        traits["decision"],
        serde_json::json!(["responsiveness", "autonomy"])
    );
}

#[test]
fn explains_a_csv_record_by_id_and_a_jsonl_record_by_row() {
    let out = postclass(&["explain", "-r", SUPPORT, "--input", POSTS_CSV, "--id", "p3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "rulebook:   support 1.0.0\npost:       {POSTS_CSV}:4 (record 3, id p3)\ntext:       Je recommande, meilleur service ever 😍\n"
        )),
        "{text}"
    );
    assert!(text.contains("  decision: advocate\n"), "{text}");

    let out = postclass(&[
        "explain",
        "-r",
        SUPPORT,
        "--input",
        POSTS_JSONL,
        "--row",
        "2",
    ]);
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "rulebook:   support 1.0.0\npost:       {POSTS_JSONL}:3 (record 2)\ntext:       Bonjour, quelle heure est-il ?\n"
        )),
        "{text}"
    );

    let out = postclass(&[
        "explain",
        "-r",
        SUPPORT,
        "--input",
        POSTS_JSONL,
        "--id",
        "101",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["source"],
        serde_json::json!({"file": POSTS_JSONL, "line": 1, "row": 1, "id": "101"})
    );
    assert_eq!(doc["text"], "Still no reply after 3 days, fed up");
}

#[test]
fn a_missing_record_is_an_input_error() {
    let out = postclass(&["explain", "-r", SUPPORT, "--input", POSTS_CSV, "--row", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("postclass: error: {POSTS_CSV} has 3 records; there is no record 9\n")
    );
    let out = postclass(&["explain", "-r", SUPPORT, "--input", POSTS_CSV, "--id", "p9"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("postclass: error: {POSTS_CSV}: no record has the id `p9` (3 records read)\n")
    );
}

#[test]
fn the_post_can_come_from_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(["explain", "-r", SUPPORT, "-"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Does anyone know?\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("text:       Does anyone know?\n"), "{text}");
    assert!(text.contains("  decision: passive\n"), "{text}");
}

#[test]
fn explain_needs_a_post_and_a_record_selector() {
    assert_eq!(postclass(&["explain"]).status.code(), Some(2));
    let out = postclass(&["explain", "--input", POSTS_CSV]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--row <N>|--id <ID>"));
    let out = postclass(&["explain", "--row", "1", "some text"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--input <FILE>"));
    let out = postclass(&["explain", "--input", POSTS_CSV, "--row", "1", "some text"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("either as TEXT or with --input, not both"));
}

#[test]
fn rules_show_prints_the_default_rulebook_byte_for_byte() {
    let out = postclass(&["rules", "show"]);
    assert_eq!(out.status.code(), Some(0));
    let file =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/default.toml"))
            .unwrap();
    assert_eq!(out.stdout, file);
}
