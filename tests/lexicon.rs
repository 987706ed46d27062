//! Lexicons (`[[lexicon]]`): what `fit --lexicon` learns and writes, that
//! its figures are the rulebook's own, that a rulebook extending another
//! inherits, replaces or disables its lexicon, and what `explain` shows.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{postclass, postclass_ok, stdout, temp_dir};

/// One `one` set whose only rule knows "refund"; the posts below tell the
/// labels apart by other words, which a lexicon can learn.
const RULES: &str = r#"[rulebook]
name = "small"
version = "1.0.0"

[[set]]
id = "type"
mode = "one"
fallback = "other"

[[set.label]]
id = "angry"

[[set.label.rule]]
id = "refund"
any = ["refund"]

[[set.label]]
id = "happy"

[[set.label.rule]]
id = "love"
any = ["love it"]

[[set.label]]
id = "other"
"#;

/// Posts whose words say their type: "broken", "late" for angry; "great",
/// "thanks" for happy; the rest other. Each line varies its filler words.
fn gold() -> String {
    let fillers = [
        "the box",
        "my order",
        "this app",
        "the flight",
        "our line",
        "your site",
    ];
    let mut out = String::from("text,type\n");
    for (i, f) in fillers.iter().cycle().take(60).enumerate() {
        let (text, label) = match i % 3 {
            0 => (
                format!("{f} is broken again and late as always {i}"),
                "angry",
            ),
            1 => (format!("{f} is great and thanks a lot {i}"), "happy"),
            _ => (format!("what time does {f} open {i}"), "other"),
        };
        out.push_str(&format!("{text},{label}\n"));
    }
    out
}

/// A temporary directory `name` holding [`RULES`] as `r.toml` and `gold`
/// as `g.csv`: the directory, those two paths and that of `out.toml` there.
fn setup(name: &str, gold: &str) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let (rules, gold_path, out) = (dir.join("r.toml"), dir.join("g.csv"), dir.join("out.toml"));
    fs::write(&rules, RULES).unwrap();
    fs::write(&gold_path, gold).unwrap();
    (dir, rules, gold_path, out)
}

/// `fit --lexicon --rules RULES --gold GOLD` with `more` arguments.
fn fit_lexicon(rules: &Path, gold: &Path, more: &[&str]) -> std::process::Output {
    let mut args = vec![
        "fit",
        "--lexicon",
        "--rules",
        rules.to_str().unwrap(),
        "--gold",
        gold.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    postclass(&args)
}

/// `eval --format json` of `rules` on `gold`.
fn eval_json(rules: &Path, gold: &Path) -> serde_json::Value {
    let out = postclass_ok(&[
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
    ]);
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn accuracy(rules: &Path, gold: &Path) -> f64 {
    eval_json(rules, gold)["sets"][0]["accuracy"]
        .as_f64()
        .unwrap()
}

/// [`setup`] with [`gold`], then a lexicon learned from it into `out.toml`
/// (words in at least 3 posts): the paths of `setup` and the report.
fn learned(name: &str) -> (PathBuf, PathBuf, PathBuf, PathBuf, String) {
    let (dir, rules, gold_path, out) = setup(name, &gold());
    let run = fit_lexicon(
        &rules,
        &gold_path,
        &["--min-posts", "3", "-o", out.to_str().unwrap()],
    );
    assert!(run.status.success());
    let report = stdout(&run);
    (dir, rules, gold_path, out, report)
}

#[test]
fn fit_lexicon_learns_the_words_the_rules_miss_and_its_figures_are_evals() {
    let (dir, rules, gold_path, out, report) = learned("lexicon-learns");
    assert!(report.contains("lexicon `words` of set `type`"), "{report}");
    let written = fs::read_to_string(&out).unwrap();
    // The rulebook given, unchanged, then one lexicon.
    assert!(written.starts_with(RULES), "{written}");
    assert_eq!(written.matches("[[lexicon]]").count(), 1);
    assert!(written.contains("\"broken: angry "), "{written}");
    postclass_ok(&["check", out.to_str().unwrap()]);
    let (before, after) = (accuracy(&rules, &gold_path), accuracy(&out, &gold_path));
    assert!(before < 0.5, "the rules alone: {before}");
    assert_eq!(after, 1.0, "with the lexicon");
    // The report's figures are the written rulebook's, as eval gives them.
    assert!(
        report.contains(&format!("rulebook alone:           accuracy {before:.3}")),
        "{report}"
    );
    assert!(
        report.contains(&format!("learned on the same posts: accuracy {after:.3}")),
        "{report}"
    );
    assert!(report.contains("cross-validated"), "{report}");

    // Learned again from the written rulebook, the lexicon is replaced,
    // not added: the same file comes out.
    let again = dir.join("again.toml");
    let run = fit_lexicon(
        &out,
        &gold_path,
        &["--min-posts", "3", "-o", again.to_str().unwrap()],
    );
    assert!(run.status.success());
    assert_eq!(fs::read_to_string(&again).unwrap(), written);
}

/// The report's line for `class` in its per-class table: (posts, recall
/// before, recall after, precision before, precision after), as printed.
fn class_line(report: &str, class: &str) -> Option<(u64, String, String, String, String)> {
    let table = report
        .split("per class, rulebook alone -> with the lexicon, cross-validated:")
        .nth(1)?;
    table.lines().skip(2).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        (f.len() == 8 && f[0] == class).then(|| {
            (
                f[1].parse().unwrap(),
                f[2].to_string(),
                f[4].to_string(),
                f[5].to_string(),
                f[7].to_string(),
            )
        })
    })
}

