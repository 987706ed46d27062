//! Summary counts of a run: rows read, labelled and rejected; every label's
//! count and share, zero counts included; how often each rule fired.

use std::fmt::Write as _;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use crate::breakdown::{self, Breakdown};
use crate::engine::Rulebook;
use crate::lang::LangSource;
use crate::rulebook::Mode;
use crate::Verdict;

/// The summary of one run, as written by `--summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub rulebook: RulebookInfo,
    pub rows: RowCounts,
    pub sets: Vec<SetCounts>,
    pub rules: Vec<RuleCount>,
    /// How the inputs were decoded, when not read as strict UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoding: Option<DecodingCounts>,
    /// Label counts per value of a field (`--by`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdowns: Vec<Breakdown>,
    /// The labelled posts per language, when the run knew them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<LanguageCounts>,
}

/// The labelled posts per language, and how many the rulebook covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageCounts {
    /// The languages the rulebook covers; empty: every language.
    pub covered: Vec<String>,
    /// Labelled posts in a language the rulebook covers.
    pub in_covered: u64,
    /// Labelled posts in another language: given the fallback, no rule checked.
    pub uncovered: u64,
    /// Labelled posts of unknown language (`und`), classified like any post.
    pub undetermined: u64,
    /// `in_covered` over labelled posts (0 when there are none).
    pub covered_share: f64,
    /// Posts whose language came from the export's field.
    pub from_field: u64,
    /// Posts whose language was detected (`und` included).
    pub detected: u64,
    /// One entry per language seen, most posts first.
    pub counts: Vec<LangCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangCount {
    pub lang: String,
    pub count: u64,
    /// `count` over labelled posts.
    pub share: f64,
    /// Whether the rulebook covers it (`und` is never uncovered).
    pub covered: bool,
}

impl LanguageCounts {
    /// No post yet, for `rulebook`'s languages.
    pub fn new(rulebook: &Rulebook) -> LanguageCounts {
        LanguageCounts {
            covered: rulebook.languages.iter().map(|l| l.to_string()).collect(),
            in_covered: 0,
            uncovered: 0,
            undetermined: 0,
            covered_share: 0.0,
            from_field: 0,
            detected: 0,
            counts: Vec::new(),
        }
    }

    /// Counts one labelled post.
    pub fn add(&mut self, verdict: &Verdict) {
        let lang = verdict.lang.lang;
        match verdict.lang.source {
            LangSource::Field => self.from_field += 1,
            LangSource::Detected => self.detected += 1,
        }
        if lang.is_und() {
            self.undetermined += 1;
        } else if verdict.uncovered {
            self.uncovered += 1;
        } else {
            self.in_covered += 1;
        }
        match self.counts.iter_mut().find(|c| c.lang == lang.as_str()) {
            Some(c) => c.count += 1,
            None => self.counts.push(LangCount {
                lang: lang.to_string(),
                count: 1,
                share: 0.0,
                covered: !verdict.uncovered,
            }),
        }
    }

