//! Jobs and copies in the database: rows, validation of requests, and every change with
//! its audit row.

use crate::db::DbConn;
use bms_types::FieldViolation;
use bms_types::executions::ExecutionResult;
use bms_types::jobs::{
    BackupTool, ComplianceOverrides, CopyDto, CopyType, CreateCopyRequest, CreateJobRequest, JobDto, JobType,
    MediaType, UpdateCopyRequest, UpdateJobRequest,
};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::Actor;
use crate::audit::{self, AuditEvent};
use crate::config::TrackingSettings;
use crate::db::schema::{job_copies, job_tags, jobs};
use crate::error::{ApiError, violation};
use crate::tokens::new_opaque_token;
use crate::tracking::schedule::{CronSchedule, ScheduleError};

/// A stored job.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub job_type: JobType,
    pub backup_tool: BackupTool,
    pub target_server: String,
    pub target_path: String,
    pub owner: String,
    pub is_active: bool,
    pub retention_days: Option<i32>,
    pub external_ref: Option<String>,
    pub cron_expression: Option<String>,
    pub timezone: String,
    pub grace_minutes: i32,
    pub max_duration_minutes: Option<i32>,
    pub min_copies: Option<i32>,
    pub min_media_types: Option<i32>,
    pub min_offsite: Option<i32>,
    pub min_offline: Option<i32>,
    pub ping_token: String,
    pub last_run_id: Option<i64>,
    pub last_run_result: Option<ExecutionResult>,
    pub last_run_started_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    /// Loads by id; `not_found` when absent.
    pub fn find(conn: &mut DbConn, id: i64) -> Result<Job, ApiError> {
        jobs::table.find(id).select(Job::as_select()).first(conn).optional()?.ok_or_else(|| ApiError::not_found("Job"))
    }

    /// The parsed schedule (`None` for manual jobs or a stored expression that no longer
    /// parses, which validation prevents).
    pub fn schedule(&self) -> Option<CronSchedule> {
        self.cron_expression.as_deref().and_then(|expr| CronSchedule::parse(expr, &self.timezone).ok())
    }

    /// Grace period.
    pub fn grace(&self) -> Duration {
        Duration::minutes(i64::from(self.grace_minutes))
    }

    /// Maximum duration.
    pub fn max_duration(&self) -> Option<Duration> {
        self.max_duration_minutes.map(|minutes| Duration::minutes(i64::from(minutes)))
    }

    /// The wire form, without status and tags (added by the caller).
    pub fn to_dto(&self, tags: Vec<String>) -> Result<JobDto, ApiError> {
        let to_u32 = |value: Option<i32>| value.and_then(|v| u32::try_from(v).ok());
        Ok(JobDto {
            id: self.id,
            name: self.name.clone(),
            description: self.description.clone(),
            job_type: self.job_type,
            backup_tool: self.backup_tool,
            target_server: self.target_server.clone(),
            target_path: self.target_path.clone(),
            owner: self.owner.clone(),
            tags,
            is_active: self.is_active,
            retention_days: self.retention_days,
            external_ref: self.external_ref.clone(),
            cron_expression: self.cron_expression.clone(),
            timezone: self.timezone.clone(),
            grace_minutes: self.grace_minutes,
            max_duration_minutes: self.max_duration_minutes,
            compliance_overrides: ComplianceOverrides {
                min_copies: to_u32(self.min_copies),
                min_media_types: to_u32(self.min_media_types),
                min_offsite: to_u32(self.min_offsite),
                min_offline_or_immutable: to_u32(self.min_offline),
            },
            ping_token: self.ping_token.clone(),
            status: None,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Tags of a set of jobs, keyed by job id.
pub fn tags_of(conn: &mut DbConn, job_ids: &[i64]) -> QueryResult<std::collections::HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = job_tags::table
        .filter(job_tags::job_id.eq_any(job_ids))
        .order((job_tags::job_id, job_tags::tag))
        .select((job_tags::job_id, job_tags::tag))
        .load(conn)?;
    let mut map: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (job_id, tag) in rows {
        map.entry(job_id).or_default().push(tag);
    }
    Ok(map)
}

/// A validated, normalised job definition.
#[derive(Debug, Clone)]
pub struct JobFields {
    pub name: String,
    pub description: String,
    pub job_type: JobType,
    pub backup_tool: BackupTool,
    pub target_server: String,
    pub target_path: String,
    pub owner: String,
    pub tags: Vec<String>,
    pub is_active: bool,
    pub retention_days: Option<i32>,
    pub external_ref: Option<String>,
    pub cron_expression: Option<String>,
    pub timezone: String,
    pub grace_minutes: i32,
    pub max_duration_minutes: Option<i32>,
    pub overrides: ComplianceOverrides,
}

fn text_limit(violations: &mut Vec<FieldViolation>, field: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        violations.push(violation(field, "max_length", format!("must be at most {max} characters long")));
    }
}

/// Checks a complete job definition; every broken rule is reported.
pub fn validate_job(fields: &mut JobFields) -> Vec<FieldViolation> {
    let mut violations = Vec::new();
    fields.name = fields.name.trim().to_owned();
    if fields.name.is_empty() {
        violations.push(violation("name", "required", "must not be empty"));
    }
    text_limit(&mut violations, "name", &fields.name, 200);
    text_limit(&mut violations, "description", &fields.description, 2000);
    for (field, value) in
        [("target_server", &fields.target_server), ("target_path", &fields.target_path), ("owner", &fields.owner)]
    {
        text_limit(&mut violations, field, value, 500);
    }
    let mut tags: Vec<String> = fields.tags.iter().map(|tag| tag.trim().to_owned()).collect();
    if tags.iter().any(|tag| tag.is_empty() || tag.chars().count() > 50 || tag.contains(',')) {
        violations.push(violation("tags", "tag_format", "each tag must be 1 to 50 characters without commas"));
    }
    tags.sort_by_key(|tag| tag.to_lowercase());
    tags.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    if tags.len() > 20 {
        violations.push(violation("tags", "max_items", "at most 20 tags"));
    }
    fields.tags = tags;
    if fields.retention_days.is_some_and(|days| !(1..=36_500).contains(&days)) {
        violations.push(violation("retention_days", "range", "must be from 1 to 36500"));
    }
    fields.external_ref = fields.external_ref.take().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if let Some(reference) = &fields.external_ref {
        text_limit(&mut violations, "external_ref", reference, 200);
    }
    fields.cron_expression = fields.cron_expression.take().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    match fields.cron_expression.as_deref().map(|expr| CronSchedule::validate(expr, &fields.timezone)) {
        Some(Err(ScheduleError::InvalidCron(reason))) => {
            violations.push(violation(
                "cron_expression",
                "cron",
                format!("not a valid 5-field cron expression: {reason}"),
            ));
        }
        Some(Err(ScheduleError::InvalidTimezone)) => {
            violations.push(violation("timezone", "iana_timezone", "must be an IANA time zone such as Asia/Tokyo"));
        }
        _ if fields.timezone.parse::<chrono_tz::Tz>().is_err() => {
            violations.push(violation("timezone", "iana_timezone", "must be an IANA time zone such as Asia/Tokyo"));
        }
        _ => {}
    }
    if !(0..=10_080).contains(&fields.grace_minutes) {
        violations.push(violation("grace_minutes", "range", "must be from 0 to 10080 (7 days)"));
    }
    if fields.max_duration_minutes.is_some_and(|minutes| !(1..=43_200).contains(&minutes)) {
        violations.push(violation("max_duration_minutes", "range", "must be from 1 to 43200 (30 days)"));
    }
    let overrides = [
        ("compliance_overrides.min_copies", fields.overrides.min_copies, 1),
        ("compliance_overrides.min_media_types", fields.overrides.min_media_types, 1),
        ("compliance_overrides.min_offsite", fields.overrides.min_offsite, 0),
        ("compliance_overrides.min_offline_or_immutable", fields.overrides.min_offline_or_immutable, 0),
    ];
    for (field, value, min) in overrides {
        if value.is_some_and(|value| value < min || value > 20) {
            violations.push(violation(field, "range", format!("must be from {min} to 20")));
        }
    }
    violations
}

impl JobFields {
    /// From a create request, with defaults.
    pub fn from_create(request: CreateJobRequest, settings: &TrackingSettings, default_timezone: &str) -> Self {
        Self {
            name: request.name,
            description: request.description.unwrap_or_default(),
            job_type: request.job_type,
            backup_tool: request.backup_tool,
            target_server: request.target_server.unwrap_or_default(),
            target_path: request.target_path.unwrap_or_default(),
            owner: request.owner.unwrap_or_default(),
            tags: request.tags.unwrap_or_default(),
            is_active: request.is_active.unwrap_or(true),
            retention_days: request.retention_days,
            external_ref: request.external_ref,
            cron_expression: request.cron_expression,
            timezone: request.timezone.map(|tz| tz.trim().to_owned()).unwrap_or_else(|| default_timezone.to_owned()),
            grace_minutes: request.grace_minutes.unwrap_or(settings.default_grace_minutes),
            max_duration_minutes: request.max_duration_minutes,
            overrides: request.compliance_overrides.unwrap_or_default(),
        }
    }

    /// A stored job with a patch applied.
    pub fn patched(job: &Job, tags: Vec<String>, patch: UpdateJobRequest) -> Result<Self, ApiError> {
        let current = job.to_dto(tags)?;
        Ok(Self {
            name: patch.name.unwrap_or(current.name),
            description: patch.description.unwrap_or(current.description),
            job_type: patch.job_type.unwrap_or(current.job_type),
            backup_tool: patch.backup_tool.unwrap_or(current.backup_tool),
            target_server: patch.target_server.unwrap_or(current.target_server),
            target_path: patch.target_path.unwrap_or(current.target_path),
            owner: patch.owner.unwrap_or(current.owner),
            tags: patch.tags.unwrap_or(current.tags),
            is_active: patch.is_active.unwrap_or(current.is_active),
            retention_days: patch.retention_days.unwrap_or(current.retention_days),
            external_ref: patch.external_ref.unwrap_or(current.external_ref),
            cron_expression: patch.cron_expression.unwrap_or(current.cron_expression),
            timezone: patch.timezone.map(|tz| tz.trim().to_owned()).unwrap_or(current.timezone),
            grace_minutes: patch.grace_minutes.unwrap_or(current.grace_minutes),
            max_duration_minutes: patch.max_duration_minutes.unwrap_or(current.max_duration_minutes),
            overrides: patch.compliance_overrides.unwrap_or(current.compliance_overrides),
        })
    }
}

fn override_value(value: Option<u32>) -> Option<i32> {
    value.and_then(|v| i32::try_from(v).ok())
}

/// The columns a job definition sets: one list for both insert and update.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = jobs, treat_none_as_null = true)]
struct JobColumns<'a> {
    name: &'a str,
    description: &'a str,
    job_type: &'a str,
    backup_tool: &'a str,
    target_server: &'a str,
    target_path: &'a str,
    owner: &'a str,
    is_active: bool,
    retention_days: Option<i32>,
    external_ref: Option<&'a str>,
    cron_expression: Option<&'a str>,
    timezone: &'a str,
    grace_minutes: i32,
    max_duration_minutes: Option<i32>,
    min_copies: Option<i32>,
    min_media_types: Option<i32>,
    min_offsite: Option<i32>,
    min_offline: Option<i32>,
    updated_at: DateTime<Utc>,
}

