//! Access tokens (HS256 JWTs signed with `SECRET_KEY`) and opaque secrets (refresh
//! tokens, API keys) that are stored only as SHA-256 hashes.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use bms_types::ErrorCode;
use bms_types::users::Role;

use crate::error::ApiError;

/// The `typ` claim of an access token; anything else is refused as one.
pub const ACCESS_TOKEN_TYPE: &str = "access";

/// Signing and verification keys derived from the secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(***)")
    }
}

impl JwtKeys {
    /// Derives the HS256 keys from the secret key.
    pub fn from_secret(secret: &str) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes())?,
            decoding: DecodingKey::from_secret(secret.as_bytes())?,
        })
    }
}

/// Claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// User id.
    pub sub: String,
    /// Session id; the session is checked on every request so revocation is immediate.
    pub sid: i64,
    /// Role at issue time (informational; the database is authoritative).
    pub role: String,
    /// Token type; must be `access`.
    pub typ: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

/// Signs an access token for a session.
pub fn issue_access_token(
    keys: &JwtKeys,
    user_id: i64,
    session_id: i64,
    role: Role,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<String, ApiError> {
    let claims = AccessClaims {
        sub: user_id.to_string(),
        sid: session_id,
        role: role.as_str().to_owned(),
        typ: ACCESS_TOKEN_TYPE.to_owned(),
        iat: now.timestamp(),
        exp: (now + ttl).timestamp(),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).map_err(ApiError::internal)
}

/// Verifies signature, algorithm, type and expiry (against the injected clock, not the
/// library's wall clock, so tests can move time).
pub fn decode_access_token(keys: &JwtKeys, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, ApiError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<AccessClaims>(token, &keys.decoding, &validation)
        .map_err(|_| ApiError::new(ErrorCode::TokenInvalid, "The access token is not valid."))?
        .claims;
    if claims.typ != ACCESS_TOKEN_TYPE {
        return Err(ApiError::new(ErrorCode::TokenInvalid, "The token is not an access token."));
    }
    if now.timestamp() >= claims.exp {
        return Err(ApiError::new(ErrorCode::TokenExpired, "The access token has expired; refresh it."));
    }
    Ok(claims)
}

/// A new random opaque token with the given prefix, and its storage hash.
pub fn new_opaque_token(prefix: &str) -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = format!("{prefix}{}", hex::encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

/// SHA-256 (hex) of a high-entropy token. A slow hash is unnecessary for 256-bit random
/// secrets, and a fast one allows lookup by hash.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_until_it_expires() {
        let keys = JwtKeys::from_secret("test-secret").expect("keys");
        let now = Utc::now();
        let token = issue_access_token(&keys, 7, 3, Role::Viewer, now, Duration::minutes(15)).expect("issue");
        let claims = decode_access_token(&keys, &token, now).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.sid, claims.typ.as_str()), ("7", 3, "access"));
        let expired = decode_access_token(&keys, &token, now + Duration::minutes(15)).expect_err("expired");
        assert_eq!(expired.code(), ErrorCode::TokenExpired);
    }

    #[test]
    fn a_token_signed_with_another_key_or_of_another_type_is_refused() {
        let now = Utc::now();
        let other = JwtKeys::from_secret("other").expect("keys");
        let token = issue_access_token(&other, 1, 1, Role::Admin, now, Duration::minutes(15)).expect("issue");
        let keys = JwtKeys::from_secret("test-secret").expect("keys");
        assert_eq!(decode_access_token(&keys, &token, now).expect_err("bad sig").code(), ErrorCode::TokenInvalid);

        let claims = AccessClaims {
            sub: "1".into(),
            sid: 1,
            role: "admin".into(),
            typ: "refresh".into(),
            iat: now.timestamp(),
            exp: now.timestamp() + 900,
        };
        let wrong_type = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).expect("encode");
        assert_eq!(decode_access_token(&keys, &wrong_type, now).expect_err("typ").code(), ErrorCode::TokenInvalid);
    }

    #[test]
    fn opaque_tokens_are_prefixed_random_and_hashed() {
        let (a, hash_a) = new_opaque_token("bms_");
        let (b, _) = new_opaque_token("bms_");
        assert!(a.starts_with("bms_") && a.len() == 68);
        assert_ne!(a, b);
        assert_eq!(hash_a, hash_token(&a));
        assert_ne!(hash_a, a);
    }
}
