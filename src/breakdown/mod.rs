//! Breakdowns (`--by FIELD`): label counts per value of a field, such as
//! per mentioned brand, per day of a date field or per language, and per
//! group the rules that fired most often on its most urgent posts.

pub mod date;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use anyhow::{bail, Result};
use csv::ByteRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::signals::sigil_tokens;
use crate::engine::Rulebook;
use crate::input::fields::{self, JsonPath};
use crate::pipeline::{Item, Raw};
use crate::rulebook::Mode;
use date::Bucket;

/// Distinct values kept per breakdown; rows with further values are counted
/// under [`OTHER`], so that a breakdown by a unique id cannot exhaust memory.
pub const MAX_GROUPS: usize = 100_000;
/// The group of the values past [`MAX_GROUPS`].
pub const OTHER: &str = "(other)";

/// One breakdown of a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Breakdown {
    /// What it is by, as given to `--by`.
    pub by: String,
    /// Rows with no value (no @mention, an empty or absent field).
    pub missing: u64,
    /// Rows whose value is not a date in a known format (date breakdowns).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub invalid: u64,
    /// The label whose posts' rules are counted per group (`focus_rules`):
    /// the first-priority label of the first `one` set, `SET.LABEL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
    /// One per value, most rows first (date breakdowns: in date order).
    pub groups: Vec<Group>,
}

/// The rows of one value of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub key: String,
    pub rows: u64,
    /// Per set id, per label id: rows of the group with that label (zero
    /// counts left out).
    pub labels: BTreeMap<String, BTreeMap<String, u64>>,
    /// Rules that fired on the group's `focus` posts, most hits first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub focus_rules: Vec<RuleHits>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleHits {
    pub rule: String,
    pub hits: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Where a breakdown's values come from.
#[derive(Debug, Clone)]
enum Source {
    /// The distinct @handles in the post text.
    Mentions,
    /// The distinct #hashtags in the post text.
    Hashtags,
    /// The post's language, as the run found it (`und` included).
    Lang,
    Column(usize),
    Path(JsonPath),
}

/// A `--by` argument, resolved against the input.
#[derive(Debug, Clone)]
pub struct Spec {
    by: String,
    source: Source,
    bucket: Option<Bucket>,
}

impl Spec {
    /// Reads `by` (`mentions`, `hashtags`, `lang`, `FIELD` or `FIELD:hour|day|month|year`)
    /// against the input's CSV header, or as a JSON path when there is none.
    pub fn resolve(by: &str, header: Option<&ByteRecord>) -> Result<Spec> {
        let (name, bucket) = match by.rsplit_once(':') {
            Some((f, b)) => match Bucket::from_name(b) {
                Some(bucket) => (f, Some(bucket)),
                None => bail!(
                    "--by {by}: unknown date grouping `{b}`; use FIELD:hour, FIELD:day, FIELD:month or FIELD:year"
                ),
            },
            None => (by, None),
        };
        if name.is_empty() {
            bail!("--by needs a field name, `mentions` or `hashtags`");
        }
        let source = match (name, header) {
            ("mentions", _) if bucket.is_none() => Source::Mentions,
            ("hashtags", _) if bucket.is_none() => Source::Hashtags,
            ("lang", _) if bucket.is_none() => Source::Lang,
            (_, Some(h)) => {
                let names: Vec<String> = h
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                match fields::find_csv_column(&refs, name) {
                    Some(c) => Source::Column(c),
                    None => bail!(
                        "--by {by}: no column named `{name}`; the columns are: {}",
                        names.join(", ")
                    ),
                }
            }
            (_, None) => Source::Path(JsonPath::parse(name)),
        };
        Ok(Spec {
            by: by.to_string(),
            source,
            bucket,
        })
    }
}

#[derive(Debug, Default)]
struct GroupTally {
    rows: u64,
    /// Per set, per label (the fallback last when it is not a label).
    labels: Vec<Vec<u64>>,
    /// Per rule, hits on focus rows; empty until one is seen.
    focus_rules: Vec<u64>,
}

#[derive(Debug, Default)]
struct Tally {
    groups: HashMap<String, GroupTally>,
    missing: u64,
    invalid: u64,
}

/// The breakdowns of a run, counted row by row.
#[derive(Debug)]
pub struct Breakdowns {
    specs: Vec<Spec>,
    tallies: Vec<Tally>,
    /// (set, label index) of the focus label.
    focus: Option<(usize, usize)>,
    keys: Vec<String>,
}

