//! Container image references, parsed the way the kubelet does.
//!
//! Container image references, parsed the way the kubelet does (distribution/reference's
//! `ParseNormalizedNamed`, then Kubernetes' tag defaulting).
//!
//! Grammar (distribution/reference `regexp.go`):
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] remote-name
//! domain     := host [ ":" port ]          host: DNS-ish labels joined by ".", or "[" IPv6 "]"
//! remote-name:= component ( "/" component )*
//! component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! digest     := algorithm ":" hex{32,}     algorithm: [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*
//! ```
//!
//! Normalisation (`normalize.go` `splitDockerDomain`): without a `/` the whole name is a Docker
//! Hub official image (`docker.io/library/<name>`, even for `localhost` or `example.com` alone).
//! Otherwise the first component is a registry iff it is `localhost`, contains `.` or `:`, or
//! contains upper case; `index.docker.io` becomes `docker.io`, and a single-component Docker Hub
//! path gets the `library/` prefix. A `:` after the registry is a port, never a tag.
//!
//! Pure and total: [`parse`] never panics, whatever the input (a fuzz target relies on it).

use std::fmt;
use std::ops::Range;

use super::Container;

/// Docker Hub, as references name it after normalisation.
pub const DOCKER_HUB: &str = "docker.io";
/// The legacy name of Docker Hub, canonicalised to [`DOCKER_HUB`].
const LEGACY_DOCKER_HUB: &str = "index.docker.io";
/// The namespace of Docker Hub's official images.
const OFFICIAL_PREFIX: &str = "library/";
/// Longest repository name (`domain/path`) distribution accepts.
const NAME_TOTAL_LENGTH_MAX: usize = 255;
/// Longest tag.
const TAG_MAX: usize = 128;

/// Why a string is not a valid image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// The reference is empty.
    Empty,
    /// Leading, trailing or inner whitespace or control characters.
    Whitespace,
    /// A character no part of a reference allows (e.g. non-ASCII, `!`, `*`).
    InvalidCharacter(char),
    /// A bare 64-hex-digit name, which docker reserves for image ids.
    HexIdentifier,
    /// The registry part is not a host (with an optional numeric port).
    InvalidRegistry,
    /// Upper case in the repository path (`MyOrg/app` under a registry).
    UppercaseRepository,
    /// An empty path component (`a//b`, trailing `/`) or one that starts or ends with a separator.
    InvalidPathComponent,
    /// The tag is empty, starts with `.` or `-`, or has a character outside `[A-Za-z0-9_.-]`.
    InvalidTag,
    /// The tag is longer than 128 characters.
    TagTooLong,
    /// The digest is malformed (`algorithm:hex`, at least 32 hex digits).
    InvalidDigest,
    /// The digest's algorithm is unknown (go-digest knows sha256, sha384, sha512).
    UnsupportedDigest,
    /// The digest has the wrong length or upper-case hex for its algorithm (sha256: 64 lower-case hex).
    InvalidDigestLength,
    /// The repository name (`registry/path`) is longer than 255 characters.
    NameTooLong,
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Empty => f.write_str("the reference is empty"),
            ImageError::Whitespace => f.write_str("the reference contains whitespace"),
            ImageError::InvalidCharacter(c) => write!(f, "the character {c:?} is not allowed in a reference"),
            ImageError::HexIdentifier => f.write_str("a 64-hex-digit name is an image id, not a repository"),
            ImageError::InvalidRegistry => f.write_str("the registry is not a valid host[:port]"),
            ImageError::UppercaseRepository => f.write_str("the repository name must be lower case"),
            ImageError::InvalidPathComponent => f.write_str("a repository path component is empty or malformed"),
            ImageError::InvalidTag => f.write_str("the tag must match [A-Za-z0-9_][A-Za-z0-9_.-]*"),
            ImageError::TagTooLong => f.write_str("the tag is longer than 128 characters"),
            ImageError::InvalidDigest => f.write_str("the digest must be algorithm:hex with at least 32 hex digits"),
            ImageError::UnsupportedDigest => f.write_str("the digest algorithm is not sha256, sha384 or sha512"),
            ImageError::InvalidDigestLength => {
                f.write_str("the digest's hex part has the wrong length or case (sha256 needs 64 lower-case hex digits)")
            }
            ImageError::NameTooLong => f.write_str("the repository name is longer than 255 characters"),
        }
    }
}

