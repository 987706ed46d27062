//! The optional consumers of `classify`'s labelled rows: files per label
//! (`--split-dir`), the label filter of the main output (`--only`),
//! breakdowns (`--by`) and the HTML report (`--report`).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use csv::ByteRecord;

use crate::breakdown::{Breakdowns, Spec};
use crate::engine::Rulebook;
use crate::output::split::{LabelFilter, SplitFiles, SplitLayout};
use crate::output::{self, AtomicFile, Row, Sink};
use crate::pipeline::Item;
use crate::report::{self, Examples, ReportMeta};
use crate::summary::Summary;

/// The flags of these consumers, flattened into `classify`'s.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Lists, breakdowns and report")]
pub struct ConsumerArgs {
    /// Also write one file per label of the first `one` set into DIR
    /// (angry.csv, advocate.csv, …, the fallback too), in the output
    /// format with its header. Each file appears only once complete.
    #[arg(long, value_name = "DIR")]
    pub split_dir: Option<PathBuf>,

    /// Write only the rows having one of these labels (of any set; SET.LABEL
    /// when two sets share an id) to the output. The summary, --split-dir
    /// and --report still count every row.
    #[arg(long, value_name = "LABEL[,LABEL]", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Add label counts per value of FIELD to the summary (repeatable):
    /// `mentions` (the @handles in the text), `hashtags`, `lang` (each
    /// post's language, from the export's field or detected), a column or
    /// JSON path, or a date field grouped by FIELD:hour|day|month|year.
    #[arg(long = "by", value_name = "FIELD")]
    pub by: Vec<String>,

    /// Write a self-contained HTML report (totals, charts, breakdowns, top
    /// rules, example posts) to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// What the consumers need to know about the run.
pub struct Context<'a> {
    pub header: Option<&'a ByteRecord>,
    pub layout: SplitLayout<'a>,
    /// Display names of the inputs, by index.
    pub names: &'a [String],
}

/// The consumers a run asked for.
pub struct Consumers {
    split: Option<SplitFiles>,
    only: Option<LabelFilter>,
    breakdowns: Breakdowns,
    examples: Option<Examples>,
    report: Option<PathBuf>,
    names: Vec<String>,
}

impl Consumers {
    pub fn new(args: &ConsumerArgs, rulebook: &Rulebook, cx: &Context<'_>) -> Result<Consumers> {
        if let Some(r) = &args.report {
            output::ensure_not_an_input(r, cx.layout.inputs)?;
        }
        let specs = args
            .by
            .iter()
            .map(|b| Spec::resolve(b, cx.header))
            .collect::<Result<Vec<_>>>()?;
        let only = if args.only.is_empty() {
            None
        } else {
            Some(LabelFilter::parse(&args.only, rulebook)?)
        };
        let split = match &args.split_dir {
            Some(dir) => Some(SplitFiles::create(dir, rulebook, &cx.layout)?),
            None => None,
        };
        Ok(Consumers {
            split,
            only,
            breakdowns: Breakdowns::new(specs, rulebook),
            examples: args.report.as_ref().map(|_| Examples::new(rulebook)),
            report: args.report.clone(),
            names: cx.names.to_vec(),
        })
    }

    /// Takes one labelled row; true when it belongs in the main output.
    pub fn row(&mut self, rulebook: &Rulebook, item: &Item, row: Row<'_>) -> Result<bool> {
        if let Some(s) = &mut self.split {
            s.write(row, rulebook, &item.verdict)?;
        }
        if !self.breakdowns.is_empty() {
            self.breakdowns.add(rulebook, item);
        }
        if let Some(e) = &mut self.examples {
            let name = self.names.get(item.pos.input).map_or("", String::as_str);
            e.offer(rulebook, item, name);
        }
        Ok(self
            .only
            .as_ref()
            .map_or(true, |f| f.keeps(rulebook, &item.verdict)))
    }

    /// Puts the split files in place, adds the breakdowns to `summary` and
    /// writes the report. `summary` must hold every row by then.
    pub fn finish(self, rulebook: &Rulebook, summary: &mut Summary) -> Result<()> {
        if let Some(s) = self.split {
            s.finish()?;
        }
        if !self.breakdowns.is_empty() {
            summary.breakdowns = self.breakdowns.into_summary(rulebook);
        }
        if let (Some(path), Some(examples)) = (&self.report, &self.examples) {
            let meta = ReportMeta {
                inputs: self.names.clone(),
            };
            let html = report::render(summary, rulebook, examples, &meta);
            let mut sink = Sink::File(AtomicFile::create(path)?);
            std::io::Write::write_all(&mut sink, html.as_bytes())
                .with_context(|| format!("writing report {}", path.display()))?;
            sink.finish()?;
        }
        Ok(())
    }
}
