//! Listing a dataset's files: recursive, POSIX relative paths, byte order, links refused.

use std::fs;
use std::path::{Path, PathBuf};

use super::{DatasetError, MAX_PATH_LEN};

/// One file of a dataset.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Path relative to the dataset root, components joined by `/`.
    pub(crate) relative_path: String,
    /// Where to open it.
    pub(crate) full_path: PathBuf,
    /// Size when listed.
    pub(crate) size: u64,
}

/// Lists the regular files under `root` (or `root` itself if it is a file), sorted by the byte
/// order of their relative paths.
///
/// `root` itself is always followed if it is a link: the caller named it. Inside, links are
/// refused unless `follow_symlinks`; followed links to directories are walked, with a cycle
/// check. Hidden files are included; empty directories contribute nothing.
pub(crate) fn list_files(
    root: &Path,
    follow_symlinks: bool,
) -> Result<Vec<SourceFile>, DatasetError> {
    let metadata = fs::metadata(root).map_err(DatasetError::io(root))?;
    if metadata.is_file() {
        let name = root
            .file_name()
            .ok_or_else(|| DatasetError::UnsupportedFileType {
                path: root.to_path_buf(),
            })?;
        let relative_path = utf8_name(name, root)?;
        check_path_len(&relative_path)?;
        return Ok(vec![SourceFile {
            relative_path,
            full_path: root.to_path_buf(),
            size: metadata.len(),
        }]);
    }
    if !metadata.is_dir() {
        return Err(DatasetError::UnsupportedFileType {
            path: root.to_path_buf(),
        });
    }
    let mut files = Vec::new();
    let mut ancestors = vec![fs::canonicalize(root).map_err(DatasetError::io(root))?];
    walk_dir(root, "", follow_symlinks, &mut ancestors, &mut files)?;
    files.sort_unstable_by(|a, b| a.relative_path.cmp(&b.relative_path));
    Ok(files)
}

fn walk_dir(
    dir: &Path,
    prefix: &str,
    follow_symlinks: bool,
    ancestors: &mut Vec<PathBuf>,
    files: &mut Vec<SourceFile>,
) -> Result<(), DatasetError> {
    let entries = fs::read_dir(dir).map_err(DatasetError::io(dir))?;
    for entry in entries {
        let entry = entry.map_err(DatasetError::io(dir))?;
        let full_path = entry.path();
        let name = utf8_name(&entry.file_name(), &full_path)?;
        let relative_path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = entry.file_type().map_err(DatasetError::io(&full_path))?;
        let metadata = if file_type.is_symlink() {
            if !follow_symlinks {
                return Err(DatasetError::SymlinkRefused { path: full_path });
            }
            fs::metadata(&full_path).map_err(DatasetError::io(&full_path))?
        } else {
            entry.metadata().map_err(DatasetError::io(&full_path))?
        };
        if metadata.is_file() {
            check_path_len(&relative_path)?;
            files.push(SourceFile {
                relative_path,
                full_path,
                size: metadata.len(),
            });
        } else if metadata.is_dir() {
            let canonical = fs::canonicalize(&full_path).map_err(DatasetError::io(&full_path))?;
            if ancestors.contains(&canonical) {
                return Err(DatasetError::SymlinkCycle { path: full_path });
            }
            ancestors.push(canonical);
            walk_dir(
                &full_path,
                &relative_path,
                follow_symlinks,
                ancestors,
                files,
            )?;
            ancestors.pop();
        } else {
            return Err(DatasetError::UnsupportedFileType { path: full_path });
        }
    }
    Ok(())
}

fn utf8_name(name: &std::ffi::OsStr, full_path: &Path) -> Result<String, DatasetError> {
    name.to_str()
        .map(str::to_owned)
        .ok_or_else(|| DatasetError::NonUtf8Path {
            path: full_path.to_path_buf(),
        })
}

fn check_path_len(relative_path: &str) -> Result<(), DatasetError> {
    if relative_path.len() > MAX_PATH_LEN {
        return Err(DatasetError::PathTooLong {
            path: relative_path.to_owned(),
            len: relative_path.len(),
            max: MAX_PATH_LEN,
        });
    }
    Ok(())
}