impl std::error::Error for ImageError {}

/// A parsed, normalised image reference, with the byte ranges of its parts in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry after normalisation (`docker.io` when omitted).
    pub domain: String,
    /// The repository path after normalisation (`library/nginx` for `nginx`).
    pub path: String,
    /// The tag as written, if any.
    pub tag: Option<String>,
    /// The digest as written (`sha256:…`), if any.
    pub digest: Option<String>,
    /// Where the registry is in the input, when one was written.
    pub domain_span: Option<Range<usize>>,
    /// Where the repository path is in the input (as written, without `library/`).
    pub path_span: Range<usize>,
    /// Where the tag is in the input (without the `:`).
    pub tag_span: Option<Range<usize>>,
    /// Where the digest is in the input (without the `@`).
    pub digest_span: Option<Range<usize>>,
}

impl ImageRef {
    /// The full repository name, `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// Whether the image comes from Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        self.domain == DOCKER_HUB
    }

    /// Whether this is a Docker Hub official image (`library/<name>`).
    pub fn is_official(&self) -> bool {
        self.is_docker_hub()
            && self
                .path
                .strip_prefix(OFFICIAL_PREFIX)
                .is_some_and(|rest| !rest.contains('/'))
    }

    /// The tag the kubelet pulls: the written tag, or `latest` when there is neither tag nor
    /// digest; `None` for a digest-only reference.
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    /// Whether the kubelet resolves this to the `latest` tag without a digest to pin it.
    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && self.effective_tag() == Some("latest")
    }

    /// Whether the content is pinned by a digest.
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// The default `imagePullPolicy`: `Always` for `latest`, else `IfNotPresent`
    /// (kubernetes `pkg/apis/core/v1/defaults.go`).
    pub fn default_pull_policy(&self) -> &'static str {
        if (self.tag.is_none() && self.digest.is_none()) || self.tag.as_deref() == Some("latest") {
            "Always"
        } else {
            "IfNotPresent"
        }
    }

    /// The path components after normalisation, with their ranges in the input (`None` for
    /// the implied `library` component).
    pub fn path_components(&self) -> Vec<(&str, Option<Range<usize>>)> {
        let implied = self.path.len() > self.path_span.len();
        let mut out = Vec::new();
        let mut pos = self.path_span.start;
        for (i, comp) in self.path.split('/').enumerate() {
            if i == 0 && implied {
                out.push((comp, None));
                continue;
            }
            out.push((comp, Some(pos..pos + comp.len())));
            pos += comp.len() + 1;
        }
        out
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Whether a string holds template syntax (Helm/Go `{{`, shell or envsubst `${`, Kubernetes
/// dependent variables `$(`): not a literal value, so not something to judge.
pub fn is_templated(s: &str) -> bool {
    s.contains("{{") || s.contains("${") || s.contains("$(")
}

/// A container's `image`, with its parse result; `None` when unset, not a string, templated, or
/// a `<placeholder>`.
/// Parsed once per container, whichever image rule asks first.
pub fn container_image<'c, 'd>(
    c: &'c Container<'d>,
) -> Option<(&'d str, &'c Result<ImageRef, ImageError>)> {
    let parsed = c.image.get_or_init(|| {
        let text = c.node.get("image")?.as_str()?;
        // `<your-image>`: a documentation placeholder, not an attempt at a reference.
        if is_templated(text) || (text.starts_with('<') && text.ends_with('>')) {
            return None;
        }
        Some((text, parse(text)))
    });
    parsed.as_ref().map(|(text, r)| (*text, r))
}

/// Parse an image reference as the kubelet does. Never panics.
pub fn parse(s: &str) -> Result<ImageRef, ImageError> {
    if s.is_empty() {
        return Err(ImageError::Empty);
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ImageError::Whitespace);
    }
    if let Some(c) = s
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "._-/:@[]".contains(c)))
    {
        return Err(ImageError::InvalidCharacter(c));
    }
    if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ImageError::HexIdentifier);
    }
    // Everything below works on ASCII, so every index is a char boundary.
    let (name_tag, digest_span) = match s.find('@') {
        Some(at) => (&s[..at], Some(at + 1..s.len())),
        None => (s, None),
    };
    let (domain_span, rest_start) = split_domain(name_tag);
    let rest = &name_tag[rest_start..];
    let (path_span, tag_span) = match rest.find(':') {
        Some(c) => (
            rest_start..rest_start + c,
            Some(rest_start + c + 1..name_tag.len()),
        ),
        None => (rest_start..name_tag.len(), None),
    };
    let written_path = &s[path_span.clone()];
    if written_path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(ImageError::UppercaseRepository);
    }
    if let Some(d) = &domain_span
        && !valid_domain(&s[d.clone()])
    {
        return Err(ImageError::InvalidRegistry);
    }
    if !written_path.split('/').all(valid_component) {
        return Err(ImageError::InvalidPathComponent);
    }
    if let Some(t) = &tag_span {
        validate_tag(&s[t.clone()])?;
    }
    if let Some(d) = &digest_span {
        validate_digest(&s[d.clone()])?;
    }
    let domain = match &domain_span {
        None => DOCKER_HUB.to_owned(),
        Some(d) if &s[d.clone()] == LEGACY_DOCKER_HUB => DOCKER_HUB.to_owned(),
        Some(d) => s[d.clone()].to_owned(),
    };
    let path = if domain == DOCKER_HUB && !written_path.contains('/') {
        format!("{OFFICIAL_PREFIX}{written_path}")
    } else {
        written_path.to_owned()
    };
    if domain.len() + 1 + path.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ImageError::NameTooLong);
    }
    Ok(ImageRef {
        domain,
        path,
        tag: tag_span.clone().map(|r| s[r].to_owned()),
        digest: digest_span.clone().map(|r| s[r].to_owned()),
        domain_span,
        path_span,
        tag_span,
        digest_span,
    })
}

