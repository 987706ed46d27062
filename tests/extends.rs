//! Rulebooks that build on others: `extends`, `[[override]]`, `disable`,
//! and what `check`, `test`, `explain`, `classify` and `rules show
//! --resolved` make of a chain.

use std::fs;
use std::path::Path;

mod common;
use common::{postclass, postclass_ok, stdout, temp_dir};

const DIR: &str = "tests/fixtures/extends";
const TOP: &str = "tests/fixtures/extends/top.toml";
const SINGLE: &str = "tests/fixtures/extends/single.toml";
const POSTS: &str = "tests/fixtures/extends/posts.csv";
const BRAND: &str = "examples/brand.toml";

/// The rows `classify` writes for the fixture posts with `rules`.
fn classify(rules: &str) -> String {
    stdout(&postclass_ok(&["classify", "--rules", rules, POSTS]))
}

/// The row of post `id`, as `field=value` pairs of the header.
fn row(rules: &str, id: &str) -> Vec<(String, String)> {
    let text = classify(rules);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for r in reader.records() {
        let r = r.unwrap();
        if &r[0] == id {
            return header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect();
        }
    }
    panic!("no post {id}");
}

fn field(row: &[(String, String)], name: &str) -> String {
    row.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no field {name}"))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The fixture base, by absolute path, for rulebooks written in a temporary
/// directory.
fn base() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(DIR)
        .join("base.toml")
        .display()
        .to_string()
}

#[test]
fn a_chain_of_three_files_labels_like_the_equivalent_single_file() {
    let chain = classify(TOP);
    assert_eq!(chain, classify(SINGLE));
    // Not a vacuous comparison: every set of the chain gives labels.
    assert!(chain.contains(",angry,") && chain.contains(",question,"));
    assert!(chain.contains("urgent") && chain.contains(",app,"));
}

