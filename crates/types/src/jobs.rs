//! Backup jobs, their copies, and their derived state and compliance.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

wire_enum! {
    /// What a job backs up.
    JobType {
        /// A whole system image.
        SystemImage => "system_image",
        /// Files and folders.
        File => "file",
        /// A database.
        Database => "database",
        /// Virtual machines.
        Vm => "vm",
        /// An application's data.
        Application => "application",
    }
}

wire_enum! {
    /// The tool that runs the backup.
    BackupTool {
        /// Veeam Backup & Replication.
        Veeam => "veeam",
        /// Windows Server Backup.
        Wsb => "wsb",
        /// AOMEI Backupper.
        Aomei => "aomei",
        /// restic.
        Restic => "restic",
        /// Borg.
        Borg => "borg",
        /// rsync.
        Rsync => "rsync",
        /// robocopy.
        Robocopy => "robocopy",
        /// Anything else (scripts).
        Custom => "custom",
    }
}

wire_enum! {
    /// The role of a copy.
    CopyType {
        /// The first copy the job writes.
        Primary => "primary",
        /// A further local copy.
        Secondary => "secondary",
        /// A copy at another site.
        Offsite => "offsite",
        /// An air-gapped copy.
        Offline => "offline",
    }
}

wire_enum! {
    /// Storage media of a copy.
    MediaType {
        /// Local disk.
        Disk => "disk",
        /// Network storage.
        Nas => "nas",
        /// Tape.
        Tape => "tape",
        /// Cloud object storage.
        Cloud => "cloud",
        /// External hard disk.
        ExternalHdd => "external_hdd",
        /// USB stick.
        Usb => "usb",
        /// Optical disc.
        Optical => "optical",
    }
}

wire_enum! {
    /// A job's state derived from its schedule and runs.
    JobStateDto {
        /// No run yet, none expected yet.
        New => "new",
        /// The latest run succeeded; the next is not due.
        Up => "up",
        /// A run is in progress.
        Running => "running",
        /// The expected run is late (within the grace period).
        Late => "late",
        /// The expected run never came (grace period over).
        Missed => "missed",
        /// The latest run failed.
        Failed => "failed",
        /// A run exceeds the maximum duration.
        OverdueRunning => "overdue_running",
        /// The job is inactive.
        Paused => "paused",
    }
}

impl JobStateDto {
    /// States that need someone's attention.
    pub fn needs_attention(self) -> bool {
        matches!(self, Self::Late | Self::Missed | Self::Failed | Self::OverdueRunning)
    }
}

wire_enum! {
    /// Overall 3-2-1-1-0 status.
    ComplianceStatusDto {
        /// All rules pass.
        Compliant => "compliant",
        /// No rule fails; at least one is not proven.
        Warning => "warning",
        /// At least one rule fails.
        NonCompliant => "non_compliant",
    }
}

wire_enum! {
    /// Outcome of one 3-2-1-1-0 rule.
    RuleOutcomeDto {
        /// Satisfied.
        Pass => "pass",
        /// Not proven.
        Warning => "warning",
        /// Broken.
        Fail => "fail",
    }
}

/// One rule's verdict with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleVerdictDto {
    /// `copies`, `media_types`, `offsite`, `offline_or_immutable` or `zero_errors`.
    pub rule: String,
    /// Pass, warning or fail.
    pub outcome: RuleOutcomeDto,
    /// Stable reason code, e.g. `stale_copies`, `not_yet_verified`.
    pub reason: String,
    /// What the rule requires.
    pub required: u32,
    /// What was found.
    pub found: u32,
    /// Copies that prove the verdict.
    pub copy_ids: Vec<i64>,
    /// Executions that prove the verdict.
    pub execution_ids: Vec<i64>,
    /// Restore tests that prove the verdict (`zero_errors` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restore_test_ids: Vec<i64>,
}

/// A job's 3-2-1-1-0 verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceVerdictDto {
    /// Overall status.
    pub status: ComplianceStatusDto,
    /// The five rules in 3-2-1-1-0 order.
    pub rules: Vec<RuleVerdictDto>,
    /// When it was evaluated.
    pub evaluated_at: DateTime<Utc>,
}

/// Derived status of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobStatusDto {
    /// Current state.
    pub state: JobStateDto,
    /// Since when.
    pub state_since: DateTime<Utc>,
    /// The slot the next run is expected for (scheduled jobs).
    pub next_expected_at: Option<DateTime<Utc>>,
    /// Result of the latest finished run.
    pub last_result: Option<String>,
    /// When the latest run finished.
    pub last_run_at: Option<DateTime<Utc>>,
    /// When the latest successful run finished.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Overall compliance status.
    pub compliance_status: ComplianceStatusDto,
    /// When state and compliance were last evaluated.
    pub evaluated_at: DateTime<Utc>,
}

