//! Which of Meta's pricing markets a recipient's country falls in. Meta prices a template
//! message by the recipient's country calling code, grouped into markets: some countries are a
//! market of their own (`India`), the rest fall in a regional one (`Rest of Africa`), and every
//! country not listed is `Other`.
//!
//! Source: the "Markets" list of Meta's pricing page, "Pricing on the WhatsApp Business
//! Platform" (developers.facebook.com/docs/whatsapp/pricing, rate cards section), as of the
//! per-message pricing of 1 July 2025. This is data, not prices: herald ships no rates.
//!
//! A country is priced under the first market below that the rate card lists, so a card that
//! gives a country a market of its own (`Hungary`, `Singapore`) is honoured, and one that does
//! not falls back to its region, then to `Other`.

/// The market every country not listed falls in.
pub const OTHER: &str = "Other";

/// (market as the rate card names it, the two-letter countries in it), own markets first.
const MARKETS: &[(&str, &[&str])] = &[
    ("Argentina", &["AR"]),
    ("Brazil", &["BR"]),
    ("Chile", &["CL"]),
    ("Colombia", &["CO"]),
    ("Egypt", &["EG"]),
    ("France", &["FR"]),
    ("Germany", &["DE"]),
    ("India", &["IN"]),
    ("Indonesia", &["ID"]),
    ("Israel", &["IL"]),
    ("Italy", &["IT"]),
    ("Malaysia", &["MY"]),
    ("Mexico", &["MX"]),
    ("Netherlands", &["NL"]),
    ("Nigeria", &["NG"]),
    ("Pakistan", &["PK"]),
    ("Peru", &["PE"]),
    ("Russia", &["RU"]),
    ("Saudi Arabia", &["SA"]),
    ("South Africa", &["ZA"]),
    ("Spain", &["ES"]),
    ("Turkey", &["TR"]),
    ("United Arab Emirates", &["AE"]),
    ("United Kingdom", &["GB"]),
    // Countries some cards give a market of their own; otherwise priced in their region.
    ("Hong Kong", &["HK"]),
    ("Hungary", &["HU"]),
    ("Poland", &["PL"]),
    ("Qatar", &["QA"]),
    ("Romania", &["RO"]),
    ("Singapore", &["SG"]),
    ("North America", &["US", "CA"]),
    (
        "Rest of Africa",
        &[
            "DZ", "AO", "BJ", "BW", "BF", "BI", "CM", "TD", "CG", "ER", "ET", "GA", "GM", "GH", "GW", "CI", "KE", "LS",
            "LR", "LY", "MG", "MW", "ML", "MR", "MA", "MZ", "NA", "NE", "RW", "SN", "SL", "SO", "SS", "SD", "SZ", "TZ",
            "TG", "TN", "UG", "ZM",
        ],
    ),
    (
        "Rest of Asia Pacific",
        &[
            "AF", "AU", "BD", "KH", "CN", "HK", "JP", "LA", "MN", "NP", "NZ", "PG", "PH", "SG", "LK", "TW", "TJ", "TH",
            "TM", "UZ", "VN",
        ],
    ),
    (
        "Rest of Central & Eastern Europe",
        &[
            "AL", "AM", "AZ", "BY", "BG", "HR", "CZ", "GE", "GR", "HU", "LV", "LT", "MK", "MD", "PL", "RO", "RS", "SK",
            "SI", "UA",
        ],
    ),
    (
        "Rest of Latin America",
        &["BO", "CR", "DO", "EC", "SV", "GT", "HT", "HN", "JM", "NI", "PA", "PY", "PR", "UY", "VE"],
    ),
    ("Rest of Middle East", &["BH", "IQ", "JO", "KW", "LB", "OM", "QA", "YE"]),
    ("Rest of Western Europe", &["AT", "BE", "DK", "FI", "IE", "NO", "PT", "SE", "CH"]),
];

/// The markets `country` (two letters, `KE`) may be priced under, most specific first, ending
/// with [`OTHER`].
pub fn candidates(country: &str) -> impl Iterator<Item = &'static str> + '_ {
    MARKETS
        .iter()
        .filter(move |(_, countries)| countries.contains(&country))
        .map(|(market, _)| *market)
        .chain(std::iter::once(OTHER))
}
