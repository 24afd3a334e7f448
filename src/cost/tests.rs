use super::*;
use std::path::Path;

const FIXTURE: &str = include_str!("../../tests/fixtures/meta-rates-usd.csv");

fn card(text: &str) -> Result<RateCard, CardError> {
    RateCard::parse(Path::new("rates.csv"), text.as_bytes())
}

const HEADER: &str = "Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service\n";

#[test]
fn reads_meta_card_as_published() {
    let c = card(FIXTURE).unwrap();
    assert_eq!(c.currency.code(), "USD");
    assert_eq!(c.markets.len(), 10);
    let india = c.market_of("IN").unwrap();
    assert_eq!((india.name.as_str(), india.line), ("India", 7));
    assert_eq!(india.rate(Category::Marketing), Amount::parse("0.0107"));
    assert_eq!(india.rate(Category::Authentication), Amount::parse("0.0014"));
}

#[test]
fn countries_fall_to_their_region_then_other() {
    let c = card(FIXTURE).unwrap();
    assert_eq!(c.market_of("KE").unwrap().name, "Rest of Africa");
    assert_eq!(c.market_of("US").unwrap().name, "North America");
    assert_eq!(c.market_of("CA").unwrap().name, "North America");
    assert_eq!(c.market_of("BE").unwrap().name, "Rest of Western Europe");
    // Japan's region is not on this card, so Other prices it.
    assert_eq!(c.market_of("JP").unwrap().name, "Other");
    // A card that gives a country its own market wins over the region.
    let own = card(&format!(
        "{HEADER}Hungary,USD,0.1,0.01,0.01,n/a,n/a\nRest of Central & Eastern Europe,USD,0.2,0.02,0.02,n/a,n/a\n"
    ))
    .unwrap();
    assert_eq!(own.market_of("HU").unwrap().name, "Hungary");
    assert_eq!(own.market_of("PL").unwrap().name, "Rest of Central & Eastern Europe");
    assert!(own.market_of("JP").is_none(), "no Other row: no price");
}

#[test]
fn markets_follow_meta_s_country_lists_and_the_markets_of_october_2026() {
    // Zimbabwe is in Meta's Rest of Africa list.
    let regions =
        card(&format!("{HEADER}Rest of Africa,USD,0.2,0.02,0.02,n/a,n/a\nOther,USD,0.9,0.09,0.09,n/a,n/a\n")).unwrap();
    assert_eq!(regions.market_of("ZW").unwrap().name, "Rest of Africa");
    assert_eq!(regions.market_of("MA").unwrap().name, "Rest of Africa", "a card without Morocco's own market");
    assert_eq!(regions.market_of("KZ").unwrap().name, "Other", "Kazakhstan is in no region");
    // The cards from 1 October 2026 give nine more countries a market of their own.
    let own: String =
        ["Bangladesh", "Iraq", "Kazakhstan", "Kuwait", "Morocco", "Nepal", "Oman", "Sri Lanka", "Ukraine"]
            .iter()
            .map(|m| format!("{m},USD,0.1,0.01,0.01,n/a,n/a\n"))
            .collect();
    let october = card(&format!("{HEADER}{own}Other,USD,0.9,0.09,0.09,n/a,n/a\n")).unwrap();
    for (country, market) in [
        ("BD", "Bangladesh"),
        ("IQ", "Iraq"),
        ("KZ", "Kazakhstan"),
        ("KW", "Kuwait"),
        ("MA", "Morocco"),
        ("NP", "Nepal"),
        ("OM", "Oman"),
        ("LK", "Sri Lanka"),
        ("UA", "Ukraine"),
    ] {
        assert_eq!(october.market_of(country).unwrap().name, market, "{country}");
    }
}

#[test]
fn malformed_cards_name_file_and_line() {
    let e = |text: &str| card(text).unwrap_err().to_string();
    assert_eq!(
        e(&format!("{HEADER}India,USD,0.0107,cheap,0.0014,n/a,n/a\n")),
        "rates.csv:2: `cheap` is not a rate (Utility of India); rates are decimals such as 0.0225, or n/a"
    );
    assert!(e("Country,Price\nIndia,0.1\n").starts_with("rates.csv: no header line with `Market`"));
    assert_eq!(e(HEADER), "rates.csv: the rate card lists no markets");
    assert_eq!(
        e(&format!("{HEADER}India,USD,0.1,0.1,0.1,n/a,n/a\nBrazil,EUR,0.1,0.1,0.1,n/a,n/a\n")),
        "rates.csv:3: Brazil is in EUR but the card's first market is in USD; use one card per currency"
    );
    assert_eq!(
        e(&format!("{HEADER}India,USD,0.1,0.1,0.1,n/a,n/a\nindia,USD,0.1,0.1,0.1,n/a,n/a\n")),
        "rates.csv:3: india is listed twice (first on line 2)"
    );
    assert_eq!(
        e(&format!("{HEADER}India,rupees,0.1,0.1,0.1,n/a,n/a\n")),
        "rates.csv:2: `rupees` is not a currency; write an ISO code such as USD"
    );
}

