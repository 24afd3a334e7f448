//! The audience: who a campaign goes to, read from a CSV file, a list in the campaign, or
//! provider-side tags, after the filter (tags and `where`), suppression lists and
//! de-duplication.
//!
//! It is read as a stream, in two steps. [`Audience::scan`] reads every row once, normalises its
//! number and writes the verdict to a [`spool`]; duplicates are found by sorting compact keys in
//! bounded memory, and noted by row ([`dedupe`]). [`Audience::entries`] then yields each row in file order with its
//! verdict (and, for recipients, the row's values for templates), as often as needed: to
//! validate, preview, send and report. Memory does not grow with the number of rows.

mod csv_rows;
mod dedupe;
mod spool;
mod suppress;
#[cfg(test)]
mod tests;

pub use csv_rows::{CsvError, CsvReader, io_reason};
pub use suppress::{Suppression, read_suppression};

use crate::phone::{Phone, PhoneError, normalize};
use crate::providers::{Bulk, Target};
use crate::template::condition::{Condition, ConditionError};
use dedupe::{DuplicateReader, Duplicates, Sorter};
use rlibphonenumber::Region;
use spool::{Spool, SpoolReader, SpoolWriter, Verdict};
use std::collections::HashSet;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a recipient came from, for messages and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A CSV record starting on this 1-based line.
    CsvLine(u64),
    /// The n-th (0-based) entry of `recipients.list`.
    ListItem(usize),
    /// The n-th (0-based) entry of `recipients.groups`.
    GroupItem(usize),
    /// The provider resolves the audience from its own contact tags.
    ProviderTags,
    /// The n-th (0-based) canary seed, `delivery.canary.to`.
    Seed(usize),
}

impl Origin {
    /// The same kind of place at `position` (a line of the same file, an item of the same list).
    fn at(self, position: u64) -> Origin {
        match self {
            Origin::ListItem(_) => Origin::ListItem(position as usize),
            Origin::GroupItem(_) => Origin::GroupItem(position as usize),
            _ => Origin::CsvLine(position),
        }
    }

    /// The CSV line, when there is one.
    pub fn csv_line(self) -> Option<u64> {
        match self {
            Origin::CsvLine(l) => Some(l),
            _ => None,
        }
    }
}

/// One recipient that will be sent to.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    /// Who the request addresses.
    pub target: Target,
    /// Where the recipient came from.
    pub origin: Origin,
    /// The CSV values, aligned with the audience's headers; `None` where the cell is empty or
    /// missing (such a variable is undefined in templates).
    pub values: Arc<[Option<String>]>,
}

impl Recipient {
    /// The phone number, when the target is one.
    pub fn phone(&self) -> Option<&Phone> {
        match &self.target {
            Target::Phone(p) => Some(p),
            Target::Group(_) | Target::Contact(_) | Target::Tags(_) => None,
        }
    }

    /// The CSV line, when the recipient came from one.
    pub fn csv_line(&self) -> Option<u64> {
        self.origin.csv_line()
    }
}

/// Why a row is left out before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The row has no phone number.
    NoPhone,
    /// The row has no group id (an audience of groups).
    NoGroup,
    /// The row has no contact id (an audience of provider-side contacts).
    NoContact,
    /// The number is not valid.
    InvalidPhone(PhoneError),
    /// The same number appeared earlier.
    Duplicate {
        /// Where it first appeared.
        first: Origin,
    },
    /// The number is on a suppression list.
    Suppressed,
    /// A field of the row is not UTF-8.
    Unreadable,
}

impl SkipReason {
    /// The code reports use.
    pub fn code(&self) -> crate::results::Code {
        use crate::results::Code;
        match self {
            SkipReason::NoPhone | SkipReason::InvalidPhone(_) => Code::InvalidPhone,
            SkipReason::NoGroup => Code::NoGroup,
            SkipReason::NoContact => Code::NoContact,
            SkipReason::Duplicate { .. } => Code::Duplicate,
            SkipReason::Suppressed => Code::Suppressed,
            SkipReason::Unreadable => Code::UnreadableRow,
        }
    }
}

/// A row left out, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The number as written (normalised, for duplicates and suppressed numbers).
    pub recipient: String,
    /// Where the row is.
    pub origin: Origin,
    /// Why.
    pub reason: SkipReason,
}

