//! How a candidate is scored against a reconciliation query, from evidence
//! the viewer may see: its names, and the properties the query supplies.
//!
//! The score is a weighted mean of the evidence, from 0 to 100:
//!
//! ```text
//! score = 100 × (6 × name + Σ weight × agreement) / (6 + Σ weight)
//! ```
//!
//! `name` is the best similarity (0 to 1) between the query and any of the
//! candidate's names; each property the query supplies, and that applies to
//! the candidate's kind, adds its weight to the divisor and its agreement
//! (1 agrees, 0 says nothing, −1 contradicts) to the sum. So a perfect name
//! with nothing else scores 100, agreeing evidence never lowers a score,
//! contradicting evidence never raises one, and a property the record does
//! not state neither helps nor hurts. Scores are clamped to 0–100.
//!
//! A candidate is a **match** (`match: true`, safe to accept without a
//! person looking) when its score is at least [`MATCH_SCORE`], its name
//! alone is at least [`MATCH_NAME`], and the next candidate scores at least
//! [`MATCH_MARGIN`] lower: a perfect name shared by two records is no match.

use crate::service::duplicates::names::{self, skeleton, tokens};

/// The weight of the name against each property's.
pub const NAME_WEIGHT: f64 = 6.0;
/// The lowest score of a match.
pub const MATCH_SCORE: f64 = 85.0;
/// The lowest name similarity of a match.
pub const MATCH_NAME: f64 = 0.85;
/// How far the next candidate must trail a match.
pub const MATCH_MARGIN: f64 = 10.0;

/// How alike a query name and a record's name are, from 0 to 1: the best
/// of the duplicate detector's comparison (case, accents, punctuation, word
/// order, joined particles, transliteration) and an alignment of words that
/// tolerates a misspelt word, a dropped middle name or an added surname.
pub fn name_similarity(query: &str, name: &str) -> f64 {
    let compared = names::compare(query, name).0;
    let (asked, known) = (tokens(query), tokens(name));
    if asked.is_empty() || known.is_empty() {
        return compared;
    }
    // Each query word's best counterpart: itself 1, the same outline (a
    // transliteration) 0.93, a close spelling 0.9 × Jaro-Winkler.
    let word = |a: &String, b: &String| -> f64 {
        if a == b {
            1.0
        } else if a.len() > 1 && skeleton(a) == skeleton(b) {
            0.93
        } else {
            let similarity = strsim::jaro_winkler(a, b);
            // Digits are identifiers: a near number is another number.
            let numeric = a.bytes().any(|c| c.is_ascii_digit()) || b.bytes().any(|c| c.is_ascii_digit());
            if similarity >= 0.85 && !numeric { 0.9 * similarity } else { 0.0 }
        }
    };
    let best = |from: &[String], to: &[String]| -> Vec<f64> {
        from.iter().map(|a| to.iter().map(|b| word(a, b)).fold(0.0, f64::max)).collect()
    };
    let (forward, backward) = (best(&asked, &known), best(&known, &asked));
    let mean = |scores: &[f64]| scores.iter().sum::<f64>() / scores.len() as f64;
    // The shorter name's words must all be found in the longer one; the
    // words only one side has cost a little each (a dropped middle name, a
    // second surname), so that the full name still ranks first.
    let (shorter, longer) = if forward.len() <= backward.len() { (&forward, &backward) } else { (&backward, &forward) };
    let unmatched = longer.iter().filter(|score| **score == 0.0).count() as f64;
    let aligned = if shorter.len() < 2 && longer.len() > 1 {
        // One word against several proves little.
        0.6 * mean(shorter)
    } else {
        mean(shorter) * (1.0 - 0.06 * unmatched)
    };
    // Numbers in names are identifiers: each number one name has and the
    // other lacks costs a quarter, so that "Ana Okafor 12" is not "Ana
    // Okafor" (nor "Ana Okafor 13"), however alike the words.
    let numbers = |tokens: &[String]| -> Vec<String> {
        tokens.iter().filter(|token| token.bytes().any(|b| b.is_ascii_digit())).cloned().collect()
    };
    let (asked_numbers, known_numbers) = (numbers(&asked), numbers(&known));
    let unmatched_numbers = asked_numbers.iter().filter(|n| !known_numbers.contains(n)).count()
        + known_numbers.iter().filter(|n| !asked_numbers.contains(n)).count();
    let penalty = 0.75_f64.powi(unmatched_numbers as i32);
    (compared.max(aligned) * penalty).clamp(0.0, 1.0)
}

