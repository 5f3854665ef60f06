//! # state — the single writer
//!
//! Control plane. Every change goes through [`State::submit`]: one task applies the command to
//! the current snapshot ([`model::Snapshot::apply`]), lets a [`CommitHook`] veto it (the binary
//! uses this to bind a new listener's port before the change is stored), commits it through the
//! [`ConfigStore`], and answers once the store's watch publishes the new revision, so a client
//! reads its own writes. The same task expires draining targets when their deregistration delay
//! ends.
//!
//! Depends on `model` and `store`; never on the data plane.

#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use model::{Command, Millis, ModelError, Snapshot};
use store::{ConfigStore, StoreError};
use tokio::sync::{mpsc, oneshot, watch};

/// Checks a change before it is committed; an error refuses the command and nothing is stored.
pub trait CommitHook: Send + Sync + 'static {
    /// Called with the committed snapshot and the one about to be committed.
    fn before_commit(&self, current: &Snapshot, next: &Snapshot) -> Result<(), ModelError>;
}

/// Why [`State::submit`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The command is not valid against the current state; nothing changed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The store could not commit; nothing changed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The writer has stopped (the node is shutting down).
    #[error("the configuration writer has stopped")]
    Stopped,
}

struct Request {
    command: Command,
    reply: oneshot::Sender<Result<Arc<Snapshot>, SubmitError>>,
}

/// Handle to the writer; cheap to clone.
#[derive(Clone)]
pub struct State {
    tx: mpsc::Sender<Request>,
    watch: watch::Receiver<Arc<Snapshot>>,
}

/// Milliseconds since the Unix epoch now.
pub fn now_millis() -> Millis {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or(0)
}

impl State {
    /// Loads the stored snapshot and starts the writer task.
    ///
    /// Errors: the store's, if the snapshot cannot be loaded.
    pub async fn start(store: Arc<dyn ConfigStore>, hook: Option<Arc<dyn CommitHook>>) -> Result<State, StoreError> {
        let current = Arc::new(store.load().await?);
        let watch = store.watch();
        let (tx, rx) = mpsc::channel(256);
        tokio::spawn(writer(store, hook, current, rx, watch.clone()));
        Ok(State { tx, watch })
    }

    /// Applies, commits and publishes `command`. Returns the committed snapshot that contains it.
    ///
    /// Errors: [`SubmitError::Model`] for a semantic error (nothing changed),
    /// [`SubmitError::Store`] if the commit failed, [`SubmitError::Stopped`] after shutdown.
    pub async fn submit(&self, command: Command) -> Result<Arc<Snapshot>, SubmitError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Request { command, reply }).await.map_err(|_| SubmitError::Stopped)?;
        rx.await.map_err(|_| SubmitError::Stopped)?
    }

    /// The latest committed snapshot.
    pub fn current(&self) -> Arc<Snapshot> {
        self.watch.borrow().clone()
    }

    /// Committed snapshots as they are published.
    pub fn watch(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.watch.clone()
    }
}

