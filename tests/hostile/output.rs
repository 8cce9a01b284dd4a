//! Output other programs render is inert (SECURITY.md, "What kubeward prints"): annotations and
//! the job summary carry names and paths that cannot act (no escape sequence, no workflow
//! command, no link, image, tag or broken table), SARIF URIs cannot be read as a scheme, and
//! every output file is written whole or not at all.

use std::path::Path;
use std::process::{Command, Stdio};

use kubeward::testing::fuzz::parse_annotations;

use crate::harness::{CANARY, Scene};

/// A pod whose name and container name (and so every message about them) hold `name`, given
/// as a YAML double-quoted scalar body (escapes allowed).
fn pod_named(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{name}\"\nspec:\n  containers:\n    - name: \"{name}\"\n      image: nginx:1.27\n      securityContext: {{privileged: true}}\n"
    )
}

/// Names that try to act on whatever renders them.
const HOSTILE_NAMES: &[&str] = &[
    // Terminal: clear the screen, a hyperlink, a title change, a C1 CSI.
    "a\\e[2J\\e]8;;http://127.0.0.1/\\e\\\\click\\e]8;;\\e\\\\\\e]0;pwned\\a\\u009b31m",
    // Workflow commands: a new line that starts a command, a bare carriage return.
    "b\\n::add-mask::x\\r::error::forged",
    // Markdown and HTML in the job summary.
    "c [approve](http://127.0.0.1/phish) ![pixel](http://127.0.0.1/p.png) <img src=x onerror=alert(1)> | forged | cell | `code` \\\\| x <!-- www.example.com",
    // Line and paragraph separators, a right-to-left override.
    "d\\u2028e\\u2029f\\u202eg",
];

/// Code spans removed from a Markdown line (CommonMark: a run of N backticks to the next run
/// of exactly N).
fn without_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let mut j = i + n;
            let mut closed = None;
            while j < b.len() {
                if b[j] == b'`' {
                    let m = b[j..].iter().take_while(|&&c| c == b'`').count();
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match closed {
                Some(end) => {
                    out.push_str("CODE");
                    i = end;
                }
                None => {
                    out.push_str(&line[i..i + n]);
                    i += n;
                }
            }
        } else {
            let c = line[i..].chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The job summary renders as text only: outside code spans no link but kubeward's own rule
/// links, no image, no HTML, no autolink; every table row has as many cells as its header.
fn assert_inert_markdown(md: &str) {
    let mut columns = None;
    for line in md.lines() {
        let plain = without_code_spans(line);
        let links_removed = plain.replace("](https://github.com/kubeward/kubeward/", "");
        for bad in ["](", "![", "<", "http", "www.", "\u{1b}", "\r"] {
            assert!(
                !links_removed.contains(bad),
                "{bad:?} outside a code span in the job summary line:\n{line}"
            );
        }
        if line.starts_with('|') {
            // GFM splits a row before it reads code spans: at every `|` that is not the second
            // half of a `\\x` pair.
            let mut cells = 0;
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '|' => cells += 1,
                    _ => {}
                }
            }
            match columns {
                None => columns = Some(cells),
                Some(n) => assert_eq!(cells, n, "a table row broke its cells:\n{line}"),
            }
        } else {
            columns = None;
        }
    }
}

#[test]
fn names_cannot_act_on_annotations_or_the_job_summary() {
    let scene = Scene::new();
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        scene.write(&format!("pod-{i}.yaml"), pod_named(name));
    }
    // A file name that is Markdown too.
    scene.write("[x](http:evil) `a|b` <i>.yaml", pod_named("plain"));
    let out = scene.every_output(&["."], &["--select", "privileged-container"]);
    scene.assert_untouched(&out);
    let github = out.of("github");
    // One well-formed annotation per finding, no raw control character (parse_annotations).
    let annotations = parse_annotations(&github.stdout);
    assert_eq!(
        annotations.len(),
        HOSTILE_NAMES.len() + 1,
        "{}",
        github.stdout
    );
    assert!(!github.stdout.contains('\u{1b}') && !github.stdout.contains('\u{9b}'));
    for a in &annotations {
        assert!(!a.message.contains('\u{1b}'), "{:?}", a.message);
        assert!(!a.message.contains('\u{2028}'), "{:?}", a.message);
        assert!(!a.message.contains('\u{202e}'), "{:?}", a.message);
    }
    assert!(github.stdout.contains("\\u{1b}[2J"), "{}", github.stdout);
    // Nothing printed a workflow command of its own.
    for line in github.stdout.lines() {
        assert!(
            line.starts_with("::error file=") || line.starts_with("::warning file="),
            "{line}"
        );
    }
    assert_inert_markdown(&out.step_summary);
    assert!(out.step_summary.contains("approve"), "{}", out.step_summary);
    for (format, run) in &out.runs {
        assert!(
            !run.stderr.contains('\u{1b}'),
            "{format}: an escape sequence on stderr"
        );
    }
}

