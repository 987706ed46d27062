//! Reading posts labelled by hand (a "gold" file), shared by `eval`, `fit`
//! and `suggest`: the file, its text field, the field of each set's
//! reference labels, and `--where` to select rows.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::input_args::lang_spec;
use crate::engine::Rulebook;
use crate::eval::GoldPost;
use crate::input::extract::json_object;
use crate::input::fields::{self, JsonPath};
use crate::input::{open, Input, InputFormat, RecordError};
use crate::lang::Lang;
use crate::pipeline::{Item, Raw, RecordSource};
use crate::rulebook::Mode;

/// The options that say where the labelled posts are.
#[derive(Debug, Clone, clap::Args)]
pub struct GoldArgs {
    /// Posts with reference labels (CSV, TSV, JSONL or a JSON array;
    /// optionally gzip or zstd compressed). Repeatable: the posts of every
    /// file are read in turn, as one set of posts.
    #[arg(long, value_name = "FILE", required = true)]
    pub gold: Vec<PathBuf>,

    /// Field holding the post text (detected from common names when absent).
    #[arg(short, long, value_name = "FIELD")]
    pub text: Option<String>,

    /// Field holding the reference labels of a set (default: the set's id). Repeatable.
    #[arg(long = "label", value_name = "SET=FIELD")]
    pub label_fields: Vec<String>,

    /// Use only the rows whose FIELD equals VALUE (`FIELD!=VALUE`: differs).
    /// Repeatable: conditions on different fields must all hold; several
    /// `=` values of one field are alternatives (`--where split=a --where split=b`).
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub where_: Vec<String>,

    /// Input format of the gold file, when its extension does not tell.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,

    /// Field holding each post's language (values like `fr`, `en-US`),
    /// as for `classify`: it wins over detection, so that posts are
    /// labelled as `classify` labels them. Default: a CSV column or
    /// top-level JSON key named `lang`. Posts without a value are detected.
    #[arg(long, value_name = "FIELD")]
    pub lang_field: Option<String>,
}

/// The labelled posts of the gold files, and what reading them found.
#[derive(Debug, Clone)]
pub struct Gold {
    /// The files' names (joined by `, ` when several), for messages.
    pub name: String,
    pub posts: Vec<GoldPost>,
    /// Per set (rulebook order): the field read for its reference labels,
    /// or `None` when no file has such a field.
    pub fields: Vec<Option<String>>,
    /// Rows left out by `--where`.
    pub filtered_out: u64,
    /// Per post, the values of the fields [`read_gold_with`] was asked
    /// for, in its order (`None`: the record has no such value).
    pub values: Vec<Vec<Option<String>>>,
}

/// The field [`read_gold_with`] fills with the name of each post's gold
/// file rather than read from its records.
pub const FILE_FIELD: &str = "file";

impl Gold {
    /// Fails when no post was read, saying whether `--where` left them all
    /// out; `what` completes "no posts to …".
    pub fn require_posts(&self, what: &str) -> Result<()> {
        if !self.posts.is_empty() {
            return Ok(());
        }
        if self.filtered_out > 0 {
            bail!(
                "{}: no posts to {what}: --where left out all {} rows",
                self.name,
                self.filtered_out
            );
        }
        bail!("{}: no posts to {what}", self.name);
    }
}

/// Conditions on a row's fields written as `--where` writes them, for
/// other options that pick rows (`eval --blind`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    conditions: Vec<Condition>,
}

