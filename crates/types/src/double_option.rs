//! Serde helper telling "absent" (`None`) from "explicitly null" (`Some(None)`) in PATCH
//! bodies, so `null` can clear a field while omitting it leaves it unchanged.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Deserialises a present field (null or a value) as `Some(...)`.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Serialises `Some(None)` as null and `Some(value)` as the value.
pub fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize,
    S: Serializer,
{
    match value {
        Some(inner) => inner.serialize(serializer),
        None => serializer.serialize_none(),
    }
}
