//! Cross-cutting HTTP behaviour: the JSON error envelope for everything (unknown routes,
//! wrong methods, framework errors, panics), security headers, and CORS.

use std::panic::AssertUnwindSafe;

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use bms_types::ErrorCode;
use futures_util::FutureExt;

use crate::error::ApiError;

/// Path templates and their methods, taken from the OpenAPI document, so the fallback can
/// tell "no such route" (404) from "wrong method" (405).
#[derive(Debug, Clone, Default)]
pub struct KnownRoutes {
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

impl KnownRoutes {
    /// Collects every path and method of the document.
    pub fn from_document(document: &utoipa::openapi::OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (split_path(path), methods)
            })
            .collect();
        Self { routes }
    }

    /// Methods registered for a concrete path, if the path matches any template.
    pub fn methods_for(&self, path: &str) -> Vec<Method> {
        let segments = split_path(path);
        let mut methods: Vec<Method> = self
            .routes
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == s)
            })
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        methods.dedup();
        methods
    }
}

fn split_path(path: &str) -> Vec<String> {
    path.trim_end_matches('/').split('/').map(str::to_owned).collect()
}

/// Answers requests no route took: 405 with `Allow` when the path exists, else 404.
pub async fn fallback(req: HttpRequest, routes: web::Data<KnownRoutes>) -> HttpResponse {
    let methods = routes.methods_for(req.path());
    if methods.is_empty() {
        return ApiError::new(ErrorCode::NotFound, format!("No route for {}.", req.path())).error_response();
    }
    let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    let mut response = ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{} is not allowed on {}; allowed: {allow}.", req.method(), req.path()),
    )
    .error_response();
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// Turns a handler panic into a 500 envelope instead of a dropped connection. The error
/// is returned as `Err` (the request cannot be cloned while routing still needs it); its
/// response is built by `ApiError`, which carries the security headers itself.
pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(ApiError::internal(format!("request handler panicked: {message}")).into())
        }
    }
}

/// Rewrites any error response that is not already our JSON envelope (framework errors,
/// Swagger UI 404s...) into one, so clients only ever decode one shape.
pub async fn error_envelope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = match next.call(req).await {
        Ok(response) => response,
        // An error escaping the service stack still becomes an envelope.
        Err(error) => {
            let status = error.as_response_error().status_code();
            return Err(actix_web::error::InternalError::from_response(
                error.to_string(),
                envelope_for_status(status, &error.to_string()),
            )
            .into());
        }
    };
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return Ok(response.map_into_boxed_body());
    }
    let message = response.response().error().map(ToString::to_string).unwrap_or_default();
    let (request, original) = response.into_parts();
    let mut replacement = envelope_for_status(status, &message);
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(request, replacement))
}

fn envelope_for_status(status: StatusCode, detail: &str) -> HttpResponse {
    let code = match status.as_u16() {
        401 => ErrorCode::AuthenticationRequired,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        503 => ErrorCode::ServiceUnavailable,
        400..=499 => ErrorCode::ValidationFailed,
        _ => ErrorCode::InternalError,
    };
    let message = if detail.is_empty() || status.is_server_error() {
        status.canonical_reason().unwrap_or("Error").to_owned()
    } else {
        detail.to_owned()
    };
    HttpResponse::build(status).json(ApiError::new(code, message).body())
}

/// Adds the security headers to every response.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/v1/");
    let mut response = next.call(req).await?;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    crate::security_headers::insert_security_headers(headers, is_html);
    if is_api && !headers.contains_key(header::CACHE_CONTROL) {
        // API answers carry tokens and personal data: never store them in caches.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// CORS from `CORS_ALLOWED_ORIGINS`. Same-origin requests are always allowed (browsers
/// send `Origin` on same-origin POSTs too); other origins only when listed.
pub fn cors(allowed_origins: &[String]) -> Cors {
    let allowed: Vec<String> = allowed_origins.to_vec();
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            let same_origin = head
                .headers()
                .get(header::HOST)
                .and_then(|host| host.to_str().ok())
                .is_some_and(|host| origin.split_once("://").is_some_and(|(_, rest)| rest == host));
            same_origin || allowed.iter().any(|allowed| allowed == origin)
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .allowed_header(header::HeaderName::from_static("x-api-key"))
        .max_age(3600)
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test as actix_test, web};

    use super::*;

    #[actix_web::test]
    async fn a_panicking_handler_answers_a_500_envelope_and_the_server_keeps_serving() {
        let app = actix_test::init_service(
            App::new()
                .route(
                    "/boom",
                    web::get().to(|| async { if true { panic!("kaboom") } else { HttpResponse::Ok().finish() } }),
                )
                .route("/fine", web::get().to(|| async { HttpResponse::Ok().body("fine") }))
                .wrap(actix_web::middleware::from_fn(catch_panic)),
        )
        .await;
        let error = actix_test::try_call_service(&app, actix_test::TestRequest::get().uri("/boom").to_request())
            .await
            .expect_err("the panic becomes an error");
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers().get(header::X_CONTENT_TYPE_OPTIONS).map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
        let bytes = actix_web::body::to_bytes(response.into_body()).await.expect("body");
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(body["error"]["code"], "internal_error");
        let response = actix_test::call_service(&app, actix_test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[actix_web::test]
    async fn non_json_errors_are_rewritten_into_the_envelope() {
        let app = actix_test::init_service(
            App::new()
                .route("/teapot", web::get().to(|| async { HttpResponse::ImATeapot().body("short and stout") }))
                .wrap(actix_web::middleware::from_fn(error_envelope)),
        )
        .await;
        let response = actix_test::call_service(&app, actix_test::TestRequest::get().uri("/teapot").to_request()).await;
        assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
        let body: serde_json::Value = actix_test::read_body_json(response).await;
        assert_eq!(body["error"]["code"], "validation_failed");
    }

    #[test]
    fn known_routes_match_templates() {
        let routes = KnownRoutes {
            routes: vec![
                (split_path("/api/v1/users/{id}"), vec![Method::GET, Method::PATCH]),
                (split_path("/api/v1/users"), vec![Method::GET]),
            ],
        };
        assert_eq!(routes.methods_for("/api/v1/users/7"), vec![Method::GET, Method::PATCH]);
        assert_eq!(routes.methods_for("/api/v1/users/"), vec![Method::GET]);
        assert!(routes.methods_for("/api/v1/nothing").is_empty());
    }
}
