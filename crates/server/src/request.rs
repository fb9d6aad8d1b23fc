//! Request extractors that turn every malformed input into a `validation_failed` or
//! `malformed_json` error naming the field and the rule: JSON bodies (with a size limit
//! and unknown fields rejected by the DTOs), query strings, numeric path ids, client IP.

use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::web::{self, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use bms_types::ErrorCode;
use futures_util::StreamExt;
use futures_util::future::{LocalBoxFuture, Ready, ready};
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::error::{ApiError, violation};

/// Default body limit when no application state is registered (unit tests).
const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body parsed into `T`. An empty body counts as `{}` so that missing fields are
/// reported by name rather than as a syntax error.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<Config>>().map_or(DEFAULT_BODY_LIMIT, |config| config.max_body_bytes);
        let declared_length = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        let payload = payload.take();
        Box::pin(async move {
            if declared_length.is_some_and(|length| length > limit) {
                return Err(payload_too_large(limit));
            }
            let body = read_limited(payload, limit, ErrorCode::MalformedJson).await?;
            parse_json(&body).map(ValidJson)
        })
    }
}

/// Reads a whole body of at most `limit` bytes (413 beyond, without reading further); a
/// broken stream is answered with `unreadable`.
pub async fn read_limited<S>(mut payload: S, limit: usize, unreadable: ErrorCode) -> Result<BytesMut, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| match error {
            actix_web::error::PayloadError::Overflow => payload_too_large(limit),
            other => ApiError::new(unreadable, format!("Could not read the request body: {other}")),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// 413 naming the limit.
pub fn payload_too_large(limit: usize) -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("The request body exceeds the limit of {limit} bytes."))
}

/// Parses a JSON document, mapping serde's errors to field-level violations.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
    if first != Some(&b'{') {
        // Serde would accept an array for a struct (as a tuple); the API takes objects only.
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => ApiError::invalid_field("body", "invalid_type", "the request body must be a JSON object"),
            Err(error) => {
                ApiError::new(ErrorCode::MalformedJson, format!("The request body is not valid JSON: {error}"))
            }
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        // serde_json reports some type mismatches (a number where an enum is expected) as
        // syntax errors; only a document that does not parse at all is malformed.
        let well_formed = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
        match inner.classify() {
            serde_json::error::Category::Data => data_error(&path, &inner.to_string()),
            _ if well_formed => ApiError::validation(vec![violation(
                if path == "." || path.is_empty() { "body".to_owned() } else { path },
                "invalid_type",
                strip_position(&inner.to_string()).to_owned(),
            )]),
            _ => ApiError::new(ErrorCode::MalformedJson, format!("The request body is not valid JSON: {inner}")),
        }
    })?;
    deserializer.end().map_err(|error| {
        ApiError::new(ErrorCode::MalformedJson, format!("Unexpected data after the JSON value: {error}"))
    })?;
    Ok(value)
}

/// For endpoints that take no query parameters: any parameter is an unknown field, as
/// in request bodies (typos such as `?per_page` on a single resource are reported).
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// A query string parsed into `T` (whose unknown parameters are rejected by the DTO).
#[derive(Debug)]
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(ValidQuery))
    }
}

/// Parses a URL query string, mapping errors to field-level violations.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        data_error(&path, &error.into_inner().to_string())
    })
}

/// Maps a serde "data" error message to the field and rule it is about.
fn data_error(path: &str, message: &str) -> ApiError {
    let path = if path == "." { "" } else { path };
    let message = strip_position(message);
    let named = |prefix: &str| {
        message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(|name| join_path(path, name))
    };
    let (field, rule) = if let Some(field) = named("unknown field `") {
        (field, "unknown_field")
    } else if let Some(field) = named("missing field `") {
        (field, "required")
    } else if message.starts_with("invalid type") {
        (path.to_owned(), "invalid_type")
    } else if message.starts_with("unknown variant") || message.starts_with("invalid value") {
        (path.to_owned(), "invalid_value")
    } else {
        (path.to_owned(), "invalid_format")
    };
    let field = if field.is_empty() { "body".to_owned() } else { field };
    ApiError::validation(vec![violation(field, rule, message)])
}

/// serde_path_to_error already includes an unknown field in the path, but not a missing one.
fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else if path == name || path.ends_with(&format!(".{name}")) {
        path.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |index| &message[..index])
}

/// The numeric `{id}` segment of the path, validated as a positive integer.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub i64);

impl FromRequest for PathId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(positive_segment(req, "id").map(PathId))
    }
}

/// A positive integer path segment, or the error naming it.
fn positive_segment(req: &HttpRequest, name: &str) -> Result<i64, ApiError> {
    req.match_info().get(name).and_then(|raw| raw.parse::<i64>().ok()).filter(|id| *id > 0).ok_or_else(|| {
        ApiError::invalid_field(name, "positive_integer", format!("`{name}` in the path must be a positive integer"))
    })
}

