//! The commit hook that makes a listener's port a precondition of storing it: every new port is
//! bound before the command that introduces it is committed, so "address in use" is an API
//! error and never a half-created listener. A port is bound with the socket types its listener's
//! protocol needs (TCP, UDP, or both for TCP_UDP), and bound again when a protocol change needs
//! a type the port did not have.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use model::{ModelError, Protocol, ResourceKind, Snapshot};
use proxy::Proxy;
use proxy::l4::Transports;
use state::CommitHook;

/// Binds new listener ports through the proxy before a commit.
pub struct ListenerPorts {
    /// The data plane that will serve them.
    pub proxy: Arc<Proxy>,
    /// Its listen address, for messages.
    pub listen_addr: IpAddr,
}

/// Every listener port of `s` with its users as (region, listener ARN, protocol), Classic Load
/// Balancers' listeners included.
fn ports(s: &Snapshot) -> HashMap<u16, Vec<(String, String, Protocol)>> {
    let mut out: HashMap<u16, Vec<(String, String, Protocol)>> = HashMap::new();
    for (region, r) in &s.regions {
        let r = model::classic::expand(r);
        for l in r.listeners.values() {
            out.entry(l.port).or_default().push((region.clone(), l.arn.clone(), l.protocol));
        }
    }
    out
}

impl CommitHook for ListenerPorts {
    fn before_commit(&self, current: &Snapshot, next: &Snapshot) -> Result<(), ModelError> {
        let before: HashMap<u16, Transports> = ports(current).into_iter().map(|(port, users)| (port, users.iter().fold(Transports::default(), |t, u| t.union(Transports::of(u.2))))).collect();
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
            let protocol = users[0].2;
            if Transports::of(protocol).exceeds(before.get(&port).copied().unwrap_or_default()) {
                self.proxy.prebind(port, protocol).map_err(|e| ModelError::InvalidConfiguration(format!("Listener port {port} cannot be bound on {}: {e}", self.listen_addr)))?;
            }
        }
        Ok(())
    }
}
