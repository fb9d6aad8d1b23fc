//! The `bms` command line: serve (default), migrate, db backup/restore/check,
//! create-admin, gen-secret, check-config, audit verify, openapi.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bms_types::users::Role;
use clap::{Parser, Subcommand};

use crate::access::Actor;
use crate::audit;
use crate::clock::{Clock, SystemClock};
use crate::config::{self, Config, SecretKeyOrigin};
use crate::db::{self, maintenance};
use crate::http::{Application, openapi_document};
use crate::users::password;
use crate::users::{self, NewAccount};

/// bms — the Backup Management System.
#[derive(Debug, Parser)]
#[command(
    name = "bms",
    version,
    about = "Backup Management System: tracks backup jobs, results and 3-2-1-1-0 compliance"
)]
pub struct Cli {
    /// Read this env file instead of `BMS_ENV_FILE` or `./.env` (for scheduled tasks, which
    /// cannot set environment variables).
    #[arg(long, global = true, value_name = "FILE")]
    env_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default when no command is given).
    Serve,
    /// Apply pending database migrations, or revert the last N.
    Migrate {
        /// Revert this many applied migrations instead of applying pending ones.
        #[arg(long, value_name = "N")]
        revert: Option<usize>,
    },
    /// Create an administrator account.
    CreateAdmin {
        /// Login name.
        #[arg(long)]
        username: String,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a new random SECRET_KEY.
    GenSecret,
    /// Print the effective configuration (secrets masked); non-zero exit when invalid.
    CheckConfig,
    /// Database backup, restore and integrity check.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Audit-log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Notification tools.
    Notify {
        #[command(subcommand)]
        command: NotifyCommand,
    },
}

#[derive(Debug, Subcommand)]
enum NotifyCommand {
    /// After changing SECRET_KEY: re-encrypt every channel's stored secrets (SMTP
    /// passwords, webhook URLs, signing secrets) from the previous key to the current one.
    Rekey {
        /// A file holding the previous SECRET_KEY (first line), so it never appears in
        /// the process list or the shell history.
        #[arg(long, value_name = "FILE")]
        old_key_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Write a consistent copy of the database to FILE (or into --dir) while the server
    /// keeps running, and verify it. FILE must not exist.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["file", "dir"])))]
    Backup {
        /// Where to write the backup.
        file: Option<PathBuf>,
        /// Write `bms-backup-<UTC time>.db` into this directory instead (nightly backups).
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        dir: Option<PathBuf>,
        /// With --dir: afterwards delete the oldest `bms-backup-*.db` there so that N remain.
        #[arg(long, value_name = "N", conflicts_with = "file", value_parser = clap::value_parser!(u32).range(1..=10000))]
        keep: Option<u32>,
    },
    /// Replace the database with FILE (checked first). Refused while a server runs; the
    /// replaced database is kept next to it as `<name>.replaced-<time>`.
    Restore {
        /// The backup to restore.
        file: PathBuf,
    },
    /// Check the integrity of the database (or of FILE).
    Check {
        /// A backup to check instead of the configured database.
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; exit 1 and name the first broken row if it is broken.
    Verify,
}

type CliResult = Result<ExitCode, Box<dyn std::error::Error + Send + Sync>>;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let env_file = cli.env_file;
    let command = cli.command.unwrap_or(Command::Serve);
    let result = match command {
        Command::GenSecret => {
            println!("{}", config::generate_secret_key());
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => serde_json::to_string_pretty(&openapi_document()).map_err(Into::into).map(|json| {
            println!("{json}");
            ExitCode::SUCCESS
        }),
        command => match Config::from_env(env_file.as_deref()) {
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
            Ok(config) => run_with_config(command, config),
        },
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error}");
        ExitCode::FAILURE
    })
}

