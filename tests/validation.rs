//! The default rulebook on real posts it was never tuned on: the files of
//! `tests/fixtures/validation/`, labelled with the labelling guide and kept
//! out of every rule's making and of the posts its lexicon is learned from
//! (tests/lexicon.rs checks that). The floors sit a little under the
//! rulebook's figures (rules/CHANGELOG.md, 2.6.0), so that a change which
//! only fits the tuned posts, and loses on others, fails here.

use std::collections::HashSet;

use serde_json::Value;

mod common;
use common::postclass_ok;

const FRENCH: &str = "tests/fixtures/validation/fr.csv";
const ENGLISH: &str = "tests/fixtures/validation/en.csv";

/// The figures `eval` gives the default rulebook on `gold`.
struct Figures {
    accuracy: f64,
    /// Macro-F1 over the labels with at least 5 posts.
    supported_macro_f1: f64,
    traits_micro_f1: f64,
}

fn figures(gold: &str) -> Figures {
    let out = postclass_ok(&["eval", "--gold", gold, "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let set = |id: &str| {
        report["sets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["set"] == id)
            .unwrap_or_else(|| panic!("no set {id} in the report of {gold}"))
            .clone()
    };
    let types = set("customer_type");
    let traits = set("traits");
    Figures {
        accuracy: types["accuracy"].as_f64().unwrap(),
        supported_macro_f1: types["supported"]["macro_f1"].as_f64().unwrap(),
        traits_micro_f1: traits["micro_f1"].as_f64().unwrap(),
    }
}

/// The `text` field of every row of a CSV file.
fn texts(path: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "text")
        .unwrap_or_else(|| panic!("{path}: no text column"));
    reader
        .records()
        .map(|r| r.unwrap()[column].to_string())
        .collect()
}

/// Checks the default rulebook's figures on `gold` against its floors:
/// accuracy, macro-F1 over the labels with 5 posts or more, traits micro-F1.
fn holds_up(gold: &str, floors: [f64; 3]) {
    let f = figures(gold);
    let got = [f.accuracy, f.supported_macro_f1, f.traits_micro_f1];
    for ((name, value), floor) in [
        "accuracy",
        "macro-F1 (labels with 5 posts or more)",
        "traits micro-F1",
    ]
    .iter()
    .zip(got)
    .zip(floors)
    {
        assert!(value >= floor, "{gold}: {name} {value:.3}, under {floor}");
    }
}

#[test]
fn the_default_rulebook_holds_up_on_french_posts_it_was_not_tuned_on() {
    holds_up(FRENCH, [0.76, 0.49, 0.65]);
}

#[test]
fn the_default_rulebook_holds_up_on_english_posts_it_was_not_tuned_on() {
    holds_up(ENGLISH, [0.78, 0.70, 0.65]);
}

/// A validation post copied into a case file would be tuned on: the case
/// files must pass, so the rules would be made to fit it.
#[test]
fn no_validation_post_is_in_a_case_file() {
    let validation: Vec<String> = [FRENCH, ENGLISH].iter().flat_map(|f| texts(f)).collect();
    let unique: HashSet<&String> = validation.iter().collect();
    assert_eq!(unique.len(), validation.len(), "a post is there twice");
    assert!(validation.len() >= 594, "only {} posts", validation.len());
    let mut cases = 0;
    for entry in std::fs::read_dir("tests/cases").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            for text in texts(path.to_str().unwrap()) {
                cases += 1;
                assert!(
                    !unique.contains(&text),
                    "{} has a validation post: {text}",
                    path.display()
                );
            }
        }
    }
    assert!(cases > 1000, "only {cases} case posts read");
}
