//! Stored rotation schemes (the pure schemes are `bms_types::rotation`): their rows, the
//! calendar with the media assigned to each set, and the sets due soon whose media are
//! not on site (for the "rotation due" alert).

use std::collections::HashMap;

use bms_types::media::{MediaState, RotationCalendarDto, RotationDayDto, RotationDto};
use bms_types::rotation::RotationScheme;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{media, media_rotations};
use crate::error::ApiError;

/// A stored rotation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media_rotations)]
pub struct RotationRow {
    pub id: i64,
    pub name: String,
    pub scheme: String,
    pub start_date: NaiveDate,
    pub copy_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RotationRow {
    /// One rotation, or 404.
    pub fn find(conn: &mut DbConn, id: i64) -> Result<Self, ApiError> {
        media_rotations::table
            .find(id)
            .select(Self::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("Rotation"))
    }

    /// Every rotation, by name.
    pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Self>> {
        media_rotations::table.order(media_rotations::name).select(Self::as_select()).load(conn)
    }

    /// Its scheme (stored from a validated value).
    pub fn scheme(&self) -> Result<RotationScheme, ApiError> {
        serde_json::from_str(&self.scheme).map_err(ApiError::internal)
    }

    /// The wire form.
    pub fn to_dto(&self) -> Result<RotationDto, ApiError> {
        let scheme = self.scheme()?;
        Ok(RotationDto {
            id: self.id,
            name: self.name.clone(),
            sets: scheme.set_labels(),
            scheme,
            start_date: self.start_date,
            copy_id: self.copy_id,
            created_at: self.created_at,
        })
    }
}

/// Labels and states of the media in each set of a rotation.
fn members(conn: &mut DbConn, rotation_id: i64) -> QueryResult<HashMap<String, Vec<(String, MediaState)>>> {
    let rows: Vec<(Option<String>, String, MediaState)> = media::table
        .filter(media::rotation_id.eq(rotation_id))
        .order(media::label)
        .select((media::rotation_set, media::label, media::state))
        .load(conn)?;
    let mut by_set: HashMap<String, Vec<(String, MediaState)>> = HashMap::new();
    for (set, label, state) in rows {
        if let Some(set) = set {
            by_set.entry(set).or_default().push((label, state));
        }
    }
    Ok(by_set)
}

/// The rotation's days from `from`.
pub fn calendar(
    conn: &mut DbConn,
    row: &RotationRow,
    from: NaiveDate,
    days: u32,
) -> Result<RotationCalendarDto, ApiError> {
    let scheme = row.scheme()?;
    let sets = members(conn, row.id)?;
    let days = scheme
        .calendar(row.start_date, from, days)
        .into_iter()
        .map(|day| RotationDayDto {
            media: sets
                .get(&day.set)
                .map(|media| media.iter().map(|(label, _)| label.clone()).collect())
                .unwrap_or_default(),
            date: day.date,
            set: day.set,
            tier: day.tier,
            next_use: day.next_use,
        })
        .collect();
    Ok(RotationCalendarDto { rotation: row.to_dto()?, days })
}

/// A set due today or tomorrow with media that are off site or lent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSet {
    pub rotation_id: i64,
    pub rotation_name: String,
    pub set: String,
    pub date: NaiveDate,
    /// The media not on site: (label, state).
    pub away: Vec<(String, MediaState)>,
}

/// Sets due on `today` or the day after whose media are `offsite` or `lent`.
pub fn due_sets_away(conn: &mut DbConn, today: NaiveDate) -> Result<Vec<DueSet>, ApiError> {
    let mut due = Vec::new();
    for row in RotationRow::all(conn)? {
        let scheme = row.scheme()?;
        let sets = members(conn, row.id)?;
        for day in scheme.calendar(row.start_date, today, 2) {
            let away: Vec<(String, MediaState)> = sets
                .get(&day.set)
                .map(|media| {
                    media
                        .iter()
                        .filter(|(_, state)| matches!(state, MediaState::Offsite | MediaState::Lent))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if !away.is_empty() {
                due.push(DueSet {
                    rotation_id: row.id,
                    rotation_name: row.name.clone(),
                    set: day.set,
                    date: day.date,
                    away,
                });
            }
        }
    }
    Ok(due)
}
