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

/// A metric of one group of posts, named `FIELD=VALUE[,FIELD=VALUE…]:METRIC`
/// (`lang=fr:customer_type.accuracy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMetric {
    /// The fields of the group, as a `--by` names them.
    pub by: By,
    /// The group's value of each.
    pub values: Vec<String>,
    /// The metric, as for all posts (`customer_type.accuracy`).
    pub metric: String,
}

/// Reads a metric name of `--fail-under` or `--fail-below-baseline`:
/// `None` for a metric of all the posts (no `:`).
pub fn parse_group_metric(name: &str) -> Result<Option<GroupMetric>> {
    let Some((group, metric)) = name.split_once(':') else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for part in group.split(',') {
        match part.split_once('=') {
            Some((f, v)) if !f.trim().is_empty() => {
                fields.push(f.trim().to_string());
                values.push(v.trim().to_string());
            }
            _ => bail!(
                "`{name}`: a group is named FIELD=VALUE[,FIELD=VALUE] before the `:` \
                 (`lang=fr:customer_type.accuracy`), got `{group}`"
            ),
        }
    }
    Ok(Some(GroupMetric {
        by: By { fields },
        values,
        metric: metric.trim().to_string(),
    }))
}

/// The group `g` names among `groupings`, with its baseline's figures when
/// `baseline`; `None` when no post is in it.
pub fn find<'a>(
    groupings: &'a [Grouping],
    g: &GroupMetric,
    baseline: bool,
) -> Option<&'a GroupEval> {
    let grouping = groupings.iter().find(|x| x.by == g.by.fields)?;
    let groups = if baseline {
        grouping.baseline.as_ref()?
    } else {
        &grouping.groups
    };
    groups.iter().find(|group| {
        group
            .values
            .iter()
            .zip(&g.values)
            .all(|(have, want)| have.as_deref().unwrap_or("") == want)
    })
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
    /// The same groups measured with the baseline rulebook (`--baseline`),
    /// in the same order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Vec<GroupEval>>,
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

/// A set's headline figure for a comparison: accuracy for a `one` set,
/// micro-F1 for a `many` set; then the supported macro-F1.
fn headline(s: &SetEval) -> (&'static str, Option<f64>, Option<f64>) {
    let labelled = s.posts > 0;
    let supported =
        (labelled && s.supported.lowest_recall.is_some()).then_some(s.supported.macro_f1);
    match s.accuracy {
        Some(a) => ("accuracy", labelled.then_some(a), supported),
        None => ("micro-F1", labelled.then_some(s.micro_f1), supported),
    }
}

/// "0.733", or "-" for no figure.
fn cell(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| format!("{x:.3}"))
}

/// The change from `before` to `after`: "+0.010", "-0.003", "0", "-"
/// when either is missing.
fn change(before: Option<f64>, after: Option<f64>) -> String {
    match (before, after) {
        (Some(b), Some(a)) if (a - b).abs() < 0.0005 => "0".to_string(),
        (Some(b), Some(a)) => format!("{:+.3}", a - b),
        _ => "-".to_string(),
    }
}

/// The rows of a comparison table of set `si`: group, posts, then the
/// headline figure and the supported macro-F1, each baseline, this and
/// change.
fn comparison_rows(groups: &[GroupEval], base: &[GroupEval], si: usize) -> Vec<[String; 8]> {
    groups
        .iter()
        .zip(base)
        .map(|(g, b)| {
            let (_, now, now_sup) = headline(&g.sets[si]);
            let (_, was, was_sup) = headline(&b.sets[si]);
            [
                name(g),
                g.sets[si].posts.to_string(),
                cell(was),
                cell(now),
                change(was, now),
                cell(was_sup),
                cell(now_sup),
                change(was_sup, now_sup),
            ]
        })
        .collect()
}

/// The text tables of each group's figures against the baseline `base`.
pub fn render_comparison_text(
    groupings: &[Grouping],
    name_of_base: &str,
    min_support: u64,
) -> String {
    let mut out = String::new();
    for g in groupings {
        let (Some(base), Some(first)) = (&g.baseline, g.groups.first()) else {
            continue;
        };
        for (si, set) in first.sets.iter().enumerate() {
            let (figure, ..) = headline(set);
            let _ = writeln!(
                out,
                "\n== {} by {}, against the baseline {name_of_base}",
                set.set,
                g.by.join(", ")
            );
            let rows = comparison_rows(&g.groups, base, si);
            let w = rows.iter().map(|r| r[0].len()).max().unwrap_or(0).max(5);
            let first = format!("{figure} baseline");
            let second = format!("macro-F1 (>= {min_support}) baseline");
            let _ = writeln!(
                out,
                "  {:<w$}  posts  {first}   this  change  {second}   this  change",
                "group"
            );
            let (w1, w2) = (first.len(), second.len());
            for r in rows {
                let _ = writeln!(
                    out,
                    "  {:<w$}  {:>5}  {:>w1$}  {:>5}  {:>6}  {:>w2$}  {:>5}  {:>6}",
                    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
                );
            }
        }
    }
    out
}

/// The Markdown tables of each group's figures against the baseline.
pub fn render_comparison_md(
    groupings: &[Grouping],
    name_of_base: &str,
    min_support: u64,
) -> String {
    let mut out = String::new();
    for g in groupings {
        let (Some(base), Some(first)) = (&g.baseline, g.groups.first()) else {
            continue;
        };
        for (si, set) in first.sets.iter().enumerate() {
            let (figure, ..) = headline(set);
            let _ = writeln!(
                out,
                "\n## {} by {}, against the baseline {name_of_base}\n",
                set.set,
                g.by.join(", ")
            );
            let _ = writeln!(
                out,
                "| {} | posts | {figure}, baseline | this | change | macro-F1 (>= {min_support}), baseline | this | change |\n|---|---:|---:|---:|---:|---:|---:|---:|",
                g.by.join(", ")
            );
            for r in comparison_rows(&g.groups, base, si) {
                let _ = writeln!(out, "| {} |", r.join(" | "));
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
    fn a_metric_may_name_a_group() {
        assert_eq!(parse_group_metric("customer_type.accuracy").unwrap(), None);
        let g = parse_group_metric("file=a.csv, split=holdout:customer_type.accuracy")
            .unwrap()
            .unwrap();
        assert_eq!(g.by.fields, ["file", "split"]);
        assert_eq!(g.values, ["a.csv", "holdout"]);
        assert_eq!(g.metric, "customer_type.accuracy");
        // An empty value names the posts with none.
        let g = parse_group_metric("split=:traits.micro_f1")
            .unwrap()
            .unwrap();
        assert_eq!(g.values, [""]);
        assert!(parse_group_metric("fr:customer_type.accuracy").is_err());
        assert!(parse_group_metric("=fr:customer_type.accuracy").is_err());
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
