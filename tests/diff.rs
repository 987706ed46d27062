//! `postclass diff`: the posts whose labels change from a baseline rulebook
//! to another, with their labels before and after, and the counts.

mod common;

use std::path::{Path, PathBuf};

use common::{postclass, postclass_ok, stderr, stdout, temp_dir};

const RULES: &str = "tests/fixtures/classify/rules.toml";

/// The fixture rulebook with `happy` and `app` rules that never fire.
fn baseline(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(RULES).unwrap();
    let weaker = text
        .replace(r#"any = ["love", "génial"]"#, r#"any = ["adoration"]"#)
        .replace(r#"any = ["app", "appli"]"#, r#"any = ["applet"]"#);
    assert_ne!(weaker, text);
    let path = dir.join("before.toml");
    std::fs::write(&path, weaker).unwrap();
    path
}

fn posts(dir: &Path) -> PathBuf {
    let path = dir.join("posts.csv");
    std::fs::write(
        &path,
        "id,text\n\
         1,I love the app\n\
         2,\"Fed up with the delivery, again\"\n\
         3,\"love it, encore!\"\n\
         4,génial\n",
    )
    .unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn writes_the_posts_that_change_with_their_labels_before_and_after() {
    let dir = temp_dir("diff-rows");
    let (before, input) = (baseline(&dir), posts(&dir));
    let out = postclass_ok(&[
        "diff",
        "--rules",
        RULES,
        "--baseline",
        s(&before),
        s(&input),
    ]);
    // Post 3 ties `cross` and `happy` and stays `cross` (file order); post 2
    // fires no changed rule.
    assert_eq!(
        stdout(&out),
        "id,text,mood_before,mood_after,topics_before,topics_after\n\
         1,I love the app,neutral,happy,,app\n\
         4,génial,neutral,happy,,\n"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "2 of 4 posts change label against {}",
            before.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("  mood:\n          2  neutral -> happy\n"),
        "{err}"
    );
    assert!(err.contains("  topics:\n          1  + app\n"), "{err}");

    // -o writes the same rows to a file; TSV when it ends in .tsv.
    let tsv = dir.join("changed.tsv");
    postclass_ok(&[
        "diff",
        "--rules",
        RULES,
        "--baseline",
        s(&before),
        s(&input),
        "-o",
        s(&tsv),
        "-q",
    ]);
    let written = std::fs::read_to_string(&tsv).unwrap();
    assert!(written.starts_with("id\ttext\tmood_before"), "{written}");
    assert_eq!(written.lines().count(), 3);
}

#[test]
fn fail_if_changed_sets_the_exit_code() {
    let dir = temp_dir("diff-fail");
    let (before, input) = (baseline(&dir), posts(&dir));
    let r = postclass(&[
        "diff",
        "--rules",
        RULES,
        "--baseline",
        s(&before),
        "--fail-if-changed",
        s(&input),
    ]);
    assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
    assert!(stderr(&r).contains("2 post(s) change label (--fail-if-changed)"));

    // The rulebook against itself: nothing changes, only the header.
    let r = postclass(&[
        "diff",
        "--rules",
        RULES,
        "--baseline",
        RULES,
        "--fail-if-changed",
        s(&input),
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(
        stdout(&r),
        "id,text,mood_before,mood_after,topics_before,topics_after\n"
    );
    assert!(stderr(&r).contains("0 of 4 posts change label"));
}

#[test]
fn json_records_give_their_id_and_the_default_rulebook_can_be_either_side() {
    let dir = temp_dir("diff-json");
    let input = dir.join("posts.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"a\", \"text\": \"Fed up, my parcel is late again!!!\"}\n\
         {\"id\": \"b\", \"text\": \"Thanks, all good\"}\n",
    )
    .unwrap();
    let out = postclass_ok(&["diff", "--baseline", "default", s(&input), "-q"]);
    assert_eq!(
        stdout(&out),
        "id,text,customer_type_before,customer_type_after,traits_before,traits_after\n",
        "the default against itself"
    );
    // A rulebook of the default's sets whose only rule never fires: every
    // post the default gives a type changes.
    let empty = dir.join("empty.toml");
    std::fs::write(
        &empty,
        "[rulebook]\nname = \"empty\"\nversion = \"1\"\n\
         [[set]]\nid = \"customer_type\"\nmode = \"one\"\nfallback = \"unclassified\"\n\
         [[set.label]]\nid = \"angry\"\n[[set.label.rule]]\nid = \"never\"\nany = [\"zzzq\"]\n\
         [[set]]\nid = \"traits\"\nmode = \"many\"\n\
         [[set.label]]\nid = \"responsiveness\"\n[[set.label.rule]]\nid = \"never-r\"\nany = [\"zzzq\"]\n",
    )
    .unwrap();
    let out = postclass_ok(&[
        "diff",
        "--rules",
        s(&empty),
        "--baseline",
        "default",
        s(&input),
        "-q",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("\na,\"Fed up, my parcel is late again!!!\",angry,unclassified,"),
        "{text}"
    );
}

#[test]
fn bad_uses_are_refused_and_the_input_is_left_alone() {
    let dir = temp_dir("diff-bad");
    let input = posts(&dir);
    let before = std::fs::read_to_string(&input).unwrap();

    let r = postclass(&["diff", "--rules", RULES, "--baseline", "default", s(&input)]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("--baseline default: its sets (customer_type, traits) are not those of the rulebook measured (mood, topics)"),
        "{}",
        stderr(&r)
    );

    let r = postclass(&[
        "diff",
        "--rules",
        RULES,
        "--baseline",
        RULES,
        s(&input),
        "-o",
        s(&input),
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), before);

    let r = postclass(&["diff", "--rules", RULES, s(&input)]);
    assert_eq!(r.status.code(), Some(2), "--baseline is required");
}

#[test]
fn lossy_decoding_says_how_many_bytes_it_replaced_in_diff_and_sample() {
    let dir = temp_dir("diff-lossy");
    let input = dir.join("latin1.csv");
    std::fs::write(&input, b"id,text\n1,Encore coup\xe9e\n2,fed up\n").unwrap();
    for command in [
        &["diff", "--rules", RULES, "--baseline", RULES][..],
        &["sample", "--rules", RULES, "--uncertain", "5"][..],
    ] {
        let mut args = command.to_vec();
        args.extend_from_slice(&["--encoding", "lossy", s(&input)]);
        let out = postclass_ok(&args);
        let err = stderr(&out);
        assert!(
            err.contains(
                "postclass: 1 invalid byte sequences replaced with U+FFFD (--encoding lossy)\n"
            ),
            "{command:?}: {err}"
        );
    }
}
