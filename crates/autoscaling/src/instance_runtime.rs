//! EC2 instances brought to life: each stored instance in `pending` is launched as a local
//! process group by the `instances` supervisor and reported `running`; `shutting-down` and
//! `stopping` instances are stopped and reported `terminated` / `stopped`; a running instance
//! whose processes died (killed from outside, or lost while elbow was down) is reported
//! `terminated` with EC2's reason `Server.InternalError`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use model::instance::{Instance, InstanceState, StateReason};
use model::{Command, Ec2Command};
use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

/// How long a stopping instance's processes get between SIGTERM and SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// How often running instances are checked for dead process groups.
const LIVENESS_EVERY: Duration = Duration::from_secs(2);

/// Keeps instance processes in line with the stored instances until `shutdown`.
pub async fn run(state: state::State, supervisor: Arc<instances::Supervisor>, account_id: String, shutdown: CancellationToken) {
    let adopted = supervisor.adopt();
    if !adopted.is_empty() {
        tracing::info!(alive = adopted.iter().filter(|(_, a)| *a).count(), lost = adopted.iter().filter(|(_, a)| !*a).count(), "instances adopted after start");
    }
    let busy: Arc<Mutex<HashSet<String>>> = Arc::new(Mutex::new(HashSet::new()));
    let mut rx = state.watch();
    loop {
        let snap = rx.borrow_and_update().clone();
        for (region, r) in &snap.regions {
            for inst in r.ec2.instances.values() {
                transition(&state, &supervisor, &busy, region, &account_id, inst);
            }
        }
        tokio::select! {
            r = rx.changed() => if r.is_err() { return },
            _ = tokio::time::sleep(LIVENESS_EVERY) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

fn transition(state: &state::State, supervisor: &Arc<instances::Supervisor>, busy: &Arc<Mutex<HashSet<String>>>, region: &str, account_id: &str, inst: &Instance) {
    let want = match inst.state {
        InstanceState::Pending => Some(Step::Launch),
        InstanceState::Running if !supervisor.is_alive(&inst.id) => Some(Step::ReportLost),
        InstanceState::ShuttingDown => Some(Step::Terminate),
        InstanceState::Stopping => Some(Step::Stop),
        _ => None,
    };
    let Some(step) = want else { return };
    if !busy.lock().insert(inst.id.clone()) {
        return;
    }
    let (state, supervisor, busy, region, account_id, inst) = (state.clone(), supervisor.clone(), busy.clone(), region.to_string(), account_id.to_string(), inst.clone());
    tokio::spawn(async move {
        let (next, reason) = match step {
            Step::Launch => match supervisor.launch(instances::LaunchSpec { seed_dir: image_disk(&supervisor, &inst.image_id), ..launch_spec(&region, &account_id, &inst) }).await {
                Ok(()) => (InstanceState::Running, None),
                Err(e) => {
                    tracing::error!(instance = %inst.id, error = %e, "instance launch failed");
                    (InstanceState::Terminated, Some(StateReason::new("Server.InternalError", &format!("Server.InternalError: the instance could not be started: {e}"))))
                }
            },
            Step::ReportLost => (InstanceState::Terminated, Some(StateReason::new("Server.InternalError", "Server.InternalError: the instance's processes ended"))),
            Step::Terminate => {
                if let Err(e) = supervisor.terminate(&inst.id, STOP_GRACE).await {
                    tracing::warn!(instance = %inst.id, error = %e, "terminating the instance's processes");
                }
                (InstanceState::Terminated, Some(StateReason::user_shutdown()))
            }
            Step::Stop => {
                if let Err(e) = supervisor.stop(&inst.id, STOP_GRACE).await {
                    tracing::warn!(instance = %inst.id, error = %e, "stopping the instance's processes");
                }
                (InstanceState::Stopped, Some(StateReason::user_shutdown()))
            }
        };
        let cmd = Command::Ec2 { region: region.clone(), op: Ec2Command::SetInstanceState { id: inst.id.clone(), state: next, reason, now: crate::now_millis() } };
        match state.submit(cmd).await {
            Ok(_) => tracing::info!(instance = %inst.id, state = ?next, "instance state"),
            Err(e) => tracing::warn!(instance = %inst.id, error = %e, "instance state not stored"),
        }
        busy.lock().remove(&inst.id);
    });
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Launch,
    ReportLost,
    Terminate,
    Stop,
}

fn launch_spec(region: &str, account_id: &str, inst: &Instance) -> instances::LaunchSpec {
    use base64::Engine;
    let user_data = inst.user_data.as_deref().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok());
    instances::LaunchSpec {
        instance_id: inst.id.clone(),
        private_ip: inst.private_ip,
        availability_zone: inst.availability_zone.clone(),
        instance_type: inst.instance_type.clone(),
        region: region.to_string(),
        image_id: inst.image_id.clone(),
        user_data,
        vcpus: instances::vcpus_of(&inst.instance_type),
        account_id: account_id.to_string(),
        tags: inst.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        seed_dir: None,
    }
}

/// The disk of an image made by `CreateImage`, if `image_id` is one (other images start empty).
fn image_disk(supervisor: &instances::Supervisor, image_id: &str) -> Option<std::path::PathBuf> {
    let dir = supervisor.image_dir(image_id);
    (!image_id.is_empty() && !image_id.contains('/') && dir.is_dir()).then_some(dir)
}
