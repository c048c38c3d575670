//! The form definitions a deployment publishes from `--forms-dir`, read as typed
//! [`FormDef`]s and validated with the core's own rules, so phones never receive a form
//! they would refuse.
//!
//! A bad file stops the server at startup (with the core's position-accurate message). A
//! deployment publishes by dropping a file in the folder: it is re-read when the folder
//! changes (or on SIGHUP), and a bad file then is logged and not served while the good
//! ones keep being served.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use vigie_core::forms::model::FormDef;
use vigie_core::forms::validate::load;

use crate::labels::Labels;

/// What is served now: the definitions and the labels the coordinator pages read.
#[derive(Debug, Default)]
pub struct Published {
    /// Valid definitions, by file name order.
    pub forms: Vec<FormDef>,
    /// Labels from them.
    pub labels: Arc<Labels>,
}

/// A file's identity for change detection: name, modification time, length.
type Stamp = Vec<(PathBuf, Option<SystemTime>, u64)>;

/// The `--forms-dir` folder and what was last read from it.
pub struct FormsFolder {
    dir: Option<PathBuf>,
    current: RwLock<(Stamp, Arc<Published>)>,
}

fn json_files(dir: &Path) -> Stamp {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Stamp = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| {
            let meta = e.metadata().ok();
            (
                e.path(),
                meta.as_ref().and_then(|m| m.modified().ok()),
                meta.map_or(0, |m| m.len()),
            )
        })
        .collect();
    files.sort();
    files
}

/// Reads every `*.json` of `stamp`; each refused file gives `file: reason`.
fn read(stamp: &Stamp) -> (Published, Vec<String>) {
    let mut forms = Vec::new();
    let mut problems = Vec::new();
    for (path, _, _) in stamp {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        match load(&text) {
            Ok(def) => forms.push(def),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    let labels = Arc::new(Labels::from_definitions(&forms));
    (Published { forms, labels }, problems)
}

impl FormsFolder {
    /// Reads `dir` (none or missing: nothing published). Any invalid definition is an
    /// error naming the file and the problem.
    pub fn open(dir: Option<&Path>) -> Result<FormsFolder, String> {
        let stamp = dir.map(json_files).unwrap_or_default();
        let (published, problems) = read(&stamp);
        if !problems.is_empty() {
            return Err(format!(
                "refusing to serve invalid form definitions:\n  {}",
                problems.join("\n  ")
            ));
        }
        Ok(FormsFolder {
            dir: dir.map(Path::to_path_buf),
            current: RwLock::new((stamp, Arc::new(published))),
        })
    }

    /// What is published now, re-read first if the folder changed (blocking: file reads).
    pub fn current(&self) -> Arc<Published> {
        let Some(dir) = &self.dir else {
            return self.snapshot();
        };
        let stamp = json_files(dir);
        let unchanged = self.current.read().map(|c| c.0 == stamp).unwrap_or(false);
        if unchanged {
            return self.snapshot();
        }
        self.reread(stamp)
    }

    /// Re-reads the folder whatever changed (SIGHUP).
    pub fn reload(&self) {
        if let Some(dir) = &self.dir {
            self.reread(json_files(dir));
        }
    }

    fn snapshot(&self) -> Arc<Published> {
        self.current.read().map(|c| c.1.clone()).unwrap_or_default()
    }

    fn reread(&self, stamp: Stamp) -> Arc<Published> {
        let (published, problems) = read(&stamp);
        for p in &problems {
            tracing::error!(problem = %p, "form definition refused, not served");
        }
        let published = Arc::new(published);
        if let Ok(mut c) = self.current.write() {
            *c = (stamp, published.clone());
        }
        tracing::info!(forms = published.forms.len(), "form definitions read");
        published
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vigie-pub-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const GOOD: &str = include_str!("../../forms/mediation.json");

    #[test]
    fn a_bad_definition_stops_the_start_with_a_precise_message() {
        let dir = scratch("bad");
        std::fs::write(dir.join("a.json"), GOOD).unwrap();
        let mut bad: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        bad["sections"][0]["fields"][0]["relevant"] = "${nulle_part} = 1".into();
        std::fs::write(dir.join("b.json"), bad.to_string()).unwrap();
        let err = FormsFolder::open(Some(&dir)).err().expect("refused");
        assert!(err.contains("b.json"), "{err}");
        assert!(err.contains("nulle_part"), "{err}");
        assert!(!err.contains("a.json"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_changed_folder_is_reread_and_a_later_bad_file_is_not_served() {
        let dir = scratch("reload");
        std::fs::write(dir.join("a.json"), GOOD).unwrap();
        let folder = FormsFolder::open(Some(&dir)).unwrap();
        assert_eq!(folder.current().forms.len(), 1);
        let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        v["id"] = "other".into();
        std::fs::write(dir.join("b.json"), v.to_string()).unwrap();
        std::fs::write(dir.join("c.json"), "{broken").unwrap();
        let now = folder.current();
        let ids: Vec<&str> = now.forms.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["mediation", "other"]);
        assert!(now.labels.form("other").is_some());
        assert!(FormsFolder::open(None).unwrap().current().forms.is_empty());
        std::fs::remove_dir_all(dir).ok();
    }
}
