//! Typed configuration, read once at start from the environment (and an optional `.env`
//! file, read with python-dotenv's rules by `envfile`) using the variable names of the old
//! system's deployment guide, so its `.env` files keep working: every variable in them
//! either works or is reported once at start (`Config::notices`) with what replaces it.
//! Parsing is pure (`Config::from_lookup`); side effects such as generating the secret key
//! file happen separately in `ensure_secret_key`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use thiserror::Error;

/// A configuration value that must never reach logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A variable that failed validation; the message names the variable and the rule.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid configuration: {variable}: {rule}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: String,
    /// The rule it broke.
    pub rule: String,
}

impl ConfigError {
    fn new(variable: &str, rule: impl Into<String>) -> Self {
        Self { variable: variable.to_owned(), rule: rule.into() }
    }
}

/// Deployment environment; changes secure defaults (API docs, secret length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local use and tests: API docs on, short secrets tolerated.
    Development,
    /// Real deployments: API docs off by default, `SECRET_KEY` at least 32 characters.
    Production,
}

impl Environment {
    /// The spelling used in `BMS_ENV`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }
}

/// Where the secret key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKeySource {
    /// `SECRET_KEY` was set.
    Environment,
    /// Not set: read from (or generated into) this file next to the database.
    File(PathBuf),
}

/// Password, lockout and session rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// Minimum password length (`PASSWORD_MIN_LENGTH`, default 12).
    pub password_min_length: usize,
    /// Consecutive failures that lock an account (`LOGIN_MAX_ATTEMPTS`, default 5).
    pub login_max_attempts: i32,
    /// Lock duration (`LOGIN_LOCKOUT_MINUTES`, default 15).
    pub lockout_minutes: i64,
    /// Access-token lifetime (`ACCESS_TOKEN_MINUTES`, default 15).
    pub access_token_minutes: i64,
    /// A session not refreshed for this long ends (`SESSION_IDLE_TIMEOUT_MINUTES`, default 30).
    pub session_idle_minutes: i64,
    /// A session ends this long after login whatever happens (`SESSION_MAX_LIFETIME_HOURS`, default 12).
    pub session_max_hours: i64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            password_min_length: 12,
            login_max_attempts: 5,
            lockout_minutes: 15,
            access_token_minutes: 15,
            session_idle_minutes: 30,
            session_max_hours: 12,
        }
    }
}

/// Defaults for backup tracking and the 3-2-1-1-0 rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingSettings {
    /// `DEFAULT_GRACE_MINUTES` (default 60).
    pub default_grace_minutes: i32,
    /// `MANUAL_JOB_FRESHNESS_HOURS`: freshness window of copies of manual jobs (default 168).
    pub manual_freshness_hours: i64,
    /// `COMPLIANCE_MIN_COPIES` (default 3).
    pub min_copies: u32,
    /// `COMPLIANCE_MIN_MEDIA_TYPES` (default 2).
    pub min_media_types: u32,
    /// `COMPLIANCE_MIN_OFFSITE` (default 1).
    pub min_offsite: u32,
    /// `COMPLIANCE_MIN_OFFLINE` (default 1): offline or immutable copies.
    pub min_offline_or_immutable: u32,
    /// `STATE_EVALUATION_SECONDS`: how often every job is re-evaluated (default 60).
    pub evaluation_interval_seconds: u64,
    /// `DASHBOARD_CACHE_SECONDS`: how long a computed dashboard summary is reused
    /// (default 1; 0 disables). Wall screens polling together then cost one computation.
    pub dashboard_cache_seconds: u64,
    /// `RESTORE_TEST_INTERVAL_DAYS`: how often a job's restores must be proven when it sets
    /// no interval of its own (default 90; 0 = no requirement unless a job sets one).
    pub restore_interval_days: u32,
}

impl Default for TrackingSettings {
    fn default() -> Self {
        Self {
            default_grace_minutes: 60,
            manual_freshness_hours: 168,
            min_copies: 3,
            min_media_types: 2,
            min_offsite: 1,
            min_offline_or_immutable: 1,
            evaluation_interval_seconds: 60,
            dashboard_cache_seconds: 1,
            restore_interval_days: 90,
        }
    }
}

/// Alerting and notification delivery (`ALERT_*`, `NOTIFY_*`, `BMS_PUBLIC_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertingSettings {
    /// `BMS_PUBLIC_URL`: the address people open bms at, for links in messages
    /// (default `http://localhost:PORT`).
    pub public_url: String,
    /// `ALERT_COOLDOWN_MINUTES` (default 10): a condition back within this time after its
    /// alert was resolved reopens that alert without a new message (flapping).
    pub cooldown_minutes: i64,
    /// `NOTIFY_RETRY_BASE_SECONDS` (default 60): the first retry delay, doubled each time.
    pub retry_base_seconds: i64,
    /// `NOTIFY_RETRY_MAX_SECONDS` (default 21600 = 6 h): the longest retry delay.
    pub retry_max_seconds: i64,
    /// `NOTIFY_MAX_ATTEMPTS` (default 10): attempts before a delivery is `dead`.
    pub max_attempts: i64,
    /// `NOTIFY_TIMEOUT_SECONDS` (default 10): per webhook request and SMTP command.
    pub timeout_seconds: u64,
}

/// SMTP settings (`MAIL_*`, Flask-Mail names): the default e-mail channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `MAIL_SERVER`.
    pub server: String,
    /// `MAIL_PORT` (default 587).
    pub port: u16,
    /// `MAIL_USE_TLS`: STARTTLS (default true).
    pub use_tls: bool,
    /// `MAIL_USE_SSL`: implicit TLS (default false).
    pub use_ssl: bool,
    /// `MAIL_USERNAME`.
    pub username: Option<String>,
    /// `MAIL_PASSWORD`.
    pub password: Option<Secret>,
    /// `MAIL_DEFAULT_SENDER`.
    pub default_sender: String,
    /// `MAIL_CA_FILE`: a PEM CA certificate to trust for the SMTP server (an internal CA).
    pub ca_file: Option<PathBuf>,
}

/// How bms signs in to Veeam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VeeamAuth {
    /// `VEEAM_USERNAME` + `VEEAM_PASSWORD`.
    Password {
        /// `VEEAM_USERNAME`.
        username: String,
        /// `VEEAM_PASSWORD`.
        password: Secret,
    },
    /// `VEEAM_API_TOKEN`: a pre-issued token (the old guide's way).
    Token(Secret),
}

