//! `eval --by`: the figures of each group of labelled posts (by a field of
//! the gold files, by file, by language) beside those of all of them.

use std::fmt::Write as _;

use anyhow::{bail, Result};
use serde::Serialize;

use super::figures::{delta, pct};
use super::gold::Selection;
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
    // The last `:`: a metric's name has none, a group's value may
    // (`source=https://…`).
    let Some((group, metric)) = name.rsplit_once(':') else {
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

/// The fields the gold files are read for: those of the `--by`s but
/// [`LANG`], then those of `--blind`, once each, with the option that asks
/// for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    fields: Vec<(String, &'static str)>,
}

impl Wanted {
    pub fn new(bys: &[By], blind: &Selection) -> Wanted {
        let mut fields: Vec<(String, &'static str)> = Vec::new();
        let by = bys
            .iter()
            .flat_map(|b| &b.fields)
            .map(|f| (f.as_str(), "--by"))
            .filter(|&(f, _)| f != LANG);
        for (f, option) in by.chain(blind.fields().map(|f| (f, "--blind"))) {
            if !fields.iter().any(|(w, _)| w == f) {
                fields.push((f.to_string(), option));
            }
        }
        Wanted { fields }
    }

    /// Each field with the option that asks for it, in the order of
    /// [`crate::commands::gold::Gold::values`].
    pub fn fields(&self) -> &[(String, &'static str)] {
        &self.fields
    }

    /// A post's value of `field`, one of these, from its values read.
    fn value(&self, post: &[Option<String>], field: &str) -> Option<String> {
        let i = self
            .fields
            .iter()
            .position(|(f, _)| f == field)
            .expect("a field read");
        post[i].clone()
    }
}

/// Each post's group for `by`: its value of each field (`None` for an
/// empty one), `values[i]` being post `i`'s values of the `wanted` fields
/// and `langs[i]` its language.
pub fn keys(
    by: &By,
    wanted: &Wanted,
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
                        // An empty value is none: an empty CSV cell and a
                        // missing JSON key make one group.
                        wanted.value(post, f).filter(|v| !v.is_empty())
                    }
                })
                .collect()
        })
        .collect()
}

