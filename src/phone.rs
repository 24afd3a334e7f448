//! Phone numbers: normalisation of what people type into E.164, and the formats providers want.

use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumber, PhoneNumberFormat, Region};
use std::fmt;

/// A phone number in E.164 form (`+254712345678`), known to be valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// `+` followed by the country code and number.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// The digits only, without `+` (`254712345678`).
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// Wraps a string already known to be E.164 (used by tests and the journal).
    pub fn from_e164_unchecked(s: impl Into<String>) -> Phone {
        Phone(s.into())
    }

    /// The number as a compact key: its digits as an integer. The numbers [`normalize`] accepts
    /// never start with 0 and have at most 17 digits (E.164 says 15, but libphonenumber takes
    /// German numbers with up to 15 digits after the country code), so the key is unique and
    /// fits in a `u64`, which holds any 19.
    pub fn key(&self) -> u64 {
        self.digits().bytes().fold(0u64, |k, d| k * 10 + u64::from(d - b'0'))
    }

    /// The number a key stands for.
    pub fn from_key(key: u64) -> Phone {
        Phone(format!("+{key}"))
    }

    /// The two-letter country the number belongs to (`KE`), when its number plan names one.
    pub fn region(&self) -> Option<String> {
        let number = PhoneNumber::parse(&self.0, None).ok()?;
        number.get_region_code().map(|r| r.to_string())
    }
}

/// Why a phone number as written cannot be used; each reads as a sentence for the person who
/// wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing written.
    #[error("the phone number is empty")]
    Empty,
    /// Letters, as in `1-800-FLOWERS`.
    #[error("`{0}` contains letters")]
    Letters(String),
    /// A character that is not part of a phone number.
    #[error("`{0}` contains `{1}`, which is not part of a phone number")]
    Character(String, char),
    /// No country code and no `default_country`.
    #[error("`{0}` has no country code; write it as +<country code><number> or set `recipients.default_country`")]
    NoCountryCode(String),
    /// A country code nobody has.
    #[error("`{0}` starts with an unknown country code")]
    UnknownCountryCode(String),
    /// Too few digits.
    #[error("`{0}` is too short to be a phone number")]
    TooShort(String),
    /// Not shaped like a phone number.
    #[error("`{0}` is not a phone number")]
    NotANumber(String),
    /// Shaped like one, but no such number can exist.
    #[error("`{0}` is not a valid phone number")]
    Invalid(String),
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a two-letter region code such as `KE`.
pub fn parse_region(code: &str) -> Option<Region> {
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let region = Region::from_code(code).ok()?;
    PHONE_NUMBER_UTIL.get_supported_regions().any(|r| r == region).then_some(region)
}

/// The country calling code an E.164 number starts with (`254` for `+254712345678`), read from
/// the number plan's table of codes; `None` for text that is not `+` and digits or starts with
/// no known code.
pub fn calling_code(e164: &str) -> Option<u16> {
    let digits = e164.strip_prefix('+')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    (1..=3.min(digits.len()))
        .filter_map(|n| digits[..n].parse::<u16>().ok())
        .find(|code| PHONE_NUMBER_UTIL.get_region_for_country_code(i32::from(*code)).is_some())
}

/// The countries that dial with calling `code`, main one first (`["US", "AG", …]` for 1,
/// `["KE"]` for 254); empty for a code nobody has.
pub fn calling_code_regions(code: u16) -> Vec<String> {
    PHONE_NUMBER_UTIL
        .get_regions_for_country_calling_code(i32::from(code))
        .map(|regions| regions.map(|r| r.to_string()).collect())
        .unwrap_or_default()
}

/// Normalises a phone number as a person wrote it.
///
/// Accepts spaces, dashes, dots, parentheses, a leading `+` or `00`; a number without a country
/// code is read in `default_region`. Letters are refused rather than read as a keypad word.
/// The error says what is wrong, for the person who wrote the number.
pub fn normalize(raw: &str, default_region: Option<Region>) -> Result<Phone, PhoneError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    if trimmed.chars().any(|c| c.is_alphabetic()) {
        return Err(PhoneError::Letters(trimmed.into()));
    }
    let mut compact = String::with_capacity(trimmed.len());
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => compact.push(c),
            '+' if i == 0 => compact.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return Err(PhoneError::Character(trimmed.into(), c)),
        }
    }
    if let Some(rest) = compact.strip_prefix("00") {
        compact = format!("+{rest}");
    }
    let region = if compact.starts_with('+') {
        None
    } else if default_region.is_some() {
        default_region
    } else {
        return Err(PhoneError::NoCountryCode(trimmed.into()));
    };
    let number = PhoneNumber::parse(&compact, region).map_err(|e| describe(trimmed, &e))?;
    if !number.is_valid() {
        return Err(PhoneError::Invalid(trimmed.into()));
    }
    Ok(Phone(number.format_as(PhoneNumberFormat::E164).into_owned()))
}

