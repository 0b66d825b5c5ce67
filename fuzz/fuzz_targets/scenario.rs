//! The scenario loader: `zcpspec::scenario::load::parse(path, text)`.
//!
//! Invariants, for any text (input that is not UTF-8 is read lossily, as any text would do):
//! - Parsing never panics.
//! - An error names the file it was given and a position inside the text: its line is between
//!   1 and the number of lines (one more for the end of the text), its column between 1 and
//!   one past the length of that line in characters. Its message is one non-empty line, and
//!   it renders as `file:line:column: message`.
//! - A scenario that loads names at least one check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use zcpspec::scenario::load::parse;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz/input.yaml");
    match parse(path, &text) {
        Ok(scenario) => assert!(
            !scenario.check_ids().is_empty(),
            "a scenario that names no check loaded"
        ),
        Err(error) => {
            assert_eq!(error.file, path);
            let lines = lines(&text);
            let line = usize::try_from(error.line).expect("a line number fits");
            assert!(
                (1..=lines.len() + 1).contains(&line),
                "line {} of {} lines: {error}",
                error.line,
                lines.len()
            );
            let width = lines.get(line - 1).map_or(0, |l| l.chars().count());
            let column = usize::try_from(error.column).expect("a column fits");
            assert!(
                (1..=width + 1).contains(&column),
                "column {} of a line of {width} characters: {error}",
                error.column
            );
            assert!(
                !error.message.trim().is_empty(),
                "an empty message: {error}"
            );
            assert!(!error.message.contains('\n'), "a message of several lines");
            let rendered = error.to_string();
            let prefix = format!("fuzz/input.yaml:{}:{}: ", error.line, error.column);
            assert!(rendered.starts_with(&prefix), "rendered as {rendered:?}");
        }
    }
});

/// The lines of `text` as YAML breaks them: at LF, CRLF and a lone CR.
fn lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&text[start..]);
    lines
}