/// Whether `blind` picks each post, `values[i]` being post `i`'s values of
/// the `wanted` fields (empty when `blind` picks none).
pub fn hidden(blind: &Selection, wanted: &Wanted, values: &[Vec<Option<String>>]) -> Vec<bool> {
    if blind.is_empty() {
        return Vec::new();
    }
    values
        .iter()
        .map(|post| {
            let of_blind: Vec<Option<String>> =
                blind.fields().map(|f| wanted.value(post, f)).collect();
            blind.picks(&of_blind)
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
    let (supported, lowest) = match &s.supported.lowest_recall {
        Some(low) => (
            pct(s.supported.macro_f1),
            format!("{} ({})", pct(low.recall), low.label),
        ),
        None => ("-".to_string(), "-".to_string()),
    };
    [
        s.posts.to_string(),
        cell(s.accuracy),
        pct(s.micro_f1),
        pct(s.macro_f1),
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

/// One table of a report: a grouping and one of its sets.
struct Table<'a> {
    grouping: &'a Grouping,
    /// The set's index, and its figures in the first group (for its name
    /// and kind).
    si: usize,
    set: &'a SetEval,
}

impl Table<'_> {
    /// "traits by file, split".
    fn title(&self) -> String {
        format!("{} by {}", self.set.set, self.grouping.by.join(", "))
    }
}

/// The tables of `groupings`, a set of each grouping at a time.
fn tables(groupings: &[Grouping]) -> impl Iterator<Item = Table<'_>> {
    groupings.iter().flat_map(|grouping| {
        let sets = grouping.groups.first().map_or(&[][..], |g| &g.sets[..]);
        sets.iter()
            .enumerate()
            .map(move |(si, set)| Table { grouping, si, set })
    })
}

/// Writes a table as text: the first column left-aligned, the others
/// right-aligned to their widest cell, but the last one left-aligned when
/// `last_left`.
fn text_table(out: &mut String, head: &[String], rows: &[Vec<String>], last_left: bool) {
    let widths: Vec<usize> = (0..head.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([head[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(head).chain(rows.iter().map(Vec::as_slice)) {
        let mut line = String::new();
        for (c, (cell, &w)) in row.iter().zip(&widths).enumerate() {
            let left = c == 0 || (last_left && c + 1 == row.len());
            let _ = if left && c + 1 == row.len() {
                write!(line, "  {cell}")
            } else if left {
                write!(line, "  {cell:<w$}")
            } else {
                write!(line, "  {cell:>w$}")
            };
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// Writes a table as Markdown: the first column and, when `last_left`,
/// the last one left-aligned, the others right-aligned.
fn md_table(out: &mut String, head: &[String], rows: &[Vec<String>], last_left: bool) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let align: Vec<&str> = (0..head.len())
        .map(|c| {
            if c == 0 || (last_left && c + 1 == head.len()) {
                "---"
            } else {
                "---:"
            }
        })
        .collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

/// The header and rows of a table of figures (see [`figures`]).
fn figures_table(t: &Table, min_support: u64) -> (Vec<String>, Vec<Vec<String>>) {
    let mut head = vec!["group".to_string()];
    head.extend(header(min_support));
    let rows = t
        .grouping
        .groups
        .iter()
        .map(|g| {
            let mut row = vec![name(g)];
            row.extend(figures(&g.sets[t.si]));
            row
        })
        .collect();
    (head, rows)
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

/// A figure as [`pct`] prints it, or "-" for none.
fn cell(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), pct)
}

/// The change from `before` to `after` as [`delta`] prints it, or "-"
/// when either is missing.
fn change(before: Option<f64>, after: Option<f64>) -> String {
    match (before, after) {
        (Some(b), Some(a)) => delta(b, a),
        _ => "-".to_string(),
    }
}

/// The header and rows of a table against the baseline, `None` when the
/// grouping was not measured with one: group, posts, then the headline
/// figure and the supported macro-F1, each baseline, this and change.
fn comparison_table(t: &Table, min_support: u64) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let base = t.grouping.baseline.as_ref()?;
    let (figure, ..) = headline(t.set);
    let head = [
        "group".to_string(),
        "posts".into(),
        format!("{figure} baseline"),
        "this".into(),
        "change".into(),
        format!("macro-F1 (>= {min_support}) baseline"),
        "this".into(),
        "change".into(),
    ];
    let rows = t
        .grouping
        .groups
        .iter()
        .zip(base)
        .map(|(g, b)| {
            let (_, now, now_sup) = headline(&g.sets[t.si]);
            let (_, was, was_sup) = headline(&b.sets[t.si]);
            vec![
                name(g),
                g.sets[t.si].posts.to_string(),
                cell(was),
                cell(now),
                change(was, now),
                cell(was_sup),
                cell(now_sup),
                change(was_sup, now_sup),
            ]
        })
        .collect();
    Some((head.to_vec(), rows))
}

/// The text report: one table a set for each `--by`.
pub fn render_text(groupings: &[Grouping], min_support: u64) -> String {
    let mut out = String::new();
    for t in tables(groupings) {
        let _ = writeln!(out, "\n== {}", t.title());
        let (head, rows) = figures_table(&t, min_support);
        text_table(&mut out, &head, &rows, true);
    }
    out
}

/// The Markdown report: one table a set for each `--by`.
pub fn render_md(groupings: &[Grouping], min_support: u64) -> String {
    let mut out = String::new();
    for t in tables(groupings) {
        let _ = writeln!(out, "\n## {}\n", t.title());
        let (mut head, rows) = figures_table(&t, min_support);
        head[0] = t.grouping.by.join(", ");
        md_table(&mut out, &head, &rows, true);
    }
    out
}

/// The text tables of each group's figures against the baseline named
/// `base`.
pub fn render_comparison_text(groupings: &[Grouping], base: &str, min_support: u64) -> String {
    let mut out = String::new();
    for t in tables(groupings) {
        if let Some((head, rows)) = comparison_table(&t, min_support) {
            let _ = writeln!(out, "\n== {}, against the baseline {base}", t.title());
            text_table(&mut out, &head, &rows, false);
        }
    }
    out
}

/// The Markdown tables of each group's figures against the baseline.
pub fn render_comparison_md(groupings: &[Grouping], base: &str, min_support: u64) -> String {
    let mut out = String::new();
    for t in tables(groupings) {
        if let Some((mut head, rows)) = comparison_table(&t, min_support) {
            let _ = writeln!(out, "\n## {}, against the baseline {base}\n", t.title());
            head[0] = t.grouping.by.join(", ");
            md_table(&mut out, &head, &rows, false);
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
        let blind = Selection::parse(&strings(&["split=holdout", "source!=survey"])).unwrap();
        let wanted = Wanted::new(&bys, &blind);
        let fields: Vec<_> = wanted
            .fields()
            .iter()
            .map(|(f, o)| (f.as_str(), *o))
            .collect();
        assert_eq!(
            fields,
            [("split", "--by"), ("file", "--by"), ("source", "--blind")]
        );
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
        let g = parse_group_metric("source=https://example.org:traits.micro_f1")
            .unwrap()
            .unwrap();
        assert_eq!(
            (g.values[0].as_str(), g.metric.as_str()),
            ("https://example.org", "traits.micro_f1")
        );
        assert!(parse_group_metric("fr:customer_type.accuracy").is_err());
        assert!(parse_group_metric("=fr:customer_type.accuracy").is_err());
    }

    #[test]
    fn keys_take_each_field_and_the_language() {
        let bys = parse(&strings(&["lang,split", "file"])).unwrap();
        let by = &bys[0];
        let read = Wanted::new(
            &[bys[1].clone(), bys[0].clone()],
            &Selection::parse(&[]).unwrap(),
        );
        let values = vec![
            vec![Some("a.csv".into()), Some("tune".into())],
            vec![Some("b.csv".into()), Some(String::new())],
        ];
        let fr = Lang::parse("fr").unwrap();
        let keys = keys(by, &read, &values, &[fr, Lang::UND]);
        let blind = Selection::parse(&strings(&["split=tune"])).unwrap();
        let read_blind = Wanted::new(&[bys[1].clone(), bys[0].clone()], &blind);
        assert_eq!(hidden(&blind, &read_blind, &values), [true, false]);
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
