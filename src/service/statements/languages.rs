//! Values in several languages. A translatable fact (a name, a title, a
//! summary, an occupation) has its current value on the record, and may have
//! statements of values in other languages, each with a BCP 47 tag.
//!
//! Which value a read gives, for the languages a client prefers (its
//! `language` argument, else its `Accept-Language` header), in order:
//! 1. for each preferred language in turn, a current statement in that
//!    language, or, failing that, in a more general or more specific form of
//!    it (a preference for `zh-Hans-CN` takes `zh-Hans`, then `zh`; a
//!    preference for `zh` takes `zh-Hans` too), the most recently seen first;
//! 2. otherwise the current value, whose language is the one a current
//!    statement of that same value gives, if any (else unknown, null).
//!
//! Proposals and statements no longer asserted are never given.

use entity::{StatementStatus, statement};
use language_tags::LanguageTag;

use crate::error::{AppError, AppResult};

/// The longest list of preferred languages taken from a header.
const MAX_PREFERENCES: usize = 10;

/// A language tag, checked and in canonical form (`zh-hans` becomes `zh-Hans`).
pub fn tag(argument: &str, value: &str) -> AppResult<String> {
    let refuse = |why: String| {
        AppError::bad_input(
            argument,
            format!("{value:?} is not a BCP 47 language tag ({why}); try es, ar, zh-Hans or ug"),
        )
    };
    let parsed = LanguageTag::parse(value.trim()).map_err(|e| refuse(e.to_string()))?;
    let canonical = parsed.canonicalize().map_err(|e| refuse(e.to_string()))?;
    Ok(canonical.to_string())
}

/// The languages an `Accept-Language` header prefers, best first; tags
/// that do not parse, and the wildcard, are left out.
pub fn accepted(header: &str) -> Vec<String> {
    accept_language::parse(header)
        .into_iter()
        .filter(|t| t != "*")
        .filter_map(|t| tag("Accept-Language", &t).ok())
        .take(MAX_PREFERENCES)
        .collect()
}

/// A value in a language: the text, and its language where known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InLanguage {
    pub value: String,
    pub language: Option<String>,
}

fn lower(tag: &str) -> String {
    tag.to_ascii_lowercase()
}

/// How well a statement's language serves a preferred one: exact first,
/// then the preference truncated (more general), then a more specific tag.
fn closeness(preferred: &str, stated: &str) -> Option<usize> {
    let (preferred, stated) = (lower(preferred), lower(stated));
    if preferred == stated {
        return Some(0);
    }
    let mut general = preferred.as_str();
    let mut steps = 0;
    while let Some(cut) = general.rfind('-') {
        general = &general[..cut];
        steps += 1;
        if general == stated {
            return Some(steps);
        }
    }
    stated.starts_with(&format!("{preferred}-")).then_some(100)
}

/// The value of `property` to give for `preferences`, from a record's
/// statements (as the viewer may see them), falling back to `current`.
pub fn choose(
    statements: &[statement::Model],
    property: &str,
    preferences: &[String],
    current: Option<&str>,
) -> Option<InLanguage> {
    let usable: Vec<&statement::Model> = statements
        .iter()
        .filter(|s| s.property == property && s.current && s.status == StatementStatus::Asserted)
        .collect();
    for preferred in preferences {
        // The statements come newest first; the closest language wins, and
        // among equally close ones the newest.
        let best = usable
            .iter()
            .filter_map(|s| Some((closeness(preferred, s.language.as_deref()?)?, *s)))
            .min_by_key(|(close, _)| *close);
        if let Some((_, s)) = best {
            return Some(InLanguage { value: s.value.clone(), language: s.language.clone() });
        }
    }
    let current = current?;
    let language = usable.iter().find(|s| s.value == current && s.language.is_some()).and_then(|s| s.language.clone());
    Some(InLanguage { value: current.to_owned(), language })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_general_and_more_specific_tags_serve() {
        assert_eq!(closeness("zh-Hans-CN", "zh-Hans"), Some(1));
        assert_eq!(closeness("zh-Hans-CN", "zh"), Some(2));
        assert_eq!(closeness("zh", "zh-Hans"), Some(100));
        assert_eq!(closeness("ES", "es"), Some(0));
        assert_eq!(closeness("es", "en"), None);
        assert_eq!(closeness("ug", "ug-Arab"), Some(100));
    }

    #[test]
    fn tags_are_checked_and_canonical() {
        assert_eq!(tag("language", "zh-hans").unwrap(), "zh-Hans");
        assert_eq!(tag("language", "ES").unwrap(), "es");
        assert!(tag("language", "not a tag").is_err());
        assert_eq!(accepted("es-MX,es;q=0.9,*;q=0.1,abcdefghijk"), vec!["es-MX".to_owned(), "es".to_owned()]);
    }
}
