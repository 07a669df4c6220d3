//! Group commit: many callers append through cloned [`Appender`]s, one committer thread turns
//! whatever has queued up into one journal record, syncs it once, and answers every caller
//! with receipts against the batch's checkpoint.
//!
//! Callers hash their own entries before queueing, so leaf hashing runs on all their threads
//! and the committer only builds the tree, signs and writes. A batch is whatever arrived
//! while the previous one was being synced, up to the batch limits: under light load each
//! append is its own batch (lowest latency), under heavy load batches grow (one sync for
//! thousands of entries).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread::JoinHandle;

use crate::checkpoint::{Checkpoint, SignedCheckpoint};
use crate::error::{AppendError, StorageError};
use crate::hash::{Hash, leaf_hash};
use crate::proof::InclusionProof;
use crate::receipt::Receipt;
use crate::storage::{Published, Shared, read_lock, write_lock};

type Reply = SyncSender<Result<Vec<Receipt>, AppendError>>;

/// One caller's entries, checked and hashed.
struct Request {
    entries: Vec<Vec<u8>>,
    leaves: Vec<Hash>,
    n_bytes: usize,
    reply: Reply,
}

enum Message {
    Append(Request),
    Stop,
}

/// A handle for appending to a [`Log`](crate::Log), cheap to clone, usable from any thread.
#[derive(Debug, Clone)]
pub struct Appender {
    shared: Arc<Shared>,
    queue: SyncSender<Message>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Append(request) => write!(f, "Append({} entries)", request.entries.len()),
            Self::Stop => f.write_str("Stop"),
        }
    }
}

impl Appender {
    /// Appends `entries` as a unit and returns one receipt per entry, in order, once they are
    /// durable. The entries may share a batch with other callers' entries.
    ///
    /// Refused without writing anything if the batch is empty or too large, or an entry is
    /// empty or too large; [`AppendError::Storage`] means the log failed and must be reopened.
    pub fn append(&self, entries: Vec<Vec<u8>>) -> Result<Vec<Receipt>, AppendError> {
        let options = &self.shared.options;
        if entries.is_empty() {
            return Err(AppendError::EmptyBatch);
        }
        if entries.len() > options.max_batch_entries {
            return Err(AppendError::BatchTooLarge {
                n_entries: entries.len(),
                max: options.max_batch_entries,
            });
        }
        let mut n_bytes = 0usize;
        for (position, entry) in entries.iter().enumerate() {
            if entry.is_empty() {
                return Err(AppendError::EmptyEntry { position });
            }
            if entry.len() > options.max_entry_len {
                return Err(AppendError::EntryTooLarge {
                    position,
                    len: entry.len(),
                    max: options.max_entry_len,
                });
            }
            n_bytes += entry.len();
        }
        if n_bytes > options.max_batch_bytes {
            return Err(AppendError::BatchBytesTooLarge {
                n_bytes,
                max: options.max_batch_bytes,
            });
        }
        if self.shared.poisoned.load(Ordering::Acquire) {
            return Err(StorageError::Poisoned.into());
        }
        let leaves = entries.iter().map(|entry| leaf_hash(entry)).collect();
        let (reply, answer) = sync_channel(1);
        let request = Request {
            entries,
            leaves,
            n_bytes,
            reply,
        };
        self.queue
            .send(Message::Append(request))
            .map_err(|_| AppendError::Closed)?;
        answer.recv().map_err(|_| AppendError::Closed)?
    }

    /// Appends one entry; see [`append`](Self::append).
    pub fn append_one(&self, entry: Vec<u8>) -> Result<Receipt, AppendError> {
        let mut receipts = self.append(vec![entry])?;
        receipts.pop().ok_or(AppendError::Closed)
    }
}

/// The committer thread and its queue.
#[derive(Debug)]
pub(crate) struct Committer {
    queue: SyncSender<Message>,
    thread: Option<JoinHandle<Result<(), StorageError>>>,
}

impl Committer {
    pub(crate) fn start(shared: Arc<Shared>) -> Self {
        let (queue, incoming) = sync_channel(shared.options.queue_len.max(1));
        let thread = std::thread::Builder::new()
            .name("tlog-committer".to_owned())
            .spawn(move || run(&shared, &incoming));
        Self {
            queue,
            thread: thread.ok(),
        }
    }

    pub(crate) fn appender(&self, shared: Arc<Shared>) -> Appender {
        Appender {
            shared,
            queue: self.queue.clone(),
        }
    }

    /// Stops after the queued appends; returns the committer's final error, if any.
    pub(crate) fn stop(&mut self) -> Result<(), StorageError> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let _ = self.queue.send(Message::Stop);
        thread.join().unwrap_or(Err(StorageError::Poisoned))
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        // Errors here were already reported to the appenders that caused them.
        let _ = self.stop();
    }
}

/// The committer's loop, with the tile syncer beside it.
///
/// Syncing the tile files can take tens of milliseconds; on its own thread it delays no
/// batch. The syncer records the sync point of the state published when it starts, whose
/// tile data the committer has already written.
fn run(shared: &Shared, incoming: &Receiver<Message>) -> Result<(), StorageError> {
    std::thread::scope(|scope| {
        let (sync_requests, sync_wanted) = sync_channel::<()>(1);
        scope.spawn(move || {
            while sync_wanted.recv().is_ok() {
                if sync_tiles(shared).is_err() {
                    shared.poisoned.store(true, Ordering::Release);
                }
            }
        });
        let result = commit_loop(shared, incoming, &sync_requests);
        drop(sync_requests);
        result
    })?;
    // The syncer has stopped: one final sync point, so the next open replays nothing.
    sync_tiles(shared)
}

