//! pabulib `.pb` files (participatory budgets, pabulib.org) read as a budget poll.
//!
//! A `.pb` file is `;`-separated text in three sections, each opened by a line holding only its
//! name: `META` (`key;value` rows: `budget`, `vote_type`, `rule`, `description`, `min_length`,
//! `max_length`, `num_projects`, `num_votes`, …), `PROJECTS` (a header, then one row per
//! project with at least `project_id` and `cost`, usually `name`) and `VOTES` (a header, then
//! one row per voter with at least `vote`, the comma-separated ids of the approved projects).
//! Fields may be quoted (`"Jardin; serres"`).
//!
//! * Only `vote_type` `approval` is counted; ordinal, cumulative and scoring votes are refused.
//! * A project id that is already a valid option id (`1`, `25`, `parc-nord`) is kept as it is,
//!   so that `funded` lists pabulib's own ids; other ids are lower-cased and every character
//!   outside `a-z`, `0-9`, `-` becomes `-` (`1_A` → `1-a`); two projects whose ids meet, or an
//!   id longer than 32 characters, refuse the file.
//! * Amounts (`budget`, `cost`) are whole currency units; `8000,0` and `8000.00` are read as
//!   8000, but a real fraction is refused (the engine counts in whole units).
//! * An optional `weight` column in `VOTES` gives a voter's weight (default 1).
//! * An empty `vote` is a blank ballot. `min_length` / `max_length`, when present, bound the
//!   number of projects on a non-empty vote; a repeated or unknown project is refused.
//! * `num_projects` and `num_votes` (rows of `VOTES`), when present, must match the data.
//! * The method is greedy when `rule` is `greedy`, the Method of Equal Shares otherwise
//!   (`equalshares`, `equalshares/add1`, another rule or none); `--method` overrides it.

use std::collections::BTreeMap;

use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::ids::{OptionId, PollId};
use urne_core::poll::{BudgetMethod, Poll, PollKind, Project};

use super::{FileError, Parsed, Problem, slug, whole};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Before,
    Meta,
    Projects,
    Votes,
}

/// A section's header: the index of each column, by lower-case name.
struct Header {
    columns: BTreeMap<String, usize>,
    len: usize,
}

impl Header {
    fn new(record: &csv::StringRecord) -> Self {
        let mut columns = BTreeMap::new();
        for (i, name) in record.iter().enumerate() {
            // A repeated column keeps its first place, like pabulib's own reader.
            columns.entry(name.to_ascii_lowercase()).or_insert(i);
        }
        Header {
            columns,
            len: record.len(),
        }
    }

    fn index(&self, column: &str) -> Option<usize> {
        self.columns.get(column).copied()
    }

    fn require(
        &self,
        section: &'static str,
        column: &'static str,
        line: u64,
    ) -> Result<usize, FileError> {
        self.index(column)
            .ok_or_else(|| FileError::line(line, Problem::MissingColumn { section, column }))
    }

    /// Refuses a row with more non-empty fields than the header has columns (a broken row, or
    /// a `;` in an unquoted field); missing trailing fields read as empty.
    fn check_len(&self, record: &csv::StringRecord, line: u64) -> Result<(), FileError> {
        if record.iter().skip(self.len).any(|f| !f.is_empty()) {
            return Err(FileError::line(
                line,
                Problem::TooManyFields {
                    found: record.len(),
                    expected: self.len,
                },
            ));
        }
        Ok(())
    }
}

fn field(record: &csv::StringRecord, index: Option<usize>) -> &str {
    index.and_then(|i| record.get(i)).unwrap_or("")
}

/// `1200`, `1200.0`, `1200,00` → 1200; a real fraction or anything else → `None`.
fn amount(text: &str) -> Option<u64> {
    let (units, fraction) = match text.find(['.', ',']) {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, ""),
    };
    if !fraction.bytes().all(|b| b == b'0') {
        return None;
    }
    whole(units)
}

/// The option id of a pabulib project id (see the module documentation).
fn project_id(raw: &str) -> Option<OptionId> {
    if let Ok(id) = OptionId::new(raw) {
        return Some(id);
    }
    let mapped: String = raw
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    OptionId::new(mapped).ok()
}

/// What the META section says, with the line of each key.
#[derive(Default)]
struct Meta {
    values: BTreeMap<String, (u64, String)>,
}

impl Meta {
    fn get(&self, key: &str) -> Option<(u64, &str)> {
        self.values.get(key).map(|(l, v)| (*l, v.as_str()))
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.get(key).map(|(_, v)| v).filter(|v| !v.is_empty())
    }

