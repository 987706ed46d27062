//! The classify pipeline: one thread reads records in batches, worker
//! threads extract the text and classify, and the caller consumes the
//! batches in input order. Batches are recycled, so the steady state
//! allocates nothing per record and memory does not grow with the input.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use anyhow::Result;

pub use crate::input::extract::{LangField, LangSpec, TextField};
pub use crate::input::record::{json_kind, Item, Opener, Pos, Problem, Raw, RecordSource, Sources};
use crate::{Rulebook, Scratch};

/// Records per batch: large enough to amortise channel hand-offs, small
/// enough to keep memory flat.
pub const BATCH_RECORDS: usize = 512;

/// What the workers read from each record: its text and its language.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub text: &'a TextField,
    pub lang: &'a LangSpec,
}

/// Classifies one item in place.
fn process(rulebook: &Rulebook, fields: Fields<'_>, item: &mut Item, scratch: &mut Scratch) {
    item.value = None;
    item.problem = item.read_problem.take();
    if item.problem.is_some() {
        return;
    }
    match fields.text.extract(item) {
        Ok(()) => {
            let lang = fields.lang.of(&mut *item, rulebook, scratch);
            rulebook.classify_as(&item.text, lang, scratch, &mut item.verdict);
        }
        Err(p) => item.problem = Some(p),
    }
}

/// A batch of items; only the first `len` are live.
#[derive(Default)]
pub struct Batch {
    items: Vec<Item>,
    len: usize,
}

impl Batch {
    pub fn items(&self) -> &[Item] {
        &self.items[..self.len]
    }

    /// Reads up to `BATCH_RECORDS` records from `sources`, moving to the
    /// next source when one ends. False when nothing was left to read.
    fn fill(&mut self, sources: &mut Sources) -> Result<bool> {
        self.len = 0;
        while self.len < BATCH_RECORDS {
            if self.len == self.items.len() {
                self.items.push(Item::default());
            }
            if !sources.next_into(&mut self.items[self.len])? {
                break;
            }
            self.len += 1;
        }
        Ok(self.len > 0)
    }
}

/// Runs the pipeline over `sources` with `threads` workers, calling
/// `consume` on every batch in input order. An error from reading or from
/// `consume` stops the run and is returned.
pub fn run(
    rulebook: &Rulebook,
    fields: Fields<'_>,
    mut sources: Sources,
    threads: usize,
    mut consume: impl FnMut(&Batch) -> Result<()>,
) -> Result<()> {
    if threads <= 1 {
        let mut batch = Batch::default();
        let mut scratch = Scratch::default();
        while batch.fill(&mut sources)? {
            for item in &mut batch.items[..batch.len] {
                process(rulebook, fields, item, &mut scratch);
            }
            consume(&batch)?;
        }
        return Ok(());
    }

    // Batches in flight at once: bounds memory whatever the input size.
    let in_flight = threads * 2 + 2;
    std::thread::scope(|scope| -> Result<()> {
        let (free_tx, free_rx) = mpsc::sync_channel::<Batch>(in_flight);
        let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Batch)>(in_flight);
        let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Batch)>(in_flight);
        for _ in 0..in_flight {
            free_tx.send(Batch::default()).expect("receiver alive");
        }
        let work_rx = Arc::new(Mutex::new(work_rx));

        let reader = scope.spawn(move || read_batches(&mut sources, free_rx, work_tx));
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let mut scratch = Scratch::default();
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((seq, mut batch))) = next else {
                        break;
                    };
                    for item in &mut batch.items[..batch.len] {
                        process(rulebook, fields, item, &mut scratch);
                    }
                    if done_tx.send((seq, batch)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);

        let result = consume_in_order(done_rx, &free_tx, &mut consume);
        // Stop the reader: it blocks on free batches, which end with free_tx.
        drop(free_tx);
        let read = reader.join().expect("reader thread does not panic");
        result.and(read)
    })
}

fn read_batches(
    sources: &mut Sources,
    free: Receiver<Batch>,
    work: SyncSender<(u64, Batch)>,
) -> Result<()> {
    let mut seq = 0u64;
    while let Ok(mut batch) = free.recv() {
        if !batch.fill(sources)? {
            return Ok(());
        }
        if work.send((seq, batch)).is_err() {
            return Ok(());
        }
        seq += 1;
    }
    Ok(())
}

