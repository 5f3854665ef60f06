//! The commit hook that makes a listener's port a precondition of storing it: every new port is
//! bound before the command that introduces it is committed, so "address in use" is an API
//! error and never a half-created listener.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use model::{ModelError, ResourceKind, Snapshot};
use proxy::Proxy;
use state::CommitHook;

/// Binds new listener ports through the proxy before a commit.
pub struct ListenerPorts {
    /// The data plane that will serve them.
    pub proxy: Arc<Proxy>,
    /// Its listen address, for messages.
    pub listen_addr: IpAddr,
}

fn ports(s: &Snapshot) -> HashMap<u16, Vec<(String, String)>> {
    let mut out: HashMap<u16, Vec<(String, String)>> = HashMap::new();
    for (region, r) in &s.regions {
        for l in r.listeners.values() {
            out.entry(l.port).or_default().push((region.clone(), l.arn.clone()));
        }
    }
    out
}

impl CommitHook for ListenerPorts {
    fn before_commit(&self, current: &Snapshot, next: &Snapshot) -> Result<(), ModelError> {
        let before: BTreeSet<u16> = ports(current).into_keys().collect();
        for (port, users) in ports(next) {
            if users.len() > 1 {
                return Err(ModelError::Duplicate {
                    kind: ResourceKind::Listener,
                    message: format!(
                        "Port {port} is already used by listener '{}' (region {}): one elbow node serves every listener on {}, so listener ports must differ",
                        users[0].1, users[0].0, self.listen_addr
                    ),
                });
            }
            if !before.contains(&port) {
                self.proxy.prebind(port).map_err(|e| ModelError::InvalidConfiguration(format!("Listener port {port} cannot be bound on {}: {e}", self.listen_addr)))?;
            }
        }
        Ok(())
    }
}
