//! Whole-array JSON inputs (`[{...}, {...}]`, as APIs return them) and
//! JavaScript files that assign one (`window.YTD.tweets.part0 = [...]`, the
//! Twitter/X archive's tweets.js), read one element at a time: memory holds
//! one element, whatever the size of the array.
//!
//! The splitter only follows strings, escapes and nesting to find where each
//! element ends; the element's JSON itself is parsed later, like a JSONL line.
//! Line breaks between tokens are dropped (indentation with them), so that
//! every element is one line, ready to be written back as JSONL.

use std::io::{BufRead, Read};

use anyhow::{bail, Result};

/// How a JSON input is laid out, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One JSON value per line.
    Lines,
    /// One array; its opening `[` has been consumed.
    Array,
}

/// Longest JavaScript assignment accepted before the array.
const MAX_PREFIX: usize = 256;

/// A reader positioned after what [`sniff`] consumed.
pub type Rest = Box<dyn BufRead + Send>;

/// Reads the start of `reader` to tell its layout. It skips a UTF-8 byte
/// order mark and leading blank lines, and for an array everything up to
/// its `[` (a JavaScript assignment like `window.YTD.tweets.part0 = `
/// included). Returns the reader positioned there, the layout, and the
/// number of lines skipped.
pub fn sniff(mut reader: Rest, name: &str) -> Result<(Rest, Layout, u64)> {
    let mut head: Vec<u8> = Vec::new();
    let mut lines = 0u64;
    let mut bom_checked = false;
    loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| anyhow::anyhow!("{name}: read error: {e}"))?;
        if buf.is_empty() {
            break;
        }
        let take = buf
            .iter()
            .position(|&b| b == b'\n')
            .map_or(buf.len(), |i| i + 1);
        head.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if !bom_checked {
            if head.len() < 3 && b"\xEF\xBB\xBF".starts_with(&head) {
                continue;
            }
            if head.starts_with(b"\xEF\xBB\xBF") {
                head.drain(..3);
            }
            bom_checked = true;
        }
        if head.iter().all(u8::is_ascii_whitespace) {
            if head.ends_with(b"\n") {
                lines += 1;
                head.clear();
            }
            continue;
        }
        if head.ends_with(b"\n") || head.len() >= MAX_PREFIX {
            break;
        }
    }
    let k = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let mut layout = Layout::Lines;
    let mut from = 0;
    match head.get(k) {
        Some(b'[') => {
            layout = Layout::Array;
            from = k + 1;
        }
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' || *c == b'$' => {
            if let Some(len) = assignment_len(&head[k..]) {
                layout = Layout::Array;
                from = k + len;
            }
        }
        _ => {}
    }
    let head = head.split_off(from);
    let rest: Rest = Box::new(std::io::Cursor::new(head).chain(reader));
    Ok((rest, layout, lines))
}

/// The length of `name.path[0] = [` at the start of `s`, if it is there.
fn assignment_len(s: &[u8]) -> Option<usize> {
    let eq = s.iter().position(|&b| b == b'=')?;
    let target = &s[..eq];
    let ok = target
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"_$.[]\"' \t".contains(&b));
    if !ok || target.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let after = &s[eq + 1..];
    let ws = after.iter().take_while(|b| b.is_ascii_whitespace()).count();
    (after.get(ws) == Some(&b'[')).then_some(eq + 1 + ws + 1)
}

/// Where the reader is in the array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Just after `[`.
    Open,
    /// After an element.
    AfterElement,
    /// After `]`.
    Done,
}

/// Reads the elements of an array whose `[` was consumed by [`sniff`].
#[derive(Debug)]
pub struct ArrayReader {
    state: State,
    /// 1-based line of the next byte.
    line: u64,
    elements: u64,
    /// Closers expected, innermost last.
    stack: Vec<u8>,
}

impl ArrayReader {
    /// `line`: the 1-based line the reader is on.
    pub fn new(line: u64) -> ArrayReader {
        ArrayReader {
            state: State::Open,
            line,
            elements: 0,
            stack: Vec::new(),
        }
    }

