//! The security headers every response carries (HTML pages get the CSP that lets the SPA
//! run). A leaf module: the middleware and the error responses both use it.

use actix_web::http::header::{self, HeaderValue};

/// Content-Security-Policy for HTML pages (Swagger UI now, the SPA later): only our own
/// scripts and styles, no framing.
pub const HTML_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Content-Security-Policy for everything else (JSON): nothing may load or frame it.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The headers every response carries; `is_html` selects the page CSP.
pub fn insert_security_headers(headers: &mut header::HeaderMap, is_html: bool) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(if is_html { HTML_CSP } else { API_CSP }));
    headers.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
}
