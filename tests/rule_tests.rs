//! `postclass test`: a rulebook's own examples and case files.

mod common;
use common::{postclass, stderr, stdout};

const SUPPORT: &str = "tests/fixtures/rulebooks/support.toml";
const FAILING: &str = "tests/fixtures/rulebooks/failing-example.toml";

/// Runs `postclass test` on one of the default rulebook's case files and
/// checks that every row ran and passed; returns how many rows the file has.
fn default_rulebook_passes(cases_file: &str) -> usize {
    let out = postclass(&["test", "--cases", cases_file]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let rows =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(cases_file))
            .unwrap();
    let mut reader = csv::Reader::from_reader(rows.as_bytes());
    let cases = reader.records().count();
    // Every row is run (plus the rulebook's own examples, if any).
    let passed: usize = text
        .trim_end()
        .rsplit('\n')
        .next()
        .and_then(|l| l.strip_suffix(" passed, 0 failed"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected summary: {text}"));
    assert!(passed >= cases, "{text}");
    cases
}

/// The default rulebook must pass the case file that ships with it; this is
/// how `cargo test` (and so `.ci/run`) runs it.
#[test]
fn the_default_rulebook_passes_its_case_file() {
    assert!(default_rulebook_passes("tests/cases/default.csv") >= 8);
}

/// Hand-written French posts covering every customer type and every trait.
#[test]
fn the_default_rulebook_passes_its_french_cases() {
    let cases = default_rulebook_passes("tests/cases/french.csv");
    assert!(cases >= 60, "only {cases} French cases");
    covers_every_label("tests/cases/french.csv");
}

/// Checks that the case file names every customer type and every trait.
fn covers_every_label(cases_file: &str) {
    let rows =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(cases_file))
            .unwrap();
    let mut reader = csv::Reader::from_reader(rows.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (type_column, traits_column) = (column("customer_type"), column("traits"));
    let mut types = std::collections::BTreeSet::new();
    let mut traits = std::collections::BTreeSet::new();
    for record in reader.records() {
        let record = record.unwrap();
        types.insert(record[type_column].to_string());
        for t in record[traits_column]
            .split(';')
            .filter(|t| !t.is_empty() && *t != "*")
        {
            traits.insert(t.to_string());
        }
    }
    assert_eq!(
        types.iter().map(String::as_str).collect::<Vec<_>>(),
        [
            "advocate",
            "angry",
            "attention_seeker",
            "collaborator",
            "passive",
            "prospect",
            "unclassified",
        ],
        "{cases_file}"
    );
    assert_eq!(
        traits.iter().map(String::as_str).collect::<Vec<_>>(),
        [
            "autonomy",
            "digital_channels",
            "multichannel",
            "online_research",
            "personalization",
            "privacy_security",
            "responsiveness",
            "social_engagement",
        ],
        "{cases_file}"
    );
}

/// Real French posts (lower-cased exports, line breaks turned into a stray
/// `n`), labelled with the labelling guide: every customer type and every
/// trait, lower-case anger, irony, calm questions that mention a wait.
#[test]
fn the_default_rulebook_passes_its_real_french_cases() {
    let cases = default_rulebook_passes("tests/cases/real_fr.csv");
    assert!(cases >= 368, "only {cases} real French cases");
    covers_every_label("tests/cases/real_fr.csv");
}

/// Real English posts (airline posts, labelled or read with the guide),
/// covering every customer type and every trait, and the known confusions:
/// a calm question that mentions a wait, sarcasm, lower-case anger, a
/// suggestion inside a complaint.
#[test]
fn the_default_rulebook_passes_its_real_english_cases() {
    let cases = default_rulebook_passes("tests/cases/real_en.csv");
    assert!(cases >= 578, "only {cases} real English cases");
    covers_every_label("tests/cases/real_en.csv");
}

/// Real English posts from the unlabelled airline pool, labelled with the
/// guide: frequent complaint words without strong ones, lower-case anger,
/// sarcasm, calm questions that mention a wait or a failed call, praise
/// after a wait, and every customer type and trait.
#[test]
fn the_default_rulebook_passes_its_english_pool_cases() {
    let cases = default_rulebook_passes("tests/cases/pool_en.csv");
    assert!(cases >= 30, "only {cases} English pool cases");
    covers_every_label("tests/cases/pool_en.csv");
}

#[test]
fn passing_examples_exit_0() {
    let out = postclass(&["test", SUPPORT]);
    assert_eq!(stdout(&out), "8 passed, 0 failed\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_failing_example_exits_1_and_is_named() {
    let out = postclass(&["test", FAILING]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "FAIL {FAILING}:16:5: example of `angry`\n  \
             text:     \"Second time this week my internet is down\"\n  \
             set:      customer_type\n  \
             expected: angry\n  \
             got:      unclassified\n  \
             fired:    (none)\n\
             \n\
             FAIL {FAILING}:18:21: counter-example of `angry`\n  \
             text:     \"Never fed up with this brand\"\n  \
             set:      customer_type\n  \
             expected: not angry\n  \
             got:      angry\n  \
             fired:    angry-fed-up (angry +1)\n\
             \n\
             1 passed, 2 failed\n"
        )
    );
}

#[test]
fn csv_and_jsonl_case_files_pass() {
    let out = postclass(&[
        "test",
        SUPPORT,
        "--cases",
        "tests/fixtures/cases/support.csv",
        "tests/fixtures/cases/support.jsonl",
    ]);
    // 8 examples, 6 CSV rows, 3 JSONL lines.
    assert_eq!(stdout(&out), "17 passed, 0 failed\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_failing_case_shows_expected_got_and_the_rules_that_fired() {
    let cases = "tests/fixtures/cases/support-failing.csv";
    let out = postclass(&["test", SUPPORT, "--cases", cases]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "FAIL {cases}:3: case `wrong-type`\n  \
             text:     \"Does anyone know how to reset this router? #fail\"\n  \
             set:      customer_type\n  \
             expected: angry\n  \
             got:      passive\n  \
             fired:    passive-anyone-know (passive +1), passive-fail-tag (passive +1)\n\
             \n\
             FAIL {cases}:4: case `wrong-traits`\n  \
             text:     \"J'en ai marre, toujours pas de réponse\"\n  \
             set:      traits\n  \
             expected: autonomy\n  \
             got:      responsiveness\n  \
             fired:    responsiveness-no-reply (responsiveness +1)\n\
             \n\
             9 passed, 2 failed\n"
        )
    );
}

#[test]
fn json_results_parse_back() {
    let cases = "tests/fixtures/cases/support-failing.csv";
    let out = postclass(&["test", SUPPORT, "--cases", cases, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(
        (doc["passed"].as_u64(), doc["failed"].as_u64()),
        (Some(9), Some(2))
    );
    assert_eq!(doc["rulebooks"][0]["file"], SUPPORT);
    assert_eq!(doc["rulebooks"][0]["examples"], 8);
    assert_eq!(doc["rulebooks"][0]["cases"], 3);
    let f = &doc["failures"][0];
    assert_eq!(f["origin"], format!("{cases}:3"));
    assert_eq!(f["kind"], "case");
    assert_eq!(f["name"], "wrong-type");
    let m = &f["mismatches"][0];
    assert_eq!(m["set"], "customer_type");
    assert_eq!(m["expect"], "exactly");
    assert_eq!(m["labels"], serde_json::json!(["angry"]));
    assert_eq!(m["got"], serde_json::json!(["passive"]));
    assert_eq!(m["fired"][1]["rule"], "passive-fail-tag");
    assert_eq!(m["fired"][1]["weight"], 1.0);
}

#[test]
fn examples_fail_in_json_too() {
    let out = postclass(&["test", FAILING, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = doc["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["example", "counter_example"]);
    assert_eq!(doc["failures"][1]["mismatches"][0]["expect"], "lacks");
}

#[test]
fn a_case_naming_an_unknown_label_is_an_input_error() {
    let dir = common::temp_dir("cases-typo");
    let file = dir.join("typo.csv");
    std::fs::write(&file, "text,customer_type\nfed up,angyr\n").unwrap();
    let out = postclass(&["test", SUPPORT, "--cases", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains(
            "typo.csv:2: column `customer_type`: `angyr` is not a label of set `customer_type`; did you mean `angry`?"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_case_file_of_unknown_format_is_refused() {
    let out = postclass(&["test", SUPPORT, "--cases", SUPPORT]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot tell the format of case file"));
}

#[test]
fn a_broken_rulebook_cannot_be_tested() {
    let out = postclass(&[
        "test",
        "tests/fixtures/rulebooks/broken/e002-unknown-key.toml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("error[E002]: unknown key `wieght`"));
}
