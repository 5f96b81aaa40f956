//! Text normalisation shared by sorting and, later, matching.

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
    use super::sort_key;

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(sort_key("Máxima Acuña"), "maxima acuna");
        assert_eq!(sort_key("Mohammad al-Qahtani"), "mohammad al qahtani");
        assert_eq!(sort_key("  Åland  Islands "), "aland islands");
        assert_eq!(sort_key("Côte d'Ivoire"), "cote d ivoire");
    }
}
