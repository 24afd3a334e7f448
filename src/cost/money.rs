//! Amounts of money as whole millionths of a currency unit, so rates like `0.0225` add up
//! exactly, and the currency they are in.

use std::fmt;

/// Millionths of a unit per unit.
const SCALE: u64 = 1_000_000;

/// An amount in millionths of a currency unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Amount(pub u64);

impl Amount {
    /// Reads a decimal such as `0.0225` or `250`: digits, at most one point, at most six
    /// decimals; `None` for anything else.
    pub fn parse(text: &str) -> Option<Amount> {
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || frac.len() > 6 || !digits(whole) || !digits(frac) {
            return None;
        }
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let frac: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().ok()? };
        whole.checked_mul(SCALE)?.checked_add(frac).map(Amount)
    }

    /// `self` times `n`, saturating.
    pub fn times(self, n: u64) -> Amount {
        Amount(self.0.saturating_mul(n))
    }

    /// The amount as a number of units, for JSON.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    /// The amount for people, rounded up so an upper bound stays one: two decimals from one
    /// unit up (`19.52`), and under one unit up to four (`0.008`, `0.0134`), since a few
    /// messages cost fractions of a cent and `0.01` would say otherwise.
    pub fn shown_up(self) -> String {
        if self.0 >= SCALE {
            let cents = self.0.div_ceil(SCALE / 100);
            return format!("{}.{:02}", cents / 100, cents % 100);
        }
        let tenths_of_cents = self.0.div_ceil(SCALE / 10_000);
        let digits = format!("{tenths_of_cents:04}");
        let digits = digits.trim_end_matches('0');
        format!("0.{digits:0<2}")
    }
}

impl std::ops::Add for Amount {
    type Output = Amount;
    fn add(self, other: Amount) -> Amount {
        Amount(self.0.saturating_add(other.0))
    }
}

/// Prints every decimal the amount has, and no trailing zeros (`0.0225`).
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / SCALE, self.0 % SCALE);
        if frac == 0 {
            return write!(f, "{whole}");
        }
        let frac = format!("{frac:06}");
        write!(f, "{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// A currency as an ISO 4217 code (`USD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(String);

impl Currency {
    /// Reads a currency as rate cards and people write it: an ISO code in any case (`usd`), or
    /// one of the signs Meta's cards use (`$US`, `€`, `£`, `₹`, `R$`, `Rp`); `None` otherwise.
    pub fn parse(text: &str) -> Option<Currency> {
        let t = text.trim();
        let sign = match t {
            "$US" | "US$" | "$" => Some("USD"),
            "€" => Some("EUR"),
            "£" => Some("GBP"),
            "₹" => Some("INR"),
            "R$" => Some("BRL"),
            "Rp" => Some("IDR"),
            _ => None,
        };
        if let Some(code) = sign {
            return Some(Currency(code.into()));
        }
        (t.len() == 3 && t.bytes().all(|b| b.is_ascii_alphabetic())).then(|| Currency(t.to_ascii_uppercase()))
    }

    /// The ISO code.
    pub fn code(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