/// Batch, commit, answer, until stopped.
fn commit_loop(
    shared: &Shared,
    incoming: &Receiver<Message>,
    sync_requests: &SyncSender<()>,
) -> Result<(), StorageError> {
    let options = &shared.options;
    let mut carried: Option<Request> = None;
    let mut since_sync = (0u64, 0u64);
    loop {
        let first = match carried.take() {
            Some(request) => request,
            None => match incoming.recv() {
                Ok(Message::Append(request)) => request,
                Ok(Message::Stop) | Err(_) => break,
            },
        };
        let mut batch = vec![first];
        let (mut n_entries, mut n_bytes) = (batch[0].entries.len(), batch[0].n_bytes);
        let mut stop = false;
        loop {
            match incoming.try_recv() {
                Ok(Message::Append(request)) => {
                    if n_entries + request.entries.len() > options.max_batch_entries
                        || n_bytes + request.n_bytes > options.max_batch_bytes
                    {
                        carried = Some(request);
                        break;
                    }
                    n_entries += request.entries.len();
                    n_bytes += request.n_bytes;
                    batch.push(request);
                }
                Ok(Message::Stop) => {
                    stop = true;
                    break;
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        match commit(shared, &batch) {
            Ok(()) => {
                since_sync.0 += n_entries as u64;
                since_sync.1 += 1;
                if since_sync.0 >= options.sync_tiles_every_entries
                    || since_sync.1 >= options.sync_tiles_every_batches
                {
                    // A sync already pending covers this state too.
                    let _ = sync_requests.try_send(());
                    since_sync = (0, 0);
                }
            }
            Err(error) => {
                shared.poisoned.store(true, Ordering::Release);
                let reason = error.to_string();
                for request in batch {
                    let _ =
                        request
                            .reply
                            .send(Err(AppendError::Storage(StorageError::WriteFailed {
                                reason: reason.clone(),
                            })));
                }
                refuse_all(incoming, carried.take());
                return Err(error);
            }
        }
        if stop {
            break;
        }
    }
    if let Some(request) = carried {
        let _ = request.reply.send(Err(AppendError::Closed));
    }
    Ok(())
}

/// Answers everything still queued with a storage error (the log is poisoned).
fn refuse_all(incoming: &Receiver<Message>, carried: Option<Request>) {
    let refuse = |request: Request| {
        let _ = request.reply.send(Err(StorageError::Poisoned.into()));
    };
    if let Some(request) = carried {
        refuse(request);
    }
    while let Ok(message) = incoming.try_recv() {
        if let Message::Append(request) = message {
            refuse(request);
        }
    }
}

/// Writes one batch durably, publishes its checkpoint, and answers its callers.
fn commit(shared: &Shared, batch: &[Request]) -> Result<(), StorageError> {
    let mut tree = write_lock(&shared.tree);
    let first_index = tree.size();
    for request in batch {
        for leaf in &request.leaves {
            tree.push(*leaf);
        }
    }
    let size = tree.size();
    let root = tree.root();
    drop(tree);

    let checkpoint = Checkpoint::new(shared.key.name(), size, root)
        .and_then(|checkpoint| SignedCheckpoint::sign(checkpoint, &shared.key))
        .map_err(|error| StorageError::Corrupt {
            path: shared.dir.clone(),
            offset: 0,
            reason: error.to_string(),
        })?;
    let entry_bytes = batch.iter().map(|request| request.n_bytes).sum();
    let n_entries = batch
        .iter()
        .map(|request| request.entries.len())
        .sum::<usize>();
    let entries = batch
        .iter()
        .flat_map(|request| request.entries.iter().map(Vec::as_slice));
    let record = crate::storage::journal::encode_record(
        first_index,
        ExactLen(entries, n_entries),
        entry_bytes,
        checkpoint.as_bytes(),
    );
    let offset = shared.append_journal(&record)?;

    let mut tree = write_lock(&shared.tree);
    tree.flush()?;
    tree.slide_window();
    drop(tree);
    let n_batches = {
        let mut batches = write_lock(&shared.batches);
        batches.push(first_index, offset)?;
        batches.len
    };
    let checkpoint = Arc::new(checkpoint);
    *write_lock(&shared.published) = Published {
        checkpoint: checkpoint.clone(),
        n_batches,
    };

    let tree = read_lock(&shared.tree);
    let mut index = first_index;
    for request in batch {
        let mut receipts = Vec::with_capacity(request.entries.len());
        for _ in &request.entries {
            let proof = InclusionProof::generate(&*tree, index, size)
                .map_err(crate::storage::prove_error)?;
            receipts.push(Receipt::new(proof, checkpoint.clone())?);
            index += 1;
        }
        // A caller that gave up waiting no longer needs its receipts; its entries stay.
        let _ = request.reply.send(Ok(receipts));
    }
    Ok(())
}

/// Syncs the tile files and batch index and records the sync point.
fn sync_tiles(shared: &Shared) -> Result<(), StorageError> {
    let published = shared.published();
    let size = published.checkpoint.checkpoint().size();
    let mut files = read_lock(&shared.tree).files();
    let batches = read_lock(&shared.batches);
    files.push((batches.path.clone(), batches.file.clone()));
    drop(batches);
    shared.write_sync_point(&files, size, published.n_batches)
}

/// An iterator with a known length (a flattened one does not know it).
struct ExactLen<I>(I, usize);

impl<I: Iterator> Iterator for ExactLen<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let item = self.0.next()?;
        self.1 = self.1.saturating_sub(1);
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.1, Some(self.1))
    }
}

impl<I: Iterator> ExactSizeIterator for ExactLen<I> {}