#[test]
fn fit_lexicon_reports_each_class_before_and_cross_validated_as_eval_counts_it() {
    let (_dir, rules, gold_path, _, report) = learned("lexicon-classes");
    // The rulebook alone, class by class, is what eval gives the same posts.
    let v = eval_json(&rules, &gold_path);
    let labels = v["sets"][0]["labels"].as_array().unwrap();
    let mut seen = 0;
    for label in labels {
        let name = label["label"].as_str().unwrap();
        let support = label["support"].as_u64().unwrap();
        let predicted = label["predicted"].as_u64().unwrap();
        if support + predicted == 0 {
            continue;
        }
        let (posts, recall, _, precision, _) =
            class_line(&report, name).unwrap_or_else(|| panic!("no line for {name}: {report}"));
        assert_eq!(posts, support, "{name}: {report}");
        let share = |x: &serde_json::Value, n: u64| {
            if n == 0 {
                "-".to_string()
            } else {
                format!("{:.3}", x.as_f64().unwrap())
            }
        };
        assert_eq!(recall, share(&label["recall"], support), "{name}: {report}");
        assert_eq!(
            precision,
            share(&label["precision"], predicted),
            "{name}: {report}"
        );
        seen += 1;
    }
    // angry, happy and the fallback `other` each have 20 posts.
    assert_eq!(seen, 3, "{report}");
    // Cross-validated, the words the rules miss are learned: every angry
    // post is found, where the rule of "refund" alone found none.
    let (_, before, after, _, _) = class_line(&report, "angry").unwrap();
    assert_eq!(before, "0.000", "{report}");
    assert_eq!(after, "1.000", "{report}");
}