/// Veeam REST API settings (`VEEAM_*`): validated now; no connector polls Veeam yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VeeamSettings {
    /// `VEEAM_API_URL`, e.g. `https://vbr01:9419` or the old guide's `http://veeam-server:9398`.
    pub api_url: String,
    /// Credentials or token.
    pub auth: VeeamAuth,
    /// `VEEAM_VERIFY_SSL` (default true).
    pub verify_tls: bool,
    /// `VEEAM_POLL_INTERVAL_MINUTES` (default 15).
    pub poll_interval_minutes: u32,
}

/// How `LOG_DIR/bms.log` is rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogRotation {
    /// By logrotate (or another tool) with SIGHUP to reopen: the Linux default.
    External,
    /// By bms itself, daily and when the file passes `max_bytes`, keeping `keep_files`
    /// rotated files: the Windows default (no logrotate, no SIGHUP there).
    Builtin {
        /// `LOG_ROTATE_BYTES` (default 104857600, the old guide's NSSM `AppRotateBytes`).
        max_bytes: u64,
        /// `LOG_KEEP_FILES` (default 14, as the old guide's logrotate `rotate 14`).
        keep_files: usize,
    },
}

/// Something about a variable that an administrator should read once at start: a variable
/// of the old system that bms does not use, or one that is accepted but has no effect yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigNotice {
    /// The variable.
    pub variable: String,
    /// Why it does nothing, and what to use instead.
    pub message: String,
}

/// The whole configuration, passed explicitly to whatever needs it.
#[derive(Debug, Clone)]
pub struct Config {
    /// `BMS_ENV` (or the old `FLASK_ENV`).
    pub environment: Environment,
    /// `SECRET_KEY` when set; otherwise filled by `ensure_secret_key`.
    pub secret_key: Option<Secret>,
    /// Where the secret key comes from.
    pub secret_key_source: SecretKeySource,
    /// `DATABASE_PATH` (default `./data/bms.db`).
    pub database_path: PathBuf,
    /// `LOG_DIR`: also log to `LOG_DIR/bms.log`.
    pub log_dir: Option<PathBuf>,
    /// `METRICS_TOKEN`: bearer token for `GET /metrics`; unset = loopback clients only.
    pub metrics_token: Option<Secret>,
    /// `STATIC_DIR`: the built SPA served at `/` (default `dist`, Trunk's output; empty =
    /// serve no UI, e.g. when nginx serves it).
    pub static_dir: Option<PathBuf>,
    /// `HOST` (default 127.0.0.1).
    pub host: String,
    /// `PORT` (default 5000; 0 picks a free port).
    pub port: u16,
    /// `SESSION_COOKIE_SECURE`: kept for guide compatibility; bms uses no session cookie.
    pub session_cookie_secure: bool,
    /// `ENABLE_CSRF_PROTECTION`: bms authenticates with bearer tokens, which CSRF cannot
    /// forge; the flag guards any cookie-based endpoint added later.
    pub enable_csrf_protection: bool,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins; empty means same origin only.
    pub cors_allowed_origins: Vec<String>,
    /// `API_DOCS_ENABLED` (default on in development, off in production).
    pub api_docs_enabled: bool,
    /// `TRUSTED_PROXIES`: IPs or CIDRs whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `MAX_BODY_BYTES` (default 1 MiB).
    pub max_body_bytes: usize,
    /// `ATTACHMENT_DIR`: where restore-test evidence files are kept (default
    /// `attachments/` beside the database).
    pub attachment_dir: PathBuf,
    /// `ATTACHMENT_MAX_BYTES`: largest evidence file (default 20 MiB).
    pub attachment_max_bytes: usize,
    /// `DEFAULT_TIMEZONE` (IANA name, default Asia/Tokyo).
    pub default_timezone: chrono_tz::Tz,
    /// Password, lockout and session rules.
    pub auth: AuthSettings,
    /// Tracking and compliance defaults.
    pub tracking: TrackingSettings,
    /// SMTP, when `MAIL_SERVER` is set.
    pub mail: Option<MailSettings>,
    /// Alerting and notification delivery.
    pub alerting: AlertingSettings,
    /// Veeam settings, when `VEEAM_API_URL` is set.
    pub veeam: Option<VeeamSettings>,
    /// `WORKERS`: HTTP worker threads (default: the number of CPUs).
    pub workers: usize,
    /// `RUST_LOG`: the log filter (default `info`).
    pub log_filter: String,
    /// `LOG_ROTATION` and its limits.
    pub log_rotation: LogRotation,
    /// `MIGRATION_BACKUP_KEEP`: automatic pre-migration copies kept in `backups/` (default 5).
    pub migration_backup_keep: usize,
    /// The env file that was read, if any.
    pub env_file: Option<PathBuf>,
    /// Notices to log once at start (and print in `check-config`).
    pub notices: Vec<ConfigNotice>,
}

/// Variables of the old system (Flask, gunicorn) that bms does not read, with the reason
/// and what replaces them; reported once at start when set.
const RETIRED_VARIABLES: &[(&str, &str)] = &[
    ("FLASK_APP", "bms is one program (`bms serve`); there is no application module to name. Nothing replaces it"),
    ("FLASK_DEBUG", "bms has no debug server; use RUST_LOG=debug for detailed logs"),
    ("FLASK_RUN_HOST", "use HOST"),
    ("FLASK_RUN_PORT", "use PORT"),
    ("DATABASE_URL", "bms reads the SQLite file named by DATABASE_PATH"),
    ("SQLALCHEMY_DATABASE_URI", "bms reads the SQLite file named by DATABASE_PATH"),
    ("GUNICORN_WORKERS", "bms is one process with worker threads; use WORKERS (default: the number of CPUs)"),
    ("GUNICORN_THREADS", "each bms worker thread serves many connections at once; WORKERS sets the number of threads"),
    ("GUNICORN_TIMEOUT", "bms has no worker timeout to set: a slow request never blocks a worker"),
    ("GUNICORN_KEEPALIVE", "bms keeps idle HTTP connections open for 5 s, as GUNICORN_KEEPALIVE=5 did"),
    (
        "SESSION_COOKIE_HTTPONLY",
        "bms sets no session cookie yet (the web UI and scripts authenticate with bearer tokens); nothing to configure",
    ),
];

/// Name of the generated secret-key file, stored next to the database.
pub const SECRET_KEY_FILE: &str = "secret_key";

