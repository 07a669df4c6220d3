//! The `files` serialization: every file of a model directory with its SHA-256, streamed and in parallel.

use std::cmp::Ordering;
use std::fs::{self, File};
use std::io::{self, Read};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering as AtomicOrdering};
use std::thread;

use sha2::{Digest, Sha256};

use super::error::HashError;

/// Paths the tool leaves out by default, relative to the model directory (only at its top).
pub const GIT_PATHS: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// Bytes read from a file at a time: large enough that system calls cost nothing next to SHA-256.
const READ_BUFFER_BYTES: usize = 1 << 20;

/// How a model directory is turned into a list of files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashOptions {
    /// Hash symbolic links to files as their target's content, under the link's path. Links to
    /// directories are skipped, as the tool does. When false, any symbolic link is an error.
    pub allow_symlinks: bool,
    /// Paths relative to the model directory (POSIX separators) to leave out, with everything
    /// under them; for example the bundle's own file when it is written inside the directory.
    pub ignore_paths: Vec<String>,
    /// Leave out [`GIT_PATHS`] at the top of the directory (the tool's default).
    pub ignore_git_paths: bool,
}

impl Default for HashOptions {
    fn default() -> Self {
        Self {
            allow_symlinks: false,
            ignore_paths: Vec::new(),
            ignore_git_paths: true,
        }
    }
}

/// One file of a model and its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileDigest {
    /// The path relative to the model directory, with `/` separators.
    pub path: String,
    /// SHA-256 of the file's content.
    pub sha256: [u8; 32],
}

/// The files of a model and the serialization parameters they were hashed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The model's name: the basename of its directory (informative only; verification ignores it).
    pub model_name: String,
    /// Whether symbolic links to files were hashed.
    pub allow_symlinks: bool,
    /// The ignored paths recorded in the signature, relative to the model directory.
    pub ignore_paths: Vec<String>,
    /// The files, in resource order: sorted by path components when hashed here.
    pub files: Vec<FileDigest>,
}

impl Manifest {
    /// The in-toto subject digest: SHA-256 over the raw file digests concatenated in order.
    pub fn subject_digest(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        for file in &self.files {
            hasher.update(file.sha256);
        }
        hasher.finalize().into()
    }
}

/// Hashes every file of the model directory `dir` as the `files` serialization.
///
/// Files are read in 1 MiB pieces (a weight file is never loaded whole) by one thread per core.
/// The manifest lists them sorted by path components, as the tool does (`a/b` before `a-b`).
pub fn hash_directory(dir: &Path, options: &HashOptions) -> Result<Manifest, HashError> {
    let ignore_paths = recorded_ignore_paths(options)?;
    let files = list_files(dir, options.allow_symlinks, &ignore_paths)?;
    let paths: Vec<PathBuf> = files.iter().map(|file| dir.join(&file.path)).collect();
    let digests = hash_files(&paths)?;
    let files = files
        .into_iter()
        .zip(digests)
        .map(|(file, (sha256, _n_bytes))| FileDigest {
            path: file.path,
            sha256,
        })
        .collect();
    Ok(Manifest {
        model_name: model_name(dir),
        allow_symlinks: options.allow_symlinks,
        ignore_paths,
        files,
    })
}

/// The ignore paths a signature records: the caller's (normalized) and the git paths, sorted.
pub(crate) fn recorded_ignore_paths(options: &HashOptions) -> Result<Vec<String>, HashError> {
    let mut ignore_paths = Vec::with_capacity(options.ignore_paths.len() + GIT_PATHS.len());
    for path in &options.ignore_paths {
        let Some(normalized) = normalize_ignore_path(path) else {
            return Err(HashError::InvalidIgnorePath { path: path.clone() });
        };
        ignore_paths.push(normalized);
    }
    if options.ignore_git_paths {
        ignore_paths.extend(GIT_PATHS.iter().map(|path| path.to_string()));
    }
    ignore_paths.sort();
    ignore_paths.dedup();
    Ok(ignore_paths)
}

/// Normalizes a relative ignore path as Python's `PurePosixPath` does (`a//b/./c/` is `a/b/c`).
///
/// Returns `None` for a path that would cover the whole model (empty, `.`), is absolute or
/// climbs out with `..`: the tool silently drops or mishandles those, and a signature that
/// ignores everything would verify any directory.
pub(crate) fn normalize_ignore_path(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let components: Vec<&str> = path
        .split('/')
        .filter(|component| !component.is_empty() && *component != ".")
        .collect();
    if components.is_empty() || components.contains(&"..") {
        return None;
    }
    Some(components.join("/"))
}

