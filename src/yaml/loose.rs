//! Line-based key search in YAML-like text that does not parse (Helm templates).
//!
//! Line-based key search in YAML-like text that does not parse: Helm templates, where Go
//! template actions (`{{ … }}`) sit between the keys. Used to find the line of a template that
//! wrote a rendered key.

use super::pointer::Seg;

struct Line<'t> {
    start: usize,
    indent: usize,
    /// Content after the indentation and any `- ` item markers.
    body: &'t str,
    /// Byte offset of `body`.
    body_start: usize,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let mut body = line.trim_start_matches(' ');
        let mut indent = line.len() - body.len();
        while let Some(rest) = body.strip_prefix("- ").or_else(|| body.strip_prefix("-\t")) {
            let trimmed = rest.trim_start();
            indent += body.len() - trimmed.len();
            body = trimmed;
        }
        out.push(Line {
            start,
            indent,
            body,
            body_start: start + line.len() - body.len(),
        });
        start += raw.len();
    }
    out
}

fn is_key_line(l: &Line<'_>) -> bool {
    !l.body.is_empty() && !l.body.starts_with('#') && !l.body.starts_with("{{")
}

fn key_of<'t>(l: &Line<'t>) -> Option<&'t str> {
    if !is_key_line(l) {
        return None;
    }
    let colon = l.body.find(':')?;
    let key = l.body[..colon].trim().trim_matches(['"', '\'']);
    let rest = &l.body[colon + 1..];
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some(key)
}

/// The byte span of the line that writes the deepest key of `route` found in `text` (a Helm
/// template), searching key by key inside the previous key's indented block; list indices are
/// skipped. When a line `kind: <kind>` starts a document, the search starts in that document.
/// `None` when not even the first key is found.
pub fn find_route_loose(text: &str, kind: Option<&str>, route: &[Seg]) -> Option<(u32, u32)> {
    let lines = lines(text);
    let mut from = 0;
    if let Some(kind) = kind {
        let kind_line = lines.iter().position(|l| {
            l.indent == 0 && l.start == l.body_start && key_of(l) == Some("kind") && {
                let v = l.body["kind:".len()..].trim().trim_matches(['"', '\'']);
                v == kind
            }
        });
        if let Some(k) = kind_line {
            from = lines[..k]
                .iter()
                .rposition(|l| l.body.starts_with("---") && l.indent == 0)
                .map_or(0, |i| i + 1);
        }
    }
    let mut found: Option<usize> = None;
    let mut parent_indent: Option<usize> = None;
    let mut cursor = from;
    for seg in route {
        let Seg::Key(key) = seg else { continue };
        let mut hit = None;
        for (i, l) in lines.iter().enumerate().skip(cursor) {
            if l.body.starts_with("---") && l.indent == 0 && l.start == l.body_start {
                break;
            }
            if !is_key_line(l) {
                continue;
            }
            if parent_indent.is_some_and(|p| l.indent <= p) {
                break;
            }
            if key_of(l) == Some(key.as_ref()) {
                hit = Some(i);
                break;
            }
        }
        let Some(i) = hit else { break };
        found = Some(i);
        parent_indent = Some(lines[i].indent);
        cursor = i + 1;
    }
    let l = &lines[found?];
    let end = l.body_start + l.body.trim_end().len();
    Some((
        u32::try_from(l.body_start).unwrap_or(u32::MAX),
        u32::try_from(end).unwrap_or(u32::MAX),
    ))
}

/// The span of the first non-blank line (where a finding goes when no key line is found).
pub fn first_line(text: &str) -> (u32, u32) {
    let lines = lines(text);
    let l = lines
        .iter()
        .find(|l| !l.body.trim().is_empty())
        .or(lines.first());
    l.map_or((0, 0), |l| {
        let end = l.body_start + l.body.trim_end().len();
        (
            u32::try_from(l.body_start).unwrap_or(u32::MAX),
            u32::try_from(end).unwrap_or(u32::MAX),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(keys: &[&'static str]) -> Vec<Seg> {
        keys.iter()
            .map(|k| k.parse::<usize>().map_or_else(|_| Seg::from(*k), Seg::from))
            .collect()
    }

    fn line_of(text: &str, span: Option<(u32, u32)>) -> Option<usize> {
        span.map(|(s, _)| text[..s as usize].matches('\n').count() + 1)
    }

    const TEMPLATE: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"x.fullname\" . }}
spec:
  template:
    spec:
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          image: \"{{ .Values.image.repository }}\"
";

    #[test]
    fn deepest_key_in_the_right_document() {
        let r = route(&[
            "spec",
            "template",
            "spec",
            "containers",
            "0",
            "securityContext",
            "privileged",
        ]);
        let span = find_route_loose(TEMPLATE, Some("Deployment"), &r);
        assert_eq!(line_of(TEMPLATE, span), Some(19));
        let r = route(&["spec", "template", "spec", "containers", "0", "image"]);
        assert_eq!(
            line_of(TEMPLATE, find_route_loose(TEMPLATE, Some("Deployment"), &r)),
            Some(21)
        );
        let r = route(&["metadata", "name"]);
        assert_eq!(
            line_of(TEMPLATE, find_route_loose(TEMPLATE, Some("ConfigMap"), &r)),
            Some(4)
        );
        assert_eq!(
            line_of(TEMPLATE, find_route_loose(TEMPLATE, Some("Deployment"), &r)),
            Some(9)
        );
    }

    #[test]
    fn a_key_outside_its_parent_block_is_not_taken() {
        let r = route(&["spec", "hostNetwork"]);
        let span = find_route_loose(TEMPLATE, Some("Deployment"), &r);
        assert_eq!(line_of(TEMPLATE, span), Some(10), "falls back to `spec:`");
        assert_eq!(find_route_loose(TEMPLATE, None, &route(&["data"])), None);
        assert_eq!(line_of(TEMPLATE, Some(first_line(TEMPLATE))), Some(1));
    }
}
