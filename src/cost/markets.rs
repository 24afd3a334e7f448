//! Which of Meta's pricing markets a recipient's country falls in. Meta prices a template
//! message by the recipient's country calling code, grouped into markets: some countries are a
//! market of their own (`India`), the rest fall in a regional one (`Rest of Africa`), and every
//! country not listed is `Other`. This is data, not prices: herald ships no rates.
//!
//! Sources. The markets are the rows of Meta's rate cards (developers.facebook.com/documentation/
//! business-messaging/whatsapp/pricing, "rate cards"). Meta's page lists the countries of each
//! regional market; it was not readable here, so the lists below were checked against two
//! public copies of them: a BSP's importer of Meta's rate card that reads the CSV/XLSX link off
//! that page and pairs each regional row with its countries (its July 2025 and October 2026
//! versions), which agree with this table but for Zimbabwe (in Rest of Africa; it was missing);
//! and the WhaTools/whatsapp-open-data change log (Hugging Face, citing Meta's pricing page),
//! for the nine markets made standalone on 1 October 2026 (Bangladesh, Iraq, Kazakhstan,
//! Kuwait, Morocco, Nepal, Oman, Sri Lanka, Ukraine). The October 2026 importer also takes Hong
//! Kong, Hungary, Poland, Qatar, Romania and Singapore out of their regions, as markets of their
//! own. What stays unverified is in docs/cost.md.
//!
//! A country is priced under the first market below that the rate card lists, so a card that
//! gives a country a market of its own (`Hungary`, `Kazakhstan`) is honoured, and an older one
//! that does not falls back to its region, then to `Other`.

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
    // Countries later cards give a market of their own; on older ones priced in their region
    // (Kazakhstan in none: Other).
    ("Hong Kong", &["HK"]),
    ("Hungary", &["HU"]),
    ("Poland", &["PL"]),
    ("Qatar", &["QA"]),
    ("Romania", &["RO"]),
    ("Singapore", &["SG"]),
    // Standalone from 1 October 2026.
    ("Bangladesh", &["BD"]),
    ("Iraq", &["IQ"]),
    ("Kazakhstan", &["KZ"]),
    ("Kuwait", &["KW"]),
    ("Morocco", &["MA"]),
    ("Nepal", &["NP"]),
    ("Oman", &["OM"]),
    ("Sri Lanka", &["LK"]),
    ("Ukraine", &["UA"]),
    ("North America", &["US", "CA"]),
    (
        "Rest of Africa",
        &[
            "DZ", "AO", "BJ", "BW", "BF", "BI", "CM", "TD", "CG", "ER", "ET", "GA", "GM", "GH", "GW", "CI", "KE", "LS",
            "LR", "LY", "MG", "MW", "ML", "MR", "MA", "MZ", "NA", "NE", "RW", "SN", "SL", "SO", "SS", "SD", "SZ", "TZ",
            "TG", "TN", "UG", "ZM", "ZW",
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
