//! Paged lists: the validated `page` / `per_page` window and the one count-then-page
//! skeleton every list query uses.

use bms_types::pagination::{DEFAULT_PER_PAGE, MAX_PER_PAGE, PageMeta};
use diesel::QueryResult;

use crate::db::DbConn;
use crate::error::{ApiError, violation};

/// Validated pagination parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWindow {
    /// 1-based page.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl PageWindow {
    /// Applies defaults and checks ranges, naming the parameter on error.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<Self, ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut violations = Vec::new();
        if page == 0 {
            violations.push(violation("page", "min", "must be at least 1"));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            violations.push(violation("per_page", "range", format!("must be from 1 to {MAX_PER_PAGE}")));
        }
        crate::error::Violations::from(violations).finish(Self { page, per_page })
    }

    /// SQL LIMIT.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    /// SQL OFFSET.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// Counts the matching rows with `count`, then loads this window with `rows(conn, limit,
    /// offset)`; both closures build the same filtered query, so the total and the page
    /// agree. Returns the page and its `meta`.
    pub fn load<T>(
        self,
        conn: &mut DbConn,
        count: impl FnOnce(&mut DbConn) -> QueryResult<i64>,
        rows: impl FnOnce(&mut DbConn, i64, i64) -> QueryResult<Vec<T>>,
    ) -> QueryResult<(Vec<T>, PageMeta)> {
        let total = count(conn)?;
        let rows = rows(conn, self.limit(), self.offset())?;
        Ok((rows, PageMeta::new(self.page, self.per_page, total.unsigned_abs())))
    }
}

#[cfg(test)]
mod tests {
    use super::PageWindow;
    use crate::db::DbConn;

    #[test]
    fn page_window_defaults_and_bounds() {
        assert_eq!(PageWindow::new(None, None).expect("defaults"), PageWindow { page: 1, per_page: 50 });
        assert_eq!(PageWindow::new(Some(3), Some(20)).expect("valid").offset(), 40);
        assert!(PageWindow::new(Some(0), None).is_err());
        assert!(PageWindow::new(None, Some(201)).is_err());
    }

    #[test]
    fn load_counts_then_pages_with_the_window() {
        let window = PageWindow::new(Some(2), Some(10)).expect("valid");
        let mut conn = <DbConn as diesel::Connection>::establish(":memory:").expect("in-memory database");
        let (rows, meta) = window
            .load(
                &mut conn,
                |_| Ok(25),
                |_, limit, offset| Ok((offset..offset + limit).filter(|n| *n < 25).collect::<Vec<_>>()),
            )
            .expect("loads");
        assert_eq!(rows, (10..20).collect::<Vec<i64>>());
        assert_eq!((meta.page, meta.per_page, meta.total, meta.total_pages), (2, 10, 25, 3));
    }
}
