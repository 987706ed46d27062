//! Rulebooks as files: the TOML format, chains of rulebooks (`extends`),
//! their checks and diagnostics, how their phrases read, and editing them
//! in place. The engine ([`crate::engine`]) compiles a checked rulebook and
//! runs it.

pub mod chain;
pub mod diagnostic;
pub mod edit;
pub mod model;
pub mod patterns;
pub mod render;
pub mod resolve;
pub mod validate;

pub use chain::Chain;
pub use diagnostic::{Diagnostic, JsonDiagnostic, LineCol, Report, Severity, Source};
pub use model::{Mode, RulebookFile};
pub use resolve::ReadBase;

/// The default rulebook's name when reported in diagnostics.
pub const DEFAULT_NAME: &str = "rules/default.toml";

/// The text of the default rulebook, embedded at build time.
pub const DEFAULT_TEXT: &str = include_str!("../../rules/default.toml");
