//! Users, API tokens and dashboard sessions, kept in `accounts.db` in the data directory.
//!
//! Passwords are stored as Argon2id hashes; API tokens and session ids only as SHA-256 digests
//! (they are random, 256-bit: a digest is enough, and a stolen database yields no usable
//! secret). Tokens and session ids are shown once, when created.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Mutex;

/// Most users one hub may have.
pub const MAX_USERS: i64 = 10_000;
/// Most live sessions per user (older ones end).
pub const MAX_SESSIONS_PER_USER: i64 = 20;
/// Most API tokens per user.
pub const MAX_TOKENS_PER_USER: i64 = 20;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// What a user may do. Every route says which roles it admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Hub operations: flights, sorters, parcels, exceptions.
    Operator,
    /// Customs declarant or broker: decisions, holds, releases.
    Customs,
    /// A carrier: its own routes and their parcels only.
    Carrier,
    /// A merchant (seller): its own parcels only.
    Merchant,
    /// An outside auditor: reads everything, changes nothing.
    Auditor,
    /// Administers users and tokens; everything an operator and customs may do.
    Admin,
    /// A machine on the floor (scanner, breakdown station, dock terminal) or a partner's
    /// upload gateway: sends files, scans and truck operations with its own token, reads
    /// nothing.
    Device,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::Operator,
        Role::Customs,
        Role::Carrier,
        Role::Merchant,
        Role::Auditor,
        Role::Admin,
        Role::Device,
    ];

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Customs => "customs",
            Role::Carrier => "carrier",
            Role::Merchant => "merchant",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::Device => "device",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "expected a role (operator, customs, carrier, merchant, auditor, admin, device), got {s:?}"
                )
            })
    }
}

/// A user, as the API sees one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct User {
    /// Login name.
    pub login: String,
    /// Role.
    pub role: Role,
    /// What a carrier or merchant is limited to: a carrier's route ids (comma-separated), a
    /// merchant's seller name.
    pub scope: Option<String>,
}

impl User {
    /// The actor events record for this user (`user:<login>`, a device `device:<login>`).
    pub fn actor(&self) -> hangar_model::Actor {
        let kind = if self.role == Role::Device {
            "device"
        } else {
            "user"
        };
        hangar_model::Actor::parse(&format!("{kind}:{}", self.login))
            .expect("logins are valid actor tokens")
    }
}