    fn update_shares(&mut self, total: u64) {
        self.covered_share = share(self.in_covered, total);
        for c in &mut self.counts {
            c.share = share(c.count, total);
        }
        self.counts
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.lang.cmp(&b.lang)));
    }

    fn merge(&mut self, other: &LanguageCounts, other_name: &str) -> Result<()> {
        let LanguageCounts {
            covered,
            in_covered,
            uncovered,
            undetermined,
            covered_share: _,
            from_field,
            detected,
            counts,
        } = other;
        if *covered != self.covered {
            bail!(
                "{other_name} counts languages against {:?}, the summaries before it against {:?}",
                covered,
                self.covered
            );
        }
        self.in_covered += in_covered;
        self.uncovered += uncovered;
        self.undetermined += undetermined;
        self.from_field += from_field;
        self.detected += detected;
        for c in counts {
            match self.counts.iter_mut().find(|m| m.lang == c.lang) {
                Some(m) => m.count += c.count,
                None => self.counts.push(c.clone()),
            }
        }
        Ok(())
    }

    /// `en 61.2%, fr 30.1%, es 2.0% (not covered), und 6.7%`.
    fn list(&self) -> String {
        self.counts
            .iter()
            .map(|c| {
                let note = if c.covered { "" } else { " (not covered)" };
                format!("{} {:.1}%{note}", c.lang, c.share * 100.0)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What the rulebook covers, in words.
    fn coverage(&self) -> String {
        let covers = if self.covered.is_empty() {
            "every language".to_string()
        } else {
            self.covered.join(", ")
        };
        format!(
            "{:.1}% of the posts are in a language the rulebook covers ({covers}); {} not covered (fallback), {} undetermined (classified like any post); {} from the export's field, {} detected",
            self.covered_share * 100.0,
            self.uncovered,
            self.undetermined,
            self.from_field,
            self.detected
        )
    }
}

fn share(count: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        (count as f64 / total as f64 * 1e4).round() / 1e4
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecodingCounts {
    /// The `--encoding` the inputs were read in.
    pub encoding: String,
    /// Invalid byte sequences replaced with U+FFFD.
    pub replaced: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulebookInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowCounts {
    /// Records read from the inputs.
    pub read: u64,
    /// Records labelled (written, unless only the summary was asked for).
    pub labelled: u64,
    /// Records that could not be labelled, with `--on-error skip`.
    pub rejected: u64,
}

impl RowCounts {
    fn add(&mut self, other: &RowCounts) {
        let RowCounts {
            read,
            labelled,
            rejected,
        } = other;
        self.read += read;
        self.labelled += labelled;
        self.rejected += rejected;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetCounts {
    pub id: String,
    pub mode: String,
    /// The fallback label of a `one` set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Rows that got no label of this set (the fallback, for `one` sets).
    pub unlabelled: u64,
    pub labels: Vec<LabelCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelCount {
    pub id: String,
    pub count: u64,
    /// `count` over labelled rows, 0 when there are none.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleCount {
    pub id: String,
    pub set: String,
    pub label: String,
    pub hits: u64,
    /// The file the rule is defined in, when the rulebook extends others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl Summary {
    /// An empty summary with every label and rule of `rulebook` at zero.
    pub fn new(rulebook: &Rulebook) -> Summary {
        let sets = rulebook
            .sets
            .iter()
            .map(|s| {
                let mut labels: Vec<LabelCount> = s
                    .labels
                    .iter()
                    .map(|l| LabelCount {
                        id: l.id.clone(),
                        count: 0,
                        share: 0.0,
                    })
                    .collect();
                if let (Some(f), None) = (&s.fallback, s.fallback_label) {
                    labels.push(LabelCount {
                        id: f.clone(),
                        count: 0,
                        share: 0.0,
                    });
                }
                SetCounts {
                    id: s.id.clone(),
                    mode: match s.mode {
                        Mode::One => "one",
                        Mode::Many => "many",
                    }
                    .to_string(),
                    fallback: s.fallback.clone(),
                    unlabelled: 0,
                    labels,
                }
            })
            .collect();
        let rules = rulebook
            .rules
            .iter()
            .map(|r| RuleCount {
                id: r.id.clone(),
                set: rulebook.sets[r.set].id.clone(),
                label: rulebook.sets[r.set].labels[r.label].id.clone(),
                hits: 0,
                file: r.file.clone(),
            })
            .collect();
        Summary {
            rulebook: RulebookInfo {
                name: rulebook.name.clone(),
                version: rulebook.version.clone(),
            },
            rows: RowCounts::default(),
            sets,
            rules,
            decoding: None,
            breakdowns: Vec::new(),
            languages: None,
        }
    }

    /// Counts one labelled row.
    pub fn add(&mut self, rulebook: &Rulebook, verdict: &Verdict) {
        self.rows.labelled += 1;
        for (si, (set, sv)) in rulebook.sets.iter().zip(&verdict.sets).enumerate() {
            let counts = &mut self.sets[si];
            if sv.labels.is_empty() {
                counts.unlabelled += 1;
                if sv.fallback {
                    let fi = set.fallback_label.unwrap_or(set.labels.len());
                    counts.labels[fi].count += 1;
                }
            }
            for &l in &sv.labels {
                counts.labels[l].count += 1;
            }
        }
        for &r in &verdict.fired {
            self.rules[r].hits += 1;
        }
        if let Some(l) = &mut self.languages {
            l.add(verdict);
        }
    }

    /// Recomputes every share from the counts.
    pub fn update_shares(&mut self) {
        let total = self.rows.labelled;
        for set in &mut self.sets {
            for l in &mut set.labels {
                l.share = share(l.count, total);
            }
        }
        if let Some(l) = &mut self.languages {
            l.update_shares(total);
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a summary serialises");
        s.push('\n');
        s
    }

    /// One row per count: `section,set,id,count,share`.
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let mut row = |fields: [&str; 5]| w.write_record(fields).expect("writing to a Vec");
        row(["section", "set", "id", "count", "share"]);
        for (name, n) in self.row_counts() {
            row(["rows", "", name, &n.to_string(), ""]);
        }
        if let Some(d) = &self.decoding {
            row(["decoding", "", &d.encoding, &d.replaced.to_string(), ""]);
        }
        for set in &self.sets {
            for l in &set.labels {
                row([
                    "label",
                    &set.id,
                    &l.id,
                    &l.count.to_string(),
                    &l.share.to_string(),
                ]);
            }
            row(["unlabelled", &set.id, "", &set.unlabelled.to_string(), ""]);
        }
        for r in &self.rules {
            row(["rule", &r.set, &r.id, &r.hits.to_string(), ""]);
        }
        if let Some(l) = &self.languages {
            for c in &l.counts {
                let section = if c.covered {
                    "language"
                } else {
                    "language_not_covered"
                };
                row([
                    section,
                    "",
                    &c.lang,
                    &c.count.to_string(),
                    &c.share.to_string(),
                ]);
            }
            row([
                "languages",
                "",
                "covered",
                &l.in_covered.to_string(),
                &l.covered_share.to_string(),
            ]);
            for (id, n) in [
                ("not_covered", l.uncovered),
                ("undetermined", l.undetermined),
                ("from_field", l.from_field),
                ("detected", l.detected),
            ] {
                row(["languages", "", id, &n.to_string(), ""]);
            }
        }
        breakdown::csv_rows(&self.breakdowns, &mut row);
        String::from_utf8(w.into_inner().expect("a Vec never fails"))
            .expect("CSV of UTF-8 is UTF-8")
    }

    fn row_counts(&self) -> [(&'static str, u64); 3] {
        [
            ("read", self.rows.read),
            ("labelled", self.rows.labelled),
            ("rejected", self.rows.rejected),
        ]
    }

    /// Markdown tables, for reports and pull requests.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Summary: rulebook {} {}\n",
            self.rulebook.name, self.rulebook.version
        );
        let _ = writeln!(out, "| rows | count |\n|---|---:|");
        for (name, n) in self.row_counts() {
            let _ = writeln!(out, "| {name} | {n} |");
        }
        if let Some(d) = &self.decoding {
            let _ = writeln!(
                out,
                "\nDecoded from {}: {} invalid byte sequences replaced.",
                d.encoding, d.replaced
            );
        }
        for set in &self.sets {
            let _ = writeln!(
                out,
                "\n## {}\n\n| label | count | share |\n|---|---:|---:|",
                set.id
            );
            for l in &set.labels {
                let _ = writeln!(out, "| {} | {} | {:.1}% |", l.id, l.count, l.share * 100.0);
            }
        }
        if let Some(l) = &self.languages {
            let _ = writeln!(
                out,
                "\n## Languages\n\n{}.\n\n| language | posts | share | covered |\n|---|---:|---:|---|",
                l.coverage()
            );
            for c in &l.counts {
                let covered = if c.lang == "und" {
                    "undetermined"
                } else if c.covered {
                    "yes"
                } else {
                    "no"
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.1}% | {covered} |",
                    c.lang,
                    c.count,
                    c.share * 100.0
                );
            }
        }
        if self.rules.iter().any(|r| r.file.is_some()) {
            let _ = writeln!(
                out,
                "\n## Rules\n\n| rule | label | hits | file |\n|---|---|---:|---|"
            );
            for r in &self.rules {
                let file = r.file.as_deref().unwrap_or("");
                let _ = writeln!(
                    out,
                    "| {} | {}.{} | {} | {file} |",
                    r.id, r.set, r.label, r.hits
                );
            }
        } else {
            let _ = writeln!(out, "\n## Rules\n\n| rule | label | hits |\n|---|---|---:|");
            for r in &self.rules {
                let _ = writeln!(out, "| {} | {}.{} | {} |", r.id, r.set, r.label, r.hits);
            }
        }
        breakdown::render_markdown(&mut out, &self.breakdowns, &self.breakdown_columns());
        out
    }

    /// Aligned plain-text tables, for a terminal.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "rows: {} read, {} labelled, {} rejected",
            self.rows.read, self.rows.labelled, self.rows.rejected
        );
        if let Some(d) = &self.decoding {
            let _ = writeln!(
                out,
                "decoded from {}: {} invalid byte sequences replaced",
                d.encoding, d.replaced
            );
        }
        if let Some(l) = &self.languages {
            let _ = writeln!(out, "languages: {}", l.list());
            let _ = writeln!(out, "  {}", l.coverage());
        }
        for set in &self.sets {
            let width = set
                .labels
                .iter()
                .map(|l| l.id.len())
                .max()
                .unwrap_or(0)
                .max(5);
            let _ = writeln!(out, "\n{} ({})", set.id, set.mode);
            for l in &set.labels {
                let _ = writeln!(
                    out,
                    "  {:<width$}  {:>9}  {:>6.1}%",
                    l.id,
                    l.count,
                    l.share * 100.0
                );
            }
        }
        let mut hit: Vec<&RuleCount> = self.rules.iter().filter(|r| r.hits > 0).collect();
        hit.sort_by(|a, b| b.hits.cmp(&a.hits).then(a.id.cmp(&b.id)));
        if !hit.is_empty() {
            let width = hit.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let _ = writeln!(out, "\ntop rules");
            for r in hit.iter().take(10) {
                let _ = write!(out, "  {:<width$}  {:>9}", r.id, r.hits);
                if let Some(file) = &r.file {
                    let _ = write!(out, "  {file}");
                }
                out.push('\n');
            }
        }
        breakdown::render_table(&mut out, &self.breakdowns, &self.breakdown_columns(), 15);
        out
    }

    /// The labels shown as columns of breakdown tables: those of the first
    /// `one` set, as `SET.LABEL`.
    pub fn breakdown_columns(&self) -> Vec<String> {
        self.sets
            .iter()
            .find(|s| s.mode == "one")
            .map(|s| {
                s.labels
                    .iter()
                    .map(|l| format!("{}.{}", s.id, l.id))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Adds the counts of `other`, a summary of more rows classified with
    /// the same rulebook, so that summaries of the parts of an input add up
    /// to the summary of the whole. `other_name` names it in errors.
    pub fn merge(&mut self, other: &Summary, other_name: &str) -> Result<()> {
        // Every field is named, so that a new one cannot be forgotten here.
        let Summary {
            rulebook,
            rows,
            sets,
            rules,
            decoding,
            breakdowns,
            languages,
        } = other;
        if *rulebook != self.rulebook {
            bail!(
                "{other_name} comes from rulebook {} {}, not {} {}: only summaries of the same rulebook add up",
                rulebook.name,
                rulebook.version,
                self.rulebook.name,
                self.rulebook.version
            );
        }
        type Shape = (String, String, Option<String>, Vec<String>);
        let shape = |s: &[SetCounts]| -> Vec<Shape> {
            s.iter()
                .map(|s| {
                    (
                        s.id.clone(),
                        s.mode.clone(),
                        s.fallback.clone(),
                        s.labels.iter().map(|l| l.id.clone()).collect(),
                    )
                })
                .collect()
        };
        if shape(sets) != shape(&self.sets) {
            bail!(
                "{other_name} has other label sets or labels than the summaries before it (same rulebook name and version, edited in between?)"
            );
        }
        let rule_ids = |r: &[RuleCount]| -> Vec<(String, String, String)> {
            r.iter()
                .map(|r| (r.id.clone(), r.set.clone(), r.label.clone()))
                .collect()
        };
        if rule_ids(rules) != rule_ids(&self.rules) {
            bail!(
                "{other_name} has other rules than the summaries before it (same rulebook name and version, edited in between?)"
            );
        }
        let by = |b: &[Breakdown]| -> Vec<(String, Option<String>)> {
            b.iter().map(|b| (b.by.clone(), b.focus.clone())).collect()
        };
        if by(breakdowns) != by(&self.breakdowns) {
            let list = |b: &[Breakdown]| {
                let v: Vec<&str> = b.iter().map(|b| b.by.as_str()).collect();
                if v.is_empty() {
                    "none".to_string()
                } else {
                    v.join(", ")
                }
            };
            bail!(
                "{other_name} has breakdowns by {}, the summaries before it by {}: run every part with the same --by",
                list(breakdowns),
                list(&self.breakdowns)
            );
        }
        let encoding = |d: &Option<DecodingCounts>| d.as_ref().map(|d| d.encoding.clone());
        if encoding(decoding) != encoding(&self.decoding) {
            let show =
                |d: &Option<DecodingCounts>| encoding(d).unwrap_or_else(|| "utf8".to_string());
            bail!(
                "{other_name} was read with --encoding {}, the summaries before it with {}: run every part with the same --encoding",
                show(decoding),
                show(&self.decoding)
            );
        }
        if self.languages.is_some() != languages.is_some() {
            bail!(
                "{other_name} {} language counts, the summaries before it {}: run every part with the same postclass and flags",
                if languages.is_some() { "has" } else { "has no" },
                if self.languages.is_some() { "do" } else { "do not" }
            );
        }
        if let (Some(mine), Some(theirs)) = (&mut self.languages, languages) {
            mine.merge(theirs, other_name)?;
        }
        if let (Some(mine), Some(theirs)) = (&mut self.decoding, decoding) {
            mine.replaced += theirs.replaced;
        }
        self.rows.add(rows);
        for (mine, theirs) in self.sets.iter_mut().zip(sets) {
            mine.unlabelled += theirs.unlabelled;
            for (m, t) in mine.labels.iter_mut().zip(&theirs.labels) {
                m.count += t.count;
            }
        }
        for (mine, theirs) in self.rules.iter_mut().zip(rules) {
            mine.hits += theirs.hits;
        }
        for (mine, theirs) in self.breakdowns.iter_mut().zip(breakdowns) {
            mine.merge(theirs);
        }
        self.update_shares();
        Ok(())
    }
}

/// Summary file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    Json,
    Csv,
    Markdown,
    Table,
}

impl SummaryFormat {
    /// From a file name: .json, .csv or .md (anything else: JSON).
    pub fn from_path(path: &std::path::Path) -> SummaryFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => SummaryFormat::Csv,
            Some("md") | Some("markdown") => SummaryFormat::Markdown,
            Some("txt") => SummaryFormat::Table,
            _ => SummaryFormat::Json,
        }
    }

    pub fn render(self, summary: &Summary) -> String {
        match self {
            SummaryFormat::Json => summary.to_json(),
            SummaryFormat::Csv => summary.to_csv(),
            SummaryFormat::Markdown => summary.to_markdown(),
            SummaryFormat::Table => summary.to_table(),
        }
    }
}

#[cfg(test)]
mod decoding_tests {
    use super::*;

    fn summary() -> Summary {
        let rb = crate::engine::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='many'\n[[set.label]]\nid='x'\n[[set.label.rule]]\nid='r'\nany=['x']\n",
        )
        .unwrap();
        Summary::new(&rb)
    }

    #[test]
    fn decoding_counts_appear_only_when_decoding() {
        let plain = summary();
        assert!(!plain.to_json().contains("decoding"));
        // A summary written before the field existed still reads.
        let back: Summary = serde_json::from_str(&plain.to_json()).unwrap();
        assert_eq!(back.decoding, None);

        let mut s = summary();
        s.decoding = Some(DecodingCounts {
            encoding: "lossy".into(),
            replaced: 3,
        });
        assert!(s
            .to_json()
            .contains("\"decoding\": {\n    \"encoding\": \"lossy\",\n    \"replaced\": 3\n  }"));
        assert!(s.to_csv().contains("\ndecoding,,lossy,3,\n"));
        assert!(s
            .to_table()
            .contains("decoded from lossy: 3 invalid byte sequences replaced\n"));
        assert!(s
            .to_markdown()
            .contains("Decoded from lossy: 3 invalid byte sequences replaced."));
        let back: Summary = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn merging_adds_replaced_bytes_and_refuses_other_encodings() {
        let lossy = |n| {
            let mut s = summary();
            s.decoding = Some(DecodingCounts {
                encoding: "lossy".into(),
                replaced: n,
            });
            s
        };
        let mut a = lossy(3);
        a.merge(&lossy(4), "b.json").unwrap();
        assert_eq!(a.decoding.as_ref().unwrap().replaced, 7);
        let err = a.merge(&summary(), "plain.json").unwrap_err().to_string();
        assert_eq!(
            err,
            "plain.json was read with --encoding utf8, the summaries before it with lossy: run every part with the same --encoding"
        );
    }
}