/// Per-job overrides of the global 3-2-1-1-0 thresholds (absent: global value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ComplianceOverrides {
    /// Current copies required.
    #[serde(default)]
    pub min_copies: Option<u32>,
    /// Distinct media types required.
    #[serde(default)]
    pub min_media_types: Option<u32>,
    /// Offsite copies required.
    #[serde(default)]
    pub min_offsite: Option<u32>,
    /// Offline or immutable copies required.
    #[serde(default)]
    pub min_offline_or_immutable: Option<u32>,
}

/// A backup job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobDto {
    /// Numeric id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// What it backs up.
    pub job_type: JobType,
    /// Which tool runs it.
    pub backup_tool: BackupTool,
    /// Server being backed up.
    pub target_server: String,
    /// Path or object being backed up.
    pub target_path: String,
    /// Responsible person or team.
    pub owner: String,
    /// Labels.
    pub tags: Vec<String>,
    /// Inactive jobs are paused and not expected to run.
    pub is_active: bool,
    /// How long the tool keeps backups.
    pub retention_days: Option<i32>,
    /// Id in the tool (e.g. the Veeam job id); unique.
    pub external_ref: Option<String>,
    /// 5-field cron expression; absent for manual jobs.
    pub cron_expression: Option<String>,
    /// IANA time zone of the cron expression.
    pub timezone: String,
    /// Minutes a run may be late before the job is missed.
    pub grace_minutes: i32,
    /// Runs longer than this are overdue.
    pub max_duration_minutes: Option<i32>,
    /// Per-job compliance thresholds.
    pub compliance_overrides: ComplianceOverrides,
    /// The secret part of the job's ping URL (`/ping/{token}`).
    pub ping_token: String,
    /// Derived status (absent until first evaluated).
    pub status: Option<JobStatusDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last modification time.
    pub updated_at: DateTime<Utc>,
}

/// Create a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateJobRequest {
    /// Unique name, 1–200 characters.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// What it backs up.
    pub job_type: JobType,
    /// Which tool runs it.
    pub backup_tool: BackupTool,
    /// Server being backed up.
    #[serde(default)]
    pub target_server: Option<String>,
    /// Path or object being backed up.
    #[serde(default)]
    pub target_path: Option<String>,
    /// Responsible person or team.
    #[serde(default)]
    pub owner: Option<String>,
    /// Labels (each 1–50 characters).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Default true.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// How long the tool keeps backups.
    #[serde(default)]
    pub retention_days: Option<i32>,
    /// Id in the tool; unique.
    #[serde(default)]
    pub external_ref: Option<String>,
    /// 5-field cron expression; absent or null for a manual job.
    #[serde(default)]
    pub cron_expression: Option<String>,
    /// IANA time zone (default: the server's `DEFAULT_TIMEZONE`).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Grace period in minutes (default 60).
    #[serde(default)]
    pub grace_minutes: Option<i32>,
    /// Maximum run duration in minutes.
    #[serde(default)]
    pub max_duration_minutes: Option<i32>,
    /// Per-job compliance thresholds.
    #[serde(default)]
    pub compliance_overrides: Option<ComplianceOverrides>,
}

/// Change a job. Absent fields stay unchanged; `null` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateJobRequest {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// New job type.
    #[serde(default)]
    pub job_type: Option<JobType>,
    /// New tool.
    #[serde(default)]
    pub backup_tool: Option<BackupTool>,
    /// New target server.
    #[serde(default)]
    pub target_server: Option<String>,
    /// New target path.
    #[serde(default)]
    pub target_path: Option<String>,
    /// New owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// Replaces the tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Activate or pause.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// New retention (`null` clears).
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>))]
    pub retention_days: Option<Option<i32>>,
    /// New external reference (`null` clears).
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub external_ref: Option<Option<String>>,
    /// New cron expression (`null` makes the job manual).
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cron_expression: Option<Option<String>>,
    /// New time zone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// New grace period.
    #[serde(default)]
    pub grace_minutes: Option<i32>,
    /// New maximum duration (`null` clears).
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>))]
    pub max_duration_minutes: Option<Option<i32>>,
    /// Replaces the compliance overrides.
    #[serde(default)]
    pub compliance_overrides: Option<ComplianceOverrides>,
}

