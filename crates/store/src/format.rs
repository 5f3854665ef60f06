//! The on-disk encoding of a snapshot: a JSON envelope with a format version, so that a newer
//! elbow can read (and migrate) what an older one wrote, and an older one refuses what it cannot
//! understand instead of losing fields.

use model::Snapshot;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The format this build writes. Bump it, and add a migration in [`decode`], when a change to
/// the model is not readable by serde defaults alone.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: u32,
    snapshot: &'a Snapshot,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    format: u32,
    snapshot: serde_json::Value,
}

/// Encodes a snapshot for storage.
pub fn encode(s: &Snapshot) -> Vec<u8> {
    serde_json::to_vec(&EnvelopeOut { format: FORMAT_VERSION, snapshot: s }).expect("a snapshot always serialises")
}

/// Decodes stored bytes.
///
/// Errors: [`StoreError::Format`] for a format newer than [`FORMAT_VERSION`] or undecodable data.
pub fn decode(bytes: &[u8]) -> Result<Snapshot, StoreError> {
    let env: EnvelopeIn = serde_json::from_slice(bytes).map_err(|e| StoreError::Format(e.to_string()))?;
    if env.format > FORMAT_VERSION {
        return Err(StoreError::Format(format!(
            "it was written in format {} by a newer elbow; this elbow reads formats up to {FORMAT_VERSION}",
            env.format
        )));
    }
    serde_json::from_value(env.snapshot).map_err(|e| StoreError::Format(e.to_string()))
}
