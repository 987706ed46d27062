//! postclass labels social media posts with social customer types and
//! digital-customer traits, from a TOML rulebook.
//!
//! The core (rulebooks, normalisation, matching, decision) does no I/O:
//!
//! ```
//! let rulebook = postclass::engine::default_rulebook();
//! let verdict = rulebook.classify("Mon internet vient encore de couper, j'en ai marre !");
//! assert_eq!(rulebook.label_of(&verdict, 0), "angry");
//! ```

pub mod cases;
pub mod engine;
pub mod eval;
pub mod explain;
pub mod fit;
pub mod lang;
pub mod normalize;
mod parallel;
pub mod rulebook;
pub mod sample;
pub mod suggest;

pub use engine::Rulebook;
pub use engine::{Scratch, SetVerdict, Verdict};
pub use normalize::{NormalizeOptions, Normalizer};

pub mod breakdown;
pub mod cli;
pub mod commands;
pub mod input;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod summary;