impl Skipped {
    /// Its record in the journal and the reports.
    pub fn record(&self) -> crate::results::Record {
        crate::results::Record::skipped(
            self.recipient.clone(),
            self.origin.csv_line(),
            self.reason.code(),
            self.message(),
        )
    }

    /// Why, in words, as reports show it.
    pub fn message(&self) -> String {
        match &self.reason {
            SkipReason::NoPhone => "this row has no phone number".into(),
            SkipReason::NoGroup => "this row has no group id".into(),
            SkipReason::NoContact => "this row has no contact id".into(),
            SkipReason::InvalidPhone(e) => e.to_string(),
            SkipReason::Duplicate { first } => format!("duplicate of {}", describe(*first, None)),
            SkipReason::Suppressed => "on the suppression list".into(),
            SkipReason::Unreadable => format!(
                "{} is not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in Excel)",
                describe(self.origin, None)
            ),
        }
    }
}

/// `line 7 of data/x.csv`, `recipients.list[2]`, `the provider's contact tags`.
pub fn describe(origin: Origin, csv_name: Option<&str>) -> String {
    match origin {
        Origin::CsvLine(l) => match csv_name {
            Some(name) => format!("line {l} of {name}"),
            None => format!("line {l}"),
        },
        Origin::ListItem(i) => format!("recipients.list[{i}]"),
        Origin::GroupItem(i) => format!("recipients.groups[{i}]"),
        Origin::ProviderTags => "the provider's contact tags".into(),
        Origin::Seed(i) => format!("delivery.canary.to[{i}]"),
    }
}

/// How many rows end which way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Recipients to send to: valid, not suppressed, first occurrence.
    pub recipients: usize,
    /// Phone number missing or invalid, or the row unreadable.
    pub invalid: usize,
    /// The same number appeared earlier.
    pub duplicate: usize,
    /// The number is on a suppression list.
    pub suppressed: usize,
    /// Left out by the filter: `tags`, `exclude_tags` or `where`.
    pub filtered: usize,
    /// Rows `where` could not decide about (an error each): left out, but not counted as
    /// filtered, since nobody chose to leave them out.
    pub undecided: usize,
}

impl Counts {
    /// Invalid + duplicate + suppressed (the tag filter is a choice, not a problem).
    pub fn skipped(&self) -> usize {
        self.invalid + self.duplicate + self.suppressed
    }

    /// Rows the filter let through: the recipients and those skipped for a problem.
    pub fn kept(&self) -> usize {
        self.recipients + self.skipped()
    }

    /// Every row read.
    pub fn rows(&self) -> usize {
        self.kept() + self.filtered + self.undecided
    }
}

/// Rows read before their numbers are normalised on another thread.
const SCAN_CHUNK: usize = 1024;

/// Rows as read, before their numbers are normalised (and, with a `where` condition, before it
/// is evaluated): the numbers and cells as written share one string, so a chunk costs a few
/// allocations whatever its size.
#[derive(Default)]
struct ScanChunk {
    text: String,
    /// Each row's cells for the condition, in turn: where each is in `text`, `None` when empty.
    cells: Vec<Option<Range<usize>>>,
    rows: Vec<(u64, Scanned)>,
}

/// A row as read.
enum Scanned {
    /// Decided without the number.
    Judged(Verdict),
    /// To judge on a worker.
    Row {
        /// Where the number as written is in the chunk's text, if the row has one.
        phone: Option<Range<usize>>,
        /// Which of the chunk's cells are this row's (none without a condition).
        cells: Range<usize>,
    },
}

/// What a worker decided about each row of a chunk: its verdict, or why the condition could not
/// decide.
type ScanResult = Vec<(u64, Result<Verdict, ConditionError>)>;

/// What the audience's addresses are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Address {
    /// Phone numbers (normalised to E.164, suppressible).
    #[default]
    Phone,
    /// Provider-side group ids, sent to as written (suppression lists hold numbers, so they do
    /// not apply).
    Group,
    /// Provider-side contact ids (WhautoChat's `contact.id`), sent to as written.
    Contact,
}

