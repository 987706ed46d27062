//! Lists to act on: one file per label of a `one` set (`--split-dir`), and
//! the label filter of the main output (`--only`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use csv::ByteRecord;

use super::{AtomicFile, LabelColumns, OutputFormat, Row, RowWriter, Sink};
use crate::engine::Rulebook;
use crate::input::flatten::FlatField;
use crate::rulebook::Mode;
use crate::Verdict;

/// The files of `--split-dir`: every row goes to the file of the label the
/// first `one` set gave it (its fallback included), `angry.csv`,
/// `advocate.csv`, …. Each file is written under a temporary name and moved
/// into place at the end, like the main output.
pub struct SplitFiles {
    set: usize,
    /// One per label of the set, then one for a fallback that is not a label.
    writers: Vec<RowWriter>,
}

/// What the split files are written like: the main output's settings.
pub struct SplitLayout<'a> {
    pub format: OutputFormat,
    pub columns: &'a LabelColumns,
    pub header: Option<&'a ByteRecord>,
    pub json_fields: &'a [FlatField],
    pub inputs: &'a [Option<PathBuf>],
}

impl SplitFiles {
    /// Creates `dir` if needed and starts one file per label.
    pub fn create(dir: &Path, rulebook: &Rulebook, layout: &SplitLayout<'_>) -> Result<SplitFiles> {
        let set = rulebook
            .primary_set()
            .context("--split-dir needs a rulebook with a `one` label set")?;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the --split-dir folder {}", dir.display()))?;
        let mut writers = Vec::new();
        for name in file_labels(rulebook, set) {
            if name.starts_with('.') {
                bail!("label `{name}` cannot name a file of --split-dir (it starts with `.`)");
            }
            let path = dir.join(format!("{name}.{}", layout.format.extension()));
            super::ensure_not_an_input(&path, layout.inputs)?;
            writers.push(RowWriter::with_fields(
                Sink::File(AtomicFile::create(&path)?),
                layout.format,
                layout.columns.clone(),
                layout.header,
                layout.json_fields.to_vec(),
            )?);
        }
        Ok(SplitFiles { set, writers })
    }

    pub fn write(&mut self, row: Row<'_>, rulebook: &Rulebook, verdict: &Verdict) -> Result<()> {
        let sv = &verdict.sets[self.set];
        let i = match sv.labels.first() {
            Some(&l) => l,
            None => rulebook.sets[self.set]
                .fallback_label
                .unwrap_or(rulebook.sets[self.set].labels.len()),
        };
        self.writers[i].write(row, rulebook, verdict)
    }

    /// Moves every file into place.
    pub fn finish(self) -> Result<()> {
        for w in self.writers {
            w.finish()?;
        }
        Ok(())
    }
}

/// The labels of a `one` set that get a file: its labels, then its fallback
/// when the fallback is not one of them.
fn file_labels(rulebook: &Rulebook, set: usize) -> Vec<&str> {
    let s = &rulebook.sets[set];
    let mut names: Vec<&str> = s.labels.iter().map(|l| l.id.as_str()).collect();
    if let (Some(f), None) = (&s.fallback, s.fallback_label) {
        names.push(f);
    }
    names
}

/// The labels `--only` keeps: a row stays when it has any of them, in any
/// set (a `one` set's fallback counts as its label).
#[derive(Debug, Clone)]
pub struct LabelFilter {
    /// (set, label index; the index past the labels for a fallback).
    wanted: Vec<(usize, usize)>,
}

impl LabelFilter {
    /// Reads label ids, or `SET.LABEL` where two sets share an id.
    pub fn parse(names: &[String], rulebook: &Rulebook) -> Result<LabelFilter> {
        let mut wanted = Vec::new();
        for name in names {
            let name = name.trim();
            let mut found = Vec::new();
            for (si, set) in rulebook.sets.iter().enumerate() {
                let local = match name.split_once('.') {
                    Some((s, l)) if s == set.id => l,
                    _ => name,
                };
                if let Some(li) = set.labels.iter().position(|l| l.id == local) {
                    found.push((si, li));
                } else if set.mode == Mode::One && set.fallback.as_deref() == Some(local) {
                    found.push((si, set.labels.len()));
                }
            }
            match found.len() {
                0 => {
                    let mut known: Vec<String> = Vec::new();
                    for set in &rulebook.sets {
                        let fallback = match (&set.fallback, set.fallback_label) {
                            (Some(f), None) => Some(f),
                            _ => None,
                        };
                        for id in set.labels.iter().map(|l| &l.id).chain(fallback) {
                            if !known.contains(id) {
                                known.push(id.clone());
                            }
                        }
                    }
                    bail!(
                        "--only: no label `{name}` in rulebook {}; its labels are: {}",
                        rulebook.name,
                        known.join(", ")
                    )
                }
                1 => wanted.push(found[0]),
                _ => bail!(
                    "--only: label `{name}` is in several sets; write SET.{name} (sets: {})",
                    found
                        .iter()
                        .map(|&(s, _)| rulebook.sets[s].id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        Ok(LabelFilter { wanted })
    }

    pub fn keeps(&self, rulebook: &Rulebook, verdict: &Verdict) -> bool {
        self.wanted.iter().any(|&(s, l)| {
            let sv = &verdict.sets[s];
            if l == rulebook.sets[s].labels.len() {
                sv.labels.is_empty() && sv.fallback
            } else {
                sv.labels.contains(&l)
                    || (sv.labels.is_empty()
                        && sv.fallback
                        && rulebook.sets[s].fallback_label == Some(l))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
[[set.label.rule]]
id = "r1"
any = ["again"]
[[set.label]]
id = "fan"
[[set.label.rule]]
id = "r2"
any = ["love"]
[[set]]
id = "traits"
mode = "many"
[[set.label]]
id = "fan"
[[set.label.rule]]
id = "r3"
any = ["love"]
[[set.label]]
id = "fast"
[[set.label.rule]]
id = "r4"
any = ["asap"]
"#;

    fn keeps(only: &[&str], text: &str) -> bool {
        let rb = crate::engine::from_str("t", BOOK).unwrap();
        let names: Vec<String> = only.iter().map(|s| s.to_string()).collect();
        let f = LabelFilter::parse(&names, &rb).unwrap();
        f.keeps(&rb, &rb.classify(text))
    }

    #[test]
    fn only_keeps_rows_with_any_label_listed() {
        assert!(keeps(&["angry"], "down again"));
        assert!(!keeps(&["angry"], "love it"));
        assert!(keeps(&["angry", "fast"], "answer asap"));
        assert!(keeps(&["other"], "nothing here"));
        assert!(!keeps(&["other"], "again"));
        assert!(keeps(&["traits.fan"], "love"));
    }

    #[test]
    fn only_refuses_unknown_and_ambiguous_labels() {
        let rb = crate::engine::from_str("t", BOOK).unwrap();
        let e = LabelFilter::parse(&["happy".into()], &rb).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--only: no label `happy` in rulebook t; its labels are: angry, fan, other, fast"
        );
        let e = LabelFilter::parse(&["fan".into()], &rb).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--only: label `fan` is in several sets; write SET.fan (sets: type, traits)"
        );
    }
}
