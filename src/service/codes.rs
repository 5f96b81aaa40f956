//! Validation of ISO 3166 codes given by clients. Codes are checked against the
//! ISO lists compiled into the binary, so a typo is refused with a clear
//! message instead of silently matching nothing.

use crate::error::{AppError, AppResult};

/// Normalises and checks an ISO 3166-1 alpha-2 country code (`sa` → `SA`).
pub fn country_code(argument: &str, code: &str) -> AppResult<String> {
    let upper = code.trim().to_ascii_uppercase();
    if upper.len() != 2 || !upper.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(AppError::bad_input(
            argument,
            format!("\"{code}\" is not a country code: expected two letters (ISO 3166-1 alpha-2), such as \"SA\""),
        ));
    }
    if rust_iso3166::from_alpha2(&upper).is_none() {
        return Err(AppError::bad_input(argument, format!("\"{code}\" is not an ISO 3166-1 alpha-2 country code")));
    }
    Ok(upper)
}

/// Normalises and checks an ISO 3166-2 subdivision code (`us-nd` → `US-ND`).
pub fn subdivision_code(argument: &str, code: &str) -> AppResult<String> {
    let upper = code.trim().to_ascii_uppercase();
    let well_formed = upper.len() <= 10
        && upper.split_once('-').is_some_and(|(country, local)| {
            country.len() == 2
                && country.bytes().all(|b| b.is_ascii_uppercase())
                && !local.is_empty()
                && local.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    if !well_formed {
        return Err(AppError::bad_input(
            argument,
            format!("\"{code}\" is not a subdivision code: expected an ISO 3166-2 code such as \"US-ND\""),
        ));
    }
    if rust_iso3166::iso3166_2::from_code(&upper).is_none() {
        return Err(AppError::bad_input(argument, format!("\"{code}\" is not an ISO 3166-2 subdivision code")));
    }
    Ok(upper)
}

/// Normalises and checks a subdivision code that must lie in `country`.
pub fn subdivision_of(argument: &str, code: &str, country: &str) -> AppResult<String> {
    let code = subdivision_code(argument, code)?;
    if !code.starts_with(&format!("{country}-")) {
        return Err(AppError::bad_input(argument, format!("{code} is not a subdivision of {country}")));
    }
    Ok(code)
}

/// Checks every code of a list filter.
pub fn country_codes(argument: &str, codes: &[String]) -> AppResult<Vec<String>> {
    codes.iter().map(|code| country_code(argument, code)).collect()
}

/// Checks every code of a list filter.
pub fn subdivision_codes(argument: &str, codes: &[String]) -> AppResult<Vec<String>> {
    codes.iter().map(|code| subdivision_code(argument, code)).collect()
}

/// The English name of a country by its code, or the code when unknown.
pub fn country_name(code: &str) -> String {
    rust_iso3166::from_alpha2(code).map_or_else(|| code.to_owned(), |country| country.name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_normalised_and_checked() {
        assert_eq!(country_code("code", " sa ").unwrap(), "SA");
        for bad in ["", "S", "SAU", "XX", "1A", "ÅA"] {
            assert!(country_code("code", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subdivision_codes_are_normalised_and_checked() {
        assert_eq!(subdivision_code("code", "us-nd").unwrap(), "US-ND");
        for bad in ["", "US", "US-", "US-ZZ", "USND", "US-N D", "XX-ND"] {
            assert!(subdivision_code("code", bad).is_err(), "{bad}");
        }
    }
}
