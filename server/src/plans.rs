//! Action plans on the receiver: every revision kept, the current one served, a stale
//! write answered with the current revision for the phone to merge (docs/PROTOCOL.md,
//! "Plans").

use rusqlite::{params, OptionalExtension};
use vigie_core::plans::wire::PlanPut;
use vigie_core::plans::{Plan, Revision};

use crate::db::{self, DbError};
use crate::store::Receiver;

/// What a `PUT` came to.
#[derive(Debug, PartialEq)]
pub enum Put {
    /// Stored as a new revision (`true`: the plan's first).
    Saved(Revision, bool),
    /// The phone's copy is the current revision already (a retry whose answer was lost).
    Same(Revision),
    /// The base is not the current revision: here is the current one.
    Stale(Revision),
    /// The stored plan is in another commune (given): a plan never moves.
    Moved(String),
}

/// One stored revision, for the history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// Revision number.
    pub rev: i64,
    /// When it was stored (receiver clock, ms).
    pub saved_at: i64,
    /// Who sent it.
    pub author: String,
    /// From which installation.
    pub device_id: String,
}

fn revision(rev: i64, doc: &str) -> Result<Revision, DbError> {
    let plan: Plan = serde_json::from_str(doc).map_err(|e| DbError::Encode(e.to_string()))?;
    Ok(Revision {
        rev: rev.to_string(),
        plan,
    })
}

