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
        // A document whose content starts after the comment, with no other content between
        // (the comment leads it).
        let leads = docs.iter().enumerate().find_map(|(i, d)| {
            let prev_end = if i == 0 { 0 } else { docs[i - 1].last };
            (c.line > prev_end && c.start < d.start && (c.line < d.first || c.content_after))
                .then_some(d)
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
            let next = (c.line as usize..lines.len())
                .find(|&i| !crate::yaml::is_comment_line(lines[i]))
                .map_or(c.line, |i| u32::try_from(i + 1).unwrap_or(u32::MAX));
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
        for f in findings.iter_mut() {
            if f.suppressed().is_some() || !covers(d, f) {
                continue;
            }
            let Some(i) = d.rules.iter().position(|r| {
                r == f.meta.id
                    || registry::by_id(r).is_some_and(|x| x.meta().id == f.meta.id)
                    || r == "all"
            }) else {
                continue;
            };
            used[i] = true;
            if !expired {
                f.extra_mut().suppressed = Some(Box::new(Suppression {
                    kind: "inSource",
                    justification: d.reason.clone().unwrap_or_default(),
                }));
            }
        }
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

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_780), (2026, 11, 23));
        assert!(today().0 >= 2024);
    }
}
