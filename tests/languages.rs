//! Posts in many languages: each post's language (the export's field, else
//! detected), rules scoped to languages, posts in languages the rulebook
//! does not cover, `--lang` with rejects, and the codes `check` refuses.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{postclass, postclass_ok, stderr, stdout, temp_dir};

const RULES: &str = "tests/fixtures/lang/rules.toml";
const MIXED: &str = "tests/fixtures/lang/mixed.csv";
const TWEETS: &str = "tests/fixtures/lang/tweets.jsonl";

/// The rows of a CSV text, as field → value maps.
fn rows(csv_text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn classify_mixed(extra: &[&str]) -> Vec<std::collections::HashMap<String, String>> {
    let mut args = vec!["classify", MIXED, "--rules", RULES, "-q"];
    args.extend_from_slice(extra);
    rows(&stdout(&postclass_ok(&args)))
}

fn summary(args: &[&str]) -> Value {
    serde_json::from_slice(&postclass_ok(args).stdout).unwrap()
}

#[test]
fn scoped_rules_fire_only_on_their_language() {
    let rows = classify_mixed(&[]);
    let by_id = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(by_id("fr1")["matched_rules"], "angry-fr;shouting");
    assert_eq!(by_id("en1")["matched_rules"], "angry-en;shouting");
    // The post too short to tell gets the rule scoped to `und`.
    assert_eq!(by_id("und1")["matched_rules"], "angry-unknown;shouting");
    for r in &rows {
        assert_eq!(r["lang_source"], "detected");
    }
    let langs: Vec<&str> = rows.iter().map(|r| r["lang"].as_str()).collect();
    assert_eq!(langs, ["fr", "en", "es", "de", "ja", "it", "und"]);
}

#[test]
fn uncovered_languages_get_the_fallback_with_their_reason() {
    let rows = classify_mixed(&["--reason"]);
    for id in ["es1", "de1", "ja1", "it1"] {
        let r = rows.iter().find(|r| r["id"] == id).unwrap();
        // Their `!!!` would give attention_seeker; no rule is checked.
        assert_eq!(r["customer_type"], "unclassified", "{id}");
        assert_eq!(r["matched_rules"], "", "{id}");
        assert_eq!(r["reason"], format!("language:{}", r["lang"]), "{id}");
    }
    let fr = rows.iter().find(|r| r["id"] == "fr1").unwrap();
    assert_eq!(fr["reason"], "");
    // Without --reason there is no such column.
    assert!(!classify_mixed(&[])[0].contains_key("reason"));
}

#[test]
fn uncovered_posts_are_counted_apart_in_the_summary() {
    let s = summary(&["classify", MIXED, "--rules", RULES, "-q", "--summary-only"]);
    let l = &s["languages"];
    assert_eq!(l["covered"], serde_json::json!(["en", "fr"]));
    assert_eq!(l["in_covered"], 2);
    assert_eq!(l["uncovered"], 4);
    assert_eq!(l["undetermined"], 1);
    assert_eq!(l["covered_share"], 0.2857);
    assert_eq!(l["detected"], 7);
    assert_eq!(l["from_field"], 0);
    let counts = l["counts"].as_array().unwrap();
    assert_eq!(counts.len(), 7);
    for c in counts {
        let lang = c["lang"].as_str().unwrap();
        let covered = matches!(lang, "en" | "fr" | "und");
        assert_eq!(c["covered"], covered, "{lang}");
        assert_eq!(c["count"], 1, "{lang}");
    }
    let unclassified = s["sets"][0]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "unclassified")
        .unwrap()["count"]
        .clone();
    assert_eq!(unclassified, 4);
    // The Markdown summary says it in words.
    let dir = temp_dir("lang-summary");
    let md = dir.join("s.md");
    postclass_ok(&[
        "classify",
        MIXED,
        "--rules",
        RULES,
        "-q",
        "--summary-only",
        "--summary",
        md.to_str().unwrap(),
    ]);
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.contains("## Languages\n\n28.6% of the posts are in a language the rulebook covers (en, fr); 4 not covered (fallback), 1 undetermined"), "{md}");
    assert!(md.contains("| es | 1 | 14.3% | no |"), "{md}");
    assert!(md.contains("| und | 1 | 14.3% | undetermined |"), "{md}");
}

