//! The JSON reader (lines or one array) and text extraction on any bytes: no panic, bounded
//! lines, and every record either labelled or given a reason.
#![no_main]

use std::io::{BufReader, Cursor};

use libfuzzer_sys::fuzz_target;
use postclass::input::fields::JsonPath;
use postclass::input::jsonl::JsonlSource;
use postclass::input::ReadOptions;
use postclass::pipeline::{Item, RecordSource, TextField};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let max_record_bytes = [16, 256, 1 << 20, 16 << 20][usize::from(flags & 3)];
    let path = ["text", "tweet.full_text", "data.0.text", "a"][usize::from(flags >> 2 & 3)];
    let options = ReadOptions {
        max_record_bytes,
        ..ReadOptions::default()
    };
    let reader = BufReader::with_capacity(5, Cursor::new(body.to_vec()));
    // A malformed start of a whole-array input is an error, not a panic.
    let Ok(mut src) = JsonlSource::from_reader(Box::new(reader), "fuzz".into(), 0, &options)
    else {
        return;
    };
    let field = TextField::Path(JsonPath::parse(path));
    let mut item = Item::default();
    // Whole-array inputs end in an error when malformed: never a panic.
    while let Ok(true) = src.next_into(&mut item) {
        if item.read_problem.is_some() {
            continue;
        }
        match field.extract(&mut item) {
            Ok(()) => assert!(item.value.as_ref().is_some_and(|v| v.is_object())),
            Err(p) => assert!(!p.reason.is_empty()),
        }
    }
});