/// Normalizes a resource name as Python's `PurePosixPath` does, so names compare as the tool compares them.
pub(crate) fn normalize_resource_name(name: &str) -> String {
    let components: Vec<&str> = name
        .split('/')
        .filter(|component| !component.is_empty() && *component != ".")
        .collect();
    let joined = components.join("/");
    if name.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Orders paths by their components, as Python orders `PurePosixPath`s.
pub(crate) fn compare_paths(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// A file found in the model directory.
#[derive(Debug)]
pub(crate) struct ListedFile {
    /// The path relative to the model directory, with `/` separators.
    pub(crate) path: String,
}

/// Lists the regular files under `dir` (and links to files, if allowed), sorted by path components.
///
/// Ignored subtrees are not entered at all, so a large `.git` costs nothing.
pub(crate) fn list_files(
    dir: &Path,
    allow_symlinks: bool,
    ignore_paths: &[String],
) -> Result<Vec<ListedFile>, HashError> {
    let root_metadata = fs::symlink_metadata(dir).map_err(|source| HashError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if root_metadata.file_type().is_symlink() && !allow_symlinks {
        return Err(HashError::Symlink {
            path: dir.to_path_buf(),
        });
    }
    let root_metadata = fs::metadata(dir).map_err(|source| HashError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if !root_metadata.is_dir() {
        return Err(HashError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }

    let ignored: Vec<Vec<&str>> = ignore_paths
        .iter()
        .map(|path| path.split('/').collect())
        .collect();
    let mut files = Vec::new();
    // Directories still to read: their absolute path and their components relative to `dir`.
    let mut pending: Vec<(PathBuf, Vec<String>)> = vec![(dir.to_path_buf(), Vec::new())];
    while let Some((directory, components)) = pending.pop() {
        let entries = fs::read_dir(&directory).map_err(|source| HashError::Io {
            path: directory.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| HashError::Io {
                path: directory.clone(),
                source,
            })?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(HashError::NonUtf8Path { path });
            };
            let mut entry_components = components.clone();
            entry_components.push(name);
            let is_ignored = ignored.iter().any(|ignore| {
                entry_components.len() >= ignore.len()
                    && entry_components.iter().zip(ignore).all(|(a, b)| a == b)
            });
            if is_ignored {
                continue;
            }
            let file_type = entry.file_type().map_err(|source| HashError::Io {
                path: path.clone(),
                source,
            })?;
            if file_type.is_dir() {
                pending.push((path, entry_components));
            } else if file_type.is_file() {
                files.push(ListedFile {
                    path: entry_components.join("/"),
                });
            } else if file_type.is_symlink() {
                if !allow_symlinks {
                    return Err(HashError::Symlink { path });
                }
                // The tool hashes a link to a file as the file and, because its recursive glob
                // does not follow links to directories, skips a link to a directory.
                let target = fs::metadata(&path).map_err(|source| HashError::Io {
                    path: path.clone(),
                    source,
                })?;
                if target.is_file() {
                    files.push(ListedFile {
                        path: entry_components.join("/"),
                    });
                } else if !target.is_dir() {
                    return Err(HashError::SpecialFile { path });
                }
            } else {
                return Err(HashError::SpecialFile { path });
            }
        }
    }
    files.sort_by(|a, b| compare_paths(&a.path, &b.path));
    Ok(files)
}

/// A file's SHA-256 and its length in bytes.
pub(crate) type FileHash = ([u8; 32], u64);

/// Hashes files in parallel, one thread per core, and returns `(sha256, n_bytes)` in input order.
///
/// On errors, returns the one of the earliest file in input order among those read.
pub(crate) fn hash_files(paths: &[PathBuf]) -> Result<Vec<FileHash>, HashError> {
    let n_threads = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(paths.len())
        .max(1);
    let next_idx = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let worker = || {
        let mut buffer = vec![0u8; READ_BUFFER_BYTES];
        let mut results = Vec::new();
        loop {
            if failed.load(AtomicOrdering::Relaxed) {
                break;
            }
            let file_idx = next_idx.fetch_add(1, AtomicOrdering::Relaxed);
            let Some(path) = paths.get(file_idx) else {
                break;
            };
            let result = hash_file(path, &mut buffer).map_err(|source| HashError::Io {
                path: path.clone(),
                source,
            });
            if result.is_err() {
                failed.store(true, AtomicOrdering::Relaxed);
            }
            results.push((file_idx, result));
        }
        results
    };

    let per_thread: Vec<Vec<(usize, Result<FileHash, HashError>)>> = if n_threads == 1 {
        vec![worker()]
    } else {
        thread::scope(|scope| {
            let handles: Vec<_> = (0..n_threads).map(|_| scope.spawn(worker)).collect();
            handles
                .into_iter()
                .map(|handle| match handle.join() {
                    Ok(results) => results,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };

    let mut digests: Vec<Option<FileHash>> = vec![None; paths.len()];
    let mut first_error: Option<(usize, HashError)> = None;
    for (file_idx, result) in per_thread.into_iter().flatten() {
        match result {
            Ok(digest) => digests[file_idx] = Some(digest),
            Err(error) => {
                if first_error.as_ref().is_none_or(|(idx, _)| file_idx < *idx) {
                    first_error = Some((file_idx, error));
                }
            }
        }
    }
    if let Some((_, error)) = first_error {
        return Err(error);
    }
    Ok(digests
        .into_iter()
        .map(|digest| digest.expect("without an error, every file was hashed by some worker"))
        .collect())
}

/// Streams one file through SHA-256 with the caller's buffer.
fn hash_file(path: &Path, buffer: &mut [u8]) -> io::Result<FileHash> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut n_bytes = 0u64;
    loop {
        let n_read = match file.read(buffer) {
            Ok(0) => break,
            Ok(n_read) => n_read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..n_read]);
        n_bytes += n_read as u64;
    }
    Ok((hasher.finalize().into(), n_bytes))
}

/// The model's name as the tool takes it: the directory's last component, or that of its
/// canonical path for `.`, `..` and the like.
pub(crate) fn model_name(dir: &Path) -> String {
    if let Some(name) = dir.file_name() {
        return name.to_string_lossy().into_owned();
    }
    fs::canonicalize(dir)
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, path: &str, content: &[u8]) {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn paths(manifest: &Manifest) -> Vec<&str> {
        manifest
            .files
            .iter()
            .map(|file| file.path.as_str())
            .collect()
    }

    #[test]
    fn test_files_sorted_by_components_and_git_paths_ignored_at_top_only() {
        let dir = tempfile::tempdir().unwrap();
        for path in [
            "a-b",
            "a/b",
            "a.c",
            "b",
            ".git/HEAD",
            ".gitignore",
            "sub/.git/x",
            ".hidden",
        ] {
            write(dir.path(), path, path.as_bytes());
        }
        let manifest = hash_directory(dir.path(), &HashOptions::default()).unwrap();
        assert_eq!(
            paths(&manifest),
            [".hidden", "a/b", "a-b", "a.c", "b", "sub/.git/x"]
        );
        assert_eq!(
            manifest.ignore_paths,
            [".git", ".gitattributes", ".github", ".gitignore"]
        );
        assert_eq!(
            manifest.files[1].sha256,
            <[u8; 32]>::from(Sha256::digest(b"a/b"))
        );
    }

    #[test]
    fn test_empty_file_and_large_file_hash_like_sha256() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "empty", b"");
        // Spans several read buffers and ends in a partial one.
        let large: Vec<u8> = (0..(READ_BUFFER_BYTES * 2 + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
        write(dir.path(), "large.bin", &large);
        let manifest = hash_directory(dir.path(), &HashOptions::default()).unwrap();
        assert_eq!(
            hex::encode(manifest.files[0].sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            manifest.files[1].sha256,
            <[u8; 32]>::from(Sha256::digest(&large))
        );
    }

    #[test]
    fn test_many_files_hash_in_parallel_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..200 {
            write(
                dir.path(),
                &format!("d{}/f{i:03}", i % 7),
                format!("{i}").as_bytes(),
            );
        }
        let manifest = hash_directory(dir.path(), &HashOptions::default()).unwrap();
        assert_eq!(manifest.files.len(), 200);
        for file in &manifest.files {
            let i: usize = file.path.rsplit_once("/f").unwrap().1.parse().unwrap();
            assert_eq!(
                file.sha256,
                <[u8; 32]>::from(Sha256::digest(format!("{i}").as_bytes()))
            );
        }
        assert!(
            manifest
                .files
                .windows(2)
                .all(|w| compare_paths(&w[0].path, &w[1].path).is_lt())
        );
    }

    #[test]
    fn test_ignore_paths_cover_subtrees_and_are_recorded_normalized() {
        let dir = tempfile::tempdir().unwrap();
        for path in ["keep", "skip/a", "skip/b/c", "skipper", "model.sig"] {
            write(dir.path(), path, b"x");
        }
        let options = HashOptions {
            ignore_paths: vec!["skip/".to_owned(), "./model.sig".to_owned()],
            ..HashOptions::default()
        };
        let manifest = hash_directory(dir.path(), &options).unwrap();
        assert_eq!(paths(&manifest), ["keep", "skipper"]);
        assert!(manifest.ignore_paths.contains(&"skip".to_owned()));
        assert!(manifest.ignore_paths.contains(&"model.sig".to_owned()));
    }

    #[test]
    fn test_ignore_paths_covering_everything_or_escaping_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["", ".", "./", "/etc", "../x", "a/../../b"] {
            let options = HashOptions {
                ignore_paths: vec![bad.to_owned()],
                ..HashOptions::default()
            };
            let result = hash_directory(dir.path(), &options);
            assert!(
                matches!(result, Err(HashError::InvalidIgnorePath { ref path }) if path == bad),
                "{bad:?}: {result:?}"
            );
        }
    }

    #[test]
    fn test_git_paths_hashed_when_not_ignored() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".git/HEAD", b"g");
        let options = HashOptions {
            ignore_git_paths: false,
            ..HashOptions::default()
        };
        let manifest = hash_directory(dir.path(), &options).unwrap();
        assert_eq!(paths(&manifest), [".git/HEAD"]);
        assert!(manifest.ignore_paths.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn test_symlinks_refused_unless_allowed_then_links_to_directories_skipped() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "real/f", b"r");
        write(dir.path(), "target", b"t");
        std::os::unix::fs::symlink("target", dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("linkdir")).unwrap();

        let refused = hash_directory(dir.path(), &HashOptions::default());
        assert!(
            matches!(refused, Err(HashError::Symlink { .. })),
            "{refused:?}"
        );

        let options = HashOptions {
            allow_symlinks: true,
            ..HashOptions::default()
        };
        let manifest = hash_directory(dir.path(), &options).unwrap();
        assert_eq!(paths(&manifest), ["link", "real/f", "target"]);
        assert_eq!(manifest.files[0].sha256, manifest.files[2].sha256);
        assert!(manifest.allow_symlinks);
    }

    #[cfg(unix)]
    #[test]
    fn test_broken_symlink_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("nowhere", dir.path().join("broken")).unwrap();
        let options = HashOptions {
            allow_symlinks: true,
            ..HashOptions::default()
        };
        let result = hash_directory(dir.path(), &options);
        assert!(
            matches!(result, Err(HashError::Io { ref path, .. }) if path.ends_with("broken")),
            "{result:?}"
        );
    }

    #[test]
    fn test_not_a_directory_and_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "file", b"x");
        let result = hash_directory(&dir.path().join("file"), &HashOptions::default());
        assert!(
            matches!(result, Err(HashError::NotADirectory { .. })),
            "{result:?}"
        );
        let result = hash_directory(&dir.path().join("missing"), &HashOptions::default());
        assert!(matches!(result, Err(HashError::Io { .. })), "{result:?}");
    }

    #[test]
    fn test_model_name_is_the_basename() {
        assert_eq!(model_name(Path::new("/x/models/bert/")), "bert");
        let dir = tempfile::tempdir().unwrap();
        let expected = dir.path().file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(model_name(&dir.path().join(".")), expected);
    }

    #[test]
    fn test_resource_names_normalize_like_pure_posix_path() {
        assert_eq!(normalize_resource_name("a//b/./c/"), "a/b/c");
        assert_eq!(normalize_resource_name("./a"), "a");
        assert_eq!(normalize_resource_name("/abs/x"), "/abs/x");
        assert_eq!(normalize_resource_name("a/../b"), "a/../b");
    }
}