impl Config {
    /// Reads the env file (`env_file` from `--env-file`, else `BMS_ENV_FILE`, else `.env` in
    /// the working directory if present) and parses it together with the process
    /// environment, which wins (as python-dotenv without `override`). Variables in the file
    /// that bms does not know are reported in `notices`.
    pub fn from_env(env_file: Option<&Path>) -> Result<Self, ConfigError> {
        let explicit = env_file.map(Path::to_path_buf).or_else(|| std::env::var_os("BMS_ENV_FILE").map(PathBuf::from));
        let (path, origin) = match &explicit {
            Some(path) => (path.clone(), if env_file.is_some() { "--env-file" } else { "BMS_ENV_FILE" }),
            None => (PathBuf::from(".env"), ".env"),
        };
        let process = |name: &str| std::env::var(name).ok();
        let entries = match std::fs::read_to_string(&path) {
            Ok(text) => crate::envfile::parse(&text)
                .map_err(|error| ConfigError::new(origin, format!("{}: {error}", path.display())))?,
            // A missing .env is normal; a missing file that was asked for is not.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                return Self::from_lookup(process);
            }
            Err(error) => return Err(ConfigError::new(origin, format!("cannot read {}: {error}", path.display()))),
        };
        let from_file = crate::envfile::resolve(&entries, &process);
        let (mut config, read) = Self::parse(&|name| process(name).or_else(|| from_file.get(name).cloned()))?;
        let mut reported: BTreeSet<&str> = config.notices.iter().map(|notice| notice.variable.as_str()).collect();
        let mut unknown = Vec::new();
        for entry in &entries {
            if !read.contains(entry.name.as_str()) && reported.insert(entry.name.as_str()) {
                unknown.push(ConfigNotice {
                    variable: entry.name.clone(),
                    message: format!(
                        "not used by bms: not a bms setting (line {} of {}); ignored",
                        entry.line,
                        path.display()
                    ),
                });
            }
        }
        config.notices.extend(unknown);
        config.env_file = Some(path);
        Ok(config)
    }

    /// Parses configuration from any variable source (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::parse(&lookup).map(|(config, _)| config)
    }

    /// Parses, and tells which variable names were consulted (so `from_env` can report the
    /// names in a file that mean nothing to bms).
    fn parse(lookup: &dyn Fn(&str) -> Option<String>) -> Result<(Self, BTreeSet<&'static str>), ConfigError> {
        let vars = Vars { lookup, read: RefCell::new(BTreeSet::new()) };
        // Always consulted elsewhere (the CLI, the logger), never unknown.
        vars.get("BMS_ENV_FILE");
        let environment = match vars.get("BMS_ENV").or_else(|| vars.get("FLASK_ENV")) {
            None => Environment::Development,
            Some(value) => match value.to_ascii_lowercase().as_str() {
                "production" | "prod" => Environment::Production,
                "development" | "dev" => Environment::Development,
                _ => {
                    let variable = if vars.get("BMS_ENV").is_some() { "BMS_ENV" } else { "FLASK_ENV" };
                    return Err(ConfigError::new(variable, "must be `production` or `development`"));
                }
            },
        };

        let database_path = PathBuf::from(vars.get("DATABASE_PATH").unwrap_or_else(|| "./data/bms.db".into()));
        if database_path.file_name().is_none() {
            return Err(ConfigError::new("DATABASE_PATH", "must name a file"));
        }

        let secret_key = vars.get("SECRET_KEY").map(Secret::new);
        let secret_key_source = match &secret_key {
            Some(key) => {
                if environment == Environment::Production && key.expose().chars().count() < 32 {
                    return Err(ConfigError::new(
                        "SECRET_KEY",
                        "must be at least 32 characters in production (generate one with `bms gen-secret`)",
                    ));
                }
                SecretKeySource::Environment
            }
            None => SecretKeySource::File(secret_key_path(&database_path)),
        };

        let host = vars.get("HOST").unwrap_or_else(|| "127.0.0.1".into());
        if host.chars().any(char::is_whitespace) {
            return Err(ConfigError::new("HOST", "must be an IP address or host name without spaces"));
        }
        let port = vars.parse_number("PORT", 5000u16, 0, u16::MAX)?;

        let cors_allowed_origins = vars
            .list("CORS_ALLOWED_ORIGINS")
            .into_iter()
            .map(|origin| validate_origin(&origin).map(|()| origin))
            .collect::<Result<Vec<_>, _>>()?;

        let trusted_proxies =
            vars.list("TRUSTED_PROXIES").into_iter().map(|entry| parse_proxy(&entry)).collect::<Result<Vec<_>, _>>()?;

        let default_timezone = match vars.get("DEFAULT_TIMEZONE") {
            None => chrono_tz::Asia::Tokyo,
            Some(name) => name.parse::<chrono_tz::Tz>().map_err(|_| {
                ConfigError::new("DEFAULT_TIMEZONE", "must be an IANA time zone name such as Asia/Tokyo")
            })?,
        };

        let auth = AuthSettings {
            password_min_length: vars.parse_number("PASSWORD_MIN_LENGTH", 12usize, 8, 128)?,
            login_max_attempts: vars.parse_number("LOGIN_MAX_ATTEMPTS", 5i32, 1, 100)?,
            lockout_minutes: vars.parse_number("LOGIN_LOCKOUT_MINUTES", 15i64, 1, 1440)?,
            access_token_minutes: vars.parse_number("ACCESS_TOKEN_MINUTES", 15i64, 1, 60)?,
            session_idle_minutes: vars.parse_number("SESSION_IDLE_TIMEOUT_MINUTES", 30i64, 5, 1440)?,
            session_max_hours: vars.parse_number("SESSION_MAX_LIFETIME_HOURS", 12i64, 1, 168)?,
        };
        if auth.session_idle_minutes < auth.access_token_minutes {
            return Err(ConfigError::new(
                "SESSION_IDLE_TIMEOUT_MINUTES",
                "must not be shorter than ACCESS_TOKEN_MINUTES",
            ));
        }

        let tracking = TrackingSettings {
            default_grace_minutes: vars.parse_number("DEFAULT_GRACE_MINUTES", 60i32, 0, 10_080)?,
            manual_freshness_hours: vars.parse_number("MANUAL_JOB_FRESHNESS_HOURS", 168i64, 1, 8784)?,
            min_copies: vars.parse_number("COMPLIANCE_MIN_COPIES", 3u32, 1, 20)?,
            min_media_types: vars.parse_number("COMPLIANCE_MIN_MEDIA_TYPES", 2u32, 1, 7)?,
            min_offsite: vars.parse_number("COMPLIANCE_MIN_OFFSITE", 1u32, 0, 20)?,
            min_offline_or_immutable: vars.parse_number("COMPLIANCE_MIN_OFFLINE", 1u32, 0, 20)?,
            evaluation_interval_seconds: vars.parse_number("STATE_EVALUATION_SECONDS", 60u64, 5, 3600)?,
            dashboard_cache_seconds: vars.parse_number("DASHBOARD_CACHE_SECONDS", 1u64, 0, 60)?,
            restore_interval_days: vars.parse_number("RESTORE_TEST_INTERVAL_DAYS", 90u32, 0, 3650)?,
        };

        let attachment_dir = vars.get("ATTACHMENT_DIR").map(PathBuf::from).unwrap_or_else(|| {
            database_path.parent().map_or_else(|| PathBuf::from("attachments"), |dir| dir.join("attachments"))
        });
        let mut config = Self {
            environment,
            secret_key,
            secret_key_source,
            database_path,
            log_dir: vars.get("LOG_DIR").map(PathBuf::from),
            metrics_token: vars.get("METRICS_TOKEN").map(Secret::new),
            // Unlike other variables, set-but-empty means something: no web UI.
            static_dir: match vars.get_raw("STATIC_DIR") {
                None => Some(PathBuf::from(DEFAULT_STATIC_DIR)),
                Some(dir) if dir.trim().is_empty() => None,
                Some(dir) => Some(PathBuf::from(dir.trim())),
            },
            host,
            port,
            session_cookie_secure: vars.parse_bool("SESSION_COOKIE_SECURE", environment == Environment::Production)?,
            enable_csrf_protection: vars.parse_bool("ENABLE_CSRF_PROTECTION", true)?,
            cors_allowed_origins,
            api_docs_enabled: vars.parse_bool("API_DOCS_ENABLED", environment == Environment::Development)?,
            trusted_proxies,
            max_body_bytes: vars.parse_number("MAX_BODY_BYTES", 1024 * 1024usize, 1024, 64 * 1024 * 1024)?,
            attachment_dir,
            attachment_max_bytes: vars.parse_number(
                "ATTACHMENT_MAX_BYTES",
                20 * 1024 * 1024usize,
                1024,
                1024 * 1024 * 1024,
            )?,
            default_timezone,
            auth,
            tracking,
            mail: parse_mail(&vars)?,
            alerting: AlertingSettings {
                public_url: match vars.get("BMS_PUBLIC_URL") {
                    None => format!("http://localhost:{port}"),
                    Some(url) => validate_public_url(&url)?,
                },
                cooldown_minutes: vars.parse_number("ALERT_COOLDOWN_MINUTES", 10i64, 0, 1440)?,
                retry_base_seconds: vars.parse_number("NOTIFY_RETRY_BASE_SECONDS", 60i64, 1, 3600)?,
                retry_max_seconds: vars.parse_number("NOTIFY_RETRY_MAX_SECONDS", 21_600i64, 1, 604_800)?,
                max_attempts: vars.parse_number("NOTIFY_MAX_ATTEMPTS", 10i64, 1, 100)?,
                timeout_seconds: vars.parse_number("NOTIFY_TIMEOUT_SECONDS", 10u64, 1, 120)?,
            },
            veeam: parse_veeam(&vars)?,
            workers: vars.parse_number("WORKERS", default_workers(), 1, 256)?,
            log_filter: vars.get("RUST_LOG").unwrap_or_else(|| "info".to_owned()),
            log_rotation: parse_log_rotation(&vars)?,
            migration_backup_keep: vars.parse_number("MIGRATION_BACKUP_KEEP", 5usize, 1, 1000)?,
            env_file: None,
            notices: Vec::new(),
        };
        config.notices = inactive_setting_notices(&vars, &config);
        Ok((config, vars.read.into_inner()))
    }

    /// The secret key; `ensure_secret_key` must have run (or `SECRET_KEY` been set).
    pub fn secret(&self) -> Option<&Secret> {
        self.secret_key.as_ref()
    }

    /// The effective configuration as `NAME=value` lines with secrets masked.
    pub fn describe(&self) -> Vec<(String, String)> {
        let masked = |set: bool| if set { "******** (set)".to_owned() } else { "(not set)".to_owned() };
        let mut lines = vec![
            ("BMS_ENV".to_owned(), self.environment.as_str().to_owned()),
            (
                "SECRET_KEY".to_owned(),
                match &self.secret_key_source {
                    SecretKeySource::Environment => masked(true),
                    SecretKeySource::File(path) => format!("(from file {})", path.display()),
                },
            ),
            ("DATABASE_PATH".to_owned(), self.database_path.display().to_string()),
            (
                "LOG_DIR".to_owned(),
                self.log_dir.as_ref().map_or("(stderr only)".to_owned(), |dir| dir.display().to_string()),
            ),
            (
                "METRICS_TOKEN".to_owned(),
                if self.metrics_token.is_some() {
                    masked(true)
                } else {
                    "(not set: /metrics for loopback clients only)".to_owned()
                },
            ),
            (
                "STATIC_DIR".to_owned(),
                self.static_dir.as_ref().map_or("(no web UI)".to_owned(), |dir| dir.display().to_string()),
            ),
            ("HOST".to_owned(), self.host.clone()),
            ("PORT".to_owned(), self.port.to_string()),
            ("SESSION_COOKIE_SECURE".to_owned(), self.session_cookie_secure.to_string()),
            ("ENABLE_CSRF_PROTECTION".to_owned(), self.enable_csrf_protection.to_string()),
            ("CORS_ALLOWED_ORIGINS".to_owned(), self.cors_allowed_origins.join(",")),
            ("API_DOCS_ENABLED".to_owned(), self.api_docs_enabled.to_string()),
            (
                "TRUSTED_PROXIES".to_owned(),
                self.trusted_proxies.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
            ),
            ("MAX_BODY_BYTES".to_owned(), self.max_body_bytes.to_string()),
            ("DEFAULT_TIMEZONE".to_owned(), self.default_timezone.name().to_owned()),
            ("PASSWORD_MIN_LENGTH".to_owned(), self.auth.password_min_length.to_string()),
            ("LOGIN_MAX_ATTEMPTS".to_owned(), self.auth.login_max_attempts.to_string()),
            ("LOGIN_LOCKOUT_MINUTES".to_owned(), self.auth.lockout_minutes.to_string()),
            ("ACCESS_TOKEN_MINUTES".to_owned(), self.auth.access_token_minutes.to_string()),
            ("SESSION_IDLE_TIMEOUT_MINUTES".to_owned(), self.auth.session_idle_minutes.to_string()),
            ("SESSION_MAX_LIFETIME_HOURS".to_owned(), self.auth.session_max_hours.to_string()),
            ("DEFAULT_GRACE_MINUTES".to_owned(), self.tracking.default_grace_minutes.to_string()),
            ("MANUAL_JOB_FRESHNESS_HOURS".to_owned(), self.tracking.manual_freshness_hours.to_string()),
            ("COMPLIANCE_MIN_COPIES".to_owned(), self.tracking.min_copies.to_string()),
            ("COMPLIANCE_MIN_MEDIA_TYPES".to_owned(), self.tracking.min_media_types.to_string()),
            ("COMPLIANCE_MIN_OFFSITE".to_owned(), self.tracking.min_offsite.to_string()),
            ("COMPLIANCE_MIN_OFFLINE".to_owned(), self.tracking.min_offline_or_immutable.to_string()),
            ("STATE_EVALUATION_SECONDS".to_owned(), self.tracking.evaluation_interval_seconds.to_string()),
            ("DASHBOARD_CACHE_SECONDS".to_owned(), self.tracking.dashboard_cache_seconds.to_string()),
            ("RESTORE_TEST_INTERVAL_DAYS".to_owned(), self.tracking.restore_interval_days.to_string()),
            ("ATTACHMENT_DIR".to_owned(), self.attachment_dir.display().to_string()),
            ("ATTACHMENT_MAX_BYTES".to_owned(), self.attachment_max_bytes.to_string()),
            ("WORKERS".to_owned(), self.workers.to_string()),
            ("RUST_LOG".to_owned(), self.log_filter.clone()),
            (
                "LOG_ROTATION".to_owned(),
                match self.log_rotation {
                    LogRotation::External => "external (logrotate + SIGHUP)".to_owned(),
                    LogRotation::Builtin { max_bytes, keep_files } => {
                        format!("builtin (daily or at {max_bytes} bytes, keeping {keep_files} files)")
                    }
                },
            ),
            ("MIGRATION_BACKUP_KEEP".to_owned(), self.migration_backup_keep.to_string()),
            ("BMS_PUBLIC_URL".to_owned(), self.alerting.public_url.clone()),
            ("ALERT_COOLDOWN_MINUTES".to_owned(), self.alerting.cooldown_minutes.to_string()),
            ("NOTIFY_RETRY_BASE_SECONDS".to_owned(), self.alerting.retry_base_seconds.to_string()),
            ("NOTIFY_RETRY_MAX_SECONDS".to_owned(), self.alerting.retry_max_seconds.to_string()),
            ("NOTIFY_MAX_ATTEMPTS".to_owned(), self.alerting.max_attempts.to_string()),
            ("NOTIFY_TIMEOUT_SECONDS".to_owned(), self.alerting.timeout_seconds.to_string()),
        ];
        lines.insert(
            0,
            (
                "BMS_ENV_FILE".to_owned(),
                self.env_file.as_ref().map_or("(no env file read)".to_owned(), |path| path.display().to_string()),
            ),
        );
        match &self.mail {
            None => lines.push(("MAIL_SERVER".to_owned(), "(not set: e-mail disabled)".to_owned())),
            Some(mail) => {
                lines.push(("MAIL_SERVER".to_owned(), format!("{} (the default e-mail channel)", mail.server)));
                lines.push(("MAIL_PORT".to_owned(), mail.port.to_string()));
                lines.push(("MAIL_USE_TLS".to_owned(), mail.use_tls.to_string()));
                lines.push(("MAIL_USE_SSL".to_owned(), mail.use_ssl.to_string()));
                lines.push(("MAIL_USERNAME".to_owned(), mail.username.clone().unwrap_or_default()));
                lines.push(("MAIL_PASSWORD".to_owned(), masked(mail.password.is_some())));
                lines.push(("MAIL_DEFAULT_SENDER".to_owned(), mail.default_sender.clone()));
                lines.push((
                    "MAIL_CA_FILE".to_owned(),
                    mail.ca_file
                        .as_ref()
                        .map_or_else(|| "(system roots)".to_owned(), |path| path.display().to_string()),
                ));
            }
        }
        match &self.veeam {
            None => lines.push(("VEEAM_API_URL".to_owned(), "(not set: no Veeam connector)".to_owned())),
            Some(veeam) => {
                lines.push(("VEEAM_API_URL".to_owned(), format!("{} (connector not yet active)", veeam.api_url)));
                match &veeam.auth {
                    VeeamAuth::Password { username, .. } => {
                        lines.push(("VEEAM_USERNAME".to_owned(), username.clone()));
                        lines.push(("VEEAM_PASSWORD".to_owned(), masked(true)));
                    }
                    VeeamAuth::Token(_) => lines.push(("VEEAM_API_TOKEN".to_owned(), masked(true))),
                }
                lines.push(("VEEAM_VERIFY_SSL".to_owned(), veeam.verify_tls.to_string()));
                lines.push(("VEEAM_POLL_INTERVAL_MINUTES".to_owned(), veeam.poll_interval_minutes.to_string()));
            }
        }
        lines
    }
}

