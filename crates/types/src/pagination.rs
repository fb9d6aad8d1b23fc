//! Pagination metadata attached to every list response.

use serde::{Deserialize, Serialize};

/// Where a page sits in the whole result set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageMeta {
    /// 1-based page number that was returned.
    pub page: u32,
    /// Maximum items per page that was applied.
    pub per_page: u32,
    /// Total number of items matching the filters.
    pub total: u64,
    /// Number of pages at this page size (0 when there are no items).
    pub total_pages: u64,
}

impl PageMeta {
    /// Builds the metadata, deriving `total_pages` so it is never inconsistent.
    pub fn new(page: u32, per_page: u32, total: u64) -> Self {
        let total_pages = if per_page == 0 { 0 } else { total.div_ceil(u64::from(per_page)) };
        Self { page, per_page, total, total_pages }
    }
}

/// Largest accepted `per_page`.
pub const MAX_PER_PAGE: u32 = 200;
/// `per_page` when none is given.
pub const DEFAULT_PER_PAGE: u32 = 50;

#[cfg(test)]
mod tests {
    use super::PageMeta;

    #[test]
    fn total_pages_rounds_up_and_is_zero_for_no_items() {
        assert_eq!(PageMeta::new(1, 50, 0).total_pages, 0);
        assert_eq!(PageMeta::new(1, 50, 50).total_pages, 1);
        assert_eq!(PageMeta::new(1, 50, 51).total_pages, 2);
    }
}