#[test]
fn lang_keeps_only_those_posts_and_rejects_the_others() {
    let dir = temp_dir("lang-filter");
    let out = dir.join("out.csv");
    let rejects = dir.join("rejects.jsonl");
    let s = summary(&[
        "classify",
        MIXED,
        "--rules",
        RULES,
        "-q",
        "--lang",
        "fr,en",
        "-o",
        out.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
        "--summary",
        "-",
    ]);
    let kept = rows(&std::fs::read_to_string(&out).unwrap());
    let ids: Vec<&str> = kept.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["fr1", "en1"]);
    let rejected: Vec<Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reasons: Vec<&str> = rejected
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "language:es, not in --lang fr,en",
            "language:de, not in --lang fr,en",
            "language:ja, not in --lang fr,en",
            "language:it, not in --lang fr,en",
            "language:und, not in --lang fr,en",
        ]
    );
    assert_eq!(rejected[0]["field"], "lang");
    assert!(rejected[0]["raw"].as_str().unwrap().starts_with("es1,"));
    // In = out + rejects.
    assert_eq!(s["rows"]["read"], 7);
    assert_eq!(s["rows"]["labelled"], 2);
    assert_eq!(s["rows"]["rejected"], 5);
    // `und` may be kept like any language.
    let und = classify_mixed(&["--lang", "und"]);
    assert_eq!(und.len(), 1);
    assert_eq!(und[0]["id"], "und1");
}

