//! Restore tests (the "0" of 3-2-1-1-0): the records, their evidence attachments, the
//! per-job requirement the compliance engine reads, and a job's restore status — the wire
//! types of `/api/v1/restore-tests` and `/api/v1/jobs/{id}/restore-*`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::jobs::RuleOutcomeDto;
use crate::wire_enum::wire_enum;

wire_enum! {
    /// What kind of restore test was done.
    RestoreTestType {
        /// The whole system or data set restored.
        FullRestore => "full_restore",
        /// Some files restored and compared.
        FileRestore => "file_restore",
        /// The backup's integrity checked (e.g. `restic check`, SureBackup).
        IntegrityCheck => "integrity_check",
        /// The application started and checked on the restored data.
        ApplicationCheck => "application_check",
        /// A disaster-recovery drill.
        DrDrill => "dr_drill",
    }
}

wire_enum! {
    /// How a restore test ended.
    RestoreTestResult {
        /// Restored and verified.
        Passed => "passed",
        /// Restored, with issues worth fixing (counts as a warning).
        PassedWithIssues => "passed_with_issues",
        /// The restore or its verification failed.
        Failed => "failed",
    }
}

/// An evidence file attached to a restore test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentDto {
    /// Attachment id.
    pub id: i64,
    /// The restore test it belongs to.
    pub restore_test_id: i64,
    /// File name as uploaded (sanitised).
    pub filename: String,
    /// Content type sniffed from the bytes (not the uploader's claim).
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex; checked again on every download.
    pub sha256: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A recorded restore test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreTestDto {
    /// Restore test id.
    pub id: i64,
    /// The job whose backup was restored.
    pub job_id: i64,
    /// The job's name.
    pub job_name: String,
    /// The copy restored from, if named.
    pub copy_id: Option<i64>,
    /// What kind of test.
    pub test_type: RestoreTestType,
    /// Outcome.
    pub result: RestoreTestResult,
    /// When the restore started, if known.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished (the test's date for the interval).
    pub finished_at: DateTime<Utc>,
    /// Who did it: a user's name, or the API key of an automated check.
    pub tester: String,
    /// `user`, `api_key` or `ping`.
    pub recorded_via: String,
    /// Where it was restored to (e.g. "isolated lab VLAN").
    pub target_environment: String,
    /// Bytes restored.
    pub bytes_restored: Option<i64>,
    /// Files restored.
    pub files_restored: Option<i64>,
    /// Minutes the restore took (given, or finished − started).
    pub rto_achieved_minutes: Option<i64>,
    /// The job's RTO target when the test was recorded.
    pub rto_target_minutes: Option<i64>,
    /// Whether the achieved RTO met the target (`None` when either is unknown).
    pub rto_met: Option<bool>,
    /// Issues found.
    pub issues_found: String,
    /// Notes.
    pub notes: String,
    /// Evidence files.
    pub attachments: Vec<AttachmentDto>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// Records a restore test (a person through the UI, or an automated check with an
/// `ingest` key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateRestoreTestRequest {
    /// The job (or give `job_name`).
    #[serde(default)]
    pub job_id: Option<i64>,
    /// The job by name.
    #[serde(default)]
    pub job_name: Option<String>,
    /// The copy restored from (must belong to the job).
    #[serde(default)]
    pub copy_id: Option<i64>,
    /// What kind of test.
    pub test_type: RestoreTestType,
    /// Outcome.
    pub result: RestoreTestResult,
    /// When it started.
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished; defaults to now. Not in the future.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Where it was restored to (at most 200 characters).
    #[serde(default)]
    pub target_environment: Option<String>,
    /// Bytes restored (≥ 0).
    #[serde(default)]
    pub bytes_restored: Option<i64>,
    /// Files restored (≥ 0).
    #[serde(default)]
    pub files_restored: Option<i64>,
    /// Minutes the restore took (≥ 0); computed from the times when absent.
    #[serde(default)]
    pub rto_achieved_minutes: Option<i64>,
    /// Issues found (at most 4,000 characters).
    #[serde(default)]
    pub issues_found: Option<String>,
    /// Notes (at most 4,000 characters).
    #[serde(default)]
    pub notes: Option<String>,
}

