// Shared by the benches: a realistic multi-document stream from gen_corpus.py (one stream of
// every generated file, joined with `---`), or the bundled testdata when the generator is absent.

/// A stream of about `docs` documents.
pub fn stream(docs: usize) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let generator = root.join("../shared/bench/gen_corpus.py");
    let out = std::env::temp_dir().join(format!("kubeward-bench-corpus-{docs}"));
    if generator.exists() && !out.join(".done").exists() {
        let ok = std::process::Command::new("python3")
            .arg(&generator)
            .arg(&out)
            .arg(docs.to_string())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            let _ = std::fs::write(out.join(".done"), "");
        }
    }
    let dir = if out.join(".done").exists() {
        out
    } else {
        root.join("testdata")
    };
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    let mut text = String::new();
    for f in files {
        if let Ok(t) = std::fs::read_to_string(&f) {
            if !text.is_empty() {
                text.push_str("\n---\n");
            }
            text.push_str(&t);
        }
    }
    text
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml")
            && !p.to_string_lossy().contains("/templates/")
        {
            out.push(p);
        }
    }
}