impl JobFields {
    fn columns(&self, now: DateTime<Utc>) -> JobColumns<'_> {
        JobColumns {
            name: &self.name,
            description: &self.description,
            job_type: self.job_type.as_str(),
            backup_tool: self.backup_tool.as_str(),
            target_server: &self.target_server,
            target_path: &self.target_path,
            owner: &self.owner,
            is_active: self.is_active,
            retention_days: self.retention_days,
            external_ref: self.external_ref.as_deref(),
            cron_expression: self.cron_expression.as_deref(),
            timezone: &self.timezone,
            grace_minutes: self.grace_minutes,
            max_duration_minutes: self.max_duration_minutes,
            min_copies: override_value(self.overrides.min_copies),
            min_media_types: override_value(self.overrides.min_media_types),
            min_offsite: override_value(self.overrides.min_offsite),
            min_offline: override_value(self.overrides.min_offline_or_immutable),
            updated_at: now,
        }
    }
}

fn ensure_unique(conn: &mut DbConn, fields: &JobFields, except: Option<i64>) -> Result<(), ApiError> {
    let mut by_name = jobs::table.filter(jobs::name.eq(&fields.name)).select(jobs::id).into_boxed();
    if let Some(id) = except {
        by_name = by_name.filter(jobs::id.ne(id));
    }
    if by_name.first::<i64>(conn).optional()?.is_some() {
        return Err(ApiError::conflict(format!("A job named `{}` already exists.", fields.name)));
    }
    if let Some(reference) = &fields.external_ref {
        let mut by_ref = jobs::table.filter(jobs::external_ref.eq(reference)).select(jobs::id).into_boxed();
        if let Some(id) = except {
            by_ref = by_ref.filter(jobs::id.ne(id));
        }
        if by_ref.first::<i64>(conn).optional()?.is_some() {
            return Err(ApiError::conflict(format!("Another job already has the external reference `{reference}`.")));
        }
    }
    Ok(())
}