async fn commit(
    store: &Arc<dyn ConfigStore>,
    hook: &Option<Arc<dyn CommitHook>>,
    current: &mut Arc<Snapshot>,
    command: &Command,
    watch: &mut watch::Receiver<Arc<Snapshot>>,
) -> Result<Arc<Snapshot>, SubmitError> {
    for _attempt in 0..3 {
        let next = current.apply(command)?;
        if let Some(h) = hook {
            h.before_commit(current, &next)?;
        }
        match store.commit(&next).await {
            Ok(()) => {
                let rev = next.revision;
                // Answer from the store's own publication so that every backend takes this path.
                let published = watch.wait_for(|s| s.revision >= rev).await.map_err(|_| SubmitError::Stopped)?.clone();
                *current = published.clone();
                return Ok(published);
            }
            Err(StoreError::Conflict { .. }) => {
                // Another node committed first: rebase on what the store holds and try again.
                *current = Arc::new(store.load().await?);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Backend("too many concurrent writers; try again".into()).into())
}

async fn writer(
    store: Arc<dyn ConfigStore>,
    hook: Option<Arc<dyn CommitHook>>,
    mut current: Arc<Snapshot>,
    mut rx: mpsc::Receiver<Request>,
    mut watch: watch::Receiver<Arc<Snapshot>>,
) {
    loop {
        // Snapshots committed by other nodes (clustered stores) become the base of the next command.
        if watch.borrow().revision > current.revision {
            current = watch.borrow().clone();
        }
        let expiry = current.next_drain_deadline().map(|at| Duration::from_millis(at.saturating_sub(now_millis())));
        let req = tokio::select! {
            r = rx.recv() => match r { Some(r) => Some(r), None => return },
            _ = async { match expiry { Some(d) => tokio::time::sleep(d).await, None => std::future::pending().await } } => None,
        };
        match req {
            Some(Request { command, reply }) => {
                let result = commit(&store, &hook, &mut current, &command, &mut watch).await;
                if let Err(e) = &result {
                    tracing::debug!(error = %e, "command refused");
                }
                let _ = reply.send(result);
            }
            None => {
                let cmd = Command::ExpireDrainingTargets { now: now_millis() };
                match commit(&store, &hook, &mut current, &cmd, &mut watch).await {
                    Ok(s) => tracing::info!(revision = s.revision, "deregistration delay ended for draining targets"),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not expire draining targets; retrying in 1 s");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::command::{CreateTargetGroup, Elbv2Command, HealthCheckInput, TargetInput};
    use model::{Protocol, TargetType};

    fn create_tg(vpc: &str) -> Command {
        Command::Elbv2 {
            region: "us-east-1".into(),
            op: Elbv2Command::CreateTargetGroup(CreateTargetGroup {
                arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef".into(),
                id: "0123456789abcdef".into(),
                name: "tg".into(),
                protocol: Some(Protocol::Http),
                protocol_version: None,
                port: Some(80),
                vpc_id: Some(vpc.into()),
                target_type: Some(TargetType::Ip),
                ip_address_type: None,
                health_check: HealthCheckInput::default(),
                tags: vec![],
                now: 0,
            }),
        }
    }

    #[tokio::test]
    async fn submit_commits_and_expires_draining_targets() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn ConfigStore> = Arc::new(store::EmbeddedStore::open(dir.path()).unwrap());
        let state = State::start(store, None).await.unwrap();
        let vpc = state.current().region("us-east-1").ec2.default_vpc().unwrap().id.clone();
        let s = state.submit(create_tg(&vpc)).await.unwrap();
        assert_eq!(s.revision, 1);
        let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef".to_string();
        let region = "us-east-1".to_string();
        let target = vec![TargetInput { id: "127.0.0.2".into(), port: None, availability_zone: None }];
        state
            .submit(Command::Elbv2 { region: region.clone(), op: Elbv2Command::ModifyTargetGroupAttributes { arn: tg.clone(), attributes: vec![("deregistration_delay.timeout_seconds".into(), "1".into())] } })
            .await
            .unwrap();
        state.submit(Command::Elbv2 { region: region.clone(), op: Elbv2Command::RegisterTargets { target_group_arn: tg.clone(), targets: target.clone(), now: now_millis() } }).await.unwrap();
        let s = state.submit(Command::Elbv2 { region: region.clone(), op: Elbv2Command::DeregisterTargets { target_group_arn: tg.clone(), targets: target, now: now_millis() } }).await.unwrap();
        assert!(s.regions[&region].target_groups[&tg].targets[0].draining.is_some());
        let mut w = state.watch();
        let done = tokio::time::timeout(Duration::from_secs(5), w.wait_for(|s| s.regions[&region].target_groups[&tg].targets.is_empty())).await;
        assert!(done.is_ok(), "the draining target was not expired after its 1 s delay");
    }

    #[tokio::test]
    async fn a_refused_command_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn ConfigStore> = Arc::new(store::EmbeddedStore::open(dir.path()).unwrap());
        let state = State::start(store, None).await.unwrap();
        let e = state.submit(create_tg("vpc-nope")).await.unwrap_err();
        assert!(matches!(e, SubmitError::Model(_)), "{e}");
        assert_eq!(state.current().revision, 0);
    }
}
