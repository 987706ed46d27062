//! `postclass fit`: weights learnt from labelled posts, written into the
//! rulebook with nothing else changed.

use std::path::{Path, PathBuf};

mod common;
use common::{postclass, postclass_ok, stderr, stdout, temp_dir};

const GENERATING: &str = "tests/fixtures/fit/generating.toml";
const START: &str = "tests/fixtures/fit/start.toml";

const WORDS: &[&str] = &[
    "furious", "annoyed", "love", "great", "not", "how", "why", "app", "crash", "price", "cheap",
];
const FILLER: &[&str] = &[
    "the", "flight", "today", "my", "order", "again", "with", "you",
];

/// Posts made of random trigger and filler words, labelled by the
/// generating rulebook: `(text, mood, topics)`.
fn synthetic_posts(n: usize, seed: u64) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(root().join(GENERATING)).unwrap();
    let rb = postclass::engine::from_str("generating", &text).unwrap();
    let mut state = seed;
    let mut next = move || {
        // A 64-bit LCG (Knuth's MMIX constants), upper bits.
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..n)
        .map(|_| {
            let mut words: Vec<&str> = Vec::new();
            for w in WORDS {
                if next() % 4 == 0 {
                    words.push(w);
                }
                if next() % 3 == 0 {
                    words.push(FILLER[next() % FILLER.len()]);
                }
            }
            let text = words.join(" ");
            let v = rb.classify(&text);
            let topics: Vec<&str> = v.sets[1]
                .labels
                .iter()
                .map(|&l| rb.sets[1].labels[l].id.as_str())
                .collect();
            (text, rb.label_of(&v, 0).to_string(), topics.join(";"))
        })
        .collect()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write_gold(dir: &Path, posts: &[(String, String, String)]) -> PathBuf {
    let path = dir.join("gold.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["id", "text", "mood", "topics", "split"])
        .unwrap();
    for (i, (text, mood, topics)) in posts.iter().enumerate() {
        let split = if i % 5 == 0 { "holdout" } else { "tune" };
        w.write_record([&i.to_string(), text, mood, topics, split])
            .unwrap();
    }
    w.flush().unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn weight_of(text: &str, rule: &str) -> f64 {
    let rb = postclass::engine::from_str("fitted", text).unwrap();
    rb.rules.iter().find(|r| r.id == rule).unwrap().weight
}

#[test]
fn fit_recovers_the_decisions_and_the_order_of_the_generating_weights() {
    let dir = temp_dir("fit-recovers");
    let posts = synthetic_posts(800, 42);
    let gold = write_gold(&dir, &posts);
    let out = dir.join("tuned.toml");
    let run = postclass_ok(&[
        "fit",
        "--gold",
        s(&gold),
        "--rules",
        START,
        "-o",
        s(&out),
        "--step",
        "0.1",
    ]);
    let report = stdout(&run);
    assert!(report.contains("after, cross-validated"), "{report}");
    let text = std::fs::read_to_string(&out).unwrap();
    let fitted = postclass::engine::from_str("fitted", &text).unwrap();
    let start =
        postclass::engine::from_str("start", &std::fs::read_to_string(START).unwrap()).unwrap();
    let agree = |rb: &postclass::Rulebook| {
        posts
            .iter()
            .filter(|(t, mood, topics)| {
                let v = rb.classify(t);
                let got: Vec<&str> = v.sets[1]
                    .labels
                    .iter()
                    .map(|&l| rb.sets[1].labels[l].id.as_str())
                    .collect();
                rb.label_of(&v, 0) == mood && got.join(";") == *topics
            })
            .count() as f64
            / posts.len() as f64
    };
    let (before, after) = (agree(&start), agree(&fitted));
    assert!(
        after >= 0.97,
        "the fitted rulebook agrees on {after} of posts"
    );
    assert!(after > before, "fitting helps: {before} -> {after}");
    let w = |id: &str| weight_of(&text, id);
    assert!(w("furious") > w("annoyed"), "{text}");
    assert!(w("love") > w("great"), "{text}");
    assert!(w("happy-not") < 0.0, "{text}");
    assert!(w("how") > w("why"), "{text}");
    assert!(w("app") > w("crash") && w("price") > w("cheap"), "{text}");
    assert_eq!(w("annoyed"), 1.0, "a fixed rule keeps its weight");
}

#[test]
fn only_weight_lines_change() {
    let dir = temp_dir("fit-diff");
    let gold = write_gold(&dir, &synthetic_posts(400, 7));
    let out = dir.join("tuned.toml");
    postclass_ok(&["fit", "--gold", s(&gold), "--rules", START, "-o", s(&out)]);
    let before = std::fs::read_to_string(START).unwrap();
    let after = std::fs::read_to_string(&out).unwrap();
    assert_ne!(before, after);
    let is_weight = |l: &&str| l.starts_with("weight = ");
    let rest = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !is_weight(l))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(rest(&before), rest(&after), "only weight lines differ");
    // A weight line inserted where there was none comes right after the id.
    let lines: Vec<&str> = after.lines().collect();
    let i = lines.iter().position(|l| *l == "id = \"love\"").unwrap();
    assert!(is_weight(&lines[i + 1]), "{after}");
    // Comments after a value stay with it.
    assert!(
        after
            .lines()
            .any(|l| l.starts_with("weight = ") && l.ends_with("  # a comment that stays")),
        "{after}"
    );
    postclass_ok(&["check", s(&out)]);
}

#[test]
fn with_thresholds_only_weight_and_threshold_lines_change() {
    let dir = temp_dir("fit-thresholds");
    let gold = write_gold(&dir, &synthetic_posts(400, 13));
    let out = dir.join("tuned.toml");
    let r = postclass_ok(&[
        "fit",
        "--gold",
        s(&gold),
        "--rules",
        START,
        "-o",
        s(&out),
        "--thresholds",
    ]);
    assert!(stdout(&r).contains("thresholds "), "{}", stdout(&r));
    let before = std::fs::read_to_string(START).unwrap();
    let after = std::fs::read_to_string(&out).unwrap();
    let rest = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with("weight = ") && !l.starts_with("threshold = "))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(rest(&before), rest(&after));
    postclass_ok(&["check", s(&out)]);
}

