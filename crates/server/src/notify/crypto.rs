//! Channel secrets at rest: XChaCha20-Poly1305 with a key derived from `SECRET_KEY` by
//! HKDF-SHA256 (its own `info`, so the JWT key and this key never coincide). A stored
//! secret is hex of `nonce (24 bytes) || ciphertext`. Changing `SECRET_KEY` makes the
//! stored secrets unreadable until `bms notify rekey` re-encrypts them with the new key.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;

const INFO: &[u8] = b"bms notification channel secrets v1";
const NONCE_BYTES: usize = 24;

/// Encrypts and decrypts channel secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// The box for a `SECRET_KEY`.
    pub fn from_secret_key(secret_key: &str) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(b"bms"), secret_key.as_bytes());
        let mut key = [0_u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 255 * 32: expand cannot fail.
        let _ = hkdf.expand(INFO, &mut key);
        Self { cipher: XChaCha20Poly1305::new(&key.into()) }
    }

    /// Encrypts `plain` with a fresh random nonce.
    pub fn seal(&self, plain: &str) -> Result<String, String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self.cipher.encrypt(&nonce, plain.as_bytes()).map_err(|_| "encryption failed".to_owned())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(hex::encode(out))
    }

    /// Decrypts what `seal` made; an error when the key differs or the text was altered.
    pub fn open(&self, stored: &str) -> Result<String, String> {
        let bytes = hex::decode(stored).map_err(|_| "the stored secret is not hex".to_owned())?;
        if bytes.len() <= NONCE_BYTES {
            return Err("the stored secret is too short".into());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let plain = self.cipher.decrypt(XNonce::from_slice(nonce), sealed).map_err(|_| {
            "the channel secrets cannot be decrypted with this SECRET_KEY (changed? run `bms notify rekey`)".to_owned()
        })?;
        String::from_utf8(plain).map_err(|_| "the stored secret is not UTF-8".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_the_same_key_only_and_never_show_the_plain_text() {
        let sealed = SecretBox::from_secret_key("key one").seal("hunter2-smtp-password").expect("seal");
        assert!(!sealed.contains("hunter2"));
        assert_eq!(SecretBox::from_secret_key("key one").open(&sealed).expect("open"), "hunter2-smtp-password");
        assert!(SecretBox::from_secret_key("key two").open(&sealed).is_err());
        let other = SecretBox::from_secret_key("key one").seal("hunter2-smtp-password").expect("seal");
        assert_ne!(sealed, other, "a fresh nonce every time");
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).expect("hex");
        assert!(SecretBox::from_secret_key("key one").open(&tampered).is_err());
    }
}
