//! Notifications: channels (e-mail, Teams, Slack, webhook) with their secrets encrypted at
//! rest, the default e-mail channel and route made from the old guide's `MAIL_*`
//! variables, and the delivery side of the outbox (`dispatch`): queued alert changes become
//! rendered messages (`render`) that a worker sends (`send`) with retries and backoff, each
//! attempt recorded.

pub mod crypto;
pub mod dispatch;
pub mod handlers;
pub mod render;
pub mod send;

use std::collections::BTreeMap;

use bms_types::alerts::{ChannelDto, ChannelKind, EmailSecurity, EmailSettingsDto, MessageLanguage, Severity};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{AlertingSettings, MailSettings};
use crate::db::DbConn;
use crate::db::schema::{notification_channels, notification_routes};
use crate::error::ApiError;
use crypto::SecretBox;

/// Installs rustls's process-wide crypto provider (ring) once; webhook HTTPS and SMTP TLS
/// need it. Safe to call again.
#[allow(deprecated)] // ring's provider lacks post-quantum key exchange; SMTP and webhooks do not need it.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The non-secret part of a channel, stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSettings {
    /// E-mail settings.
    #[serde(default)]
    pub email: Option<EmailSettingsDto>,
    /// Names of the webhook's custom headers.
    #[serde(default)]
    pub header_names: Vec<String>,
    /// Which secrets are set.
    #[serde(default)]
    pub secrets_set: Vec<String>,
}

/// The secret part, stored encrypted.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSecrets {
    /// SMTP password.
    #[serde(default)]
    pub password: Option<String>,
    /// Webhook URL.
    #[serde(default)]
    pub url: Option<String>,
    /// HMAC signing secret.
    #[serde(default)]
    pub signing_secret: Option<String>,
    /// Custom headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl std::fmt::Debug for ChannelSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChannelSecrets(..)")
    }
}

impl ChannelSecrets {
    /// The names of the secrets that are set.
    pub fn names(&self) -> Vec<String> {
        let mut names = Vec::new();
        if self.password.is_some() {
            names.push("password".to_owned());
        }
        if self.url.is_some() {
            names.push("url".to_owned());
        }
        if self.signing_secret.is_some() {
            names.push("signing_secret".to_owned());
        }
        if !self.headers.is_empty() {
            names.push("headers".to_owned());
        }
        names
    }
}

