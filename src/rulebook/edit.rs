//! Rewriting the weights and thresholds of a rulebook's text in place:
//! every other byte (comments, key order, blank lines, layout) stays as it
//! was. The document is edited with `toml_edit`, never re-serialised. For a
//! rulebook that extends others, values of the bases' rules and labels are
//! written as `[[override]]` tables of the extending file instead.

use std::collections::HashMap;

use toml_edit::{DocumentMut, Item, Table, Value};

/// A threshold to write: `set`'s label `label`, or the set itself when
/// `label` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdChange {
    pub set: String,
    pub label: Option<String>,
    pub value: f64,
}

/// Writes `weights` (rule id, new weight) and `thresholds` into the
/// rulebook `text`. A rule without a `weight` key gets one, right after its
/// `id`; a label without a `threshold` key gets one after its `id` too.
/// Errors name a rule or label the text does not define, or one written in
/// a form this editor does not handle (inline tables).
pub fn set_values(
    text: &str,
    weights: &[(String, f64)],
    thresholds: &[ThresholdChange],
) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the rulebook is not valid TOML: {e}"))?;
    let mut wanted: HashMap<&str, f64> = weights.iter().map(|(id, w)| (id.as_str(), *w)).collect();
    let mut done_thresholds = vec![false; thresholds.len()];
    let sets = match doc.get_mut("set") {
        None => None,
        Some(item) => Some(
            item.as_array_of_tables_mut()
                .ok_or("`set` is not written as [[set]] tables, which this editor needs")?,
        ),
    };
    for set in sets.into_iter().flat_map(|s| s.iter_mut()) {
        let set_id = set
            .get("id")
            .and_then(Item::as_str)
            .unwrap_or("")
            .to_string();
        for (i, t) in thresholds.iter().enumerate() {
            if t.set == set_id && t.label.is_none() {
                set_number(set, "threshold", t.value);
                done_thresholds[i] = true;
            }
        }
        let Some(labels) = set.get_mut("label") else {
            continue;
        };
        let labels = labels.as_array_of_tables_mut().ok_or_else(|| {
            format!("set `{set_id}`: `label` is not written as [[set.label]] tables, which this editor needs")
        })?;
        for label in labels.iter_mut() {
            let label_id = label
                .get("id")
                .and_then(Item::as_str)
                .unwrap_or("")
                .to_string();
            for (i, t) in thresholds.iter().enumerate() {
                if t.set == set_id && t.label.as_deref() == Some(label_id.as_str()) {
                    set_number(label, "threshold", t.value);
                    done_thresholds[i] = true;
                }
            }
            let Some(rules) = label.get_mut("rule") else {
                continue;
            };
            let rules = rules.as_array_of_tables_mut().ok_or_else(|| {
                format!("label `{label_id}`: `rule` is not written as [[set.label.rule]] tables, which this editor needs")
            })?;
            for rule in rules.iter_mut() {
                let id = rule.get("id").and_then(Item::as_str).unwrap_or("");
                if let Some(w) = wanted.remove(id) {
                    set_number(rule, "weight", w);
                }
            }
        }
    }
    if let Some(id) = wanted.keys().min() {
        return Err(format!("the rulebook has no rule `{id}`"));
    }
    if let Some(i) = done_thresholds.iter().position(|d| !d) {
        let t = &thresholds[i];
        return Err(match &t.label {
            Some(l) => format!("the rulebook has no label `{l}` in set `{}`", t.set),
            None => format!("the rulebook has no set `{}`", t.set),
        });
    }
    Ok(doc.to_string())
}

