//! Text encodings of inputs. UTF-8 is the default and is checked record by
//! record, so that a bad byte is reported with its file, line and field.
//! Other encodings (and lossy UTF-8) go through [`DecodingReader`], which
//! turns the bytes into UTF-8 before any parsing, counting every invalid
//! sequence it replaces.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The encoding an input is read in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8; a record with an invalid byte cannot be labelled.
    #[default]
    #[value(name = "utf8", alias = "utf-8")]
    Utf8,
    /// UTF-8, every invalid byte sequence replaced with U+FFFD and counted.
    Lossy,
    /// ISO-8859-1: every byte is the code point of the same number.
    #[value(name = "latin1", alias = "iso-8859-1")]
    Latin1,
    /// Windows-1252, the "ANSI" code page of Excel on Western Windows.
    #[value(name = "windows-1252", alias = "cp1252")]
    Windows1252,
    /// UTF-16; a byte order mark tells the byte order, little-endian without one.
    #[value(name = "utf-16", alias = "utf16")]
    Utf16,
    /// UTF-16, little-endian.
    #[value(name = "utf-16le")]
    Utf16Le,
    /// UTF-16, big-endian.
    #[value(name = "utf-16be")]
    Utf16Be,
}

impl Encoding {
    /// The name as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf8",
            Encoding::Lossy => "lossy",
            Encoding::Latin1 => "latin1",
            Encoding::Windows1252 => "windows-1252",
            Encoding::Utf16 => "utf-16",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }

    /// Whether the bytes are read as they are, each record checked for
    /// valid UTF-8 (no decoding step).
    pub fn is_strict_utf8(self) -> bool {
        self == Encoding::Utf8
    }
}

/// What to tell a user whose export is not valid UTF-8.
pub const ENCODING_HINT: &str =
    "not a UTF-8 export? pass --encoding windows-1252 (or latin1, utf-16), or --encoding lossy";

/// Describes the first invalid UTF-8 sequence of `bytes`, if any: its
/// offset and the byte found there.
pub fn invalid_utf8(bytes: &[u8]) -> Option<(usize, u8)> {
    match std::str::from_utf8(bytes) {
        Ok(_) => None,
        Err(e) => Some((e.valid_up_to(), bytes[e.valid_up_to()])),
    }
}

enum Decode {
    Latin1,
    Decoder(encoding_rs::Decoder),
}

/// Reads bytes in some encoding and yields them as UTF-8. A byte order mark
/// at the start is removed (and, for UTF-16, tells the byte order).
pub struct DecodingReader<R> {
    inner: R,
    decode: Decode,
    out: Vec<u8>,
    out_pos: usize,
    done: bool,
    replaced: Arc<AtomicU64>,
}

impl<R: BufRead> DecodingReader<R> {
    /// Decodes `inner` from `encoding`, adding every replaced invalid
    /// sequence to `replaced`. Not for [`Encoding::Utf8`], which needs no
    /// decoding.
    pub fn new(inner: R, encoding: Encoding, replaced: Arc<AtomicU64>) -> DecodingReader<R> {
        let decode = match encoding {
            Encoding::Latin1 => Decode::Latin1,
            Encoding::Utf8 | Encoding::Lossy => {
                Decode::Decoder(encoding_rs::UTF_8.new_decoder_with_bom_removal())
            }
            Encoding::Windows1252 => {
                Decode::Decoder(encoding_rs::WINDOWS_1252.new_decoder_with_bom_removal())
            }
            // BOM sniffing: a UTF-16BE byte order mark switches the decoder.
            Encoding::Utf16 => Decode::Decoder(encoding_rs::UTF_16LE.new_decoder()),
            Encoding::Utf16Le => {
                Decode::Decoder(encoding_rs::UTF_16LE.new_decoder_with_bom_removal())
            }
            Encoding::Utf16Be => {
                Decode::Decoder(encoding_rs::UTF_16BE.new_decoder_with_bom_removal())
            }
        };
        DecodingReader {
            inner,
            decode,
            out: Vec::new(),
            out_pos: 0,
            done: false,
            replaced,
        }
    }

    /// Decodes the next chunk of input into `out`.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let input = self.inner.fill_buf()?;
        let last = input.is_empty();
        match &mut self.decode {
            Decode::Latin1 => {
                if last {
                    self.done = true;
                    return Ok(());
                }
                self.out.resize(input.len() * 2, 0);
                let n = encoding_rs::mem::convert_latin1_to_utf8(input, &mut self.out);
                self.out.truncate(n);
                let used = input.len();
                self.inner.consume(used);
            }
            Decode::Decoder(d) => {
                let room = d
                    .max_utf8_buffer_length_without_replacement(input.len())
                    .unwrap_or(input.len() * 3 + 16);
                // Three more bytes for a replacement character.
                self.out.resize(room + 3, 0);
                let (result, read, mut written) =
                    d.decode_to_utf8_without_replacement(input, &mut self.out[..room], last);
                match result {
                    encoding_rs::DecoderResult::InputEmpty => {
                        if last {
                            self.done = true;
                        }
                    }
                    encoding_rs::DecoderResult::OutputFull => {}
                    encoding_rs::DecoderResult::Malformed(_, _) => {
                        self.out[written..written + 3].copy_from_slice("\u{FFFD}".as_bytes());
                        written += 3;
                        self.replaced.fetch_add(1, Ordering::Relaxed);
                    }
                }
                self.out.truncate(written);
                self.inner.consume(read);
            }
        }
        Ok(())
    }
}

impl<R: BufRead> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], encoding: Encoding) -> (String, u64) {
        let replaced = Arc::new(AtomicU64::new(0));
        // A tiny buffer puts sequences across chunk boundaries.
        let inner = io::BufReader::with_capacity(3, bytes);
        let mut r = DecodingReader::new(inner, encoding, Arc::clone(&replaced));
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        (s, replaced.load(Ordering::Relaxed))
    }

    #[test]
    fn windows_1252_and_latin1_differ_on_c1_bytes() {
        assert_eq!(
            decode(b"caf\xe9 \x80 \x93ok\x94", Encoding::Windows1252),
            ("café € “ok”".to_string(), 0)
        );
        assert_eq!(
            decode(b"caf\xe9 \x80", Encoding::Latin1),
            ("café \u{80}".to_string(), 0)
        );
    }

    #[test]
    fn utf16_follows_its_byte_order_mark() {
        let le: Vec<u8> = "\u{FEFF}é,x\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "\u{FEFF}é,x\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(&le, Encoding::Utf16), ("é,x\n".to_string(), 0));
        assert_eq!(decode(&be, Encoding::Utf16), ("é,x\n".to_string(), 0));
        assert_eq!(
            decode(&be[2..], Encoding::Utf16Be),
            ("é,x\n".to_string(), 0)
        );
    }

    #[test]
    fn lossy_counts_each_replacement() {
        assert_eq!(
            decode(b"\xef\xbb\xbfa\xffb\xe9c\xe2\x82", Encoding::Lossy),
            ("a\u{FFFD}b\u{FFFD}c\u{FFFD}".to_string(), 3)
        );
        assert_eq!(
            decode("déjà".as_bytes(), Encoding::Lossy),
            ("déjà".into(), 0)
        );
    }

    #[test]
    fn invalid_utf8_names_offset_and_byte() {
        assert_eq!(invalid_utf8(b"caf\xe9!"), Some((3, 0xe9)));
        assert_eq!(invalid_utf8("café".as_bytes()), None);
    }
}
