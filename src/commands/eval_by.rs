//! `eval --by`: the figures of each group of labelled posts (by a field of
//! the gold files, by file, by language) beside those of all of them.

use std::fmt::Write as _;

use anyhow::{bail, Result};
use serde::Serialize;

use crate::eval::{GroupEval, SetEval};
use crate::lang::{self, Lang};

/// The value of `--by` that groups posts by their language.
pub const LANG: &str = "lang";

/// One `--by`: the fields whose values, together, make a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct By {
    pub fields: Vec<String>,
}

/// Parses each `--by FIELD[,FIELD…]`.
pub fn parse(items: &[String]) -> Result<Vec<By>> {
    items
        .iter()
        .map(|item| {
            let fields: Vec<String> = item.split(',').map(|f| f.trim().to_string()).collect();
            if fields.iter().any(String::is_empty) {
                bail!("--by expects FIELD or FIELD,FIELD…, got `{item}`");
            }
            Ok(By { fields })
        })
        .collect()
}

/// The fields the gold files must give for `bys`: every field named, but
/// [`LANG`], once each, in order.
pub fn read_fields(bys: &[By]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in bys.iter().flat_map(|b| &b.fields) {
        if f != LANG && !out.contains(f) {
            out.push(f.clone());
        }
    }
    out
}

/// Each post's group for `by`: its value of each field, `values[i]` being
/// post `i`'s values of `read` (see [`read_fields`]) and `langs[i]` its
/// language.
pub fn keys(
    by: &By,
    read: &[String],
    values: &[Vec<Option<String>>],
    langs: &[Lang],
) -> Vec<Vec<Option<String>>> {
    values
        .iter()
        .zip(langs)
        .map(|(post, lang)| {
            by.fields
                .iter()
                .map(|f| {
                    if f == LANG {
                        Some(lang.to_string())
                    } else {
                        let i = read.iter().position(|r| r == f).expect("a field read");
                        post[i].clone()
                    }
                })
                .collect()
        })
        .collect()
}

/// Each post's language as `classify` gives it: its file's, else detected.
pub fn langs<'a>(posts: impl Iterator<Item = (Option<Lang>, &'a str)>) -> Vec<Lang> {
    posts
        .map(|(given, text)| given.unwrap_or_else(|| lang::detect(text)))
        .collect()
}

/// The groups of one `--by`, for the JSON report.
#[derive(Debug, Serialize)]
pub struct Grouping {
    pub by: Vec<String>,
    pub groups: Vec<GroupEval>,
}

/// A group's name: its values joined, "(none)" for a missing one.
fn name(g: &GroupEval) -> String {
    g.values
        .iter()
        .map(|v| match v.as_deref() {
            None | Some("") => "(none)",
            Some(v) => v,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The figures of a set in one group: posts, accuracy (`one` sets),
/// micro-F1, macro-F1, and the supported macro-F1 and lowest recall; only
/// the posts when none of the group's posts is labelled in the set.
fn figures(s: &SetEval) -> [String; 6] {
    if s.posts == 0 {
        let none = || "-".to_string();
        return ["0".to_string(), none(), none(), none(), none(), none()];
    }
    let f = |x: f64| format!("{x:.3}");
    let (supported, lowest) = match &s.supported.lowest_recall {
        Some(low) => (
            f(s.supported.macro_f1),
            format!("{} ({})", f(low.recall), low.label),
        ),
        None => ("-".to_string(), "-".to_string()),
    };
    [
        s.posts.to_string(),
        s.accuracy.map_or_else(|| "-".to_string(), f),
        f(s.micro_f1),
        f(s.macro_f1),
        supported,
        lowest,
    ]
}

/// The header of [`figures`], with the support they count from.
fn header(min_support: u64) -> [String; 6] {
    [
        "posts".into(),
        "accuracy".into(),
        "micro-F1".into(),
        "macro-F1".into(),
        format!("macro-F1 (>= {min_support})"),
        "lowest recall".into(),
    ]
}

/// The text report: one table a set for each `--by`.
pub fn render_text(groupings: &[Grouping], min_support: u64) -> String {
    let mut out = String::new();
    for g in groupings {
        let Some(first) = g.groups.first() else {
            continue;
        };
        for (si, set) in first.sets.iter().enumerate() {
            let _ = writeln!(out, "\n== {} by {}", set.set, g.by.join(", "));
            let names: Vec<String> = g.groups.iter().map(name).collect();
            let w = names.iter().map(String::len).max().unwrap_or(0).max(5);
            let head = header(min_support);
            let _ = write!(out, "  {:<w$}", "group");
            for (i, h) in head.iter().enumerate() {
                if i + 1 == head.len() {
                    let _ = write!(out, "  {h}");
                } else {
                    let _ = write!(out, "  {h:>8}");
                }
            }
            out.push('\n');
            for (group, name) in g.groups.iter().zip(&names) {
                let cells = figures(&group.sets[si]);
                let _ = write!(out, "  {name:<w$}");
                for (i, (c, h)) in cells.iter().zip(&head).enumerate() {
                    if i + 1 == cells.len() {
                        let _ = write!(out, "  {c}");
                    } else {
                        let _ = write!(out, "  {c:>hw$}", hw = h.len().max(8));
                    }
                }
                out.push('\n');
            }
        }
    }
    out
}

/// The Markdown report: one table a set for each `--by`.
pub fn render_md(groupings: &[Grouping], min_support: u64) -> String {
    let mut out = String::new();
    for g in groupings {
        let Some(first) = g.groups.first() else {
            continue;
        };
        for (si, set) in first.sets.iter().enumerate() {
            let _ = writeln!(out, "\n## {} by {}\n", set.set, g.by.join(", "));
            let _ = writeln!(
                out,
                "| {} | {} |\n|---|---:|---:|---:|---:|---:|---|",
                g.by.join(", "),
                header(min_support).join(" | ")
            );
            for group in &g.groups {
                let _ = writeln!(
                    out,
                    "| {} | {} |",
                    name(group),
                    figures(&group.sets[si]).join(" | ")
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn by_names_one_field_or_several() {
        let bys = parse(&strings(&["split", "file, split", "lang"])).unwrap();
        assert_eq!(bys[0].fields, ["split"]);
        assert_eq!(bys[1].fields, ["file", "split"]);
        assert_eq!(read_fields(&bys), ["split", "file"]);
        assert!(parse(&strings(&["split,"])).is_err());
        assert!(parse(&strings(&[""])).is_err());
    }

    #[test]
    fn keys_take_each_field_and_the_language() {
        let by = &parse(&strings(&["lang,split"])).unwrap()[0];
        let read = strings(&["file", "split"]);
        let values = vec![
            vec![Some("a.csv".into()), Some("tune".into())],
            vec![Some("b.csv".into()), None],
        ];
        let fr = Lang::parse("fr").unwrap();
        let keys = keys(by, &read, &values, &[fr, Lang::UND]);
        assert_eq!(
            keys,
            [
                vec![Some("fr".to_string()), Some("tune".to_string())],
                vec![Some("und".to_string()), None],
            ]
        );
    }

    #[test]
    fn a_language_given_wins_over_detection() {
        let fr = Lang::parse("fr").unwrap();
        let text = "the flight was late and nobody told us anything about it";
        let got = langs([(Some(fr), text), (None, text)].into_iter());
        assert_eq!(got[0], fr);
        assert_eq!(got[1], lang::detect(text));
        assert_ne!(got[1], fr);
    }
}
