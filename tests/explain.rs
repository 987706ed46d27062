//! `postclass explain` and `postclass rules show`.

use std::io::Write;
use std::process::{Command, Stdio};

mod common;
use common::{postclass, stderr, stdout};

const SUPPORT: &str = "tests/fixtures/rulebooks/support.toml";
const POSTS_CSV: &str = "tests/fixtures/posts/posts.csv";
const POSTS_JSONL: &str = "tests/fixtures/posts/posts.jsonl";

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
language:   en (detected)

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
language:   und (detected): undetermined, classified like any post

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

#[test]
fn explains_a_record_of_a_json_array_by_row_and_by_id() {
    let array = "tests/fixtures/posts/posts.json";
    let out = postclass(&["explain", "-r", SUPPORT, "--input", array, "--row", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "rulebook:   support 1.0.0\npost:       {array}:6 (record 2)\ntext:       Encore une coupure internet, j'en ai marre !!!\n"
        )),
        "{text}"
    );
    assert!(text.contains("  decision: angry\n"), "{text}");

    let out = postclass(&[
        "explain", "-r", SUPPORT, "--input", array, "--id", "a1", "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["source"],
        serde_json::json!({"file": array, "line": 2, "row": 1, "id": "a1"})
    );
    assert_eq!(
        doc["text"],
        "Does anyone know a good tutorial for this router?"
    );
}

#[test]
fn a_preset_export_gives_its_text_and_id() {
    // A Mastodon API array: the preset is detected, its `id` is what --id
    // looks for, and the HTML content is read as text (`&nbsp;` a no-break space).
    let statuses = "tests/fixtures/formats/mastodon/statuses.json";
    let out = postclass(&[
        "explain",
        "-r",
        SUPPORT,
        "--input",
        statuses,
        "--id",
        "111958000000000001",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "rulebook:   support 1.0.0\npost:       {statuses}:2 (record 1, id 111958000000000001)\n\
             text:       Bonjour @tom, l'appli de la médiathèque ne marche plus depuis hier\u{a0}:\\n\\n<erreur 503> & page blanche.\\nUne idée\u{a0}?\n"
        )),
        "{text}"
    );
    // Forced, the preset reads the same.
    let forced = postclass(&[
        "explain", "-r", SUPPORT, "--input", statuses, "--preset", "mastodon", "--row", "1",
    ]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(stdout(&forced).contains("<erreur 503> & page blanche"));
}

#[test]
fn input_is_read_with_its_encoding_and_delimiter() {
    let latin1 = "tests/bad_input/latin1.csv";
    let out = postclass(&["explain", "-r", SUPPORT, "--input", latin1, "--row", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!(
            "postclass: error: {latin1}:2: record 1, field `text`: invalid UTF-8: byte 0xE9"
        )),
        "{}",
        stderr(&out)
    );
    let out = postclass(&[
        "explain",
        "-r",
        SUPPORT,
        "--input",
        latin1,
        "--row",
        "1",
        "--encoding",
        "latin1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\ntext:       déjà vu\n"));

    let dir = common::temp_dir("explain-delimiter");
    let semicolons = dir.join("posts.csv");
    std::fs::write(&semicolons, "id;text\nx1;fed up, again\n").unwrap();
    let path = semicolons.to_str().unwrap();
    let out = postclass(&["explain", "-r", SUPPORT, "--input", path, "--id", "x1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot find the text column"));
    let out = postclass(&[
        "explain", "-r", SUPPORT, "--input", path, "--id", "x1", "-d", ";",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\ntext:       fed up, again\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_record_searched_for_is_an_error_naming_it() {
    let dir = common::temp_dir("explain-bad");
    let posts = dir.join("posts.jsonl");
    std::fs::write(
        &posts,
        "{\"id\":\"1\",\"text\":\"fed up\"}\n{\"id\":\"2\",\"text\":\n{\"id\":\"3\",\"body\":\"x\"}\n",
    )
    .unwrap();
    let path = posts.to_str().unwrap();
    let out = postclass(&["explain", "-r", SUPPORT, "--input", path, "--row", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("postclass: error: {path}:2: record 2: invalid JSON: EOF while parsing a value at line 1 column 17\n")
    );
    let out = postclass(&["explain", "-r", SUPPORT, "--input", path, "--row", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("postclass: error: {path}:3: record 3, field `text`: missing or null; expected a string\n")
    );
    // Records before the one asked for by row are not checked.
    let out = postclass(&["explain", "-r", SUPPORT, "--input", path, "--row", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}
