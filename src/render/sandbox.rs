//! Running a renderer on untrusted input: cleared environment, time limit, output cap.
//!
//! Running a renderer on untrusted input: a cleared environment (`PATH`, a fresh home in a
//! private scratch directory and the few variables a renderer needs; git transports disabled),
//! standard input closed, a wall-time limit and an output cap that stops reading when it is hit.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use super::exec::ScratchDir;
pub use super::limits::{Limits, show_size};

/// Why a render produced nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// It could not be started (or its scratch directory made).
    Start(String),
    /// It ran past the wall-time limit and was killed.
    Timeout(Duration),
    /// It printed more than the output cap and was killed.
    Cap(u64),
    /// It failed; the first line it said.
    Exit(String),
    /// Its output is not UTF-8.
    NotUtf8,
}

impl Failure {
    /// The message of a `render-error` finding.
    pub fn message(&self, program: &str) -> String {
        match self {
            Failure::Start(e) => format!("cannot run {program}: {e}"),
            Failure::Timeout(t) => format!(
                "{program} did not finish within {} s and was stopped (--render-timeout)",
                t.as_secs()
            ),
            Failure::Cap(n) => format!(
                "{program} printed more than {} and was stopped (--render-max-output)",
                show_size(*n)
            ),
            Failure::Exit(line) => format!("{program} failed: {line}"),
            Failure::NotUtf8 => format!("{program} printed text that is not UTF-8"),
        }
    }
}

/// Variables that point a program at the network through a proxy: each goes to a closed local
/// port, so that an HTTP client that honours them reaches no remote host.
const PROXIES: [&str; 5] = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
];
const NO_PROXY_HOST: &str = "http://127.0.0.1:1";

/// The environment of a renderer: nothing of kubeward's but `PATH` (its absolute entries);
/// everything else a renderer would read from the home directory points into `home`.
fn environment(home: &Path, tmp: &Path) -> Vec<(OsString, OsString)> {
    let path = std::env::var_os("PATH").map(|p| {
        std::env::join_paths(std::env::split_paths(&p).filter(|d| d.is_absolute()))
            .unwrap_or_default()
    });
    let at = |rel: &str| home.join(rel).into_os_string();
    let mut env: Vec<(OsString, OsString)> = vec![
        ("HOME".into(), home.as_os_str().to_owned()),
        ("TMPDIR".into(), tmp.as_os_str().to_owned()),
        ("XDG_CONFIG_HOME".into(), at(".config")),
        ("XDG_CACHE_HOME".into(), at(".cache")),
        ("XDG_DATA_HOME".into(), at(".local/share")),
        ("XDG_STATE_HOME".into(), at(".local/state")),
        // No cluster: an empty configuration.
        ("KUBECONFIG".into(), "/dev/null".into()),
        ("HELM_CONFIG_HOME".into(), at(".config/helm")),
        ("HELM_CACHE_HOME".into(), at(".cache/helm")),
        ("HELM_DATA_HOME".into(), at(".local/share/helm")),
        // kustomize clones remote bases with `git`: no transport is allowed (not even `file`),
        // no configuration is read, nothing may prompt.
        ("GIT_ALLOW_PROTOCOL".into(), "none".into()),
        ("GIT_PROTOCOL_FROM_USER".into(), "0".into()),
        ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
        ("GIT_CONFIG_GLOBAL".into(), "/dev/null".into()),
        ("GIT_TERMINAL_PROMPT".into(), "0".into()),
        ("GIT_ASKPASS".into(), "/bin/false".into()),
        ("SSH_ASKPASS".into(), "/bin/false".into()),
        ("GIT_SSH_COMMAND".into(), "/bin/false".into()),
        ("NO_PROXY".into(), OsString::new()),
        ("no_proxy".into(), OsString::new()),
    ];
    env.extend(PROXIES.iter().map(|k| ((*k).into(), NO_PROXY_HOST.into())));
    if let Some(p) = path {
        env.push(("PATH".into(), p));
    }
    #[cfg(windows)]
    for k in ["SystemRoot", "SYSTEMROOT", "windir"] {
        if let Some(v) = std::env::var_os(k) {
            env.push((k.into(), v));
        }
    }
    env
}

/// A private directory for one render: the renderer's working directory (room for the inputs it
/// is given, such as a scratch kustomization) and, inside it, its home and temporary directory
/// (the directories under the home are made by the renderer if it needs them: each one made
/// here would cost its removal). Removed on drop.
pub struct Sandbox {
    scratch: ScratchDir,
}

impl Sandbox {
    /// Create one.
    pub fn new() -> std::io::Result<Sandbox> {
        let scratch = ScratchDir::new()?;
        std::fs::create_dir(scratch.path().join("home"))?;
        Ok(Sandbox { scratch })
    }

    /// A directory for the renderer's inputs (its working directory too).
    pub fn work(&self) -> PathBuf {
        self.scratch.path().to_path_buf()
    }

    /// Run `program args…` in the sandbox: its standard output, or why there is none.
    pub fn run(&self, program: &Path, args: &[&OsStr], limits: &Limits) -> Result<String, Failure> {
        let home = self.scratch.path().join("home");
        let tmp = home.clone();
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .envs(environment(&home, &tmp))
            .current_dir(self.work())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd.spawn().map_err(|e| Failure::Start(e.to_string()))?;
        supervise(child, limits)
    }
}

/// What a pipe reader hands over.
enum Chunk {
    Out(Vec<u8>),
    Err(Vec<u8>),
    Closed,
}

/// Bytes of standard error kept for the message (the rest is read and counted, not kept).
const STDERR_KEPT: usize = 64 * 1024;
/// Bytes a reader takes from a pipe at a time.
const CHUNK: usize = 64 * 1024;

