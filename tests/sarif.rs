//! SARIF output: valid against the SARIF 2.1.0 schema and carrying what GitHub reads.

mod common;

use common::kubeward;

fn sarif_of(args: &[&str]) -> serde_json::Value {
    let out = kubeward()
        .args(["lint", "--format", "sarif"])
        .args(args)
        .run();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn sarif_is_schema_valid() {
    let Some(schema_path) = common::corpus("../schemas/sarif-schema-2.1.0.json") else {
        return;
    };
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for target in ["testdata/demo", "testdata/cli", "testdata"] {
        let sarif = sarif_of(&[target]);
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{target}: {errors:#?}");
        // The automatic fixes are part of what is validated.
        let fixes = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("fixes").is_some())
            .count();
        assert!(fixes > 0, "{target}: no result carries a fix");
    }
    // The validator does catch what GitHub rejects.
    let mut bad = sarif_of(&["testdata/cli/multi-doc.yaml"]);
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    bad["runs"][0]["results"][0]["level"] = "critical".into();
    assert_eq!(validator.iter_errors(&bad).count(), 2);
}

#[test]
fn sarif_has_what_github_reads() {
    let sarif = sarif_of(&["testdata/cli/multi-doc.yaml"]);
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "kubeward");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["automationDetails"]["id"], "kubeward/");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "every enabled rule, in registry order");
    for r in rules {
        assert!(!r["shortDescription"]["text"].as_str().unwrap().is_empty());
        assert!(!r["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert!(r["fullDescription"]["text"].as_str().unwrap().len() <= 1024);
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Why it matters")
                || r["id"] == "parse-error"
        );
        assert!(r["helpUri"].as_str().unwrap().starts_with("https://"));
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["note", "warning", "error"].contains(&level));
        let score: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(score > 0.0 && score <= 10.0 && score != 9.0);
        assert!(
            r["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "security")
        );
        assert!(r["properties"]["precision"].is_string());
    }
    let results = run["results"].as_array().unwrap();
    let fixture_findings = results
        .iter()
        .filter(|r| ["privileged-container", "host-pid"].contains(&r["ruleId"].as_str().unwrap()))
        .count();
    assert_eq!(
        fixture_findings, 2,
        "the privileged Pod and the hostPID Deployment"
    );
    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(res["ruleId"], rules[idx]["id"]);
        assert_eq!(res["locations"].as_array().unwrap().len(), 1);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "testdata/cli/multi-doc.yaml"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &loc["region"];
        assert_eq!(
            region["startLine"], region["endLine"],
            "tight, one-line regions"
        );
        assert!(region["endColumn"].as_u64() > region["startColumn"].as_u64());
        assert!(
            res["partialFingerprints"]["kubeward/v1"]
                .as_str()
                .unwrap()
                .len()
                >= 16
        );
        assert!(res["partialFingerprints"]["primaryLocationLineHash"].is_null());
    }
}

#[test]
fn fingerprints_survive_line_shifts() {
    let dir = tempfile::tempdir().unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  hostPID: true\n  containers: [{name: a, image: a:1}]\n";
    std::fs::write(dir.path().join("p.yaml"), pod).unwrap();
    let a = kubeward()
        .dir(dir.path())
        .args(["lint", "p.yaml", "--format", "sarif"])
        .run()
        .stdout;
    std::fs::write(
        dir.path().join("p.yaml"),
        format!("# a comment\n# another\n{pod}"),
    )
    .unwrap();
    let b = kubeward()
        .dir(dir.path())
        .args(["lint", "p.yaml", "--format", "sarif"])
        .run()
        .stdout;
    let fp = |s: &str| {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        (
            v["runs"][0]["results"][0]["partialFingerprints"]["kubeward/v1"].clone(),
            v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
                .clone(),
        )
    };
    let (fa, la) = fp(&a);
    let (fb, lb) = fp(&b);
    assert_eq!(fa, fb);
    assert_ne!(la, lb);
}
