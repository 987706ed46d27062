//! `postclass triage`: the rows to handle first.

use std::process::{Command, Output};

const RULES: &str = "tests/fixtures/weekly/rules.toml";
const POSTS: &str = "tests/fixtures/weekly/posts.csv";

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
        "id,created_at,author,lang,text,customer_type,customer_type_score,traits,priority,action,matched_rules\n"
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
    let dir = std::env::temp_dir().join(format!("postclass-triage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
