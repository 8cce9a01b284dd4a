//! How to render (the flags and the configuration), and what rendering leaves for the lint run.

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