/// Writes `weights` (rule id, new weight) and label `thresholds` into
/// `[[override]]` tables of the rulebook `text`: into the override of that
/// rule (or label) when the text has one, else into a new override at the
/// end. Set thresholds are not written this way.
pub fn set_overrides(
    text: &str,
    weights: &[(String, f64)],
    thresholds: &[ThresholdChange],
) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the rulebook is not valid TOML: {e}"))?;
    if doc.get("override").is_none() {
        doc.insert("override", Item::ArrayOfTables(Default::default()));
    }
    let overrides = doc
        .get_mut("override")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or("`override` is not written as [[override]] tables, which this editor needs")?;
    let get = |t: &Table, k: &str| t.get(k).and_then(Item::as_str).map(str::to_string);
    for (id, w) in weights {
        let found = overrides
            .iter_mut()
            .find(|t| get(t, "rule").as_deref() == Some(id.as_str()) && get(t, "label").is_none());
        match found {
            Some(t) => set_number_after(t, "weight", *w, "rule"),
            None => {
                let mut t = Table::new();
                t.insert("rule", toml_edit::value(id.as_str()));
                t.insert("weight", Item::Value(number(*w, false)));
                overrides.push(t);
            }
        }
    }
    for change in thresholds {
        let Some(label) = &change.label else {
            return Err(format!(
                "the threshold of set `{}` cannot be written as an override here",
                change.set
            ));
        };
        let found = overrides.iter_mut().find(|t| {
            get(t, "label").as_deref() == Some(label.as_str())
                && get(t, "set").is_none_or_is(&change.set)
        });
        match found {
            Some(t) => set_number_after(t, "threshold", change.value, "label"),
            None => {
                let mut t = Table::new();
                t.insert("label", toml_edit::value(label.as_str()));
                t.insert("set", toml_edit::value(change.set.as_str()));
                t.insert("threshold", Item::Value(number(change.value, false)));
                overrides.push(t);
            }
        }
    }
    Ok(doc.to_string())
}

/// `None`, or `Some` of `value`.
trait NoneOrIs {
    fn is_none_or_is(&self, value: &str) -> bool;
}

impl NoneOrIs for Option<String> {
    fn is_none_or_is(&self, value: &str) -> bool {
        self.as_deref().map_or(true, |v| v == value)
    }
}

/// Sets `key` to `value` in `table`, keeping the decoration around the old
/// value (the space after `=`, a comment after it) and its integer or float
/// form when the value allows. A new key goes right after `id`.
fn set_number(table: &mut Table, key: &str, value: f64) {
    set_number_after(table, key, value, "id")
}

/// [`set_number`], a new key going right after `anchor`.
fn set_number_after(table: &mut Table, key: &str, value: f64, anchor: &str) {
    if let Some(old) = table.get_mut(key).and_then(Item::as_value_mut) {
        let mut new = number(value, old.is_integer());
        *new.decor_mut() = old.decor().clone();
        *old = new;
        return;
    }
    let order: HashMap<String, usize> = table
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.to_string(), 2 * i))
        .collect();
    let after_id = order.get(anchor).map_or(0, |i| i + 1);
    table.insert(key, Item::Value(number(value, false)));
    // A stable sort that moves only the new key: every other key keeps its
    // rank, the new one ranks between `id` and the key after it.
    let rank = |k: &str| {
        if k == key {
            after_id
        } else {
            order.get(k).copied().unwrap_or(usize::MAX)
        }
    };
    table.sort_values_by(|a, _, b, _| rank(a.get()).cmp(&rank(b.get())));
}