    /// Reads the next element into `out` (cleared first), returning the line
    /// it starts on, or `None` after the closing `]`. Errors name the file,
    /// the line and what was expected.
    pub fn next_element(
        &mut self,
        reader: &mut dyn BufRead,
        name: &str,
        out: &mut Vec<u8>,
    ) -> Result<Option<u64>> {
        out.clear();
        match self.state {
            State::Done => return Ok(None),
            State::Open => match self.skip_ws(reader, name)? {
                Some(b']') => {
                    reader.consume(1);
                    return self.finish(reader, name);
                }
                Some(_) => {}
                None => bail!(
                    "{name}: line {}: the file ends before the array is closed (`]` expected)",
                    self.line
                ),
            },
            State::AfterElement => match self.skip_ws(reader, name)? {
                Some(b',') => {
                    reader.consume(1);
                    match self.skip_ws(reader, name)? {
                        Some(b']') | None => bail!(
                            "{name}: line {}: expected an array element after `,`",
                            self.line
                        ),
                        Some(_) => {}
                    }
                }
                Some(b']') => {
                    reader.consume(1);
                    return self.finish(reader, name);
                }
                Some(c) => bail!(
                    "{name}: line {}: expected `,` or `]` after array element {}, found {}",
                    self.line,
                    self.elements,
                    show(c)
                ),
                None => bail!(
                    "{name}: line {}: the file ends after array element {} (`,` or `]` expected: truncated file?)",
                    self.line,
                    self.elements
                ),
            },
        }
        let start = self.line;
        self.elements += 1;
        self.read_element(reader, name, out, start)?;
        self.state = State::AfterElement;
        Ok(Some(start))
    }

    /// Skips whitespace; the next byte, not consumed, or `None` at the end.
    fn skip_ws(&mut self, reader: &mut dyn BufRead, name: &str) -> Result<Option<u8>> {
        loop {
            let buf = reader
                .fill_buf()
                .map_err(|e| anyhow::anyhow!("{name}: line {}: read error: {e}", self.line))?;
            if buf.is_empty() {
                return Ok(None);
            }
            let mut k = 0;
            while k < buf.len() && buf[k].is_ascii_whitespace() {
                if buf[k] == b'\n' {
                    self.line += 1;
                }
                k += 1;
            }
            if k < buf.len() {
                let c = buf[k];
                reader.consume(k);
                return Ok(Some(c));
            }
            reader.consume(k);
        }
    }

    /// After `]`: only whitespace and a `;` may follow.
    fn finish(&mut self, reader: &mut dyn BufRead, name: &str) -> Result<Option<u64>> {
        self.state = State::Done;
        let mut semicolon = false;
        while let Some(c) = self.skip_ws(reader, name)? {
            if c == b';' && !semicolon {
                semicolon = true;
                reader.consume(1);
                continue;
            }
            bail!(
                "{name}: line {}: unexpected {} after the end of the array",
                self.line,
                show(c)
            );
        }
        Ok(None)
    }

