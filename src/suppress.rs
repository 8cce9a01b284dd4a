//! Suppressions that live in Git: comments and annotations, their scope, expiry and reason.
//!
//! Suppressions that live in Git: `# kubeward: ignore[rule-id, …] reason` comments (on the
//! flagged line or the line above; at the top of a document for the whole object),
//! `# kubeward: ignore-file[rule-id] reason`, an optional `until=YYYY-MM-DD`, and the
//! `kubeward.io/ignore: "rule-id[, rule-id]: reason"` annotation for generated YAML.
//! Unused, expired and reason-less suppressions are findings themselves.

use crate::finding::{Finding, Location, Suppression, stable_hash};
use crate::model::ObjectIdent;
use crate::rule::{Meta, RuleMeta, registry};
use crate::rules::suppression::{ExpiredSuppression, SuppressionWithoutReason, UnusedSuppression};
use crate::yaml::{Comment, Region};

/// The annotation that suppresses findings on its object.
pub const ANNOTATION: &str = "kubeward.io/ignore";

/// What a directive covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The whole file.
    File,
    /// Findings whose primary location starts on these lines (inclusive).
    Lines(u32, u32),
    /// Findings rendered on these lines (inclusive) of this rendered stream (file id), wherever
    /// they were traced to: a directive written in rendered output (a comment Helm kept, an
    /// annotation) covers the findings it would cover without tracing.
    Rendered(u32, u32, u32),
}

/// A civil date.
pub type Date = (i32, u32, u32);

/// One suppression directive.
#[derive(Debug, Clone)]
pub struct Directive {
    /// Where it is written.
    pub at: Location,
    /// What it covers.
    pub scope: Scope,
    /// Rule ids (as written).
    pub rules: Vec<String>,
    /// The reason given, if any.
    pub reason: Option<String>,
    /// `until=YYYY-MM-DD`.
    pub until: Option<Date>,
    /// The object it sits in, if any.
    pub object: Option<ObjectIdent>,
    /// The directive could not be parsed (message why).
    pub malformed: Option<String>,
}

/// A parsed directive: rule ids, `until=` date and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// `ignore-file[…]` rather than `ignore[…]`.
    pub file: bool,
    /// Rule ids as written.
    pub rules: Vec<String>,
    /// `until=YYYY-MM-DD`.
    pub until: Option<Date>,
    /// The reason, if any.
    pub reason: Option<String>,
}

/// Parse `# kubeward: …` comment text (after `#`). `None` if it is not a kubeward directive.
pub fn parse_comment(text: &str) -> Option<Result<Parsed, String>> {
    let rest = text.trim().strip_prefix("kubeward:")?.trim_start();
    let (file, rest) = if let Some(r) = rest.strip_prefix("ignore-file[") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore[") {
        (false, r)
    } else {
        return Some(Err(
            "expected `ignore[rule-id, …]` or `ignore-file[rule-id, …]` after `kubeward:`".into(),
        ));
    };
    let Some((list, tail)) = rest.split_once(']') else {
        return Some(Err("missing `]` after the rule ids".into()));
    };
    let rules = split_rules(list);
    if rules.is_empty() {
        return Some(Err("no rule id between the brackets".into()));
    }
    Some(parse_tail(tail).map(|(until, reason)| Parsed {
        file,
        rules,
        until,
        reason,
    }))
}

fn split_rules(list: &str) -> Vec<String> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `until=YYYY-MM-DD` (anywhere) and the reason (the rest).
fn parse_tail(tail: &str) -> Result<(Option<Date>, Option<String>), String> {
    let mut until = None;
    let mut words = Vec::new();
    for w in tail.split_whitespace() {
        if let Some(d) = w.strip_prefix("until=") {
            until =
                Some(parse_date(d).ok_or_else(|| format!("`until={d}` is not a YYYY-MM-DD date"))?);
        } else {
            words.push(w);
        }
    }
    let reason = words.join(" ");
    let reason = reason.trim_start_matches(['-', ':', '—', '–']).trim();
    Ok((until, (!reason.is_empty()).then(|| reason.to_owned())))
}

fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok().filter(|m| (1..=12).contains(m))?;
    let d = it.next()?.parse().ok().filter(|d| (1..=31).contains(d))?;
    it.next().is_none().then_some((y, m, d))
}

/// Parse the annotation value `rule-a, rule-b: reason`.
pub fn parse_annotation(value: &str) -> Result<Parsed, String> {
    let (list, tail) = value.split_once(':').unwrap_or((value, ""));
    let rules = split_rules(list);
    if rules.is_empty() {
        return Err("no rule id before `:`".into());
    }
    parse_tail(tail).map(|(until, reason)| Parsed {
        file: false,
        rules,
        until,
        reason,
    })
}

/// Today's date (UTC), from the system clock.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// Howard Hinnant's `civil_from_days`.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn civil_from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400) as i32 + i32::from(m <= 2);
    (y, m, d)
}

/// Where a document's content is, for the scope of the directives written before it.
#[derive(Debug, Clone, Copy)]
pub struct DocLines {
    /// 1-based line where its content starts.
    pub first: u32,
    /// 1-based line where its content ends.
    pub last: u32,
    /// Byte offset where its content starts.
    pub start: u32,
}

/// Directives from a file's comments, which must be real comments (the YAML layer's
/// `RealComments`: a `# kubeward:` line inside a scalar is text, not a directive). `docs` tell
/// where each document's content is, `lines` are the file's lines (to find the line a comment
/// sits above).
pub fn from_comments(
    file: u32,
    comments: &[Comment<'_>],
    regions: &[Region],
    docs: &[DocLines],
    lines: &[&str],
) -> Vec<Directive> {
    let mut out = Vec::new();
    // For each line, the first line from it on that holds content (built once, when an
    // own-line directive first needs it: each directive then finds its line in one step).
    let mut next_content: Option<Vec<Option<u32>>> = None;
    for (c, region) in comments.iter().zip(regions) {
        let Some(parsed) = parse_comment(c.text) else {
            continue;
        };
        let at = Location {
            file,
            region: *region,
        };
        let Parsed {
            file: is_file,
            rules,
            until,
            reason,
        } = match parsed {
            Ok(p) => p,
            Err(why) => {
                out.push(Directive {
                    at,
                    scope: Scope::Lines(c.line, c.line),
                    rules: Vec::new(),
                    reason: None,
                    until: None,
                    object: None,
                    malformed: Some(why),
                });
                continue;
            }
        };
        // The document whose content starts next after the comment, if the comment leads it
        // (no content of another document between them).
        let next = docs.partition_point(|d| d.start <= c.start);
        let leads = docs.get(next).filter(|d| {
            let prev_end = next.checked_sub(1).map_or(0, |p| docs[p].last);
            c.line > prev_end && (c.line < d.first || c.content_after)
        });
        let scope = if is_file {
            Scope::File
        } else if !c.own_line {
            Scope::Lines(c.line, c.line)
        } else if let Some(d) = leads {
            Scope::Lines(d.first, d.last)
        } else if c.content_after {
            // The next line for YAML is on this line of the file, after a NEL, LS or PS.
            Scope::Lines(c.line, c.line)
        } else {
            let next_content = next_content.get_or_insert_with(|| {
                let mut next = vec![None; lines.len() + 1];
                for i in (0..lines.len()).rev() {
                    next[i] = if crate::yaml::is_comment_line(lines[i]) {
                        next[i + 1]
                    } else {
                        Some(u32::try_from(i + 1).unwrap_or(u32::MAX))
                    };
                }
                next
            });
            // `c.line` is 1-based: the lines after it start at index `c.line`.
            let next = next_content
                .get(c.line as usize)
                .copied()
                .flatten()
                .unwrap_or(c.line);
            Scope::Lines(next, next)
        };
        out.push(Directive {
            at,
            scope,
            rules,
            reason,
            until,
            object: None,
            malformed: None,
        });
    }
    out
}

/// The unsuppressed findings, by where a directive can cover them: for each file and rule, the
/// findings sorted by line (of their primary location, and of where they were rendered for the
/// directives of rendered output). A directive visits only the findings of its rules on its
/// lines, and a suppressed finding is stepped over once, then never visited again: the cost is
/// the findings plus the directives, not their product (20,000 `ignore-file` lines over 200,000
/// findings took eight minutes).
struct Reach {
    primary: Lanes,
    rendered: Lanes,
    /// Findings visited so far (what the directives cost).
    #[cfg(test)]
    visits: usize,
}

/// Findings of one rule in one file, sorted by line.
#[derive(Default)]
struct Lane {
    lines: Vec<u32>,
    index: Vec<usize>,
    /// `next[j]`: the first finding from `j` on not yet stepped over (`lines.len()`: none).
    next: Vec<usize>,
}

impl Lane {
    /// The first finding from `j` on not yet stepped over (halving the paths it follows).
    fn find(&mut self, mut j: usize) -> usize {
        while j < self.lines.len() && self.next[j] != j {
            let n = self.next[j];
            self.next[j] = self.next.get(n).copied().unwrap_or(n);
            j = n;
        }
        j
    }
}

#[derive(Default)]
struct Lanes {
    by: std::collections::HashMap<(u32, &'static str), Lane>,
    /// The rules with findings in each file (what `all` names).
    rules: std::collections::HashMap<u32, Vec<&'static str>>,
}

impl Lanes {
    fn new(mut at: Vec<(u32, &'static str, u32, usize)>) -> Self {
        at.sort_unstable();
        let mut lanes = Lanes::default();
        for (file, rule, line, i) in at {
            let lane = lanes.by.entry((file, rule)).or_insert_with(|| {
                lanes.rules.entry(file).or_default().push(rule);
                Lane::default()
            });
            lane.next.push(lane.lines.len());
            lane.lines.push(line);
            lane.index.push(i);
        }
        lanes
    }
}

impl Reach {
    fn new(findings: &[Finding]) -> Self {
        let unsuppressed = || {
            findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.suppressed().is_none())
        };
        Reach {
            primary: Lanes::new(
                unsuppressed()
                    .map(|(i, f)| (f.primary.file, f.meta.id, f.primary.region.line, i))
                    .collect(),
            ),
            rendered: Lanes::new(
                unsuppressed()
                    .map(|(i, f)| {
                        let at = f.trace().map_or(f.primary, |t| t.rendered);
                        (at.file, f.meta.id, at.region.line, i)
                    })
                    .collect(),
            ),
            #[cfg(test)]
            visits: 0,
        }
    }

    /// Hand `covered` each unsuppressed finding `d` covers, with the position in `d.rules` of
    /// the first id that names its rule (the rule itself, an old name of it, or `all`). For an
    /// `expired` directive (which suppresses nothing), only the first of each rule.
    fn take(
        &mut self,
        d: &Directive,
        expired: bool,
        findings: &mut [Finding],
        covered: &mut dyn FnMut(&mut Finding, usize),
    ) {
        let (lanes, file, a, b) = match d.scope {
            Scope::File => (&mut self.primary, d.at.file, 0, u32::MAX),
            Scope::Lines(a, b) => (&mut self.primary, d.at.file, a, b),
            Scope::Rendered(file, a, b) => (&mut self.rendered, file, a, b),
        };
        // Each rule with findings in the file, with the first position that names it.
        let mut named: Vec<(&'static str, usize)> = Vec::new();
        let in_file = lanes.rules.get(&file).map_or(&[][..], Vec::as_slice);
        for (pos, r) in d.rules.iter().enumerate() {
            let rules: Vec<&'static str> = if r == "all" {
                in_file.to_vec()
            } else {
                registry::by_id(r)
                    .map(|x| x.meta().id)
                    .or_else(|| in_file.iter().copied().find(|id| id == r))
                    .into_iter()
                    .filter(|id| in_file.contains(id))
                    .collect()
            };
            for rule in rules {
                if !named.iter().any(|(n, _)| *n == rule) {
                    named.push((rule, pos));
                }
            }
        }
        for (rule, pos) in named {
            let Some(lane) = lanes.by.get_mut(&(file, rule)) else {
                continue;
            };
            let mut j = lane.find(lane.lines.partition_point(|&l| l < a));
            while j < lane.lines.len() && lane.lines[j] <= b {
                #[cfg(test)]
                {
                    self.visits += 1;
                }
                let f = &mut findings[lane.index[j]];
                if f.suppressed().is_none() {
                    debug_assert!(covers(d, f));
                    covered(f, pos);
                    if expired {
                        break;
                    }
                }
                // Suppressed now (or through the other lanes): never visited again.
                lane.next[j] = j + 1;
                j = lane.find(j + 1);
            }
        }
    }
}

fn covers(d: &Directive, f: &Finding) -> bool {
    if let Scope::Rendered(file, a, b) = d.scope {
        let at = f.trace().map_or(f.primary, |t| t.rendered);
        return at.file == file && (a..=b).contains(&at.region.line);
    }
    if d.at.file != f.primary.file {
        return false;
    }
    match d.scope {
        Scope::File => true,
        Scope::Lines(a, b) => (a..=b).contains(&f.primary.region.line),
        Scope::Rendered(..) => false,
    }
}

fn meta_finding(
    meta: &'static Meta,
    d: &Directive,
    path: &str,
    message: String,
    help: &str,
) -> Finding {
    let label = match meta.id {
        "expired-suppression" => "expired suppression",
        "suppression-without-reason" => "no reason given",
        _ => "silences nothing",
    };
    Finding {
        meta,
        severity: meta.severity,
        message: message.into(),
        help: Some(help.to_owned().into()),
        primary: d.at,
        object: d.object.clone().map(std::sync::Arc::new),
        route: "".into(),
        fingerprint: stable_hash(&[
            meta.id,
            path,
            &d.rules.join(","),
            &d.at.region.line.to_string(),
        ]),
        extra: crate::finding::Extra {
            label: Some(label.into()),
            ..crate::finding::Extra::default()
        }
        .boxed(),
    }
}

/// Apply the directives to the findings (marking them suppressed) and return the meta findings:
/// malformed, reason-less, expired and unused suppressions. `enabled` are the ids of the rules
/// that ran (a directive for a rule that did not run is not "unused"); `paths` maps file ids.
pub fn apply(
    findings: &mut [Finding],
    directives: &[Directive],
    enabled: &[&str],
    today: Date,
    paths: &[String],
) -> Vec<Finding> {
    let mut meta = Vec::new();
    let path = |d: &Directive| paths.get(d.at.file as usize).cloned().unwrap_or_default();
    let is_on = |r: &dyn RuleMeta| enabled.contains(&r.meta().id);
    let mut reach = Reach::new(findings);
    for d in directives {
        if let Some(why) = &d.malformed {
            if is_on(&UnusedSuppression) {
                meta.push(meta_finding(
                    &UnusedSuppression::META,
                    d,
                    &path(d),
                    format!("this `kubeward:` comment is not a valid directive: {why}"),
                    "Write `# kubeward: ignore[rule-id] reason` (or `ignore-file[...]`), or delete the comment.",
                ));
            }
            continue;
        }
        let expired = d.until.is_some_and(|u| u < today);
        let mut used = vec![false; d.rules.len()];
        // Each unsuppressed finding `d` covers, with the position of the first of its rule ids
        // that names the finding's rule (an expired directive only learns whether there is one).
        reach.take(d, expired, findings, &mut |f, i| {
            used[i] = true;
            if !expired {
                f.extra_mut().suppressed = Some(Box::new(Suppression {
                    kind: "inSource",
                    justification: d.reason.clone().unwrap_or_default(),
                }));
            }
        });
        if expired {
            if is_on(&ExpiredSuppression) {
                let (y, m, day) = d.until.unwrap_or_default();
                meta.push(meta_finding(
                    &ExpiredSuppression::META,
                    d,
                    &path(d),
                    format!(
                        "suppression of {} expired on {y:04}-{m:02}-{day:02}; it no longer applies and {} reported again",
                        d.rules.join(", "),
                        if used.iter().any(|u| *u) { "the findings it covered are" } else { "anything it covered is" }
                    ),
                    "Fix the findings, or renew the suppression with a new `until=` date and a reason.",
                ));
            }
            continue;
        }
        if d.reason.is_none() && is_on(&SuppressionWithoutReason) {
            meta.push(meta_finding(
                &SuppressionWithoutReason::META,
                d,
                &path(d),
                format!("suppression of {} gives no reason", d.rules.join(", ")),
                "Say why after the brackets, e.g. `# kubeward: ignore[host-network] CNI agent needs the host network`.",
            ));
        }
        if is_on(&UnusedSuppression) {
            for (r, u) in d.rules.iter().zip(&used) {
                if *u {
                    continue;
                }
                let known = registry::by_id(r);
                if known.is_some_and(|k| !enabled.contains(&k.meta().id)) {
                    continue;
                }
                let message = match known {
                    None if r != "all" => {
                        format!("suppression names `{r}`, which is not a kubeward rule")
                    }
                    _ => format!("suppression of `{r}` is unused: no such finding here"),
                };
                meta.push(meta_finding(
                    &UnusedSuppression::META,
                    d,
                    &path(d),
                    message,
                    "Delete the suppression (or the rule id) so that it cannot hide a future finding.",
                ));
            }
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        let Parsed {
            file,
            rules,
            until,
            reason,
        } = parse_comment(" kubeward: ignore[host-network, host-pid] until=2027-01-31 CNI agent")
            .unwrap()
            .unwrap();
        assert!(!file);
        assert_eq!(rules, vec!["host-network", "host-pid"]);
        assert_eq!(until, Some((2027, 1, 31)));
        assert_eq!(reason.as_deref(), Some("CNI agent"));
        assert!(
            parse_comment(" kubeward: ignore-file[x]")
                .unwrap()
                .unwrap()
                .file
        );
        assert!(
            parse_comment(" kubeward: ignore[x] until=tomorrow why")
                .unwrap()
                .is_err()
        );
        assert!(parse_comment(" kubeward: ignorex").unwrap().is_err());
        assert!(parse_comment(" just a comment").is_none());
        assert_eq!(
            parse_annotation("a, b: legacy").unwrap().rules,
            vec!["a", "b"]
        );
    }

    /// Many directives over the same findings cost the findings plus the directives: every
    /// directive of a file naming a rule of all its findings (`ignore-file`, a document's
    /// leading comment) visited every finding again.
    #[test]
    fn directives_cost_the_findings_plus_the_directives() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n---\n";
        let run = crate::engine::lint_str(
            "pods.yaml",
            &pod.repeat(2_000),
            registry::ALL.to_vec(),
            &crate::rule::Settings::default(),
        );
        let mut findings = run.findings;
        let n = findings.len();
        assert!(n > 10_000, "{n}");
        let at = Location {
            file: 0,
            region: Region::default(),
        };
        let directive = |scope, rules: &[&str], until| Directive {
            at,
            scope,
            rules: rules.iter().map(|r| (*r).to_owned()).collect(),
            reason: Some("why".into()),
            until,
            object: None,
            malformed: None,
        };
        let mut directives = Vec::new();
        for _ in 0..2_000 {
            // Expired ones suppress nothing: each learns only whether it covers a finding.
            directives.push(directive(Scope::File, &["all"], Some((2000, 1, 1))));
            directives.push(directive(
                Scope::Lines(1, u32::MAX),
                &["privileged-container"],
                None,
            ));
            directives.push(directive(Scope::File, &["host-pid", "all"], None));
        }
        let mut reach = Reach::new(&findings);
        let rules_in_file = reach.primary.rules.get(&0).map_or(0, Vec::len);
        let mut suppressed = 0;
        for d in &directives {
            let expired = d.until.is_some();
            reach.take(d, expired, &mut findings, &mut |f, _| {
                if !expired {
                    f.extra_mut().suppressed = Some(Box::new(Suppression {
                        kind: "inSource",
                        justification: "why".into(),
                    }));
                    suppressed += 1;
                }
            });
        }
        assert_eq!(suppressed, n);
        assert!(
            reach.visits <= n + directives.len() * rules_in_file,
            "{} visits for {n} findings and {} directives",
            reach.visits,
            directives.len()
        );
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_780), (2026, 11, 23));
        assert!(today().0 >= 2024);
    }
}