#[test]
fn sarif_uris_cannot_be_read_as_a_scheme_and_absolute_paths_stay_file_uris() {
    let scene = Scene::new();
    let pod = pod_named("web");
    scene.write("javascript:alert(1).yaml", &pod);
    scene.write("data:text/x.yaml", &pod);
    scene.write("ok/a:b.yaml", &pod);
    let outside = scene.outside.join("dir with space/x:y.yaml");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    std::fs::write(&outside, &pod).unwrap();
    let outside_arg = outside.to_string_lossy().into_owned();
    let out = scene.run(&[
        "lint",
        "--format",
        "sarif",
        "--select",
        "privileged-container",
        ".",
        &outside_arg,
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF");
    let uris: Vec<(String, bool)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                a["uri"].as_str().unwrap().to_owned(),
                a.get("uriBaseId").is_some(),
            )
        })
        .collect();
    assert_eq!(uris.len(), 4, "{uris:?}");
    for (uri, relative) in &uris {
        if *relative {
            // RFC 3986 §4.2: no colon before the first slash of a relative reference.
            let first = uri.split('/').next().unwrap();
            assert!(!first.contains(':'), "{uri} reads as a scheme");
            assert!(!uri.starts_with("//"), "{uri} reads as an authority");
        } else {
            assert!(uri.starts_with("file:///"), "{uri}");
        }
    }
    let all: Vec<&str> = uris.iter().map(|(u, _)| u.as_str()).collect();
    assert!(all.contains(&"./javascript%3Aalert(1).yaml"), "{all:?}");
    assert!(all.contains(&"./data%3Atext/x.yaml"), "{all:?}");
    assert!(all.contains(&"ok/a%3Ab.yaml"), "{all:?}");
    let file = format!("file://{}", outside_arg.replace(' ', "%20"));
    assert!(all.contains(&file.as_str()), "{file} not in {all:?}");
}

/// Run kubeward in `dir` through `sh` with a file-size limit of one block (writes past it
/// fail with EFBIG, SIGXFSZ ignored): a disk that fills up in the middle of a write.
fn with_full_disk(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_kubeward"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_write_leaves_every_output_file_as_it_was() {
    let scene = Scene::new();
    for i in 0..20 {
        scene.write(&format!("pod-{i}.yaml"), pod_named(&format!("web-{i}")));
    }
    let out_dir = tempfile::tempdir().expect("output dir");
    let o = out_dir.path();
    let path = |n: &str| o.join(n).to_string_lossy().into_owned();
    let (report, sarif, base, config) = (
        path("report.json"),
        path("report.sarif"),
        path("baseline.json"),
        path("kubeward.yaml"),
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["lint", ".", "--format", "json", "--output", &report],
            &report,
        ),
        (
            vec!["lint", ".", "--format", "sarif", "-o", &report],
            &report,
        ),
        (vec!["lint", ".", "--sarif-file", &sarif], &sarif),
        (vec!["baseline", "-o", &base, "."], &base),
        (vec!["init", "--force", &config], &config),
    ];
    // What was there before: an old baseline where a baseline is written (kubeward replaces
    // nothing else with one), else any text.
    let old = |file: &str| {
        if file == base {
            "{\"version\": 2, \"tool_version\": \"OLD\", \"findings\": []}"
        } else {
            "OLD"
        }
    };
    for (args, file) in cases {
        std::fs::write(file, old(file)).unwrap();
        let before = names_in(o);
        let (code, stderr) = with_full_disk(&scene.repo, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read_to_string(file).unwrap(),
            old(file),
            "{args:?} left a partial file"
        );
        assert_eq!(names_in(o), before, "{args:?} left a temporary file");
        // Without the limit the same command writes the whole file, and nothing else.
        let out = scene.run(&args);
        assert!(out.code == 0 || out.code == 1, "{args:?}: {}", out.stderr);
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.len() > 512 && text != old(file), "{args:?}");
        assert_eq!(names_in(o), before, "{args:?} left a temporary file");
    }
    assert!(!names_in(o).iter().any(|n| n.contains(CANARY)));
}

#[test]
fn an_output_that_is_a_device_is_written_in_place() {
    let scene = Scene::new();
    scene.write("pod.yaml", pod_named("web"));
    // Replacing /dev/null or /dev/stdout by a rename would be a disaster; they are written.
    let out = scene.run(&["lint", ".", "--format", "json", "--output", "/dev/null"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(std::fs::metadata("/dev/null").is_ok_and(|m| !m.is_file()));
    let out = scene.run(&["lint", ".", "--format", "json", "--output", "/dev/stdout"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("\"privileged-container\""),
        "{}",
        out.stdout
    );
    if Path::new("/dev/full").exists() {
        let out = scene.run(&["lint", ".", "--format", "json", "--output", "/dev/full"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr.contains("cannot write /dev/full"),
            "{}",
            out.stderr
        );
    }
}
