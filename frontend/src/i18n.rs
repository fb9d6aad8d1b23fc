//! Japanese and English: one JSON catalog per language (`frontend/i18n/*.json`), the
//! current language as a signal (so every text re-renders when it changes), remembered in
//! `localStorage`, defaulting to the browser's preferred languages.

use std::cell::OnceCell;
use std::collections::HashMap;

use bms_types::{ErrorCode, FieldViolation};
use leptos::prelude::*;

use crate::api::{self, ApiError};

const LANG_KEY: &str = "bms.lang";

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Japanese.
    Ja,
}

impl Lang {
    /// Both languages, in the order the switcher shows them.
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    /// BCP 47 code, also the `localStorage` value and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// The first of the browser's preferred languages we speak; English otherwise.
    pub fn from_browser_languages<'a>(languages: impl IntoIterator<Item = &'a str>) -> Self {
        for tag in languages {
            let primary = tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
            if let Some(lang) = Self::from_code(&primary) {
                return lang;
            }
        }
        Lang::En
    }
}

/// A language's messages by key.
pub struct Catalog(HashMap<String, String>);

impl Catalog {
    /// Parses a flat `{"key": "text"}` catalog.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json).map(Catalog)
    }

    /// The message, if the catalog has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Every key, for the completeness test.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// The shipped English catalog.
pub const EN_JSON: &str = include_str!("../i18n/en.json");
/// The shipped Japanese catalog.
pub const JA_JSON: &str = include_str!("../i18n/ja.json");

struct Catalogs {
    en: Catalog,
    ja: Catalog,
}

thread_local! {
    static CATALOGS: Catalogs = Catalogs {
        en: Catalog::parse(EN_JSON).unwrap_or(Catalog(HashMap::new())),
        ja: Catalog::parse(JA_JSON).unwrap_or(Catalog(HashMap::new())),
    };
    static LANG: OnceCell<RwSignal<Lang>> = const { OnceCell::new() };
}

/// The message for `key` in `lang`, falling back to English, then to the key itself (so
/// a missing translation is visible, never blank).
pub fn lookup(lang: Lang, key: &str) -> String {
    CATALOGS.with(|catalogs| {
        let primary = match lang {
            Lang::En => &catalogs.en,
            Lang::Ja => &catalogs.ja,
        };
        primary.get(key).or_else(|| catalogs.en.get(key)).unwrap_or(key).to_owned()
    })
}

/// Replaces `{name}` placeholders.
pub fn interpolate(template: &str, params: &[(&str, String)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in params {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// Sets up the language signal: stored choice, else the browser's languages.
pub fn init() -> RwSignal<Lang> {
    let initial = api::stored(LANG_KEY).and_then(|code| Lang::from_code(&code)).unwrap_or_else(|| {
        let languages: Vec<String> = web_sys::window()
            .map(|window| window.navigator().languages().iter().filter_map(|value| value.as_string()).collect())
            .unwrap_or_default();
        Lang::from_browser_languages(languages.iter().map(String::as_str))
    });
    let signal = LANG.with(|cell| *cell.get_or_init(|| RwSignal::new(initial)));
    set_document_lang(initial);
    signal
}

fn set_document_lang(lang: Lang) {
    if let Some(element) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = element.set_attribute("lang", lang.code());
    }
}

/// The current language (reactive: a view reading it re-renders on a switch).
pub fn current() -> Lang {
    LANG.with(|cell| cell.get().map(|signal| signal.get())).unwrap_or(Lang::En)
}

/// Switches the language and remembers the choice.
pub fn set_lang(lang: Lang) {
    LANG.with(|cell| cell.get_or_init(|| RwSignal::new(lang)).set(lang));
    api::store(LANG_KEY, lang.code());
    set_document_lang(lang);
}

/// The message for `key` in the current language.
pub fn t(key: &str) -> String {
    lookup(current(), key)
}

/// The message for `key` with `{placeholders}` filled in.
pub fn t_with(key: &str, params: &[(&str, String)]) -> String {
    interpolate(&t(key), params)
}

/// A wire enum's label, e.g. `enum_label("state", "late")` → "Late" / "遅延".
pub fn enum_label(kind: &str, value: &str) -> String {
    t(&format!("enum.{kind}.{value}"))
}

/// What went wrong, in the person's language, from the API's error code.
pub fn error_message(error: &ApiError) -> String {
    error_message_in(current(), error)
}

/// `error_message` for a given language (pure, for tests).
pub fn error_message_in(lang: Lang, error: &ApiError) -> String {
    if error.status == 0 {
        return lookup(lang, "error.network");
    }
    let key = match error.code {
        Some(code) => format!("error.{}", code.as_str()),
        None if error.status >= 500 => "error.internal_error".to_owned(),
        None => "error.unexpected".to_owned(),
    };
    // A refused state change (a medium that is lent, an attachment too many) names its rule:
    // that says more than "conflicts with existing data".
    if error.code == Some(ErrorCode::Conflict)
        && let Some(rule) = error.details.first().map(|detail| format!("rule.{}", detail.rule))
    {
        let text = lookup(lang, &rule);
        if text != rule {
            return text;
        }
    }
    let mut message = lookup(lang, &key);
    if error.code == Some(ErrorCode::ValidationFailed) && !error.details.is_empty() {
        let fields: Vec<String> = error.details.iter().map(|detail| detail.field.clone()).collect();
        message = format!("{message} ({})", fields.join(", "));
    }
    message
}

/// A field violation in the person's language: the server's precise English message when
/// the UI is in English, the rule's translation otherwise.
pub fn violation_message(lang: Lang, violation: &FieldViolation) -> String {
    let key = format!("rule.{}", violation.rule);
    match (lang, violation.message.as_deref()) {
        (Lang::En, Some(message)) => message.to_owned(),
        _ => {
            let translated = lookup(lang, &key);
            if translated == key { violation.message.clone().unwrap_or(translated) } else { translated }
        }
    }
}

/// A translated text as a signal. One concrete type for every static label, so the many
/// labels of the UI share one compiled renderer instead of one closure type each (this
/// keeps the WASM small).
pub fn tr(key: &'static str) -> Signal<String> {
    Signal::derive(move || t(key))
}

/// A wire enum's label as a signal (see `tr`).
pub fn enum_tr(kind: &'static str, value: &'static str) -> Signal<String> {
    Signal::derive(move || enum_label(kind, value))
}