/// Where the rows come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A CSV file.
    Csv {
        /// The file.
        path: PathBuf,
        /// Its columns.
        headers: Arc<[String]>,
        /// The column holding the addresses (phone numbers or group ids).
        phone: usize,
        /// The tags column, when rows are filtered.
        tags: Option<usize>,
    },
    /// Numbers (or group ids) written in the campaign.
    List(Arc<[String]>),
    /// Provider-side contact tags: one request reaches them all.
    ProviderTags(Bulk),
}

/// Which CSV rows the campaign keeps: by tags, and by a `where` condition. A row must pass
/// both.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Keep rows with any of these (lower-case); all rows when empty.
    pub tags: Vec<String>,
    /// Drop rows with any of these (lower-case).
    pub exclude: Vec<String>,
    /// `recipients.where`: keep rows for which it is true.
    pub condition: Option<Arc<Condition>>,
}

impl Filter {
    /// A filter from the campaign's lists, compared case-insensitively.
    pub fn new(tags: &[String], exclude: &[String]) -> Filter {
        let lower = |v: &[String]| v.iter().map(|t| t.trim().to_lowercase()).collect();
        Filter { tags: lower(tags), exclude: lower(exclude), condition: None }
    }

    /// Whether it filters by tags (and so needs the tags column).
    pub fn by_tags(&self) -> bool {
        !self.tags.is_empty() || !self.exclude.is_empty()
    }

    /// Whether a row whose tags cell holds `cell` (`;` or `,` separated) passes the tags.
    pub fn keeps(&self, cell: Option<&str>) -> bool {
        let has = |wanted: &[String]| {
            cell.is_some_and(|c| c.split([';', ',']).map(|t| t.trim().to_lowercase()).any(|t| wanted.contains(&t)))
        };
        (self.tags.is_empty() || has(&self.tags)) && !has(&self.exclude)
    }
}

/// Why the audience cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum AudienceError {
    /// The CSV file cannot be read.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// The temporary files herald keeps while reading cannot be written or read.
    #[error("cannot use a temporary file: {0}")]
    Spool(#[from] std::io::Error),
    /// The file's rows differ from the ones validated.
    #[error("{} changed while herald was reading it; run the command again", .0.display())]
    Changed(PathBuf),
}

/// The audience of a campaign, scanned.
#[derive(Debug, Clone)]
pub struct Audience {
    source: Source,
    address: Address,
    region: Option<Region>,
    spool: Spool,
    duplicates: Duplicates,
    /// How many rows end which way.
    pub counts: Counts,
    /// The filter rows pass on their way in, in words (`` `recipients.where` ``), if any.
    pub filter: Option<String>,
}