/// A TOML number: a whole value written as an integer when the old one was
/// one, else as a float (`2.0`, `1.25`).
fn number(value: f64, integer: bool) -> Value {
    if integer && value.fract() == 0.0 && value.abs() < 1e15 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = r#"# head comment
[rulebook]
name = "t"   # name
version = "1"

[[set]]
id = "type"
mode = "one"
threshold = 1.0   # the set's threshold

# the first label
[[set.label]]
id = "angry"
[[set.label.rule]]
id = "mad"
weight = 2   # strong
any = ["mad"]

[[set.label.rule]]
# no weight here
id = "cross"
any = ["cross"]
none = ["not"]

[[set.label]]
id = "calm"
threshold = 1.5
[[set.label.rule]]
id = "fine"
weight = 1.0
any = ["fine"]
"#;

    fn w(id: &str, v: f64) -> (String, f64) {
        (id.to_string(), v)
    }

    #[test]
    fn only_the_values_change() {
        let out = set_values(BOOK, &[w("mad", 1.5), w("fine", 0.75)], &[]).unwrap();
        let expected = BOOK
            .replace("weight = 2   # strong", "weight = 1.5   # strong")
            .replace(
                "weight = 1.0\nany = [\"fine\"]",
                "weight = 0.75\nany = [\"fine\"]",
            );
        assert_eq!(out, expected);
    }

    #[test]
    fn whole_values_keep_an_integer_form() {
        let out = set_values(BOOK, &[w("mad", 3.0), w("fine", 2.0)], &[]).unwrap();
        assert!(out.contains("weight = 3   # strong"), "{out}");
        assert!(out.contains("weight = 2.0\n"), "{out}");
    }

    #[test]
    fn a_missing_weight_is_inserted_after_the_id() {
        let out = set_values(BOOK, &[w("cross", 0.5)], &[]).unwrap();
        let expected = BOOK.replace("id = \"cross\"\nany", "id = \"cross\"\nweight = 0.5\nany");
        assert_eq!(out, expected);
    }

    #[test]
    fn thresholds_of_labels_and_sets() {
        let out = set_values(
            BOOK,
            &[],
            &[
                ThresholdChange {
                    set: "type".into(),
                    label: Some("calm".into()),
                    value: 2.0,
                },
                ThresholdChange {
                    set: "type".into(),
                    label: Some("angry".into()),
                    value: 1.25,
                },
            ],
        )
        .unwrap();
        let expected = BOOK.replace("threshold = 1.5", "threshold = 2.0").replace(
            "id = \"angry\"\n[[set.label.rule]]",
            "id = \"angry\"\nthreshold = 1.25\n[[set.label.rule]]",
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn unknown_rules_are_errors() {
        let err = set_values(BOOK, &[w("nope", 1.0)], &[]).unwrap_err();
        assert!(err.contains("no rule `nope`"), "{err}");
    }

    const EXTENDING: &str = r#"[rulebook]
name = "brand"
version = "1"
extends = ["default"]

[[override]]
rule = "mad"   # ours
weight = 2
"#;

    #[test]
    fn overrides_are_updated_or_appended() {
        let out = set_overrides(
            EXTENDING,
            &[w("mad", 1.5), w("calm-words", 0.75)],
            &[ThresholdChange {
                set: "type".into(),
                label: Some("calm".into()),
                value: 2.0,
            }],
        )
        .unwrap();
        let expected = EXTENDING.replace("weight = 2\n", "weight = 1.5\n")
            + "\n[[override]]\nrule = \"calm-words\"\nweight = 0.75\n\n[[override]]\nlabel = \"calm\"\nset = \"type\"\nthreshold = 2.0\n";
        assert_eq!(out, expected);
        // The result reads as the same overrides with the new values.
        let again = set_overrides(&out, &[w("calm-words", 1.0)], &[]).unwrap();
        assert_eq!(again.matches("[[override]]").count(), 3);
        assert!(
            again.contains("rule = \"calm-words\"\nweight = 1.0\n"),
            "{again}"
        );
    }

    #[test]
    fn a_new_override_key_goes_after_what_it_names() {
        let text = "[rulebook]\nname = \"b\"\nversion = \"1\"\n\n[[override]]\nrule = \"mad\"\nadd_any = [\"x\"]\n";
        let out = set_overrides(text, &[w("mad", 0.5)], &[]).unwrap();
        assert!(
            out.ends_with("rule = \"mad\"\nweight = 0.5\nadd_any = [\"x\"]\n"),
            "{out}"
        );
    }

    #[test]
    fn the_default_rulebook_is_unchanged_without_changes() {
        let text = crate::rulebook::DEFAULT_TEXT;
        assert_eq!(set_values(text, &[], &[]).unwrap(), text);
    }
}
