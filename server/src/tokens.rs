//! Access tokens: per-device tokens for submitting, coordinator tokens for the coordinator
//! pages. Only a SHA-256 hash of each token is stored; the token itself is shown once, when
//! it is created. Tokens are 256 random bits, so a fast hash is enough (nothing to
//! brute-force, unlike a password).

use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use vigie_core::scope::Scope;

use crate::db::{now_ms, DbError};

/// Who holds a valid token, as a request sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// The token's label (logs, stored rows).
    pub label: String,
    /// Its area.
    pub scope: Scope,
    /// Cleared to read GBV accounts (coordinators; always true for other roles).
    pub gbv: bool,
}

/// A stored scope's text read back; one that no longer reads (edited by hand) is an empty
/// local scope, which holds nothing: a damaged row never widens access.
fn stored_scope(text: &str) -> Scope {
    Scope::parse(text).unwrap_or_else(|_| Scope::Places(Vec::new()))
}

/// What a token opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Sends records (`/api/submissions`, `/api/forms`).
    Device,
    /// Reads what arrived (`/coord/…`, CSV export).
    Coordinator,
    /// An SMS gateway: posts the messages it receives to `/api/sms`, nothing else.
    SmsGateway,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Device => "device",
            Role::Coordinator => "coordinator",
            Role::SmsGateway => "sms-gateway",
        }
    }
}

/// One stored token, as `token list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Number used to revoke it.
    pub id: i64,
    /// Who holds it ("Moniteur Bougouni 12").
    pub label: String,
    /// `device`, `coordinator` or `sms-gateway`.
    pub role: String,
    /// Where it may look and write (`national` or P-codes).
    pub scope: Scope,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// Revocation time, if revoked.
    pub revoked_at: Option<i64>,
    /// Cleared to read GBV accounts.
    pub gbv: bool,
}

/// Hex SHA-256 of a token: what is stored and looked up.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random token (32 bytes, base64url): safe in headers, URLs fragments and shells.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Stores `token` (hashed) for `label` with `scope`; returns its id. Adding the same token
/// twice is a no-op that returns the existing id.
pub fn add(
    db: &Connection,
    label: &str,
    role: Role,
    scope: &Scope,
    gbv: bool,
    token: &str,
) -> Result<i64, DbError> {
    let h = hash(token);
    if let Some(id) = db
        .query_row("SELECT id FROM tokens WHERE hash = ?1", [&h], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    db.execute(
        "INSERT INTO tokens (label, role, hash, created_at, scope, gbv) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![label, role.as_str(), h, now_ms(), scope_text(scope), gbv || role != Role::Coordinator],
    )?;
    Ok(db.last_insert_rowid())
}

/// Every token ever created, oldest first.
pub fn list(db: &Connection) -> Result<Vec<TokenInfo>, DbError> {
    let mut stmt = db.prepare(
        "SELECT id, label, role, created_at, revoked_at, scope, gbv FROM tokens ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(TokenInfo {
            id: r.get(0)?,
            label: r.get(1)?,
            role: r.get(2)?,
            created_at: r.get(3)?,
            revoked_at: r.get(4)?,
            scope: stored_scope(&r.get::<_, String>(5)?),
            gbv: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes token `id`; false when there is no such active token.
pub fn revoke(db: &Connection, id: i64) -> Result<bool, DbError> {
    let n = db.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now_ms()],
    )?;
    Ok(n == 1)
}

/// How a scope is stored: empty for national (what rows made before scopes hold).
fn scope_text(scope: &Scope) -> String {
    if scope.is_national() {
        String::new()
    } else {
        scope.to_string()
    }
}

/// Who holds the active token `token` with `role`, if anyone.
pub fn check(db: &Connection, token: &str, role: Role) -> Result<Option<Holder>, DbError> {
    Ok(db
        .query_row(
            "SELECT label, scope, gbv FROM tokens WHERE hash = ?1 AND role = ?2 AND revoked_at IS NULL",
            params![hash(token), role.as_str()],
            |r| {
                Ok(Holder {
                    label: r.get(0)?,
                    scope: stored_scope(&r.get::<_, String>(1)?),
                    gbv: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// A token given on the command line (`--token`, `--coordinator-token`): accepted like a
/// stored one, kept only as a hash in memory, forgotten when the process ends.
#[derive(Clone)]
pub struct ExtraToken {
    pub(crate) hash: String,
    pub(crate) label: String,
    pub(crate) role: Role,
}

impl ExtraToken {
    /// `token` for `role`, labelled for the logs and the stored rows.
    pub fn new(token: &str, label: &str, role: Role) -> ExtraToken {
        ExtraToken {
            hash: hash(token),
            label: label.to_owned(),
            role,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::db::in_memory as db;

    #[test]
    fn tokens_are_stored_hashed_checked_by_role_and_revocable() {
        let db = db();
        let t = generate().unwrap();
        assert_eq!(t.len(), 43);
        let id = add(
            &db,
            "Moniteur Bougouni 12",
            Role::Device,
            &Scope::National,
            false,
            &t,
        )
        .unwrap();
        let stored: String = db
            .query_row("SELECT hash FROM tokens WHERE id = ?1", [id], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, t);
        assert_eq!(stored, hash(&t));
        assert_eq!(
            check(&db, &t, Role::Device).unwrap(),
            Some(Holder {
                label: "Moniteur Bougouni 12".into(),
                scope: Scope::National,
                gbv: true,
            })
        );
        assert_eq!(check(&db, &t, Role::Coordinator).unwrap(), None);
        assert_eq!(check(&db, "guess", Role::Device).unwrap(), None);
        assert_eq!(
            add(&db, "again", Role::Device, &Scope::National, false, &t).unwrap(),
            id
        );
        assert!(revoke(&db, id).unwrap());
        assert!(!revoke(&db, id).unwrap());
        assert_eq!(check(&db, &t, Role::Device).unwrap(), None);
        let all = list(&db).unwrap();
        assert_eq!(all.len(), 1);
        assert!(all[0].revoked_at.is_some());
    }

    #[test]
    fn a_token_keeps_its_scope_and_a_gateway_is_only_a_gateway() {
        let db = db();
        let local = Scope::parse("ML0302,ML040101").unwrap();
        add(
            &db,
            "Médiateur Kadiolo",
            Role::Device,
            &local,
            false,
            "t-local",
        )
        .unwrap();
        add(
            &db,
            "Passerelle",
            Role::SmsGateway,
            &Scope::National,
            false,
            "t-sms",
        )
        .unwrap();
        assert_eq!(
            check(&db, "t-local", Role::Device).unwrap().unwrap().scope,
            local
        );
        assert!(check(&db, "t-sms", Role::Device).unwrap().is_none());
        assert!(check(&db, "t-sms", Role::SmsGateway).unwrap().is_some());
        assert!(check(&db, "t-local", Role::SmsGateway).unwrap().is_none());
        // A scope damaged by hand holds nothing rather than everything.
        db.execute(
            "UPDATE tokens SET scope = 'Kadiolo' WHERE label = 'Médiateur Kadiolo'",
            [],
        )
        .unwrap();
        let damaged = check(&db, "t-local", Role::Device).unwrap().unwrap().scope;
        assert!(!damaged.contains("ML030201") && !damaged.is_national());
        let listed = list(&db).unwrap();
        assert_eq!(listed[1].role, "sms-gateway");
    }

    #[test]
    fn generated_tokens_differ() {
        assert_ne!(generate().unwrap(), generate().unwrap());
    }
}
