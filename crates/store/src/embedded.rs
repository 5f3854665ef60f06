//! The embedded single-node store: one redb file holding the latest snapshot. redb commits are
//! atomic and, with `Durability::Immediate`, on disk when `commit` returns.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use model::Snapshot;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::watch;

use crate::{ConfigStore, StoreError, decode, encode};

const CONFIG: TableDefinition<&str, &[u8]> = TableDefinition::new("config");
const SNAPSHOT_KEY: &str = "snapshot";
/// The snapshot's revision as 8 little-endian bytes, so a commit's conflict check reads 8 bytes
/// instead of decoding the whole snapshot (files written before it existed lack it).
const REVISION_KEY: &str = "revision";

/// The configuration in `<data-dir>/elbow.redb`.
pub struct EmbeddedStore {
    db: Arc<Database>,
    path: PathBuf,
    tx: watch::Sender<Arc<Snapshot>>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl EmbeddedStore {
    /// The file name inside the data directory.
    pub const FILE_NAME: &'static str = "elbow.redb";

    /// Opens (creating if needed) the store in `data_dir`, and reads the latest snapshot.
    ///
    /// Errors: [`StoreError::Backend`] if the directory cannot be created, the file is locked by
    /// another elbow, or is not a redb file; [`StoreError::Format`] if its content is unreadable.
    pub fn open(data_dir: &Path) -> Result<EmbeddedStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Backend(format!("cannot create data dir {}: {e}", data_dir.display())))?;
        let path = data_dir.join(Self::FILE_NAME);
        let db = Database::create(&path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => {
                StoreError::Backend(format!("{} is already open in another elbow process", path.display()))
            }
            other => StoreError::Backend(format!("cannot open {}: {other}", path.display())),
        })?;
        let current = read_snapshot(&db)?;
        let (tx, _) = watch::channel(Arc::new(current));
        Ok(EmbeddedStore { db: Arc::new(db), path, tx })
    }

    /// The store file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn read_snapshot(db: &Database) -> Result<Snapshot, StoreError> {
    let rtx = db.begin_read().map_err(backend)?;
    let table = match rtx.open_table(CONFIG) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Snapshot::empty()),
        Err(e) => return Err(backend(e)),
    };
    match table.get(SNAPSHOT_KEY).map_err(backend)? {
        Some(v) => decode(v.value()),
        None => Ok(Snapshot::empty()),
    }
}

#[async_trait::async_trait]
impl ConfigStore for EmbeddedStore {
    async fn load(&self) -> Result<Snapshot, StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || read_snapshot(&db)).await.map_err(backend)?
    }

    async fn commit(&self, next: &Snapshot) -> Result<(), StoreError> {
        let db = self.db.clone();
        let bytes = encode(next);
        let expected = next.revision.saturating_sub(1);
        let next_revision = next.revision;
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let wtx = db.begin_write().map_err(backend)?;
            {
                let mut table = wtx.open_table(CONFIG).map_err(backend)?;
                let actual = match table.get(REVISION_KEY).map_err(backend)? {
                    Some(v) => v.value().try_into().map(u64::from_le_bytes).map_err(|_| StoreError::Format("the stored revision is not 8 bytes".into()))?,
                    None => match table.get(SNAPSHOT_KEY).map_err(backend)? {
                        Some(v) => decode(v.value())?.revision,
                        None => 0,
                    },
                };
                if actual != expected {
                    return Err(StoreError::Conflict { expected, actual });
                }
                table.insert(SNAPSHOT_KEY, bytes.as_slice()).map_err(backend)?;
                table.insert(REVISION_KEY, next_revision.to_le_bytes().as_slice()).map_err(backend)?;
            }
            wtx.commit().map_err(backend)
        })
        .await
        .map_err(backend)??;
        self.tx.send_replace(Arc::new(next.clone()));
        Ok(())
    }

    fn watch(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::command::Command;

    #[tokio::test]
    async fn commits_survive_reopen_and_conflicts_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = EmbeddedStore::open(dir.path()).unwrap();
        let empty = s.load().await.unwrap();
        assert_eq!(empty.revision, 0);
        let next = empty.apply(&Command::ExpireDrainingTargets { now: 1 }).unwrap();
        s.commit(&next).await.unwrap();
        assert_eq!(s.watch().borrow().revision, 1);
        // A commit built on revision 0 again must conflict.
        let stale = empty.apply(&Command::ExpireDrainingTargets { now: 2 }).unwrap();
        assert!(matches!(s.commit(&stale).await, Err(StoreError::Conflict { expected: 0, actual: 1 })));
        drop(s);
        let s = EmbeddedStore::open(dir.path()).unwrap();
        assert_eq!(s.load().await.unwrap(), next);
    }

    #[test]
    fn a_second_process_cannot_open_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let _a = EmbeddedStore::open(dir.path()).unwrap();
        let e = EmbeddedStore::open(dir.path()).err().unwrap();
        assert!(e.to_string().contains("already open"), "{e}");
    }

    #[test]
    fn newer_formats_are_refused() {
        let e = decode(br#"{"format": 99, "snapshot": {}}"#).unwrap_err();
        assert!(e.to_string().contains("newer elbow"), "{e}");
    }
}
