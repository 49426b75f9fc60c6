//! PrefLib files of orders (`.soc`, `.soi`, `.toc`, `.toi`, the format used by preflib.org
//! since 2022) read as a ranking poll counted by Schulze.
//!
//! * Metadata lines `# KEY: value` give the title (`TITLE`), the kind of orders (`DATA TYPE`),
//!   the number of alternatives (`NUMBER ALTERNATIVES`) and their names
//!   (`ALTERNATIVE NAME i`); `NUMBER VOTERS` and `NUMBER UNIQUE ORDERS`, when present, must
//!   match the data, so that a truncated file is refused rather than counted.
//! * Data lines `count: order` list alternatives from most to least preferred; `{a,b}` puts
//!   alternatives in a tie. Alternatives missing from an incomplete order (`.soi`, `.toi`) rank
//!   below all the ranked ones, tied among themselves: exactly Urne's ranking ballot.
//! * Alternative `i` becomes the candidate `a{i}` (`a1`, `a2`, …), labelled with its name.
//!   Numbers rather than slugs of the names, because names may be long, non-ASCII, or equal
//!   once slugged; the labels keep the names for people.
//! * `count` becomes the ballot's weight (so it must fit in 32 bits).
//!
//! `.soc` and `.soi` must not have ties, `.soc` and `.toc` must rank every alternative; the
//! kind comes from `DATA TYPE`, or else from the file's extension, or else is `.toi` (the most
//! general). The format from before 2022 (a bare count of candidates on the first line) is
//! refused with a message saying so.

use std::collections::BTreeMap;

use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::ids::{OptionId, PollId};
use urne_core::poll::{Poll, PollKind, PollOption};

use super::{FileError, Parsed, Problem, slug};

/// The most alternatives read from a file: Schulze's strongest paths take `n³` steps, and
/// the point of counting a file is to read the result in the hall, not overnight.
pub const MAX_ALTERNATIVES: usize = 1000;

/// The four kinds of orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    /// Strict orders, complete.
    Soc,
    /// Strict orders, incomplete.
    Soi,
    /// Orders with ties, complete.
    Toc,
    /// Orders with ties, incomplete.
    Toi,
}

impl OrderKind {
    /// From an extension or a `DATA TYPE` (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "soc" => Some(OrderKind::Soc),
            "soi" => Some(OrderKind::Soi),
            "toc" => Some(OrderKind::Toc),
            "toi" => Some(OrderKind::Toi),
            _ => None,
        }
    }

    /// `soc`, `soi`, `toc` or `toi`.
    pub fn name(self) -> &'static str {
        match self {
            OrderKind::Soc => "soc",
            OrderKind::Soi => "soi",
            OrderKind::Toc => "toc",
            OrderKind::Toi => "toi",
        }
    }

    fn strict(self) -> bool {
        matches!(self, OrderKind::Soc | OrderKind::Soi)
    }

    fn complete(self) -> bool {
        matches!(self, OrderKind::Soc | OrderKind::Toc)
    }
}

/// One data line before it is checked against the alternatives.
struct DataLine {
    line: u64,
    count: u32,
    tiers: Vec<Vec<u64>>,
}

/// A metadata value and its line.
type Meta = Option<(u64, String)>;

fn set_once(slot: &mut Meta, line: u64, key: &str, value: &str) -> Result<(), FileError> {
    if slot.is_some() {
        return Err(FileError::line(
            line,
            Problem::DuplicateMetadata(key.to_owned()),
        ));
    }
    *slot = Some((line, value.to_owned()));
    Ok(())
}

fn number(line: u64, text: &str) -> Result<u64, FileError> {
    super::whole(text).ok_or_else(|| FileError::line(line, Problem::NotANumber(text.to_owned())))
}

/// Reads a PrefLib file; `named` is the kind its extension gives, if any.
pub fn parse(text: &str, named: Option<OrderKind>) -> Result<Parsed, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut read = Lines::default();
    for (line, raw) in (1u64..).zip(text.lines()) {
        let content = raw.trim();
        if content.is_empty() {
            continue;
        }
        if let Some(meta) = content.strip_prefix('#') {
            read.metadata(line, meta)?;
        } else {
            read.data_line(line, content)?;
        }
    }
    let kind = read.kind(named)?;
    let (ids, candidates) = read.alternatives()?;
    let ballots = read.ballots(kind, &ids)?;
    let poll = Poll {
        id: read.poll_id(),
        question: read.question(),
        kind: PollKind::Ranking { candidates },
    };
    poll.validate()
        .map_err(|e| FileError::File(Problem::Poll(e)))?;
    for (b, d) in ballots.iter().zip(&read.data) {
        // Checked above already; this keeps the parser honest if Urne's rules grow.
        b.validate(&poll)
            .map_err(|e| FileError::line(d.line, Problem::Ballot(e)))?;
    }
    Ok((poll, ballots))
}

