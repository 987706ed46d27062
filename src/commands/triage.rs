//! `postclass triage`: the posts to handle first, by the priority the
//! rulebook gives their label (angry first), then by score.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use csv::ByteRecord;
use serde_json::Value;

use super::classify::{check_added_fields, threads};
use super::input_args::{end_reading, InputArgs, Reading};
use super::{load_rulebook_on, Outcome};
use crate::engine::Rulebook;
use crate::input::flatten;
use crate::input::{Input, InputFormat};
use crate::output::labels::{chosen_score, format_score, LangColumns};
use crate::output::{self, LabelColumns, OutputFormat, Row, RowWriter, Sink};
use crate::pipeline::{self, Item, Raw};
use crate::Verdict;

const EXAMPLES: &str = "\
Examples:
  postclass triage week.csv
  postclass triage week.jsonl --limit 50 --rules my.toml
  postclass triage week.csv --format csv -o to-handle-first.csv
  zcat week.csv.gz | postclass triage --input-format csv --limit 5
  postclass triage excel.csv --encoding windows-1252 --on-error skip --rejects rejects.jsonl

Rows are ordered by the priority of the label the first `one` set gave
them (1 first), then by score (highest first), then by input order. Rows
whose label has no priority (such as the fallback) are not listed.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
// The shared input flags, told as triage writes: no summary, and a
// delimiter that is the input's only.
#[command(mut_arg("delimiter", |a| a.help("Field delimiter of CSV input (default `,`; `\\t` for TSV)")))]
#[command(mut_arg("preset", |a| a.help(
    "Read the export of a known tool: its text, and its id, author, date, language and \
     mentions fields as the first columns of csv, tsv output; for twarc2, one post per \
     tweet. Implies JSON input. Detected from the first record when neither --preset \
     nor --text is given"
)))]
#[command(mut_arg("encoding", |a| a.help(
    "Text encoding of the inputs. With utf8 (the default) a record with an invalid byte \
     cannot be labelled; lossy replaces invalid bytes with U+FFFD and says how many on \
     stderr. Output is always UTF-8"
)))]
pub struct Args {
    /// Rulebook to apply (default: the embedded default rulebook).
    #[arg(short, long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// How many rows to list.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 20)]
    pub limit: usize,

    /// `table` (readable, the default on a terminal), or the rows with their
    /// label fields as csv, tsv or jsonl (default otherwise: the input's).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<TriageFormat>,

    /// Write here instead of stdout (replaced only once complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Prefix for the added field names (csv, tsv, jsonl formats).
    #[arg(long, value_name = "STR", default_value = "")]
    pub prefix: String,

    /// Leave out the `lang` and `lang_source` columns (csv, tsv, jsonl
    /// formats), as classify's --no-lang.
    #[arg(long)]
    pub no_lang: bool,

    /// Threads (default: the number of cores): workers that classify, and
    /// up to four that build the rulebook's regexes at start.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TriageFormat {
    Table,
    Csv,
    Tsv,
    Jsonl,
}

/// One row kept for the list.
struct Entry {
    priority: u32,
    score: f64,
    seq: u64,
    raw: Raw,
    value: Option<Value>,
    text: String,
    verdict: Verdict,
    place: String,
}

impl Entry {
    /// Orders rows from the most to the least urgent (less is sooner).
    fn rank(&self, other: &Entry) -> Ordering {
        rank(
            (self.priority, self.score, self.seq),
            (other.priority, other.score, other.seq),
        )
    }
}