    fn number(&self, key: &str) -> Result<Option<(u64, u64)>, FileError> {
        match self.get(key) {
            None => Ok(None),
            Some((_, "")) => Ok(None),
            Some((line, v)) => whole(v)
                .map(|n| Some((line, n)))
                .ok_or_else(|| FileError::line(line, Problem::NotANumber(v.to_owned()))),
        }
    }
}

/// Reads a pabulib file.
pub fn parse(text: &str) -> Result<Parsed, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut file = Reading::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(FileError::line(line, Problem::Csv(e.to_string())));
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if file.section_marker(&record, line)? {
            continue;
        }
        match file.section {
            Section::Before => return Err(FileError::line(line, Problem::OutsideSection)),
            Section::Meta => file.meta_row(&record, line)?,
            Section::Projects => file.project_row(&record, line)?,
            Section::Votes => file.vote_row(&record, line)?,
        }
    }
    file.finish()
}

/// The file as read so far, row after row.
struct Reading {
    section: Section,
    /// The current section's header row, once read.
    header: Option<Header>,
    meta: Meta,
    min_length: u64,
    max_length: u64,
    budget_line: u64,
    projects: Vec<Project>,
    /// pabulib id → (index in `projects`, line); option id → line, to refuse ids that meet.
    by_raw: BTreeMap<String, (usize, u64)>,
    by_id: BTreeMap<OptionId, u64>,
    voters: BTreeMap<String, u64>,
    ballots: Vec<WeightedBallot>,
}

impl Reading {
    fn new() -> Self {
        Reading {
            section: Section::Before,
            header: None,
            meta: Meta::default(),
            min_length: 1,
            max_length: u64::MAX,
            budget_line: 0,
            projects: Vec::new(),
            by_raw: BTreeMap::new(),
            by_id: BTreeMap::new(),
            voters: BTreeMap::new(),
            ballots: Vec::new(),
        }
    }

    /// A `META`, `PROJECTS` or `VOTES` row alone opens the next section (`true`), in that
    /// order only.
    fn section_marker(&mut self, record: &csv::StringRecord, line: u64) -> Result<bool, FileError> {
        let first = record.get(0).unwrap_or("");
        let marker = match first.to_ascii_lowercase().as_str() {
            "meta" => Some(Section::Meta),
            "projects" => Some(Section::Projects),
            "votes" => Some(Section::Votes),
            _ => None,
        };
        let Some(next) = marker.filter(|_| record.iter().skip(1).all(str::is_empty)) else {
            return Ok(false);
        };
        let expected = match self.section {
            Section::Before => Section::Meta,
            Section::Meta => Section::Projects,
            Section::Projects | Section::Votes => Section::Votes,
        };
        if next != expected || next == self.section {
            return Err(FileError::line(line, Problem::SectionOrder));
        }
        if next == Section::Projects {
            // META is complete: what it says about the votes is checked before reading on.
            if let Some((l, vote_type)) = self.meta.get("vote_type")
                && !vote_type.eq_ignore_ascii_case("approval")
            {
                return Err(FileError::line(l, Problem::VoteType(vote_type.to_owned())));
            }
            if let Some((_, n)) = self.meta.number("min_length")? {
                self.min_length = n;
            }
            if let Some((_, n)) = self.meta.number("max_length")? {
                self.max_length = n;
            }
        }
        self.section = next;
        self.header = None;
        Ok(true)
    }

    /// A `key;value` row of META.
    fn meta_row(&mut self, record: &csv::StringRecord, line: u64) -> Result<(), FileError> {
        let key = record.get(0).unwrap_or("").to_ascii_lowercase();
        let value = record.get(1).unwrap_or("");
        if key == "key" && value.eq_ignore_ascii_case("value") && self.meta.values.is_empty() {
            return Ok(());
        }
        if record.iter().skip(2).any(|f| !f.is_empty()) {
            return Err(FileError::line(
                line,
                Problem::TooManyFields {
                    found: record.len(),
                    expected: 2,
                },
            ));
        }
        if self.meta.values.contains_key(&key) {
            return Err(FileError::line(line, Problem::DuplicateMetadata(key)));
        }
        if key == "budget" {
            self.budget_line = line;
        }
        self.meta.values.insert(key, (line, value.to_owned()));
        Ok(())
    }

