//! `postclass suggest`: phrases planted in the posts of a label are found,
//! what the rulebook has is never suggested, and the TOML passes `check`
//! once pasted under its label.

mod common;

use common::{postclass, postclass_ok, stderr, stdout, temp_dir};

const RULES: &str = "tests/fixtures/suggest/rules.toml";
const GOLD_FR: &str = "tests/fixtures/suggest/gold_fr.csv";
const GOLD_EN: &str = "tests/fixtures/suggest/gold_en.csv";

fn suggest(args: &[&str]) -> String {
    let mut all = vec!["suggest", "--rules", RULES];
    all.extend_from_slice(args);
    stdout(&postclass_ok(&all))
}

/// The phrases of the suggested rules, in order.
fn phrases(toml: &str) -> Vec<String> {
    toml.lines()
        .filter_map(|l| {
            let (key, value) = l.split_once(" = ")?;
            matches!(key, "any" | "hashtags" | "emoji").then(|| {
                let list: Vec<String> = serde_json::from_str(value).unwrap();
                list[0].clone()
            })
        })
        .collect()
}

/// `rulebook` with `rules` pasted at the end of the block of label `label`.
fn paste_under(rulebook: &str, label: &str, rules: &str) -> String {
    let lines: Vec<&str> = rulebook.lines().collect();
    let header = lines
        .iter()
        .enumerate()
        .position(|(i, l)| {
            *l == format!("id = \"{label}\"") && i > 0 && lines[i - 1] == "[[set.label]]"
        })
        .expect("the label is in the rulebook");
    let end = (header + 1..lines.len())
        .find(|&i| lines[i] == "[[set.label]]" || lines[i] == "[[set]]")
        .unwrap_or(lines.len());
    let mut out = lines[..end].join("\n");
    out.push_str("\n\n");
    out.push_str(rules);
    out.push('\n');
    out.push_str(&lines[end..].join("\n"));
    out.push('\n');
    out
}

#[test]
fn finds_the_phrase_planted_in_french_angry_posts() {
    let out = suggest(&["--gold", GOLD_FR, "--where", "split=tune", "--for", "angry"]);
    assert_eq!(phrases(&out)[0], "panne", "{out}");
    assert!(
        out.contains(
            "# customer_type.angry: 7 of 16 labelled posts; the rulebook misses 4 of them."
        ),
        "{out}"
    );
    assert!(out.contains("# in 5 posts, 5 of them angry (precision 1.00, lower bound 0.65); catches 3 angry post(s) the rulebook misses"), "{out}");
    assert!(
        out.contains("id = \"suggested-angry-1\"\nweight = 1.0\nany = [\"panne\"]"),
        "{out}"
    );
}

#[test]
fn finds_the_phrase_planted_in_english_angry_posts() {
    let out = suggest(&["--gold", GOLD_EN, "--for", "customer_type.angry"]);
    assert_eq!(phrases(&out), vec!["on hold"], "{out}");
}

#[test]
fn never_suggests_what_the_rulebook_has() {
    // `furieux` and `furious` are phrases of the rulebook, and
    // `remboursement` is covered by its prefix `rembours*`: all occur in
    // angry posts only.
    for gold in [GOLD_FR, GOLD_EN] {
        let out = suggest(&[
            "--gold",
            gold,
            "--for",
            "angry",
            "--min-support",
            "1",
            "--top",
            "100",
        ]);
        let got = phrases(&out);
        assert!(!got.is_empty());
        for p in &got {
            assert!(
                !p.contains("furieux") && !p.contains("furious") && !p.starts_with("rembours"),
                "`{p}` is already in the rulebook:\n{out}"
            );
        }
    }
}

#[test]
fn suggests_for_many_sets_and_emoji() {
    let out = suggest(&[
        "--gold",
        GOLD_FR,
        "--where",
        "split=tune",
        "--for",
        "price",
        "--min-support",
        "2",
    ]);
    let got = phrases(&out);
    assert_eq!(got[0], "cher", "{out}");
    // `trop` occurs in the same posts as `cher`: it would add nothing.
    assert!(!got.contains(&"trop".to_string()), "{out}");
    assert!(out.contains("emoji = [\"💸\"]"), "{out}");
    assert!(
        out.contains("with id = \"price\" of the set \"traits\""),
        "{out}"
    );
}

