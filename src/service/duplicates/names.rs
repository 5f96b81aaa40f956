//! Comparing names across spellings: case, accents, punctuation, word order,
//! joined articles ("al-Qahtani", "Al Qahtani", "Alqahtani") and common
//! transliteration variants ("Mohammed", "Muhammad", "Mohamad").

use deunicode::deunicode;

/// Particles written joined, hyphenated or apart; they are joined to the
/// word that follows, so that every spelling gives the same token.
const PARTICLES: &[&str] = &[
    "al", "el", "ul", "bin", "ibn", "bint", "abu", "abd", "abdul", "van", "von", "der", "de", "del", "della", "di",
    "da", "dos", "das", "du", "le", "la",
];

/// The name's words, folded to lower-case ASCII, with particles joined to
/// the following word.
pub fn tokens(name: &str) -> Vec<String> {
    let folded = deunicode(name).to_lowercase();
    let words: Vec<&str> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut tokens = Vec::with_capacity(words.len());
    let mut pending = String::new();
    for (i, word) in words.iter().enumerate() {
        if PARTICLES.contains(word) && i + 1 < words.len() {
            pending.push_str(word);
            continue;
        }
        tokens.push(format!("{pending}{word}"));
        pending.clear();
    }
    tokens
}

/// A token reduced to its consonant outline, so that transliterations of
/// the same name meet: `mohammed`, `muhammad` and `mohamad` all give `mhmd`.
pub fn skeleton(token: &str) -> String {
    let mut text = token.to_owned();
    for (from, to) in
        [("ph", "f"), ("kh", "k"), ("gh", "g"), ("th", "t"), ("dh", "d"), ("sh", "s"), ("ch", "c"), ("ou", "u")]
    {
        text = text.replace(from, to);
    }
    let mut outline = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        let c = match c {
            'q' | 'c' => 'k',
            'w' => 'v',
            'z' => 's',
            'j' => 'y',
            other => other,
        };
        if i > 0 && "aeiouy".contains(c) {
            continue;
        }
        if outline.ends_with(c) {
            continue;
        }
        outline.push(c);
    }
    outline
}

/// The keys under which a name is filed for finding candidates: the
/// outlines of each pair of its first six words (any order), or of its one
/// word. Two names that share a key are compared in full.
pub fn keys(name: &str) -> Vec<String> {
    let mut outlines: Vec<String> = tokens(name).iter().take(6).map(|t| skeleton(t)).collect();
    outlines.sort();
    outlines.dedup();
    match outlines.len() {
        0 => Vec::new(),
        1 => vec![format!("1:{}", outlines[0])],
        n => {
            let mut keys = Vec::with_capacity(n * (n - 1) / 2);
            for i in 0..n {
                for j in i + 1..n {
                    keys.push(format!("2:{} {}", outlines[i], outlines[j]));
                }
            }
            keys
        }
    }
}

/// What word keys begin with; duplicate detection compares records on the
/// other keys only.
pub const WORD_KEY_PREFIX: &str = "t:";

/// The keys of each of a name's words (their outlines), under which
/// reconciliation finds records whose name is misspelt in one word: a
/// two-word name with a typo shares no pair key with the record.
pub fn word_keys(name: &str) -> Vec<String> {
    let mut outlines: Vec<String> = tokens(name).iter().take(6).map(|t| skeleton(t)).collect();
    outlines.sort();
    outlines.dedup();
    outlines.into_iter().map(|outline| format!("{WORD_KEY_PREFIX}{outline}")).collect()
}

/// How alike two names are, from 0 to 1, and why.
pub fn compare(a: &str, b: &str) -> (f64, String) {
    let (ta, tb) = (tokens(a), tokens(b));
    if ta.is_empty() || tb.is_empty() {
        return (0.0, String::new());
    }
    if ta == tb {
        return (1.0, format!("same name ignoring case, accents and punctuation (\"{a}\" / \"{b}\")"));
    }
    let sorted = |tokens: &[String]| {
        let mut sorted = tokens.to_vec();
        sorted.sort();
        sorted
    };
    if sorted(&ta) == sorted(&tb) {
        return (0.95, format!("same name in another word order (\"{a}\" / \"{b}\")"));
    }
    let outlines = |tokens: &[String]| sorted(&tokens.iter().map(|t| skeleton(t)).collect::<Vec<_>>());
    let (oa, ob) = (outlines(&ta), outlines(&tb));
    if oa == ob {
        return (0.9, format!("same name in another transliteration (\"{a}\" / \"{b}\")"));
    }
    let (short, long) = if oa.len() <= ob.len() { (&oa, &ob) } else { (&ob, &oa) };
    if short.len() >= 2 && short.iter().all(|o| long.contains(o)) {
        return (0.8, format!("one name contains the other (\"{a}\" / \"{b}\")"));
    }
    let similarity = strsim::jaro_winkler(&sorted(&ta).join(" "), &sorted(&tb).join(" "));
    (0.75 * similarity, format!("similar names (\"{a}\" / \"{b}\")"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_name_share_keys_and_score_high() {
        let variants = ["Mohammad al-Qahtani", "Mohammed Al Qahtani", "Muhammad Alqahtani", "AL-QAHTANI, Mohamed"];
        let first = keys(variants[0]);
        for variant in variants {
            assert_eq!(keys(variant), first, "{variant}");
            assert!(compare(variants[0], variant).0 >= 0.9, "{variant}: {:?}", compare(variants[0], variant));
        }
        assert_eq!(compare("Máxima Acuña", "maxima acuna").0, 1.0);
        assert!(compare("Máxima Acuña", "Máxima Acuña Chaupe").0 >= 0.8);
        assert!(keys("Máxima Acuña Chaupe").iter().any(|k| keys("Maxima Acuna").contains(k)));
    }

    #[test]
    fn words_are_filed_apart_from_pairs() {
        assert_eq!(word_keys("Ilham Tohti"), vec!["t:ilhm", "t:tht"]);
        assert!(keys("Ilham Tohti").iter().all(|key| !key.starts_with(WORD_KEY_PREFIX)));
    }

    #[test]
    fn different_people_score_low() {
        assert!(compare("Ilham Tohti", "Berta Cáceres").0 < 0.5);
        assert!(compare("Mohammad al-Qahtani", "Mohammad al-Otaibi").0 < 0.8);
        assert!(keys("Ilham Tohti").iter().all(|k| !keys("Berta Caceres").contains(k)));
    }
}
