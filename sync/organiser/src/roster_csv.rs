//! Roster import from a CSV file as spreadsheets really export it.
//!
//! Accepts UTF-8 with or without a byte-order mark and Windows-1252 (Excel's « CSV (séparateur:
//! point-virgule) »), `;`, `,` or tab separators, quoted fields, and headers in French or English
//! (nom, prénom, courriel, collectif / name, first_name, email, group, with an optional weight
//! column « poids » / weight). Every rejected line is reported with its line number and reason;
//! the caller decides whether to import nothing or to skip the bad lines.

use std::collections::BTreeMap;

use urne_core::event::{Member, Roster};
use urne_core::ids::MemberId;
use urne_core::rand_core::{CryptoRng, Rng};
use urne_core::tally::Lang;

/// Why one line was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// The family name is empty.
    MissingLastName,
    /// The e-mail address is not an address.
    BadEmail(String),
    /// The same person appears on an earlier line.
    Duplicate {
        /// The earlier line.
        first_line: u64,
    },
    /// More fields than the header.
    TooManyFields {
        /// Fields on the line.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// Fewer fields than the header.
    TooFewFields {
        /// Fields on the line.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// The weight is not a positive whole number.
    BadWeight(String),
    /// The member id is not 32 hexadecimal digits, or repeats an earlier one.
    BadId(String),
}

/// A rejected line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// Why.
    pub problem: RowProblem,
}

impl RowError {
    /// The message shown to the organiser.
    pub fn message(&self, lang: Lang) -> String {
        let line = self.line;
        match (&self.problem, lang) {
            (RowProblem::MissingLastName, Lang::Fr) => format!("ligne {line} : le nom est vide"),
            (RowProblem::MissingLastName, Lang::En) => {
                format!("line {line}: the family name is empty")
            }
            (RowProblem::BadEmail(e), Lang::Fr) => {
                format!("ligne {line} : « {e} » n'est pas une adresse électronique")
            }
            (RowProblem::BadEmail(e), Lang::En) => {
                format!("line {line}: « {e} » is not an e-mail address")
            }
            (RowProblem::Duplicate { first_line }, Lang::Fr) => {
                format!("ligne {line} : doublon de la ligne {first_line}")
            }
            (RowProblem::Duplicate { first_line }, Lang::En) => {
                format!("line {line}: duplicate of line {first_line}")
            }
            (RowProblem::TooManyFields { found, expected }, Lang::Fr) => format!(
                "ligne {line} : {found} colonnes au lieu de {expected} (colonne en trop, ou séparateur dans un champ non entouré de guillemets)"
            ),
            (RowProblem::TooManyFields { found, expected }, Lang::En) => format!(
                "line {line}: {found} columns instead of {expected} (an extra column, or a separator inside an unquoted field)"
            ),
            (RowProblem::TooFewFields { found, expected }, Lang::Fr) => {
                format!("ligne {line} : {found} colonne(s) au lieu de {expected}")
            }
            (RowProblem::TooFewFields { found, expected }, Lang::En) => {
                format!("line {line}: {found} column(s) instead of {expected}")
            }
            (RowProblem::BadWeight(w), Lang::Fr) => {
                format!("ligne {line} : le poids « {w} » n'est pas un entier positif")
            }
            (RowProblem::BadWeight(w), Lang::En) => {
                format!("line {line}: the weight « {w} » is not a positive whole number")
            }
            (RowProblem::BadId(id), Lang::Fr) => {
                format!("ligne {line} : l'identifiant « {id} » est invalide ou déjà utilisé")
            }
            (RowProblem::BadId(id), Lang::En) => {
                format!("line {line}: the id « {id} » is invalid or already used")
            }
        }
    }
}

/// Why the file as a whole could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterFileError {
    /// No header line.
    #[error("the file is empty")]
    Empty,
    /// The header has no family-name column.
    #[error("no family-name column (nom / name) in the header: {0}")]
    NoNameColumn(String),
    /// A column appears twice.
    #[error("the column « {0} » appears twice in the header")]
    DuplicateColumn(String),
    /// The CSV structure itself is broken (an unclosed quote, …).
    #[error("line {line}: {reason}")]
    Broken {
        /// Line number.
        line: u64,
        /// Why.
        reason: String,
    },
}

impl RosterFileError {
    /// The message shown to the organiser.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (RosterFileError::Empty, Lang::Fr) => "le fichier est vide".into(),
            (RosterFileError::NoNameColumn(h), Lang::Fr) => {
                format!("aucune colonne « nom » (ou « name ») dans l'en-tête : {h}")
            }
            (RosterFileError::DuplicateColumn(c), Lang::Fr) => {
                format!("la colonne « {c} » apparaît deux fois dans l'en-tête")
            }
            (RosterFileError::Broken { line, reason }, Lang::Fr) => {
                format!("ligne {line} : fichier CSV illisible ({reason})")
            }
        }
    }
}