impl Selection {
    /// Parses `FIELD=VALUE` and `FIELD!=VALUE` items.
    pub fn parse(items: &[String]) -> Result<Selection> {
        Ok(Selection {
            conditions: parse_where(items)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// The field of each condition, in order (repeats included).
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.conditions.iter().map(|c| c.field.as_str())
    }

    /// Whether a row whose values of [`Selection::fields`] are `values`
    /// is picked, as `--where` keeps rows.
    pub fn picks(&self, values: &[Option<String>]) -> bool {
        keep(&self.conditions, values)
    }
}

/// One `--where` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Condition {
    field: String,
    value: String,
    equal: bool,
}

fn parse_where(items: &[String]) -> Result<Vec<Condition>> {
    items
        .iter()
        .map(|item| {
            let (field, value, equal) = if let Some((f, v)) = item.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = item.split_once('=') {
                (f, v, true)
            } else {
                bail!("--where expects FIELD=VALUE or FIELD!=VALUE, got `{item}`");
            };
            let field = field.trim();
            if field.is_empty() {
                bail!("--where `{item}`: the field name is empty");
            }
            Ok(Condition {
                field: field.to_string(),
                value: value.to_string(),
                equal,
            })
        })
        .collect()
}

/// Whether a row whose condition fields hold `values` is kept: every `!=`
/// holds, and for each field with `=` conditions one of them holds.
fn keep(conditions: &[Condition], values: &[Option<String>]) -> bool {
    let mut fields_seen: Vec<&str> = Vec::new();
    for (i, c) in conditions.iter().enumerate() {
        let v = values[i].as_deref().unwrap_or("");
        if !c.equal {
            if v == c.value {
                return false;
            }
            continue;
        }
        if fields_seen.contains(&c.field.as_str()) {
            continue;
        }
        fields_seen.push(&c.field);
        let any = conditions
            .iter()
            .zip(values)
            .any(|(o, ov)| o.equal && o.field == c.field && ov.as_deref().unwrap_or("") == o.value);
        if !any {
            return false;
        }
    }
    true
}

/// The field of each set: `--label SET=FIELD`, else the set's id.
fn label_fields(args: &GoldArgs, rulebook: &Rulebook) -> Result<Vec<String>> {
    let mut out: Vec<String> = rulebook.sets.iter().map(|s| s.id.clone()).collect();
    for item in &args.label_fields {
        let (set, field) = item
            .split_once('=')
            .with_context(|| format!("--label expects SET=FIELD, got `{item}`"))?;
        let Some(i) = rulebook.sets.iter().position(|s| s.id == set) else {
            bail!(
                "--label: the rulebook has no set `{set}`; its sets are: {}",
                rulebook
                    .sets
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        out[i] = field.to_string();
    }
    Ok(out)
}

fn split_labels(cell: &str, mode: Mode) -> Option<Vec<String>> {
    let labels: Vec<String> = cell
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    match mode {
        Mode::One if labels.is_empty() => None,
        _ => Some(labels),
    }
}

/// A JSON value as the text `--where` compares: strings as they are,
/// other scalars as JSON writes them.
fn json_scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other @ (Value::Number(_) | Value::Bool(_)) => Some(other.to_string()),
        _ => None,
    }
}

/// Reads the gold files of `args`, one after the other: every post kept by
/// `--where`, with its reference labels per set of `rulebook`. Errors,
/// naming the file, when one has no field of reference labels, or no
/// `--where` field (CSV).
pub fn read_gold(args: &GoldArgs, rulebook: &Rulebook) -> Result<Gold> {
    read_gold_with(args, rulebook, &[])
}

/// [`read_gold`], keeping each post's values of `fields` ([`Gold::values`]):
/// CSV columns or JSON paths, which every CSV file must have, or
/// [`FILE_FIELD`]. Each field comes with the option that asks for it, for
/// the error that a file lacks it.
pub fn read_gold_with(
    args: &GoldArgs,
    rulebook: &Rulebook,
    fields: &[(String, &str)],
) -> Result<Gold> {
    let set_fields = label_fields(args, rulebook)?;
    let conditions = parse_where(&args.where_)?;
    let mut all = Gold {
        name: String::new(),
        posts: Vec::new(),
        fields: vec![None; rulebook.sets.len()],
        filtered_out: 0,
        values: Vec::new(),
    };
    for path in &args.gold {
        let one = read_one(path, args, rulebook, &set_fields, &conditions, fields)?;
        if !all.name.is_empty() {
            all.name.push_str(", ");
        }
        all.name.push_str(&one.name);
        all.posts.extend(one.posts);
        all.values.extend(one.values);
        for (field, found) in all.fields.iter_mut().zip(one.fields) {
            if field.is_none() {
                *field = found;
            }
        }
        all.filtered_out += one.filtered_out;
    }
    Ok(all)
}

/// Reads one gold file: see [`read_gold`].
fn read_one(
    path: &Path,
    args: &GoldArgs,
    rulebook: &Rulebook,
    set_fields: &[String],
    conditions: &[Condition],
    kept_fields: &[(String, &str)],
) -> Result<Gold> {
    let input = Input::from_arg(path);
    let inputs = std::slice::from_ref(&input);
    let name = input.display_name();
    let format = open::input_format(inputs, args.input_format, None)?;
    let opened = open::open_inputs(inputs, format, None, args.text.as_deref(), None, &|_| {})?;
    let (Some(field), Some(mut sources)) = (opened.field, opened.sources) else {
        return Ok(Gold {
            name,
            posts: Vec::new(),
            fields: vec![None; rulebook.sets.len()],
            filtered_out: 0,
            values: Vec::new(),
        });
    };
    let header_names: Option<Vec<String>> = opened.header.as_ref().map(|header| {
        header
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect()
    });
    // Where each set's reference labels are: CSV columns, or JSON paths.
    let columns: Option<Vec<Option<(usize, &str)>>> = header_names.as_ref().map(|names| {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        set_fields
            .iter()
            .map(|f| fields::find_csv_column(&names, f).map(|c| (c, f.as_str())))
            .collect()
    });
    if columns
        .as_ref()
        .is_some_and(|cols| cols.iter().all(Option::is_none))
    {
        bail!(
            "{name}: no column holds reference labels; expected one of: {} (or pass --label SET=FIELD)",
            set_fields.join(", ")
        );
    }
    let where_fields: Vec<(&str, &str)> = conditions
        .iter()
        .map(|c| (c.field.as_str(), "--where"))
        .collect();
    let where_reader = FieldReader::new(&name, header_names.as_deref(), &where_fields)?;
    let kept: Vec<(&str, &str)> = kept_fields
        .iter()
        .map(|(f, option)| (f.as_str(), *option))
        .filter(|&(f, _)| f != FILE_FIELD)
        .collect();
    let kept_reader = FieldReader::new(&name, header_names.as_deref(), &kept)?;
    // Where each post's language is, as `classify` reads it.
    let lang_field = lang_spec(
        args.lang_field.as_deref(),
        opened.header.as_ref(),
        None,
        true,
    )
    .map_err(|e| anyhow::anyhow!("{name}: {e}"))?
    .field;
    let set_paths: Vec<JsonPath> = set_fields.iter().map(|f| JsonPath::parse(f)).collect();
    let mut posts = Vec::new();
    let mut values = Vec::new();
    let mut filtered_out = 0;
    let mut seen_json_labels = vec![false; set_fields.len()];
    let mut item = Item::default();
    while sources.next_into(&mut item)? {
        if !conditions.is_empty() {
            // A JSON record is parsed when its text is read, after the
            // filter; the filter needs this record's value first (the
            // item still holds the last record's).
            if let Raw::Line(line) = &item.raw {
                let parsed = match item.read_problem.take() {
                    Some(p) => Err(p),
                    None => json_object(line),
                };
                item.value = Some(parsed.map_err(|p| RecordError::at(&name, item.pos, p))?);
            }
            let values = where_reader.values(&item);
            if !keep(conditions, &values) {
                filtered_out += 1;
                continue;
            }
        }
        open::read_text(&name, &field, &mut item)?;
        let labels = match (&item.raw, &item.value, &columns) {
            (Raw::Csv(record), _, Some(cols)) => cols
                .iter()
                .zip(&rulebook.sets)
                .map(|(c, set)| split_labels(record.get((*c)?.0).unwrap_or(""), set.mode))
                .collect(),
            (Raw::Line(_), Some(value), _) => set_paths
                .iter()
                .zip(&rulebook.sets)
                .enumerate()
                .map(|(i, (p, set))| {
                    let got = p.get(value);
                    if got.is_some() {
                        seen_json_labels[i] = true;
                    }
                    match got {
                        Some(Value::String(s)) => split_labels(s, set.mode),
                        Some(Value::Array(items)) => Some(
                            items
                                .iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect(),
                        ),
                        _ => None,
                    }
                })
                .collect(),
            _ => unreachable!("CSV records have a header, JSON records a value once read"),
        };
        let lang = lang_field
            .as_ref()
            .and_then(|f| f.value(&mut item))
            .and_then(Lang::from_field);
        let mut read = kept_reader.values(&item).into_iter();
        values.push(
            kept_fields
                .iter()
                .map(|(f, _)| {
                    if f == FILE_FIELD {
                        Some(name.clone())
                    } else {
                        read.next().flatten()
                    }
                })
                .collect(),
        );
        posts.push(GoldPost {
            text: std::mem::take(&mut item.text),
            labels,
            lang,
        });
    }
    let fields = match &columns {
        Some(cols) => cols.iter().map(|c| c.map(|(_, f)| f.to_string())).collect(),
        None => set_fields
            .iter()
            .zip(&seen_json_labels)
            .map(|(f, seen)| seen.then(|| f.clone()))
            .collect(),
    };
    Ok(Gold {
        name,
        posts,
        fields,
        filtered_out,
        values,
    })
}

/// Where some fields of a file's records are: CSV columns (found in the
/// header when the reader is made) or JSON paths.
struct FieldReader {
    columns: Option<Vec<usize>>,
    paths: Vec<JsonPath>,
}

impl FieldReader {
    /// Errors, naming the file, the option and the columns, when a CSV
    /// header (`header`, `None` for JSON) has no column for one of
    /// `fields`, each given with the option that asks for it.
    fn new(name: &str, header: Option<&[String]>, fields: &[(&str, &str)]) -> Result<Self> {
        let columns = match header {
            None => None,
            Some(names) => {
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                Some(
                    fields
                        .iter()
                        .map(|&(f, option)| {
                            fields::find_csv_column(&refs, f).with_context(|| {
                                format!(
                                    "{name}: {option}: no column named `{f}`; the columns are: {}",
                                    names.join(", ")
                                )
                            })
                        })
                        .collect::<Result<_>>()?,
                )
            }
        };
        let paths = fields.iter().map(|(f, _)| JsonPath::parse(f)).collect();
        Ok(FieldReader { columns, paths })
    }