/// Where Trunk writes the built SPA, relative to the working directory.
pub const DEFAULT_STATIC_DIR: &str = "dist";

/// The file holding a generated secret key for a given database.
pub fn secret_key_path(database_path: &Path) -> PathBuf {
    database_path.parent().map_or_else(|| PathBuf::from(SECRET_KEY_FILE), |dir| dir.join(SECRET_KEY_FILE))
}

/// Outcome of `ensure_secret_key`, so the caller can log what happened (never the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKeyOrigin {
    /// `SECRET_KEY` was set in the environment.
    Environment,
    /// Read from the existing file.
    Reused(PathBuf),
    /// Generated now and written to the file with mode 0600.
    Generated(PathBuf),
}

/// Makes sure `config.secret_key` is set: from the environment, the key file next to the
/// database, or a newly generated key written to that file (mode 0600). Creates the
/// database directory if needed.
pub fn ensure_secret_key(config: &mut Config) -> std::io::Result<SecretKeyOrigin> {
    if let Some(parent) = config.database_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let path = match &config.secret_key_source {
        SecretKeySource::Environment => return Ok(SecretKeyOrigin::Environment),
        SecretKeySource::File(path) => path.clone(),
    };
    match std::fs::read_to_string(&path) {
        Ok(contents) if !contents.trim().is_empty() => {
            config.secret_key = Some(Secret::new(contents.trim()));
            Ok(SecretKeyOrigin::Reused(path))
        }
        Ok(_) => Err(std::io::Error::other(format!("secret key file {} is empty", path.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = generate_secret_key();
            write_private_file(&path, &key)?;
            config.secret_key = Some(Secret::new(key));
            Ok(SecretKeyOrigin::Generated(path))
        }
        Err(error) => Err(error),
    }
}

/// A new random secret key: 64 hex characters (256 bits).
pub fn generate_secret_key() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Writes a file readable by its owner only, refusing to replace an existing one.
fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    /// Every name asked for: the variables bms knows.
    read: RefCell<BTreeSet<&'static str>>,
}

impl Vars<'_> {
    /// A variable's value as set, even when empty.
    fn get_raw(&self, name: &'static str) -> Option<String> {
        self.read.borrow_mut().insert(name);
        (self.lookup)(name)
    }

    /// A variable's value; empty or blank counts as unset.
    fn get(&self, name: &'static str) -> Option<String> {
        self.get_raw(name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
    }

    fn list(&self, name: &'static str) -> Vec<String> {
        self.get(name)
            .map(|value| value.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn parse_bool(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => match value.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError::new(name, "must be true or false (also accepted: 1/0, yes/no, on/off)")),
            },
        }
    }

    fn parse_number<T>(&self, name: &'static str, default: T, min: T, max: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    {
        match self.get(name) {
            None => Ok(default),
            Some(value) => match value.parse::<T>() {
                Ok(number) if number >= min && number <= max => Ok(number),
                _ => Err(ConfigError::new(name, format!("must be a whole number from {min} to {max}"))),
            },
        }
    }
}