impl Audience {
    /// Reads every row once: normalises numbers, applies the filter and the suppression list,
    /// and finds duplicates. A row on which the filter's condition fails is left out and
    /// handed to `failed` with its line, in file order.
    pub fn scan(
        source: Source,
        address: Address,
        filter: Filter,
        region: Option<Region>,
        suppressed: &HashSet<u64>,
        mut failed: impl FnMut(u64, ConditionError),
    ) -> Result<Audience, AudienceError> {
        let named = [
            (filter.condition.is_some(), "`recipients.where`"),
            (!filter.tags.is_empty(), "`recipients.tags`"),
            (!filter.exclude.is_empty(), "`recipients.exclude_tags`"),
        ];
        let named: Vec<&str> = named.iter().filter(|(set, _)| *set).map(|(_, name)| *name).collect();
        let filter_name = (matches!(source, Source::Csv { .. }) && !named.is_empty()).then(|| named.join(" or "));
        let mut spool = SpoolWriter::new()?;
        let mut dedupe = Sorter::default();
        let mut counts = Counts::default();
        let mut undecided = 0;
        // Suppressed numbers seen, to tell a repeat of one (a duplicate) from its first line:
        // no more than the suppression list, which is in memory already.
        let (mut seen_suppressed, mut suppressed_repeats) = (HashSet::new(), 0);
        let mut judge = |line: u64, verdict: Verdict, spool: &mut SpoolWriter| -> Result<(), AudienceError> {
            match verdict {
                Verdict::Filtered => counts.filtered += 1,
                Verdict::Invalid | Verdict::Unreadable => counts.invalid += 1,
                Verdict::Suppressed(key) => {
                    if seen_suppressed.insert(key) {
                        counts.suppressed += 1;
                    } else {
                        suppressed_repeats += 1;
                    }
                    dedupe.push((key, line))?;
                }
                Verdict::Phone(key) | Verdict::Id(key) => {
                    counts.recipients += 1;
                    dedupe.push((key, line))?;
                }
            }
            Ok(spool.push(line, verdict)?)
        };
        let verdict = |raw: Option<&str>| match address {
            Address::Group | Address::Contact => {
                raw.map(str::trim).filter(|id| !id.is_empty()).map_or(Verdict::Invalid, |id| Verdict::Id(id_key(id)))
            }
            Address::Phone => match raw.map(|r| normalize(r, region)) {
                Some(Ok(p)) if suppressed.contains(&p.key()) => Verdict::Suppressed(p.key()),
                Some(Ok(p)) => Verdict::Phone(p.key()),
                _ => Verdict::Invalid,
            },
        };
        match &source {
            Source::Csv { path, phone, tags, headers } => {
                // Reading stays on this thread; numbers are normalised, and the condition
                // evaluated, on the others.
                let mut csv = CsvReader::open(path)?;
                let mut record = csv::ByteRecord::new();
                let width = if filter.condition.is_some() { headers.len() } else { 0 };
                let mut next = || -> Result<Option<ScanChunk>, AudienceError> {
                    let mut chunk = ScanChunk::default();
                    while chunk.rows.len() < SCAN_CHUNK {
                        let Some(row) = csv.next(&mut record)? else { break };
                        let scanned = if !csv_rows::is_utf8(row.fields) {
                            Scanned::Judged(Verdict::Unreadable)
                        } else if !tags.is_none_or(|t| filter.keeps(text(row.fields, t))) {
                            Scanned::Judged(Verdict::Filtered)
                        } else {
                            let phone = chunk.keep(text(row.fields, *phone));
                            let start = chunk.cells.len();
                            for i in 0..width {
                                let cell = chunk.keep(text(row.fields, i));
                                chunk.cells.push(cell);
                            }
                            Scanned::Row { phone, cells: start..chunk.cells.len() }
                        };
                        chunk.rows.push((row.line, scanned));
                    }
                    Ok((!chunk.rows.is_empty()).then_some(chunk))
                };
                let work = |chunk: ScanChunk| -> ScanResult {
                    let evaluator = filter.condition.as_ref().map(|c| c.evaluator());
                    let judged = |s: &Scanned| match s {
                        Scanned::Judged(v) => Ok(*v),
                        Scanned::Row { phone, cells } => {
                            let kept = evaluator.as_ref().map_or(Ok(true), |e| e.keeps(chunk.values(cells)))?;
                            Ok(if kept { verdict(phone.clone().map(|r| &chunk.text[r])) } else { Verdict::Filtered })
                        }
                    };
                    chunk.rows.iter().map(|(line, s)| (*line, judged(s))).collect()
                };
                crate::parallel::ordered(&mut next, work, |verdicts| {
                    verdicts.into_iter().try_for_each(|(line, v)| match v {
                        Ok(v) => judge(line, v, &mut spool),
                        Err(why) => {
                            failed(line, why);
                            undecided += 1;
                            Ok(spool.push(line, Verdict::Filtered)?)
                        }
                    })
                })?;
            }
            Source::List(list) => {
                for (i, raw) in list.iter().enumerate() {
                    judge(i as u64, verdict(Some(raw)), &mut spool)?;
                }
            }
            Source::ProviderTags(_) => counts.recipients = 1,
        }
        counts.undecided = undecided;
        let duplicates = Duplicates::find(dedupe)?;
        let repeats = duplicates.count as usize;
        // The repeats of suppressed numbers were never counted as recipients.
        counts.recipients -= repeats - suppressed_repeats;
        counts.duplicate = repeats;
        Ok(Audience { source, address, region, spool: spool.finish()?, duplicates, counts, filter: filter_name })
    }

    /// The CSV's column names (empty without a CSV).
    pub fn headers(&self) -> &[String] {
        match &self.source {
            Source::Csv { headers, .. } => headers,
            _ => &[],
        }
    }

