//! Writes a rulebook file model back as TOML: how `rules show --resolved`
//! prints a chain of rulebooks as the one file it amounts to.

use std::fmt::Write;

use super::chain::Chain;
use super::model::{Mode, RulebookFile, Spanned};

type List = Option<Spanned<Vec<Spanned<String>>>>;

/// The merged rulebook `file` as one TOML file, every label and rule
/// headed by a comment naming the file it comes from. Loading the text
/// gives a rulebook that labels every post as the chain does.
pub fn render(file: &RulebookFile, chain: &Chain) -> String {
    let mut out = String::new();
    let names: Vec<&str> = chain.sources().map(|s| s.name.as_str()).collect();
    let _ = writeln!(
        out,
        "# {} resolved with the rulebooks it extends, as one file.",
        names[0]
    );
    if names.len() > 1 {
        let _ = writeln!(out, "# Files: {}.", names.join(", "));
    }
    let meta = &file.rulebook;
    out.push_str("\n[rulebook]\n");
    key(&mut out, "name", &string(&meta.name));
    key(&mut out, "version", &string(&meta.version));
    if !meta.description.is_empty() {
        key(&mut out, "description", &string(&meta.description));
    }
    if !meta.languages.is_empty() {
        key(
            &mut out,
            "languages",
            &array(meta.languages.iter().map(Spanned::get_ref)),
        );
    }
    let cases = chain.case_files();
    if !cases.is_empty() {
        out.push_str(
            "# The case files of every file of the chain, as paths from the directory
",
        );
        out.push_str(
            "# this was printed in.
",
        );
        let paths: Vec<String> = cases
            .iter()
            .map(|(path, _)| path.to_string_lossy().into_owned())
            .collect();
        key(&mut out, "cases", &array(paths.iter()));
    }
    out.push_str("\n[normalize]\n");
    for (name, step) in file.normalize.steps() {
        let on = !matches!(step, Some(s) if !*s.get_ref());
        key(&mut out, name, &on.to_string());
    }
    for set in &file.set {
        out.push_str("\n[[set]]\n");
        key(&mut out, "id", &string(set.id.get_ref()));
        let mode = match set.mode {
            Mode::One => "one",
            Mode::Many => "many",
        };
        key(&mut out, "mode", &string(mode));
        if !set.description.is_empty() {
            key(&mut out, "description", &string(&set.description));
        }
        key(&mut out, "threshold", &float(*set.threshold.get_ref()));
        if let Some(f) = &set.fallback {
            key(&mut out, "fallback", &string(f.get_ref()));
        }
        if !set.tie_break.is_empty() {
            key(
                &mut out,
                "tie_break",
                &array(set.tie_break.iter().map(Spanned::get_ref)),
            );
        }
        for label in &set.label {
            let _ = write!(
                out,
                "\n# from {}\n[[set.label]]\n",
                chain.name_at(label.id.span().start)
            );
            key(&mut out, "id", &string(label.id.get_ref()));
            for (k, v) in [("title", &label.title), ("description", &label.description)] {
                if !v.is_empty() {
                    key(&mut out, k, &string(v));
                }
            }
            if let Some(p) = label.priority {
                key(&mut out, "priority", &p.to_string());
            }
            if let Some(p) = &label.priority_name {
                key(&mut out, "priority_name", &string(p));
            }
            if let Some(a) = &label.action {
                key(&mut out, "action", &string(a));
            }
            if let Some(t) = &label.threshold {
                key(&mut out, "threshold", &float(*t.get_ref()));
            }
            if label.fixed {
                key(&mut out, "fixed", "true");
            }
            for (k, list) in [
                ("examples", &label.examples),
                ("counter_examples", &label.counter_examples),
            ] {
                if !list.is_empty() {
                    key(&mut out, k, &array(list.iter().map(Spanned::get_ref)));
                }
            }
            for rule in &label.rule {
                let _ = write!(
                    out,
                    "\n# from {}\n[[set.label.rule]]\n",
                    chain.name_at(rule.id.span().start)
                );
                key(&mut out, "id", &string(rule.id.get_ref()));
                key(&mut out, "weight", &float(*rule.weight.get_ref()));
                if rule.fixed {
                    key(&mut out, "fixed", "true");
                }
                if !rule.description.is_empty() {
                    key(&mut out, "description", &string(&rule.description));
                }
                list(&mut out, "lang", &rule.lang);
                list(&mut out, "any", &rule.any);
                list(&mut out, "all", &rule.all);
                list(&mut out, "none", &rule.none);
                list(&mut out, "regex", &rule.regex);
                list(&mut out, "hashtags", &rule.hashtags);
                list(&mut out, "mentions", &rule.mentions);
                list(&mut out, "emoji", &rule.emoji);
                for (k, v) in [
                    ("min_mentions", &rule.min_mentions),
                    ("min_hashtags", &rule.min_hashtags),
                    ("min_letters", &rule.min_letters),
                    ("exclaim", &rule.exclaim),
                    ("question", &rule.question),
                ] {
                    if let Some(v) = v {
                        key(&mut out, k, &v.get_ref().to_string());
                    }
                }
                if let Some(c) = &rule.caps_ratio {
                    key(&mut out, "caps_ratio", &float(*c.get_ref()));
                }
                if let Some(near) = &rule.near {
                    let near = near.get_ref();
                    let value = format!(
                        "{{ left = {}, right = {}, within = {} }}",
                        array(near.left.iter().map(Spanned::get_ref)),
                        array(near.right.iter().map(Spanned::get_ref)),
                        near.within.get_ref()
                    );
                    key(&mut out, "near", &value);
                }
            }
        }
    }
    for lexicon in &file.lexicon {
        let _ = write!(
            out,
            "\n# from {}\n[[lexicon]]\n",
            chain.name_at(lexicon.id.span().start)
        );
        key(&mut out, "id", &string(lexicon.id.get_ref()));
        key(&mut out, "set", &string(lexicon.set.get_ref()));
        if !lexicon.description.is_empty() {
            key(&mut out, "description", &string(&lexicon.description));
        }
        list(&mut out, "lang", &lexicon.lang);
        out.push_str("words = [\n");
        for entry in &lexicon.words {
            let _ = writeln!(out, "    {},", string(entry.get_ref()));
        }
        out.push_str("]\n");
    }
    out
}

fn key(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "{name} = {value}");
}

fn list(out: &mut String, name: &str, value: &List) {
    if let Some(v) = value {
        key(out, name, &array(v.get_ref().iter().map(Spanned::get_ref)));
    }
}

/// A TOML string, in the form the `toml` writer picks (a literal string
/// when that keeps backslashes as they are).
fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn float(x: f64) -> String {
    toml::Value::Float(x).to_string()
}

fn array<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let items: Vec<String> = items.map(|s| string(s)).collect();
    format!("[{}]", items.join(", "))
}