    /// The header row of PROJECTS, then one project a row.
    fn project_row(&mut self, record: &csv::StringRecord, line: u64) -> Result<(), FileError> {
        let Some(h) = &self.header else {
            let h = Header::new(record);
            h.require("PROJECTS", "project_id", line)?;
            h.require("PROJECTS", "cost", line)?;
            self.header = Some(h);
            return Ok(());
        };
        h.check_len(record, line)?;
        let raw = field(record, h.index("project_id"));
        let id = project_id(raw)
            .ok_or_else(|| FileError::line(line, Problem::BadProjectId(raw.to_owned())))?;
        if let Some(&first_line) = self.by_id.get(&id) {
            return Err(FileError::line(
                line,
                Problem::DuplicateProject {
                    id: raw.to_owned(),
                    first_line,
                },
            ));
        }
        let cost_text = field(record, h.index("cost"));
        let cost = amount(cost_text).ok_or_else(|| {
            FileError::line(
                line,
                Problem::BadAmount {
                    what: "cost",
                    value: cost_text.to_owned(),
                },
            )
        })?;
        let name = field(record, h.index("name"));
        self.by_id.insert(id.clone(), line);
        self.by_raw
            .insert(raw.to_owned(), (self.projects.len(), line));
        self.projects.push(Project {
            id,
            label: if name.is_empty() { raw } else { name }.to_owned(),
            cost,
        });
        Ok(())
    }

    /// The header row of VOTES, then one ballot a row.
    fn vote_row(&mut self, record: &csv::StringRecord, line: u64) -> Result<(), FileError> {
        let Some(h) = &self.header else {
            let h = Header::new(record);
            h.require("VOTES", "vote", line)?;
            self.header = Some(h);
            return Ok(());
        };
        h.check_len(record, line)?;
        if let Some(i) = h.index("voter_id") {
            let voter = field(record, Some(i));
            if let Some(&first_line) = self.voters.get(voter) {
                return Err(FileError::line(
                    line,
                    Problem::DuplicateVoter {
                        id: voter.to_owned(),
                        first_line,
                    },
                ));
            }
            self.voters.insert(voter.to_owned(), line);
        }
        let weight = match h.index("weight").map(|i| field(record, Some(i))) {
            None | Some("") => 1,
            Some(w) => whole(w)
                .and_then(|w| u32::try_from(w).ok())
                .filter(|&w| w > 0)
                .ok_or_else(|| FileError::line(line, Problem::BadWeight(w.to_owned())))?,
        };
        let vote = field(record, h.index("vote"));
        let ballot = approvals(
            vote,
            &self.by_raw,
            &self.projects,
            self.min_length,
            self.max_length,
        )
        .map_err(|p| FileError::line(line, p))?;
        self.ballots.push(WeightedBallot { ballot, weight });
        Ok(())
    }

    /// Every section read: the budget, the declared counts, and the poll.
    fn finish(self) -> Result<Parsed, FileError> {
        for (seen, name) in [
            (Section::Meta, "META"),
            (Section::Projects, "PROJECTS"),
            (Section::Votes, "VOTES"),
        ] {
            if self.section < seen {
                return Err(FileError::File(Problem::MissingSection(name)));
            }
        }
        let meta = &self.meta;
        let (_, budget_text) = meta
            .get("budget")
            .ok_or(FileError::File(Problem::MissingMeta("budget")))?;
        let budget = amount(budget_text).ok_or_else(|| {
            FileError::line(
                self.budget_line,
                Problem::BadAmount {
                    what: "budget",
                    value: budget_text.to_owned(),
                },
            )
        })?;
        for (key, what, found) in [
            ("num_projects", "projects", self.projects.len()),
            ("num_votes", "votes", self.ballots.len()),
        ] {
            if let Some((line, declared)) = meta.number(key)? {
                let found = found as u64;
                if declared != found {
                    return Err(FileError::line(
                        line,
                        Problem::Mismatch {
                            what,
                            declared,
                            found,
                        },
                    ));
                }
            }
        }
        let method = match meta.text("rule") {
            Some(rule) if rule.eq_ignore_ascii_case("greedy") => BudgetMethod::Greedy,
            _ => BudgetMethod::EqualShares,
        };
        let name = [
            meta.text("unit"),
            meta.text("subunit"),
            meta.text("instance"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("-");
        let id = slug(&name, PollId::MAX_LEN)
            .and_then(|s| PollId::new(s).ok())
            .unwrap_or_else(|| PollId::new("pabulib").expect("a valid slug"));
        let question = meta
            .text("description")
            .or(meta.text("unit"))
            .unwrap_or("pabulib")
            .to_owned();
        let poll = Poll {
            id,
            question,
            kind: PollKind::Budget {
                projects: self.projects,
                budget,
                method,
            },
        };
        poll.validate()
            .map_err(|e| FileError::File(Problem::Poll(e)))?;
        Ok((poll, self.ballots))
    }
}

/// One `vote` field made a ballot.
fn approvals(
    vote: &str,
    by_raw: &BTreeMap<String, (usize, u64)>,
    projects: &[Project],
    min: u64,
    max: u64,
) -> Result<Ballot, Problem> {
    if vote.trim().is_empty() {
        return Ok(Ballot::Blank);
    }
    let mut chosen = std::collections::BTreeSet::new();
    for item in vote.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(Problem::EmptyItem(vote.to_owned()));
        }
        let &(index, _) = by_raw
            .get(item)
            .ok_or_else(|| Problem::UnknownProject(item.to_owned()))?;
        if !chosen.insert(projects[index].id.clone()) {
            return Err(Problem::Repeated(item.to_owned()));
        }
    }
    let found = chosen.len();
    if (found as u64) < min || (found as u64) > max {
        return Err(Problem::ApprovalCount { found, min, max });
    }
    Ok(Ballot::Budget(chosen))
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = "META\nkey;value\nbudget;1000\nvote_type;approval\n";