/// A stored channel.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notification_channels)]
pub struct ChannelRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub language: String,
    pub enabled: bool,
    pub managed_by_env: bool,
    pub settings: String,
    pub secrets: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ChannelRow {
    /// The kind.
    pub fn kind(&self) -> ChannelKind {
        ChannelKind::parse(&self.kind).unwrap_or(ChannelKind::Webhook)
    }

    /// The language.
    pub fn language(&self) -> MessageLanguage {
        MessageLanguage::parse(&self.language).unwrap_or(MessageLanguage::Ja)
    }

    /// The non-secret settings.
    pub fn settings(&self) -> ChannelSettings {
        serde_json::from_str(&self.settings).unwrap_or_default()
    }

    /// The decrypted secrets.
    pub fn secrets(&self, secret_box: &SecretBox) -> Result<ChannelSecrets, String> {
        match &self.secrets {
            None => Ok(ChannelSecrets::default()),
            Some(sealed) => {
                let plain = secret_box.open(sealed)?;
                serde_json::from_str(&plain).map_err(|_| "the stored channel secrets are not valid".to_owned())
            }
        }
    }

    /// The wire form (never a secret).
    pub fn to_dto(&self) -> ChannelDto {
        let settings = self.settings();
        ChannelDto {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind(),
            language: self.language(),
            enabled: self.enabled,
            managed_by_env: self.managed_by_env,
            email: settings.email,
            header_names: settings.header_names,
            secrets_set: settings.secrets_set,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Seals secrets for storage (`None` when there are none).
pub fn seal_secrets(secret_box: &SecretBox, secrets: &ChannelSecrets) -> Result<Option<String>, String> {
    if secrets.names().is_empty() {
        return Ok(None);
    }
    let plain = serde_json::to_string(secrets).map_err(|error| error.to_string())?;
    secret_box.seal(&plain).map(Some)
}

/// Name of the channel the `MAIL_*` variables define.
pub const ENV_CHANNEL_NAME: &str = "mail (MAIL_* settings)";
/// Name of the default route that goes with it.
pub const ENV_ROUTE_NAME: &str = "default: critical and warning to admins and operators";

/// The `MAIL_*` variables as e-mail channel settings.
pub fn env_email_settings(mail: &MailSettings) -> Result<EmailSettingsDto, String> {
    let ca_certificate_pem = match &mail.ca_file {
        None => None,
        Some(path) => {
            Some(std::fs::read_to_string(path).map_err(|error| format!("MAIL_CA_FILE {}: {error}", path.display()))?)
        }
    };
    Ok(EmailSettingsDto {
        host: mail.server.clone(),
        port: mail.port,
        security: if mail.use_ssl {
            EmailSecurity::Tls
        } else if mail.use_tls {
            EmailSecurity::Starttls
        } else {
            EmailSecurity::None
        },
        username: mail.username.clone(),
        from_address: mail.default_sender.clone(),
        to_addresses: Vec::new(),
        ca_certificate_pem,
    })
}

/// Makes the `MAIL_*` channel and the default route match the configuration at start:
/// created or updated when `MAIL_SERVER` is set, disabled when it is not. Returns whether
/// anything changed.
pub fn sync_env_channel(
    conn: &mut DbConn,
    mail: Option<&MailSettings>,
    secret_box: &SecretBox,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let existing: Option<ChannelRow> = notification_channels::table
            .filter(notification_channels::managed_by_env.eq(true))
            .select(ChannelRow::as_select())
            .first(conn)
            .optional()?;
        let Some(mail) = mail else {
            if let Some(row) = existing.filter(|row| row.enabled) {
                diesel::update(notification_channels::table.find(row.id))
                    .set((notification_channels::enabled.eq(false), notification_channels::updated_at.eq(now)))
                    .execute(conn)?;
                diesel::update(notification_routes::table.filter(notification_routes::managed_by_env.eq(true)))
                    .set(notification_routes::enabled.eq(false))
                    .execute(conn)?;
                return Ok(true);
            }
            return Ok(false);
        };
        let secrets =
            ChannelSecrets { password: mail.password.as_ref().map(|p| p.expose().to_owned()), ..Default::default() };
        let settings = ChannelSettings {
            email: Some(env_email_settings(mail).map_err(ApiError::internal)?),
            header_names: Vec::new(),
            secrets_set: secrets.names(),
        };
        let settings_json = serde_json::to_string(&settings).map_err(ApiError::internal)?;
        let unchanged = existing.as_ref().is_some_and(|row| {
            row.enabled && row.settings == settings_json && row.secrets(secret_box).ok().as_ref() == Some(&secrets)
        });
        let channel_id = match existing {
            Some(row) if unchanged => row.id,
            Some(row) => {
                diesel::update(notification_channels::table.find(row.id))
                    .set((
                        notification_channels::enabled.eq(true),
                        notification_channels::settings.eq(&settings_json),
                        notification_channels::secrets
                            .eq(seal_secrets(secret_box, &secrets).map_err(ApiError::internal)?),
                        notification_channels::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                row.id
            }
            None => diesel::insert_into(notification_channels::table)
                .values((
                    notification_channels::name.eq(ENV_CHANNEL_NAME),
                    notification_channels::kind.eq(ChannelKind::Email.as_str()),
                    notification_channels::language.eq(MessageLanguage::Ja.as_str()),
                    notification_channels::enabled.eq(true),
                    notification_channels::managed_by_env.eq(true),
                    notification_channels::settings.eq(&settings_json),
                    notification_channels::secrets.eq(seal_secrets(secret_box, &secrets).map_err(ApiError::internal)?),
                    notification_channels::created_at.eq(now),
                    notification_channels::updated_at.eq(now),
                ))
                .returning(notification_channels::id)
                .get_result(conn)?,
        };
        let route: Option<(i64, bool)> = notification_routes::table
            .filter(notification_routes::managed_by_env.eq(true))
            .select((notification_routes::id, notification_routes::enabled))
            .first(conn)
            .optional()?;
        match route {
            Some((id, false)) => {
                diesel::update(notification_routes::table.find(id))
                    .set(notification_routes::enabled.eq(true))
                    .execute(conn)?;
            }
            Some(_) => {}
            None => {
                let severities =
                    serde_json::to_string(&[Severity::Critical, Severity::Warning]).map_err(ApiError::internal)?;
                diesel::insert_into(notification_routes::table)
                    .values((
                        notification_routes::name.eq(ENV_ROUTE_NAME),
                        notification_routes::enabled.eq(true),
                        notification_routes::severities.eq(severities),
                        notification_routes::rule_kinds.eq("[]"),
                        notification_routes::tags.eq("[]"),
                        notification_routes::job_ids.eq("[]"),
                        notification_routes::channel_ids.eq(format!("[{channel_id}]")),
                        notification_routes::notify_staff.eq(true),
                        notification_routes::escalation_channel_ids.eq("[]"),
                        notification_routes::group_wait_seconds.eq(30),
                        notification_routes::group_interval_seconds.eq(300),
                        notification_routes::managed_by_env.eq(true),
                        notification_routes::created_at.eq(now),
                        notification_routes::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        crate::alerts::configuration_changed();
        Ok(!unchanged)
    })
}

/// Re-encrypts every channel's secrets from `old` to `new` in one transaction (after a
/// `SECRET_KEY` change); a channel that neither key opens stops the whole run, changing
/// nothing. Channels already readable with `new` are left as they are. Returns how many
/// were re-encrypted.
pub fn rekey(conn: &mut DbConn, old: &SecretBox, new: &SecretBox) -> Result<usize, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let rows: Vec<ChannelRow> = notification_channels::table.select(ChannelRow::as_select()).load(conn)?;
        let mut count = 0;
        for row in rows {
            if row.secrets.is_none() || row.secrets(new).is_ok() {
                continue;
            }
            let secrets = row.secrets(old).map_err(|_| {
                ApiError::conflict(format!("channel {} opens with neither the old nor the current key", row.name))
            })?;
            let sealed = seal_secrets(new, &secrets).map_err(ApiError::internal)?;
            diesel::update(notification_channels::table.find(row.id))
                .set(notification_channels::secrets.eq(sealed))
                .execute(conn)?;
            count += 1;
        }
        Ok(count)
    })
}

/// What the delivery side needs from the configuration.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Links and retries.
    pub alerting: AlertingSettings,
    /// Seals and opens channel secrets.
    pub secret_box: SecretBox,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rekey_moves_every_channels_secrets_to_the_new_key_and_refuses_unknown_ones() {
        let dir = tempfile::tempdir().expect("dir");
        let pool = crate::db::connect(&dir.path().join("k.db")).expect("pool");
        let mut conn = pool.get().expect("conn");
        crate::db::run_pending_migrations(&mut conn).expect("migrate");
        let (old, new) = (SecretBox::from_secret_key("old key"), SecretBox::from_secret_key("new key"));
        let secrets = ChannelSecrets { url: Some("https://hooks.example/secret-1".into()), ..Default::default() };
        let now = chrono::Utc::now();
        for (name, sealed) in [("a", seal_secrets(&old, &secrets)), ("b", seal_secrets(&old, &secrets))] {
            diesel::insert_into(notification_channels::table)
                .values((
                    notification_channels::name.eq(name),
                    notification_channels::kind.eq("webhook"),
                    notification_channels::language.eq("ja"),
                    notification_channels::settings.eq("{}"),
                    notification_channels::secrets.eq(sealed.expect("seal")),
                    notification_channels::created_at.eq(now),
                    notification_channels::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .expect("insert");
        }
        assert_eq!(rekey(&mut conn, &old, &new).expect("rekey"), 2);
        let rows: Vec<ChannelRow> =
            notification_channels::table.select(ChannelRow::as_select()).load(&mut conn).expect("rows");
        assert!(rows.iter().all(|row| row.secrets(&new).ok().as_ref() == Some(&secrets)));
        assert!(rows.iter().all(|row| row.secrets(&old).is_err()));
        assert_eq!(rekey(&mut conn, &old, &new).expect("again"), 0, "already on the new key: nothing to do");
        let stranger = SecretBox::from_secret_key("another key");
        assert!(
            rekey(&mut conn, &stranger, &SecretBox::from_secret_key("a fourth key")).is_err(),
            "opens with neither"
        );
        let rows: Vec<ChannelRow> =
            notification_channels::table.select(ChannelRow::as_select()).load(&mut conn).expect("rows");
        assert!(rows.iter().all(|row| row.secrets(&new).is_ok()), "a refused rekey changes nothing");
    }
}
