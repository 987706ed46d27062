//! The matcher examples of docs/writing-rules.md hold: each rule fires on
//! its "fires" posts and not on its "does not fire" posts, and is clean for
//! `postclass check`.

use postclass::engine;
use postclass::rulebook::Source;

struct Example {
    rule: String,
    fires: Vec<String>,
    does_not_fire: Vec<String>,
}

/// Every `[[set.label.rule]]` TOML block of the page, with the bullets after it.
fn examples(page: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        if line == "```toml" {
            let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            if block.first() == Some(&"[[set.label.rule]]") {
                out.push(Example {
                    rule: block.join("\n"),
                    fires: Vec::new(),
                    does_not_fire: Vec::new(),
                });
            }
            continue;
        }
        let quoted = |prefix: &str| {
            line.strip_prefix(prefix)
                .map(|rest| rest.trim().trim_matches('`').to_string())
        };
        if let Some(last) = out.last_mut() {
            if let Some(t) = quoted("- fires:") {
                last.fires.push(t);
            } else if let Some(t) = quoted("- does not fire:") {
                last.does_not_fire.push(t);
            }
        }
    }
    out
}

#[test]
fn every_matcher_example_in_the_docs_holds() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/writing-rules.md"),
    )
    .expect("read docs/writing-rules.md");
    let examples = examples(&page);
    assert!(examples.len() >= 15, "only {} examples", examples.len());
    for ex in &examples {
        assert!(
            !ex.fires.is_empty() && !ex.does_not_fire.is_empty(),
            "every example shows a post that fires and one that does not:\n{}",
            ex.rule
        );
        let text = format!(
            "[rulebook]\nname = \"doc\"\nversion = \"1\"\n\n[[set]]\nid = \"s\"\nmode = \"one\"\nfallback = \"no\"\n\n[[set.label]]\nid = \"yes\"\n{}\n\n[[set.label]]\nid = \"no\"\n",
            ex.rule
        );
        let (rb, report) = match engine::load(Source::new("doc.toml", text)) {
            Ok(loaded) => loaded,
            Err(report) => panic!("{}", report.render_human(false)),
        };
        assert!(
            report.diagnostics.is_empty(),
            "{}",
            report.render_human(false)
        );
        for post in &ex.fires {
            let v = rb.classify(post);
            assert_eq!(
                rb.label_of(&v, 0),
                "yes",
                "should fire on {post:?}:\n{}",
                ex.rule
            );
        }
        for post in &ex.does_not_fire {
            let v = rb.classify(post);
            assert_eq!(
                rb.label_of(&v, 0),
                "no",
                "should not fire on {post:?}:\n{}",
                ex.rule
            );
        }
    }
}