/// A thread moving one pipe into the channel, a chunk at a time; it ends at the end of the pipe,
/// or when the channel is gone (the output cap was hit: nothing more is read).
fn reader(mut pipe: impl Read + Send + 'static, tx: SyncSender<Chunk>, out: bool) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Chunk::Closed);
                    return;
                }
                Ok(n) => {
                    let chunk = buf[..n].to_vec();
                    let sent = tx.send(if out {
                        Chunk::Out(chunk)
                    } else {
                        Chunk::Err(chunk)
                    });
                    if sent.is_err() {
                        return;
                    }
                }
            }
        }
    });
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Read `child`'s output within the limits, then wait for it.
fn supervise(mut child: Child, limits: &Limits) -> Result<String, Failure> {
    let deadline = Instant::now() + limits.timeout;
    let (tx, rx): (SyncSender<Chunk>, Receiver<Chunk>) = sync_channel(4);
    if let Some(p) = child.stdout.take() {
        reader(p, tx.clone(), true);
    }
    if let Some(p) = child.stderr.take() {
        reader(p, tx, false);
    }
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut total: u64 = 0;
    let mut open = 2;
    while open > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = match rx.recv_timeout(left) {
            Ok(c) => c,
            Err(RecvTimeoutError::Timeout) => {
                stop(&mut child);
                return Err(Failure::Timeout(limits.timeout));
            }
            // Both readers gone without saying so: nothing more will come.
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let bytes = match chunk {
            Chunk::Closed => {
                open -= 1;
                continue;
            }
            Chunk::Out(b) => {
                total += b.len() as u64;
                if total <= limits.max_output {
                    out.extend_from_slice(&b);
                }
                b.len()
            }
            Chunk::Err(b) => {
                total += b.len() as u64;
                let room = STDERR_KEPT.saturating_sub(err.len());
                err.extend_from_slice(&b[..b.len().min(room)]);
                b.len()
            }
        };
        if bytes > 0 && total > limits.max_output {
            // Dropping the receiver ends the readers at their next chunk.
            drop(rx);
            stop(&mut child);
            return Err(Failure::Cap(limits.max_output));
        }
    }
    drop(rx);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                stop(&mut child);
                return Err(Failure::Timeout(limits.timeout));
            }
            // Its output is closed: it is exiting.
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(Failure::Start(format!("cannot wait for it: {e}"))),
        }
    };
    if status.success() {
        return String::from_utf8(out).map_err(|_| Failure::NotUtf8);
    }
    let err = String::from_utf8_lossy(&err);
    let line = err
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("# Warning"))
        .unwrap_or("no error message");
    Err(Failure::Exit(klog_message(line)))
}

/// The message of a klog line (`E1125 14:43:04.969592 31336 run.go:72] "command failed"
/// err="…"`), which kubectl prints on failure; other lines as they are.
pub fn klog_message(line: &str) -> String {
    match line.split_once(" err=\"") {
        Some((_, rest)) => rest.strip_suffix('"').unwrap_or(rest).replace("\\\"", "\""),
        None => line.to_owned(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str, limits: Limits) -> Result<String, Failure> {
        let sandbox = Sandbox::new().unwrap();
        sandbox.run(
            Path::new("/bin/sh"),
            &[OsStr::new("-c"), OsStr::new(script)],
            &limits,
        )
    }

    #[test]
    fn the_environment_is_cleared() {
        let out = sh("env", Limits::default()).unwrap();
        let names: Vec<&str> = out.lines().filter_map(|l| l.split('=').next()).collect();
        for n in &names {
            assert!(
                [
                    "HOME",
                    "TMPDIR",
                    "PATH",
                    "KUBECONFIG",
                    "NO_PROXY",
                    "no_proxy",
                    "PWD",
                    "SHLVL",
                    "_"
                ]
                .contains(n)
                    || n.starts_with("XDG_")
                    || n.starts_with("HELM_")
                    || n.starts_with("GIT_")
                    || n.ends_with("ASKPASS")
                    || n.ends_with("_PROXY")
                    || n.ends_with("_proxy"),
                "unexpected variable {n}"
            );
        }
        let home = out.lines().find_map(|l| l.strip_prefix("HOME=")).unwrap();
        assert!(home.contains("kubeward-"), "{home}");
        assert!(out.contains("GIT_ALLOW_PROTOCOL=none"));
    }

    #[test]
    fn a_render_past_its_time_is_stopped() {
        let limits = Limits {
            timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        assert_eq!(
            sh("sleep 30", limits),
            Err(Failure::Timeout(limits.timeout))
        );
    }

    #[test]
    fn endless_output_stops_at_the_cap() {
        let limits = Limits {
            max_output: 1 << 20,
            timeout: Duration::from_secs(60),
        };
        assert_eq!(sh("yes", limits), Err(Failure::Cap(1 << 20)));
        assert_eq!(sh("yes >&2", limits), Err(Failure::Cap(1 << 20)));
        assert_eq!(sh("echo ok", limits), Ok("ok\n".to_owned()));
    }

    #[test]
    fn failures_keep_their_first_line() {
        let e = sh(
            "echo '# Warning: x' >&2; echo 'Error: boom' >&2; exit 3",
            Limits::default(),
        );
        assert!(
            matches!(&e, Err(Failure::Exit(m)) if m == "Error: boom"),
            "{e:?}"
        );
    }

    #[test]
    fn klog_lines_keep_their_message() {
        assert_eq!(
            klog_message(
                r#"E1125 14:43:04.969592   31336 run.go:72] "command failed" err="a \"b\": c""#
            ),
            r#"a "b": c"#
        );
        assert_eq!(klog_message("Error: boom"), "Error: boom");
    }
}