/// `splitDockerDomain`: the registry's range (if any) and where the rest starts.
fn split_domain(name: &str) -> (Option<Range<usize>>, usize) {
    let Some(slash) = name.find('/') else {
        return (None, 0);
    };
    let first = &name[..slash];
    let is_domain = first == "localhost"
        || first.contains(['.', ':'])
        || first.bytes().any(|b| b.is_ascii_uppercase());
    if is_domain {
        (Some(0..slash), slash + 1)
    } else {
        (None, 0)
    }
}

/// `domainAndPort`: a DNS-ish host or a bracketed IPv6 address, then an optional `:digits`.
fn valid_domain(d: &str) -> bool {
    let (host, port) = if let Some(inner) = d.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            return false;
        };
        let addr = &inner[..close];
        if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        let after = &inner[close + 1..];
        match after.strip_prefix(':') {
            Some(p) => ("", Some(p)),
            None if after.is_empty() => ("", None),
            None => return false,
        }
    } else {
        match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    if d.starts_with('[') {
        return true;
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

/// `pathComponent`: lower-case alphanumeric runs joined by `.`, `_`, `__` or any number of `-`.
fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() {
        return false;
    }
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        let sep_start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[sep_start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|x| x == b'-');
        if !ok || i == b.len() {
            return false;
        }
    }
}

fn validate_tag(t: &str) -> Result<(), ImageError> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let b = t.as_bytes();
    if b.is_empty() || !word(b[0]) || !b.iter().all(|&x| word(x) || x == b'.' || x == b'-') {
        return Err(ImageError::InvalidTag);
    }
    if b.len() > TAG_MAX {
        return Err(ImageError::TagTooLong);
    }
    Ok(())
}

