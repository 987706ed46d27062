//! `postclass sample --uncertain`: the posts whose label is least certain,
//! spread over the labels, written with empty reference columns that
//! `eval --gold` and `test --cases` read once filled in.

mod common;

use common::{postclass, postclass_ok, stderr, stdout, temp_dir};

const RULES: &str = "tests/fixtures/sample/rules.toml";
const POSTS: &str = "tests/fixtures/sample/posts.csv";

/// The rows of a CSV text, header first.
fn rows(csv_text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn sample(n: &str, extra: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["sample", "--uncertain", n, "--rules", RULES, POSTS];
    args.extend_from_slice(extra);
    rows(&stdout(&postclass_ok(&args)))
}

#[test]
fn writes_id_text_an_empty_column_per_set_and_a_note() {
    let got = sample("3", &[]);
    assert_eq!(got[0], ["id", "text", "customer_type", "traits", "note"]);
    assert_eq!(got.len(), 4);
    for row in &got[1..] {
        assert_eq!((row[2].as_str(), row[3].as_str()), ("", ""), "{row:?}");
    }
}

#[test]
fn takes_the_tie_first_and_one_post_of_each_label_in_turn() {
    // p2 ties hot and cold; p7 and p8 are the least sure cold posts
    // (margin 1); p4 and p9 fire no rule of the set.
    let got = sample("3", &[]);
    assert_eq!(got[1][0], "p2");
    assert_eq!(got[1][4], "predicted hot; margin 0; hot 1, cold 1");
    assert!(["p7", "p8"].contains(&got[2][0].as_str()), "{got:?}");
    assert!(got[2][4].starts_with("predicted cold; margin 1"), "{got:?}");
    assert!(["p4", "p9"].contains(&got[3][0].as_str()), "{got:?}");
    assert_eq!(got[3][4], "predicted unclassified; no rule fired");
}

#[test]
fn the_surest_posts_come_last() {
    // p1 and p3 score 3 for one label only: the six least certain posts
    // leave them out, the whole input has them.
    let six: Vec<String> = sample("6", &[])
        .into_iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(six.len(), 6);
    assert!(
        !six.contains(&"p1".to_string()) && !six.contains(&"p3".to_string()),
        "{six:?}"
    );
    let all = sample("100", &[]);
    assert_eq!(all.len(), 11, "every post, once");
}

#[test]
fn is_deterministic_and_the_seed_is_taken() {
    let a = sample("6", &["--seed", "3"]);
    assert_eq!(a, sample("6", &["--seed", "3"]));
    let out = postclass(&[
        "sample",
        "--uncertain",
        "2",
        "--rules",
        RULES,
        POSTS,
        "--seed",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_filled_file_is_a_gold_file_and_a_case_file() {
    let dir = temp_dir("sample-filled");
    let out = dir.join("to-label.csv");
    postclass_ok(&[
        "sample",
        "--uncertain",
        "4",
        "--rules",
        RULES,
        POSTS,
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    let got = rows(&std::fs::read_to_string(&out).unwrap());
    // Filled in as a person would: the label each post should get.
    let mut w = csv::Writer::from_path(dir.join("labelled.csv")).unwrap();
    w.write_record(&got[0]).unwrap();
    for row in &got[1..] {
        let text = &row[1];
        let label = row[4]
            .strip_prefix("predicted ")
            .and_then(|n| n.split(';').next())
            .unwrap();
        let traits = if text.contains("rain") { "wet" } else { "" };
        w.write_record([&row[0], text, label, traits, &row[4]])
            .unwrap();
    }
    w.flush().unwrap();
    let labelled = dir.join("labelled.csv");
    let eval = postclass_ok(&[
        "eval",
        "--rules",
        RULES,
        "--gold",
        labelled.to_str().unwrap(),
    ]);
    assert!(stdout(&eval).starts_with("4 posts\n"), "{}", stdout(&eval));
    let test = postclass_ok(&["test", RULES, "--cases", labelled.to_str().unwrap()]);
    assert!(stdout(&test).contains("passed"), "{}", stdout(&test));
}

#[test]
fn reads_jsonl_with_ids_and_writes_tsv_by_extension() {
    let dir = temp_dir("sample-jsonl");
    let out = dir.join("next.tsv");
    postclass_ok(&[
        "sample",
        "--uncertain",
        "2",
        "--rules",
        RULES,
        "tests/fixtures/sample/posts.jsonl",
        "-o",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id\ttext\tcustomer_type\ttraits\tnote"));
    assert_eq!(
        lines.next(),
        Some("11\thot and cold\t\t\tpredicted hot; margin 0; hot 1, cold 1")
    );
    assert!(lines.next().unwrap().starts_with("13\tplain words\t\t\t"));
}

#[test]
fn input_without_ids_has_no_id_column() {
    let dir = temp_dir("sample-noid");
    let input = dir.join("posts.csv");
    std::fs::write(&input, "text\nhot and cold\nnothing\n").unwrap();
    let got = sample_of(&input);
    assert_eq!(got[0], ["text", "customer_type", "traits", "note"]);
    assert_eq!(got[1][0], "hot and cold");
}

fn sample_of(input: &std::path::Path) -> Vec<Vec<String>> {
    let out = postclass_ok(&[
        "sample",
        "--uncertain",
        "5",
        "--rules",
        RULES,
        input.to_str().unwrap(),
    ]);
    rows(&stdout(&out))
}

#[test]
fn zero_posts_is_a_usage_error_and_writes_nothing() {
    let dir = temp_dir("sample-zero");
    let out = dir.join("x.csv");
    let o = postclass(&[
        "sample",
        "--uncertain",
        "0",
        "--rules",
        RULES,
        POSTS,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--uncertain must be at least 1"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no temporary file left"
    );
}

#[test]
fn missing_input_is_an_error_and_writes_nothing() {
    let dir = temp_dir("sample-missing");
    let out = dir.join("x.csv");
    let o = postclass(&[
        "sample",
        "--uncertain",
        "3",
        "--rules",
        RULES,
        "tests/fixtures/sample/nope.csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.csv"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn refuses_to_write_onto_its_input() {
    let dir = temp_dir("sample-onto");
    let input = dir.join("posts.csv");
    std::fs::copy(POSTS, &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let o = postclass(&[
        "sample",
        "--uncertain",
        "3",
        "--rules",
        RULES,
        input.to_str().unwrap(),
        "-o",
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn uncertain_is_required() {
    let o = postclass(&["sample", "--rules", RULES, POSTS]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--uncertain"), "{}", stderr(&o));
}

#[test]
fn id_names_the_id_field() {
    let dir = temp_dir("sample-id");
    let input = dir.join("posts.csv");
    std::fs::write(&input, "tweet_id,text\n71,hot and cold\n72,nothing\n").unwrap();
    let args = [
        "sample",
        "--uncertain",
        "5",
        "--rules",
        RULES,
        input.to_str().unwrap(),
    ];
    let without = rows(&stdout(&postclass_ok(&args)));
    assert_eq!(without[0][0], "text");
    let mut with = args.to_vec();
    with.extend(["--id", "tweet_id"]);
    let got = rows(&stdout(&postclass_ok(&with)));
    assert_eq!(got[0][0], "id");
    assert_eq!((got[1][0].as_str(), got[2][0].as_str()), ("71", "72"));
    let mut wrong = args.to_vec();
    wrong.extend(["--id", "nope"]);
    let o = postclass(&wrong);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("--id: the input has no column `nope`; its columns are: tweet_id, text"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn near_takes_the_posts_a_label_lost_by_the_least_and_only_those() {
    // cold scores on p2 (a tie lost to hot), p5 (1 against scorching's 2),
    // p3, p7 and p8, which it wins: only the first two are near cold.
    let got = sample("5", &["--near", "cold"]);
    assert_eq!(got[0], ["id", "text", "customer_type", "traits", "note"]);
    let ids: Vec<&str> = got[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["p2", "p5"]);
    assert_eq!(got[1][4], "predicted hot; cold 1, short by 0");
    assert_eq!(got[2][4], "predicted hot; cold 1, short by 1");
    // hot loses on p8 only (freezing 2 against hot 1).
    let got = sample("5", &["--near", "hot"]);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1][0], "p8");
    assert_eq!(got[1][4], "predicted cold; hot 1, short by 1");
}

#[test]
fn near_refuses_a_label_the_rulebook_lacks_and_a_fallback() {
    for (label, says) in [
        (
            "warm",
            "--near: the rulebook has no label `warm`; its labels are: customer_type.hot, customer_type.cold, customer_type.unclassified, traits.wet",
        ),
        ("cold.x", "--near: the rulebook has no label `cold.x`"),
        (
            "customer_type.unclassified",
            "--near: `unclassified` is the fallback of set `customer_type`",
        ),
    ] {
        let o = postclass(&["sample", "--uncertain", "3", "--near", label, "--rules", RULES, POSTS]);
        assert_eq!(o.status.code(), Some(2), "{label}");
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn near_a_trait_takes_the_posts_under_its_threshold_spread_over_the_types() {
    let dir = temp_dir("sample-near-trait");
    let rules = dir.join("r.toml");
    let posts = dir.join("p.csv");
    std::fs::write(
        &rules,
        "[rulebook]\nname = \"t\"\nversion = \"1\"\n\n\
         [[set]]\nid = \"type\"\nmode = \"one\"\nfallback = \"none\"\n\
         [[set.label]]\nid = \"hot\"\n[[set.label.rule]]\nid = \"hot\"\nany = [\"hot\"]\n\
         [[set.label]]\nid = \"none\"\n\n\
         [[set]]\nid = \"traits\"\nmode = \"many\"\nthreshold = 2.0\n\
         [[set.label]]\nid = \"wet\"\n\
         [[set.label.rule]]\nid = \"rain\"\nany = [\"rain\"]\n\
         [[set.label.rule]]\nid = \"storm\"\nweight = 2.0\nany = [\"storm\"]\n\
         [[set.label.rule]]\nid = \"drizzle\"\nweight = 1.5\nany = [\"drizzle\"]\n",
    )
    .unwrap();
    std::fs::write(
        &posts,
        "id,text\nq1,rain today\nq2,a storm\nq3,hot drizzle\nq4,hot and dry\nq5,drizzle\n",
    )
    .unwrap();
    let out = postclass_ok(&[
        "sample",
        "--uncertain",
        "5",
        "--near",
        "wet",
        "--rules",
        rules.to_str().unwrap(),
        posts.to_str().unwrap(),
    ]);
    let got = rows(&stdout(&out));
    // q2 is wet (storm 2), q4 scores nothing for it: neither is near. The
    // others, one per type given in turn (hot, then the fallback), the
    // nearest first: drizzle 1.5 is 0.5 short, rain 1 is 1 short.
    let kept: Vec<(&str, &str)> = got[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        kept,
        [
            ("q3", "predicted hot; traits.wet 1.5, short by 0.5"),
            ("q5", "predicted none; traits.wet 1.5, short by 0.5"),
            ("q1", "predicted none; traits.wet 1, short by 1"),
        ]
    );
}