#[test]
fn the_same_seed_gives_the_same_rulebook_and_report_whatever_the_threads() {
    let dir = temp_dir("fit-seed");
    let gold = write_gold(&dir, &synthetic_posts(300, 3));
    let run = |name: &str, threads: &str| {
        let out = dir.join(name);
        let r = postclass_ok(&[
            "fit",
            "--gold",
            s(&gold),
            "--rules",
            START,
            "-o",
            s(&out),
            "--seed",
            "9",
            "-j",
            threads,
        ]);
        (
            stdout(&r).replace(name, "OUT"),
            std::fs::read_to_string(out).unwrap(),
        )
    };
    let first = run("a.toml", "1");
    assert_eq!(first, run("b.toml", "1"));
    assert_eq!(first, run("c.toml", "2"), "the threads change nothing");
}

#[test]
fn where_selects_the_rows_and_the_report_says_how_many_were_left_out() {
    let dir = temp_dir("fit-where");
    let gold = write_gold(&dir, &synthetic_posts(300, 5));
    let r = postclass_ok(&[
        "fit",
        "--gold",
        s(&gold),
        "--rules",
        START,
        "--dry-run",
        "--where",
        "split=tune",
    ]);
    let report = stdout(&r);
    assert!(
        report.contains(": 240 posts (60 rows left out by --where)"),
        "{report}"
    );
    assert!(report.contains("== mood (one, 240 posts"), "{report}");
}

