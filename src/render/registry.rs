//! The files findings are traced to (templates, bases, patches, kustomizations): registered while
//! files are linted in parallel, numbered after the run's inputs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::exec;
use crate::engine::SourceFile;
use crate::input::display_path;

struct Entry {
    display: String,
    path: PathBuf,
    text: Arc<str>,
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
    inner: Mutex<Inner>,
}

impl Registry {
    /// A registry whose file ids start after the run's `inputs` files.
    pub fn new(inputs: usize) -> Self {
        Registry {
            base: u32::try_from(inputs).unwrap_or(u32::MAX),
            inner: Mutex::new(Inner::default()),
        }
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
        let text: Option<Arc<str>> = std::fs::read_to_string(&path).ok().map(Arc::from);
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
        });
        inner.ids.insert(path, Some(id));
        Some((id, text))
    }

    /// [`super::helm::resolve`], cached.
    pub fn template(&self, source: &str, chart: Option<&Path>, start: &Path) -> Option<PathBuf> {
        let key = (chart.unwrap_or(start).to_path_buf(), source.to_owned());
        if let Some(hit) = self.lock().templates.get(&key) {
            return hit.clone();
        }
        let found = super::helm::resolve(source, chart, start);
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
                text: keep_text.then_some(e.text),
                disk: Some(e.path),
                report: true,
            })
            .collect()
    }
}