/// What a file's lines say, each line read in turn and checked on its own; [`parse`] then
/// checks them against each other.
#[derive(Default)]
struct Lines {
    file_name: Meta,
    title: Meta,
    data_type: Meta,
    alternatives: Meta,
    voters: Meta,
    unique: Meta,
    names: BTreeMap<u64, (u64, String)>,
    data: Vec<DataLine>,
}

impl Lines {
    /// A `#` line (`meta` follows the `#`).
    fn metadata(&mut self, line: u64, meta: &str) -> Result<(), FileError> {
        // A `#` line without a colon is a comment.
        let Some((key, value)) = meta.split_once(':') else {
            return Ok(());
        };
        let key = key.trim().to_ascii_uppercase();
        let value = value.trim();
        match key.as_str() {
            "FILE NAME" => set_once(&mut self.file_name, line, &key, value)?,
            "TITLE" => set_once(&mut self.title, line, &key, value)?,
            "DATA TYPE" => set_once(&mut self.data_type, line, &key, value)?,
            "NUMBER ALTERNATIVES" => {
                set_once(&mut self.alternatives, line, &key, value)?;
                let n = number(line, value)?;
                if n > MAX_ALTERNATIVES as u64 {
                    return Err(FileError::line(
                        line,
                        Problem::TooManyAlternatives {
                            found: n,
                            max: MAX_ALTERNATIVES,
                        },
                    ));
                }
            }
            "NUMBER VOTERS" => set_once(&mut self.voters, line, &key, value)?,
            "NUMBER UNIQUE ORDERS" => set_once(&mut self.unique, line, &key, value)?,
            other => {
                if let Some(index) = other.strip_prefix("ALTERNATIVE NAME") {
                    let i = number(line, index.trim())?;
                    if i > MAX_ALTERNATIVES as u64 {
                        return Err(FileError::line(
                            line,
                            Problem::TooManyAlternatives {
                                found: i,
                                max: MAX_ALTERNATIVES,
                            },
                        ));
                    }
                    if self.names.insert(i, (line, value.to_owned())).is_some() {
                        return Err(FileError::line(line, Problem::DuplicateMetadata(key)));
                    }
                }
                // Other metadata (DESCRIPTION, PUBLICATION DATE, …) says nothing about
                // the count.
            }
        }
        Ok(())
    }

    /// A `count: order` line.
    fn data_line(&mut self, line: u64, content: &str) -> Result<(), FileError> {
        let Some((count, order)) = content.split_once(':') else {
            // The format before 2022 opens with the number of candidates and `1,Name` lines.
            let legacy =
                self.alternatives.is_none() && self.names.is_empty() && self.data.is_empty();
            return Err(FileError::line(
                line,
                if legacy {
                    Problem::LegacyPreflib
                } else {
                    Problem::NotADataLine
                },
            ));
        };
        let count = parse_count(count.trim()).map_err(|p| FileError::line(line, p))?;
        let tiers = parse_order(order).map_err(|reason| {
            FileError::line(
                line,
                Problem::BadOrder {
                    order: shorten(order.trim()),
                    reason,
                },
            )
        })?;
        self.data.push(DataLine { line, count, tiers });
        Ok(())
    }

    /// The kind of orders: the declared `DATA TYPE`, which must agree with the extension's.
    fn kind(&self, named: Option<OrderKind>) -> Result<OrderKind, FileError> {
        Ok(match &self.data_type {
            Some((line, declared)) => {
                let kind = OrderKind::from_name(declared)
                    .ok_or_else(|| FileError::line(*line, Problem::DataType(declared.clone())))?;
                if let Some(named) = named
                    && named != kind
                {
                    return Err(FileError::line(
                        *line,
                        Problem::DataTypeConflict {
                            named: named.name().to_owned(),
                            declared: declared.clone(),
                        },
                    ));
                }
                kind
            }
            None => named.unwrap_or(OrderKind::Toi),
        })
    }

    /// The alternatives `a1`…`an`, with their names when the file gives them.
    fn alternatives(&self) -> Result<(Vec<OptionId>, Vec<PollOption>), FileError> {
        let n = match &self.alternatives {
            Some((line, value)) => number(*line, value)?,
            None => self.names.keys().next_back().copied().unwrap_or(0),
        };
        if n == 0 {
            return Err(FileError::File(Problem::NoAlternatives));
        }
        let count = usize::try_from(n).unwrap_or(usize::MAX);
        for (&i, (line, _)) in &self.names {
            if i == 0 || i > n {
                return Err(FileError::line(
                    *line,
                    Problem::UnknownAlternative { found: i, count },
                ));
            }
        }
        let ids: Vec<OptionId> = (1..=n)
            .map(|i| OptionId::new(format!("a{i}")).expect("a followed by digits is a slug"))
            .collect();
        let candidates: Vec<PollOption> = (1..=n)
            .zip(&ids)
            .map(|(i, id)| PollOption {
                id: id.clone(),
                label: self
                    .names
                    .get(&i)
                    .map(|(_, name)| name.trim())
                    .filter(|name| !name.is_empty())
                    .map_or_else(|| format!("Alternative {i}"), str::to_owned),
            })
            .collect();
        Ok((ids, candidates))
    }

