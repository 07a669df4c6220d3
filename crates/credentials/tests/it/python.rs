//! Finding a Python interpreter that can import a tool, and skipping a test when there is none.

use std::process::{Command, Output};

/// The interpreter: `AILEDGER_TEST_PYTHON`, else `python3`.
pub(crate) fn interpreter() -> String {
    std::env::var("AILEDGER_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// The interpreter, if `python -c "import <modules>"` succeeds; else why not, with the `pip`
/// line that installs `packages`.
pub(crate) fn with_modules(modules: &str, packages: &str) -> Result<String, String> {
    let python = interpreter();
    let import = Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .output();
    match import {
        Err(error) => Err(format!("cannot run {python}: {error}")),
        Ok(output) if !output.status.success() => Err(format!(
            "`{python} -c \"import {modules}\"` failed ({}); install with `pip install {packages}`",
            String::from_utf8_lossy(&output.stderr)
                .trim()
                .lines()
                .last()
                .unwrap_or("")
        )),
        Ok(_) => Ok(python),
    }
}

/// stdout and stderr of a finished process, as one text.
pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The start and end of a long output, for a failure message.
pub(crate) fn excerpt(text: &str) -> String {
    const KEEP: usize = 3000;
    if text.len() <= 2 * KEEP {
        return text.to_owned();
    }
    let start = text.floor_char_boundary(KEEP);
    let end = text.ceil_char_boundary(text.len() - KEEP);
    format!(
        "{}\n[... {} bytes left out ...]\n{}",
        &text[..start],
        end - start,
        &text[end..]
    )
}

/// Evaluates to the tool found by `$find` (a `Result<T, String>`), or returns from the test,
/// saying why; fails instead when `AILEDGER_REQUIRE_INTEROP` is set.
macro_rules! tool_or_skip {
    ($find:expr, $what:literal) => {
        match $find {
            Ok(tool) => tool,
            Err(reason) => {
                assert!(
                    std::env::var_os("AILEDGER_REQUIRE_INTEROP").is_none(),
                    "AILEDGER_REQUIRE_INTEROP is set but the tool is unusable: {reason}"
                );
                eprintln!("skipping {} interop test: {reason}", $what);
                return;
            }
        }
    };
}

pub(crate) use tool_or_skip;