    fn read_element(
        &mut self,
        reader: &mut dyn BufRead,
        name: &str,
        out: &mut Vec<u8>,
        start: u64,
    ) -> Result<()> {
        self.stack.clear();
        let mut in_string = false;
        let mut escaped = false;
        // A line break between tokens was dropped; a space replaces it when
        // both neighbours are word characters, so tokens never merge.
        let mut broke = false;
        let mut began = false;
        loop {
            let buf = reader
                .fill_buf()
                .map_err(|e| anyhow::anyhow!("{name}: line {}: read error: {e}", self.line))?;
            if buf.is_empty() {
                bail!(
                    "{name}: line {}: the file ends inside array element {}, which starts at line {start} (truncated file?)",
                    self.line,
                    self.elements
                );
            }
            let mut k = 0;
            let mut done = false;
            while k < buf.len() {
                let c = buf[k];
                if in_string {
                    // Copy the run up to the next quote or backslash at once.
                    if !escaped {
                        let run = buf[k..]
                            .iter()
                            .position(|&b| b == b'"' || b == b'\\' || b == b'\n')
                            .unwrap_or(buf.len() - k);
                        if run > 0 {
                            out.extend_from_slice(&buf[k..k + run]);
                            k += run;
                            continue;
                        }
                    }
                    out.push(c);
                    k += 1;
                    if c == b'\n' {
                        // Invalid in JSON; kept so that parsing reports it.
                        self.line += 1;
                    }
                    if escaped {
                        escaped = false;
                    } else if c == b'\\' {
                        escaped = true;
                    } else if c == b'"' {
                        in_string = false;
                        if self.stack.is_empty() {
                            done = true;
                            break;
                        }
                    }
                    continue;
                }
                if c.is_ascii_whitespace() {
                    if c == b'\n' {
                        self.line += 1;
                        broke = true;
                    } else if c == b'\r' {
                        broke = true;
                    } else if !broke && began {
                        out.push(c);
                    }
                    k += 1;
                    if self.stack.is_empty() && began {
                        // A scalar element ends at whitespace.
                        done = true;
                        break;
                    }
                    continue;
                }
                if self.stack.is_empty() && began && (c == b',' || c == b']') {
                    // The end of a scalar element: the separator stays.
                    done = true;
                    break;
                }
                if broke {
                    // Drop the indentation kept before the break was seen.
                    while matches!(out.last(), Some(b' ' | b'\t')) {
                        out.pop();
                    }
                    if out.last().is_some_and(|&p| is_word(p)) && is_word(c) {
                        out.push(b' ');
                    }
                    broke = false;
                }
                began = true;
                out.push(c);
                k += 1;
                match c {
                    b'"' => in_string = true,
                    b'{' => self.stack.push(b'}'),
                    b'[' => self.stack.push(b']'),
                    b'}' | b']' => match self.stack.pop() {
                        Some(want) if want == c => {
                            if self.stack.is_empty() {
                                done = true;
                                break;
                            }
                        }
                        Some(want) => bail!(
                            "{name}: line {}: in array element {} (from line {start}), `{}` closes a `{}`",
                            self.line,
                            self.elements,
                            c as char,
                            if want == b'}' { '{' } else { '[' }
                        ),
                        None => bail!(
                            "{name}: line {}: unexpected `{}` in array element {}",
                            self.line,
                            c as char,
                            self.elements
                        ),
                    },
                    _ => {}
                }
            }
            reader.consume(k);
            if done {
                while matches!(out.last(), Some(b' ' | b'\t')) {
                    out.pop();
                }
                return Ok(());
            }
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'+' || b >= 0x80
}

fn show(c: u8) -> String {
    if c.is_ascii_graphic() {
        format!("`{}`", c as char)
    } else {
        format!("byte 0x{c:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn reader(s: &str) -> Rest {
        Box::new(std::io::Cursor::new(s.as_bytes().to_vec()))
    }

    /// Splits `input`, read through a buffer of `cap` bytes.
    fn split(input: &str, cap: usize) -> Result<(Layout, Vec<(u64, String)>)> {
        let r: Rest = Box::new(BufReader::with_capacity(
            cap,
            std::io::Cursor::new(input.as_bytes().to_vec()),
        ));
        let (mut r, layout, lines) = sniff(r, "t.json")?;
        if layout == Layout::Lines {
            return Ok((layout, Vec::new()));
        }
        let mut a = ArrayReader::new(lines + 1);
        let mut out = Vec::new();
        let mut got = Vec::new();
        while let Some(line) = a.next_element(&mut *r, "t.json", &mut out)? {
            got.push((line, String::from_utf8(out.clone()).unwrap()));
        }
        Ok((layout, got))
    }

    fn elements(input: &str) -> Vec<(u64, String)> {
        let (layout, got) = split(input, 8 * 1024).unwrap();
        assert_eq!(layout, Layout::Array);
        // The same whatever the buffer boundaries.
        for cap in [1, 2, 3, 7] {
            assert_eq!(split(input, cap).unwrap().1, got, "buffer of {cap} bytes");
        }
        got
    }

    #[test]
    fn splits_pretty_printed_arrays_into_one_line_elements() {
        let input = "[\n  {\n    \"id\" : \"1\",\n    \"text\" : \"a, b ] } \\\" [\"\n  },\n  {\"id\": 2, \"n\": [1, {\"x\": null}]}\n]\n";
        assert_eq!(
            elements(input),
            vec![
                (2, r#"{"id" : "1","text" : "a, b ] } \" ["}"#.to_string()),
                (6, r#"{"id": 2, "n": [1, {"x": null}]}"#.to_string()),
            ]
        );
    }

    #[test]
    fn reads_javascript_assignments_and_a_final_semicolon() {
        let input = "\u{feff}window.YTD.tweets.part0 = [ {\n  \"tweet\" : { \"full_text\" : \"été\" }\n} ];\n";
        assert_eq!(
            elements(input),
            vec![(1, r#"{"tweet" : { "full_text" : "été" }}"#.to_string())]
        );
    }

    #[test]
    fn scalars_and_empty_arrays() {
        assert_eq!(
            elements("[1, \"two\",\ntrue , null]"),
            vec![
                (1, "1".to_string()),
                (1, "\"two\"".to_string()),
                (2, "true".to_string()),
                (2, "null".to_string()),
            ]
        );
        assert_eq!(elements("  [ ]  "), vec![]);
        assert_eq!(elements("\n\n[]"), vec![]);
    }

    #[test]
    fn line_breaks_never_merge_tokens() {
        assert_eq!(
            elements("[{\"a\": tru\ne}]"),
            vec![(1, "{\"a\": tru e}".to_string())]
        );
    }

    #[test]
    fn lines_layout_keeps_the_first_line() {
        let (mut r, layout, lines) = sniff(reader("\n\n{\"a\":1}\n"), "t").unwrap();
        assert_eq!((layout, lines), (Layout::Lines, 2));
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut r, &mut rest).unwrap();
        assert_eq!(rest, "{\"a\":1}\n");
        // Text that merely starts with a word is not an assignment.
        let (mut r, layout, _) = sniff(reader("id,text\n1,x\n"), "t").unwrap();
        assert_eq!(layout, Layout::Lines);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut r, &mut rest).unwrap();
        assert_eq!(rest, "id,text\n1,x\n");
        let (_, layout, lines) = sniff(reader(""), "t").unwrap();
        assert_eq!((layout, lines), (Layout::Lines, 0));
    }

    #[test]
    fn structural_errors_name_the_line() {
        let err = |s: &str| split(s, 64).unwrap_err().to_string();
        assert_eq!(
            err("[\n{\"a\": 1}\n{\"b\": 2}]"),
            "t.json: line 3: expected `,` or `]` after array element 1, found `{`"
        );
        assert_eq!(
            err("[\n{\"a\": 1},\n{\"b\": \"x"),
            "t.json: line 3: the file ends inside array element 2, which starts at line 3 (truncated file?)"
        );
        assert_eq!(
            err("[{\"a\": 1}"),
            "t.json: line 1: the file ends after array element 1 (`,` or `]` expected: truncated file?)"
        );
        assert_eq!(
            err("[{\"a\": [1}]"),
            "t.json: line 1: in array element 1 (from line 1), `}` closes a `[`"
        );
        assert_eq!(
            err("[1,]"),
            "t.json: line 1: expected an array element after `,`"
        );
        assert_eq!(
            err("[1]\n[2]"),
            "t.json: line 2: unexpected `[` after the end of the array"
        );
        assert_eq!(
            err("["),
            "t.json: line 1: the file ends before the array is closed (`]` expected)"
        );
    }
}
