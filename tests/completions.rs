//! `kubeward completions SHELL`: each script is produced, names the subcommands and flags, and
//! the bash one parses and completes.

mod common;

use std::process::Command;

use common::kubeward;

fn script(shell: &str) -> String {
    let out = kubeward().args(["completions", shell]).run();
    assert_eq!(out.code, 0, "completions {shell}: {}", out.stderr);
    assert!(out.stderr.is_empty(), "completions {shell}: {}", out.stderr);
    out.stdout
}

#[test]
fn completion_scripts_name_every_subcommand_and_the_lint_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let s = script(shell);
        for word in [
            "lint",
            "rules",
            "explain",
            "init",
            "baseline",
            "completions",
            "fail-on",
            "sarif-file",
            "new-from-rev",
        ] {
            assert!(
                s.contains(word),
                "the {shell} script does not mention {word}"
            );
        }
    }
    // bash, zsh and fish complete the values of a flag too.
    for shell in ["bash", "zsh", "fish"] {
        let s = script(shell);
        for value in ["pss-restricted", "sarif", "gitlab", "critical"] {
            assert!(
                s.contains(value),
                "the {shell} script does not offer {value}"
            );
        }
    }
    // Each names the program it completes the way its shell registers it.
    assert!(script("bash").contains("complete -F _kubeward"));
    assert!(script("zsh").starts_with("#compdef kubeward"));
    assert!(script("fish").contains("complete -c kubeward"));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = kubeward().args(["completions", "tcsh"]).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("possible values"), "{}", out.stderr);
}

/// The bash script as bash reads it: `bash -n`, then sourced and asked for completions the way
/// bash's programmable completion calls `_kubeward`.
#[test]
fn bash_completes_subcommands_flags_and_values() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("note: bash is not installed; skipping");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kubeward.bash");
    std::fs::write(&file, script("bash")).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );

    let complete = |words: &[&str]| -> Vec<String> {
        let words_list = words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let program = format!(
            "source '{}'\nCOMP_WORDS=({words_list})\nCOMP_CWORD={}\n_kubeward kubeward '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display(),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &program])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{program}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    assert!(complete(&["kubeward", "li"]).contains(&"lint".to_owned()));
    assert!(complete(&["kubeward", "co"]).contains(&"completions".to_owned()));
    assert!(complete(&["kubeward", "lint", "--fail-"]).contains(&"--fail-on".to_owned()));
    let formats = complete(&["kubeward", "lint", "--format", ""]);
    for f in ["human", "json", "sarif"] {
        assert!(formats.contains(&f.to_owned()), "{formats:?}");
    }
    assert_eq!(
        complete(&["kubeward", "completions", "fi"]),
        vec!["fish".to_owned()]
    );
}