    /// Every data line as a weighted ballot, and the declared totals checked against them.
    fn ballots(&self, kind: OrderKind, ids: &[OptionId]) -> Result<Vec<WeightedBallot>, FileError> {
        let mut ballots = Vec::with_capacity(self.data.len());
        let mut total: u64 = 0;
        for d in &self.data {
            let ballot = check_order(d, kind, ids).map_err(|p| FileError::line(d.line, p))?;
            total = total.saturating_add(u64::from(d.count));
            ballots.push(WeightedBallot {
                ballot,
                weight: d.count,
            });
        }
        for (declared, what, found) in [
            (&self.voters, "voters", total),
            (&self.unique, "unique orders", self.data.len() as u64),
        ] {
            if let Some((line, value)) = declared {
                let declared = number(*line, value)?;
                if declared != found {
                    return Err(FileError::line(
                        *line,
                        Problem::Mismatch {
                            what,
                            declared,
                            found,
                        },
                    ));
                }
            }
        }
        Ok(ballots)
    }

    /// The poll's id: the file name's stem as a slug, or `preflib`.
    fn poll_id(&self) -> PollId {
        let stem = self
            .file_name
            .as_ref()
            .map(|(_, f)| f.rsplit_once('.').map_or(f.as_str(), |(stem, _)| stem));
        stem.and_then(|s| slug(s, PollId::MAX_LEN))
            .and_then(|s| PollId::new(s).ok())
            .unwrap_or_else(|| PollId::new("preflib").expect("a valid slug"))
    }

    /// The poll's question: the title, or the file name, or `PrefLib`.
    fn question(&self) -> String {
        [&self.title, &self.file_name]
            .into_iter()
            .flatten()
            .map(|(_, t)| t.trim())
            .find(|t| !t.is_empty())
            .unwrap_or("PrefLib")
            .to_owned()
    }
}

/// Checks one order against the alternatives and the kind of file, and makes it a ballot.
fn check_order(d: &DataLine, kind: OrderKind, ids: &[OptionId]) -> Result<Ballot, Problem> {
    let n = ids.len();
    let mut seen = vec![false; n];
    let mut ranked = 0usize;
    let mut tiers = Vec::with_capacity(d.tiers.len());
    for tier in &d.tiers {
        if kind.strict() && tier.len() > 1 {
            return Err(Problem::TieInStrictOrder(kind.name()));
        }
        let mut out = Vec::with_capacity(tier.len());
        for &a in tier {
            let index = usize::try_from(a)
                .ok()
                .filter(|&i| (1..=n).contains(&i))
                .ok_or(Problem::UnknownAlternative { found: a, count: n })?;
            if std::mem::replace(&mut seen[index - 1], true) {
                return Err(Problem::RankedTwice(a));
            }
            ranked += 1;
            out.push(ids[index - 1].clone());
        }
        tiers.push(out);
    }
    if kind.complete() && ranked < n {
        return Err(Problem::IncompleteOrder {
            kind: kind.name(),
            missing: n - ranked,
        });
    }
    // An empty incomplete order ranks nobody: a blank ballot.
    Ok(if tiers.is_empty() {
        Ballot::Blank
    } else {
        Ballot::Ranking(tiers)
    })
}

fn parse_count(text: &str) -> Result<u32, Problem> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::NotANumber(shorten(text)));
    }
    match text.parse::<u64>() {
        Ok(0) => Err(Problem::ZeroCount),
        Ok(n) => u32::try_from(n).map_err(|_| Problem::CountOverflow(text.to_owned())),
        Err(_) => Err(Problem::CountOverflow(shorten(text))),
    }
}

/// At most 60 characters of a piece of input, for messages.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(57).collect();
        s.push('…');
        s
    }
}