fn rank(a: (u32, f64, u64), b: (u32, f64, u64)) -> Ordering {
    a.0.cmp(&b.0)
        .then_with(|| b.1.total_cmp(&a.1))
        .then_with(|| a.2.cmp(&b.2))
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.rank(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// The heap's greatest entry is the least urgent, the first to go.
    fn cmp(&self, other: &Entry) -> Ordering {
        self.rank(other)
    }
}

/// The `limit` most urgent rows seen, in a heap that never holds more.
struct TopRows {
    limit: usize,
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl TopRows {
    fn offer(&mut self, rulebook: &Rulebook, item: &Item, file: &str) {
        self.seq += 1;
        let Some(set) = rulebook.primary_set() else {
            return;
        };
        let Some(&label) = item.verdict.sets[set].labels.first() else {
            return;
        };
        let Some(priority) = rulebook.sets[set].labels[label].priority else {
            return;
        };
        let score = chosen_score(&item.verdict, set);
        let key = (priority, score, self.seq);
        if self.limit == 0 {
            return;
        }
        if self.heap.len() == self.limit {
            let worst = self.heap.peek().expect("a full heap has a top");
            if rank(key, (worst.priority, worst.score, worst.seq)) != Ordering::Less {
                return;
            }
            self.heap.pop();
        }
        self.heap.push(Entry {
            priority,
            score,
            seq: self.seq,
            raw: item.raw.clone(),
            value: item.value.clone(),
            text: item.text.clone(),
            verdict: item.verdict.clone(),
            place: format!("{file}:{}", item.pos.line),
        });
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    output::install_interrupt_cleanup();
    let rulebook = load_rulebook_on(args.rules.as_deref(), args.threads.unwrap_or(0))?;
    let say = super::say(args.quiet);
    let Reading {
        inputs,
        format,
        mut progress,
        mut rejects,
        opened,
        replaced,
    } = args
        .input
        .start_reading(args.quiet, &[args.output.as_deref()], &say)?;
    let shape = match args.format {
        Some(f) => f,
        None if args.output.is_none() && std::io::stdout().is_terminal() => TriageFormat::Table,
        None => match format {
            InputFormat::Csv => TriageFormat::Csv,
            InputFormat::Tsv => TriageFormat::Tsv,
            InputFormat::Jsonl => TriageFormat::Jsonl,
        },
    };
    let json_fields = flatten::flat_fields(opened.preset, &[], opened.field.as_ref());
    // The language columns as classify writes them: an export with its own
    // `lang` field keeps it, and gains `lang_source` alone.
    let lang_columns = !args.no_lang && shape != TriageFormat::Table;
    let own_lang = args.prefix.is_empty()
        && match &opened.header {
            Some(h) => h.iter().any(|f| f == b"lang"),
            None => shape != TriageFormat::Jsonl && json_fields.iter().any(|f| f.name() == "lang"),
        };
    let columns = LabelColumns::with_lang(
        &rulebook,
        &args.prefix,
        LangColumns {
            lang: lang_columns && !own_lang,
            source: lang_columns,
            reason: false,
        },
    );
    if shape != TriageFormat::Table {
        check_added_fields(opened.header.as_ref(), &columns)?;
    }

    let mut top = TopRows {
        limit: args.limit,
        heap: BinaryHeap::with_capacity(args.limit.min(1 << 16) + 1),
        seq: 0,
    };
    let names: Vec<String> = inputs.iter().map(Input::display_name).collect();
    let mut read = 0u64;
    if let (Some(field), Some(sources)) = (opened.field, opened.sources) {
        let lang = args.input.lang_spec(
            opened.header.as_ref(),
            opened.preset,
            rulebook.needs_lang() || lang_columns,
        )?;
        let fields = pipeline::Fields {
            text: &field,
            lang: &lang,
        };
        pipeline::run(&rulebook, fields, sources, threads(args.threads), |batch| {
            for item in batch.items() {
                read += 1;
                if let Some(p) = &item.problem {
                    rejects.reject(item, p)?;
                    continue;
                }
                top.offer(&rulebook, item, &names[item.pos.input]);
            }
            progress.rows(batch.items().len() as u64);
            Ok(())
        })?;
    }
    end_reading(&args.input, progress, rejects, &replaced, read, &say)?;
    let rows = top.heap.into_sorted_vec();

    let mut sink = Sink::create(args.output.as_deref())?;
    match shape {
        TriageFormat::Table => {
            sink.write_all(table(&rulebook, &rows).as_bytes())?;
            sink.finish()?;
        }
        TriageFormat::Csv | TriageFormat::Tsv | TriageFormat::Jsonl => {
            let out_format = match shape {
                TriageFormat::Csv => OutputFormat::Csv,
                TriageFormat::Tsv => OutputFormat::Tsv,
                _ => OutputFormat::Jsonl,
            };
            let mut w = RowWriter::with_fields(
                sink,
                out_format,
                columns,
                opened.header.as_ref(),
                json_fields,
            )?;
            let empty = ByteRecord::new();
            let headers = opened.header.as_ref().unwrap_or(&empty);
            for e in &rows {
                let row = match (&e.raw, &e.value) {
                    (Raw::Csv(record), _) => Row::Csv {
                        headers,
                        record: record.as_byte_record(),
                    },
                    (Raw::Line(line), value) => Row::Json {
                        line,
                        value: value.as_ref(),
                    },
                };
                w.write(row, &rulebook, &e.verdict)?;
            }
            w.finish()?;
        }
    }
    Ok(Outcome::Success)
}

/// Post texts in the table are cut to this many characters.
const TABLE_TEXT: usize = 100;

/// Rows grouped under their label, with its priority and action.
fn table(rulebook: &Rulebook, rows: &[Entry]) -> String {
    let mut out = String::new();
    let Some(set) = rulebook.primary_set() else {
        return out;
    };
    if rows.is_empty() {
        out.push_str("nothing to handle: no row has a label with a priority\n");
        return out;
    }
    let place_w = rows
        .iter()
        .map(|e| e.place.chars().count())
        .max()
        .unwrap_or(0);
    let rank_w = rows.len().to_string().len();
    let mut current: Option<usize> = None;
    for (i, e) in rows.iter().enumerate() {
        let label_i = e.verdict.sets[set].labels[0];
        let label = &rulebook.sets[set].labels[label_i];
        if current != Some(label_i) {
            current = Some(label_i);
            if i > 0 {
                out.push('\n');
            }
            let _ = write!(out, "{} (priority {})", label.id, label.priority_text());
            if let Some(a) = &label.action {
                let _ = write!(out, ": {a}");
            }
            out.push('\n');
        }
        let mut score = String::new();
        format_score(e.score, &mut score);
        let _ = writeln!(
            out,
            "  {:>rank_w$}  score {:<4}  {:<place_w$}  {}",
            i + 1,
            score,
            e.place,
            one_line(&e.text, TABLE_TEXT)
        );
    }
    out
}

/// `text` on one line, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let mut cut: String = flat.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_is_priority_then_score_then_order() {
        assert_eq!(rank((1, 1.0, 9), (2, 5.0, 1)), Ordering::Less);
        assert_eq!(rank((1, 3.0, 9), (1, 2.0, 1)), Ordering::Less);
        assert_eq!(rank((1, 2.0, 1), (1, 2.0, 2)), Ordering::Less);
    }

    #[test]
    fn the_heap_keeps_only_the_most_urgent() {
        let rb = crate::engine::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='one'\nfallback='none'\n[[set.label]]\nid='hot'\npriority=1\n[[set.label.rule]]\nid='h'\nany=['hot']\n[[set.label.rule]]\nid='h2'\nany=['very']\n[[set.label]]\nid='warm'\npriority=2\n[[set.label.rule]]\nid='w'\nany=['warm']\n",
        )
        .unwrap();
        let mut top = TopRows {
            limit: 3,
            heap: BinaryHeap::new(),
            seq: 0,
        };
        for (i, text) in ["warm", "hot", "nothing", "warm", "very hot", "hot"]
            .iter()
            .enumerate()
        {
            let item = Item {
                text: text.to_string(),
                verdict: rb.classify(text),
                pos: crate::pipeline::Pos {
                    input: 0,
                    line: i as u64 + 1,
                    record: i as u64 + 1,
                },
                ..Item::default()
            };
            top.offer(&rb, &item, "f");
        }
        let places: Vec<String> = top
            .heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| e.place)
            .collect();
        assert_eq!(places, vec!["f:5", "f:2", "f:6"]);
    }

    #[test]
    fn table_text_is_one_short_line() {
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("abcdefghijkl", 5), "abcd…");
    }
}