fn validate_origin(origin: &str) -> Result<(), ConfigError> {
    let rule = "each entry must be an origin such as https://bms.example.com (scheme, host and optional port; no path, no wildcard)";
    let parsed = url::Url::parse(origin).map_err(|_| ConfigError::new("CORS_ALLOWED_ORIGINS", rule))?;
    let is_bare_origin = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some()
        && parsed.path() == "/"
        && !origin.ends_with('/')
        && parsed.query().is_none()
        && parsed.username().is_empty();
    if is_bare_origin { Ok(()) } else { Err(ConfigError::new("CORS_ALLOWED_ORIGINS", rule)) }
}

fn parse_proxy(entry: &str) -> Result<IpNet, ConfigError> {
    entry.parse::<IpNet>().or_else(|_| entry.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
        ConfigError::new(
            "TRUSTED_PROXIES",
            "each entry must be an IP address or CIDR range, e.g. 127.0.0.1 or 10.0.0.0/8",
        )
    })
}

fn parse_mail(vars: &Vars<'_>) -> Result<Option<MailSettings>, ConfigError> {
    let Some(server) = vars.get("MAIL_SERVER") else {
        return Ok(None);
    };
    let use_tls = vars.parse_bool("MAIL_USE_TLS", true)?;
    let use_ssl = vars.parse_bool("MAIL_USE_SSL", false)?;
    if use_tls && use_ssl {
        return Err(ConfigError::new(
            "MAIL_USE_SSL",
            "cannot be true together with MAIL_USE_TLS (choose STARTTLS or implicit TLS)",
        ));
    }
    let username = vars.get("MAIL_USERNAME");
    // Flask-Mail's users (the old guide) set no sender: the account's address is the sender.
    let default_sender = match vars.get("MAIL_DEFAULT_SENDER") {
        Some(sender) if is_valid_sender(&sender) => sender,
        Some(_) => {
            return Err(ConfigError::new(
                "MAIL_DEFAULT_SENDER",
                "must be an e-mail address, optionally as `Name <address>`",
            ));
        }
        None => username.clone().filter(|name| is_valid_sender(name)).ok_or_else(|| {
            ConfigError::new(
                "MAIL_DEFAULT_SENDER",
                "is required when MAIL_SERVER is set and MAIL_USERNAME is not an e-mail address",
            )
        })?,
    };
    let password = vars.get("MAIL_PASSWORD").map(Secret::new);
    if username.is_some() != password.is_some() {
        return Err(ConfigError::new("MAIL_PASSWORD", "MAIL_USERNAME and MAIL_PASSWORD must be set together"));
    }
    if password.is_some() && !use_tls && !use_ssl {
        return Err(ConfigError::new(
            "MAIL_USE_TLS",
            "must be true (or MAIL_USE_SSL) when MAIL_USERNAME is set: bms never sends a password over an unencrypted connection",
        ));
    }
    Ok(Some(MailSettings {
        server,
        port: vars.parse_number("MAIL_PORT", 587u16, 1, u16::MAX)?,
        use_tls,
        use_ssl,
        username,
        password,
        default_sender,
        ca_file: vars.get("MAIL_CA_FILE").map(PathBuf::from),
    }))
}

fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get).min(256)
}

fn parse_log_rotation(vars: &Vars<'_>) -> Result<LogRotation, ConfigError> {
    let builtin = match vars.get("LOG_ROTATION").map(|value| value.to_ascii_lowercase()) {
        None => cfg!(windows),
        Some(value) if value == "builtin" => true,
        Some(value) if value == "external" => false,
        Some(_) => {
            return Err(ConfigError::new(
                "LOG_ROTATION",
                "must be `builtin` (bms rotates LOG_DIR/bms.log) or `external` (logrotate + SIGHUP)",
            ));
        }
    };
    let max_bytes = vars.parse_number("LOG_ROTATE_BYTES", 104_857_600u64, 1024 * 1024, 10 * 1024 * 1024 * 1024)?;
    let keep_files = vars.parse_number("LOG_KEEP_FILES", 14usize, 1, 1000)?;
    Ok(if builtin { LogRotation::Builtin { max_bytes, keep_files } } else { LogRotation::External })
}

/// Notices for variables that are set but change nothing today, and for the old system's
/// variables that bms does not read.
fn inactive_setting_notices(vars: &Vars<'_>, config: &Config) -> Vec<ConfigNotice> {
    let notice =
        |variable: &str, message: &str| ConfigNotice { variable: variable.to_owned(), message: message.to_owned() };
    let mut notices: Vec<ConfigNotice> = RETIRED_VARIABLES
        .iter()
        .filter(|(name, _)| vars.get(name).is_some())
        .map(|(name, reason)| notice(name, &format!("not used by bms: {reason}")))
        .collect();
    for name in ["SESSION_COOKIE_SECURE", "ENABLE_CSRF_PROTECTION"] {
        if vars.get(name).is_some() {
            notices.push(notice(
                name,
                "accepted, no effect yet: bms sets no session cookie (bearer tokens cannot be forged cross-site)",
            ));
        }
    }
    if config.veeam.is_some() {
        notices.push(notice(
            "VEEAM_API_URL",
            "accepted and validated; the Veeam connector is not yet active, so Veeam is not polled",
        ));
    }
    notices
}