impl Breakdowns {
    pub fn new(specs: Vec<Spec>, rulebook: &Rulebook) -> Breakdowns {
        let tallies = specs.iter().map(|_| Tally::default()).collect();
        Breakdowns {
            specs,
            tallies,
            focus: focus_label(rulebook),
            keys: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Counts one labelled row.
    pub fn add(&mut self, rulebook: &Rulebook, item: &Item) {
        let given = given_labels(rulebook, &item.verdict);
        let focused = self.focus.is_some_and(|(s, l)| given[s].contains(&l));
        for (spec, tally) in self.specs.iter().zip(&mut self.tallies) {
            self.keys.clear();
            let found = values(spec, item, &mut self.keys);
            if self.keys.is_empty() {
                if found {
                    tally.invalid += 1;
                } else {
                    tally.missing += 1;
                }
                continue;
            }
            for key in &self.keys {
                let group = match tally.groups.get_mut(key.as_str()) {
                    Some(g) => g,
                    None => {
                        let key = if tally.groups.len() >= MAX_GROUPS {
                            OTHER.to_string()
                        } else {
                            key.clone()
                        };
                        tally.groups.entry(key).or_insert_with(|| GroupTally {
                            rows: 0,
                            labels: rulebook
                                .sets
                                .iter()
                                .map(|s| vec![0; s.labels.len() + 1])
                                .collect(),
                            focus_rules: Vec::new(),
                        })
                    }
                };
                group.rows += 1;
                for (s, labels) in given.iter().enumerate() {
                    for &l in labels {
                        group.labels[s][l] += 1;
                    }
                }
                if focused {
                    group.focus_rules.resize(rulebook.rules.len(), 0);
                    for &r in &item.verdict.fired {
                        group.focus_rules[r] += 1;
                    }
                }
            }
        }
    }

    /// The breakdowns as written in the summary.
    pub fn into_summary(self, rulebook: &Rulebook) -> Vec<Breakdown> {
        let focus = self.focus.map(|(s, l)| focus_name(rulebook, s, l));
        self.specs
            .into_iter()
            .zip(self.tallies)
            .map(|(spec, tally)| {
                let groups = tally
                    .groups
                    .into_iter()
                    .map(|(key, g)| Group {
                        key,
                        rows: g.rows,
                        labels: label_map(rulebook, &g.labels),
                        focus_rules: g
                            .focus_rules
                            .iter()
                            .enumerate()
                            .filter(|(_, &n)| n > 0)
                            .map(|(r, &hits)| RuleHits {
                                rule: rulebook.rules[r].id.clone(),
                                hits,
                            })
                            .collect(),
                    })
                    .collect();
                let mut b = Breakdown {
                    by: spec.by,
                    missing: tally.missing,
                    invalid: tally.invalid,
                    focus: focus.clone(),
                    groups,
                };
                b.sort();
                b
            })
            .collect()
    }
}

/// The values of one row for `spec`, into `out`. False when the row has no
/// value at all (as opposed to a value that is not a date).
fn values(spec: &Spec, item: &Item, out: &mut Vec<String>) -> bool {
    let mut push = |v: String| {
        if !out.contains(&v) {
            out.push(v);
        }
    };
    let mut raw: Vec<String> = Vec::new();
    match &spec.source {
        Source::Mentions | Source::Hashtags => {
            let sigil = if matches!(spec.source, Source::Mentions) {
                '@'
            } else {
                '#'
            };
            for tag in sigil_tokens(&item.text, sigil) {
                push(format!("{sigil}{}", tag.to_lowercase()));
            }
            return !out.is_empty();
        }
        Source::Lang => {
            push(item.verdict.lang.lang.to_string());
            return true;
        }
        Source::Column(c) => {
            if let Raw::Csv(rec) = &item.raw {
                if let Some(f) = rec.get(*c) {
                    raw.push(f.trim().to_string());
                }
            }
        }
        Source::Path(p) => {
            if let Some(v) = item.value.as_ref().and_then(|v| p.get(v)) {
                json_values(v, &mut raw);
            }
        }
    }
    raw.retain(|v| !v.is_empty());
    if raw.is_empty() {
        return false;
    }
    for v in raw {
        match spec.bucket {
            None => push(v),
            Some(b) => {
                if let Some(d) = date::parse(&v) {
                    push(b.key(&d));
                }
            }
        }
    }
    true
}

/// A JSON value as breakdown values: each element of an array, strings as
/// they are, other scalars as their JSON text.
fn json_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Null => {}
        Value::String(s) => out.push(s.trim().to_string()),
        Value::Array(items) => items.iter().for_each(|i| match i {
            Value::Array(_) => out.push(i.to_string()),
            _ => json_values(i, out),
        }),
        other => out.push(other.to_string()),
    }
}