fn describe(raw: &str, err: &rlibphonenumber::ParseError) -> PhoneError {
    use rlibphonenumber::ParseError as E;
    match err {
        E::InvalidCountryCode => PhoneError::UnknownCountryCode(raw.into()),
        E::TooShortNsn | E::TooShortAfterIdd => PhoneError::TooShort(raw.into()),
        _ => PhoneError::NotANumber(raw.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ke() -> Option<Region> {
        parse_region("KE")
    }

    #[test]
    fn accepts_the_ways_people_write_numbers() {
        for raw in [
            "+254712345678",
            "+254 712 345 678",
            "+254-712-345-678",
            "00254712345678",
            "0712 345678",
            "(0712) 345-678",
            "712345678",
        ] {
            assert_eq!(normalize(raw, ke()).unwrap().e164(), "+254712345678", "{raw}");
        }
    }

    #[test]
    fn international_numbers_are_not_rewritten_by_the_default_region() {
        let us = parse_region("US");
        assert_eq!(normalize("+4915123456789", us).unwrap().e164(), "+4915123456789");
    }

    #[test]
    fn refuses_letters_garbage_and_missing_country() {
        assert_eq!(
            normalize("1-800-FLOWERS", parse_region("US")).unwrap_err().to_string(),
            "`1-800-FLOWERS` contains letters"
        );
        assert!(normalize("0712345678", None).unwrap_err().to_string().contains("country code"));
        assert!(normalize("12", ke()).is_err());
        assert_eq!(normalize("", ke()), Err(PhoneError::Empty));
        assert_eq!(normalize("+254 712#345", ke()), Err(PhoneError::Character("+254 712#345".into(), '#')));
    }

    #[test]
    fn digits_drop_the_plus() {
        assert_eq!(normalize("+14155552671", None).unwrap().digits(), "14155552671");
    }

    #[test]
    fn keys_are_compact_and_reversible() {
        let p = normalize("+14155552671", None).unwrap();
        assert_eq!(p.key(), 14_155_552_671);
        assert_eq!(Phone::from_key(p.key()), p);
    }

    #[test]
    fn calling_codes_are_read_from_the_number_plan() {
        assert_eq!(calling_code("+254712345678"), Some(254));
        assert_eq!(calling_code("+14155552671"), Some(1));
        assert_eq!(calling_code("+4915123456789"), Some(49));
        assert_eq!(calling_code("+35312345678"), Some(353));
        for bad in ["254712345678", "+", "not-a-number", "+25a", ""] {
            assert_eq!(calling_code(bad), None, "{bad}");
        }
        assert_eq!(calling_code_regions(254), ["KE"]);
        assert_eq!(calling_code_regions(1).first().map(String::as_str), Some("US"));
        assert!(calling_code_regions(1).len() > 10);
        assert!(calling_code_regions(999).is_empty());
    }

    #[test]
    fn region_codes_must_be_two_capitals() {
        assert!(parse_region("KE").is_some());
        assert!(parse_region("ke").is_none());
        assert!(parse_region("XX").is_none());
        assert!(parse_region("KEN").is_none());
    }

    proptest::proptest! {
        #[test]
        fn normalising_is_idempotent(n in 200_000_000u64..799_999_999) {
            let raw = format!("+254{n}");
            if let Ok(p) = normalize(&raw, None) {
                proptest::prop_assert_eq!(normalize(p.e164(), ke()).unwrap(), p);
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = normalize(&s, ke());
        }

        #[test]
        fn keys_round_trip(n in 200_000_000u64..799_999_999) {
            if let Ok(p) = normalize(&format!("+254{n}"), None) {
                proptest::prop_assert_eq!(Phone::from_key(p.key()), p);
            }
        }
    }
}
