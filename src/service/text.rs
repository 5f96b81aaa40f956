//! Text normalisation shared by sorting and, later, matching, and the
//! characters no text may hold.

/// The first control character in `text` other than tab, line feed and
/// carriage return: NUL, the other C0 controls, DEL and the C1 controls.
pub fn control_character(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The key a name or title sorts by: transliterated to ASCII, lower-cased, with
/// punctuation folded to single spaces. "Máxima Acuña" sorts as "maxima acuna",
/// so listings order the same way on every database and in every locale.
pub fn sort_key(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    let mut key = String::with_capacity(ascii.len());
    for word in ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::{control_character, sort_key};

    #[test]
    fn finds_control_characters_but_line_breaks_and_tabs() {
        assert_eq!(control_character("Ana\u{0}"), Some('\u{0}'));
        assert_eq!(control_character("a\u{7f}"), Some('\u{7f}'));
        assert_eq!(control_character("a\u{9b}b"), Some('\u{9b}'));
        assert_eq!(control_character("two\nlines\tand\r\n"), None);
        assert_eq!(control_character("Máxima Acuña, محمد"), None);
    }

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(sort_key("Máxima Acuña"), "maxima acuna");
        assert_eq!(sort_key("Mohammad al-Qahtani"), "mohammad al qahtani");
        assert_eq!(sort_key("  Åland  Islands "), "aland islands");
        assert_eq!(sort_key("Côte d'Ivoire"), "cote d ivoire");
    }
}