    /// The values of the fields in the record `item` holds: a CSV cell as
    /// its text, a JSON value as [`json_scalar`] gives it. A JSON record
    /// must have been parsed (`item.value`).
    fn values(&self, item: &Item) -> Vec<Option<String>> {
        match (&item.raw, &item.value, &self.columns) {
            (Raw::Csv(record), _, Some(cols)) => cols
                .iter()
                .map(|c| record.get(*c).map(str::to_string))
                .collect(),
            (Raw::Line(_), Some(value), _) => self
                .paths
                .iter()
                .map(|p| json_scalar(p.get(value)))
                .collect(),
            _ => unreachable!("CSV records have a header, JSON records a value once read"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conds(items: &[&str]) -> Vec<Condition> {
        parse_where(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn vals(items: &[&str]) -> Vec<Option<String>> {
        items.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn equal_values_of_one_field_are_alternatives() {
        let c = conds(&["split=a", "split=b"]);
        assert!(keep(&c, &vals(&["a", "a"])));
        assert!(keep(&c, &vals(&["b", "b"])));
        assert!(!keep(&c, &vals(&["c", "c"])));
    }

    #[test]
    fn conditions_on_different_fields_must_all_hold() {
        let c = conds(&["split=tune", "lang=fr"]);
        assert!(keep(&c, &vals(&["tune", "fr"])));
        assert!(!keep(&c, &vals(&["tune", "en"])));
        assert!(!keep(&c, &vals(&["holdout", "fr"])));
    }

    #[test]
    fn not_equal_excludes_its_value_and_keeps_missing_fields() {
        let c = conds(&["split!=holdout"]);
        assert!(!keep(&c, &vals(&["holdout"])));
        assert!(keep(&c, &vals(&["tune"])));
        assert!(keep(&c, &[None]));
    }

    #[test]
    fn malformed_conditions_are_refused() {
        assert!(parse_where(&["split".to_string()]).is_err());
        assert!(parse_where(&["=tune".to_string()]).is_err());
    }
}
