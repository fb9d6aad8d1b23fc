//! The server's error type. Every failure becomes the one JSON envelope defined in
//! `bms_types::error`; the cause chain of unexpected errors is logged, never sent.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use bms_types::{ApiErrorBody, ErrorCode, ErrorDetail, FieldViolation};

/// An error answered to an API client.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    details: Vec<FieldViolation>,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    /// An error with a code and message and no field details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), details: Vec::new(), cause: None }
    }

    /// `validation_failed` with the given field violations.
    pub fn validation(details: Vec<FieldViolation>) -> Self {
        Self { details, ..Self::new(ErrorCode::ValidationFailed, "The request is not valid.") }
    }

    /// `validation_failed` for a single field.
    pub fn invalid_field(field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![violation(field, rule, message)])
    }

    /// `conflict` naming the rule (and field) that refuses the change, e.g. an illegal
    /// state transition.
    pub fn conflict_rule(field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            details: vec![violation(field, rule, message)],
            ..Self::new(ErrorCode::Conflict, "The change conflicts with the current state.")
        }
    }

    /// The same error with field details.
    pub fn with_details(mut self, details: Vec<FieldViolation>) -> Self {
        self.details = details;
        self
    }

    /// `not_found` naming what was missing.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found."))
    }

    /// `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// `conflict`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// `internal_error`, keeping the cause for the log.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { cause: Some(cause.into()), ..Self::new(ErrorCode::InternalError, "An internal error occurred.") }
    }

    /// The machine-readable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The field violations.
    pub fn details(&self) -> &[FieldViolation] {
        &self.details
    }

    /// The HTTP status that goes with a code.
    pub fn status_for(code: ErrorCode) -> StatusCode {
        match code {
            ErrorCode::ValidationFailed | ErrorCode::MalformedJson => StatusCode::BAD_REQUEST,
            ErrorCode::AuthenticationRequired
            | ErrorCode::InvalidCredentials
            | ErrorCode::TokenInvalid
            | ErrorCode::TokenExpired
            | ErrorCode::SessionExpired
            | ErrorCode::SessionRevoked => StatusCode::UNAUTHORIZED,
            ErrorCode::PasswordChangeRequired | ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The wire body.
    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody {
            error: ErrorDetail { code: self.code, message: self.message.clone(), details: self.details.clone() },
        }
    }
}

/// Rule breaks collected while a request is parsed into its domain type: `finish` yields
/// the parsed value only when nothing broke, so every parser ends the same way and a
/// handler receives either a valid value or a 400 naming each field and rule.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// None yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a broken rule.
    pub fn add(&mut self, field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) {
        self.0.push(violation(field, rule, message));
    }

    /// Records a rule shared with the SPA (`bms_types::rules`), if it broke.
    pub fn shared(&mut self, field: &str, broken: impl IntoIterator<Item = bms_types::rules::Broken>) {
        for rule in broken {
            self.add(field, rule.code(), rule.message());
        }
    }

    /// Records violations found elsewhere.
    pub fn extend(&mut self, more: impl IntoIterator<Item = FieldViolation>) {
        self.0.extend(more);
    }

    /// `value` when nothing broke, else the 400 listing every violation.
    pub fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.0.is_empty() { Ok(value) } else { Err(ApiError::validation(self.0)) }
    }
}

impl From<Vec<FieldViolation>> for Violations {
    fn from(violations: Vec<FieldViolation>) -> Self {
        Self(violations)
    }
}

/// Builds one field violation.
pub fn violation(field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> FieldViolation {
    FieldViolation { field: field.into(), rule: rule.into(), message: Some(message.into()) }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        let mut source = self.cause.as_deref().map(|cause| cause as &(dyn std::error::Error + 'static));
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        Self::status_for(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        if self.status_code().is_server_error() {
            log::error!("{self}");
        } else {
            log::debug!("{self}");
        }
        let mut response = HttpResponse::build(self.status_code()).json(self.body());
        // Also set here because an error that escapes the middleware stack (a panic)
        // never passes through the security-headers middleware.
        crate::security_headers::insert_security_headers(response.headers_mut(), false);
        response
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::not_found("Resource"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::conflict("A record with the same unique value already exists.")
            }
            other => Self::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self {
            cause: Some(Box::new(error)),
            ..Self::new(ErrorCode::ServiceUnavailable, "The database is not available.")
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(error)
    }
}
