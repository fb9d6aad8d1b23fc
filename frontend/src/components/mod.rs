//! Building blocks shared by the screens, one file per kind: badges, the loading / empty /
//! error states, form fields and form state, list pieces (pagination, the paged table,
//! filters), secrets with a copy button, small browser helpers, and `Fetch` (what a screen
//! loads from the API).

mod badges;
mod browser;
mod fetch;
mod forms;
mod lists;
mod secrets;
mod status;

pub use badges::{ComplianceBadge, EnumBadge, OutcomeBadge, ResultBadge, StateBadge};
pub use browser::{Debounce, chosen_files, confirm, every, save_blob};
pub use fetch::{Fetch, Submit, SubmitState};
pub use forms::{
    CheckField, CreateForm, Field, FormError, FormState, MultiCheck, SelectField, TextAreaField, enum_options,
    wire_names,
};
pub use lists::{DateFilter, Pagination, data_table, detail, paged_table};
pub use secrets::{CopyButton, SecretNotice};
pub use status::{Empty, ErrorBox, Forbidden, Loading, action_error, loaded};
