//! Atomic, durable publishing of a report folder (reliability notes P1, P5).
//!
//! A report is built in a sibling staging folder and swapped into place with two
//! renames in the same parent folder:
//!
//! ```text
//!  <root>/.<P>.staging-<run>/   built and fsynced
//!  <root>/<P>                   ──rename──▶ <root>/.<P>.previous-<run>     (if it exists)
//!  <root>/.<P>.staging-<run>    ──rename──▶ <root>/<P>
//!  fsync(<root>)                            makes both renames durable
//!  remove <root>/.<P>.previous-<run>
//! ```
//!
//! A reader therefore sees the previous complete report or the new one. A crash can
//! leave three states, and [`recover`] repairs each on the next start: `<P>` missing
//! with a `.previous-*` beside it (killed between the renames: rename it back), a
//! leftover `.previous-*` beside `<P>` (killed before the removal: remove it), and a
//! `.staging-*` folder (killed while building: remove it).
//!
//! Recovery assumes one writer per output root at a time; the command line holds a
//! lock for the whole run (exit code 75 when another run has it).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clusterkpi_model::Period;

use crate::ReportError;

/// A step of writing and publishing, offered to a hook before it is taken, so tests
/// can make any step fail and check that nothing half-written becomes visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    /// Writing one file (or, for `charts`, the chart folder) into the staging folder.
    Write(&'a str),
    /// Renaming the current report aside.
    MoveAside,
    /// Renaming the staging folder into place.
    MoveIntoPlace,
    /// Fsyncing the output root so both renames are durable.
    SyncRoot,
    /// Removing the previous report.
    RemovePrevious,
}

/// Called before each step; an error makes that step fail.
pub(crate) type Hook<'h> = dyn FnMut(Step<'_>) -> io::Result<()> + 'h;

/// The folders of one publication.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) root: PathBuf,
    pub(crate) target: PathBuf,
    pub(crate) staging: PathBuf,
    pub(crate) previous: PathBuf,
}

const STAGING: &str = ".staging-";
const PREVIOUS: &str = ".previous-";

impl Layout {
    pub(crate) fn new(root: &Path, period: Period, run_id: &str) -> Self {
        let name = period.to_string();
        let run = folder_safe(run_id);
        Self {
            root: root.to_path_buf(),
            target: root.join(&name),
            staging: root.join(format!(".{name}{STAGING}{run}")),
            previous: root.join(format!(".{name}{PREVIOUS}{run}")),
        }
    }
}

/// The run id as part of a folder name: anything but `[A-Za-z0-9._-]` becomes `_`, so
/// an id with a `/` cannot point the staging folder somewhere else.
fn folder_safe(run_id: &str) -> String {
    let s: String = run_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "run".to_string() } else { s }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> ReportError + 'a {
    move |source| ReportError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Fsyncs a folder so the entries created or renamed in it survive a power loss.
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    fs::File::open(path)?.sync_all()
}

/// Creates the output root, repairs what an interrupted run left behind, and creates
/// an empty staging folder.
pub(crate) fn prepare(layout: &Layout) -> Result<(), ReportError> {
    fs::create_dir_all(&layout.root).map_err(io_err("create the output folder", &layout.root))?;
    recover(&layout.root)?;
    fs::create_dir(&layout.staging).map_err(io_err("create the staging folder", &layout.staging))
}

/// A leftover of an interrupted run: `.<P>.staging-<run>` or `.<P>.previous-<run>`.
fn leftover(name: &str) -> Option<(Period, bool)> {
    let rest = name.strip_prefix('.')?;
    let (period, is_staging) = if let Some(i) = rest.find(STAGING) {
        (&rest[..i], true)
    } else {
        (&rest[..rest.find(PREVIOUS)?], false)
    };
    // Only folders whose name starts with a quarter in canonical form are ours; the
    // output root may hold other files (a README, a planner's notes).
    let p: Period = period.parse().ok()?;
    (p.to_string() == period).then_some((p, is_staging))
}

