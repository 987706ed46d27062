//! The fields a classified row gains, named after the rulebook's sets.

use crate::engine::Rulebook;
use crate::rulebook::Mode;
use crate::Verdict;

/// What one added field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// The label a `one` set gave (or its fallback).
    Label(usize),
    /// That label's score.
    Score(usize),
    /// The labels a `many` set gave.
    Labels(usize),
    /// The priority of the primary set's label.
    Priority,
    /// The recommended action of the primary set's label.
    Action,
    /// The ids of every rule that fired.
    MatchedRules,
    /// The post's language (`und` when unknown).
    Lang,
    /// Where the language came from: `field` or `detected`.
    LangSource,
    /// Why the post got its fallback without any rule being checked
    /// (`language:xx`), empty otherwise.
    Reason,
}

/// The added fields about a post's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LangColumns {
    /// `lang`.
    pub lang: bool,
    /// `lang_source`.
    pub source: bool,
    /// `reason`.
    pub reason: bool,
}

/// The added fields, in output order: per set `ID` (and `ID_score` for
/// `one` sets), then `priority`, `action`, `matched_rules`, and when asked
/// for `lang`, `lang_source` and `reason`.
#[derive(Debug, Clone)]
pub struct LabelColumns {
    pub names: Vec<String>,
    pub kinds: Vec<ColumnKind>,
}

impl LabelColumns {
    pub fn new(rulebook: &Rulebook, prefix: &str) -> LabelColumns {
        let mut names = Vec::new();
        let mut kinds = Vec::new();
        for (i, set) in rulebook.sets.iter().enumerate() {
            match set.mode {
                Mode::One => {
                    names.push(format!("{prefix}{}", set.id));
                    kinds.push(ColumnKind::Label(i));
                    names.push(format!("{prefix}{}_score", set.id));
                    kinds.push(ColumnKind::Score(i));
                }
                Mode::Many => {
                    names.push(format!("{prefix}{}", set.id));
                    kinds.push(ColumnKind::Labels(i));
                }
            }
        }
        for (name, kind) in [
            ("priority", ColumnKind::Priority),
            ("action", ColumnKind::Action),
            ("matched_rules", ColumnKind::MatchedRules),
        ] {
            names.push(format!("{prefix}{name}"));
            kinds.push(kind);
        }
        LabelColumns { names, kinds }
    }

    /// [`LabelColumns::new`], then `lang` and `lang_source`, then `reason`,
    /// as `extra` asks.
    pub fn with_lang(rulebook: &Rulebook, prefix: &str, extra: LangColumns) -> LabelColumns {
        let mut c = LabelColumns::new(rulebook, prefix);
        let mut add = |name: &str, kind| {
            c.names.push(format!("{prefix}{name}"));
            c.kinds.push(kind);
        };
        if extra.lang {
            add("lang", ColumnKind::Lang);
        }
        if extra.source {
            add("lang_source", ColumnKind::LangSource);
        }
        if extra.reason {
            add("reason", ColumnKind::Reason);
        }
        c
    }
}

/// Why a post got its fallback without rules: `language:xx` when its
/// language is one the rulebook does not cover, else nothing.
pub fn reason(verdict: &Verdict, out: &mut String) {
    if verdict.uncovered {
        out.push_str("language:");
        out.push_str(verdict.lang.lang.as_str());
    }
}

/// The score of the label a `one` set gave, 0 for its fallback.
pub fn chosen_score(verdict: &Verdict, set: usize) -> f64 {
    let sv = &verdict.sets[set];
    sv.labels.first().map_or(0.0, |&l| sv.scores[l])
}

/// The label of the primary set that gives the row its priority and action.
pub fn primary_label<'a>(
    rulebook: &'a Rulebook,
    verdict: &Verdict,
) -> Option<&'a crate::engine::Label> {
    let set = rulebook.primary_set()?;
    let s = &rulebook.sets[set];
    match verdict.sets[set].labels.first() {
        Some(&l) => Some(&s.labels[l]),
        None => s.fallback_label.map(|l| &s.labels[l]),
    }
}

/// Writes a score without float noise: `2`, `1.5`, `0.3`.
pub fn format_score(score: f64, out: &mut String) {
    use std::fmt::Write;
    // The score of most rows, the fallback's (-0.0 too, which rounding
    // would also write as 0).
    if score == 0.0 {
        out.push('0');
        return;
    }
    let rounded = (score * 1e6).round() / 1e6;
    // Most other rows: a few whole points.
    if (0.0..10.0).contains(&rounded) && rounded == rounded.trunc() {
        out.push(char::from(b'0' + rounded as u8));
        return;
    }
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        let _ = write!(out, "{}", rounded as i64);
    } else {
        let _ = write!(out, "{rounded}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(x: f64) -> String {
        let mut s = String::new();
        format_score(x, &mut s);
        s
    }

    /// What [`format_score`] wrote before 0 was written at once.
    fn by_rounding(score: f64) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let rounded = (score * 1e6).round() / 1e6;
        if (0.0..10.0).contains(&rounded) && rounded == rounded.trunc() {
            out.push(char::from(b'0' + rounded as u8));
        } else if rounded == rounded.trunc() && rounded.abs() < 1e15 {
            let _ = write!(out, "{}", rounded as i64);
        } else {
            let _ = write!(out, "{rounded}");
        }
        out
    }

    #[test]
    fn zero_is_written_as_rounding_writes_it() {
        let mut scores = vec![
            0.0,
            -0.0,
            1e-300,
            -1e-300,
            4e-7,
            -4e-7,
            6e-7,
            f64::MIN_POSITIVE,
        ];
        scores.extend((-2000..2000).map(|i| f64::from(i) * 0.001 + 1e-9));
        scores.extend((-50..50).map(|i| f64::from(i) * 0.5));
        for x in scores {
            assert_eq!(fmt(x), by_rounding(x), "{x:e}");
        }
    }

    #[test]
    fn scores_print_without_noise() {
        assert_eq!(fmt(2.0), "2");
        assert_eq!(fmt(0.1 + 0.2), "0.3");
        assert_eq!(fmt(1.5), "1.5");
        assert_eq!(fmt(-1.0), "-1");
        for n in 0..12 {
            assert_eq!(fmt(n as f64), n.to_string());
            assert_eq!(fmt(n as f64 + 1e-9), n.to_string());
        }
        assert_eq!(fmt(-0.0), "0");
        assert_eq!(fmt(0.0), "0");
    }
}
