//! Sealing of private keys at rest.
//!
//! Certificates' private keys are stored only sealed (`model::certificate::StoredCertificate`'s
//! `sealed_private_key`): AES-256-GCM under a 32-byte node key that lives in its own file,
//! outside the store, so the snapshot, the store file and any replica never hold a key in the
//! clear.
//!
//! Sealed form: `"v1:"` followed by standard base64 (with padding) of
//! `nonce (12 bytes) || ciphertext || tag (16 bytes)`, a fresh random nonce per seal, no
//! associated data.
//!
//! Nothing here logs or prints key material; `KeySealer`'s `Debug` shows no key.

use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Length of the node key, bytes.
pub const KEY_LEN: usize = 32;

/// The prefix of the sealed format this version writes.
const PREFIX: &str = "v1:";

/// AES-GCM tag length, bytes.
const TAG_LEN: usize = 16;

/// Seals and opens private keys with AES-256-GCM under a node key.
///
/// Holds the key only inside aws-lc-rs (which wipes it when dropped).
pub struct KeySealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for KeySealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySealer { key: <redacted> }")
    }
}

/// A sealed value that cannot be opened: not in the `v1:` format, not base64, too short,
/// tampered with, or sealed under another key (the message says which, never the data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sealed private key cannot be opened: {0}")]
pub struct SealError(pub String);

impl KeySealer {
    /// A sealer from 32 key bytes.
    pub fn from_key(key: [u8; 32]) -> KeySealer {
        let mut key = key;
        let unbound = UnboundKey::new(&AES_256_GCM, &key).expect("AES-256-GCM takes a 32-byte key");
        key.fill(0);
        std::hint::black_box(&key);
        KeySealer { key: LessSafeKey::new(unbound) }
    }

    /// Reads the node key from `path` (exactly 32 raw bytes), or, if the file does not exist,
    /// creates it with 32 random bytes and mode 0600 (set when the file is created, so the key
    /// is never readable by others), creating missing parent directories with mode 0700.
    ///
    /// Errors: any IO error; `InvalidData` when the file is not exactly 32 bytes long (elbow
    /// never overwrites such a file: a wrong key would make every stored key unreadable).
    pub fn load_or_create(path: &Path) -> io::Result<KeySealer> {
        match read_key_file(path) {
            Ok(key) => return Ok(KeySealer::from_key(key)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
        }
        let mut key = [0u8; KEY_LEN];
        aws_lc_rs::rand::fill(&mut key).map_err(|_| io::Error::other("the system random number generator failed"))?;
        let created = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
        let mut file = match created {
            Ok(f) => f,
            // Another process created it between our read and our create: use theirs.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                key.fill(0);
                return read_key_file(path).map(KeySealer::from_key);
            }
            Err(e) => return Err(e),
        };
        let written = file.write_all(&key).and_then(|()| file.sync_all());
        if let Err(e) = written {
            key.fill(0);
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        // Make the new directory entry durable too (best effort).
        if let Some(Ok(dir)) = path.parent().filter(|p| !p.as_os_str().is_empty()).map(std::fs::File::open) {
            let _ = dir.sync_all();
        }
        Ok(KeySealer::from_key(key))
    }

    /// Seals `plaintext`: `"v1:" + base64(nonce || ciphertext || tag)`, a fresh random 96-bit
    /// nonce each time (so sealing the same value twice gives different strings).
    pub fn seal(&self, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).expect("the system random number generator failed");
        let mut buf = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        buf.extend_from_slice(&nonce);
        buf.extend_from_slice(plaintext);
        let tag = self
            .key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf[NONCE_LEN..])
            .expect("AES-GCM seals any length elbow stores");
        buf.extend_from_slice(tag.as_ref());
        let mut out = String::with_capacity(PREFIX.len() + buf.len().div_ceil(3) * 4);
        out.push_str(PREFIX);
        BASE64.encode_string(&buf, &mut out);
        out
    }

    /// Opens what [`KeySealer::seal`] returned, giving the plaintext.
    ///
    /// Errors: [`SealError`] when the value is not in the `v1:` format, is not base64, is too
    /// short, was tampered with, or was sealed under another key.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SealError> {
        let body = sealed
            .strip_prefix(PREFIX)
            .ok_or_else(|| SealError("not in the \"v1:\" sealed format".into()))?;
        let mut buf = BASE64.decode(body.trim()).map_err(|_| SealError("the sealed value is not valid base64".into()))?;
        if buf.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError("the sealed value is too short".into()));
        }
        let nonce: [u8; NONCE_LEN] = buf[..NONCE_LEN].try_into().expect("NONCE_LEN bytes");
        let plain_len = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf[NONCE_LEN..])
            .map_err(|_| SealError("authentication failed (sealed under another node key, or tampered with)".into()))?
            .len();
        buf.copy_within(NONCE_LEN..NONCE_LEN + plain_len, 0);
        // Wipe what follows the plaintext (the plaintext's own tail and the tag) before
        // shrinking, so no copy of it lingers past `len`.
        buf[plain_len..].fill(0);
        buf.truncate(plain_len);
        Ok(buf)
    }
}