/// A line that was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// Line number.
    pub line: u64,
    /// Family name.
    pub last_name: String,
    /// Given name.
    pub first_name: String,
    /// E-mail address, if given (used for sending badges; never put in a package).
    pub email: Option<String>,
    /// Collective.
    pub group: Option<String>,
    /// Voting weight.
    pub weight: u32,
    /// A member id kept from an earlier import, if the file has an id column.
    pub id: Option<MemberId>,
}

/// The outcome of reading a roster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterImport {
    /// Accepted lines.
    pub rows: Vec<RosterRow>,
    /// Rejected lines.
    pub errors: Vec<RowError>,
    /// `UTF-8` or `Windows-1252`.
    pub encoding: &'static str,
    /// The separator found.
    pub delimiter: char,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    LastName,
    FirstName,
    Email,
    Group,
    Weight,
    Id,
}

fn fold(text: &str) -> String {
    urne_codec::slug::slugify(text)
}

fn column(header: &str) -> Option<Column> {
    match fold(header).as_str() {
        "nom" | "name" | "last-name" | "lastname" | "surname" | "family-name"
        | "nom-de-famille" => Some(Column::LastName),
        "prenom" | "first-name" | "firstname" | "given-name" => Some(Column::FirstName),
        "courriel" | "email" | "e-mail" | "mail" | "adresse-electronique" | "adresse-mail" => {
            Some(Column::Email)
        }
        "collectif" | "group" | "groupe" | "organisation" | "organization" | "association" => {
            Some(Column::Group)
        }
        "poids" | "weight" | "mandats" => Some(Column::Weight),
        "identifiant" | "id" | "member-id" => Some(Column::Id),
        _ => None,
    }
}

/// Decodes the bytes: UTF-8 (a BOM is dropped) when valid, Windows-1252 otherwise.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), "Windows-1252")
        }
    }
}

/// Picks the separator that splits the header line into the most fields.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b';')
}

fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

/// Reads a roster file.
pub fn read(bytes: &[u8]) -> Result<RosterImport, RosterFileError> {
    let (text, encoding) = decode(bytes);
    if text.trim().is_empty() {
        return Err(RosterFileError::Empty);
    }
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines = Lines::new(&text);
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(RosterFileError::Empty),
        Some(r) => r.map_err(|e| broken(&e, &lines))?,
    };
    let mut columns: BTreeMap<Column, usize> = BTreeMap::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(c) = column(name)
            && columns.insert(c, i).is_some()
        {
            return Err(RosterFileError::DuplicateColumn(name.trim().to_owned()));
        }
    }
    if !columns.contains_key(&Column::LastName) {
        return Err(RosterFileError::NoNameColumn(
            header.iter().collect::<Vec<_>>().join(", "),
        ));
    }
    let expected = header.len();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut seen_ids: BTreeMap<MemberId, u64> = BTreeMap::new();
    for record in records {
        let record = record.map_err(|e| broken(&e, &lines))?;
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let reject = |problem| RowError { line, problem };
        if record.len() > expected {
            errors.push(reject(RowProblem::TooManyFields {
                found: record.len(),
                expected,
            }));
            continue;
        }
        if record.len() < expected {
            errors.push(reject(RowProblem::TooFewFields {
                found: record.len(),
                expected,
            }));
            continue;
        }
        let get = |c: Column| -> String {
            columns
                .get(&c)
                .and_then(|i| record.get(*i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let last_name = get(Column::LastName);
        let first_name = get(Column::FirstName);
        let email = Some(get(Column::Email)).filter(|e| !e.is_empty());
        let group = Some(get(Column::Group)).filter(|g| !g.is_empty());
        if last_name.is_empty() {
            errors.push(reject(RowProblem::MissingLastName));
            continue;
        }
        if let Some(e) = &email
            && !plausible_email(e)
        {
            errors.push(reject(RowProblem::BadEmail(e.clone())));
            continue;
        }
        let weight_text = get(Column::Weight);
        let weight = if weight_text.is_empty() {
            1
        } else {
            match weight_text.parse::<u32>() {
                Ok(w) if w > 0 => w,
                _ => {
                    errors.push(reject(RowProblem::BadWeight(weight_text)));
                    continue;
                }
            }
        };
        let id_text = get(Column::Id);
        let id = if id_text.is_empty() {
            None
        } else {
            match MemberId::parse(&id_text) {
                Ok(id) if !seen_ids.contains_key(&id) => Some(id),
                _ => {
                    errors.push(reject(RowProblem::BadId(id_text)));
                    continue;
                }
            }
        };
        // The same address, or the same name when there is no address, is the same person.
        let key = match &email {
            Some(e) => format!("@{}", e.to_lowercase()),
            None => format!("{}|{}", fold(&last_name), fold(&first_name)),
        };
        if let Some(first_line) = seen.get(&key) {
            errors.push(reject(RowProblem::Duplicate {
                first_line: *first_line,
            }));
            continue;
        }
        seen.insert(key, line);
        if let Some(id) = id {
            seen_ids.insert(id, line);
        }
        rows.push(RosterRow {
            line,
            last_name,
            first_name,
            email,
            group,
            weight,
            id,
        });
    }
    Ok(RosterImport {
        rows,
        errors,
        encoding,
        delimiter: char::from(delimiter),
    })
}

fn broken(e: &csv::Error, lines: &Lines<'_>) -> RosterFileError {
    RosterFileError::Broken {
        line: e.position().map_or(0, |p| lines.line_at(p.byte())),
        reason: e.to_string(),
    }
}

/// Line numbers as the organiser's spreadsheet or text editor shows them.
///
/// The csv crate's own line numbers are off with the Windows line ends that Excel writes: it
/// counts only `\n`, and a record's position is taken before the `\n` of the previous record's
/// `\r\n`, so every line after the header was reported one too low. Lines are counted here from
/// the record's byte offset instead, with `\r\n`, `\n` and a lone `\r` (old Mac exports) each
/// ending one line.
struct Lines<'a> {
    text: &'a [u8],
    /// The byte offset where each line starts; line n (1-based) starts at `starts[n - 1]`.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'\r' if text.get(i + 1) == Some(&b'\n') => {
                    i += 2;
                    starts.push(i);
                }
                b'\r' | b'\n' => {
                    i += 1;
                    starts.push(i);
                }
                _ => i += 1,
            }
        }
        Self { text, starts }
    }

    /// The line of the record that the reader says starts at `byte`: line ends the reader had
    /// not consumed yet are skipped (a record never starts with one: empty lines are no
    /// records).
    fn line_at(&self, byte: u64) -> u64 {
        let mut at = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while at < self.text.len() && matches!(self.text[at], b'\r' | b'\n') {
            at += 1;
        }
        let line = self.starts.partition_point(|&start| start <= at);
        u64::try_from(line).unwrap_or(u64::MAX)
    }
}

