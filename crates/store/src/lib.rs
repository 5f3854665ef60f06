//! # store — where committed configuration lives
//!
//! Control plane. [`ConfigStore`] is the one seam between elbow's state machine and durable
//! storage: load the latest [`Snapshot`], commit the next one (compare-and-swap on the
//! revision), and watch commits as they land. [`EmbeddedStore`] keeps everything in one redb
//! file for a single node; a clustered store (etcd) implements the same trait.
//!
//! Depends on `model` only; never on the data plane.

#![forbid(unsafe_code)]

mod embedded;
mod format;

use std::sync::Arc;

use model::Snapshot;
use tokio::sync::watch;

pub use embedded::EmbeddedStore;
pub use format::{FORMAT_VERSION, decode, encode};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer committed first: the stored revision is not `expected`.
    #[error("revision conflict: the store is at revision {actual}, the commit expected {expected}")]
    Conflict {
        /// The revision the commit was built on.
        expected: u64,
        /// The revision found in the store.
        actual: u64,
    },
    /// The data was written by a newer elbow, or is corrupt.
    #[error("stored configuration cannot be read: {0}")]
    Format(String),
    /// The storage backend failed (disk full, permissions, lock held by another process, …).
    #[error("storage failed: {0}")]
    Backend(String),
}

/// Durable storage of the configuration.
#[async_trait::async_trait]
pub trait ConfigStore: Send + Sync + 'static {
    /// The latest committed snapshot, or [`Snapshot::empty`] for a new store.
    async fn load(&self) -> Result<Snapshot, StoreError>;

    /// Durably stores `next`, which must be built on the stored revision (`next.revision - 1`).
    /// When this returns `Ok`, `next` survives a crash, and watchers see it.
    ///
    /// Errors: [`StoreError::Conflict`] if another writer committed first;
    /// [`StoreError::Backend`] if the write could not be made durable (nothing is stored then).
    async fn commit(&self, next: &Snapshot) -> Result<(), StoreError>;

    /// Committed snapshots, latest first seen on subscribe.
    fn watch(&self) -> watch::Receiver<Arc<Snapshot>>;
}