#[test]
fn keep_pins_a_label_and_dry_run_writes_nothing() {
    let dir = temp_dir("fit-keep");
    let gold = write_gold(&dir, &synthetic_posts(300, 11));
    let out = dir.join("tuned.toml");
    postclass_ok(&[
        "fit",
        "--gold",
        s(&gold),
        "--rules",
        START,
        "-o",
        s(&out),
        "--keep",
        "happy",
        "--keep",
        "app",
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(weight_of(&text, "love"), 1.0);
    assert_eq!(weight_of(&text, "great"), 1.0);
    assert_eq!(weight_of(&text, "happy-not"), 0.5);
    assert_eq!(weight_of(&text, "app"), 0.5);
    assert_ne!(weight_of(&text, "furious"), 1.0);

    let dry = dir.join("dry.toml");
    let r = postclass(&["fit", "--gold", s(&gold), "--rules", START, "--dry-run"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(stdout(&r).contains("weights changed"));
    assert!(!dry.exists());
}

/// Runs a fit that must fail with exit 2 and write nothing; returns stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = dir.join("tuned.toml");
    let mut all = vec!["fit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", s(&out)]);
    let r = postclass(&all);
    assert_eq!(r.status.code(), Some(2), "{args:?}: {}", stderr(&r));
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("postclass-tmp")),
        "temporary file left: {names:?}"
    );
    stderr(&r)
}

#[test]
fn labels_the_rulebook_does_not_define_are_refused() {
    let dir = temp_dir("fit-unknown");
    let mut posts = synthetic_posts(100, 1);
    posts[3].1 = "grumpy".into();
    posts[8].1 = "grumpy".into();
    let gold = write_gold(&dir, &posts);
    let err = fails(&dir, &["--gold", s(&gold), "--rules", START]);
    assert!(
        err.contains(
            "set `mood` has reference labels the rulebook does not define: `grumpy` (2 posts)"
        ),
        "{err}"
    );
}

#[test]
fn too_few_posts_are_refused_saying_how_many_are_needed() {
    let dir = temp_dir("fit-few");
    let gold = write_gold(&dir, &synthetic_posts(6, 1));
    let err = fails(&dir, &["--gold", s(&gold), "--rules", START]);
    assert!(
        err.contains("set `mood` has 6 post(s) with a reference label; fitting with 5 folds needs at least 10"),
        "{err}"
    );
}

