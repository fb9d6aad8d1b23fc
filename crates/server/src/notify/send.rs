//! Sending one rendered delivery: e-mail through lettre's SMTP transport (STARTTLS,
//! implicit TLS or none; AUTH; an optional CA certificate), and JSON over HTTPS through
//! reqwest for Teams, Slack and webhooks (a timeout, no redirects, the generic webhook
//! signed with HMAC-SHA256). Errors are reported without the URL: a webhook URL is a secret.

use std::collections::BTreeMap;
use std::time::Duration;

use bms_types::alerts::{EmailSecurity, EmailSettingsDto};
use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What a delivery sends, rendered when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// An e-mail.
    Email {
        /// Plain text part.
        text: String,
        /// HTML part.
        html: String,
        /// Its `Message-ID` (without angle brackets).
        message_id: String,
        /// The thread's first message, for `In-Reply-To` / `References`.
        in_reply_to: Option<String>,
    },
    /// A JSON body to POST.
    Json {
        /// The body.
        body: String,
    },
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Accepted by the receiver.
    pub ok: bool,
    /// HTTP status or SMTP reply code.
    pub status: Option<String>,
    /// What went wrong (never a secret).
    pub error: Option<String>,
}

impl Outcome {
    fn failed(status: Option<String>, error: impl Into<String>) -> Self {
        Self { ok: false, status, error: Some(error.into()) }
    }
}

/// The signature header's value for `body` sent at `timestamp` (Unix seconds):
/// `sha256=` and the hex HMAC-SHA256 of `timestamp.body` with the channel's secret.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length: new_from_slice cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends e-mail.
pub fn email(
    settings: &EmailSettingsDto,
    password: Option<&str>,
    recipients: &[String],
    subject: &str,
    payload: &Payload,
    timeout: Duration,
) -> Outcome {
    let Payload::Email { text, html, message_id, in_reply_to } = payload else {
        return Outcome::failed(None, "not an e-mail payload");
    };
    let message = match build_message(settings, recipients, subject, text, html, message_id, in_reply_to.as_deref()) {
        Ok(message) => message,
        Err(error) => return Outcome::failed(None, error),
    };
    let mut builder = SmtpTransport::builder_dangerous(&settings.host).port(settings.port).timeout(Some(timeout));
    if settings.security != EmailSecurity::None {
        let mut parameters = TlsParameters::builder(settings.host.clone());
        if let Some(pem) = &settings.ca_certificate_pem {
            match Certificate::from_pem(pem.as_bytes()) {
                Ok(certificate) => parameters = parameters.add_root_certificate(certificate),
                Err(error) => return Outcome::failed(None, format!("the CA certificate is not valid PEM: {error}")),
            }
        }
        let parameters = match parameters.build_rustls() {
            Ok(parameters) => parameters,
            Err(error) => return Outcome::failed(None, format!("TLS setup failed: {error}")),
        };
        builder = builder.tls(match settings.security {
            EmailSecurity::Tls => Tls::Wrapper(parameters),
            _ => Tls::Required(parameters),
        });
    } else {
        builder = builder.tls(Tls::None);
    }
    if let (Some(username), Some(password)) = (&settings.username, password) {
        builder = builder.credentials(Credentials::new(username.clone(), password.to_owned()));
    }
    match builder.build().send(&message) {
        Ok(response) => Outcome { ok: true, status: Some(response.code().to_string()), error: None },
        Err(error) => Outcome::failed(error.status().map(|code| code.to_string()), format!("SMTP: {error}")),
    }
}

fn build_message(
    settings: &EmailSettingsDto,
    recipients: &[String],
    subject: &str,
    text: &str,
    html: &str,
    message_id: &str,
    in_reply_to: Option<&str>,
) -> Result<Message, String> {
    let from: Mailbox = settings.from_address.parse().map_err(|error| format!("From address: {error}"))?;
    let mut builder = Message::builder().from(from).subject(subject).message_id(Some(format!("<{message_id}>")));
    if recipients.is_empty() {
        return Err("no recipients".into());
    }
    for recipient in recipients {
        builder = builder.to(recipient.parse().map_err(|error| format!("recipient {recipient}: {error}"))?);
    }
    if let Some(parent) = in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>")).references(format!("<{parent}>"));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(text.to_owned(), html.to_owned()))
        .map_err(|error| format!("building the message: {error}"))
}

/// Posts JSON with an idempotency key, custom headers and, with a signing secret, the
/// `X-Bms-Timestamp` / `X-Bms-Signature` pair.
pub fn post_json(
    client: &reqwest::blocking::Client,
    url: &str,
    headers: &BTreeMap<String, String>,
    body: &str,
    idempotency_key: &str,
    signing_secret: Option<&str>,
    timestamp: i64,
) -> Outcome {
    let mut request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", idempotency_key)
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(secret) = signing_secret {
        request = request
            .header("X-Bms-Timestamp", timestamp.to_string())
            .header("X-Bms-Signature", signature(secret, timestamp, body));
    }
    match request.send() {
        Ok(response) => {
            let status = response.status();
            if status.is_success() {
                Outcome { ok: true, status: Some(status.as_u16().to_string()), error: None }
            } else {
                Outcome::failed(Some(status.as_u16().to_string()), format!("the receiver answered HTTP {status}"))
            }
        }
        // `without_url`: the error must not carry the (secret) webhook URL into logs.
        Err(error) => Outcome::failed(None, error.without_url().to_string()),
    }
}

/// The HTTP client for webhooks: a timeout, no redirects.
pub fn http_client(timeout: Duration) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("bms/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| format!("HTTP client: {}", error.without_url()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body_as_openssl_computes_it() {
        let expected = reference();
        assert_eq!(expected.len(), 64, "openssl printed {expected:?}");
        assert_eq!(signature("secret-of-sixteen", 1_700_000_000, "{\"a\":1}"), format!("sha256={expected}"));
    }

    fn reference() -> String {
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg("printf '1700000000.{\"a\":1}' | openssl dgst -sha256 -hmac 'secret-of-sixteen' | sed 's/^.*= //'")
            .output()
            .expect("openssl");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}