/// Reads exactly [`KEY_LEN`] bytes from `path`; `InvalidData` for any other length.
fn read_key_file(path: &Path) -> io::Result<[u8; KEY_LEN]> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = Vec::with_capacity(KEY_LEN + 1);
    (&mut file).take(KEY_LEN as u64 + 1).read_to_end(&mut buf)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(buf.len() as u64);
    let result = <[u8; KEY_LEN]>::try_from(buf.as_slice());
    buf.fill(0);
    result.map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the node key file {} holds {len} bytes; it must hold exactly {KEY_LEN} raw bytes (elbow will not overwrite it: move it away to create a new key, which makes every stored private key unreadable)",
                path.display()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    use crate::test_temp_dir as temp_dir;

    #[test]
    fn seal_and_open_round_trip() {
        let sealer = KeySealer::from_key([7; 32]);
        let secret = b"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n";
        let sealed = sealer.seal(secret);
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("PRIVATE"));
        assert_eq!(sealer.open(&sealed).unwrap(), secret);
        // Fresh nonce each time.
        assert_ne!(sealer.seal(secret), sealed);
        // Empty plaintext works too.
        assert_eq!(sealer.open(&sealer.seal(b"")).unwrap(), b"");
    }

    #[test]
    fn wrong_key_is_refused() {
        let sealed = KeySealer::from_key([1; 32]).seal(b"secret");
        let err = KeySealer::from_key([2; 32]).open(&sealed).unwrap_err();
        assert!(err.0.contains("authentication failed"), "{err}");
    }

    #[test]
    fn tampering_is_refused() {
        let sealer = KeySealer::from_key([3; 32]);
        let sealed = sealer.seal(b"secret");
        let mut raw = BASE64.decode(&sealed[3..]).unwrap();
        for i in [0, NONCE_LEN, raw.len() - 1] {
            let mut copy = raw.clone();
            copy[i] ^= 1;
            let tampered = format!("v1:{}", BASE64.encode(&copy));
            assert!(sealer.open(&tampered).is_err(), "flipping byte {i}");
        }
        raw.truncate(raw.len() - 1);
        assert!(sealer.open(&format!("v1:{}", BASE64.encode(&raw))).is_err());
    }

    #[test]
    fn bad_formats_are_refused() {
        let sealer = KeySealer::from_key([4; 32]);
        assert!(sealer.open("").unwrap_err().0.contains("v1:"));
        assert!(sealer.open("v2:AAAA").unwrap_err().0.contains("v1:"));
        assert!(sealer.open("v1:not base64!").unwrap_err().0.contains("base64"));
        assert!(sealer.open("v1:AAAA").unwrap_err().0.contains("too short"));
        assert!(sealer.open("-----BEGIN PRIVATE KEY-----").is_err());
    }

    #[test]
    fn debug_shows_no_key() {
        assert_eq!(format!("{:?}", KeySealer::from_key([5; 32])), "KeySealer { key: <redacted> }");
    }

    #[test]
    fn load_or_create_creates_0600_and_reloads_the_same_key() {
        let dir = temp_dir("sealer");
        let path = dir.join("sub").join("node.key");
        let first = KeySealer::load_or_create(&path).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.len(), 32);
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let sealed = first.seal(b"key material");
        let second = KeySealer::load_or_create(&path).unwrap();
        assert_eq!(second.open(&sealed).unwrap(), b"key material");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn load_or_create_refuses_a_file_of_the_wrong_length() {
        let dir = temp_dir("sealer-bad");
        let path = dir.join("node.key");
        for len in [0usize, 31, 33, 64] {
            std::fs::write(&path, vec![9u8; len]).unwrap();
            let err = KeySealer::load_or_create(&path).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(err.to_string().contains(&format!("holds {len} bytes")), "{err}");
            // Left as it was.
            assert_eq!(std::fs::read(&path).unwrap().len(), len);
        }
        std::fs::write(&path, [9u8; 32]).unwrap();
        let sealer = KeySealer::load_or_create(&path).unwrap();
        assert_eq!(KeySealer::from_key([9; 32]).open(&sealer.seal(b"x")).unwrap(), b"x");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