fn run_with_config(command: Command, config: Config) -> CliResult {
    match command {
        Command::CheckConfig => {
            for (name, value) in config.describe() {
                println!("{name}={value}");
            }
            for notice in &config.notices {
                println!("# {}: {}", notice.variable, notice.message);
            }
            println!("# configuration is valid");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => serve(config),
        Command::Migrate { revert } => {
            let _lock = maintenance::lock_database(&config.database_path)?;
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            let versions = match revert {
                Some(count) => db::revert_migrations(&mut conn, count)?,
                None => {
                    backup_before_migrations(&config, &mut conn)?;
                    db::run_pending_migrations(&mut conn)?
                }
            };
            let verb = if revert.is_some() { "reverted" } else { "applied" };
            if versions.is_empty() {
                println!("nothing {verb}");
            }
            for version in versions {
                println!("{verb} {version}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Db { command } => db_command(&config.database_path, command),
        Command::CreateAdmin { username, email, password_stdin } => {
            create_admin(&config, username, email, password_stdin)
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            let report = audit::verify_chain(&mut conn)?;
            match report.first_broken_id {
                None => {
                    println!("audit log intact: {} rows verified", report.rows_checked);
                    Ok(ExitCode::SUCCESS)
                }
                Some(id) => {
                    println!("audit log BROKEN at row {id} ({} rows examined)", report.rows_checked);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Notify { command: NotifyCommand::Rekey { old_key_file } } => {
            let mut config = config;
            config::ensure_secret_key(&mut config)?;
            let current = config.secret().map(|key| key.expose().to_owned()).ok_or("no SECRET_KEY")?;
            let old = std::fs::read_to_string(&old_key_file)
                .map_err(|error| format!("{}: {error}", old_key_file.display()))?;
            let old = old.lines().next().unwrap_or_default().trim().to_owned();
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            let count = crate::notify::rekey(
                &mut conn,
                &crate::notify::crypto::SecretBox::from_secret_key(&old),
                &crate::notify::crypto::SecretBox::from_secret_key(&current),
            )?;
            println!("re-encrypted the secrets of {count} channels with the current SECRET_KEY");
            Ok(ExitCode::SUCCESS)
        }
        Command::GenSecret | Command::Openapi => Ok(ExitCode::SUCCESS),
    }
}

fn print_check(path: &Path, report: &maintenance::CheckReport) {
    let rows = |count: Option<i64>| count.map_or_else(|| "-".to_owned(), |count| count.to_string());
    println!(
        "{}: integrity ok; {} migrations, {} jobs, {} executions, {} users, {} bytes",
        path.display(),
        report.migrations,
        rows(report.jobs),
        rows(report.executions),
        rows(report.users),
        report.size_bytes
    );
}

fn db_command(database_path: &Path, command: DbCommand) -> CliResult {
    match command {
        DbCommand::Backup { file: Some(file), .. } => {
            let report = maintenance::backup(database_path, &file)?;
            print_check(&file, &report);
            println!("backup written to {}", file.display());
        }
        DbCommand::Backup { file: None, dir, keep } => {
            let dir = dir.ok_or("give FILE or --dir DIR")?;
            // Without --keep nothing is deleted.
            let keep = keep.map_or(usize::MAX, |keep| keep as usize);
            let (file, report, removed) = maintenance::backup_into_dir(database_path, &dir, keep)?;
            print_check(&file, &report);
            println!("backup written to {}", file.display());
            for path in removed {
                println!("deleted the old backup {}", path.display());
            }
        }
        DbCommand::Restore { file } => {
            let report = maintenance::restore(database_path, &file)?;
            print_check(database_path, &report.restored);
            match report.replaced {
                Some(kept) => {
                    println!("restored {}; the replaced database is kept as {}", file.display(), kept.display())
                }
                None => println!("restored {} (there was no database before)", file.display()),
            }
        }
        DbCommand::Check { file } => {
            let path = file.as_deref().unwrap_or(database_path);
            print_check(path, &maintenance::check(path)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The pool on the configured database, after refusing a database that is not bms's (the
/// old Flask system's file at the old guide's path, say).
fn open_database(config: &Config) -> Result<db::DbPool, Box<dyn std::error::Error + Send + Sync>> {
    maintenance::refuse_foreign_database(&config.database_path)?;
    db::connect(&config.database_path)
}

/// Copies a database that already has data before pending migrations change it.
fn backup_before_migrations(
    config: &Config,
    conn: &mut diesel::SqliteConnection,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let pending = db::pending_migration_versions(conn)?;
    if let Some(first) = pending.first() {
        let applied = db::applied_migration_count(conn)?;
        if let Some(path) =
            maintenance::backup_before_migrations(&config.database_path, applied, first, config.migration_backup_keep)?
        {
            log::info!("backed up the database to {} before applying {} migration(s)", path.display(), pending.len());
            println!("backed up the database to {} before migrating", path.display());
        }
    }
    Ok(())
}

fn serve(mut config: Config) -> CliResult {
    crate::logging::init(&config.log_filter, config.log_dir.as_deref(), config.log_rotation)?;
    if let Some(path) = &config.env_file {
        log::info!("read the configuration file {}", path.display());
    }
    for notice in &config.notices {
        log::warn!("{}: {}", notice.variable, notice.message);
    }
    // Servers share the database (the scheduler lease picks the one that runs the tasks);
    // `bms db restore` and `bms migrate` need it exclusively and are refused meanwhile.
    let _lock = maintenance::lock_database_shared(&config.database_path)?;
    // Before anything is written next to it (the generated key, say).
    maintenance::refuse_foreign_database(&config.database_path)?;
    match config::ensure_secret_key(&mut config)? {
        SecretKeyOrigin::Environment => log::info!("using SECRET_KEY from the environment"),
        SecretKeyOrigin::Reused(path) => log::info!("using the secret key stored in {}", path.display()),
        SecretKeyOrigin::Generated(path) => {
            log::warn!(
                "SECRET_KEY is not set: generated a new secret key and stored it in {} (mode 0600)",
                path.display()
            );
        }
    }
    let pool = db::connect(&config.database_path)?;
    let clock = SystemClock;
    {
        let mut conn = pool.get()?;
        backup_before_migrations(&config, &mut conn)?;
        for version in db::run_pending_migrations(&mut conn)? {
            log::info!("applied database migration {version}");
        }
        if let Some(password) = users::ensure_first_admin(&mut conn, clock.now())? {
            log::warn!(
                "\n================================================================\n\
                 FIRST START: created administrator account\n\
                 \x20   username: admin\n\
                 \x20   password: {password}\n\
                 This password is shown only once. You must change it at first login.\n\
                 ================================================================"
            );
        }
    }
    match &config.static_dir {
        Some(dir) if dir.join("index.html").is_file() => log::info!("serving the web UI from {}", dir.display()),
        Some(dir) => log::warn!(
            "STATIC_DIR {} has no index.html: the web UI is not built (run scripts/build-spa.sh)",
            dir.display()
        ),
        None => log::info!("STATIC_DIR is empty: serving the API only"),
    }
    let config = Arc::new(config);
    actix_web::rt::System::new().block_on(async move {
        let pool_for_shutdown = pool.clone();
        let application = Application::build(Arc::clone(&config), pool, Arc::new(clock))?;
        crate::shutdown::install(application.handle())?;
        log::info!(
            "bms {} listening on http://{}:{} (database {})",
            env!("CARGO_PKG_VERSION"),
            config.host,
            application.port(),
            config.database_path.display()
        );
        crate::shutdown::notify_ready();
        let scheduler = application.scheduler();
        let pool_for_release = pool_for_shutdown.clone();
        let result = application.run_until_stopped().await;
        // Another process need not wait for the lease to expire.
        if let Ok(mut conn) = pool_for_release.get()
            && let Err(error) = crate::scheduler::release_lease(&mut conn, &scheduler.holder)
        {
            log::warn!("could not release the scheduler lease: {error}");
        }
        log::info!("bms stopped");
        result
    })?;
    Ok(ExitCode::SUCCESS)
}

fn create_admin(config: &Config, username: String, email: String, password_stdin: bool) -> CliResult {
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        if !std::io::stdin().is_terminal() {
            return Err("no terminal to prompt for the password; use --password-stdin".into());
        }
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            return Err("the passwords do not match".into());
        }
        first
    };
    let username = username.trim().to_owned();
    let email = email.trim().to_owned();
    let mut violations = users::validate_profile(Some(&username), Some(&email), None, None);
    violations.extend(password::policy_violations("password", &password, &username, config.auth.password_min_length));
    if let Err(error) = violations.finish(()) {
        let reasons: Vec<String> = error
            .details()
            .iter()
            .map(|v| format!("{}: {} ({})", v.field, v.rule, v.message.clone().unwrap_or_default()))
            .collect();
        return Err(format!("invalid input: {}", reasons.join("; ")).into());
    }
    let pool = open_database(config)?;
    let mut conn = pool.get()?;
    db::run_pending_migrations(&mut conn)?;
    let account = NewAccount {
        username,
        email,
        full_name: String::new(),
        department: String::new(),
        role: Role::Admin,
        password,
        must_change_password: false,
    };
    let user = users::create_account(&mut conn, SystemClock.now(), &Actor::system("cli"), &account)?;
    println!("created administrator `{}` (id {})", user.username, user.id);
    Ok(ExitCode::SUCCESS)
}