/// Per set, the label indices a verdict gave; a `one` set's fallback is
/// the index past its labels unless it is one of them.
fn given_labels(rulebook: &Rulebook, verdict: &crate::Verdict) -> Vec<Vec<usize>> {
    rulebook
        .sets
        .iter()
        .zip(&verdict.sets)
        .map(|(set, sv)| {
            if sv.labels.is_empty() && sv.fallback {
                vec![set.fallback_label.unwrap_or(set.labels.len())]
            } else {
                sv.labels.clone()
            }
        })
        .collect()
}

/// The label of the first `one` set with the best (lowest) priority.
fn focus_label(rulebook: &Rulebook) -> Option<(usize, usize)> {
    let s = rulebook.primary_set()?;
    let set = &rulebook.sets[s];
    debug_assert!(set.mode == Mode::One);
    set.labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.priority.map(|p| (p, i)))
        .min()
        .map(|(_, i)| (s, i))
}

fn focus_name(rulebook: &Rulebook, s: usize, l: usize) -> String {
    format!("{}.{}", rulebook.sets[s].id, rulebook.sets[s].labels[l].id)
}

fn label_map(rulebook: &Rulebook, counts: &[Vec<u64>]) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for (set, per_label) in rulebook.sets.iter().zip(counts) {
        let mut m = BTreeMap::new();
        for (i, &n) in per_label.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let id = match set.labels.get(i) {
                Some(l) => l.id.clone(),
                None => set.fallback.clone().unwrap_or_default(),
            };
            m.insert(id, n);
        }
        if !m.is_empty() {
            out.insert(set.id.clone(), m);
        }
    }
    out
}

impl Breakdown {
    fn is_dated(&self) -> bool {
        self.by
            .rsplit_once(':')
            .is_some_and(|(_, b)| Bucket::from_name(b).is_some())
    }

    /// Puts groups and their rules in their reading order.
    fn sort(&mut self) {
        for g in &mut self.groups {
            g.focus_rules
                .sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.rule.cmp(&b.rule)));
        }
        if self.is_dated() {
            self.groups.sort_by(|a, b| a.key.cmp(&b.key));
        } else {
            self.groups
                .sort_by(|a, b| b.rows.cmp(&a.rows).then_with(|| a.key.cmp(&b.key)));
        }
    }

    /// Adds `other`'s counts, as if both had been counted in one run.
    /// Callers check first that both are by the same thing.
    pub fn merge(&mut self, other: &Breakdown) {
        let Breakdown {
            by: _,
            missing,
            invalid,
            focus: _,
            groups,
        } = other;
        self.missing += missing;
        self.invalid += invalid;
        let mut index: HashMap<String, usize> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.key.clone(), i))
            .collect();
        for g in groups {
            let i = *index.entry(g.key.clone()).or_insert_with(|| {
                self.groups.push(Group {
                    key: g.key.clone(),
                    rows: 0,
                    labels: BTreeMap::new(),
                    focus_rules: Vec::new(),
                });
                self.groups.len() - 1
            });
            let mine = &mut self.groups[i];
            mine.rows += g.rows;
            for (set, labels) in &g.labels {
                let m = mine.labels.entry(set.clone()).or_default();
                for (label, n) in labels {
                    *m.entry(label.clone()).or_default() += n;
                }
            }
            for rh in &g.focus_rules {
                match mine.focus_rules.iter_mut().find(|x| x.rule == rh.rule) {
                    Some(x) => x.hits += rh.hits,
                    None => mine.focus_rules.push(rh.clone()),
                }
            }
        }
        self.sort();
    }
}

