//! ACM managed renewal of the certificates `RequestCertificate` issued: once an hour (and at
//! start), every `AMAZON_ISSUED` certificate that expires within the renewal window (60 days by
//! default, as ACM's "Managed renewal") gets new material from the local certificate authority
//! under the same ARN. Listeners using it serve the renewed certificate from the next
//! handshake. Runs on every node; a renewal decided on material another node already replaced
//! is dropped by the model.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use model::certificate::{AcmCertificateType, StoredCertificate};
use model::command::AcmCommand;
use model::{Command, Millis};
use tokio_util::sync::CancellationToken;

/// How often certificates are looked at.
const CHECK_EVERY: Duration = Duration::from_secs(3600);

fn millis(t: SystemTime) -> Millis {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or(0)
}

/// Renews due certificates until `shutdown`.
pub async fn run(state: state::State, ca: Arc<tls::local_ca::LocalCa>, sealer: Arc<tls::sealing::KeySealer>, window: Duration, shutdown: CancellationToken) {
    loop {
        renew_due(&state, &ca, &sealer, window).await;
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

async fn renew_due(state: &state::State, ca: &tls::local_ca::LocalCa, sealer: &tls::sealing::KeySealer, window: Duration) {
    let snap = state.current();
    let now = SystemTime::now();
    let due_before = millis(now + window);
    for (region, r) in &snap.regions {
        for c in r.acm_certificates.values().filter(|c| c.kind == AcmCertificateType::AmazonIssued && c.certificate.facts.not_after <= due_before) {
            let (domain, sans) = match c.requested_names.split_first() {
                Some((d, rest)) => (d.clone(), rest.to_vec()),
                None => (c.certificate.facts.domain_name.clone(), Vec::new()),
            };
            let algorithm = c.requested_key_algorithm.clone().unwrap_or_else(|| "RSA_2048".into());
            let renewed = ca.issue(&domain, &sans, &algorithm, now).and_then(|m| {
                let parsed = tls::certificate::parse_certificate(&m.body_pem, Some(&m.private_key_pem), Some(&m.chain_pem), now)?;
                Ok(StoredCertificate { body_pem: parsed.body_pem, chain_pem: parsed.chain_pem, sealed_private_key: sealer.seal(m.private_key_pem.as_bytes()), facts: parsed.facts })
            });
            let certificate = match renewed {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(certificate = %c.arn, error = %e, "ACM renewal failed; retrying in an hour");
                    continue;
                }
            };
            let not_after = certificate.facts.not_after;
            let op = AcmCommand::RenewCertificate { arn: c.arn.clone(), expected_serial: c.certificate.facts.serial.clone(), certificate, now: millis(now) };
            match state.submit(Command::Acm { region: region.clone(), op }).await {
                Ok(_) => tracing::info!(certificate = %c.arn, not_after_ms = not_after, "ACM certificate renewed"),
                Err(e) => tracing::error!(certificate = %c.arn, error = %e, "ACM renewal not stored; retrying in an hour"),
            }
        }
    }
}