#[test]
fn pasted_suggestions_pass_check() {
    let dir = temp_dir("suggest-check");
    let rulebook = std::fs::read_to_string(RULES).unwrap();
    let mut pasted = rulebook.clone();
    for (gold, label, extra) in [
        (GOLD_FR, "angry", vec!["--where", "split=tune"]),
        (GOLD_EN, "angry", vec![]),
        (GOLD_FR, "price", vec!["--min-support", "1"]),
    ] {
        let mut args = vec!["--gold", gold, "--for", label, "--top", "20"];
        args.extend(extra);
        // Suggested against the rulebook as pasted so far: ids stay unique.
        let current = dir.join("current.toml");
        std::fs::write(&current, &pasted).unwrap();
        let mut all = vec!["suggest", "--rules", current.to_str().unwrap()];
        all.extend_from_slice(&args);
        let rules = stdout(&postclass_ok(&all));
        assert!(rules.contains("[[set.label.rule]]"), "{rules}");
        pasted = paste_under(&pasted, label, &rules);
    }
    let path = dir.join("pasted.toml");
    std::fs::write(&path, &pasted).unwrap();
    let out = postclass(&["check", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}\n{pasted}",
        stderr(&out) + &stdout(&out)
    );
    // The pasted rules now give the label to a post they were mined from.
    let out = postclass_ok(&[
        "explain",
        "--rules",
        path.to_str().unwrap(),
        "Toujours en panne, aucune réponse",
    ]);
    assert!(
        stdout(&out).contains("suggested-angry-"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn apostrophes_and_accents_are_written_as_matched() {
    let dir = temp_dir("suggest-apostrophe");
    let gold = dir.join("gold.csv");
    std::fs::write(
        &gold,
        "text,customer_type\n\
         \"Aujourd’hui encore\",angry\n\
         \"aujourd'hui rien\",angry\n\
         \"Aujourd'hui, la même chose\",angry\n\
         \"PEUT-ÊTRE demain\",angry\n\
         \"ou peut-être jamais\",angry\n\
         \"peut-être, qui sait\",angry\n\
         \"Bonjour à tous\",passive\n\
         \"Une question sur la box\",passive\n\
         \"Merci pour la réponse\",unclassified\n\
         \"Où est la boutique ?\",passive\n\
         \"Quel forfait choisir ?\",passive\n\
         \"Bonne journée\",unclassified\n\
         \"La box est arrivée\",unclassified\n",
    )
    .unwrap();
    let out = suggest(&[
        "--gold",
        gold.to_str().unwrap(),
        "--for",
        "angry",
        "--min-support",
        "2",
    ]);
    let got = phrases(&out);
    assert!(got.contains(&"aujourd'hui".to_string()), "{out}");
    assert!(got.contains(&"peut-etre".to_string()), "{out}");
    let path = dir.join("pasted.toml");
    let rulebook = std::fs::read_to_string(RULES).unwrap();
    std::fs::write(&path, paste_under(&rulebook, "angry", &out)).unwrap();
    let check = postclass_ok(&["check", path.to_str().unwrap()]);
    assert!(stdout(&check).contains(": ok"), "{}", stdout(&check));
}

#[test]
fn table_and_json_formats_give_the_same_figures() {
    let table = suggest(&["--gold", GOLD_EN, "--for", "angry", "--format", "table"]);
    assert!(table.contains("on hold"), "{table}");
    let json = suggest(&["--gold", GOLD_EN, "--for", "angry", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let s = &v[0]["suggestions"][0];
    assert_eq!(s["text"], "on hold");
    assert_eq!(s["kind"], "phrase");
    assert_eq!(s["support"], 5);
    assert_eq!(s["hits"], 5);
    assert_eq!(s["catches_missed"], 4);
    assert_eq!(v[0]["label_posts"], 5);
}

#[test]
fn unknown_label_is_a_usage_error() {
    let out = postclass(&[
        "suggest", "--rules", RULES, "--gold", GOLD_EN, "--for", "angyr",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("no label `angyr`; did you mean `angry`?"),
        "{err}"
    );
}

#[test]
fn gold_without_reference_column_is_an_error() {
    let dir = temp_dir("suggest-noref");
    let gold = dir.join("gold.csv");
    std::fs::write(&gold, "id,text\n1,on hold again\n").unwrap();
    let out = postclass(&[
        "suggest",
        "--rules",
        RULES,
        "--gold",
        gold.to_str().unwrap(),
        "--for",
        "angry",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("no column holds reference labels"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_gold_file_is_an_error() {
    let out = postclass(&["suggest", "--gold", "tests/fixtures/suggest/nope.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("nope.csv"), "{}", stderr(&out));
}

#[test]
fn where_leaving_no_rows_is_an_error() {
    let out = postclass(&[
        "suggest",
        "--rules",
        RULES,
        "--gold",
        GOLD_FR,
        "--where",
        "split=none",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--where left out all 17 rows"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn several_gold_files_are_mined_as_one() {
    let out = suggest(&["--gold", GOLD_FR, "--gold", GOLD_EN, "--for", "angry"]);
    // 8 of the 17 French posts and 5 of the 11 English ones.
    assert!(
        out.contains(
            "# customer_type.angry: 13 of 28 labelled posts; the rulebook misses 9 of them."
        ),
        "{out}"
    );
    let found = phrases(&out);
    assert!(
        found.contains(&"panne".to_string()) && found.contains(&"on hold".to_string()),
        "{out}"
    );
}