/// Filters of the restore-test list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListRestoreTestsQuery {
    /// 1-based page.
    pub page: Option<u32>,
    /// Items per page (1–200).
    pub per_page: Option<u32>,
    /// Only this job.
    pub job_id: Option<i64>,
    /// Only this result.
    pub result: Option<RestoreTestResult>,
    /// Only this type.
    pub test_type: Option<RestoreTestType>,
    /// Finished at or after.
    pub from: Option<DateTime<Utc>>,
    /// Finished before.
    pub to: Option<DateTime<Utc>>,
}

/// A page of restore tests, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreTestList {
    /// The tests.
    pub data: Vec<RestoreTestDto>,
    /// Paging.
    pub meta: crate::PageMeta,
}

/// A job's restore-test requirement as stored (all optional: absent = the global default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RestoreRequirementRequest {
    /// Days between tests (1–3650); `0` = no requirement for this job; absent = the global
    /// `RESTORE_TEST_INTERVAL_DAYS`.
    #[serde(default)]
    pub interval_days: Option<u32>,
    /// The job's RTO target in minutes (1–100,000).
    #[serde(default)]
    pub rto_target_minutes: Option<u32>,
    /// The test types that count; empty or absent = every type.
    #[serde(default)]
    pub counting_types: Option<Vec<RestoreTestType>>,
}

/// A job's effective requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreRequirementDto {
    /// The job.
    pub job_id: i64,
    /// Its own interval (`None`: the global default applies; `0`: none).
    pub interval_days: Option<u32>,
    /// The interval in force (`None`: no requirement).
    pub effective_interval_days: Option<u32>,
    /// RTO target, minutes.
    pub rto_target_minutes: Option<u32>,
    /// Types that count (empty = every type).
    pub counting_types: Vec<RestoreTestType>,
}

/// Where a job stands on restore verification (the "0" rule's restore half).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreStatusDto {
    /// The job.
    pub job_id: i64,
    /// The job's name.
    pub job_name: String,
    /// The requirement in force.
    pub requirement: RestoreRequirementDto,
    /// Pass, warning or fail, as the "0" rule sees restore tests.
    pub outcome: RuleOutcomeDto,
    /// `restore_verified`, `restore_passed_with_issues`, `restore_test_due_soon`,
    /// `restore_test_overdue`, `restore_test_failed`, `never_tested` or `not_yet_verified`
    /// (no requirement and no test).
    pub reason: String,
    /// The latest counting test.
    pub latest_test: Option<RestoreTestDto>,
    /// When the next test is due (`None` without a requirement).
    pub due_at: Option<DateTime<Utc>>,
}

/// One line of the restore-test calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreCalendarEntry {
    /// The job.
    pub job_id: i64,
    /// Its name.
    pub job_name: String,
    /// Due date in the server's zone.
    pub due_on: NaiveDate,
    /// Due instant (a job never tested: one interval after it was created).
    pub due_at: Option<DateTime<Utc>>,
    /// `overdue`, `due_soon` (within 7 days) or `scheduled`.
    pub status: String,
    /// The latest counting test, if any.
    pub latest_test_id: Option<i64>,
    /// Its result.
    pub latest_result: Option<RestoreTestResult>,
}

/// The restore-test calendar: overdue first, then by due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreCalendar {
    /// Entries up to the requested horizon.
    pub data: Vec<RestoreCalendarEntry>,
}

/// Calendar window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct RestoreCalendarQuery {
    /// Days ahead to include (1–366, default 90): jobs due by then, overdue ones included.
    pub days: Option<u32>,
}
