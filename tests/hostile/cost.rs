//! Cost is linear in the input, for every input (`SECURITY.md`): merge keys share the alias
//! budget, no document makes kubeward read the rest of its file again, a file over the size cap
//! is refused without being read, binary content is recognised from the first block, and a
//! line too long to draw is cut in the human output instead of panicking it.
//!
//! Budgets are asserted on what the run reports and on its peak memory (generous limits: a
//! small run takes 10-20 MB), never on wall time; `bench/hostile.py` times these inputs.

use std::fs::File;

use crate::harness::{Scene, has_finding};

/// Peak memory of a run, in MB (0 where /proc does not tell).
fn peak_mb(run: &crate::harness::Run) -> u64 {
    run.peak_rss_kb.unwrap_or(0) / 1024
}

/// The message of the first `parse-error` finding of a JSON report.
fn parse_error(json: &serde_json::Value) -> String {
    json["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["rule"] == "parse-error"))
        .and_then(|f| f["message"].as_str())
        .unwrap_or("")
        .to_owned()
}

/// A file of `len` bytes starting with `head`, the rest a hole (reads as NUL bytes, takes no
/// disk space).
fn sparse(scene: &Scene, rel: &str, head: &[u8], len: u64) {
    let p = scene.write(rel, head);
    File::options()
        .write(true)
        .open(&p)
        .and_then(|f| f.set_len(len))
        .expect("extend the file");
}

/// 1.2 MB of mappings each merging the one before: `n²/2` entries to copy, which aborted on a
/// 6 GB allocation. Merges draw on the alias budget: a parse error, in bounded memory.
#[test]
fn a_chain_of_merge_keys_is_stopped_by_the_alias_budget() {
    let scene = Scene::new();
    let mut text = String::from("a0: &a0 {k0: v}\n");
    let mut i = 1;
    while text.len() < 1_200_000 {
        text.push_str(&format!("a{i}: &a{i}\n  k{i}: v\n  <<: *a{}\n", i - 1));
        i += 1;
    }
    scene.write("merge.yaml", &text);
    let run = scene.run(&["lint", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let message = parse_error(&json);
    assert!(
        message.contains("merge keys") && message.contains("budget"),
        "{message}"
    );
    assert!(peak_mb(&run) < 512, "peak {} MB", peak_mb(&run));
}

/// A million documents holding only a comment each: every one leaves the fast path, and saphyr
/// reads each up to the next `---` (it read the rest of the file for each: 127 s, 6 GB).
#[test]
fn a_million_comment_only_documents_are_read_once() {
    let scene = Scene::new();
    scene.write("comments.yaml", "---\n# only a comment\n".repeat(1_000_000));
    let run = scene.run(&["lint", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["summary"]["documents"], 1_000_000);
    assert_eq!(json["summary"]["files_linted"], 1);
    assert!(peak_mb(&run) < 256, "peak {} MB", peak_mb(&run));
}

/// A file over the size cap (64 MiB by default) is a `parse-error` saying so, and is not read:
/// the run's memory stays far below the file's size.
#[test]
fn a_file_over_the_size_cap_is_refused_unread() {
    let scene = Scene::new();
    // Text at its start (no NUL in the first block), 100 MB in all.
    let head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n".repeat(200);
    sparse(&scene, "big.yaml", head.as_bytes(), 100_000_000);
    let outputs = scene.every_output(&["big.yaml"], &[]);
    scene.assert_untouched(&outputs);
    for (format, run) in &outputs.runs {
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(peak_mb(run) < 64, "{format}: peak {} MB", peak_mb(run));
    }
    let json = outputs.of("json").json();
    let message = parse_error(&json);
    assert!(
        message.contains("size cap of 67108864 bytes") && message.contains("100000000 bytes"),
        "{message}"
    );
    assert_eq!(
        json["summary"]["files_failed_reasons"]["larger than the size cap (--max-file-size)"],
        1
    );
}

/// `--max-file-size` and the configuration's `max-file-size` set the cap; the flag wins.
#[test]
fn the_size_cap_is_configurable() {
    let scene = Scene::new();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n";
    scene.write("cm.yaml", format!("{cm}# {}\n", "x".repeat(2_000)));
    let refused = |run: &crate::harness::Run| {
        let json = run.json();
        has_finding(&json, "parse-error", "cm.yaml", Some(1))
            && parse_error(&json).contains("size cap of 1024 bytes")
    };
    let flag = scene.run(&["lint", "--format", "json", "--max-file-size", "1K", "."]);
    assert!(refused(&flag), "{}", flag.stdout);
    scene.write(".kubeward.yaml", "max-file-size: 1K\n");
    let config = scene.run(&["lint", "--format", "json", "."]);
    assert!(refused(&config), "{}", config.stdout);
    let both = scene.run(&["lint", "--format", "json", "--max-file-size", "1M", "."]);
    assert!(!refused(&both), "{}", both.stdout);
    assert_eq!(both.json()["summary"]["files_linted"], 1, "{}", both.stdout);
    let bad = scene.run(&["lint", "--max-file-size", "lots", "."]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// Standard input stops being read at the cap.
#[test]
fn standard_input_is_read_up_to_the_cap() {
    let scene = Scene::new();
    let input = "a: b\n".repeat(4_000_000);
    let run = scene.run_with(
        &["lint", "--format", "json", "--max-file-size", "64K", "-"],
        &[],
        Some(input.as_bytes()),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert!(
        has_finding(&json, "parse-error", "<stdin>", Some(1)),
        "{}",
        run.stdout
    );
    assert!(parse_error(&json).contains("size cap of 65536 bytes"));
    assert!(peak_mb(&run) < 40, "peak {} MB", peak_mb(&run));
}

/// 60 MB of NUL bytes (under the cap) and 20 MB of bytes that are not UTF-8: recognised from
/// their first block, in every format (the human output read the NUL file again whole and drew
/// it: 3 GB).
#[test]
fn binary_content_is_recognised_from_the_first_block() {
    let scene = Scene::new();
    sparse(&scene, "zeros.yaml", b"", 60_000_000);
    scene.write("latin1.yaml", vec![0xE9u8; 20_000_000]);
    let outputs = scene.every_output(&["zeros.yaml", "latin1.yaml"], &[]);
    scene.assert_untouched(&outputs);
    for (format, run) in &outputs.runs {
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(peak_mb(run) < 48, "{format}: peak {} MB", peak_mb(run));
    }
    let json = outputs.of("json").json();
    let reasons = &json["summary"]["files_failed_reasons"];
    assert_eq!(reasons["binary file (contains NUL bytes)"], 1, "{json}");
    assert_eq!(reasons["not valid UTF-8"], 1, "{json}");
}

/// A one-line flow document of 120 KB with findings past column 65,535: the human output draws
/// every finding, the long line cut around its label (miette panicked on such a column and
/// every other finding was lost).
#[test]
fn a_label_past_column_65535_is_drawn_on_a_cut_line() {
    let scene = Scene::new();
    let labels: Vec<String> = (0..9_000).map(|i| format!("k{i}: v{i}")).collect();
    let doc = format!(
        "{{apiVersion: v1, kind: Pod, metadata: {{name: p, labels: {{{}}}}}, spec: {{containers: [{{name: c, image: nginx, securityContext: {{privileged: true}}}}]}}}}\n",
        labels.join(", ")
    );
    scene.write("long.yaml", &doc);
    let outputs = scene.every_output(&["long.yaml"], &[]);
    scene.assert_untouched(&outputs);
    let human = &outputs.of("human").stdout;
    assert!(!human.contains("panicked"), "{human}");
    assert!(human.contains("characters cut]"), "{human}");
    // Bounded: no snippet line is drawn whole.
    assert!(human.len() < 64 * 1024, "{} bytes of output", human.len());
    let json = outputs.of("json").json();
    let findings = json["findings"].as_array().expect("findings");
    assert!(has_finding(
        &json,
        "privileged-container",
        "long.yaml",
        Some(1)
    ));
    for f in findings {
        let rule = f["rule"].as_str().unwrap_or("");
        let col = f["column"].as_u64().unwrap_or(0);
        // The heading of each diagnostic gives the column in the line as written.
        assert!(
            human.contains(&format!("{rule} (")) && human.contains(&format!("long.yaml:1:{col}]")),
            "{rule} at column {col} not drawn:\n{human}"
        );
    }
    let far = findings
        .iter()
        .filter(|f| f["column"].as_u64().unwrap_or(0) > 65_535)
        .count();
    assert!(far > 0, "no finding past column 65,535 to draw");
}

/// 40,000 `ignore-file[host-pid]` lines over 40,000 privileged Pods: each directive was tried
/// against every finding of the run (1.6·10⁹ tries, minutes). Now a directive visits only the
/// findings of the rules it names on its lines (here none: `host-pid` does not fire), so the
/// cost is the sum of directives and findings. (`suppress::tests` counts the visits.)
#[test]
fn many_directives_over_many_findings_cost_their_sum() {
    let scene = Scene::new();
    let pod = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n";
    scene.write(
        "wide.yaml",
        format!(
            "{}{}",
            "# kubeward: ignore-file[host-pid] generated\n".repeat(40_000),
            pod.repeat(40_000)
        ),
    );
    let run = scene.run(&[
        "lint",
        "--format",
        "github",
        "--select",
        "privileged-container,host-pid,unused-suppression",
        ".",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let count = |rule: &str| {
        run.stdout
            .lines()
            .filter(|l| l.starts_with("::") && l.contains(rule))
            .count()
    };
    assert_eq!(count("privileged-container"), 40_000);
    assert_eq!(count("unused-suppression"), 40_000);
}
