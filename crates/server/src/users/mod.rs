//! User accounts: the model, validation of profile fields, and every account change
//! (create, update, (de)activate, unlock, password reset, delete) with its audit row.
//! Rule kept here: the last active administrator can never be removed or demoted.

pub mod handlers;
pub mod password;
pub mod queries;

use crate::db::DbConn;
use bms_types::rules;
use bms_types::users::{Role, UpdateUserRequest, UserDto};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::Actor;
use crate::audit::{self, AuditEvent};
use crate::db::schema::users;
use crate::error::{ApiError, Violations};
use crate::sessions::revoke_all_sessions;

/// A stored account.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub department: String,
    pub role: Role,
    pub password_hash: String,
    pub is_active: bool,
    pub must_change_password: bool,
    pub failed_login_count: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Loads by id; `not_found` when absent.
    pub fn find(conn: &mut DbConn, id: i64) -> Result<User, ApiError> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("User"))
    }

    /// Loads by username, case-insensitively (the column collates NOCASE).
    pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
        users::table.filter(users::username.eq(username.trim())).select(User::as_select()).first(conn).optional()
    }

    /// The wire form; `locked_until` only while the lock is in force.
    pub fn to_dto(&self, now: DateTime<Utc>) -> Result<UserDto, ApiError> {
        Ok(UserDto {
            id: self.id,
            username: self.username.clone(),
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            department: self.department.clone(),
            role: self.role,
            is_active: self.is_active,
            must_change_password: self.must_change_password,
            failed_login_count: self.failed_login_count,
            locked_until: self.locked_until.filter(|until| *until > now),
            last_login_at: self.last_login_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A user to create, already validated.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub department: String,
    pub role: Role,
    pub password: String,
    pub must_change_password: bool,
}

/// Validates the fields of a new account (not the password, which has its own policy).
pub fn validate_profile(
    username: Option<&str>,
    email: Option<&str>,
    full_name: Option<&str>,
    department: Option<&str>,
) -> Violations {
    let mut violations = Violations::new();
    if let Some(username) = username {
        violations.shared("username", rules::username(username));
    }
    if let Some(email) = email
        && (email.len() > 254 || !email_address::EmailAddress::is_valid(email))
    {
        violations.add("email", "email", "must be a valid e-mail address");
    }
    for (field, value) in [("full_name", full_name), ("department", department)] {
        violations.shared(field, value.and_then(|value| rules::max_length(value, rules::PROFILE_TEXT_MAX)));
    }
    violations
}

/// Inserts an account and its audit row in one transaction.
pub fn create_account(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    account: &NewAccount,
) -> Result<User, ApiError> {
    let password_hash = password::hash_password(&account.password)?;
    crate::db::write_transaction(conn, |conn| {
        if User::find_by_username(conn, &account.username)?.is_some() {
            return Err(ApiError::conflict(format!("The username `{}` is already taken.", account.username)));
        }
        let id: i64 = diesel::insert_into(users::table)
            .values((
                users::username.eq(&account.username),
                users::email.eq(&account.email),
                users::full_name.eq(&account.full_name),
                users::department.eq(&account.department),
                users::role.eq(account.role.as_str()),
                users::password_hash.eq(&password_hash),
                users::is_active.eq(true),
                users::must_change_password.eq(account.must_change_password),
                users::password_changed_at.eq(now),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .returning(users::id)
            .get_result(conn)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("user.create", "user", id).with_details(json!({
                "username": account.username, "role": account.role.as_str(), "must_change_password": account.must_change_password,
            })),
        )?;
        User::find(conn, id)
    })
}

fn active_admin_count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.filter(users::role.eq(Role::Admin.as_str())).filter(users::is_active.eq(true)).count().get_result(conn)
}

/// Refuses a change that would leave no active administrator.
fn ensure_not_last_admin(conn: &mut DbConn, user: &User) -> Result<(), ApiError> {
    if user.role == Role::Admin && user.is_active && active_admin_count(conn)? <= 1 {
        return Err(ApiError::conflict("This is the last active administrator; create or activate another one first."));
    }
    Ok(())
}

/// Applies a profile/role update.
pub fn update_account(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i64,
    changes: &UpdateUserRequest,
) -> Result<User, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let user = User::find(conn, id)?;
        let new_role = changes.role.filter(|role| *role != user.role);
        if new_role.is_some() {
            ensure_not_last_admin(conn, &user)?;
        }
        diesel::update(users::table.find(id))
            .set((
                users::email.eq(changes.email.as_deref().unwrap_or(&user.email)),
                users::full_name.eq(changes.full_name.as_deref().unwrap_or(&user.full_name)),
                users::department.eq(changes.department.as_deref().unwrap_or(&user.department)),
                users::role.eq(new_role.unwrap_or(user.role)),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        if new_role.is_some() {
            // A role change takes effect at once: the extractor reads the role from the
            // database, but revoking also ends sessions that were opened under the old role.
            revoke_all_sessions(conn, id, "role_changed", now)?;
        }
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("user.update", "user", id).with_details(json!({
                "email": changes.email, "full_name": changes.full_name, "department": changes.department,
                "role": new_role.map(|role| json!({"from": user.role, "to": role})),
            })),
        )?;
        User::find(conn, id)
    })
}