    /// The country numbers without a country code are read in.
    pub fn region(&self) -> Option<Region> {
        self.region
    }

    /// Whether each recipient is one phone number (not a group, a contact id, or provider tags
    /// reached in one request).
    pub fn by_number(&self) -> bool {
        self.address == Address::Phone && !matches!(self.source, Source::ProviderTags(_))
    }

    /// The CSV file, when the audience is one.
    pub fn csv_path(&self) -> Option<&std::path::Path> {
        match &self.source {
            Source::Csv { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Every row, in file order, with its verdict.
    pub fn entries(&self) -> Result<Entries<'_>, AudienceError> {
        let rows = match &self.source {
            Source::Csv { path, .. } => Rows::Csv(Box::new(CsvReader::open(path)?), csv::ByteRecord::new()),
            Source::List(_) => Rows::List(0),
            Source::ProviderTags(_) => Rows::Tags(false),
        };
        let duplicates = self.duplicates.reader();
        Ok(Entries { audience: self, rows, spool: self.spool.reader(), duplicates, queued: None })
    }
}

/// One row of the audience, as later passes see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// Someone to send to.
    Recipient(Recipient),
    /// A row left out, and why.
    Skipped(Skipped),
    /// A row the filter (tags, `where`) leaves out.
    Filtered {
        /// Where the row is.
        origin: Origin,
        /// Its address as written, if it has one.
        raw: Option<String>,
    },
    /// The row that follows has `fields` fields where the header has a different number
    /// (missing cells are empty; extra cells are ignored).
    Ragged {
        /// The line.
        line: u64,
        /// Fields found.
        fields: usize,
    },
}

/// The rows of an audience, in order. See [`Audience::entries`].
pub struct Entries<'a> {
    audience: &'a Audience,
    rows: Rows,
    spool: SpoolReader,
    /// The rows that repeat an earlier row's number.
    duplicates: DuplicateReader,
    /// A row held back while its [`Entry::Ragged`] notice goes first.
    queued: Option<Entry>,
}

enum Rows {
    Csv(Box<CsvReader>, csv::ByteRecord),
    List(usize),
    Tags(bool),
}

impl Iterator for Entries<'_> {
    type Item = Result<Entry, AudienceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(entry) = self.queued.take() {
            return Some(Ok(entry));
        }
        self.next_entry().transpose()
    }
}