/// `digestPat`, then go-digest's validation of the registered algorithms.
fn validate_digest(d: &str) -> Result<(), ImageError> {
    let Some((algo, hex)) = d.split_once(':') else {
        return Err(ImageError::InvalidDigest);
    };
    let algo_ok = !algo.is_empty()
        && algo.split(['-', '_', '+', '.']).all(|part| {
            let b = part.as_bytes();
            !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
        });
    if !algo_ok || hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ImageError::InvalidDigest);
    }
    let want = match algo {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(ImageError::UnsupportedDigest),
    };
    if hex.len() != want || hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(ImageError::InvalidDigestLength);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{ImageError, parse};

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn ok(s: &str) -> super::ImageRef {
        parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn err(s: &str) -> ImageError {
        parse(s).expect_err(s)
    }

    #[test]
    fn normalisation() {
        // (input, domain, path, tag, digest)
        let cases: &[(&str, &str, &str, Option<&str>, bool)] = &[
            ("nginx", "docker.io", "library/nginx", None, false),
            (
                "nginx:1.25",
                "docker.io",
                "library/nginx",
                Some("1.25"),
                false,
            ),
            ("library/nginx", "docker.io", "library/nginx", None, false),
            ("docker.io/nginx", "docker.io", "library/nginx", None, false),
            (
                "index.docker.io/nginx:1",
                "docker.io",
                "library/nginx",
                Some("1"),
                false,
            ),
            (
                "docker.io/bitnami/redis:7",
                "docker.io",
                "bitnami/redis",
                Some("7"),
                false,
            ),
            ("bitnami/redis", "docker.io", "bitnami/redis", None, false),
            ("localhost/app", "localhost", "app", None, false),
            ("localhost:5000/app", "localhost:5000", "app", None, false),
            (
                "registry:5000/team/app",
                "registry:5000",
                "team/app",
                None,
                false,
            ),
            (
                "myregistry:5000/app:2",
                "myregistry:5000",
                "app",
                Some("2"),
                false,
            ),
            (
                "ghcr.io/acme/api:dev",
                "ghcr.io",
                "acme/api",
                Some("dev"),
                false,
            ),
            (
                "Registry.Example.com/app:V1",
                "Registry.Example.com",
                "app",
                Some("V1"),
                false,
            ),
            ("MyRegistry/app", "MyRegistry", "app", None, false),
            ("[::1]:5000/app", "[::1]:5000", "app", None, false),
            (
                "[2001:db8::1]/app:x",
                "[2001:db8::1]",
                "app",
                Some("x"),
                false,
            ),
            (
                "127.0.0.1:5000/a/b/c",
                "127.0.0.1:5000",
                "a/b/c",
                None,
                false,
            ),
            // Bare `localhost` / `example.com` are Docker Hub names (distribution's FIXME).
            ("localhost", "docker.io", "library/localhost", None, false),
            (
                "example.com",
                "docker.io",
                "library/example.com",
                None,
                false,
            ),
            (
                "localhost:5000",
                "docker.io",
                "library/localhost",
                Some("5000"),
                false,
            ),
            (
                "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "docker.io",
                "library/app",
                None,
                true,
            ),
            (
                "app:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "docker.io",
                "library/app",
                Some("1.2"),
                true,
            ),
            (
                "a__b/c-d--e/f.g_h",
                "docker.io",
                "a__b/c-d--e/f.g_h",
                None,
                false,
            ),
        ];
        for &(input, domain, path, tag, digest) in cases {
            let r = ok(input);
            assert_eq!(
                (
                    r.domain.as_str(),
                    r.path.as_str(),
                    r.tag.as_deref(),
                    r.digest.is_some()
                ),
                (domain, path, tag, digest),
                "{input}"
            );
        }
    }

    #[test]
    fn spans_point_into_the_input() {
        let s = "localhost:5000/team/app:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let r = ok(s);
        assert_eq!(&s[r.domain_span.clone().unwrap()], "localhost:5000");
        assert_eq!(&s[r.path_span.clone()], "team/app");
        assert_eq!(&s[r.tag_span.clone().unwrap()], "v1");
        assert!(s[r.digest_span.clone().unwrap()].starts_with("sha256:"));
        let r = ok("nginx:latest");
        assert_eq!(r.tag_span, Some(6..12));
        let comps = r.path_components();
        assert_eq!(comps, vec![("library", None), ("nginx", Some(0..5))]);
        let s = "ghcr.io/acme/api-prd:3";
        let r = ok(s);
        let comps: Vec<_> = r
            .path_components()
            .into_iter()
            .map(|(c, sp)| (c, sp.map(|x| &s[x])))
            .collect();
        assert_eq!(
            comps,
            vec![("acme", Some("acme")), ("api-prd", Some("api-prd"))]
        );
    }

    #[test]
    fn tag_defaulting_and_pull_policy() {
        let cases = [
            ("nginx", Some("latest"), true, "Always"),
            ("nginx:latest", Some("latest"), true, "Always"),
            ("nginx:1.25", Some("1.25"), false, "IfNotPresent"),
            ("localhost:5000/app", Some("latest"), true, "Always"),
            (&*format!("nginx@{D}"), None, false, "IfNotPresent"),
            (
                &*format!("nginx:latest@{D}"),
                Some("latest"),
                false,
                "Always",
            ),
            ("nginx:Latest", Some("Latest"), false, "IfNotPresent"),
        ];
        for (input, tag, latest, policy) in cases {
            let r = ok(input);
            assert_eq!(
                (r.effective_tag(), r.is_latest(), r.default_pull_policy()),
                (tag, latest, policy),
                "{input}"
            );
        }
    }

    #[test]
    fn official_images() {
        assert!(ok("nginx").is_official());
        assert!(ok("docker.io/library/nginx:1").is_official());
        assert!(!ok("bitnami/nginx").is_official());
        assert!(!ok("quay.io/library/nginx").is_official());
        assert!(!ok("library/a/b").is_official());
    }

    #[test]
    fn invalid_references() {
        let long_tag = format!("app:{}", "a".repeat(129));
        let long_name = format!("r.io/{}", "a".repeat(251));
        let cases: Vec<(&str, ImageError)> = vec![
            ("", ImageError::Empty),
            (" nginx", ImageError::Whitespace),
            ("nginx ", ImageError::Whitespace),
            ("ngi nx", ImageError::Whitespace),
            ("docker.io/MyOrg/app:1", ImageError::UppercaseRepository),
            ("Nginx", ImageError::UppercaseRepository),
            ("ghcr.io/Acme/app", ImageError::UppercaseRepository),
            ("app@sha256:abc", ImageError::InvalidDigest),
            (
                "app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
                ImageError::InvalidDigestLength,
            ),
            (
                "app@sha256:0123456789abcdef0123456789abcdef",
                ImageError::InvalidDigestLength,
            ),
            (
                "app@md5:0123456789abcdef0123456789abcdef",
                ImageError::UnsupportedDigest,
            ),
            ("app@", ImageError::InvalidDigest),
            ("app:", ImageError::InvalidTag),
            ("app:-x", ImageError::InvalidTag),
            ("app:a:b", ImageError::InvalidTag),
            (&long_tag, ImageError::TagTooLong),
            (&long_name, ImageError::NameTooLong),
            ("a//b", ImageError::InvalidPathComponent),
            ("a/b/", ImageError::InvalidPathComponent),
            ("/a", ImageError::InvalidPathComponent),
            ("a-/b", ImageError::InvalidPathComponent),
            ("a.-b", ImageError::InvalidPathComponent),
            ("a___b", ImageError::InvalidPathComponent),
            ("-reg.io/a", ImageError::InvalidRegistry),
            ("reg.io:/a", ImageError::InvalidRegistry),
            ("reg.io:x/a", ImageError::InvalidRegistry),
            ("[zz]/a", ImageError::InvalidPathComponent),
            ("[zz]:5000/a", ImageError::InvalidRegistry),
            ("[::1/a", ImageError::InvalidRegistry),
            ("ngïnx", ImageError::InvalidCharacter('ï')),
            ("nginx!", ImageError::InvalidCharacter('!')),
            (
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                ImageError::HexIdentifier,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(err(input), want, "{input}");
        }
        // Messages are plain sentences.
        assert_eq!(
            ImageError::UppercaseRepository.to_string(),
            "the repository name must be lower case"
        );
    }

    #[test]
    fn never_panics() {
        let alphabet = [
            "a",
            "A",
            "0",
            ".",
            "-",
            "_",
            "/",
            ":",
            "@",
            "[",
            "]",
            "é",
            " ",
            "sha256",
            "localhost",
            "::",
        ];
        // Every string of up to 4 pieces from the alphabet: exhaustive, cheap, and a smoke test
        // for the fuzz target to come.
        let mut stack = vec![(String::new(), 0)];
        while let Some((s, n)) = stack.pop() {
            if let Ok(r) = parse(&s) {
                let _ = (r.path_components(), r.to_string(), r.is_latest());
            }
            if n < 4 {
                for a in alphabet {
                    stack.push((format!("{s}{a}"), n + 1));
                }
            }
        }
    }
}