/// Repairs every report folder under `root` that an interrupted run left behind (for
/// any quarter, so a reader of another quarter is not left without its report until
/// that quarter is re-run).
pub(crate) fn recover(root: &Path) -> Result<(), ReportError> {
    let entries = fs::read_dir(root).map_err(io_err("list", root))?;
    let mut staging = Vec::new();
    let mut previous: Vec<(Period, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_err("list", root))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        match leftover(&name) {
            Some((_, true)) => staging.push(entry.path()),
            Some((p, false)) => previous.push((p, entry.path())),
            None => {}
        }
    }

    // Killed between the two renames: the report is missing and its previous version
    // sits aside. Put the newest one back.
    previous.sort_by_key(|(_, path)| std::cmp::Reverse(modified(path)));
    let mut restored = false;
    for (p, path) in &previous {
        let target = root.join(p.to_string());
        if !exists(&target) {
            fs::rename(path, &target).map_err(io_err("restore the previous report from", path))?;
            restored = true;
        }
    }
    if restored {
        sync_dir(root).map_err(io_err("fsync", root))?;
    }

    // Every remaining `.previous-*` sits beside its published report, and every
    // `.staging-*` belongs to a run that is no longer running (one writer at a time).
    for (_, path) in previous.iter().filter(|(_, path)| exists(path)) {
        fs::remove_dir_all(path).map_err(io_err("remove the stale folder", path))?;
    }
    for path in &staging {
        fs::remove_dir_all(path).map_err(io_err("remove the stale folder", path))?;
    }
    Ok(())
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Swaps the (already fsynced) staging folder into place. On failure the previous
/// report is put back, so `<P>` is as it was; the caller removes the staging folder.
pub(crate) fn publish(layout: &Layout, hook: &mut Hook<'_>) -> Result<(), ReportError> {
    let Layout {
        root,
        target,
        staging,
        previous,
    } = layout;

    let moved_aside = exists(target);
    if moved_aside {
        hook(Step::MoveAside)
            .and_then(|()| fs::rename(target, previous))
            .map_err(io_err("move aside the current report", target))?;
    }

    if let Err(source) = hook(Step::MoveIntoPlace).and_then(|()| fs::rename(staging, target)) {
        if moved_aside {
            // Best effort: if even this fails, the next run's recovery renames it back.
            let _ = fs::rename(previous, target);
        }
        return Err(ReportError::Io {
            action: "move the new report into place at",
            path: target.clone(),
            source,
        });
    }

    if let Err(source) = hook(Step::SyncRoot).and_then(|()| sync_dir(root)) {
        // The swap may not survive a power loss; undo it so the caller's error means
        // "nothing changed" rather than "changed, perhaps".
        let _ = fs::rename(target, staging);
        if moved_aside {
            let _ = fs::rename(previous, target);
        }
        let _ = sync_dir(root);
        return Err(ReportError::Io {
            action: "fsync",
            path: root.clone(),
            source,
        });
    }

    if moved_aside {
        // The new report is published and durable. A leftover previous folder is hidden
        // (dot name) and removed by the next run's recovery, so it is not an error.
        let _ = hook(Step::RemovePrevious).and_then(|()| fs::remove_dir_all(previous));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    fn folder(path: &Path, marker: &str) {
        fs::create_dir_all(path).unwrap();
        fs::write(path.join("marker"), marker).unwrap();
    }

    fn marker(path: &Path) -> String {
        fs::read_to_string(path.join("marker")).unwrap()
    }

    fn names(root: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn leftovers_are_recognised_by_a_canonical_quarter_only() {
        assert_eq!(leftover(".2025Q4.staging-r1"), Some((p("2025Q4"), true)));
        assert_eq!(leftover(".2025Q4.previous-r.1"), Some((p("2025Q4"), false)));
        assert_eq!(leftover(".2025-Q4.staging-r1"), None);
        assert_eq!(leftover("2025Q4"), None);
        assert_eq!(leftover(".notes.staging-x"), None);
        assert_eq!(leftover("README.md"), None);
    }

    #[test]
    fn run_ids_cannot_escape_the_root() {
        let l = Layout::new(Path::new("/out"), p("2025Q4"), "../../etc/x y");
        assert_eq!(l.staging, Path::new("/out/.2025Q4.staging-.._.._etc_x_y"));
        assert_eq!(l.staging.parent(), Some(Path::new("/out")));
    }

    #[test]
    fn a_crash_between_the_renames_is_undone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        folder(&root.join(".2025Q4.previous-r1"), "old");
        folder(&root.join(".2025Q4.staging-r1"), "new, unfinished");
        fs::write(root.join("README.md"), "planner notes").unwrap();
        recover(root).unwrap();
        assert_eq!(names(root), ["2025Q4", "README.md"]);
        assert_eq!(marker(&root.join("2025Q4")), "old");
    }

    #[test]
    fn a_crash_before_removing_the_previous_report_keeps_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        folder(&root.join("2025Q4"), "new");
        folder(&root.join(".2025Q4.previous-r1"), "old");
        folder(&root.join(".2025Q3.staging-r0"), "stale");
        recover(root).unwrap();
        assert_eq!(names(root), ["2025Q4"]);
        assert_eq!(marker(&root.join("2025Q4")), "new");
    }

    #[test]
    fn a_failed_move_into_place_restores_the_previous_report() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path(), p("2025Q4"), "r2");
        folder(&layout.target, "old");
        folder(&layout.staging, "new");
        let mut hook = |s: Step<'_>| {
            if s == Step::MoveIntoPlace {
                Err(io::Error::other("disk gone"))
            } else {
                Ok(())
            }
        };
        let err = publish(&layout, &mut hook).unwrap_err();
        assert!(err.to_string().contains("disk gone"), "{err}");
        assert_eq!(marker(&layout.target), "old");
        assert!(!exists(&layout.previous));
    }

    #[test]
    fn a_failed_fsync_of_the_root_undoes_the_swap() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path(), p("2025Q4"), "r2");
        folder(&layout.target, "old");
        folder(&layout.staging, "new");
        let mut hook = |s: Step<'_>| {
            if s == Step::SyncRoot {
                Err(io::Error::other("EIO"))
            } else {
                Ok(())
            }
        };
        publish(&layout, &mut hook).unwrap_err();
        assert_eq!(marker(&layout.target), "old");
        assert!(!exists(&layout.previous));
    }

    #[test]
    fn a_failed_removal_of_the_previous_report_is_cleaned_up_next_time() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path(), p("2025Q4"), "r2");
        folder(&layout.target, "old");
        folder(&layout.staging, "new");
        let mut hook = |s: Step<'_>| {
            if s == Step::RemovePrevious {
                Err(io::Error::other("busy"))
            } else {
                Ok(())
            }
        };
        publish(&layout, &mut hook).unwrap();
        assert_eq!(marker(&layout.target), "new");
        assert!(exists(&layout.previous));
        recover(dir.path()).unwrap();
        assert_eq!(names(dir.path()), ["2025Q4"]);
    }

    #[test]
    fn the_first_report_has_nothing_to_move_aside() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path(), p("2025Q4"), "r1");
        folder(&layout.staging, "new");
        let mut steps = Vec::new();
        let mut hook = |s: Step<'_>| {
            steps.push(format!("{s:?}"));
            Ok(())
        };
        publish(&layout, &mut hook).unwrap();
        assert_eq!(steps, ["MoveIntoPlace", "SyncRoot"]);
        assert_eq!(names(dir.path()), ["2025Q4"]);
    }
}