/// The `{id}` and `{copy_id}` segments of a copy's path.
#[derive(Debug, Clone, Copy)]
pub struct CopyPath {
    /// The job.
    pub job_id: i64,
    /// The copy.
    pub copy_id: i64,
}

impl FromRequest for CopyPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            positive_segment(req, "id")
                .and_then(|job_id| positive_segment(req, "copy_id").map(|copy_id| CopyPath { job_id, copy_id })),
        )
    }
}

/// The `{id}` and `{item_id}` segments of a nested resource's path (e.g. an attachment
/// of a restore test).
#[derive(Debug, Clone, Copy)]
pub struct ItemPath {
    /// The parent.
    pub id: i64,
    /// The nested item.
    pub item_id: i64,
}

impl FromRequest for ItemPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            positive_segment(req, "id")
                .and_then(|id| positive_segment(req, "item_id").map(|item_id| ItemPath { id, item_id })),
        )
    }
}

/// The client's IP address: the peer address, or — only when the peer is a trusted
/// proxy — the right-most address in `X-Forwarded-For` that is not itself trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub Option<String>);

impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientIp(client_ip(req))))
    }
}

/// Computes the client IP of a request (see `ClientIp`).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr().map(|addr| addr.ip())?;
    let trusted = req.app_data::<web::Data<Config>>().map(|config| config.trusted_proxies.clone()).unwrap_or_default();
    let forwarded: Vec<String> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(',').map(|part| part.trim().to_owned()))
        .collect();
    Some(resolve_client_ip(peer, &forwarded, &trusted).to_string())
}

/// Pure rule behind `client_ip`.
pub fn resolve_client_ip(peer: IpAddr, forwarded_for: &[String], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut candidate = peer;
    for entry in forwarded_for.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) => {
                candidate = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A malformed entry ends the chain of trust; the last good address stands.
            Err(_) => break,
        }
    }
    candidate
}

/// A service the application registered as `web::Data<T>` (the ingest writer, caches,
/// metrics), for code that holds the request rather than extracting the service.
pub fn service<T: ?Sized + 'static>(req: &HttpRequest) -> Result<web::Data<T>, ApiError> {
    req.app_data::<web::Data<T>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(format!("{} is not registered", std::any::type_name::<T>())))
}

/// Paths owned by the backend; the SPA never answers them.
pub fn is_backend_path(path: &str) -> bool {
    ["/api", "/ping", "/health", "/ready", "/metrics"]
        .iter()
        .any(|prefix| path == *prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        result: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: Option<u32>,
        items: Option<Vec<Inner>>,
    }

    fn first_violation(error: &ApiError) -> (String, String) {
        let detail = error.details().first().expect("a violation");
        (detail.field.clone(), detail.rule.clone())
    }

    #[test]
    fn json_errors_name_the_field_and_rule() {
        let cases: &[(&str, &str, &str)] = &[
            (r#"{"name":"a","extra":1}"#, "extra", "unknown_field"),
            (r#"{"count":1}"#, "name", "required"),
            ("", "name", "required"),
            (r#"{"name":5}"#, "name", "invalid_type"),
            (r#"{"name":"a","count":-1}"#, "count", "invalid_value"),
            (r#"{"name":"a","items":[{"result":"ok"},{"result":1}]}"#, "items[1].result", "invalid_type"),
            (r#"{"name":"a","items":[{"result":"ok","x":1}]}"#, "items[0].x", "unknown_field"),
        ];
        for (body, field, rule) in cases {
            let error = parse_json::<Body>(body.as_bytes()).expect_err(body);
            assert_eq!(error.code(), ErrorCode::ValidationFailed, "{body}");
            assert_eq!(first_violation(&error), ((*field).to_owned(), (*rule).to_owned()), "{body}");
        }
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        for body in [r#"{"name":"#, "not json", r#"{"name":"a"} trailing"#] {
            assert_eq!(parse_json::<Body>(body.as_bytes()).expect_err(body).code(), ErrorCode::MalformedJson, "{body}");
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Query {
        page: Option<u32>,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        assert_eq!(first_violation(&parse_query::<Query>("page=abc").expect_err("bad")).0, "page");
        assert_eq!(
            first_violation(&parse_query::<Query>("pgae=1").expect_err("bad")),
            ("pgae".into(), "unknown_field".into())
        );
        assert_eq!(parse_query::<Query>("page=3").expect("ok").page, Some(3));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let xff = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // Untrusted peer: header ignored.
        assert_eq!(resolve_client_ip(ip("203.0.113.9"), &xff(&["1.2.3.4"]), &trusted), ip("203.0.113.9"));
        // Trusted peer: right-most untrusted entry wins, spoofed left entries ignored.
        assert_eq!(
            resolve_client_ip(ip("10.0.0.2"), &xff(&["6.6.6.6", "198.51.100.7", "10.0.0.5"]), &trusted),
            ip("198.51.100.7")
        );
        // Trusted peer without header: the peer itself.
        assert_eq!(resolve_client_ip(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
    }
}
