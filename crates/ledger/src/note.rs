//! C2SP signed notes with Ed25519 keys, and C2SP checkpoints (the note body a log signs).
//!
//! Key strings follow golang.org/x/mod/sumdb/note: a verifier key is
//! `<name>+<key id, 8 hex digits>+<base64(0x01 || public key)>`, a signer key is
//! `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>`. The key id is the first four bytes of
//! SHA-256(name || 0x0A || 0x01 || public key). A signature line is
//! `— <name> <base64(key id || signature)>` and signs the note text including its final newline.

use crate::merkle::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// Signature algorithm byte for Ed25519 in note keys.
const ALG_ED25519: u8 = 0x01;

/// Problems with keys, notes and checkpoints.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    /// A key string that does not parse.
    #[error("key: expected {0}")]
    Key(&'static str),
    /// A note that does not parse.
    #[error("note: {0}")]
    Format(String),
    /// No signature by the expected key verifies.
    #[error("note: no valid signature by {0}")]
    Unverified(String),
}

fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name.contains(['+', ' ', '\n', '\t'])
        || !name.chars().all(|c| !c.is_control())
    {
        return Err(NoteError::Key(
            "a key name without spaces, '+' or control characters",
        ));
    }
    Ok(())
}

/// Splits `<name>+<8 hex id>+<base64(0x01 || 32 bytes)>` into the name, the id and the 32
/// key bytes; names cannot contain `+`, base64 can, so the split is from the left.
fn split_key<'s>(
    s: &'s str,
    expected: &'static str,
) -> Result<(&'s str, u32, [u8; 32]), NoteError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(hex_id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::Key(expected));
    };
    check_name(name)?;
    let raw = B64.decode(b64).map_err(|_| NoteError::Key(expected))?;
    if raw.len() != 33 || raw[0] != ALG_ED25519 || hex_id.len() != 8 {
        return Err(NoteError::Key(expected));
    }
    let id = u32::from_str_radix(hex_id, 16).map_err(|_| NoteError::Key(expected))?;
    Ok((name, id, raw[1..].try_into().expect("32 bytes")))
}

/// A log's signing key.
pub struct NoteSigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl NoteSigner {
    /// A new key for `name` from 32 bytes of OS randomness.
    pub fn generate(name: &str) -> Result<NoteSigner, NoteError> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|_| NoteError::Key("operating-system randomness"))?;
        Ok(NoteSigner::from_seed(name, seed))
    }

    fn from_seed(name: &str, seed: [u8; 32]) -> NoteSigner {
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        NoteSigner {
            name: name.to_string(),
            id,
            key,
        }
    }

    /// Parses `PRIVATE+KEY+<name>+<id>+<base64>`.
    pub fn parse(s: &str) -> Result<NoteSigner, NoteError> {
        const EXPECTED: &str =
            "PRIVATE+KEY+<name>+<8 hex digits>+<base64 of 0x01 and a 32-byte Ed25519 seed>";
        let rest = s
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::Key(EXPECTED))?;
        let (name, id, seed) = split_key(rest, EXPECTED)?;
        let signer = NoteSigner::from_seed(name, seed);
        if id != signer.id {
            return Err(NoteError::Key(
                "a key id matching the key (the key file is damaged)",
            ));
        }
        Ok(signer)
    }

    /// The signer key string (secret: store with care).
    pub fn to_private_string(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(&self.key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            B64.encode(raw)
        )
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Signs `text` (which must end in a newline) and returns the whole signed note.
    pub fn sign(&self, text: &str) -> String {
        assert!(text.ends_with('\n'), "note text ends with a newline");
        let sig = self.key.sign(text.as_bytes());
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        format!("{text}\n\u{2014} {} {}\n", self.name, B64.encode(raw))
    }
}

