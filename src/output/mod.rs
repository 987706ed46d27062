//! Writing results: where they go (stdout or a file replaced atomically),
//! which fields the labels add, and the row writers for each format.

pub mod labels;
pub mod rejects;
pub mod split;
pub mod writer;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub use labels::LabelColumns;
pub use writer::{OutputFormat, Row, RowWriter};

/// The buffer of a [`Sink`], in bytes. A write of at least this much goes
/// straight through it, without a copy into the buffer.
pub(crate) const SINK_BUFFER: usize = 128 * 1024;

/// Where output goes: standard output, or a file that only appears (or is
/// replaced) once everything was written.
pub enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File(AtomicFile),
}

impl Sink {
    /// Opens `path`, or standard output for `None` and `-`.
    pub fn create(path: Option<&Path>) -> Result<Sink> {
        match path {
            Some(p) if p.as_os_str() != "-" => Ok(Sink::File(AtomicFile::create(p)?)),
            _ => Ok(Sink::Stdout(BufWriter::with_capacity(
                SINK_BUFFER,
                io::stdout(),
            ))),
        }
    }

    /// Flushes and, for a file, moves it into place.
    pub fn finish(self) -> Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush().context("writing to standard output"),
            Sink::File(f) => f.commit(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File(f) => f.writer.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::File(f) => f.writer.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File(f) => f.writer.flush(),
        }
    }
}

/// A file written under a temporary name in the same folder and renamed
/// over the target on [`AtomicFile::commit`]. Dropped without a commit (an
/// error, a panic), the temporary file is removed and the target untouched.
///
/// Two kinds of targets are not replaced. A symbolic link is followed, so the
/// finished file lands where it points and the link stays. A target that
/// exists and is not a regular file (`/dev/null`, a named pipe, a terminal)
/// is written in place: renaming over it would swap the device for a plain
/// file, and such targets cannot be half-written anyway.
pub struct AtomicFile {
    target: PathBuf,
    /// The temporary file, or `None` when writing in place.
    temp: Option<PathBuf>,
    writer: BufWriter<File>,
    committed: bool,
}

impl AtomicFile {
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let resolved = resolve_links(target);
        if let Ok(meta) = fs::metadata(&resolved) {
            if meta.is_dir() {
                bail!("output path {} is a directory", target.display());
            }
            if !meta.is_file() {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .open(&resolved)
                    .with_context(|| format!("cannot open {} for writing", target.display()))?;
                return Ok(AtomicFile {
                    target: target.to_path_buf(),
                    temp: None,
                    writer: BufWriter::with_capacity(SINK_BUFFER, file),
                    committed: false,
                });
            }
        }
        let dir = match resolved.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = resolved
            .file_name()
            .with_context(|| format!("output path {} has no file name", target.display()))?;
        let temp = dir.join(format!(
            ".{}.{}.postclass-tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        // Registered first, so that an interrupt never leaves it behind.
        register_temp(&temp);
        let file = match File::create(&temp) {
            Ok(f) => f,
            Err(e) => {
                unregister_temp(&temp);
                return Err(e)
                    .with_context(|| format!("cannot create output file in {}", dir.display()));
            }
        };
        Ok(AtomicFile {
            target: resolved,
            temp: Some(temp),
            writer: BufWriter::with_capacity(SINK_BUFFER, file),
            committed: false,
        })
    }

    pub fn commit(mut self) -> Result<()> {
        self.writer
            .flush()
            .with_context(|| format!("writing {}", self.target.display()))?;
        if let Some(temp) = &self.temp {
            fs::rename(temp, &self.target).with_context(|| {
                format!(
                    "moving the finished output into place at {}",
                    self.target.display()
                )
            })?;
            unregister_temp(temp);
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let (false, Some(temp)) = (self.committed, &self.temp) {
            let _ = fs::remove_file(temp);
            unregister_temp(temp);
        }
    }
}

/// Follows symbolic links from `path` to the file they name (which may not
/// exist yet). A path that is not a link comes back unchanged.
fn resolve_links(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    // A bounded walk: a loop of links ends as the last path seen.
    for _ in 0..40 {
        match fs::read_link(&current) {
            Ok(next) => {
                current = match current.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            Err(_) => break,
        }
    }
    current
}

/// Temporary files in flight, so an interrupt handler can remove them.
static TEMPS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn register_temp(p: &Path) {
    if let Ok(mut t) = TEMPS.lock() {
        t.push(p.to_path_buf());
    }
}

fn unregister_temp(p: &Path) {
    if let Ok(mut t) = TEMPS.lock() {
        t.retain(|x| x != p);
    }
}

/// Removes every temporary output file not yet committed. Called on
/// interrupt, when destructors will not run.
pub fn remove_temporary_files() {
    if let Ok(t) = TEMPS.lock() {
        for p in t.iter() {
            let _ = fs::remove_file(p);
        }
    }
}

/// Installs the handler that, on Ctrl-C (SIGINT), SIGTERM or SIGHUP,
/// removes the temporary output files and ends the process with status 130:
/// a file being written never appears, and a previous one stays as it was.
/// The `ctrlc` crate runs the handler on a thread of its own, not in signal
/// context, so it may lock and remove files safely. Installing twice is
/// harmless.
pub fn install_interrupt_cleanup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Without a handler the default action (ending the process) still
        // applies; only the clean-up would be missed.
        let _ = ctrlc::set_handler(|| {
            remove_temporary_files();
            eprintln!("postclass: interrupted");
            std::process::exit(130);
        });
    });
}

/// Refuses an output path that is one of the inputs.
pub fn ensure_not_an_input(output: &Path, inputs: &[Option<PathBuf>]) -> Result<()> {
    let Ok(out) = fs::canonicalize(output) else {
        // The output does not exist yet, so it cannot be an input.
        return Ok(());
    };
    for input in inputs.iter().flatten() {
        if fs::canonicalize(input).is_ok_and(|i| i == out) {
            bail!(
                "refusing to write the output onto the input {}: choose another -o path",
                input.display()
            );
        }
    }
    Ok(())
}

/// Whether an error chain comes from writing to a closed pipe, which ends a
/// run quietly (`postclass classify … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<csv::Error>()
                .is_some_and(|c| match c.kind() {
                    csv::ErrorKind::Io(io) => io.kind() == io::ErrorKind::BrokenPipe,
                    _ => false,
                })
    })
}