#[test]
fn the_summary_of_a_chain_counts_like_the_single_file_and_names_rule_files() {
    let summary = |rules: &str| {
        let out = postclass_ok(&[
            "classify",
            "--rules",
            rules,
            POSTS,
            "--summary-only",
            "--summary",
            "-",
        ]);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (chain, single) = (summary(TOP), summary(SINGLE));
    assert_eq!(chain["sets"], single["sets"]);
    let rules = chain["rules"].as_array().unwrap();
    let file_of = |id: &str| {
        rules.iter().find(|r| r["id"] == id).unwrap()["file"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(file_of("angry-fed-up"), format!("{DIR}/base.toml"));
    assert_eq!(file_of("angry-refund"), format!("{DIR}/mid.toml"));
    assert_eq!(file_of("app-mention"), TOP);
    // A single file names no file.
    assert!(single["rules"][0].get("file").is_none());
}

#[test]
fn the_resolved_chain_is_one_file_that_labels_the_same() {
    let text = stdout(&postclass_ok(&["rules", "show", "--resolved", TOP]));
    assert!(
        text.contains("# from tests/fixtures/extends/base.toml\n[[set.label.rule]]\nid = \"angry-fed-up\"\nweight = 2.0\nany = [\"fed up\", \"sick of\"]\n"),
        "{text}"
    );
    assert!(text.contains(
        "# from tests/fixtures/extends/mid.toml\n[[set.label.rule]]\nid = \"angry-refund\""
    ));
    assert!(text.contains("# from tests/fixtures/extends/top.toml\n[[set.label]]\nid = \"app\""));
    assert!(!text.contains("praise-thanks") && !text.contains("polite"));
    let dir = temp_dir("resolved");
    let one = write(&dir, "resolved.toml", &text);
    let out = postclass(&["check", "--deny-warnings", &one]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(classify(&one), classify(TOP));
}

#[test]
fn a_rule_added_to_a_base_label_votes_for_it() {
    let r = row(SINGLE, "2");
    assert_eq!(field(&r, "customer_type"), "angry");
    let r = row(TOP, "2");
    assert_eq!(field(&r, "customer_type"), "angry");
    assert!(field(&r, "matched_rules").contains("angry-refund"));
}

#[test]
fn an_override_changes_a_weight_and_appends_phrases() {
    // `weight = 2.0` and `add_any = ["sick of"]` on angry-fed-up.
    let r = row(TOP, "1");
    assert_eq!(field(&r, "customer_type_score"), "2");
    let r = row(TOP, "2");
    assert!(field(&r, "matched_rules").starts_with("angry-fed-up;"));
}

#[test]
fn an_override_replaces_phrases_and_a_step_turned_on_applies_to_base_phrases() {
    // `any` replaced with "genial" added; accent folding turned on by top.toml.
    let r = row(TOP, "4");
    assert_eq!(field(&r, "customer_type"), "praise");
    assert_eq!(field(&r, "matched_rules"), "praise-love");
}

#[test]
fn a_disabled_rule_never_fires() {
    let r = row(TOP, "8");
    assert_eq!(field(&r, "customer_type"), "other");
    assert_eq!(field(&r, "matched_rules"), "");
}

#[test]
fn a_disabled_label_is_gone_with_its_rules() {
    let r = row(TOP, "5");
    assert_eq!(field(&r, "traits"), "urgent");
    assert!(!classify(TOP).contains("polite"));
}

#[test]
fn an_overridden_label_threshold_applies() {
    // angry-refund alone scores 1, under angry's new threshold of 1.5.
    let r = row(TOP, "6");
    assert_eq!(field(&r, "customer_type"), "other");
    assert_eq!(field(&r, "matched_rules"), "angry-refund");
}

#[test]
fn new_labels_and_sets_are_added() {
    let r = row(TOP, "5");
    assert_eq!(field(&r, "customer_type"), "question");
    let r = row(TOP, "9");
    assert_eq!(field(&r, "channel"), "app");
}

#[test]
fn an_overridden_tie_break_decides_ties() {
    let dir = temp_dir("tie-break");
    let tie = |order: &str| {
        let top = write(
            &dir,
            "tie.toml",
            &format!(
                "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [{:?}]\n\n[[override]]\nset = \"customer_type\"\ntie_break = [{order}]\n\n[[override]]\nrule = \"angry-fed-up\"\nweight = 1.0\n",
                base()
            ),
        );
        let out = postclass_ok(&["explain", "--rules", &top, "fed up, love it"]);
        let text = stdout(&out);
        // The score table's row of the label given.
        text.lines()
            .find(|l| l.ends_with("given") && !l.contains("not"))
            .unwrap_or_else(|| panic!("{text}"))
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(tie("\"praise\", \"angry\""), "praise");
    assert_eq!(tie("\"angry\", \"praise\""), "angry");
}

#[test]
fn explain_names_the_file_of_each_rule_of_a_chain() {
    let out = postclass_ok(&["explain", "--rules", TOP, "I am fed up with this app"]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "  angry-fed-up  ->  customer_type = angry (+2)  [tests/fixtures/extends/base.toml]\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  app-mention  ->  channel = app (+1)  [tests/fixtures/extends/top.toml]\n")
    );
    let single = stdout(&postclass_ok(&[
        "explain",
        "--rules",
        SINGLE,
        "I am fed up",
    ]));
    assert!(!single.contains("  ["), "{single}");
}

#[test]
fn a_shared_base_is_applied_once_and_identical_definitions_agree() {
    let dir = temp_dir("diamond");
    let side = |name: &str, extra: &str| {
        write(
            &dir,
            name,
            &format!(
                "[rulebook]\nname = \"{name}\"\nversion = \"1\"\nextends = [{:?}]\n{extra}",
                base()
            ),
        )
    };
    // Both sides define the same rule, identically.
    let same = "\n[[set]]\nid = \"traits\"\nmode = \"many\"\n\n[[set.label]]\nid = \"urgent\"\n\n[[set.label.rule]]\nid = \"urgent-today\"\nany = [\"today\"]\n";
    side("left.toml", same);
    side("right.toml", same);
    let top = write(
        &dir,
        "both.toml",
        "[rulebook]\nname = \"both\"\nversion = \"1\"\nextends = [\"left.toml\", \"right.toml\"]\n",
    );
    let out = postclass(&["check", "--deny-warnings", &top]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let resolved = stdout(&postclass_ok(&["rules", "show", "--resolved", &top]));
    assert_eq!(resolved.matches("id = \"urgent-today\"").count(), 1);
    assert_eq!(resolved.matches("id = \"angry-fed-up\"").count(), 1);
}

#[test]
fn a_redefined_rule_is_an_error_in_the_file_that_redefines_it() {
    let dir = temp_dir("redefine");
    let top = write(
        &dir,
        "top.toml",
        &format!(
            "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [{:?}]\n\n[[set]]\nid = \"customer_type\"\nmode = \"one\"\n\n[[set.label]]\nid = \"angry\"\n\n[[set.label.rule]]\nid = \"angry-fed-up\"\nany = [\"sick of\"]\n",
            base()
        ),
    );
    let out = postclass(&["check", &top]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("{top}:14:6: error[E028]: rule `angry-fed-up` is already defined, differently, at {} line 22, column 6\n", base())),
        "{text}"
    );
}

#[test]
fn a_label_opened_with_another_field_or_a_set_with_another_mode_is_an_error() {
    let dir = temp_dir("reopen");
    let top = write(
        &dir,
        "top.toml",
        &format!(
            "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [{:?}]\n\n[[set]]\nid = \"traits\"\nmode = \"one\"\n\n[[set.label]]\nid = \"urgent\"\n\n[[set]]\nid = \"customer_type\"\nmode = \"one\"\n\n[[set.label]]\nid = \"angry\"\nthreshold = 3.0\n",
            base()
        ),
    );
    let out = postclass(&["check", "--format", "json", &top]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ds = doc["rulebooks"][0]["diagnostics"].as_array().unwrap();
    let found: Vec<(String, u64, String)> = ds
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, "E028");
    assert_eq!(found[0].1, 7);
    assert!(found[0].2.contains("another `mode`"), "{found:?}");
    assert_eq!(found[1].1, 19);
    assert!(found[1].2.contains("another `threshold`"), "{found:?}");
}

#[test]
fn an_error_in_a_base_names_the_base_in_every_format() {
    let dir = temp_dir("error-in-base");
    write(
        &dir,
        "base.toml",
        "[rulebook]\nname = \"b\"\nversion = \"1\"\n\n[[set]]\nid = \"s\"\nmode = \"many\"\n\n[[set.label]]\nid = \"l\"\n\n[[set.label.rule]]\nid = \"r\"\nregex = ['(unclosed']\n",
    );
    let top = write(
        &dir,
        "top.toml",
        "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [\"base.toml\"]\n",
    );
    let base = dir.join("base.toml").display().to_string();
    let human = stdout(&postclass(&["check", &top]));
    assert!(
        human.starts_with(&format!("{base}:14:11: error[E008]")),
        "{human}"
    );
    assert!(
        human.contains(&format!("{top}: 1 error, 0 warnings")),
        "{human}"
    );
    let github = stdout(&postclass(&["check", "--format", "github", &top]));
    assert!(
        github.starts_with(&format!(
            "::error file={},line=14,col=11,",
            base.replace(':', "%3A").replace(',', "%2C")
        )),
        "{github}"
    );
    let json = postclass(&["check", "--format", "json", &top]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let d = &doc["rulebooks"][0]["diagnostics"][0];
    assert_eq!(d["file"], base.as_str());
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(14), Some(11))
    );
    assert_eq!(d["source_line"], "regex = ['(unclosed']");
}

#[test]
fn an_override_in_the_file_without_extends_names_nothing() {
    let dir = temp_dir("lone-override");
    let top = write(
        &dir,
        "top.toml",
        "[rulebook]\nname = \"t\"\nversion = \"1\"\n\n[[set]]\nid = \"s\"\nmode = \"many\"\n\n[[set.label]]\nid = \"l\"\n\n[[set.label.rule]]\nid = \"r\"\nany = [\"x\"]\n\n[[override]]\nlabel = \"nowhere\"\ntitle = \"T\"\n",
    );
    let out = postclass(&["check", &top]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with(&format!(
            "{top}:17:9: error[E026]: no rulebook of the chain defines a label `nowhere`"
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn test_runs_the_examples_and_case_files_of_every_file_and_names_the_file() {
    let dir = temp_dir("test-chain");
    write(
        &dir,
        "cases.csv",
        "text,customer_type\nI love it,praise\nfed up again,angry\n",
    );
    write(
        &dir,
        "mid.toml",
        &format!(
            "[rulebook]\nname = \"m\"\nversion = \"1\"\nextends = [{:?}]\ncases = [\"cases.csv\"]\n",
            base()
        ),
    );
    let top = write(
        &dir,
        "top.toml",
        "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [\"mid.toml\"]\n\n[[override]]\nrule = \"angry-fed-up\"\nany = [\"sick of\"]\n",
    );
    let out = postclass(&["test", &top]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    // base.toml's example of `angry` fails once its rule's phrases are
    // replaced; so does a case of mid.toml's case file.
    assert!(
        text.contains(&format!("FAIL {}:19:13: example of `angry`\n", base())),
        "{text}"
    );
    let cases = dir.join("cases.csv").display().to_string();
    assert!(text.contains(&format!("FAIL {cases}:3")), "{text}");
    // 1 example + 1 counter-example of base.toml, 2 cases of mid.toml.
    assert!(text.ends_with("2 passed, 2 failed\n"), "{text}");

    // The resolved file carries the chain's case files, so it tests alike.
    let resolved = stdout(&postclass_ok(&["rules", "show", "--resolved", &top]));
    assert!(
        resolved.contains(&format!("cases = [{cases:?}]")),
        "{resolved}"
    );
    let one = write(&temp_dir("test-chain-resolved"), "one.toml", &resolved);
    let out = postclass(&["test", &one]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains(&format!("FAIL {cases}:3")), "{text}");
    assert!(text.ends_with("2 passed, 2 failed\n"), "{text}");
}

#[test]
fn a_missing_case_file_named_in_a_chain_is_an_input_error() {
    let dir = temp_dir("missing-cases");
    let top = write(
        &dir,
        "top.toml",
        &format!(
            "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [{:?}]\ncases = [\"nope.csv\"]\n",
            base()
        ),
    );
    let out = postclass(&["test", &top]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains(&format!("named in {top}")));
}

#[test]
fn the_brand_example_checks_and_passes_its_tests_and_those_of_the_default() {
    let out = postclass(&["check", "--deny-warnings", BRAND]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = postclass(&["test", "--format", "json", BRAND]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let default_examples = serde_json::from_slice::<serde_json::Value>(
        &postclass_ok(&["test", "--format", "json"]).stdout,
    )
    .unwrap()["rulebooks"][0]["examples"]
        .as_u64()
        .unwrap();
    // The default's examples (those of the disabled rule's label included)
    // and the brand's own three.
    assert_eq!(
        doc["rulebooks"][0]["examples"].as_u64(),
        Some(default_examples + 3)
    );
}

#[test]
fn the_brand_example_adds_a_label_and_disables_a_rule() {
    let out = postclass_ok(&[
        "explain",
        "--rules",
        BRAND,
        "PNR X7K2QF CANCELLED AGAIN, WHERE ARE MY SKYPASS MILES",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "  loyalty-skypass  ->  traits = loyalty_program (+1)  [examples/brand.toml]\n"
        ),
        "{text}"
    );
    assert!(!text.contains("angry-shouting"), "{text}");
    let default = stdout(&postclass_ok(&[
        "explain",
        "PNR X7K2QF CANCELLED AGAIN, WHERE ARE MY SKYPASS MILES",
    ]));
    assert!(default.contains("angry-shouting"), "{default}");
    let app = stdout(&postclass_ok(&[
        "explain",
        "--rules",
        BRAND,
        "la SkyApp plante encore",
    ]));
    assert!(
        app.contains("  digital-web-app-fr  ->  traits = digital_channels"),
        "{app}"
    );
}

#[test]
fn an_extending_rulebook_larger_than_64_kib_loads() {
    // Its base is parsed at an offset past the file's own length; a format
    // width there once panicked past 65,535 bytes.
    let dir = temp_dir("extends-large");
    let phrases: Vec<String> = (0..9000).map(|i| format!("\"zqx{i:05}\"")).collect();
    let text = format!(
        "[rulebook]\nname = \"large\"\nversion = \"1.0.0\"\nextends = [\"default\"]\n\n\
         [[set]]\nid = \"customer_type\"\nmode = \"one\"\n\n[[set.label]]\nid = \"angry\"\n\n\
         [[set.label.rule]]\nid = \"angry-made-up-words\"\nany = [{}]\n",
        phrases.join(", ")
    );
    assert!(text.len() > 65_535, "{}", text.len());
    let rules = write(&dir, "large.toml", &text);
    let out = stdout(&postclass_ok(&["check", &rules]));
    assert!(out.contains("ok"), "{out}");
    let posts = write(&dir, "posts.csv", "id,text\n1,zqx08999 zqx00001\n");
    let got = stdout(&postclass_ok(&["classify", "--rules", &rules, &posts]));
    assert!(got.contains("angry-made-up-words"), "{got}");
}

#[test]
fn the_resolved_default_keeps_its_lexicons_and_labels_the_same() {
    // A rulebook extending the default inherits its lexicons; the one file
    // `rules show --resolved` prints must hold them, languages included.
    let dir = temp_dir("resolved-lexicons");
    let ext = write(
        &dir,
        "ext.toml",
        "[rulebook]\nname = \"ext\"\nversion = \"1\"\nextends = [\"default\"]\n",
    );
    let text = stdout(&postclass_ok(&["rules", "show", "--resolved", &ext]));
    assert!(
        text.contains("[[lexicon]]\nid = \"words\"\nset = \"customer_type\"\n"),
        "no lexicon in the resolved file"
    );
    assert!(text.contains("\nlang = [\"fr\"]\nwords = [\n"));
    let one = write(&dir, "resolved.toml", &text);
    postclass_ok(&["check", &one]);
    let posts = write(
        &dir,
        "posts.csv",
        "id,text\n1,my flight got cancelled and nobody answers the phone\n\
         2,bon ben encore une panne de la box ce soir bravo\n\
         3,thanks for the upgrade you guys rock\n",
    );
    let run = |rules: &str| stdout(&postclass_ok(&["classify", "--rules", rules, &posts]));
    assert_eq!(run(&one), run(&ext));
}