/// A log's public key, as an auditor holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses `<name>+<id>+<base64>`.
    pub fn parse(s: &str) -> Result<NoteVerifier, NoteError> {
        const EXPECTED: &str =
            "<name>+<8 hex digits>+<base64 of 0x01 and a 32-byte Ed25519 public key>";
        let (name, given, public) = split_key(s.trim(), EXPECTED)?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::Key(EXPECTED))?;
        let id = key_id(name, &public);
        if given != id {
            return Err(NoteError::Key("a key id matching the key"));
        }
        Ok(NoteVerifier {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Verifier key string.
    pub fn to_string_key(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    /// Checks a signed note and returns its text (body with final newline).
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let split = note.find("\n\n").ok_or_else(|| {
            NoteError::Format("expected text, a blank line, then signatures".into())
        })?;
        let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
        for line in sigs.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                return Err(NoteError::Format(format!(
                    "expected a signature line starting with an em dash, got {line:?}"
                )));
            };
            let Some((name, b64)) = rest.split_once(' ') else {
                continue;
            };
            if name != self.name {
                continue;
            }
            let Ok(raw) = B64.decode(b64) else { continue };
            if raw.len() != 68 || u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) != self.id {
                continue;
            }
            let sig = ed25519_dalek::Signature::from_bytes(raw[4..].try_into().expect("64 bytes"));
            if self.key.verify(text.as_bytes(), &sig).is_ok() {
                return Ok(text);
            }
        }
        Err(NoteError::Unverified(format!(
            "{}+{:08x}",
            self.name, self.id
        )))
    }
}

/// A checkpoint: the log's origin, its size and root hash (C2SP tlog-checkpoint body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name, unique to it.
    pub origin: String,
    /// Entries covered.
    pub size: u64,
    /// Merkle root of those entries.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: origin, size and base64 root, each on its own line.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Parses note text (extension lines after the root are allowed and ignored).
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = text.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| NoteError::Format("expected an origin line".into()))?;
        let size_line = lines.next().unwrap_or("");
        let size = size_line
            .parse::<u64>()
            .ok()
            .filter(|_| size_line == "0" || !size_line.starts_with('0'))
            .ok_or_else(|| {
                NoteError::Format(format!(
                    "expected a tree size in decimal, got {size_line:?}"
                ))
            })?;
        let root_line = lines.next().unwrap_or("");
        let root: Hash = B64
            .decode(root_line)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| {
                NoteError::Format(format!(
                    "expected a base64 SHA-256 root hash, got {root_line:?}"
                ))
            })?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_notes_verify() {
        let s = NoteSigner::generate("hangar.test/log").unwrap();
        let again = NoteSigner::parse(&s.to_private_string()).unwrap();
        assert_eq!(again.verifier(), s.verifier());
        let v = NoteVerifier::parse(&s.verifier().to_string_key()).unwrap();
        let cp = Checkpoint {
            origin: "hangar.test/log".into(),
            size: 12,
            root: [7; 32],
        };
        let note = s.sign(&cp.text());
        assert!(note.contains("\n\n\u{2014} hangar.test/log "));
        let text = v.open(&note).unwrap();
        assert_eq!(Checkpoint::parse(text).unwrap(), cp);
        // Any change to the text breaks the signature.
        let forged = note.replace("\n12\n", "\n13\n");
        assert!(matches!(v.open(&forged), Err(NoteError::Unverified(_))));
        // Another key's signature is not accepted.
        let other = NoteSigner::generate("hangar.test/log").unwrap().verifier();
        assert!(other.open(&note).is_err());
        assert!(NoteVerifier::parse("bad key").is_err());
        assert!(NoteSigner::generate("has space").is_err());
    }

    #[test]
    fn known_key_id_vector() {
        // Key from the golang.org/x/mod/sumdb/note documentation example:
        // PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW
        let v = NoteVerifier::parse(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        )
        .unwrap();
        assert_eq!(v.name(), "PeterNeumann");
        let note = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        assert_eq!(
            v.open(note).unwrap(),
            "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        );
    }
}