/// Activates or deactivates an account; deactivation revokes all its sessions.
pub fn set_active(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i64,
    active: bool,
) -> Result<User, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let user = User::find(conn, id)?;
        if !active {
            if actor.user_id == Some(id) {
                return Err(ApiError::conflict("You cannot deactivate your own account."));
            }
            ensure_not_last_admin(conn, &user)?;
        }
        diesel::update(users::table.find(id))
            .set((users::is_active.eq(active), users::updated_at.eq(now)))
            .execute(conn)?;
        let revoked = if active { 0 } else { revoke_all_sessions(conn, id, "deactivated", now)? };
        let action = if active { "user.activate" } else { "user.deactivate" };
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success(action, "user", id).with_details(json!({"sessions_revoked": revoked})),
        )?;
        User::find(conn, id)
    })
}

/// Clears a lockout.
pub fn unlock(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, id: i64) -> Result<User, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let user = User::find(conn, id)?;
        diesel::update(users::table.find(id))
            .set((
                users::failed_login_count.eq(0),
                users::locked_until.eq(None::<DateTime<Utc>>),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("user.unlock", "user", id).with_details(json!({"was_locked_until": user.locked_until})),
        )?;
        User::find(conn, id)
    })
}

/// Sets a temporary password that must be changed at next login; revokes sessions.
pub fn reset_password(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i64,
    new_password: &str,
) -> Result<User, ApiError> {
    let password_hash = password::hash_password(new_password)?;
    crate::db::write_transaction(conn, |conn| {
        User::find(conn, id)?;
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(&password_hash),
                users::must_change_password.eq(true),
                users::password_changed_at.eq(now),
                users::failed_login_count.eq(0),
                users::locked_until.eq(None::<DateTime<Utc>>),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        let revoked = revoke_all_sessions(conn, id, "password_reset", now)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("user.reset_password", "user", id).with_details(json!({"sessions_revoked": revoked})),
        )?;
        User::find(conn, id)
    })
}

/// Deletes an account. Its audit rows keep the id and name they were written with.
pub fn delete_account(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, id: i64) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let user = User::find(conn, id)?;
        if actor.user_id == Some(id) {
            return Err(ApiError::conflict("You cannot delete your own account."));
        }
        ensure_not_last_admin(conn, &user)?;
        diesel::delete(users::table.find(id)).execute(conn)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("user.delete", "user", id)
                .with_details(json!({"username": user.username, "role": user.role})),
        )?;
        Ok(())
    })
}

/// Creates the first administrator when the database has no user at all. Returns the
/// generated password, to be shown once.
pub fn ensure_first_admin(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Option<String>, ApiError> {
    let existing: i64 = users::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(None);
    }
    let password = password::generate_password();
    let account = NewAccount {
        username: "admin".to_owned(),
        email: "admin@localhost".to_owned(),
        full_name: "Administrator".to_owned(),
        department: String::new(),
        role: Role::Admin,
        password: password.clone(),
        must_change_password: true,
    };
    create_account(conn, now, &Actor::system("first-start"), &account)?;
    Ok(Some(password))
}