#[test]
fn lang_refuses_what_is_not_a_code() {
    let out = postclass(&["classify", MIXED, "--lang", "french"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("`french` is not an ISO 639-1 language code nor `und` (did you mean `fr`?)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_export_field_wins_over_detection() {
    // A tweet whose `lang` says Spanish is Spanish, whatever its text; `und`
    // and a missing field leave the post to detection (the `lang` column is
    // the export's own).
    let out = stdout(&postclass_ok(&[
        "classify",
        TWEETS,
        "--rules",
        RULES,
        "-q",
        "--reason",
        "--output-format",
        "csv",
    ]));
    let tweets = rows(&out);
    let got: Vec<(&str, &str, &str, &str)> = tweets
        .iter()
        .map(|r| {
            (
                r["lang"].as_str(),
                r["lang_source"].as_str(),
                r["customer_type"].as_str(),
                r["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("es", "field", "unclassified", "language:es"),
            ("und", "detected", "angry", ""),
            ("", "detected", "angry", ""),
        ]
    );
    // The preset's own `lang` column stays; postclass adds where it came from.
    assert!(
        out.starts_with("id,author,created_at,lang,mentions,text,customer_type,customer_type_score,priority,action,matched_rules,lang_source,reason\n"),
        "{out}"
    );
    // JSON Lines: each tweet keeps its own `lang`, and gains `lang_source`.
    let jsonl = stdout(&postclass_ok(&["classify", TWEETS, "--rules", RULES, "-q"]));
    let first: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(
        (first["lang"].as_str(), first["lang_source"].as_str()),
        (Some("es"), Some("field"))
    );
    let third = jsonl.lines().nth(2).unwrap();
    assert!(
        third.ends_with(r#""lang":"fr","lang_source":"detected"}"#),
        "{third}"
    );

    // --lang-field names a CSV column.
    let dir = temp_dir("lang-field");
    let csv_path = dir.join("posts.csv");
    std::fs::write(
        &csv_path,
        "id,language,text\n1,ES,\"Encore une panne de la box ce matin, le service client ne répond jamais\"\n2,,\"Encore une panne de la box ce matin, le service client ne répond jamais\"\n",
    )
    .unwrap();
    let rows2 = rows(&stdout(&postclass_ok(&[
        "classify",
        csv_path.to_str().unwrap(),
        "--rules",
        RULES,
        "-q",
        "--lang-field",
        "language",
    ])));
    assert_eq!(
        (rows2[0]["lang"].as_str(), rows2[0]["lang_source"].as_str()),
        ("es", "field")
    );
    assert_eq!(
        (rows2[1]["lang"].as_str(), rows2[1]["lang_source"].as_str()),
        ("fr", "detected")
    );
    let bad = postclass(&[
        "classify",
        csv_path.to_str().unwrap(),
        "--lang-field",
        "lng",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad)
        .contains("--lang-field lng: no column named `lng`; the columns are: id, language, text"));
}

#[test]
fn no_lang_leaves_the_columns_out() {
    let rows = classify_mixed(&["--no-lang"]);
    assert!(!rows[0].contains_key("lang") && !rows[0].contains_key("lang_source"));
    // The language still decides: the Spanish post gets the fallback.
    assert_eq!(rows[2]["customer_type"], "unclassified");
}

#[test]
fn an_input_with_its_own_lang_column_keeps_it() {
    let out = postclass_ok(&["classify", "examples/tweets.csv"]);
    let text = stdout(&out);
    let header = text.lines().next().unwrap();
    assert_eq!(header.matches("lang").count(), 2, "{header}");
    assert!(header.ends_with(",matched_rules,lang_source"), "{header}");
    let labelled = rows(&text);
    assert!(labelled.iter().all(|r| r["lang_source"] == "field"));
    // With a prefix both are added.
    let prefixed = stdout(&postclass_ok(&[
        "classify",
        "examples/tweets.csv",
        "--prefix",
        "pc_",
        "-q",
    ]));
    assert!(prefixed
        .lines()
        .next()
        .unwrap()
        .ends_with(",pc_matched_rules,pc_lang,pc_lang_source"));
}

#[test]
fn breakdowns_by_lang_use_each_posts_language() {
    let s = summary(&[
        "classify",
        MIXED,
        "--rules",
        RULES,
        "-q",
        "--summary-only",
        "--by",
        "lang",
    ]);
    let groups = s["breakdowns"][0]["groups"].as_array().unwrap();
    let mut keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["de", "en", "es", "fr", "it", "ja", "und"]);
    assert_eq!(s["breakdowns"][0]["missing"], 0);
}

#[test]
fn explain_gives_the_language_and_the_reason() {
    let es = "Me habéis cancelado el vuelo otra vez y nadie contesta al teléfono!!!";
    let out = stdout(&postclass_ok(&["explain", "--rules", RULES, es]));
    assert!(
        out.contains("language:   es (detected): not covered by the rulebook (en, fr)\n"),
        "{out}"
    );
    assert!(
        out.contains("reason:     language:es: no rule checked"),
        "{out}"
    );
    let json: Value = serde_json::from_slice(
        &postclass_ok(&["explain", "--rules", RULES, "--format", "json", es]).stdout,
    )
    .unwrap();
    assert_eq!(json["lang"], "es");
    assert_eq!(json["reason"], "language:es");
    let fr = stdout(&postclass_ok(&[
        "explain",
        "--rules",
        RULES,
        "Encore une panne de la box ce matin, le service client ne répond jamais",
    ]));
    assert!(fr.contains("language:   fr (detected)\n"), "{fr}");
    assert!(!fr.contains("reason:"));
}

#[test]
fn explain_reads_the_language_of_an_export_as_classify_does() {
    // The first tweet's own `lang` says Spanish: explain takes it, as
    // classify does, instead of detecting French from its text.
    let out = stdout(&postclass_ok(&[
        "explain", "--rules", RULES, "--input", TWEETS, "--row", "1",
    ]));
    assert!(
        out.contains("language:   es (field): not covered by the rulebook (en, fr)\n"),
        "{out}"
    );
    // The third has no `lang`: detected.
    let third = stdout(&postclass_ok(&[
        "explain", "--rules", RULES, "--input", TWEETS, "--row", "3",
    ]));
    assert!(third.contains("language:   fr (detected)\n"), "{third}");

    // --lang-field names a CSV column; an empty value leaves detection.
    let dir = temp_dir("explain-lang-field");
    let csv_path = dir.join("posts.csv");
    std::fs::write(
        &csv_path,
        "id,language,text\n1,ES,\"Encore une panne de la box ce matin, le service client ne répond jamais\"\n2,,\"Encore une panne de la box ce matin, le service client ne répond jamais\"\n",
    )
    .unwrap();
    let explain_row = |row: &str| -> Value {
        serde_json::from_slice(
            &postclass_ok(&[
                "explain",
                "--rules",
                RULES,
                "--input",
                csv_path.to_str().unwrap(),
                "--row",
                row,
                "--lang-field",
                "language",
                "--format",
                "json",
            ])
            .stdout,
        )
        .unwrap()
    };
    let first = explain_row("1");
    assert_eq!(
        (
            first["lang"].as_str(),
            first["lang_source"].as_str(),
            first["reason"].as_str()
        ),
        (Some("es"), Some("field"), Some("language:es"))
    );
    let second = explain_row("2");
    assert_eq!(
        (second["lang"].as_str(), second["lang_source"].as_str()),
        (Some("fr"), Some("detected"))
    );
    let bad = postclass(&[
        "explain",
        "--input",
        csv_path.to_str().unwrap(),
        "--row",
        "1",
        "--lang-field",
        "lng",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--lang-field lng: no column named `lng`"));
}

#[test]
fn bad_language_codes_are_reported_at_their_place() {
    let out = postclass(&["check", "tests/fixtures/lang/bad.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stdout(&out) + &stderr(&out);
    for want in [
        "tests/fixtures/lang/bad.toml:4:20: error[E031]: unknown language code `EN` in `languages`",
        "help: write `en`",
        "tests/fixtures/lang/bad.toml:4:26: error[E031]: unknown language code `french` in `languages`",
        "tests/fixtures/lang/bad.toml:16:9: error[E031]: unknown language code `xx` in `lang`",
        "tests/fixtures/lang/bad.toml:21:8: error[E012]: `lang` is an empty list",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
}

/// The posts of `file` in ../shared/data, if the data is there.
fn shared_data(file: &str) -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(file);
    if p.is_file() {
        Some(p.to_string_lossy().into_owned())
    } else {
        eprintln!("{} not found: skipped", p.display());
        None
    }
}

/// Detection on the labelled English and French posts: how often each
/// post gets its language, how often another one, how often `und`. The
/// figures are in bench/RESULTS.md; the bounds leave a little room.
#[test]
fn detection_on_the_english_and_french_posts_of_the_data() {
    for (file, want, right_at_least) in [
        ("train_en.csv", "en", 0.86),
        ("airline_tweets.csv", "en", 0.87),
        ("dev_fr.csv", "fr", 0.92),
        ("free_fr_tweets.csv", "fr", 0.93),
    ] {
        let Some(path) = shared_data(file) else {
            continue;
        };
        let s = summary(&["classify", &path, "-q", "--summary-only", "--prefix", "pc_"]);
        let l = &s["languages"];
        let total = s["rows"]["labelled"].as_f64().unwrap();
        let count = |lang: &str| {
            l["counts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["lang"] == lang)
                .map_or(0.0, |c| c["count"].as_f64().unwrap())
        };
        let right = count(want) / total;
        let und = count("und") / total;
        let wrong = 1.0 - right - und;
        assert!(
            right >= right_at_least,
            "{file}: {right:.3} detected {want}"
        );
        assert!(und <= 0.13, "{file}: {und:.3} und");
        assert!(
            wrong <= 0.01,
            "{file}: {wrong:.3} detected as another language"
        );
        // A post put outside the default rulebook's languages loses its
        // labels: that is rarer still.
        let outside = l["uncovered"].as_f64().unwrap() / total;
        assert!(outside <= 0.005, "{file}: {outside:.3} outside en, fr");
    }
}

/// The rows of a file of `tests/fixtures/lang` classified with the default
/// rulebook: its `expected` language beside the `lang` detected.
fn detected(file: &str) -> Vec<std::collections::HashMap<String, String>> {
    let path = format!("tests/fixtures/lang/{file}");
    rows(&stdout(&postclass_ok(&["classify", &path, "-q"])))
}

/// Posts in Spanish, Portuguese, Italian, German and Dutch
/// (tests/fixtures/lang/README.md): a word they share with French or
/// English (`de`, `la`, `que`, `il`, `in`, `was`) does not put them in
/// French or English, where the default rulebook's rules would label them.
/// `latin_a.csv` was in view when the common words were chosen,
/// `latin_b.csv` was not; the figures are in bench/RESULTS.md.
#[test]
fn posts_of_other_latin_languages_stay_out_of_english_and_french() {
    for (file, right_at_least, en_fr_at_most) in
        [("latin_a.csv", 0.85, 0), ("latin_b.csv", 0.92, 2)]
    {
        let rows = detected(file);
        assert_eq!(rows.len(), 250, "{file}");
        let right = rows.iter().filter(|r| r["lang"] == r["expected"]).count();
        let en_fr: Vec<&str> = rows
            .iter()
            .filter(|r| r["lang"] == "en" || r["lang"] == "fr")
            .map(|r| r["id"].as_str())
            .collect();
        assert!(
            right as f64 >= right_at_least * 250.0,
            "{file}: {right} of 250 detected right"
        );
        assert!(
            en_fr.len() <= en_fr_at_most,
            "{file}: taken for English or French: {en_fr:?}"
        );
        // Each language is detected on most of its posts (short ones may
        // be `und`).
        for lang in ["es", "pt", "it", "de", "nl"] {
            let of = rows.iter().filter(|r| r["expected"] == lang);
            let found = of.clone().filter(|r| r["lang"] == lang).count();
            assert!(found >= 40, "{file}: {found} of 50 {lang} posts detected");
        }
    }
}

/// Swedish and Turkish posts, which the model knows, are detected, and
/// "just" or "for" (Swedish without its diacritics) does not make them
/// English. The Catalan, Romanian, Polish and Indonesian posts of the same
/// files get the closest language the model knows, often French or
/// English: they are measured (bench/RESULTS.md), not held to a figure.
#[test]
fn swedish_and_turkish_posts_are_detected() {
    for file in ["latin_c.csv", "latin_d.csv"] {
        let rows = detected(file);
        assert_eq!(rows.len(), 180, "{file}");
        for lang in ["sv", "tr"] {
            let of: Vec<_> = rows.iter().filter(|r| r["expected"] == lang).collect();
            let found = of.iter().filter(|r| r["lang"] == lang).count();
            let en_fr = of
                .iter()
                .filter(|r| r["lang"] == "en" || r["lang"] == "fr")
                .count();
            assert!(found >= 22, "{file}: {found} of 30 {lang} posts detected");
            assert!(
                en_fr <= 1,
                "{file}: {en_fr} {lang} posts taken for en or fr"
            );
        }
    }
}

#[test]
fn summaries_of_parts_add_up_their_languages() {
    let dir = temp_dir("lang-merge");
    let part = dir.join("part.json");
    postclass_ok(&[
        "classify",
        MIXED,
        "--rules",
        RULES,
        "-q",
        "--summary-only",
        "--summary",
        part.to_str().unwrap(),
    ]);
    let merged = dir.join("merged.json");
    postclass_ok(&[
        "summary",
        "merge",
        part.to_str().unwrap(),
        part.to_str().unwrap(),
        "-o",
        merged.to_str().unwrap(),
    ]);
    let m: Value = serde_json::from_str(&std::fs::read_to_string(merged).unwrap()).unwrap();
    let l = &m["languages"];
    assert_eq!(l["in_covered"], 4);
    assert_eq!(l["uncovered"], 8);
    assert_eq!(l["undetermined"], 2);
    assert_eq!(l["covered_share"], 0.2857);
    assert!(l["counts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["count"] == 2));
}

#[test]
fn eval_reads_the_language_of_a_gold_file_as_classify_does() {
    // A French complaint the file says is Spanish: the rulebook does not
    // cover Spanish, so `classify` gives it the fallback, and the reference
    // says so. Read in the detected language (French) it would be angry.
    let dir = temp_dir("eval-lang-field");
    let text = "Encore une panne de la box ce matin, le service client ne répond jamais";
    let gold =
        format!("text,customer_type,language\n\"{text}\",unclassified,es\n\"{text}\",angry,\n");
    let path = dir.join("gold.csv");
    std::fs::write(&path, &gold).unwrap();
    let accuracy = |path: &Path, more: &[&str]| {
        let mut args = vec![
            "eval",
            "--rules",
            RULES,
            "--gold",
            path.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend_from_slice(more);
        summary(&args)["sets"][0]["accuracy"].as_f64().unwrap()
    };
    // With the file's language both posts are right (the second has no
    // value: detected, French, angry); without it, only the second.
    assert_eq!(accuracy(&path, &["--lang-field", "language"]), 1.0);
    assert_eq!(accuracy(&path, &[]), 0.5);
    // A column named `lang` is the language without the option.
    let lang_path = dir.join("lang.csv");
    std::fs::write(&lang_path, gold.replacen("language", "lang", 1)).unwrap();
    assert_eq!(accuracy(&lang_path, &[]), 1.0);
    // And classify agrees with the reference on both posts.
    let labelled = rows(&stdout(&postclass_ok(&[
        "classify",
        lang_path.to_str().unwrap(),
        "--rules",
        RULES,
        "-q",
        "--prefix",
        "got_",
    ])));
    let got: Vec<(&str, &str)> = labelled
        .iter()
        .map(|r| (r["customer_type"].as_str(), r["got_customer_type"].as_str()))
        .collect();
    assert_eq!(got, [("unclassified", "unclassified"), ("angry", "angry")]);
}