/// What one property says of a candidate: 1 agrees, 0 nothing, −1 contradicts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Agreement {
    pub weight: f64,
    pub value: f64,
}

/// The score of a candidate, from 0 to 100, with one decimal.
pub fn score(name: f64, agreements: &[Agreement]) -> f64 {
    let total: f64 = NAME_WEIGHT + agreements.iter().map(|a| a.weight).sum::<f64>();
    let evidence: f64 = NAME_WEIGHT * name + agreements.iter().map(|a| a.weight * a.value).sum::<f64>();
    ((100.0 * evidence / total).clamp(0.0, 100.0) * 10.0).round() / 10.0
}

/// Whether the best candidate is a match, given its name similarity and
/// the score of the one after it.
pub fn is_match(score: f64, name: f64, next: Option<f64>) -> bool {
    score >= MATCH_SCORE && name >= MATCH_NAME && next.is_none_or(|next| score - next >= MATCH_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_a_name_score_high_and_others_low() {
        assert_eq!(name_similarity("ilham tohti", "Ilham Tohti"), 1.0);
        assert_eq!(name_similarity("Maxima Acuna", "Máxima Acuña"), 1.0);
        assert!(name_similarity("Mohamed al Qahtani", "Mohammad al-Qahtani") >= 0.9);
        // An added surname, a dropped middle name, one misspelt word.
        assert!(name_similarity("Maxima Acuna de Chaupe", "Máxima Acuña") >= 0.85);
        assert!(name_similarity("Ana Okafor", "Ana María Okafor") >= 0.85);
        assert!(name_similarity("Ilham Tohri", "Ilham Tohti") >= 0.85);
        // Others.
        assert!(name_similarity("Berta Caceres", "Ilham Tohti") < 0.5);
        assert!(name_similarity("Ilham", "Ilham Tohti") < 0.85);
        assert!(name_similarity("Ana Okafor 12", "Ana Okafor 13") < 0.85);
        assert!(name_similarity("Ana Okafor 12", "Okafor Ana") < 0.75);
        assert!(name_similarity("Okafor, Ana 12", "Ana Okafor 12") >= 0.95);
    }

    #[test]
    fn scores_are_monotone_in_the_evidence() {
        let agrees = Agreement { weight: 2.0, value: 1.0 };
        let silent = Agreement { weight: 2.0, value: 0.0 };
        let contradicts = Agreement { weight: 2.0, value: -1.0 };
        for name in [0.0, 0.3, 0.6, 0.9, 1.0] {
            let alone = score(name, &[]);
            assert!(score(name, &[agrees]) >= alone, "{name}");
            assert!(score(name, &[contradicts]) <= alone, "{name}");
            assert!(score(name, &[agrees, agrees]) >= score(name, &[agrees]), "{name}");
            assert!(score(name, &[agrees, contradicts]) <= score(name, &[agrees]), "{name}");
            assert!(score(name, &[agrees]) >= score(name, &[silent]));
            assert!(score(name, &[silent]) >= score(name, &[contradicts]));
            assert!(score(name + 0.05, &[agrees]) >= score(name, &[agrees]));
        }
        assert_eq!(score(1.0, &[]), 100.0);
        assert_eq!(score(1.0, &[agrees]), 100.0);
        assert_eq!(score(0.0, &[contradicts]), 0.0);
    }

    #[test]
    fn a_match_needs_a_high_score_a_good_name_and_a_margin() {
        assert!(is_match(95.0, 1.0, None));
        assert!(is_match(95.0, 1.0, Some(80.0)));
        assert!(!is_match(95.0, 1.0, Some(90.0)));
        assert!(!is_match(80.0, 1.0, None));
        assert!(!is_match(90.0, 0.8, None));
    }
}