fn consume_in_order(
    done: Receiver<(u64, Batch)>,
    free: &SyncSender<Batch>,
    consume: &mut impl FnMut(&Batch) -> Result<()>,
) -> Result<()> {
    let mut next = 0u64;
    let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
    for (seq, batch) in done.iter() {
        waiting.insert(seq, batch);
        while let Some(batch) = waiting.remove(&next) {
            consume(&batch)?;
            next += 1;
            // The reader may have stopped; a refused batch is just dropped.
            let _ = free.try_send(batch);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::fields::JsonPath;

    struct Lines(std::vec::IntoIter<(u64, String)>);

    impl RecordSource for Lines {
        fn next_into(&mut self, item: &mut Item) -> Result<bool> {
            let Some((n, line)) = self.0.next() else {
                return Ok(false);
            };
            item.pos = Pos {
                input: 0,
                line: n,
                record: n,
            };
            item.raw = Raw::Line(line.into_bytes());
            item.read_problem = None;
            Ok(true)
        }
    }

    fn labels_with(threads: usize, n: u64) -> Vec<(u64, String)> {
        let rb = crate::engine::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='one'\nfallback='none'\n[[set.label]]\nid='odd'\n[[set.label.rule]]\nid='r'\nany=['odd']\n",
        )
        .unwrap();
        let lines: Vec<(u64, String)> = (1..=n)
            .map(|i| {
                let word = if i % 2 == 1 { "odd" } else { "even" };
                (i, format!("{{\"text\":\"{word} {i}\"}}"))
            })
            .collect();
        let sources = Sources::new(Box::new(Lines(lines.into_iter())), Vec::new());
        let field = TextField::Path(JsonPath::parse("text"));
        let mut out = Vec::new();
        run(
            &rb,
            Fields {
                text: &field,
                lang: &LangSpec::default(),
            },
            sources,
            threads,
            |batch| {
                for item in batch.items() {
                    out.push((item.pos.record, rb.label_of(&item.verdict, 0).to_string()));
                }
                Ok(())
            },
        )
        .unwrap();
        out
    }

    /// Reading only the text of a JSON record gives what reading the whole
    /// record gives: the same text, or the same problem, whatever the line.
    #[test]
    fn text_only_reads_agree_with_whole_records() {
        let deep = format!(
            "{{\"x\":{}1{},\"text\":\"a\"}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        let lines = [
            r#"{"text":"hello","id":1}"#,
            r#"{"id":[1,{"a":null}],"text":"a\"b\\n\u00e9\ud83d\ude00 c"}"#,
            r#"{"text":null}"#,
            r#"{"text":3}"#,
            r#"{"text":-2.5e3}"#,
            r#"{"text":true}"#,
            r#"{"text":[1]}"#,
            r#"{"text":{"a":1}}"#,
            r#"{"text":"first","text":"second"}"#,
            r#"{"text":"first","text":null}"#,
            r#"{"tweet":{"full_text":"x"},"tweet":{"other":1}}"#,
            r#"{"tweet":{"other":1},"tweet":{"full_text":"y"}}"#,
            r#"{"tweet":"not an object"}"#,
            r#"{"data":[{"text":"a"},{"text":"b"}]}"#,
            r#"{"data":[1]}"#,
            r#"{"data":{"1":{"text":"keyed"}}}"#,
            r#"{"te\u0078t":"escaped key"}"#,
            r#"{}"#,
            r#"[1,2]"#,
            r#""str""#,
            r#"42"#,
            r#"null"#,
            r#"true"#,
            r#"{"text":"a""#,
            r#"{"text":"a",}"#,
            r#"{"text":"a"} x"#,
            r#"{"text":"a"}{"text":"b"}"#,
            r#"{text:"a"}"#,
            r#"{"text":"\ud800"}"#,
            r#"{"x":"\ud800","text":"a"}"#,
            r#"{"x":01,"text":"a"}"#,
            r#"{"x":1e999,"text":"a"}"#,
            r#"{"x":"\q","text":"a"}"#,
            "{\"x\":\"tab\there\",\"text\":\"a\"}",
            "",
            "  {\"text\" : \"spaced\" }  ",
            &deep,
        ];
        let paths = ["text", "tweet.full_text", "data.1.text", "data.x", "text.a"];
        let mut found = 0;
        for path in paths {
            let whole = TextField::Path(JsonPath::parse(path));
            let only = whole.clone().text_only();
            assert!(matches!(only, TextField::TextOnly(_)));
            for line in &lines {
                let mut a = Item {
                    raw: Raw::Line(line.as_bytes().to_vec()),
                    ..Item::default()
                };
                let mut b = Item {
                    raw: Raw::Line(line.as_bytes().to_vec()),
                    ..Item::default()
                };
                let (ra, rb) = (whole.extract(&mut a), only.extract(&mut b));
                assert_eq!(ra, rb, "{path} in {line}");
                assert_eq!(a.text, b.text, "{path} in {line}");
                assert!(b.value.is_none());
                found += ra.is_ok() as usize;
            }
        }
        assert!(found >= 8, "only {found} texts found");
    }

    #[test]
    fn threads_keep_input_order_and_results() {
        let one = labels_with(1, 3000);
        assert_eq!(one.len(), 3000);
        assert_eq!(one[0], (1, "odd".to_string()));
        assert_eq!(one[1], (2, "none".to_string()));
        assert_eq!(labels_with(4, 3000), one);
    }

    #[test]
    fn consumer_errors_stop_the_run() {
        let rb = crate::engine::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='many'\n[[set.label]]\nid='x'\n[[set.label.rule]]\nid='r'\nany=['x']\n",
        )
        .unwrap();
        let lines: Vec<(u64, String)> = (1..=5000)
            .map(|i| (i, "{\"text\":\"x\"}".to_string()))
            .collect();
        let sources = Sources::new(Box::new(Lines(lines.into_iter())), Vec::new());
        let field = TextField::Path(JsonPath::parse("text"));
        let mut seen = 0;
        let err = run(
            &rb,
            Fields {
                text: &field,
                lang: &LangSpec::default(),
            },
            sources,
            2,
            |b| {
                seen += b.items().len();
                anyhow::bail!("stop")
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "stop");
        assert_eq!(seen, BATCH_RECORDS);
    }
}
