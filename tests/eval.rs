//! `postclass eval` end to end on a gold file with known answers.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/classify")
        .join(name)
}

fn eval(extra: &[&str]) -> Output {
    eval_on(&fixture("gold.csv"), extra)
}

fn json() -> serde_json::Value {
    let o = eval(&["--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn close(v: &serde_json::Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
}

// Predictions of the fixture rulebook on gold.csv, worked out by hand:
//   "Fed up with the delivery, again"  cross   (cross-words)         gold cross
//   "I love the app"                   happy                          gold happy
//   "Livraison reçue"                  neutral                        gold neutral
//   "Plain post"                       neutral                        gold cross
//   "love it, encore!"                 cross (tie 1-1, file order)    gold happy
//   "no mood here"                     (no mood reference: skipped for mood)
#[test]
fn one_set_figures_are_exact() {
    let v = json();
    let mood = &v["sets"][0];
    assert_eq!(mood["set"], "mood");
    assert_eq!(mood["posts"], 5);
    close(&mood["accuracy"], 0.6);
    let labels = mood["labels"].as_array().unwrap();
    let by = |id: &str| labels.iter().find(|l| l["label"] == id).unwrap().clone();
    let cross = by("cross");
    close(&cross["precision"], 0.5);
    close(&cross["recall"], 0.5);
    assert_eq!(cross["support"], 2);
    assert_eq!(cross["predicted"], 2);
    let happy = by("happy");
    close(&happy["precision"], 1.0);
    close(&happy["recall"], 0.5);
    close(&happy["f1"], 2.0 / 3.0);
    let neutral = by("neutral");
    close(&neutral["precision"], 0.5);
    close(&neutral["recall"], 1.0);
    close(&mood["macro_f1"], (0.5 + 2.0 / 3.0 + 2.0 / 3.0) / 3.0);
    close(&mood["micro_f1"], 0.6);
    assert_eq!(
        mood["confusion"],
        serde_json::json!([[1, 0, 1], [1, 1, 0], [0, 0, 1]])
    );
    assert_eq!(mood["mistakes"].as_array().unwrap().len(), 2);
}

// topics: "delivery" is given to posts 1 and 3, the reference has it on post 1 only;
// "app" is given to post 2 only, the reference has it on posts 2 and 6.
#[test]
fn many_set_figures_are_exact() {
    let v = json();
    let topics = &v["sets"][1];
    assert_eq!(topics["posts"], 6);
    assert!(topics.get("accuracy").is_none());
    let labels = topics["labels"].as_array().unwrap();
    close(&labels[0]["precision"], 0.5);
    close(&labels[0]["recall"], 1.0);
    close(&labels[1]["precision"], 1.0);
    close(&labels[1]["recall"], 0.5);
    // Pooled: tp 2, predicted 3, support 3.
    close(&topics["micro_f1"], 2.0 / 3.0);
}

#[test]
fn rules_that_hurt_most_come_first() {
    let v = json();
    let rules = v["rules"].as_array().unwrap();
    let first = &rules[0];
    // cross-words (posts 1 and 5, right on 1) and delivery-words (posts 1 and 3, right on 1)
    // each fire wrongly once with the same precision: ties go by rule id.
    assert_eq!(first["rule"], "cross-words");
    assert_eq!(first["coverage"], 2);
    assert_eq!(first["correct"], 1);
    let happy = rules.iter().find(|r| r["rule"] == "happy-words").unwrap();
    assert_eq!(happy["coverage"], 2);
    assert_eq!(happy["correct"], 2);
    assert_eq!(happy["conflicts"], 1, "fired with cross-words on post 5");
}

#[test]
fn fail_under_sets_the_exit_code() {
    let o = eval(&["--fail-under", "mood.accuracy=0.6"]);
    assert_eq!(o.status.code(), Some(0));
    let o = eval(&[
        "--fail-under",
        "mood.accuracy=0.61",
        "--fail-under",
        "topics.app.recall=0.4",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "postclass: eval: mood.accuracy = 0.6000 is under 0.61\n"
    );
    let o = eval(&["--fail-under", "mood.nope=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown metric `mood.nope`"));
    let o = eval(&["--fail-under", "mood.accuracy"]);
    assert_eq!(o.status.code(), Some(2));
}

// mood with --min-support 2: cross (2 posts, recall 0.5, F1 0.5) and happy
// (2 posts, recall 0.5, F1 2/3) count; neutral (1 post) does not.
#[test]
fn supported_figures_leave_out_labels_with_few_posts() {
    let o = eval(&["--format", "json", "--min-support", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &v["sets"][0]["supported"];
    assert_eq!(s["min_support"], 2);
    assert_eq!(s["labels"], serde_json::json!(["cross", "happy"]));
    close(&s["macro_f1"], (0.5 + 2.0 / 3.0) / 2.0);
    assert_eq!(s["lowest_recall"]["label"], "cross", "the first of a tie");
    close(&s["lowest_recall"]["recall"], 0.5);
    // The default (5) counts no label of this small file.
    let d = &json()["sets"][0]["supported"];
    assert_eq!(d["labels"], serde_json::json!([]));
    assert!(d.get("lowest_recall").is_none());

    let text = String::from_utf8(eval(&["--min-support", "2"]).stdout).unwrap();
    assert!(
        text.contains(
            "labels with at least 2 posts (2 of 3): macro-F1 0.583, lowest recall 0.500 (cross)"
        ),
        "{text}"
    );
    let text = String::from_utf8(eval(&[]).stdout).unwrap();
    assert!(
        text.contains("labels with at least 5 posts (0 of 3): none"),
        "{text}"
    );
    let md = String::from_utf8(eval(&["--min-support", "1", "--format", "md"]).stdout).unwrap();
    assert!(
        md.contains("labels with at least 1 post (3 of 3): macro-F1 **0.611**, lowest recall **0.500** (cross)"),
        "{md}"
    );

    let fail = |args: &[&str]| eval(&[&["--min-support", "2"], args].concat());
    let o = fail(&["--fail-under", "mood.lowest_recall=0.5"]);
    assert_eq!(o.status.code(), Some(0));
    let o = fail(&["--fail-under", "mood.lowest_recall=0.51"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "postclass: eval: mood.lowest_recall = 0.5000 is under 0.51\n"
    );
    let o = fail(&["--fail-under", "mood.supported_macro_f1=0.6"]);
    assert_eq!(o.status.code(), Some(1));
    // No label counted: there is no lowest recall to compare.
    let o = eval(&["--fail-under", "mood.lowest_recall=0.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "postclass: error: --fail-under mood.lowest_recall: no label of `mood` has 5 reference \
         posts or more (--min-support)\n"
    );
}

#[test]
fn text_and_markdown_reports() {
    let o = eval(&[]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("macro-F1 0.611  micro-F1 0.600  accuracy 0.600"),
        "{text}"
    );
    assert!(text.contains("expected happy got cross"), "{text}");
    let o = eval(&["--format", "md"]);
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(
        md.contains("| happy | 1.000 | 0.500 | 0.667 | 2 | 1 |"),
        "{md}"
    );
    assert!(
        md.contains("| expected \\ got | cross | happy | neutral |"),
        "{md}"
    );
}

/// `postclass eval` on `gold` with the rulebook `rules`.
fn run_eval(gold: &Path, rules: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postclass"))
        .arg("eval")
        .arg("--gold")
        .arg(gold)
        .arg("--rules")
        .arg(rules)
        .args(extra)
        .output()
        .unwrap()
}

/// `postclass eval` on `gold` with the fixture rulebook.
fn eval_on(gold: &Path, extra: &[&str]) -> Output {
    run_eval(gold, &fixture("rules.toml"), extra)
}

#[test]
fn a_json_array_gold_file_gives_the_figures_of_the_same_posts_in_csv() {
    let o = eval_on(&fixture("gold.json"), &["--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let from_json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(from_json["posts"], 6);
    assert_eq!(from_json, json());
}

#[test]
fn a_bad_gold_record_is_an_error_naming_it() {
    let dir = common::temp_dir("eval-gold");
    let gold = dir.join("gold.csv");
    std::fs::write(
        &gold,
        "text,mood\nI love the app,happy\nFed up, again,cross\n",
    )
    .unwrap();
    let o = eval_on(&gold, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "postclass: error: {}:3: record 2: expected 2 fields as in the header, found 3\n",
            gold.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A copy of gold.csv with a `split` column: rows 3 and 5 `holdout`, the others `tune`.
fn split_gold(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture("gold.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let split = match i {
            0 => "split",
            3 | 5 => "holdout",
            _ => "tune",
        };
        out.push_str(&format!("{line},{split}\n"));
    }
    let path = dir.join("gold-split.csv");
    std::fs::write(&path, out).unwrap();
    path
}

/// The fixture's gold posts as JSON lines, with the split of
/// `split_gold` as a field (rows 3 and 5 held out), so that neighbouring
/// records differ in it.
fn split_gold_jsonl(dir: &Path) -> PathBuf {
    let mut reader = csv::Reader::from_path(fixture("gold.csv")).unwrap();
    let mut out = String::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.unwrap();
        let split = if i == 2 || i == 4 { "holdout" } else { "tune" };
        let record = serde_json::json!({
            "text": &row[0], "mood": &row[1], "topics": &row[2], "split": split,
        });
        out.push_str(&format!("{record}\n"));
    }
    let path = dir.join("gold-split.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn where_selects_json_records_by_their_own_fields() {
    let dir = common::temp_dir("eval-where-json");
    let gold = split_gold_jsonl(&dir);
    let report = |extra: &[&str]| {
        let o = eval_on(&gold, &[&["--format", "json"], extra].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    assert_eq!(report(&[])["posts"], 6);
    assert_eq!(report(&["--where", "split=tune"])["posts"], 4);
    let held = report(&["--where", "split=holdout"]);
    assert_eq!(held["posts"], 2);
    // The same two posts as the CSV file's: one right, one wrong.
    close(&held["sets"][0]["accuracy"], 0.5);
    assert_eq!(report(&["--where", "split!=holdout"])["posts"], 4);

    // A line that is not an object is an input error that names its place,
    // filtered or not.
    let bad = dir.join("bad.jsonl");
    let text = std::fs::read_to_string(&gold).unwrap();
    std::fs::write(&bad, text.replacen('\n', "\n[1, 2]\n", 1)).unwrap();
    let o = eval_on(&bad, &["--where", "split=tune"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.jsonl:2") && err.contains("expected a JSON object"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn where_selects_the_rows_to_measure() {
    let dir = common::temp_dir("eval-where");
    let gold = split_gold(&dir);
    let posts = |extra: &[&str]| {
        let o = eval_on(&gold, &[&["--format", "json"], extra].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["posts"].as_u64().unwrap()
    };
    assert_eq!(posts(&[]), 6);
    assert_eq!(posts(&["--where", "split=tune"]), 4);
    assert_eq!(posts(&["--where", "split!=tune"]), 2);
    assert_eq!(
        posts(&["--where", "split=tune", "--where", "split=holdout"]),
        6
    );
    // Rows 3 and 5 are "Livraison reçue" (right) and "love it, encore!" (wrong).
    let o = eval_on(&gold, &["--format", "json", "--where", "split=holdout"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    close(&v["sets"][0]["accuracy"], 0.5);

    let o = eval_on(&gold, &["--where", "splitt=tune"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no column named `splitt`") && err.contains("split"),
        "{err}"
    );

    let o = eval_on(&gold, &["--where", "split=none"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--where left out all 6 rows"));
    std::fs::remove_dir_all(&dir).ok();
}

/// gold.csv cut in two files: its first two posts, then the four others.
fn gold_in_two(dir: &Path) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(fixture("gold.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = (dir.join("first.csv"), dir.join("rest.csv"));
    std::fs::write(&a, format!("{}\n", lines[..3].join("\n"))).unwrap();
    std::fs::write(&b, format!("{}\n{}\n", lines[0], lines[3..].join("\n"))).unwrap();
    (a, b)
}

#[test]
fn several_gold_files_are_measured_as_one_set_of_posts() {
    let dir = common::temp_dir("eval-two-golds");
    let (a, b) = gold_in_two(&dir);
    let o = eval_on(&a, &["--gold", b.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let both: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(both["posts"], 6);
    assert_eq!(both, json(), "the figures of gold.csv whole");

    // Formats may differ from one file to the next: CSV, then a JSON array.
    let o = eval_on(
        &a,
        &[
            "--gold",
            fixture("gold.json").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["posts"], 8);
}

#[test]
fn among_several_gold_files_the_one_at_fault_is_named() {
    let dir = common::temp_dir("eval-two-golds-bad");
    let (a, _) = gold_in_two(&dir);
    let unlabelled = dir.join("unlabelled.csv");
    std::fs::write(&unlabelled, "text,other\nI love the app,x\n").unwrap();
    let o = eval_on(&a, &["--gold", unlabelled.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}: no column holds reference labels",
            unlabelled.display()
        )),
        "{err}"
    );

    // `--where` holds for every file: one without its field is named.
    let split = split_gold(&dir);
    let o = eval_on(
        &split,
        &["--gold", a.to_str().unwrap(), "--where", "split=tune"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}: --where: no column named `split`",
            a.display()
        )),
        "{err}"
    );
}

/// The fixture rulebook with a `happy` rule that never fires: "I love the
/// app" is then `neutral`, a mistake the fixture rulebook does not make.
fn weaker_rulebook(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture("rules.toml")).unwrap();
    let weaker = text.replace(r#"any = ["love", "génial"]"#, r#"any = ["adoration"]"#);
    assert_ne!(weaker, text);
    let path = dir.join("weaker.toml");
    std::fs::write(&path, weaker).unwrap();
    path
}

/// `postclass eval` on the fixture's gold file with the rulebook `rules`.
fn eval_with(rules: &Path, extra: &[&str]) -> Output {
    run_eval(&fixture("gold.csv"), rules, extra)
}

#[test]
fn a_baseline_comparison_gives_each_figure_and_the_posts_fixed_and_broken() {
    let dir = common::temp_dir("eval-baseline");
    let weaker = weaker_rulebook(&dir);
    let o = eval_with(
        &fixture("rules.toml"),
        &["--baseline", weaker.to_str().unwrap(), "--format", "json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The evaluation itself is the one without a baseline.
    let mut without = v.clone();
    without.as_object_mut().unwrap().remove("baseline");
    assert_eq!(without, json());
    let b = &v["baseline"];
    assert_eq!(b["rulebook"], weaker.to_str().unwrap());
    let mood = &b["sets"][0];
    assert_eq!(mood["set"], "mood");
    assert_eq!(
        (mood["fixed"].as_u64(), mood["broken"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(mood["fixed_posts"][0]["text"], "I love the app");
    assert_eq!(mood["fixed_posts"][0]["baseline"][0], "neutral");
    assert_eq!(mood["fixed_posts"][0]["current"][0], "happy");
    let accuracy = mood["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["figure"] == "accuracy")
        .unwrap();
    close(&accuracy["baseline"], 0.4);
    close(&accuracy["current"], 0.6);
    assert_eq!(b["sets"][1]["fixed"], 0, "no topic changes");

    for (format, wants) in [
        (
            "text",
            ["== against the baseline", "1 fixed, 0 broken", "+0.200"],
        ),
        (
            "md",
            [
                "## Against the baseline",
                "1 fixed, 0 broken",
                "| accuracy | 0.400 | 0.600 | +0.200 |",
            ],
        ),
    ] {
        let o = eval_with(
            &fixture("rules.toml"),
            &["--baseline", weaker.to_str().unwrap(), "--format", format],
        );
        let out = String::from_utf8_lossy(&o.stdout);
        for want in wants {
            assert!(out.contains(want), "{format}: no {want:?} in\n{out}");
        }
        assert!(out.contains("I love the app"), "{out}");
    }
}

#[test]
fn fail_below_baseline_sets_the_exit_code() {
    let dir = common::temp_dir("eval-baseline-fail");
    let weaker = weaker_rulebook(&dir);
    let fixture_rules = fixture("rules.toml");
    let metric = ["--fail-below-baseline", "mood.accuracy"];
    // The weaker rulebook measured against the fixture's: a step back.
    let o = eval_with(
        &weaker,
        &[
            &["--baseline", fixture_rules.to_str().unwrap()][..],
            &metric,
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("mood.accuracy = 0.4000 is below the baseline's 0.6000"),
        "{err}"
    );
    // The other way round, and against itself: no step back.
    let o = eval_with(
        &fixture_rules,
        &[&["--baseline", weaker.to_str().unwrap()][..], &metric].concat(),
    );
    assert_eq!(o.status.code(), Some(0));
    let o = eval_with(
        &fixture_rules,
        &[
            &["--baseline", fixture_rules.to_str().unwrap()][..],
            &metric,
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(0));

    let o = eval_with(
        &fixture_rules,
        &[
            "--baseline",
            weaker.to_str().unwrap(),
            "--fail-below-baseline",
            "mood.nope",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = eval_with(&fixture_rules, &metric);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--fail-below-baseline needs --baseline"
    );
}

#[test]
fn a_baseline_with_other_sets_is_refused() {
    let o = eval_with(&fixture("rules.toml"), &["--baseline", "default"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--baseline default: its sets (customer_type, traits) are not those of the rulebook measured (mood, topics)"),
        "{err}"
    );
}

#[test]
fn the_default_rulebook_against_itself_changes_nothing() {
    let o = common::postclass(&[
        "eval",
        "--gold",
        "tests/fixtures/validation/en.csv",
        "--baseline",
        "default",
        "--format",
        "json",
        "--worst",
        "0",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for set in v["baseline"]["sets"].as_array().unwrap() {
        assert_eq!(
            (
                set["fixed"].as_u64(),
                set["broken"].as_u64(),
                set["other"].as_u64()
            ),
            (Some(0), Some(0), Some(0))
        );
        for f in set["figures"].as_array().unwrap() {
            assert_eq!(f["baseline"], f["current"], "{f}");
        }
    }
}

/// The sets of a JSON report without their mistakes, which `--by` does not list.
fn sets_without_mistakes(report: &serde_json::Value) -> serde_json::Value {
    let mut sets = report["sets"].clone();
    for s in sets.as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("mistakes");
    }
    sets
}

#[test]
fn by_gives_each_group_the_figures_of_its_posts_alone() {
    let dir = common::temp_dir("eval-by");
    let csv = split_gold(&dir);
    let jsonl = split_gold_jsonl(&dir);
    for gold in [&csv, &jsonl] {
        let report = |extra: &[&str]| {
            let o = eval_on(gold, &[&["--format", "json"], extra].concat());
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
        };
        let all = report(&["--by", "split"]);
        assert_eq!(
            sets_without_mistakes(&all),
            sets_without_mistakes(&report(&[])),
            "the figures of all posts stay as they are"
        );
        let by = &all["by"][0];
        assert_eq!(by["by"], serde_json::json!(["split"]));
        let groups = by["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 2);
        for (group, split) in groups.iter().zip(["holdout", "tune"]) {
            assert_eq!(group["values"], serde_json::json!([split]));
            let alone = report(&["--where", &format!("split={split}")]);
            assert_eq!(group["posts"], alone["posts"]);
            let mut sets = sets_without_mistakes(&alone);
            for s in sets.as_array_mut().unwrap() {
                s["mistakes"] = serde_json::json!([]);
            }
            assert_eq!(group["sets"], sets, "{gold:?}, split {split}");
        }
        // Rows 3 and 5 (held out): one right, one wrong.
        close(&groups[0]["sets"][0]["accuracy"], 0.5);
        // No --by: no `by` in the report.
        assert!(report(&[]).get("by").is_none());
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn by_file_and_a_field_groups_by_both() {
    let dir = common::temp_dir("eval-by-file");
    let (a, b) = gold_in_two(&dir);
    let args = |format: &str| {
        vec![
            "--gold".to_string(),
            b.display().to_string(),
            "--by".into(),
            "file,mood".into(),
            "--by".into(),
            "file".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |format: &str| {
        let args = args(format);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = eval_on(&a, &refs);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    let v: serde_json::Value = serde_json::from_slice(&run("json")).unwrap();
    let file_alone = |path: &Path| {
        let o = eval_on(path, &["--format", "json"]);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let by_file = v["by"][1]["groups"].as_array().unwrap();
    assert_eq!(by_file.len(), 2);
    for (group, path) in by_file.iter().zip([&a, &b]) {
        assert_eq!(group["values"][0], path.display().to_string());
        assert_eq!(group["posts"], file_alone(path)["posts"]);
        close(
            &group["sets"][0]["accuracy"],
            file_alone(path)["sets"][0]["accuracy"].as_f64().unwrap(),
        );
    }
    // By file and mood: the first file's posts are one cross, one happy;
    // the second's one neutral, one cross, one happy and one with no mood.
    let pairs: Vec<(String, Option<String>)> = v["by"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let file = g["values"][0].as_str().unwrap();
            let name = Path::new(file).file_name().unwrap().to_string_lossy();
            (name.into_owned(), g["values"][1].as_str().map(String::from))
        })
        .collect();
    let some = |f: &str, m: &str| (f.to_string(), Some(m.to_string()));
    let mut want = vec![
        some("first.csv", "cross"),
        some("first.csv", "happy"),
        some("rest.csv", "cross"),
        some("rest.csv", "happy"),
        some("rest.csv", "neutral"),
        ("rest.csv".to_string(), None),
    ];
    want.sort();
    let mut got = pairs.clone();
    got.sort();
    assert_eq!(got, want);

    // The text and Markdown reports name each group.
    let text = String::from_utf8(run("text")).unwrap();
    assert!(text.contains("== mood by file, mood"), "{text}");
    assert!(text.contains("== topics by file"), "{text}");
    assert!(text.contains(", (none)"), "{text}");
    let md = String::from_utf8(run("md")).unwrap();
    assert!(md.contains("## mood by file\n"), "{md}");
    assert!(md.contains("| file | posts | accuracy |"), "{md}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn by_a_field_a_file_lacks_is_an_error_naming_it() {
    let dir = common::temp_dir("eval-by-missing");
    let gold = split_gold(&dir);
    let o = eval_on(&gold, &["--by", "splitt"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("gold-split.csv: --by: no column named `splitt`") && err.contains("split"),
        "{err}"
    );
    let o = eval_on(&gold, &["--by", "split,"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn by_lang_groups_posts_by_their_given_or_detected_language() {
    let dir = common::temp_dir("eval-by-lang");
    let gold = dir.join("gold.csv");
    std::fs::write(
        &gold,
        "text,mood,lang\n\
         \"Fed up with the delivery, again and again, nobody answers the phone\",cross,\n\
         \"I love the app, it is the best thing that happened to my week\",happy,\n\
         \"Livraison reçue\",neutral,fr\n\
         \"love it, encore!\",happy,fr\n",
    )
    .unwrap();
    let o = eval_on(&gold, &["--by", "lang", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let groups = v["by"][0]["groups"].as_array().unwrap();
    let got: Vec<(String, u64)> = groups
        .iter()
        .map(|g| {
            (
                g["values"][0].as_str().unwrap().to_string(),
                g["posts"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("en".to_string(), 2), ("fr".to_string(), 2)]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn by_with_a_baseline_measures_each_group_with_both_rulebooks() {
    let dir = common::temp_dir("eval-by-baseline");
    let gold = split_gold(&dir);
    let weaker = weaker_rulebook(&dir);
    let by_split = |rules: &Path, extra: &[&str]| {
        let o = run_eval(&gold, rules, &[&["--by", "split"], extra].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    let json = |out: Vec<u8>| serde_json::from_slice::<serde_json::Value>(&out).unwrap();
    let both = json(by_split(
        &fixture("rules.toml"),
        &["--baseline", weaker.to_str().unwrap(), "--format", "json"],
    ));
    let alone = |rules: &Path| json(by_split(rules, &["--format", "json"]))["by"][0].clone();
    assert_eq!(
        both["by"][0]["groups"],
        alone(&fixture("rules.toml"))["groups"]
    );
    assert_eq!(both["by"][0]["baseline"], alone(&weaker)["groups"]);
    assert!(alone(&weaker).get("baseline").is_none());

    // The held-out rows fare the same with both; "I love the app", a tune
    // row, is right only with the fixture rulebook: 2 of 3 against 1 of 3.
    let text = String::from_utf8(by_split(
        &fixture("rules.toml"),
        &["--baseline", weaker.to_str().unwrap()],
    ))
    .unwrap();
    let table = text
        .split("== mood by split, against the baseline")
        .nth(1)
        .unwrap_or_else(|| panic!("no comparison table in\n{text}"));
    let row = |group: &str| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(group))
            .unwrap_or_else(|| panic!("no row {group} in\n{table}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("holdout")[1..5], ["2", "0.500", "0.500", "0"]);
    assert_eq!(row("tune")[1..5], ["3", "0.333", "0.667", "+0.333"]);
    let md = String::from_utf8(by_split(
        &fixture("rules.toml"),
        &["--baseline", weaker.to_str().unwrap(), "--format", "md"],
    ))
    .unwrap();
    assert!(md.contains("| tune | 3 | 0.333 | 0.667 | +0.333 |"), "{md}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_threshold_may_name_a_group_of_posts() {
    let dir = common::temp_dir("eval-group-threshold");
    let gold = split_gold(&dir);
    // Held out: "Livraison reçue" right, "love it, encore!" wrong (0.5);
    // tune: 2 of 3 moods right.
    let o = eval_on(&gold, &["--fail-under", "split=holdout:mood.accuracy=0.6"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("split=holdout:mood.accuracy = 0.5000 is under 0.6"),
        "{err}"
    );
    // The group's table is in the report, though --by did not ask for it.
    assert!(String::from_utf8_lossy(&o.stdout).contains("== mood by split"));
    let o = eval_on(
        &gold,
        &[
            "--fail-under",
            "split=holdout:mood.accuracy=0.5",
            "--fail-under",
            "split=tune:mood.accuracy=0.66",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // With --by split asked for as well: the same figure, one table.
    let o = eval_on(
        &gold,
        &[
            "--by",
            "split",
            "--fail-under",
            "split=tune:mood.accuracy=0.67",
        ],
    );
    assert_eq!(o.status.code(), Some(1));

    // A group with no post, or a malformed one, is an error of the command.
    let o = eval_on(&gold, &["--fail-under", "split=nope:mood.accuracy=0.1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("split=nope:mood.accuracy: no post"), "{err}");
    let o = eval_on(&gold, &["--fail-under", "holdout:mood.accuracy=0.1"]);
    assert_eq!(o.status.code(), Some(2));

    // Against a baseline: the weaker rulebook loses a tune row only.
    let weaker = weaker_rulebook(&dir);
    let below = |rules: &Path, base: &Path, metric: &str| {
        let o = run_eval(
            &gold,
            rules,
            &[
                "--baseline",
                base.to_str().unwrap(),
                "--fail-below-baseline",
                metric,
            ],
        );
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = below(&weaker, &fixture("rules.toml"), "split=tune:mood.accuracy");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("split=tune:mood.accuracy = 0.3333 is below the baseline's 0.6667"),
        "{err}"
    );
    let (code, err) = below(
        &weaker,
        &fixture("rules.toml"),
        "split=holdout:mood.accuracy",
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = below(&fixture("rules.toml"), &weaker, "split=tune:mood.accuracy");
    assert_eq!(code, Some(0), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn blind_rows_count_in_the_figures_and_are_never_listed() {
    let dir = common::temp_dir("eval-blind");
    let gold = split_gold(&dir);
    let report = |rules: &Path, extra: &[&str]| {
        let o = run_eval(&gold, rules, &[&["--format", "json"], extra].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let texts = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_string())
            .collect()
    };
    let rules = fixture("rules.toml");
    let all = report(&rules, &[]);
    let blind = report(&rules, &["--blind", "split=holdout"]);
    // "love it, encore!" is a held-out row; "Plain post" a tune row.
    assert_eq!(
        texts(&all["sets"][0]["mistakes"]),
        ["love it, encore!", "Plain post"]
    );
    assert_eq!(texts(&blind["sets"][0]["mistakes"]), ["Plain post"]);
    assert_eq!(
        sets_without_mistakes(&blind),
        sets_without_mistakes(&all),
        "every figure as without --blind"
    );
    let text = run_eval(&gold, &rules, &["--blind", "split=holdout"]);
    assert!(!String::from_utf8_lossy(&text.stdout).contains("encore"));

    // Against a baseline: "I love the app" (a tune row) is fixed, counted
    // and not listed when the tune rows are blind.
    let weaker = weaker_rulebook(&dir);
    let base = ["--baseline", weaker.to_str().unwrap()];
    let listed = report(&rules, &base);
    assert_eq!(
        texts(&listed["baseline"]["sets"][0]["fixed_posts"]),
        ["I love the app"]
    );
    let hidden = report(&rules, &[&base[..], &["--blind", "split=tune"]].concat());
    let mood = &hidden["baseline"]["sets"][0];
    assert_eq!(mood["fixed"], 1);
    assert!(texts(&mood["fixed_posts"]).is_empty());

    let o = run_eval(&gold, &rules, &["--blind", "splitt=holdout"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--blind: no column named `splitt`"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