impl Entries<'_> {
    fn next_entry(&mut self) -> Result<Option<Entry>, AudienceError> {
        let a = self.audience;
        let (origin, raw, values, ragged) = match (&mut self.rows, &a.source) {
            (Rows::Csv(csv, record), Source::Csv { headers, phone, .. }) => {
                let Some(row) = csv.next(record)? else { return self.end() };
                let width = headers.len();
                let ragged =
                    (row.fields.len() != width).then_some(Entry::Ragged { line: row.line, fields: row.fields.len() });
                let values = csv_rows::values(row.fields, width).ok();
                let raw = values.as_ref().and_then(|v| v[*phone].clone());
                (Origin::CsvLine(row.line), raw, values, ragged)
            }
            (Rows::List(i), Source::List(list)) => {
                let Some(raw) = list.get(*i) else { return self.end() };
                *i += 1;
                let origin = match a.address {
                    Address::Phone => Origin::ListItem(*i - 1),
                    Address::Group | Address::Contact => Origin::GroupItem(*i - 1),
                };
                (origin, Some(raw.clone()), Some(vec![]), None)
            }
            (Rows::Tags(done), Source::ProviderTags(bulk)) => {
                if std::mem::replace(done, true) {
                    return Ok(None);
                }
                let target = Target::Tags(bulk.clone());
                return Ok(Some(Entry::Recipient(Recipient {
                    target,
                    origin: Origin::ProviderTags,
                    values: Arc::from([]),
                })));
            }
            _ => return Ok(None),
        };
        let entry = self.judge(origin, raw, values)?;
        Ok(Some(match ragged {
            Some(notice) => {
                self.queued = Some(entry);
                notice
            }
            None => entry,
        }))
    }

    /// The end of the rows, which must also be the end of the spool.
    fn end(&mut self) -> Result<Option<Entry>, AudienceError> {
        match self.spool.next()? {
            None => Ok(None),
            Some(_) => Err(self.changed()),
        }
    }

    fn changed(&self) -> AudienceError {
        AudienceError::Changed(self.audience.csv_path().map(std::path::Path::to_path_buf).unwrap_or_default())
    }

    /// The row's entry, from its spooled verdict.
    fn judge(
        &mut self,
        origin: Origin,
        raw: Option<String>,
        values: Option<Vec<Option<String>>>,
    ) -> Result<Entry, AudienceError> {
        let position = match origin {
            Origin::CsvLine(l) => l,
            Origin::ListItem(i) | Origin::GroupItem(i) => i as u64,
            // Seeds are not rows of the audience; they never come through here.
            Origin::ProviderTags | Origin::Seed(_) => 0,
        };
        let Some((line, verdict)) = self.spool.next()? else { return Err(self.changed()) };
        if line != position as u32 {
            return Err(self.changed());
        }
        let region = self.audience.region;
        let skipped = |recipient: String, reason| Entry::Skipped(Skipped { recipient, origin, reason });
        Ok(match (verdict, values) {
            (Verdict::Filtered, _) => Entry::Filtered { origin, raw },
            (Verdict::Unreadable, _) => skipped(String::new(), SkipReason::Unreadable),
            (Verdict::Invalid, Some(_)) if self.audience.address == Address::Group => {
                skipped(String::new(), SkipReason::NoGroup)
            }
            (Verdict::Invalid, Some(_)) if self.audience.address == Address::Contact => {
                skipped(String::new(), SkipReason::NoContact)
            }
            (Verdict::Id(key), Some(values)) => {
                let id = raw.map(|r| r.trim().to_string()).filter(|id| id_key(id) == key);
                let Some(id) = id else { return Err(self.changed()) };
                if let Some(first) = self.duplicates.first_of(position)? {
                    return Ok(skipped(id, SkipReason::Duplicate { first: origin.at(first) }));
                }
                let target =
                    if self.audience.address == Address::Contact { Target::Contact(id) } else { Target::Group(id) };
                Entry::Recipient(Recipient { target, origin, values: values.into() })
            }
            (Verdict::Invalid, Some(_)) => match raw.as_deref().map(|r| normalize(r, region)) {
                None => skipped(String::new(), SkipReason::NoPhone),
                Some(Err(e)) => skipped(raw.unwrap_or_default(), SkipReason::InvalidPhone(e)),
                Some(Ok(_)) => return Err(self.changed()),
            },
            (Verdict::Suppressed(key), Some(_)) => {
                let phone = Phone::from_key(key);
                if let Some(first) = self.duplicates.first_of(position)? {
                    return Ok(skipped(phone.to_string(), SkipReason::Duplicate { first: origin.at(first) }));
                }
                skipped(phone.to_string(), SkipReason::Suppressed)
            }
            (Verdict::Phone(key), Some(values)) => {
                let phone = Phone::from_key(key);
                if let Some(first) = self.duplicates.first_of(position)? {
                    return Ok(skipped(phone.to_string(), SkipReason::Duplicate { first: origin.at(first) }));
                }
                Entry::Recipient(Recipient { target: Target::Phone(phone), origin, values: values.into() })
            }
            (_, None) => return Err(self.changed()),
        })
    }
}

impl ScanChunk {
    /// Keeps a non-empty field in the chunk's text; where it is.
    fn keep(&mut self, field: Option<&str>) -> Option<Range<usize>> {
        let field = field.filter(|f| !f.is_empty())?;
        let start = self.text.len();
        self.text.push_str(field);
        Some(start..self.text.len())
    }

    /// A row's values for the condition, as templates see them (see [`csv_rows::values`]).
    fn values(&self, cells: &Range<usize>) -> Arc<[Option<String>]> {
        self.cells[cells.clone()].iter().map(|cell| cell.clone().map(|r| self.text[r].to_string())).collect()
    }
}

/// An id's key for finding duplicates: 63 bits of its hash (see [`Verdict::Id`]).
fn id_key(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish() >> 1
}

/// A field known to be UTF-8, trimmed.
fn text(fields: &csv::ByteRecord, i: usize) -> Option<&str> {
    fields.get(i).and_then(|f| std::str::from_utf8(f).ok()).map(str::trim)
}
