//! The files of a chain of rulebooks (`extends`) laid out in one long
//! text, so that every span of the merged model says both which file it is
//! in and where; [`Chain`] turns such a span back into a file and a place in
//! it.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use super::diagnostic::{Diagnostic, Source};

/// The files of a chain and where each one sits in the one long text.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Each file with the offset its spans start at; the rulebook given is
    /// first, at offset 0.
    pub(super) files: Vec<(usize, Arc<Source>)>,
    /// Every file at its offset, for checks that read the text of a span.
    pub(super) combined: Source,
    /// The case files each file names, as paths from the working
    /// directory, with the name of the file that names them.
    pub(super) cases: Vec<(PathBuf, String)>,
}

impl Chain {
    /// A chain of one file: spans are the file's own.
    pub fn single(source: Source) -> Chain {
        Chain {
            combined: source.clone(),
            files: vec![(0, Arc::new(source))],
            cases: Vec::new(),
        }
    }

    /// Whether the rulebook builds on others.
    pub fn is_chain(&self) -> bool {
        self.files.len() > 1
    }

    /// The rulebook given.
    pub fn top(&self) -> &Source {
        &self.files[0].1
    }

    /// Every file of the chain, the rulebook given first.
    pub fn sources(&self) -> impl Iterator<Item = &Source> {
        self.files.iter().map(|(_, s)| s.as_ref())
    }

    /// The case files named by the files of the chain (`cases` in
    /// `[rulebook]`), bases first, with the name of the file naming each.
    pub fn case_files(&self) -> &[(PathBuf, String)] {
        &self.cases
    }

    /// The text of every file at its offset.
    pub fn combined(&self) -> &Source {
        &self.combined
    }

    pub(super) fn push(&mut self, source: Source) -> usize {
        let offset = self.combined.text.len();
        self.combined.text.push_str(&source.text);
        self.combined.text.push('\n');
        self.files.push((offset, Arc::new(source)));
        offset
    }

    /// The index of the file holding `offset`, and the offset in it.
    pub fn locate(&self, offset: usize) -> (usize, usize) {
        let i = self
            .files
            .partition_point(|(start, _)| *start <= offset)
            .saturating_sub(1);
        (i, offset - self.files[i].0)
    }

    /// For each file of the chain (in [`Chain::locate`]'s order), whether it
    /// is the embedded default rulebook as built into the program (not a
    /// file of that name whose text differs).
    pub fn embedded_default_files(&self) -> Vec<bool> {
        self.files
            .iter()
            .map(|(_, s)| {
                std::ptr::eq(s.text.as_str(), super::DEFAULT_TEXT) || s.text == super::DEFAULT_TEXT
            })
            .collect()
    }

    /// The name of the file holding `offset`.
    pub fn name_at(&self, offset: usize) -> &str {
        &self.files[self.locate(offset).0].1.name
    }

    /// "line 3, column 6", with the file's name when it is not the
    /// rulebook given: for pointing at a second place in a message.
    pub fn place(&self, at: &Range<usize>) -> String {
        let (i, local) = self.locate(at.start);
        let lc = self.files[i].1.line_col(local);
        if i == 0 {
            format!("line {}, column {}", lc.line, lc.col)
        } else {
            format!(
                "{} line {}, column {}",
                self.files[i].1.name, lc.line, lc.col
            )
        }
    }

    /// "file:line:col" of a span.
    pub fn origin(&self, at: &Range<usize>) -> String {
        let (i, local) = self.locate(at.start);
        let source = &self.files[i].1;
        let lc = source.line_col(local);
        format!("{}:{}:{}", source.name, lc.line, lc.col)
    }

    /// A finding whose span is in the long text, made to point into its
    /// own file.
    pub fn localize(&self, mut d: Diagnostic) -> Diagnostic {
        if let Some(span) = d.span.take() {
            let (i, start) = self.locate(span.start);
            d.span = Some(start..start + span.len());
            if i > 0 {
                d.file = Some(self.files[i].1.clone());
            }
        }
        d
    }
}