impl Receiver {
    /// Calls `each` with the current revision of every plan inside `scope`, one at a time
    /// on a read-only connection: the memory a page needs is that of the largest plan, not
    /// of all of them (500 plans of 117 KB once took 400 MB decoded together).
    pub fn each_plan(
        &self,
        scope: &vigie_core::scope::Scope,
        mut each: impl FnMut(Revision) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let db = self.reader()?;
        let (inside, args) = crate::records::scope_sql(scope, "p.commune", 0);
        // A national roadmap has no commune: national readers only.
        let mut stmt = db.prepare(&format!(
            "SELECT p.rev, p.doc FROM plan_revisions p
             WHERE {inside}
               AND p.rev = (SELECT max(rev) FROM plan_revisions q WHERE q.plan_id = p.plan_id)
             ORDER BY p.commune, p.plan_id"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (rev, doc) = row?;
            each(revision(rev, &doc)?)?;
        }
        Ok(())
    }

    /// The current revision of a plan.
    pub fn plan(&self, id: &str) -> Result<Option<Revision>, DbError> {
        self.with_db(|db| {
            let row: Option<(i64, String)> = db
                .query_row(
                    "SELECT rev, doc FROM plan_revisions WHERE plan_id = ?1
                     ORDER BY rev DESC LIMIT 1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(rev, doc)| revision(rev, &doc)).transpose()
        })
    }

    /// The current revision of every plan (of one commune, when given).
    pub fn plans(
        &self,
        commune: Option<&str>,
        under: Option<&str>,
    ) -> Result<Vec<Revision>, DbError> {
        self.with_db(|db| {
            let mut stmt = db.prepare(
                "SELECT p.rev, p.doc FROM plan_revisions p
                 WHERE (?1 IS NULL OR p.commune = ?1)
                   AND (?2 IS NULL OR substr(p.commune, 1, length(?2)) = ?2)
                   AND p.rev = (SELECT max(rev) FROM plan_revisions q WHERE q.plan_id = p.plan_id)
                 ORDER BY p.commune, p.plan_id",
            )?;
            let rows = stmt.query_map([commune, under], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (rev, doc) = row?;
                out.push(revision(rev, &doc)?);
            }
            Ok(out)
        })
    }

    /// Every revision of a plan, newest first.
    pub fn plan_history(&self, id: &str) -> Result<Vec<HistoryRow>, DbError> {
        self.with_db(|db| {
            let mut stmt = db.prepare(
                "SELECT rev, saved_at, author, device_id FROM plan_revisions
                 WHERE plan_id = ?1 ORDER BY rev DESC",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(HistoryRow {
                    rev: r.get(0)?,
                    saved_at: r.get(1)?,
                    author: r.get(2)?,
                    device_id: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Stores `put.plan` as the next revision if its base is the current one and it is in
    /// the same commune.
    pub fn put_plan(&self, put: &PlanPut, token_label: &str) -> Result<Put, DbError> {
        let id = put.plan.id.to_string();
        let doc = serde_json::to_string(&put.plan).map_err(|e| DbError::Encode(e.to_string()))?;
        self.with_db(|db| {
            let tx = db.unchecked_transaction()?;
            let current: Option<(i64, String)> = tx
                .query_row(
                    "SELECT rev, doc FROM plan_revisions WHERE plan_id = ?1
                     ORDER BY rev DESC LIMIT 1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let next = match &current {
                Some((rev, text)) => {
                    let current = revision(*rev, text)?;
                    // First: nothing of a plan in another commune is answered (the
                    // caller's scope was checked against the commune it sent).
                    if current.plan.commune != put.plan.commune {
                        return Ok(Put::Moved(current.plan.commune));
                    }
                    if current.plan == put.plan {
                        return Ok(Put::Same(current));
                    }
                    if put.base_rev.as_deref() != Some(current.rev.as_str()) {
                        return Ok(Put::Stale(current));
                    }
                    rev + 1
                }
                None => 1,
            };
            tx.execute(
                "INSERT INTO plan_revisions
                   (plan_id, rev, commune, doc, saved_at, device_id, author, token_label)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    next,
                    put.plan.commune,
                    doc,
                    db::now_ms(),
                    put.device_id,
                    put.author.name,
                    token_label
                ],
            )?;
            tx.commit()?;
            Ok(Put::Saved(
                Revision {
                    rev: next.to_string(),
                    plan: put.plan.clone(),
                },
                next == 1,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::published::FormsFolder;
    use crate::store::Quota;
    use serde_json::json;
    use uuid::Uuid;
    use vigie_core::plans::PlanKind;
    use vigie_core::record::Author;

    fn put(base: Option<&str>, plan: &Plan) -> PlanPut {
        PlanPut {
            base_rev: base.map(str::to_owned),
            plan: plan.clone(),
            device_id: "tel-1".into(),
            author: Author {
                name: "Awa".into(),
                role: String::new(),
            },
        }
    }

    #[test]
    fn revisions_follow_their_base_and_a_stale_one_gets_the_current() {
        let dir = std::env::temp_dir().join(format!("vigie-plans-{}", std::process::id()));
        let recv = Receiver::open(
            &dir,
            Vec::new(),
            FormsFolder::open(None).unwrap(),
            Quota::new(100),
        )
        .unwrap();
        let mut plan = Plan::new(Uuid::from_u128(9), PlanKind::PlanCommunal, "ML030201");
        let Put::Saved(first, true) = recv.put_plan(&put(None, &plan), "t").unwrap() else {
            panic!("the first revision is stored")
        };
        assert_eq!(first.rev, "1");
        // The same copy again (its answer was lost): no new revision.
        assert_eq!(
            recv.put_plan(&put(None, &plan), "t").unwrap(),
            Put::Same(first.clone())
        );
        plan.set("swot", "s1", "text", json!("a"), 2, "tel-1")
            .unwrap();
        assert!(
            matches!(recv.put_plan(&put(Some("1"), &plan), "t").unwrap(), Put::Saved(r, false) if r.rev == "2")
        );
        let mut other = first.plan.clone();
        other
            .set("swot", "s2", "text", json!("b"), 3, "tel-2")
            .unwrap();
        let Put::Stale(current) = recv.put_plan(&put(Some("1"), &other), "t").unwrap() else {
            panic!("a stale base is refused")
        };
        assert_eq!((current.rev.as_str(), &current.plan), ("2", &plan));
        assert_eq!(recv.plans(Some("ML030201"), None).unwrap(), vec![current]);
        assert!(recv.plans(Some("ML999999"), None).unwrap().is_empty());
        let history = recv.plan_history(&plan.id.to_string()).unwrap();
        assert_eq!(
            history.iter().map(|h| h.rev).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(history[0].author, "Awa");
        std::fs::remove_dir_all(dir).ok();
    }
}