fn replace_tags(conn: &mut DbConn, job_id: i64, tags: &[String]) -> QueryResult<()> {
    diesel::delete(job_tags::table.filter(job_tags::job_id.eq(job_id))).execute(conn)?;
    let rows: Vec<_> = tags.iter().map(|tag| (job_tags::job_id.eq(job_id), job_tags::tag.eq(tag))).collect();
    diesel::insert_into(job_tags::table).values(rows).execute(conn)?;
    Ok(())
}

/// Creates a job (with a new ping token) and its audit row.
pub fn create_job(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, fields: &JobFields) -> Result<i64, ApiError> {
    let (ping_token, _) = new_opaque_token("");
    crate::db::write_transaction(conn, |conn| {
        ensure_unique(conn, fields, None)?;
        let id: i64 = diesel::insert_into(jobs::table)
            .values((fields.columns(now), jobs::ping_token.eq(&ping_token[..32]), jobs::created_at.eq(now)))
            .returning(jobs::id)
            .get_result(conn)?;
        replace_tags(conn, id, &fields.tags)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("job.create", "job", id).with_details(json!({
                "name": fields.name, "backup_tool": fields.backup_tool.as_str(), "cron_expression": fields.cron_expression,
            })),
        )?;
        Ok(id)
    })
}

/// Replaces a job's definition and writes its audit row.
pub fn update_job(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i64,
    fields: &JobFields,
    changed: serde_json::Value,
) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        Job::find(conn, id)?;
        ensure_unique(conn, fields, Some(id))?;
        diesel::update(jobs::table.find(id)).set(fields.columns(now)).execute(conn)?;
        replace_tags(conn, id, &fields.tags)?;
        audit::record(conn, now, actor, AuditEvent::success("job.update", "job", id).with_details(changed))?;
        Ok(())
    })
}