#[test]
fn min_weight_leaves_out_the_smaller_weights() {
    let (_, rules, gold_path, out) = setup("lexicon-min-weight", &gold());
    let o = out.to_str().unwrap();
    let all = fit_lexicon(&rules, &gold_path, &["--min-posts", "3", "-o", o]);
    assert!(all.status.success());
    let weights = |text: &str| -> Vec<f64> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split_once(": "))
            .flat_map(|(_, rest)| {
                rest.trim_end_matches("\",")
                    .split(", ")
                    .map(|p| p.split_once(' ').unwrap().1.parse::<f64>().unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let every = weights(&fs::read_to_string(&out).unwrap());
    assert!(every.iter().any(|w| w.abs() < 0.3), "{every:?}");
    let run = fit_lexicon(
        &rules,
        &gold_path,
        &["--min-posts", "3", "--min-weight", "0.3", "-o", o],
    );
    assert!(run.status.success());
    let kept = weights(&fs::read_to_string(&out).unwrap());
    assert!(!kept.is_empty() && kept.len() < every.len());
    assert!(kept.iter().all(|w| w.abs() >= 0.3), "{kept:?}");
    let bad = fit_lexicon(&rules, &gold_path, &["--min-weight", "-1", "--dry-run"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_lexicon_that_brings_nothing_is_not_written() {
    // The same words under every label: nothing to learn.
    let mut g = String::from("text,type\n");
    for i in 0..60 {
        let label = ["angry", "happy", "other"][i % 3];
        g.push_str(&format!("the box is here {},{label}\n", i / 3));
    }
    let (_, rules, gold_path, out) = setup("lexicon-no-gain", &g);
    let run = fit_lexicon(&rules, &gold_path, &["-o", out.to_str().unwrap()]);
    assert!(run.status.success());
    assert!(stdout(&run).contains("no gain"), "{}", stdout(&run));
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn case_posts_are_learned_from_but_not_measured() {
    let (dir, rules, gold_path, _) = setup("lexicon-cases", &gold());
    let cases = dir.join("c.csv");
    fs::write(&cases, "text,type\nthe box is great but broken,angry\n").unwrap();
    let c = cases.to_str().unwrap();
    let run = fit_lexicon(
        &rules,
        &gold_path,
        &["--dry-run", "--cases", c, "--min-posts", "3"],
    );
    assert!(run.status.success());
    let report = stdout(&run);
    assert!(
        report.contains("60 posts measured, 61 learned from (1 case posts"),
        "{report}"
    );
    assert!(
        report.contains("keeping their label: 0 of 1 before, 1 with the lexicon"),
        "{report}"
    );
    // --cases goes with --lexicon only, and never onto -o.
    let out = postclass(&[
        "fit",
        "--gold",
        gold_path.to_str().unwrap(),
        "--cases",
        cases.to_str().unwrap(),
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = fit_lexicon(&rules, &gold_path, &["--cases", c, "-o", c]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(&cases).unwrap().lines().count(),
        2,
        "input untouched"
    );
}

fn explain_words(rules: &Path, text: &str) -> Vec<String> {
    let out = postclass_ok(&[
        "explain",
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
        text,
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{}:{}",
                w["lexicon"].as_str().unwrap(),
                w["word"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn an_extending_rulebook_inherits_replaces_or_disables_a_lexicon() {
    let dir = temp_dir("lexicon-extends");
    let base = dir.join("base.toml");
    fs::write(
        &base,
        format!("{RULES}\n[[lexicon]]\nid = \"words\"\nset = \"type\"\nwords = [\"broken: angry 1.5\", \"late: angry 0.5\"]\n"),
    )
    .unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        fs::write(
            &p,
            format!(
                "[rulebook]\nname = \"{name}\"\nversion = \"1\"\nextends = [\"base.toml\"]\n{body}"
            ),
        )
        .unwrap();
        p
    };
    let text = "the box is broken and late";
    let inherits = write("inherits.toml", "");
    assert_eq!(
        explain_words(&inherits, text),
        ["words:broken", "words:late"]
    );
    let replaces = write(
        "replaces.toml",
        "[[lexicon]]\nid = \"words\"\nset = \"type\"\nwords = [\"box: happy 2\"]\n",
    );
    assert_eq!(explain_words(&replaces, text), ["words:box"]);
    // A label left out takes its weights with it: the rest of the lexicon
    // holds, and an entry that weighed it alone is gone.
    let no_angry = write("no-angry.toml", "disable = [\"angry\"]\n");
    postclass_ok(&["check", no_angry.to_str().unwrap()]);
    assert!(explain_words(&no_angry, text).is_empty());
    let disables = write("disables.toml", "disable = [\"words\"]\n");
    assert!(explain_words(&disables, text).is_empty());
    // The inherited lexicon decides: "broken" alone reaches angry's threshold.
    let out = postclass_ok(&["explain", "--rules", inherits.to_str().unwrap(), text]);
    let shown = stdout(&out);
    assert!(shown.contains("lexicon words found:"), "{shown}");
    assert!(
        shown.contains("broken  ->  type: angry +1.5  [words]"),
        "{shown}"
    );
    assert!(shown.contains("decision: angry"), "{shown}");
    let out = postclass_ok(&["explain", "--rules", disables.to_str().unwrap(), text]);
    assert!(stdout(&out).contains("decision: other"), "{}", stdout(&out));
}

#[test]
fn the_default_rulebooks_lexicon_is_learned_from_posts_kept_apart_from_validation() {
    // rules/lexicon holds the posts the default lexicon is learned from
    // (besides the tune rows of the shared data and the case files); none
    // of them is a validation post or a case post.
    let texts = |path: &str| -> Vec<String> {
        let mut r = csv::Reader::from_path(path).unwrap();
        let i = r
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "text")
            .unwrap();
        r.records()
            .map(|rec| rec.unwrap()[i].trim().to_string())
            .collect()
    };
    let mut kept_apart: std::collections::HashSet<String> = std::collections::HashSet::new();
    for f in [
        "tests/fixtures/validation/fr.csv",
        "tests/fixtures/validation/en.csv",
    ] {
        kept_apart.extend(texts(f));
    }
    for entry in fs::read_dir("tests/cases").unwrap() {
        let path = entry.unwrap().path();
        kept_apart.extend(texts(path.to_str().unwrap()));
    }
    let mut learned = 0;
    for f in ["rules/lexicon/en.csv", "rules/lexicon/fr.csv"] {
        for t in texts(f) {
            learned += 1;
            assert!(
                !kept_apart.contains(&t),
                "{f} has a validation or case post: {t}"
            );
        }
    }
    assert!(learned > 15000, "only {learned} posts");
    // One lexicon per language of the posts: English (and posts of no
    // language told), French.
    let default = fs::read_to_string("rules/default.toml").unwrap();
    assert_eq!(default.lines().filter(|l| *l == "[[lexicon]]").count(), 2);
    assert!(default.contains("id = \"words\"\nset = \"customer_type\""));
    assert!(default.contains("\nlang = [\"en\", \"und\"]\nwords = ["));
    assert!(default.contains("id = \"words-fr\"\nset = \"customer_type\""));
    assert!(default.contains("\nlang = [\"fr\"]\nwords = ["));
}

/// English posts as in [`gold`], and French ones whose own words tell the
/// types apart ("panne" angry, "merci" happy).
fn gold_two_languages() -> String {
    let mut out = gold();
    let choses = [
        "la box",
        "ma commande",
        "cette appli",
        "le vol",
        "notre ligne",
    ];
    for (i, c) in choses.iter().cycle().take(30).enumerate() {
        let (text, label) = match i % 3 {
            0 => (
                format!("{c} est encore en panne et je ne sais pas pourquoi {i}"),
                "angry",
            ),
            1 => (
                format!("{c} est top merci pour tout et bonne journée {i}"),
                "happy",
            ),
            _ => (
                format!("a quelle heure est ce que {c} ouvre le matin {i}"),
                "other",
            ),
        };
        out.push_str(&format!("{text},{label}\n"));
    }
    out
}

#[test]
fn a_lexicon_with_lang_weighs_only_posts_in_its_languages() {
    let (dir, rules, gold_path, out) = setup("lexicon-lang", &gold_two_languages());
    let run = fit_lexicon(
        &rules,
        &gold_path,
        &[
            "--min-posts",
            "3",
            "--lexicon-lang",
            "en,und",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = stdout(&run);
    // Only the 60 English posts are learned from and measured (the short
    // "what time does…" ones are of no language that can be told: `und`).
    assert!(
        report.contains("lexicon `words` of set `type` for posts in en, und learned on"),
        "{report}"
    );
    assert!(
        report.contains(": 60 posts measured, 60 learned from"),
        "{report}"
    );
    let written = fs::read_to_string(&out).unwrap();
    assert!(
        written.contains("\nlang = [\"en\", \"und\"]\n"),
        "{written}"
    );
    assert!(written.contains("\"broken: angry "), "{written}");
    assert!(!written.contains("\"panne:"), "no French word: {written}");
    postclass_ok(&["check", out.to_str().unwrap()]);

    // The engine weighs English posts only, even with an English word in a
    // French post.
    let english = explain_words(&out, "the box is broken and late again");
    assert!(english.contains(&"words:broken".to_string()), "{english:?}");
    assert!(explain_words(&out, "la box est broken et je ne sais pas pourquoi").is_empty());

    // A second lexicon for French posts: each post gets the weights of its
    // language's lexicon, and learning either again gives the same file.
    let both = dir.join("both.toml");
    let run = fit_lexicon(
        &out,
        &gold_path,
        &[
            "--min-posts",
            "3",
            "--lexicon-id",
            "mots",
            "--lexicon-lang",
            "fr",
            "-o",
            both.to_str().unwrap(),
        ],
    );
    assert!(run.status.success());
    assert!(
        stdout(&run).contains(": 30 posts measured"),
        "{}",
        stdout(&run)
    );
    let written = fs::read_to_string(&both).unwrap();
    assert!(written.contains("\nlang = [\"fr\"]\n"), "{written}");
    assert_eq!(accuracy(&both, &gold_path), 1.0);
    let french = explain_words(
        &both,
        "la box est encore en panne et je ne sais pas pourquoi",
    );
    assert!(french.contains(&"mots:panne".to_string()), "{french:?}");
    assert!(french.iter().all(|w| w.starts_with("mots:")), "{french:?}");
    // Without --lexicon-lang, the lexicon replaced keeps its languages.
    let again = dir.join("again.toml");
    let run = fit_lexicon(
        &both,
        &gold_path,
        &[
            "--min-posts",
            "3",
            "--lexicon-id",
            "mots",
            "-o",
            again.to_str().unwrap(),
        ],
    );
    assert!(run.status.success());
    assert_eq!(fs::read_to_string(&again).unwrap(), written);
    // The first lexicon learned again moves to the end; the other keeps
    // its comment, and each post still gets its language's weights.
    let run = fit_lexicon(
        &both,
        &gold_path,
        &["--min-posts", "3", "-o", again.to_str().unwrap()],
    );
    assert!(run.status.success());
    let moved = fs::read_to_string(&again).unwrap();
    assert!(moved.contains("# Lexicon `mots`:"), "{moved}");
    assert!(
        moved.find("id = \"mots\"") < moved.find("id = \"words\""),
        "{moved}"
    );
    assert_eq!(moved.len(), written.len());
    assert_eq!(accuracy(&again, &gold_path), 1.0);

    let bad = fit_lexicon(
        &rules,
        &gold_path,
        &["--lexicon-lang", "english", "--dry-run"],
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("`english` is not an ISO 639-1 language code nor `und` (did you mean `en`?)"),
        "{err}"
    );
}

#[test]
fn check_refuses_a_lexicon_lang_that_is_empty_or_unknown() {
    let dir = temp_dir("lexicon-lang-check");
    for (lang, code, col) in [("[]", "E012", 8), ("[\"english\"]", "E031", 9)] {
        let path = dir.join("r.toml");
        fs::write(
            &path,
            format!("{RULES}\n[[lexicon]]\nid = \"words\"\nset = \"type\"\nlang = {lang}\nwords = [\"broken: angry 1\"]\n"),
        )
        .unwrap();
        let out = postclass(&["check", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr).to_string() + &stdout(&out);
        let line = RULES.lines().count() + 5;
        assert!(
            err.contains(&format!("r.toml:{line}:{col}: error[{code}]")),
            "{err}"
        );
    }
}

#[test]
fn fit_reads_the_language_of_a_gold_file_as_classify_does() {
    // Every post of the file says it is French, the English ones too: with
    // the file's language, all 90 are French posts.
    let mut gold = String::from("text,type,language\n");
    for line in gold_two_languages().lines().skip(1) {
        gold.push_str(&format!("{line},fr\n"));
    }
    let (dir, rules, gold_path, _) = setup("lexicon-lang-field", &gold);
    let measured = |gold: &Path, more: &[&str]| {
        let mut args = vec!["--min-posts", "3", "--lexicon-lang", "fr", "--dry-run"];
        args.extend_from_slice(more);
        let run = fit_lexicon(&rules, gold, &args);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let report = stdout(&run);
        let at = report.find(" posts measured").expect("a count of posts");
        let count = report[..at].rsplit(' ').next().unwrap().to_string();
        count
    };
    assert_eq!(measured(&gold_path, &["--lang-field", "language"]), "90");
    // Without it, each post's language is detected: 30 French posts.
    assert_eq!(measured(&gold_path, &[]), "30");
    // A column named `lang` is read without the option, as `classify` does.
    let lang_path = dir.join("lang.csv");
    fs::write(&lang_path, gold.replacen("language", "lang", 1)).unwrap();
    assert_eq!(measured(&lang_path, &[]), "90");
    // A field the file does not have is an error that names the file.
    let bad = fit_lexicon(&rules, &gold_path, &["--lang-field", "lng", "--dry-run"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(
            "g.csv: --lang-field lng: no column named `lng`; the columns are: text, type, language"
        ),
        "{err}"
    );
}