/// Filters, sorting and paging for the job list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListJobsQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Text search in name, description, target server and path.
    pub q: Option<String>,
    /// Only this tool.
    pub backup_tool: Option<BackupTool>,
    /// Only this job type.
    pub job_type: Option<JobType>,
    /// Only jobs with this tag.
    pub tag: Option<String>,
    /// Only this owner.
    pub owner: Option<String>,
    /// Only jobs in this state.
    pub state: Option<JobStateDto>,
    /// Only jobs with this compliance status.
    pub compliance_status: Option<ComplianceStatusDto>,
    /// Only active (`true`) or inactive (`false`) jobs.
    pub is_active: Option<bool>,
    /// `name` (default), `-name`, `created_at`, `-created_at`, `last_run_at`, `-last_run_at`, `state`.
    pub sort: Option<String>,
}

/// One page of jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobList {
    /// The jobs on this page.
    pub data: Vec<JobDto>,
    /// Pagination.
    pub meta: crate::PageMeta,
}

/// Where a job's data lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CopyDto {
    /// Numeric id.
    pub id: i64,
    /// The job.
    pub job_id: i64,
    /// Role of the copy.
    pub copy_type: CopyType,
    /// Storage media.
    pub media_type: MediaType,
    /// Site or room.
    pub location: String,
    /// Repository, share, bucket or tape pool.
    pub storage_path: String,
    /// At another site.
    pub offsite: bool,
    /// Air-gapped.
    pub offline: bool,
    /// WORM / object lock.
    pub immutable: bool,
    /// Encrypted at rest.
    pub encrypted: bool,
    /// Freshness window in hours as configured (absent: derived from the schedule).
    pub freshness_hours: Option<i32>,
    /// The freshness window in force, in hours.
    pub effective_freshness_hours: i64,
    /// When the latest successful run for this copy finished.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last modification time.
    pub updated_at: DateTime<Utc>,
}

/// Create a copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCopyRequest {
    /// Role of the copy.
    pub copy_type: CopyType,
    /// Storage media.
    pub media_type: MediaType,
    /// Site or room.
    #[serde(default)]
    pub location: Option<String>,
    /// Repository, share, bucket or tape pool.
    #[serde(default)]
    pub storage_path: Option<String>,
    /// At another site (default: true for `offsite` copies).
    #[serde(default)]
    pub offsite: Option<bool>,
    /// Air-gapped (default: true for `offline` copies).
    #[serde(default)]
    pub offline: Option<bool>,
    /// WORM / object lock (default false).
    #[serde(default)]
    pub immutable: Option<bool>,
    /// Encrypted (default false).
    #[serde(default)]
    pub encrypted: Option<bool>,
    /// Freshness window in hours, 1–8784 (absent: derived from the schedule).
    #[serde(default)]
    pub freshness_hours: Option<i32>,
}

/// Change a copy; absent fields stay unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCopyRequest {
    /// New role.
    #[serde(default)]
    pub copy_type: Option<CopyType>,
    /// New media.
    #[serde(default)]
    pub media_type: Option<MediaType>,
    /// New location.
    #[serde(default)]
    pub location: Option<String>,
    /// New storage path.
    #[serde(default)]
    pub storage_path: Option<String>,
    /// Offsite flag.
    #[serde(default)]
    pub offsite: Option<bool>,
    /// Offline flag.
    #[serde(default)]
    pub offline: Option<bool>,
    /// Immutable flag.
    #[serde(default)]
    pub immutable: Option<bool>,
    /// Encrypted flag.
    #[serde(default)]
    pub encrypted: Option<bool>,
    /// New freshness window (`null`: derive from the schedule).
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>))]
    pub freshness_hours: Option<Option<i32>>,
}

/// A state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateFlipDto {
    /// Previous state (absent for the first evaluation).
    pub from_state: Option<JobStateDto>,
    /// New state.
    pub to_state: JobStateDto,
    /// When the change was detected.
    pub flipped_at: DateTime<Utc>,
}

/// A preview of a schedule: the next run times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchedulePreview {
    /// The next 5 run times in UTC.
    pub next_runs: Vec<DateTime<Utc>>,
    /// The same times in the schedule's time zone (RFC 3339 with offset).
    pub next_runs_local: Vec<String>,
}

/// Parameters of a schedule preview.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct SchedulePreviewQuery {
    /// 5-field cron expression.
    pub cron_expression: String,
    /// IANA time zone (default: the server's `DEFAULT_TIMEZONE`).
    pub timezone: Option<String>,
}