/// Deletes a job with its copies, executions and history; the audit row keeps its name.
pub fn delete_job(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, id: i64) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let job = Job::find(conn, id)?;
        diesel::delete(jobs::table.find(id)).execute(conn)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("job.delete", "job", id).with_details(json!({"name": job.name})),
        )?;
        Ok(())
    })
}

/// A stored copy.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = job_copies)]
pub struct Copy {
    pub id: i64,
    pub job_id: i64,
    pub copy_type: CopyType,
    pub media_type: MediaType,
    pub location: String,
    pub storage_path: String,
    pub is_offsite: bool,
    pub is_offline: bool,
    pub is_immutable: bool,
    pub is_encrypted: bool,
    pub freshness_hours: Option<i32>,
    pub last_success_id: Option<i64>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_run_id: Option<i64>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_run_failed: Option<bool>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Copy {
    /// Loads a copy of a job; `not_found` when absent or belonging to another job.
    pub fn find(conn: &mut DbConn, job_id: i64, copy_id: i64) -> Result<Copy, ApiError> {
        job_copies::table
            .find(copy_id)
            .filter(job_copies::job_id.eq(job_id))
            .select(Copy::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("Copy"))
    }

    /// All copies of a job, in id order.
    pub fn of_job(conn: &mut DbConn, job_id: i64) -> QueryResult<Vec<Copy>> {
        job_copies::table
            .filter(job_copies::job_id.eq(job_id))
            .order(job_copies::id)
            .select(Copy::as_select())
            .load(conn)
    }

    /// The wire form.
    pub fn to_dto(
        &self,
        effective_freshness: Duration,
        last_success_at: Option<DateTime<Utc>>,
    ) -> Result<CopyDto, ApiError> {
        Ok(CopyDto {
            id: self.id,
            job_id: self.job_id,
            copy_type: self.copy_type,
            media_type: self.media_type,
            location: self.location.clone(),
            storage_path: self.storage_path.clone(),
            offsite: self.is_offsite,
            offline: self.is_offline,
            immutable: self.is_immutable,
            encrypted: self.is_encrypted,
            freshness_hours: self.freshness_hours,
            effective_freshness_hours: effective_freshness.num_hours(),
            last_success_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The primary copy that results without a `copy_id` are attributed to: the first
/// `primary` copy, else the first copy.
pub fn primary_copy_id(copies: &[Copy]) -> Option<i64> {
    copies.iter().find(|copy| copy.copy_type == CopyType::Primary).or_else(|| copies.first()).map(|copy| copy.id)
}

/// A validated copy definition.
#[derive(Debug, Clone)]
pub struct CopyFields {
    pub copy_type: CopyType,
    pub media_type: MediaType,
    pub location: String,
    pub storage_path: String,
    pub offsite: bool,
    pub offline: bool,
    pub immutable: bool,
    pub encrypted: bool,
    pub freshness_hours: Option<i32>,
}

impl CopyFields {
    /// From a create request; `offsite`/`offline` default from the copy type.
    pub fn from_create(request: CreateCopyRequest) -> Self {
        Self {
            offsite: request.offsite.unwrap_or(request.copy_type == CopyType::Offsite),
            offline: request.offline.unwrap_or(request.copy_type == CopyType::Offline),
            copy_type: request.copy_type,
            media_type: request.media_type,
            location: request.location.unwrap_or_default().trim().to_owned(),
            storage_path: request.storage_path.unwrap_or_default().trim().to_owned(),
            immutable: request.immutable.unwrap_or(false),
            encrypted: request.encrypted.unwrap_or(false),
            freshness_hours: request.freshness_hours,
        }
    }

    /// A stored copy with a patch applied.
    pub fn patched(copy: &Copy, patch: UpdateCopyRequest) -> Result<Self, ApiError> {
        let current = copy.to_dto(Duration::zero(), None)?;
        Ok(Self {
            copy_type: patch.copy_type.unwrap_or(current.copy_type),
            media_type: patch.media_type.unwrap_or(current.media_type),
            location: patch.location.map(|l| l.trim().to_owned()).unwrap_or(current.location),
            storage_path: patch.storage_path.map(|p| p.trim().to_owned()).unwrap_or(current.storage_path),
            offsite: patch.offsite.unwrap_or(current.offsite),
            offline: patch.offline.unwrap_or(current.offline),
            immutable: patch.immutable.unwrap_or(current.immutable),
            encrypted: patch.encrypted.unwrap_or(current.encrypted),
            freshness_hours: patch.freshness_hours.unwrap_or(current.freshness_hours),
        })
    }

    /// Every broken rule.
    pub fn validate(&self) -> Vec<FieldViolation> {
        let mut violations = Vec::new();
        text_limit(&mut violations, "location", &self.location, 500);
        text_limit(&mut violations, "storage_path", &self.storage_path, 1000);
        if self.freshness_hours.is_some_and(|hours| !(1..=8784).contains(&hours)) {
            violations.push(violation("freshness_hours", "range", "must be from 1 to 8784 (one year)"));
        }
        violations
    }
}

/// The columns a copy definition sets: one list for both insert and update.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = job_copies, treat_none_as_null = true)]
struct CopyColumns<'a> {
    copy_type: &'a str,
    media_type: &'a str,
    location: &'a str,
    storage_path: &'a str,
    is_offsite: bool,
    is_offline: bool,
    is_immutable: bool,
    is_encrypted: bool,
    freshness_hours: Option<i32>,
    updated_at: DateTime<Utc>,
}

impl CopyFields {
    fn columns(&self, now: DateTime<Utc>) -> CopyColumns<'_> {
        CopyColumns {
            copy_type: self.copy_type.as_str(),
            media_type: self.media_type.as_str(),
            location: &self.location,
            storage_path: &self.storage_path,
            is_offsite: self.offsite,
            is_offline: self.offline,
            is_immutable: self.immutable,
            is_encrypted: self.encrypted,
            freshness_hours: self.freshness_hours,
            updated_at: now,
        }
    }
}

/// Adds a copy to a job.
pub fn create_copy(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    job_id: i64,
    fields: &CopyFields,
) -> Result<i64, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        Job::find(conn, job_id)?;
        let id: i64 = diesel::insert_into(job_copies::table)
            .values((fields.columns(now), job_copies::job_id.eq(job_id), job_copies::created_at.eq(now)))
            .returning(job_copies::id)
            .get_result(conn)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("copy.create", "copy", id).with_details(copy_details(job_id, fields)),
        )?;
        Ok(id)
    })
}

fn copy_details(job_id: i64, fields: &CopyFields) -> serde_json::Value {
    json!({
        "job_id": job_id, "copy_type": fields.copy_type.as_str(), "media_type": fields.media_type.as_str(),
        "offsite": fields.offsite, "offline": fields.offline, "immutable": fields.immutable,
        "freshness_hours": fields.freshness_hours,
    })
}

/// Replaces a copy's definition.
pub fn update_copy(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    job_id: i64,
    copy_id: i64,
    fields: &CopyFields,
) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        Copy::find(conn, job_id, copy_id)?;
        diesel::update(job_copies::table.find(copy_id)).set(fields.columns(now)).execute(conn)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("copy.update", "copy", copy_id).with_details(copy_details(job_id, fields)),
        )?;
        Ok(())
    })
}

/// Removes a copy; its past results stay, no longer attributed to a copy.
pub fn delete_copy(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    job_id: i64,
    copy_id: i64,
) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let copy = Copy::find(conn, job_id, copy_id)?;
        diesel::delete(job_copies::table.find(copy_id)).execute(conn)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("copy.delete", "copy", copy_id)
                .with_details(json!({"job_id": job_id, "copy_type": copy.copy_type, "media_type": copy.media_type})),
        )?;
        Ok(())
    })
}
