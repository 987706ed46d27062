//! Rewriting the weights and thresholds of a rulebook's text in place:
//! every other byte (comments, key order, blank lines, layout) stays as it
//! was. The document is edited with `toml_edit`, never re-serialised.

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

/// Sets `key` to `value` in `table`, keeping the decoration around the old
/// value (the space after `=`, a comment after it) and its integer or float
/// form when the value allows. A new key goes right after `id`.
fn set_number(table: &mut Table, key: &str, value: f64) {
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
    let after_id = order.get("id").map_or(0, |i| i + 1);
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

    #[test]
    fn the_default_rulebook_is_unchanged_without_changes() {
        let text = crate::rulebook::DEFAULT_TEXT;
        assert_eq!(set_values(text, &[], &[]).unwrap(), text);
    }
}
