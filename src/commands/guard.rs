//! The panic guard of the binary: a panic is exit code 2 and a line that never quotes it.
//!
//! The panic guard of the binary: a panic (a bug) ends the run with exit code 2 and one line
//! on standard error that says where in kubeward it happened, never the panic's message.

use crate::EXIT_ERROR;
use crate::report::outfile;

/// Run `f`; if it panics, exit code 2. The panic's message is not printed: it may quote the
/// input (a string slice out of bounds shows the string), which may hold a secret. Standard
/// error gets one line naming the source file and line of the panic instead.
pub(crate) fn guarded(f: impl FnOnce() -> u8) -> u8 {
    guarded_with(f, outfile::stderr)
}

/// [`guarded`], the line of a panic written by `say`. The process's panic hook is replaced
/// while `f` runs (a panic on any thread says its line), and put back after.
fn guarded_with(f: impl FnOnce() -> u8, say: fn(&str)) -> u8 {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| say(&panic_line(info.location()))));
    let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(EXIT_ERROR);
    std::panic::set_hook(previous);
    code
}

/// The line standard error gets for a panic at `location`.
fn panic_line(location: Option<&std::panic::Location<'_>>) -> String {
    let at = location
        .map(|l| format!(" at {}:{}", source_file(l.file()), l.line()))
        .unwrap_or_default();
    format!(
        "kubeward: internal error{at}: this is a bug, please report it (its message is \
         not shown, as it may quote the input)\n"
    )
}

/// A source file as a panic names it, without the directory of the build's crate registry
/// (`miette-7.6.0/src/…`, `src/engine/mod.rs`).
fn source_file(file: &str) -> &str {
    match file.rsplit_once("/registry/src/") {
        Some((_, rest)) => rest.split_once('/').map_or(rest, |(_, r)| r),
        None => file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the hook said, in the test below (the hook is the process's: other tests' panics
    /// may be said here too while it is installed).
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

    fn record(line: &str) {
        SAID.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(line.to_owned());
    }

    /// A panic with a secret in its message, on this thread and on another one: exit code 2,
    /// and one line for each that names this file and not the secret.
    #[test]
    fn a_panic_is_exit_code_2_and_a_line_without_its_message() {
        let secret = ["AKIA", "Q7RZ2MX4VB6NT3WK"].concat();
        let code = guarded_with(
            || {
                let s = secret.clone();
                let _ = std::thread::spawn(move || panic!("worker: {s}")).join();
                panic!("main: {secret}")
            },
            record,
        );
        assert_eq!(code, EXIT_ERROR);
        let said = SAID
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let ours: Vec<&String> = said
            .iter()
            .filter(|l| l.contains("src/commands/guard.rs:"))
            .collect();
        assert_eq!(ours.len(), 2, "{said:?}");
        for line in ours {
            assert!(
                line.starts_with("kubeward: internal error at src/commands/guard.rs:"),
                "{line}"
            );
            assert!(
                line.ends_with("report it (its message is not shown, as it may quote the input)\n")
            );
            assert_eq!(line.lines().count(), 1, "{line}");
        }
        assert!(
            said.iter().all(|l| !l.contains("Q7RZ2MX4VB6NT3WK")),
            "{said:?}"
        );
    }

    /// Without a panic, the code is the function's.
    #[test]
    fn without_a_panic_the_code_is_the_functions() {
        assert_eq!(guarded_with(|| 1, record), 1);
        assert_eq!(guarded_with(|| 0, record), 0);
    }

    #[test]
    fn registry_paths_are_shortened() {
        assert_eq!(
            source_file(
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/miette-7.6.0/src/handlers/graphical.rs"
            ),
            "miette-7.6.0/src/handlers/graphical.rs"
        );
        assert_eq!(source_file("src/engine/mod.rs"), "src/engine/mod.rs");
    }
}