impl RosterImport {
    /// The roster, giving each member without an id a fresh random one.
    pub fn into_roster<R: Rng + CryptoRng + ?Sized>(&self, rng: &mut R) -> Roster {
        Roster {
            members: self
                .rows
                .iter()
                .map(|row| Member {
                    id: row.id.unwrap_or_else(|| MemberId::random(rng)),
                    last_name: row.last_name.clone(),
                    first_name: row.first_name.clone(),
                    group: row.group.clone(),
                    weight: row.weight,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_and_bom_are_decoded() {
        let (text, enc) = decode(b"\xEF\xBB\xBFNom;Pr\xC3\xA9nom\n");
        assert_eq!((text.as_str(), enc), ("Nom;Prénom\n", "UTF-8"));
        let (text, enc) = decode(b"Nom;Pr\xE9nom\n");
        assert_eq!((text.as_str(), enc), ("Nom;Prénom\n", "Windows-1252"));
    }

    #[test]
    fn a_separator_inside_quotes_is_not_a_column() {
        let import =
            read("Nom;Prénom;Collectif\nDurand;Léa;\"Centre social; annexe\"\n".as_bytes())
                .unwrap();
        assert!(import.errors.is_empty());
        assert_eq!(
            import.rows[0].group.as_deref(),
            Some("Centre social; annexe")
        );
    }

    #[test]
    fn line_numbers_are_right_whatever_the_line_ends() {
        // Line 3 is a duplicate of line 2, line 5 has no family name (line 4 is empty).
        for end in ["\n", "\r\n", "\r"] {
            let text = [
                "Nom;Prénom",
                "Durand;Léa",
                "Durand;Léa",
                "",
                ";Jean",
                "Roux;Zoé",
            ]
            .join(end)
                + end;
            let import = read(text.as_bytes()).unwrap();
            let problems: Vec<(u64, RowProblem)> = import
                .errors
                .iter()
                .map(|e| (e.line, e.problem.clone()))
                .collect();
            assert_eq!(
                problems,
                [
                    (3, RowProblem::Duplicate { first_line: 2 }),
                    (5, RowProblem::MissingLastName)
                ],
                "{end:?}"
            );
            let lines: Vec<u64> = import.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 6], "{end:?}");
        }
    }

    #[test]
    fn a_quoted_field_over_two_lines_is_counted_from_its_first_line() {
        for end in ["\n", "\r\n"] {
            let text = format!(
                "Nom;Prénom;Collectif{end}Durand;Léa;\"Centre social{end}annexe\"{end};Jean;{end}"
            );
            let import = read(text.as_bytes()).unwrap();
            assert_eq!(import.rows[0].line, 2, "{end:?}");
            assert_eq!(import.errors[0].line, 4, "{end:?}");
        }
    }

    #[test]
    fn english_headers_with_commas() {
        let import = read(b"name,first_name,email,group\nSmith,Ann,ann@example.org,\n").unwrap();
        assert_eq!(import.delimiter, ',');
        assert_eq!(import.rows[0].first_name, "Ann");
        assert_eq!(import.rows[0].group, None);
    }
}
