//! The log's public key and its signed checkpoints (C2SP signed-note and tlog-checkpoint).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// A log's public key: `<name>+<8 hex digit key id>+<base64(0x01 || Ed25519 public key)>`.
#[derive(Clone, Debug)]
pub struct Key {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

/// A verified checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// Entries covered.
    pub size: u64,
    /// Root hash.
    pub root: [u8; 32],
}

impl Key {
    /// Parses a verifier key string.
    pub fn parse(s: &str) -> Result<Key, String> {
        let bad = || {
            format!(
                "key: expected <name>+<8 hex digits>+<base64>, got {:?}",
                s.trim()
            )
        };
        let mut it = s.trim().splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (it.next(), it.next(), it.next()) else {
            return Err(bad());
        };
        let raw = B64.decode(b64).map_err(|_| bad())?;
        if name.is_empty() || id_hex.len() != 8 || raw.len() != 33 || raw[0] != 1 {
            return Err(bad());
        }
        let public: [u8; 32] = raw[1..].try_into().map_err(|_| bad())?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad())?;
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        h.update([b'\n', 1]);
        h.update(public);
        let id: [u8; 4] = h.finalize()[..4].try_into().expect("4 bytes");
        let given = u32::from_str_radix(id_hex, 16).map_err(|_| bad())?;
        if given.to_be_bytes() != id {
            return Err(format!(
                "key: the key id {id_hex} does not match the key (expected {:08x})",
                u32::from_be_bytes(id)
            ));
        }
        Ok(Key {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// The key's name (the log's origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Verifies a signed checkpoint note and parses its body.
    pub fn open_checkpoint(&self, note: &str) -> Result<Checkpoint, String> {
        let split = note
            .find("\n\n")
            .ok_or("expected a signed note: text, a blank line, signature lines")?;
        let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
        let mut signed = false;
        for line in sigs.lines() {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| format!("signature line {line:?} does not start with an em dash"))?;
            let Some((name, b64)) = rest.split_once(' ') else {
                continue;
            };
            let Ok(raw) = B64.decode(b64) else { continue };
            if name != self.name || raw.len() != 68 || raw[..4] != self.id {
                continue;
            }
            let sig = Signature::from_bytes(raw[4..].try_into().expect("64 bytes"));
            if self.key.verify(text.as_bytes(), &sig).is_ok() {
                signed = true;
                break;
            }
            return Err(format!(
                "the signature by {} does not verify: the checkpoint was altered or signed by another key",
                self.name
            ));
        }
        if !signed {
            return Err(format!("no signature by {} on the checkpoint", self.name));
        }
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or("");
        if origin != self.name {
            return Err(format!(
                "origin {origin:?} is not the key's log {:?}",
                self.name
            ));
        }
        let size_line = lines.next().unwrap_or("");
        let size: u64 = size_line
            .parse()
            .map_err(|_| format!("tree size {size_line:?} is not a decimal number"))?;
        let root_line = lines.next().unwrap_or("");
        let root: [u8; 32] = B64
            .decode(root_line)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| format!("root {root_line:?} is not a base64 SHA-256 hash"))?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}