fn validate_public_url(url: &str) -> Result<String, ConfigError> {
    let parsed = url::Url::parse(url)
        .map_err(|_| ConfigError::new("BMS_PUBLIC_URL", "must be an absolute URL such as https://bms.example.com"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ConfigError::new("BMS_PUBLIC_URL", "must be an http:// or https:// URL with a host"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn is_valid_sender(sender: &str) -> bool {
    let address = match (sender.find('<'), sender.strip_suffix('>')) {
        (Some(start), Some(inner)) => &inner[start + 1..],
        _ => sender,
    };
    email_address::EmailAddress::is_valid(address.trim())
}

fn parse_veeam(vars: &Vars<'_>) -> Result<Option<VeeamSettings>, ConfigError> {
    let Some(api_url) = vars.get("VEEAM_API_URL") else {
        return Ok(None);
    };
    let parsed = url::Url::parse(&api_url)
        .map_err(|_| ConfigError::new("VEEAM_API_URL", "must be an http(s) URL such as https://vbr01:9419"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ConfigError::new("VEEAM_API_URL", "must be an http(s) URL such as https://vbr01:9419"));
    }
    let auth = match vars.get("VEEAM_API_TOKEN") {
        Some(token) => VeeamAuth::Token(Secret::new(token)),
        None => {
            let username = vars.get("VEEAM_USERNAME").ok_or_else(|| {
                ConfigError::new("VEEAM_USERNAME", "is required when VEEAM_API_URL is set (or set VEEAM_API_TOKEN)")
            })?;
            let password = vars.get("VEEAM_PASSWORD").map(Secret::new).ok_or_else(|| {
                ConfigError::new("VEEAM_PASSWORD", "is required with VEEAM_USERNAME (or set VEEAM_API_TOKEN)")
            })?;
            VeeamAuth::Password { username, password }
        }
    };
    Ok(Some(VeeamSettings {
        api_url: api_url.trim_end_matches('/').to_owned(),
        auth,
        verify_tls: vars.parse_bool("VEEAM_VERIFY_SSL", true)?,
        poll_interval_minutes: vars.parse_number("VEEAM_POLL_INTERVAL_MINUTES", 15u32, 1, 1440)?,
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_match_the_deployment_guide() {
        let config = parse(&[]).expect("defaults are valid");
        assert_eq!(config.environment, Environment::Development);
        assert_eq!(config.database_path, PathBuf::from("./data/bms.db"));
        assert_eq!(config.host, "127.0.0.1");
        assert_eq!(config.port, 5000);
        assert!(config.api_docs_enabled);
        assert!(config.cors_allowed_origins.is_empty());
        assert_eq!(config.max_body_bytes, 1024 * 1024);
        assert_eq!(config.secret_key_source, SecretKeySource::File(PathBuf::from("./data/secret_key")));
        assert_eq!(config.auth, AuthSettings::default());
        assert_eq!(config.tracking, TrackingSettings::default());
        assert!(config.mail.is_none() && config.veeam.is_none());
    }

    #[test]
    fn production_turns_api_docs_off_and_requires_a_long_secret() {
        let error = parse(&[("BMS_ENV", "production"), ("SECRET_KEY", "short")]).expect_err("short key refused");
        assert_eq!(error.variable, "SECRET_KEY");
        let config = parse(&[("BMS_ENV", "production"), ("SECRET_KEY", &"k".repeat(32))]).expect("valid");
        assert!(!config.api_docs_enabled);
        assert!(config.session_cookie_secure);
    }

    #[test]
    fn flask_env_is_accepted_as_an_alias() {
        let config = parse(&[("FLASK_ENV", "production"), ("SECRET_KEY", &"k".repeat(40))]).expect("valid");
        assert_eq!(config.environment, Environment::Production);
        let error = parse(&[("FLASK_ENV", "staging")]).expect_err("unknown env");
        assert_eq!(error.variable, "FLASK_ENV");
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("PORT", "http")], "PORT"),
            (&[("PORT", "70000")], "PORT"),
            (&[("API_DOCS_ENABLED", "maybe")], "API_DOCS_ENABLED"),
            (&[("CORS_ALLOWED_ORIGINS", "*")], "CORS_ALLOWED_ORIGINS"),
            (&[("CORS_ALLOWED_ORIGINS", "https://ok.example,https://bad.example/path")], "CORS_ALLOWED_ORIGINS"),
            (&[("TRUSTED_PROXIES", "10.0.0.0/33")], "TRUSTED_PROXIES"),
            (&[("DEFAULT_TIMEZONE", "Mars/Olympus")], "DEFAULT_TIMEZONE"),
            (&[("PASSWORD_MIN_LENGTH", "4")], "PASSWORD_MIN_LENGTH"),
            (&[("MAIL_SERVER", "smtp.example.com")], "MAIL_DEFAULT_SENDER"),
            (&[("MAIL_SERVER", "smtp.example.com"), ("MAIL_DEFAULT_SENDER", "not-an-address")], "MAIL_DEFAULT_SENDER"),
            (&[("MAIL_SERVER", "s"), ("MAIL_DEFAULT_SENDER", "a@b.example"), ("MAIL_USE_SSL", "true")], "MAIL_USE_SSL"),
            (
                &[
                    ("MAIL_SERVER", "s"),
                    ("MAIL_USERNAME", "a@b.example"),
                    ("MAIL_PASSWORD", "pw"),
                    ("MAIL_USE_TLS", "false"),
                ],
                "MAIL_USE_TLS",
            ),
            (&[("VEEAM_API_URL", "vbr01:9419")], "VEEAM_API_URL"),
            (&[("VEEAM_API_URL", "https://vbr01:9419")], "VEEAM_USERNAME"),
            (&[("VEEAM_API_URL", "https://vbr01:9419"), ("VEEAM_USERNAME", "svc")], "VEEAM_PASSWORD"),
            (&[("SESSION_IDLE_TIMEOUT_MINUTES", "10"), ("ACCESS_TOKEN_MINUTES", "15")], "SESSION_IDLE_TIMEOUT_MINUTES"),
        ];
        for (pairs, variable) in cases {
            let error = parse(pairs).expect_err("must be rejected");
            assert_eq!(&error.variable, variable, "for {pairs:?}: {error}");
        }
    }

    #[test]
    fn mail_and_veeam_settings_parse_when_complete() {
        let config = parse(&[
            ("MAIL_SERVER", "smtp.example.com"),
            ("MAIL_PORT", "2525"),
            ("MAIL_USE_TLS", "false"),
            ("MAIL_DEFAULT_SENDER", "bms <bms@example.com>"),
            ("VEEAM_API_URL", "https://vbr01:9419/"),
            ("VEEAM_USERNAME", "svc"),
            ("VEEAM_PASSWORD", "pw"),
            ("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
        ])
        .expect("valid");
        let mail = config.mail.as_ref().expect("mail configured");
        assert_eq!((mail.port, mail.use_tls), (2525, false));
        let veeam = config.veeam.as_ref().expect("veeam configured");
        assert_eq!(veeam.api_url, "https://vbr01:9419");
        assert_eq!(config.trusted_proxies.len(), 2);
    }

    #[test]
    fn the_old_guides_mail_and_veeam_blocks_are_accepted() {
        let config = parse(&[
            ("MAIL_SERVER", "smtp.gmail.com"),
            ("MAIL_PORT", "587"),
            ("MAIL_USE_TLS", "true"),
            ("MAIL_USERNAME", "your-email@gmail.com"),
            ("MAIL_PASSWORD", "your-app-password"),
            ("VEEAM_API_URL", "http://veeam-server:9398"),
            ("VEEAM_API_TOKEN", "your-token-here"),
        ])
        .expect("the old guide's blocks are valid");
        assert_eq!(config.mail.as_ref().map(|mail| mail.default_sender.as_str()), Some("your-email@gmail.com"));
        let veeam = config.veeam.as_ref().expect("veeam");
        assert_eq!(veeam.auth, VeeamAuth::Token(Secret::new("your-token-here")));
        let noticed: Vec<&str> = config.notices.iter().map(|notice| notice.variable.as_str()).collect();
        assert_eq!(noticed, vec!["VEEAM_API_URL"]);
        // A user name that is not an address cannot be the sender.
        let error =
            parse(&[("MAIL_SERVER", "smtp"), ("MAIL_USERNAME", "bms"), ("MAIL_PASSWORD", "x")]).expect_err("no sender");
        assert_eq!(error.variable, "MAIL_DEFAULT_SENDER");
    }

    #[test]
    fn retired_variables_are_reported_with_their_replacement() {
        let config = parse(&[("FLASK_APP", "app"), ("GUNICORN_WORKERS", "4"), ("SESSION_COOKIE_HTTPONLY", "true")])
            .expect("valid");
        let notice = |name: &str| {
            config.notices.iter().find(|notice| notice.variable == name).map(|notice| notice.message.clone())
        };
        assert!(notice("FLASK_APP").is_some_and(|m| m.starts_with("not used by bms")));
        assert!(notice("GUNICORN_WORKERS").is_some_and(|m| m.contains("use WORKERS")));
        assert!(notice("SESSION_COOKIE_HTTPONLY").is_some());
        assert!(parse(&[]).expect("defaults").notices.is_empty());
    }

    #[test]
    fn log_rotation_defaults_per_platform_and_validates() {
        let config = parse(&[]).expect("defaults");
        let expected = if cfg!(windows) {
            LogRotation::Builtin { max_bytes: 104_857_600, keep_files: 14 }
        } else {
            LogRotation::External
        };
        assert_eq!(config.log_rotation, expected);
        let builtin = parse(&[("LOG_ROTATION", "builtin"), ("LOG_ROTATE_BYTES", "2097152"), ("LOG_KEEP_FILES", "3")])
            .expect("valid");
        assert_eq!(builtin.log_rotation, LogRotation::Builtin { max_bytes: 2_097_152, keep_files: 3 });
        for (name, value) in [("LOG_ROTATION", "weekly"), ("LOG_ROTATE_BYTES", "10"), ("WORKERS", "0")] {
            assert_eq!(parse(&[(name, value)]).expect_err("refused").variable, name);
        }
    }

    #[test]
    fn secrets_are_masked_in_debug_and_describe() {
        let config = parse(&[
            ("SECRET_KEY", "super-secret-value"),
            ("VEEAM_API_URL", "https://v:9419"),
            ("VEEAM_USERNAME", "u"),
            ("VEEAM_PASSWORD", "hunter2-veeam"),
        ])
        .expect("valid");
        let debug = format!("{config:?}");
        assert!(!debug.contains("super-secret-value") && !debug.contains("hunter2-veeam"));
        let described = format!("{:?}", config.describe());
        assert!(!described.contains("super-secret-value") && !described.contains("hunter2-veeam"));
    }

    #[test]
    fn a_missing_secret_key_is_generated_once_with_private_mode_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("nested").join("bms.db");
        let db_str = db.to_string_lossy().into_owned();
        let mut first = parse(&[("DATABASE_PATH", db_str.as_str())]).expect("valid");
        let origin = ensure_secret_key(&mut first).expect("generated");
        let key_path = dir.path().join("nested").join(SECRET_KEY_FILE);
        assert_eq!(origin, SecretKeyOrigin::Generated(key_path.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_path).expect("key file").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let mut second = parse(&[("DATABASE_PATH", db_str.as_str())]).expect("valid");
        assert_eq!(ensure_secret_key(&mut second).expect("reused"), SecretKeyOrigin::Reused(key_path));
        assert_eq!(first.secret(), second.secret());
        assert_eq!(first.secret().map(|s| s.expose().len()), Some(64));
    }
}