/// The breakdowns as aligned text tables, for a terminal: the first `top`
/// groups of each, with the labels of `set` as columns.
pub fn render_table(out: &mut String, breakdowns: &[Breakdown], columns: &[String], top: usize) {
    for b in breakdowns {
        let shown: Vec<&Group> = b.groups.iter().take(top).collect();
        let key_w = shown
            .iter()
            .map(|g| g.key.chars().count())
            .max()
            .unwrap_or(0)
            .max(b.by.len())
            .min(40);
        let _ = writeln!(out, "\nby {}", b.by);
        let _ = write!(out, "  {:<key_w$}  {:>7}", "", "rows");
        for c in columns {
            let _ = write!(out, "  {:>w$}", short_label(c), w = col_width(c));
        }
        if b.focus.is_some() {
            let _ = write!(
                out,
                "  top rules ({})",
                short_label(b.focus.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
        for g in &shown {
            let key: String = g.key.chars().take(40).collect();
            let _ = write!(out, "  {key:<key_w$}  {:>7}", g.rows);
            for c in columns {
                let _ = write!(out, "  {:>w$}", label_count(g, c), w = col_width(c));
            }
            if b.focus.is_some() && !g.focus_rules.is_empty() {
                let rules: Vec<String> = g
                    .focus_rules
                    .iter()
                    .take(3)
                    .map(|r| format!("{} ({})", r.rule, r.hits))
                    .collect();
                let _ = write!(out, "  {}", rules.join(", "));
            }
            out.push('\n');
        }
        let more = b.groups.len().saturating_sub(top);
        if more > 0 {
            let _ = writeln!(out, "  … {more} more");
        }
        if b.missing > 0 {
            let _ = writeln!(out, "  (rows with no value: {})", b.missing);
        }
        if b.invalid > 0 {
            let _ = writeln!(out, "  (rows whose value is not a date: {})", b.invalid);
        }
    }
}

/// The breakdowns as Markdown tables.
pub fn render_markdown(out: &mut String, breakdowns: &[Breakdown], columns: &[String]) {
    for b in breakdowns {
        let _ = writeln!(out, "\n## By {}\n", b.by);
        let _ = write!(out, "| {} | rows |", b.by);
        for c in columns {
            let _ = write!(out, " {} |", short_label(c));
        }
        if let Some(f) = &b.focus {
            let _ = write!(out, " top rules ({}) |", short_label(f));
        }
        let _ = write!(out, "\n|---|---:|");
        for _ in columns {
            out.push_str("---:|");
        }
        if b.focus.is_some() {
            out.push_str("---|");
        }
        out.push('\n');
        for g in &b.groups {
            let _ = write!(out, "| {} | {} |", g.key.replace('|', "\\|"), g.rows);
            for c in columns {
                let _ = write!(out, " {} |", label_count(g, c));
            }
            if b.focus.is_some() {
                let rules: Vec<String> = g
                    .focus_rules
                    .iter()
                    .take(3)
                    .map(|r| format!("{} ({})", r.rule, r.hits))
                    .collect();
                let _ = write!(out, " {} |", rules.join(", "));
            }
            out.push('\n');
        }
        if b.missing > 0 {
            let _ = writeln!(out, "\nRows with no value: {}.", b.missing);
        }
        if b.invalid > 0 {
            let _ = writeln!(out, "\nRows whose value is not a date: {}.", b.invalid);
        }
    }
}

/// CSV rows (`section,set,id,count,share`) of the breakdowns: one
/// `breakdown` row per group (`set` = by, `id` = key), then one
/// `breakdown_label` row per label count (`set` = `by=key`, `id` = `SET.LABEL`).
pub fn csv_rows(breakdowns: &[Breakdown], mut row: impl FnMut([&str; 5])) {
    for b in breakdowns {
        for g in &b.groups {
            row(["breakdown", &b.by, &g.key, &g.rows.to_string(), ""]);
            let at = format!("{}={}", b.by, g.key);
            for (set, labels) in &g.labels {
                for (label, n) in labels {
                    row([
                        "breakdown_label",
                        &at,
                        &format!("{set}.{label}"),
                        &n.to_string(),
                        "",
                    ]);
                }
            }
        }
        row(["breakdown_missing", &b.by, "", &b.missing.to_string(), ""]);
        if b.invalid > 0 {
            row(["breakdown_invalid", &b.by, "", &b.invalid.to_string(), ""]);
        }
    }
}

/// The count of `SET.LABEL` in a group.
pub fn label_count(g: &Group, column: &str) -> u64 {
    let (set, label) = column.split_once('.').unwrap_or(("", column));
    g.labels
        .get(set)
        .and_then(|m| m.get(label))
        .copied()
        .unwrap_or(0)
}

fn short_label(column: &str) -> &str {
    column.split_once('.').map_or(column, |(_, l)| l)
}

fn col_width(column: &str) -> usize {
    short_label(column).chars().count().max(5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Pos;

    const BOOK: &str = r#"
[rulebook]
name = "t"
version = "1"
[[set]]
id = "type"
mode = "one"
fallback = "other"
[[set.label]]
id = "angry"
priority = 1
[[set.label.rule]]
id = "again"
any = ["again"]
[[set.label.rule]]
id = "down"
any = ["down"]
[[set.label]]
id = "fan"
priority = 3
[[set.label.rule]]
id = "love"
any = ["love"]
"#;

    fn item(rb: &Rulebook, fields: &[&str]) -> Item {
        let rec = csv::StringRecord::from(fields.to_vec());
        let text = fields[0].to_string();
        Item {
            pos: Pos::default(),
            raw: Raw::Csv(rec),
            read_problem: None,
            verdict: rb.classify(&text),
            text,
            value: None,
            problem: None,
            original: Vec::new(),
            lang_value: String::new(),
        }
    }

    fn run(by: &str, rows: &[&[&str]]) -> Breakdown {
        let rb = crate::engine::from_str("t", BOOK).unwrap();
        let header = ByteRecord::from(vec!["text", "when", "country"]);
        let spec = Spec::resolve(by, Some(&header)).unwrap();
        let mut b = Breakdowns::new(vec![spec], &rb);
        for r in rows {
            b.add(&rb, &item(&rb, r));
        }
        b.into_summary(&rb).remove(0)
    }

    const ROWS: &[&[&str]] = &[
        &["@Delta down again", "2015-02-24 23:10 -0800", "en"],
        &["@delta @United I love you @DELTA", "24-02-2015 11:35", "en"],
        &["@united down", "Wed Feb 25 06:55:44 +0000 2015", "fr"],
        &["nothing", "soon", ""],
    ];

    #[test]
    fn mentions_count_each_brand_once_per_post() {
        let b = run("mentions", ROWS);
        let keys: Vec<(&str, u64)> = b.groups.iter().map(|g| (g.key.as_str(), g.rows)).collect();
        assert_eq!(keys, vec![("@delta", 2), ("@united", 2)]);
        assert_eq!(b.missing, 1);
        assert_eq!(b.focus.as_deref(), Some("type.angry"));
        let delta = &b.groups[0];
        assert_eq!(label_count(delta, "type.angry"), 1);
        assert_eq!(label_count(delta, "type.fan"), 1);
        let rules: Vec<(&str, u64)> = delta
            .focus_rules
            .iter()
            .map(|r| (r.rule.as_str(), r.hits))
            .collect();
        assert_eq!(rules, vec![("again", 1), ("down", 1)]);
    }

    #[test]
    fn dates_group_by_utc_day_in_date_order() {
        let b = run("when:day", ROWS);
        let keys: Vec<(&str, u64)> = b.groups.iter().map(|g| (g.key.as_str(), g.rows)).collect();
        assert_eq!(keys, vec![("2015-02-24", 1), ("2015-02-25", 2)]);
        assert_eq!(b.invalid, 1);
        assert_eq!(b.missing, 0);
    }

    #[test]
    fn columns_group_by_value_and_count_the_fallback() {
        let b = run("country", ROWS);
        let keys: Vec<(&str, u64)> = b.groups.iter().map(|g| (g.key.as_str(), g.rows)).collect();
        assert_eq!(keys, vec![("en", 2), ("fr", 1)]);
        assert_eq!(b.missing, 1);
        let rb = crate::engine::from_str("t", BOOK).unwrap();
        let header = ByteRecord::from(vec!["text", "when", "country"]);
        let mut bd = Breakdowns::new(vec![Spec::resolve("country", Some(&header)).unwrap()], &rb);
        bd.add(&rb, &item(&rb, &["meh", "", "de"]));
        let g = &bd.into_summary(&rb)[0].groups[0];
        assert_eq!(label_count(g, "type.other"), 1);
    }

    #[test]
    fn merging_halves_gives_the_whole() {
        let whole = run("mentions", ROWS);
        let mut a = run("mentions", &ROWS[..2]);
        let b = run("mentions", &ROWS[2..]);
        a.merge(&b);
        assert_eq!(a, whole);
    }

    #[test]
    fn unknown_columns_and_groupings_are_refused() {
        let header = ByteRecord::from(vec!["text", "when"]);
        let e = Spec::resolve("country", Some(&header)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--by country: no column named `country`; the columns are: text, when"
        );
        // `lang` is each post's language, whatever the columns.
        assert!(matches!(
            Spec::resolve("lang", Some(&header)).unwrap().source,
            Source::Lang
        ));
        let e = Spec::resolve("when:week", Some(&header)).unwrap_err();
        assert!(
            e.to_string().contains("unknown date grouping `week`"),
            "{e}"
        );
    }

    #[test]
    fn json_arrays_count_each_element() {
        let mut out = Vec::new();
        json_values(&serde_json::json!(["a", 2, null, ["x"]]), &mut out);
        assert_eq!(out, vec!["a", "2", "[\"x\"]"]);
    }
}
