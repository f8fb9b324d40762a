//! The demo portals' login sessions (docs/design.md §2, §8): one row per browser and portal,
//! anonymous until login, with the session's CSRF token and the binding cookie's value that
//! its handles are bound to. Also the test hooks' own binding value.

use rusqlite::{params, Connection, OptionalExtension};

use super::cards::User;
use super::StoreError;

/// A portal session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// The session cookie's value.
    pub id: String,
    /// The portal (`gift` or `expenses`).
    pub portal: String,
    /// The signed-in user; `None` before login.
    pub user: Option<User>,
    /// The token every state-changing form of this session carries.
    pub csrf: String,
    /// The binding cookie's value (base64url of the secret) once the session minted a handle.
    pub binding: Option<String>,
    /// Start, seconds since the epoch.
    pub created: i64,
    /// Last request, seconds since the epoch.
    pub seen: i64,
}

/// Stores a new session.
pub fn insert(conn: &Connection, row: &SessionRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO portal_sessions (id, portal, user_id, csrf, binding, created, seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            row.id,
            row.portal,
            row.user.as_ref().map(|u| u.id.as_str()),
            row.csrf,
            row.binding,
            row.created,
            row.seen
        ],
    )?;
    Ok(())
}

/// The session `id`, whatever its age (the caller decides whether it is still live).
pub fn get(conn: &Connection, id: &str) -> Result<Option<SessionRow>, StoreError> {
    let row = conn
        .query_row(
            "SELECT s.id, s.portal, s.csrf, s.binding, s.created, s.seen, u.id, u.portal, u.name
             FROM portal_sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ?1",
            [id],
            |r| {
                let user = match r.get::<_, Option<String>>(6)? {
                    Some(_) => Some(user_from_row_at(r, 6)?),
                    None => None,
                };
                Ok(SessionRow {
                    id: r.get(0)?,
                    portal: r.get(1)?,
                    csrf: r.get(2)?,
                    binding: r.get(3)?,
                    created: r.get(4)?,
                    seen: r.get(5)?,
                    user,
                })
            },
        )
        .optional()?;
    Ok(row)
}

/// Records a request of session `id` at `now`.
pub fn touch(conn: &Connection, id: &str, now: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE portal_sessions SET seen = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Sets (or with `None` forgets) the binding value of session `id`.
pub fn set_binding(conn: &Connection, id: &str, binding: Option<&str>) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE portal_sessions SET binding = ?2 WHERE id = ?1",
        params![id, binding],
    )?;
    Ok(())
}

/// Ends session `id`.
pub fn delete(conn: &Connection, id: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM portal_sessions WHERE id = ?1", [id])?;
    Ok(())
}

/// Deletes the sessions idle since before `idle_before` or started before `started_before`.
pub fn purge(conn: &Connection, idle_before: i64, started_before: i64) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM portal_sessions WHERE seen < ?1 OR created < ?2",
        params![idle_before, started_before],
    )?;
    Ok(())
}

/// The test hooks' binding value, made by `make` on first use and kept across restarts.
pub fn hook_binding(
    conn: &Connection,
    make: impl FnOnce() -> String,
) -> Result<String, StoreError> {
    let existing: Option<String> = conn
        .query_row("SELECT value FROM hook_binding WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(value) = existing {
        return Ok(value);
    }
    let value = make();
    conn.execute(
        "INSERT INTO hook_binding (id, value) VALUES (1, ?1)",
        [&value],
    )?;
    Ok(value)
}

fn user_from_row_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(first)?,
        portal: r.get(first + 1)?,
        name: r.get(first + 2)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::cards::insert_user;
    use crate::db::test_support::temp_db;

    fn row(id: &str, user: Option<User>) -> SessionRow {
        SessionRow {
            id: id.into(),
            portal: "gift".into(),
            user,
            csrf: "t".into(),
            binding: None,
            created: 100,
            seen: 100,
        }
    }

    #[test]
    fn sessions_keep_their_user_binding_and_times() {
        let (_dir, db) = temp_db();
        let user = User {
            id: "u1".into(),
            portal: "gift".into(),
            name: "Demo".into(),
        };
        db.write(|tx| {
            insert_user(tx, &user)?;
            insert(tx, &row("anon", None))?;
            insert(tx, &row("s1", Some(user.clone())))
        })
        .unwrap();
        assert_eq!(
            db.read(|c| get(c, "anon")).unwrap(),
            Some(row("anon", None))
        );
        db.write(|tx| {
            set_binding(tx, "s1", Some("b"))?;
            touch(tx, "s1", 150)
        })
        .unwrap();
        let s1 = db.read(|c| get(c, "s1")).unwrap().unwrap();
        assert_eq!(
            (s1.user, s1.binding.as_deref(), s1.seen),
            (Some(user), Some("b"), 150)
        );
        db.write(|tx| purge(tx, 120, 0)).unwrap();
        assert!(db.read(|c| get(c, "anon")).unwrap().is_none(), "idle");
        assert!(db.read(|c| get(c, "s1")).unwrap().is_some());
        db.write(|tx| purge(tx, 0, 101)).unwrap();
        assert!(db.read(|c| get(c, "s1")).unwrap().is_none(), "too old");
        db.write(|tx| delete(tx, "s1")).unwrap();
    }

    #[test]
    fn the_hook_binding_is_made_once() {
        let (_dir, db) = temp_db();
        let first = db.write(|tx| hook_binding(tx, || "a".into())).unwrap();
        let again = db.write(|tx| hook_binding(tx, || "b".into())).unwrap();
        assert_eq!((first.as_str(), again.as_str()), ("a", "a"));
    }
}
