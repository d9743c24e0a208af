//! The log's key files in a data directory: `keys/log.key` (the signer, readable by the owner
//! only) and `keys/log.pub` (the verifier key an auditor is given).

use crate::note::{NoteError, NoteSigner};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the signer key lives in a data directory.
pub fn signer_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("log.key")
}

/// Where the verifier key lives in a data directory.
pub fn verifier_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("log.pub")
}

/// Creates a new key pair for `origin` in `data_dir`; refuses to replace an existing key.
pub fn generate(data_dir: &Path, origin: &str) -> Result<NoteSigner, String> {
    let path = signer_path(data_dir);
    if path.exists() {
        return Err(format!(
            "{} already exists; a log keeps its key for life (move it away first to replace it)",
            path.display()
        ));
    }
    let signer = NoteSigner::generate(origin).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(data_dir.join("keys"))
        .map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writeln!(f, "{}", signer.to_private_string())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let pub_path = verifier_path(data_dir);
    std::fs::write(
        &pub_path,
        format!("{}\n", signer.verifier().to_string_key()),
    )
    .map_err(|e| format!("{}: {e}", pub_path.display()))?;
    Ok(signer)
}

/// Loads the signer key of `data_dir`.
pub fn load(data_dir: &Path) -> Result<NoteSigner, String> {
    let path = signer_path(data_dir);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (create it with `hangar log keygen`)",
            path.display()
        )
    })?;
    NoteSigner::parse(&text).map_err(|e: NoteError| format!("{}: {e}", path.display()))
}

/// Loads the signer key, creating one for `origin` if the data directory has none.
pub fn load_or_generate(data_dir: &Path, origin: &str) -> Result<NoteSigner, String> {
    if signer_path(data_dir).exists() {
        load(data_dir)
    } else {
        generate(data_dir, origin)
    }
}