    #[test]
    fn amounts_are_whole_units() {
        assert_eq!(amount("8000,0"), Some(8000));
        assert_eq!(amount("8000.00"), Some(8000));
        assert_eq!(amount("8000"), Some(8000));
        assert_eq!(amount("8000.5"), None);
        assert_eq!(amount("-5"), None);
        assert_eq!(amount("1e6"), None);
        assert_eq!(amount(""), None);
    }

    #[test]
    fn project_ids_are_kept_or_mapped() {
        assert_eq!(project_id("25").unwrap().as_str(), "25");
        assert_eq!(project_id("1_A").unwrap().as_str(), "1-a");
        assert!(project_id("").is_none());
        assert!(project_id(&"x".repeat(33)).is_none());
    }

    #[test]
    fn quoted_names_weights_and_blank_votes_are_read() {
        let text = format!(
            "{META}PROJECTS\nproject_id;cost;name\n1;600;\"Jardin; serres\"\n2;400,0;Fontaine\n\
             VOTES\nvoter_id;vote;weight\nv1;1,2;3\nv2;;\n"
        );
        let (poll, ballots) = parse(&text).unwrap();
        let id = |s: &str| OptionId::new(s).unwrap();
        assert_eq!(poll.kind.label_of(&id("1")), Some("Jardin; serres"));
        assert_eq!(ballots.len(), 2);
        assert_eq!(ballots[0].weight, 3);
        assert_eq!(
            ballots[0].ballot,
            Ballot::Budget([id("1"), id("2")].into_iter().collect())
        );
        assert_eq!(ballots[1], WeightedBallot::single(Ballot::Blank));
        let PollKind::Budget { method, budget, .. } = poll.kind else {
            panic!("a budget")
        };
        assert_eq!((method, budget), (BudgetMethod::EqualShares, 1000));
    }

    #[test]
    fn bad_votes_name_their_line() {
        let head = format!(
            "{META}max_length;1\nPROJECTS\nproject_id;cost\n1;600\n2;400\nVOTES\nvoter_id;vote\n"
        );
        let err = |votes: &str| parse(&format!("{head}{votes}")).unwrap_err();
        assert_eq!(
            err("a;1\nb;3\n"),
            FileError::line(13, Problem::UnknownProject("3".into()))
        );
        assert!(matches!(
            err("a;1,2\n"),
            FileError::Line {
                line: 12,
                problem: Problem::ApprovalCount { found: 2, .. }
            }
        ));
        assert_eq!(
            err("a;1\na;2\n"),
            FileError::line(
                13,
                Problem::DuplicateVoter {
                    id: "a".into(),
                    first_line: 12
                }
            )
        );
        assert!(matches!(
            parse("META\nkey;value\nbudget;10\nvote_type;ordinal\nPROJECTS\n"),
            Err(FileError::Line {
                line: 4,
                problem: Problem::VoteType(_)
            })
        ));
        assert_eq!(
            parse(&format!("{META}PROJECTS\nproject_id;cost\n1;5\n")).unwrap_err(),
            FileError::File(Problem::MissingSection("VOTES"))
        );
    }
}