/// A problem with accounts.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The request is wrong (names what).
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error("accounts database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The accounts of a data directory.
pub struct Accounts {
    db: Mutex<Connection>,
}

fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random secret: `prefix` and 64 hex digits (256 bits from the operating system).
pub fn random_secret(prefix: &str) -> String {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).expect("operating-system randomness");
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

fn check_login(login: &str) -> Result<(), AccountError> {
    let ok = (2..=32).contains(&login.len())
        && login.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid(format!(
            "login: expected 2-32 lower-case letters, digits or ._-, got {login:?}"
        )))
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn role_of(s: String) -> rusqlite::Result<Role> {
    Role::parse(&s).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
}

impl Accounts {
    /// Opens (creating if needed) the accounts of data directory `dir`.
    pub fn open(dir: &Path) -> Result<Accounts, AccountError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| AccountError::Invalid(format!("{}: {e}", dir.display())))?;
        let db = Connection::open(dir.join("accounts.db"))?;
        db.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS users (
               login TEXT PRIMARY KEY, role TEXT NOT NULL, scope TEXT,
               password TEXT NOT NULL, created_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS tokens (
               digest TEXT PRIMARY KEY, login TEXT NOT NULL REFERENCES users(login),
               label TEXT NOT NULL, created_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS sessions (
               digest TEXT PRIMARY KEY, login TEXT NOT NULL REFERENCES users(login),
               csrf TEXT NOT NULL, expires_ms INTEGER NOT NULL);",
        )?;
        // Users waiting for a second administrator's approval are inactive.
        let has_active: bool = db
            .prepare("SELECT 1 FROM pragma_table_info('users') WHERE name = 'active'")?
            .exists([])?;
        if !has_active {
            db.execute_batch("ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1")?;
        }
        Ok(Accounts { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a user with a password (replacing nothing: an existing login is refused).
    pub fn add_user(
        &self,
        login: &str,
        role: Role,
        scope: Option<&str>,
        password: &str,
    ) -> Result<User, AccountError> {
        self.insert_user(login, role, scope, password, true)
    }

    /// Adds a user who cannot sign in until `activate` (a change waiting for approval).
    pub fn add_pending_user(
        &self,
        login: &str,
        role: Role,
        scope: Option<&str>,
        password: &str,
    ) -> Result<User, AccountError> {
        self.insert_user(login, role, scope, password, false)
    }

    /// Lets a pending user sign in; returns whether one was waiting.
    pub fn activate(&self, login: &str) -> Result<bool, AccountError> {
        Ok(self.db().execute(
            "UPDATE users SET active = 1 WHERE login = ?1 AND active = 0",
            [login],
        )? > 0)
    }

    /// Removes a pending user (their change was refused); returns whether one was waiting.
    pub fn remove_pending(&self, login: &str) -> Result<bool, AccountError> {
        Ok(self
            .db()
            .execute("DELETE FROM users WHERE login = ?1 AND active = 0", [login])?
            > 0)
    }

    /// Removes a user with their tokens and sessions (a user whose addition could not be
    /// recorded).
    pub fn remove_user(&self, login: &str) -> Result<(), AccountError> {
        let db = self.db();
        db.execute("DELETE FROM tokens WHERE login = ?1", [login])?;
        db.execute("DELETE FROM sessions WHERE login = ?1", [login])?;
        db.execute("DELETE FROM users WHERE login = ?1", [login])?;
        Ok(())
    }

    fn insert_user(
        &self,
        login: &str,
        role: Role,
        scope: Option<&str>,
        password: &str,
        active: bool,
    ) -> Result<User, AccountError> {
        check_login(login)?;
        if password.chars().count() < MIN_PASSWORD {
            return Err(AccountError::Invalid(format!(
                "password: expected at least {MIN_PASSWORD} characters"
            )));
        }
        let scope = scope.map(str::trim).filter(|s| !s.is_empty());
        if matches!(role, Role::Carrier | Role::Merchant) && scope.is_none() {
            return Err(AccountError::Invalid(format!(
                "scope: a {} needs one (its route ids or seller name)",
                role.as_str()
            )));
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("operating-system randomness");
        let hash = Argon2::default()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map_err(|e| AccountError::Invalid(format!("password: {e}")))?
            .to_string();
        let db = self.db();
        let n: i64 = db.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        if n >= MAX_USERS {
            return Err(AccountError::Invalid(format!(
                "expected at most {MAX_USERS} users"
            )));
        }
        let added = db.execute(
            "INSERT OR IGNORE INTO users (login, role, scope, password, created_ms, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![login, role.as_str(), scope, hash, now_ms(), active],
        )?;
        if added == 0 {
            return Err(AccountError::Invalid(format!("login {login:?} is taken")));
        }
        Ok(User {
            login: login.into(),
            role,
            scope: scope.map(String::from),
        })
    }

    /// The user with this login and password, if both are right. Takes the same time whether
    /// the login exists or not.
    pub fn check_password(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<User>, AccountError> {
        let row: Option<(String, Option<String>, String)> = self
            .db()
            .query_row(
                "SELECT role, scope, password FROM users WHERE login = ?1 AND active = 1",
                [login],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        // Unknown logins are checked against a hash of nothing, so they take as long.
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            Argon2::default()
                .hash_password_with_salt(random_secret("").as_bytes(), &[7u8; 16])
                .expect("hashing a fixed-size secret")
                .to_string()
        });
        let hash = row.as_ref().map(|r| r.2.as_str()).unwrap_or(dummy);
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash)
            .is_ok();
        match row {
            Some((role, scope, _)) if ok => Ok(Some(User {
                login: login.into(),
                role: role_of(role)?,
                scope,
            })),
            _ => Ok(None),
        }
    }

    /// Creates an API token for `login`; returns it (shown once).
    pub fn create_token(&self, login: &str, label: &str) -> Result<String, AccountError> {
        let db = self.db();
        let n: i64 = db.query_row(
            "SELECT count(*) FROM tokens WHERE login = ?1",
            [login],
            |r| r.get(0),
        )?;
        if n >= MAX_TOKENS_PER_USER {
            return Err(AccountError::Invalid(format!(
                "expected at most {MAX_TOKENS_PER_USER} tokens per user"
            )));
        }
        let token = random_secret("hgr_");
        db.execute(
            "INSERT INTO tokens (digest, login, label, created_ms) VALUES (?1, ?2, ?3, ?4)",
            params![
                digest(&token),
                login,
                label.chars().take(80).collect::<String>(),
                now_ms()
            ],
        )?;
        Ok(token)
    }

    /// Signs `login` in with their password and gives them a new API token labelled `label`,
    /// replacing the one they had with the same label (a second `hangar login` on the same
    /// machine does not pile tokens up). `None` when the login or password is wrong.
    pub fn sign_in_token(
        &self,
        login: &str,
        password: &str,
        label: &str,
    ) -> Result<Option<(User, String)>, AccountError> {
        let Some(user) = self.check_password(login, password)? else {
            return Ok(None);
        };
        let label: String = label.chars().take(80).collect();
        self.db().execute(
            "DELETE FROM tokens WHERE login = ?1 AND label = ?2",
            params![user.login, label],
        )?;
        let token = self.create_token(&user.login, &label)?;
        Ok(Some((user, token)))
    }

    /// The user an API token belongs to.
    pub fn user_for_token(&self, token: &str) -> Result<Option<User>, AccountError> {
        self.user_where(
            "SELECT u.login, u.role, u.scope FROM tokens t JOIN users u ON u.login = t.login WHERE t.digest = ?1 AND u.active = 1",
            &digest(token),
        )
    }

    fn user_where(&self, sql: &str, key: &str) -> Result<Option<User>, AccountError> {
        let row: Option<(String, String, Option<String>)> = self
            .db()
            .query_row(sql, [key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(login, role, scope)| {
            Ok(User {
                login,
                role: role_of(role)?,
                scope,
            })
        })
        .transpose()
    }

    /// Starts a session for `login` lasting `hours`; returns its id and CSRF token.
    pub fn create_session(
        &self,
        login: &str,
        hours: u32,
    ) -> Result<(String, String), AccountError> {
        let id = random_secret("");
        let csrf = random_secret("");
        let db = self.db();
        let now = now_ms();
        db.execute("DELETE FROM sessions WHERE expires_ms < ?1", [now])?;
        db.execute(
            "DELETE FROM sessions WHERE login = ?1 AND digest NOT IN
               (SELECT digest FROM sessions WHERE login = ?1 ORDER BY expires_ms DESC LIMIT ?2)",
            params![login, MAX_SESSIONS_PER_USER - 1],
        )?;
        db.execute(
            "INSERT INTO sessions (digest, login, csrf, expires_ms) VALUES (?1, ?2, ?3, ?4)",
            params![digest(&id), login, csrf, now + i64::from(hours) * 3_600_000],
        )?;
        Ok((id, csrf))
    }

    /// The user of a live session, and its CSRF token.
    pub fn session(&self, id: &str) -> Result<Option<(User, String)>, AccountError> {
        let row: Option<(String, String, Option<String>, String)> = self
            .db()
            .query_row(
                "SELECT u.login, u.role, u.scope, s.csrf FROM sessions s JOIN users u ON u.login = s.login
                 WHERE s.digest = ?1 AND s.expires_ms > ?2 AND u.active = 1",
                params![digest(id), now_ms()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(login, role, scope, csrf)| {
            Ok((
                User {
                    login,
                    role: role_of(role)?,
                    scope,
                },
                csrf,
            ))
        })
        .transpose()
    }

    /// Ends a session.
    pub fn end_session(&self, id: &str) -> Result<(), AccountError> {
        self.db()
            .execute("DELETE FROM sessions WHERE digest = ?1", [digest(id)])?;
        Ok(())
    }

    /// Every user who may sign in, by login.
    pub fn users(&self) -> Result<Vec<User>, AccountError> {
        let db = self.db();
        let mut stmt =
            db.prepare("SELECT login, role, scope FROM users WHERE active = 1 ORDER BY login")?;
        let rows = stmt.query_map([], |r| {
            Ok(User {
                login: r.get(0)?,
                role: role_of(r.get(1)?)?,
                scope: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_tokens_and_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let a = Accounts::open(dir.path()).unwrap();
        let u = a
            .add_user("marie", Role::Customs, None, "correct horse battery")
            .unwrap();
        assert_eq!(u.actor().as_str(), "user:marie");
        assert!(
            a.add_user("marie", Role::Admin, None, "another long password")
                .is_err()
        );
        assert!(
            a.add_user("Bad Name", Role::Admin, None, "another long password")
                .is_err()
        );
        assert!(a.add_user("short", Role::Admin, None, "short").is_err());
        assert!(
            a.add_user("dhl", Role::Carrier, None, "another long password")
                .is_err(),
            "a carrier needs a scope"
        );
        assert_eq!(
            a.check_password("marie", "correct horse battery").unwrap(),
            Some(u.clone())
        );
        assert_eq!(a.check_password("marie", "wrong").unwrap(), None);
        assert_eq!(
            a.check_password("nobody", "correct horse battery").unwrap(),
            None
        );
        let t = a.create_token("marie", "script").unwrap();
        assert!(t.starts_with("hgr_") && t.len() == 68);
        assert_eq!(a.user_for_token(&t).unwrap(), Some(u.clone()));
        assert_eq!(a.user_for_token("hgr_nope").unwrap(), None);
        let (sid, csrf) = a.create_session("marie", 1).unwrap();
        assert_eq!(a.session(&sid).unwrap(), Some((u.clone(), csrf)));
        a.end_session(&sid).unwrap();
        assert_eq!(a.session(&sid).unwrap(), None);
        // A user waiting for approval cannot sign in until activated.
        let p = a
            .add_pending_user("root2", Role::Admin, None, "a long enough password")
            .unwrap();
        assert_eq!(
            a.check_password("root2", "a long enough password").unwrap(),
            None
        );
        assert!(!a.users().unwrap().contains(&p));
        assert!(a.activate("root2").unwrap());
        assert!(!a.activate("root2").unwrap());
        assert_eq!(
            a.check_password("root2", "a long enough password").unwrap(),
            Some(p)
        );
        // Nothing secret is stored in the clear.
        let raw = std::fs::read(dir.path().join("accounts.db")).unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains(&t) && !text.contains(&sid) && !text.contains("correct horse"));
    }
}
