//! The files findings are traced to, registered and numbered during the run.
//!
//! The files findings are traced to (templates, bases, patches, kustomizations): registered while
//! files are linted in parallel, numbered after the run's inputs. Only regular files inside the
//! run's repositories are read (rendered metadata is data, not a path).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::exec;
use super::scope::Scope;
use crate::engine::SourceFile;
use crate::input::display_path;

struct Entry {
    display: String,
    path: PathBuf,
    text: Arc<str>,
    /// Read from disk (else a file that must never be read: its snippet stays empty).
    read: bool,
}

#[derive(Default)]
struct Inner {
    ids: HashMap<PathBuf, Option<u32>>,
    files: Vec<Entry>,
    templates: HashMap<(PathBuf, String), Option<PathBuf>>,
}

/// Origin files of one run.
pub struct Registry {
    base: u32,
    scope: Scope,
    inner: Mutex<Inner>,
}

impl Registry {
    /// A registry whose file ids start after the run's `inputs` files, reading inside the
    /// repositories of `scope`, the render context's (else the working directory's).
    pub fn new(inputs: usize, scope: Option<&Scope>) -> Self {
        Registry {
            base: u32::try_from(inputs).unwrap_or(u32::MAX),
            scope: scope.map_or_else(Scope::cwd, Scope::clone),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The text of `path`, an input of the run, if it is a regular file inside the run's
    /// repositories.
    pub fn read_input(&self, path: &Path) -> Option<String> {
        let canonical = self.scope.regular_file(path)?;
        std::fs::read_to_string(canonical).ok()
    }

    /// Register `path` without reading it (a symbolic link leaving the repository): findings
    /// may point at it, no output shows its text.
    pub fn unread(&self, path: &Path) -> u32 {
        let path = exec::absolute(path);
        let mut inner = self.lock();
        if let Some(Some(id)) = inner.ids.get(&path) {
            return *id;
        }
        let id = self.base + u32::try_from(inner.files.len()).unwrap_or(u32::MAX - self.base);
        inner.files.push(Entry {
            display: display_path(&path),
            path: path.clone(),
            text: Arc::from(""),
            read: false,
        });
        inner.ids.insert(path, Some(id));
        id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The file id and text of `path`, reading it once; `None` when it cannot be read as text.
    pub fn load(&self, path: &Path) -> Option<(u32, Arc<str>)> {
        let path = exec::absolute(path);
        {
            let inner = self.lock();
            if let Some(id) = inner.ids.get(&path) {
                let id = (*id)?;
                let text = inner.files[(id - self.base) as usize].text.clone();
                return Some((id, text));
            }
        }
        let text: Option<Arc<str>> = self
            .scope
            .regular_file(&path)
            .and_then(|c| std::fs::read_to_string(c).ok())
            .map(Arc::from);
        let mut inner = self.lock();
        if let Some(id) = inner.ids.get(&path) {
            let id = (*id)?;
            return Some((id, inner.files[(id - self.base) as usize].text.clone()));
        }
        let Some(text) = text else {
            inner.ids.insert(path, None);
            return None;
        };
        let id = self.base + u32::try_from(inner.files.len()).unwrap_or(u32::MAX - self.base);
        inner.files.push(Entry {
            display: display_path(&path),
            path: path.clone(),
            text: text.clone(),
            read: true,
        });
        inner.ids.insert(path, Some(id));
        Some((id, text))
    }

    /// [`super::helm::resolve`] inside the repository that holds `chart` (else `start`), cached.
    pub fn template(&self, source: &str, chart: Option<&Path>, start: &Path) -> Option<PathBuf> {
        let key = (chart.unwrap_or(start).to_path_buf(), source.to_owned());
        if let Some(hit) = self.lock().templates.get(&key) {
            return hit.clone();
        }
        // Resolved among canonical paths, and shown as the path the run names (which may go
        // through a link inside the repository).
        let base = chart.unwrap_or(start);
        let found = std::fs::canonicalize(base).ok().and_then(|c| {
            let root = self.scope.root_of(&c)?.to_path_buf();
            let p = super::helm::resolve(source, chart.map(|_| c.as_path()), &c, &root)?;
            Some(match p.strip_prefix(&c) {
                Ok(rest) => base.join(rest),
                Err(_) => p,
            })
        });
        self.lock().templates.insert(key, found.clone());
        found
    }

    /// The registered files, in id order, as entries of the run's file table (ids follow the
    /// order files were first needed, which varies between runs: findings are sorted by path).
    pub fn finish(self, keep_text: bool) -> Vec<SourceFile> {
        let inner = self
            .inner
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner
            .files
            .into_iter()
            .map(|e| SourceFile {
                path: e.display,
                text: (keep_text || !e.read).then_some(e.text),
                disk: e.read.then_some(e.path),
                report: true,
            })
            .collect()
    }
}
