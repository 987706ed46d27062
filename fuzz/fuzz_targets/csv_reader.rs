//! The CSV reader on any bytes: the first byte picks the delimiter, the
//! size limit and the encoding. Every record must come back, with a
//! problem or with its fields, and a problem must keep the record's bytes.
#![no_main]

use std::io::{BufReader, Cursor};
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use postclass::input::delimited::DelimitedSource;
use postclass::input::encoding::DecodingReader;
use postclass::input::{Encoding, ReadOptions};
use postclass::pipeline::{Item, Raw};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let delimiter = [b',', b'\t', b';', b'|'][usize::from(flags & 3)];
    let max_record_bytes = [8, 64, 4096, 1 << 20][usize::from(flags >> 2 & 3)];
    let encoding = [
        Encoding::Utf8,
        Encoding::Lossy,
        Encoding::Windows1252,
        Encoding::Utf16,
    ][usize::from(flags >> 4 & 3)];
    let options = ReadOptions {
        encoding,
        max_record_bytes,
        ..ReadOptions::default()
    };
    // A small buffer puts records across reads.
    let bytes = BufReader::with_capacity(7, Cursor::new(body.to_vec()));
    let stream: Box<dyn std::io::BufRead + Send> = if encoding.is_strict_utf8() {
        Box::new(bytes)
    } else {
        Box::new(BufReader::with_capacity(
            5,
            DecodingReader::new(bytes, encoding, Arc::clone(&options.replaced)),
        ))
    };
    let Ok(mut src) = DelimitedSource::from_reader(stream, "fuzz".into(), 0, delimiter, &options)
    else {
        return;
    };
    let mut item = Item::default();
    let mut last_line = 0;
    while src.read_into(&mut item).expect("reading from memory cannot fail") {
        assert!(item.pos.line > last_line, "lines go forward");
        last_line = item.pos.line;
        let Raw::Csv(record) = &item.raw else {
            panic!("CSV records are CSV")
        };
        match &item.read_problem {
            Some(_) => assert!(!item.original.is_empty(), "a rejected record keeps its bytes"),
            None => {
                assert_eq!(record.len(), src.headers().len());
                if encoding.is_strict_utf8() {
                    assert!(std::str::from_utf8(record.as_slice()).is_ok());
                }
                assert!(record.as_slice().len() <= max_record_bytes);
            }
        }
    }
});
