//! How to render (the flags and the configuration), and what rendering leaves for the lint run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::exec;
use super::problem::Problem;
use super::sandbox::Limits;
use super::scope::Scope;

/// `--render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Render when a renderer is available.
    #[default]
    Auto,
    /// Never run a renderer.
    Never,
}

/// How to render.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--render`.
    pub mode: Mode,
    /// `--helm PATH` (else `helm` from `PATH`), absolute.
    pub helm: Option<PathBuf>,
    /// `--helm-values FILE`, in order, absolute.
    pub helm_values: Vec<PathBuf>,
    /// Wall time and output cap of each render.
    pub limits: Limits,
    /// The repositories of the scanned paths.
    pub scope: Scope,
    /// The files given one by one and the overlays of their repositories.
    pub explicit: Explicit,
}

/// Files given one by one on the command line (pre-commit passes only the changed files), and
/// the overlays of their git work trees: a file that a Kustomize overlay of its repository
/// builds from (a resource, a patch, a kustomization) is linted through the repository's
/// overlays that build from it, as `kubeward lint` of the repository lints it, and of what those
/// overlays render only what lands on the paths given is reported.
#[derive(Debug, Clone, Default)]
pub struct Explicit {
    /// The files given (absolute, `.` and `..` resolved by name).
    pub files: BTreeSet<PathBuf>,
    /// The directories given (absolute): what lands under them is reported too.
    pub dirs: Vec<PathBuf>,
    /// The directories of the kustomization files in the git work trees of `files` (absolute),
    /// as the walk of each work tree finds them.
    pub kustomizations: Vec<PathBuf>,
}

impl Explicit {
    /// The paths of a run: `paths` as given, and the kustomization directories of their
    /// repositories (see [`crate::input::kustomizations_around`]).
    pub fn of(paths: &[String], kustomizations: Vec<PathBuf>) -> Explicit {
        let mut files = BTreeSet::new();
        let mut dirs = Vec::new();
        for p in paths.iter().filter(|p| *p != "-").map(Path::new) {
            if p.is_file() {
                files.insert(exec::absolute(p));
            } else if p.is_dir() {
                dirs.push(exec::absolute(p));
            }
        }
        let kustomizations = if files.is_empty() {
            Vec::new()
        } else {
            kustomizations.iter().map(|d| exec::absolute(d)).collect()
        };
        Explicit {
            files,
            dirs,
            kustomizations,
        }
    }

    /// Whether `path` (absolute) is a path given or lies under a directory given.
    pub fn covers(&self, path: &Path) -> bool {
        self.files.contains(path) || self.dirs.iter().any(|d| path.starts_with(d))
    }
}

/// A render option that cannot be used (exit code 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// `--helm` names no executable file.
    #[error("--helm {0}: {1}")]
    #[diagnostic(
        code(kubeward::render::helm),
        help("Give the path of the helm program, or leave --helm out to use `helm` from PATH.")
    )]
    Helm(String, &'static str),
    /// `--helm-values` names no readable regular file.
    #[error("--helm-values {0}: {1}")]
    #[diagnostic(
        code(kubeward::render::helm_values),
        help("Give the path of a values file.")
    )]
    HelmValues(String, &'static str),
}

impl Default for Options {
    /// Render when a renderer is on `PATH`, inside the working directory's repository.
    fn default() -> Self {
        Options {
            mode: Mode::Auto,
            helm: None,
            helm_values: Vec::new(),
            limits: Limits::default(),
            scope: Scope::cwd(),
            explicit: Explicit::default(),
        }
    }
}

impl Options {
    /// The options of the flags: `--helm` must be an executable file and each `--helm-values` a
    /// readable regular file (made absolute: renderers run in a directory of their own).
    ///
    /// # Errors
    /// Either names something that cannot be used.
    pub fn new(
        mode: Mode,
        helm: Option<&Path>,
        helm_values: &[PathBuf],
        limits: Limits,
        scope: Scope,
    ) -> Result<Options, Error> {
        let helm = match helm {
            None => None,
            Some(h) => {
                let shown = h.display().to_string();
                match std::fs::metadata(h) {
                    Err(_) => return Err(Error::Helm(shown, "no such file")),
                    Ok(m) if !m.is_file() => return Err(Error::Helm(shown, "not a file")),
                    Ok(_) if !exec::is_executable(h) => {
                        return Err(Error::Helm(shown, "not executable"));
                    }
                    Ok(_) => Some(exec::absolute(h)),
                }
            }
        };
        let mut values = Vec::with_capacity(helm_values.len());
        for v in helm_values {
            let shown = v.display().to_string();
            match std::fs::metadata(v) {
                Err(_) => return Err(Error::HelmValues(shown, "no such file")),
                Ok(m) if !m.is_file() => {
                    return Err(Error::HelmValues(shown, "not a regular file"));
                }
                Ok(_) if std::fs::File::open(v).is_err() => {
                    return Err(Error::HelmValues(shown, "cannot be read"));
                }
                Ok(_) => values.push(exec::absolute(v)),
            }
        }
        Ok(Options {
            mode,
            helm,
            helm_values: values,
            limits,
            scope,
            explicit: Explicit::default(),
        })
    }
}

/// What the lint run needs to know of the renders: the repositories rendered metadata may be
/// followed into, and the charts and overlays that were not rendered.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The repositories of the scanned paths.
    pub scope: Scope,
    /// Charts and overlays not rendered, as findings to report.
    pub problems: Vec<Problem>,
}
