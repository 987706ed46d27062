//! Helpers shared by the integration tests: running the binary and reading
//! what it printed. Each test crate uses some of them.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs postclass with `args` from the crate root, whatever its outcome,
/// with `NO_COLOR` unset so that colour follows the terminal (none here).
pub fn postclass(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postclass"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .expect("run postclass")
}

/// Runs postclass like [`postclass`] and checks that it succeeds, showing
/// what it said on stderr when it does not.
pub fn postclass_ok(args: &[&str]) -> Output {
    let out = postclass(args);
    assert!(
        out.status.success(),
        "postclass {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Standard output, which must be UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

/// Standard error, any bytes that are not UTF-8 replaced.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh, empty directory for the test `name` of this test crate, under
/// the build's own scratch directory (`target/tmp`): nothing is left in the
/// system's temporary directory, and what a failing test wrote stays there to
/// be read until the test runs again.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(env!("CARGO_CRATE_NAME"))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
