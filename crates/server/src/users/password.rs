//! Password hashing (Argon2id) and the password policy.
//!
//! The embedded list of common passwords is Django's `common-passwords.txt` (20,000
//! entries compiled by Royce Williams; BSD-licensed with Django).

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use bms_types::FieldViolation;
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::error::{ApiError, violation};

/// Longest password accepted; bounds the cost of hashing attacker-chosen input.
pub const MAX_PASSWORD_LENGTH: usize = bms_types::rules::PASSWORD_MAX;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect());

/// A hash that no password matches, verified against when a username does not exist so
/// that unknown and known usernames take the same time to reject.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("timing-equaliser-not-a-password").unwrap_or_default());

/// Hashes a password with Argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|error| ApiError::internal(error.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| ApiError::internal(error.to_string()))
}

/// Checks a password against a stored hash; a malformed hash never verifies.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Spends the time of one verification without a real account.
pub fn verify_against_dummy(password: &str) {
    let _ = verify_password(password, &DUMMY_HASH);
}

/// Every policy rule the password breaks, reported on `field`.
pub fn policy_violations(field: &str, password: &str, username: &str, min_length: usize) -> Vec<FieldViolation> {
    // The rules the SPA checks as the person types, then the one that needs the list.
    let mut violations: Vec<FieldViolation> = bms_types::rules::password_shape(password, username, min_length)
        .into_iter()
        .map(|rule| violation(field, rule.code(), rule.message()))
        .collect();
    let lowered = password.to_lowercase();
    if COMMON_PASSWORDS.contains(lowered.as_str()) {
        violations.push(violation(field, "common_password", "is too common; choose a less predictable password"));
    }
    violations
}

/// A random 20-character alphanumeric password (about 119 bits), for first-start and
/// admin-reset accounts that must change it at first login.
pub fn generate_password() -> String {
    rand::rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(password: &str, username: &str) -> Vec<String> {
        policy_violations("password", password, username, 12).into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn the_policy_names_each_broken_rule() {
        assert_eq!(rules("short", "alice"), ["min_length"]);
        assert_eq!(rules("Alice-is-here-2026", "alice"), ["contains_username"]);
        assert_eq!(rules("zqxjk", "zqxjk"), ["min_length", "contains_username"]);
        assert_eq!(rules("qwertyuiop123", "bob"), ["common_password"]);
        assert_eq!(rules(&"x".repeat(300), "bob"), ["max_length"]);
        assert!(rules("correct horse battery", "bob").is_empty());
    }

    #[test]
    fn common_password_check_ignores_case() {
        assert!(COMMON_PASSWORDS.len() > 19_000);
        assert_eq!(rules("QWERTYUIOP123", "bob"), ["common_password"]);
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not-a-hash"));
    }

    #[test]
    fn generated_passwords_satisfy_the_policy() {
        let password = generate_password();
        assert_eq!(password.len(), 20);
        assert!(policy_violations("password", &password, "admin", 12).is_empty());
    }
}