#[test]
fn notes_under_the_table_are_skipped() {
    let c =
        card(&format!("{HEADER}India,USD,0.1,0.1,0.1,n/a,n/a\n,,,,,,\n\"Rates subject to change.\",,,,,,\n")).unwrap();
    assert_eq!(c.markets.len(), 1);
}

#[test]
fn amounts_are_exact_and_round_up_to_cents() {
    assert_eq!(Amount::parse("0.0225"), Some(Amount(22_500)));
    assert_eq!(Amount::parse("250"), Some(Amount(250_000_000)));
    assert_eq!(Amount::parse("1.2345678"), None);
    assert_eq!(Amount::parse("-1"), None);
    assert_eq!(Amount::parse("."), None);
    assert_eq!(Amount(22_500).times(820).shown_up(), "18.45");
    assert_eq!(Amount(10_001).shown_up(), "0.0101");
    assert_eq!(Amount(8_000).shown_up(), "0.008");
    assert_eq!(Amount(500_000).shown_up(), "0.50");
    assert_eq!(Amount(1_000_000).shown_up(), "1.00");
    assert_eq!(Amount(1_000_001).shown_up(), "1.01");
    assert_eq!(Amount(0).shown_up(), "0.00");
    assert_eq!(Amount(22_500).to_string(), "0.0225");
    assert_eq!(Currency::parse("$US").unwrap().code(), "USD");
    assert_eq!(Currency::parse("eur").unwrap().code(), "EUR");
}

fn countries(list: &[(&str, usize)]) -> Vec<Option<String>> {
    list.iter().flat_map(|(c, n)| std::iter::repeat_n(Some(c.to_string()), *n)).collect()
}

#[test]
fn estimate_prices_each_country_in_its_market() {
    let c = card(FIXTURE).unwrap();
    let e = Estimate::of(&c, Billed::Template(Some(Category::Marketing)), countries(&[("KE", 820), ("IN", 100)]));
    // 820 × 0.0225 + 100 × 0.0107 = 18.45 + 1.07
    assert_eq!(e.total, Amount(19_520_000));
    assert_eq!(
        e.sentence(),
        "costs at most 19.52 USD: 820 marketing messages to KE at 0.0225, 100 marketing messages to IN at 0.0107 \
         (an upper bound: Meta bills only delivered messages)"
    );
    assert_eq!(e.lines[0].market, "Rest of Africa");
}

#[test]
fn estimate_says_what_it_assumes() {
    let c = card(FIXTURE).unwrap();
    let unknown = Estimate::of(&c, Billed::Template(None), countries(&[("KE", 1)]));
    assert_eq!(unknown.category, Category::Marketing);
    assert!(unknown.sentence().contains("priced as marketing: set `message.category`"), "{}", unknown.sentence());
    let utility = Estimate::of(&c, Billed::Template(Some(Category::Utility)), countries(&[("KE", 2)]));
    assert_eq!(utility.total, Amount(8_000));
    assert!(utility.sentence().contains("open customer service window are free"));
    let free = Estimate::of(&c, Billed::Free, countries(&[("KE", 2)]));
    assert_eq!(free.total, Amount(0));
    assert!(free.sentence().starts_with("costs nothing: non-template messages are free"));
    // A card without Other leaves a country of no listed market unpriced, and says so.
    let small = card(&format!("{HEADER}India,USD,0.1,0.01,0.01,n/a,n/a\n")).unwrap();
    let e = Estimate::of(&small, Billed::Template(Some(Category::Marketing)), countries(&[("IN", 1), ("JP", 2)]));
    assert_eq!((e.total, e.unpriced), (Amount(100_000), 2));
    assert!(e.sentence().ends_with("; 2 recipients not priced: the card has no marketing rate for their market"));
}