#[test]
fn a_set_without_a_reference_field_is_refused() {
    let dir = temp_dir("fit-no-field");
    let path = dir.join("gold.csv");
    let mut text = String::from("text,mood\n");
    for (t, mood, _) in synthetic_posts(50, 2) {
        text.push_str(&format!("\"{t}\",{mood}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let err = fails(&dir, &["--gold", s(&path), "--rules", START]);
    assert!(
        err.contains("no field holds the reference labels of set `topics`; expected a field `topics` (or pass --label topics=FIELD)"),
        "{err}"
    );
}

#[test]
fn writing_onto_the_input_rulebook_and_unknown_keep_ids_are_refused() {
    let dir = temp_dir("fit-onto");
    let gold = write_gold(&dir, &synthetic_posts(100, 4));
    let rules = dir.join("rules.toml");
    std::fs::copy(START, &rules).unwrap();
    let r = postclass(&[
        "fit",
        "--gold",
        s(&gold),
        "--rules",
        s(&rules),
        "-o",
        s(&rules),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("refusing to write the output onto the input"),
        "{}",
        stderr(&r)
    );
    assert_eq!(
        std::fs::read_to_string(&rules).unwrap(),
        std::fs::read_to_string(START).unwrap()
    );

    let err = fails(
        &dir,
        &["--gold", s(&gold), "--rules", START, "--keep", "nope"],
    );
    assert!(
        err.contains("--keep: the rulebook has no rule or label `nope`"),
        "{err}"
    );

    let r = postclass(&["fit", "--gold", s(&gold), "--rules", START]);
    assert_eq!(r.status.code(), Some(2), "-o or --dry-run is required");

    // Nor onto a second gold file.
    let second = dir.join("more.csv");
    std::fs::copy(&gold, &second).unwrap();
    let before = std::fs::read_to_string(&second).unwrap();
    let r = postclass(&[
        "fit",
        "--gold",
        s(&gold),
        "--gold",
        s(&second),
        "--rules",
        START,
        "-o",
        s(&second),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("refusing to write the output onto the input"),
        "{}",
        stderr(&r)
    );
    assert_eq!(std::fs::read_to_string(&second).unwrap(), before);
}

#[test]
fn several_gold_files_are_fitted_as_one() {
    let dir = temp_dir("fit-two-golds");
    let posts = synthetic_posts(300, 11);
    let whole = write_gold(&dir, &posts);
    let text = std::fs::read_to_string(&whole).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
    std::fs::write(&a, format!("{}\n", lines[..151].join("\n"))).unwrap();
    std::fs::write(&b, format!("{}\n{}\n", lines[0], lines[151..].join("\n"))).unwrap();
    let one = dir.join("one.toml");
    let two = dir.join("two.toml");
    postclass_ok(&["fit", "--gold", s(&whole), "--rules", START, "-o", s(&one)]);
    let r = postclass_ok(&[
        "fit",
        "--gold",
        s(&a),
        "--gold",
        s(&b),
        "--rules",
        START,
        "-o",
        s(&two),
    ]);
    assert!(stdout(&r).contains(": 300 posts"), "{}", stdout(&r));
    assert_eq!(
        std::fs::read_to_string(&one).unwrap(),
        std::fs::read_to_string(&two).unwrap(),
        "the same posts in two files give the same rulebook"
    );
}

#[test]
fn help_has_examples() {
    let text = stdout(&postclass_ok(&["fit", "--help"]));
    assert!(text.contains("Examples:\n  postclass fit "), "{text}");
    assert!(
        text.contains("--keep <ID>") && text.contains("--folds <K>"),
        "{text}"
    );
}

/// Every rule's weight in the rulebook `path` resolves to, chain or not.
fn weights_of(path: &Path) -> Vec<(String, f64)> {
    let text = stdout(&postclass_ok(&["rules", "show", "--resolved", s(path)]));
    let rb = postclass::engine::from_str("resolved", &text).unwrap();
    rb.rules.iter().map(|r| (r.id.clone(), r.weight)).collect()
}

#[test]
fn an_extending_rulebook_gets_overrides_and_its_base_is_left_alone() {
    let dir = temp_dir("fit-extends");
    let gold = write_gold(&dir, &synthetic_posts(400, 7));
    let top = dir.join("top.toml");
    let top_text = format!(
        "# extends the rulebook fit starts from\n[rulebook]\nname = \"top\"\nversion = \"1\"\nextends = [{:?}]\n\n[[set]]\nid = \"mood\"\nmode = \"one\"\n\n[[set.label]]\nid = \"curious\"\n[[set.label.rule]]\nid = \"what\"\nany = [\"what\"]\n",
        root().join(START).display().to_string()
    );
    std::fs::write(&top, &top_text).unwrap();
    let base_before = std::fs::read_to_string(START).unwrap();
    let out = dir.join("top-tuned.toml");
    postclass_ok(&["fit", "--gold", s(&gold), "--rules", s(&top), "-o", s(&out)]);
    assert_eq!(std::fs::read_to_string(START).unwrap(), base_before);
    let after = std::fs::read_to_string(&out).unwrap();
    // The file's own text is kept, its own rule's weight set in place; the
    // base's rules are changed by overrides.
    assert!(after.starts_with(&top_text[..top_text.find("id = \"what\"").unwrap()]));
    assert!(
        after.contains("[[override]]\nrule = \"furious\"\nweight = "),
        "{after}"
    );
    assert!(
        !after.contains("rule = \"annoyed\""),
        "a fixed rule keeps its weight: {after}"
    );
    assert!(after.matches("[[set.label.rule]]").count() == 1, "{after}");
    // The same weights as fitting the one file the chain amounts to.
    let single = dir.join("single.toml");
    let resolved = stdout(&postclass_ok(&["rules", "show", "--resolved", s(&top)]));
    std::fs::write(&single, resolved).unwrap();
    let single_out = dir.join("single-tuned.toml");
    postclass_ok(&[
        "fit",
        "--gold",
        s(&gold),
        "--rules",
        s(&single),
        "-o",
        s(&single_out),
    ]);
    let fitted = weights_of(&out);
    assert_eq!(fitted, weights_of(&single_out));
    assert_ne!(fitted, weights_of(&top), "fit changed some weights");
}

#[test]
fn an_extending_rulebook_is_written_beside_its_bases() {
    let dir = temp_dir("fit-extends-elsewhere");
    let gold = write_gold(&dir, &synthetic_posts(400, 7));
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::copy(START, dir.join("rules/start.toml")).unwrap();
    let top = dir.join("rules/top.toml");
    std::fs::write(
        &top,
        "[rulebook]\nname = \"top\"\nversion = \"1\"\nextends = [\"start.toml\"]\n",
    )
    .unwrap();
    // `fails` writes to tuned.toml in `dir`, not in rules/ beside the bases.
    let err = fails(&dir, &["--gold", s(&gold), "--rules", s(&top)]);
    assert!(
        err.contains("write the fitted rulebook in that folder"),
        "{err}"
    );
}

/// A row of the report's per-label table: (label, posts, recall before,
/// recall cross-validated, precision before, precision cross-validated),
/// as printed.
type LabelRow = (String, u64, String, String, String, String);

/// The rows of the report's per-label tables, set by set.
fn label_tables(report: &str) -> Vec<Vec<LabelRow>> {
    report
        .split("per label, the rulebook as it is -> fitted weights, cross-validated:")
        .skip(1)
        .map(|table| {
            table
                .lines()
                .skip(2)
                .take_while(|l| !l.trim().is_empty())
                .map(|line| {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    assert_eq!(f.len(), 8, "{line}");
                    (
                        f[0].to_string(),
                        f[1].parse().unwrap(),
                        f[2].to_string(),
                        f[4].to_string(),
                        f[5].to_string(),
                        f[7].to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_report_gives_each_labels_recall_and_precision_before_and_cross_validated() {
    let dir = temp_dir("fit-labels");
    let posts = synthetic_posts(800, 42);
    let gold = write_gold(&dir, &posts);
    let run = postclass_ok(&[
        "fit",
        "--gold",
        s(&gold),
        "--rules",
        START,
        "--dry-run",
        "--step",
        "0.1",
    ]);
    let report = stdout(&run);
    let tables = label_tables(&report);
    assert_eq!(tables.len(), 2, "one table a set: {report}");

    // Before: the starting rulebook's figures, label by label, as eval
    // gives them on the same posts.
    let eval = postclass_ok(&[
        "eval",
        "--gold",
        s(&gold),
        "--rules",
        START,
        "--format",
        "json",
    ]);
    let eval: serde_json::Value = serde_json::from_str(&stdout(&eval)).unwrap();
    let share = |x: &serde_json::Value, n: u64| {
        if n == 0 {
            "-".to_string()
        } else {
            format!("{:.3}", x.as_f64().unwrap())
        }
    };
    for (set, table) in eval["sets"].as_array().unwrap().iter().zip(&tables) {
        let mut rows = 0;
        for label in set["labels"].as_array().unwrap() {
            let name = label["label"].as_str().unwrap();
            let (support, predicted) = (
                label["support"].as_u64().unwrap(),
                label["predicted"].as_u64().unwrap(),
            );
            let Some(row) = table.iter().find(|r| r.0 == name) else {
                assert_eq!(support + predicted, 0, "no row for {name}: {report}");
                continue;
            };
            rows += 1;
            assert_eq!(row.1, support, "{name}: {report}");
            assert_eq!(row.2, share(&label["recall"], support), "{name}: {report}");
            assert_eq!(
                row.4,
                share(&label["precision"], predicted),
                "{name}: {report}"
            );
        }
        assert_eq!(rows, table.len(), "{report}");
    }

    // Cross-validated: the mood's posts found, label by label, add up to
    // the cross-validated accuracy above the table.
    let mood = &tables[0];
    let total: u64 = mood.iter().map(|r| r.1).sum();
    let right: f64 = mood
        .iter()
        .map(|r| (r.3.parse::<f64>().unwrap() * r.1 as f64).round())
        .sum();
    let accuracy = report
        .lines()
        .find(|l| l.trim_start().starts_with("after, cross-validated"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap();
    assert_eq!(format!("{:.3}", right / total as f64), accuracy, "{report}");
    // The weights fitted find what the starting ones missed.
    assert!(
        mood.iter()
            .any(|r| r.3.parse::<f64>().unwrap() > r.2.parse::<f64>().unwrap()),
        "{report}"
    );
}