/// `2, 1, {3, 4}` → `[[2], [1], [3, 4]]`; an empty order is an empty list.
fn parse_order(order: &str) -> Result<Vec<Vec<u64>>, &'static str> {
    let bytes = order.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let read_number = |i: &mut usize| -> Result<u64, &'static str> {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        if start == *i {
            return Err("expected an alternative number");
        }
        order[start..*i]
            .parse()
            .map_err(|_| "an alternative number is too large")
    };
    let mut tiers = Vec::new();
    skip(&mut i);
    if i == bytes.len() {
        return Ok(tiers);
    }
    loop {
        skip(&mut i);
        if bytes.get(i) == Some(&b'{') {
            i += 1;
            let mut tier = Vec::new();
            loop {
                skip(&mut i);
                tier.push(read_number(&mut i)?);
                skip(&mut i);
                match bytes.get(i) {
                    Some(b',') => i += 1,
                    Some(b'}') => {
                        i += 1;
                        break;
                    }
                    _ => return Err("expected ',' or '}' inside a tie"),
                }
            }
            tiers.push(tier);
        } else {
            tiers.push(vec![read_number(&mut i)?]);
        }
        skip(&mut i);
        match bytes.get(i) {
            None => return Ok(tiers),
            Some(b',') => i += 1,
            Some(_) => return Err("expected ',' between alternatives"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> OptionId {
        OptionId::new(s).unwrap()
    }

    #[test]
    fn orders_with_ties_and_spaces_parse() {
        assert_eq!(
            parse_order(" 3, 1 ,{2, 4}").unwrap(),
            vec![vec![3], vec![1], vec![2, 4]]
        );
        assert_eq!(parse_order("  ").unwrap(), Vec::<Vec<u64>>::new());
        assert!(parse_order("1,,2").is_err());
        assert!(parse_order("{}").is_err());
        assert!(parse_order("{1,2").is_err());
        assert!(parse_order("1 2").is_err());
        assert!(parse_order("1,").is_err());
        assert!(parse_order("99999999999999999999999").is_err());
    }

    #[test]
    fn an_incomplete_order_leaves_the_others_tied_below() {
        let text = "# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 4\n# ALTERNATIVE NAME 2: Bob\n\
                    3: {1,2},3\n1:\n";
        let (poll, ballots) = parse(text, None).unwrap();
        assert_eq!(poll.id.as_str(), "preflib");
        assert_eq!(poll.kind.label_of(&id("a2")), Some("Bob"));
        assert_eq!(poll.kind.label_of(&id("a1")), Some("Alternative 1"));
        assert_eq!(
            ballots[0],
            WeightedBallot {
                ballot: Ballot::Ranking(vec![vec![id("a1"), id("a2")], vec![id("a3")]]),
                weight: 3
            }
        );
        assert_eq!(ballots[1].ballot, Ballot::Blank);
    }

    #[test]
    fn kinds_are_enforced() {
        let head = "# NUMBER ALTERNATIVES: 3\n";
        let tie = format!("{head}1: {{1,2}},3\n");
        assert!(matches!(
            parse(&tie, Some(OrderKind::Soc)),
            Err(FileError::Line {
                line: 2,
                problem: Problem::TieInStrictOrder("soc")
            })
        ));
        let short = format!("{head}1: 1,2\n");
        assert!(matches!(
            parse(&short, Some(OrderKind::Toc)),
            Err(FileError::Line {
                problem: Problem::IncompleteOrder { missing: 1, .. },
                ..
            })
        ));
        assert!(parse(&short, Some(OrderKind::Soi)).is_ok());
        let conflict = format!("# DATA TYPE: soi\n{head}1: 1,2\n");
        assert!(matches!(
            parse(&conflict, Some(OrderKind::Soc)),
            Err(FileError::Line {
                line: 1,
                problem: Problem::DataTypeConflict { .. }
            })
        ));
    }

    #[test]
    fn counts_and_totals_are_checked() {
        let head = "# NUMBER ALTERNATIVES: 2\n";
        assert!(matches!(
            parse(&format!("{head}4294967296: 1,2\n"), None),
            Err(FileError::Line {
                problem: Problem::CountOverflow(_),
                ..
            })
        ));
        assert!(parse(&format!("{head}4294967295: 1,2\n"), None).is_ok());
        assert!(matches!(
            parse(&format!("{head}0: 1,2\n"), None),
            Err(FileError::Line {
                problem: Problem::ZeroCount,
                ..
            })
        ));
        let truncated = format!("# NUMBER VOTERS: 5\n{head}2: 1,2\n");
        assert!(matches!(
            parse(&truncated, None),
            Err(FileError::Line {
                line: 1,
                problem: Problem::Mismatch {
                    declared: 5,
                    found: 2,
                    ..
                }
            })
        ));
        assert!(matches!(
            parse("3\n1,Alice\n", None),
            Err(FileError::Line {
                line: 1,
                problem: Problem::LegacyPreflib
            })
        ));
        assert!(matches!(
            parse("# NUMBER ALTERNATIVES: 100000\n", None),
            Err(FileError::Line {
                problem: Problem::TooManyAlternatives { .. },
                ..
            })
        ));
    }
}
