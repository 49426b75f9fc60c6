//! Urne's own ballot files, format `urne-ballots/1`: one poll and its ballots, in JSON.
//!
//! ```json
//! {
//!   "format": "urne-ballots/1",
//!   "poll": { "id": "charte", "question": "Adopter la charte ?",
//!             "kind": { "type": "motion", "blank_allowed": true,
//!                       "rule": { "base": "expressed", "threshold": { "more-than": "1/2" },
//!                                 "blank-is-expressed": false } } },
//!   "ballots": [
//!     { "ballot": { "motion": "for" }, "weight": 2 },
//!     { "ballot": "blank" }
//!   ]
//! }
//! ```
//!
//! `poll` is exactly the JSON of [`urne_core::poll::Poll`] (as in event packages and results
//! bundles), and each ballot the JSON of [`urne_core::ballot::WeightedBallot`] (as stored by
//! the kiosk), except that `weight` may be left out and then is 1. Stricter than the engine's
//! own types on one point: an option listed twice in an approval or a budget, or a candidate
//! graded twice, is refused instead of being silently merged. Every ballot is checked against
//! the poll; the first bad one refuses the file, named by its 1-based position in `ballots` and
//! by its line.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::ids::OptionId;
use urne_core::poll::{Poll, PollKind};
use urne_core::rules::MajorityBase;

use super::{FileError, Parsed, Problem};

/// The value of the `format` field.
pub const FORMAT: &str = "urne-ballots/1";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn<'a> {
    format: String,
    poll: Poll,
    // Kept as raw text so that each ballot's position in the file is known for messages.
    #[serde(borrow)]
    ballots: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BallotIn {
    ballot: KindIn,
    #[serde(default = "one")]
    weight: u32,
}

fn one() -> u32 {
    1
}

/// [`Ballot`] as read from a file: lists instead of sets, so that repeats can be refused.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum KindIn {
    Blank,
    Motion(MotionChoice),
    Single(OptionId),
    Approval(Vec<OptionId>),
    Grades(GradeList),
    Ranking(Vec<Vec<OptionId>>),
    Budget(Vec<OptionId>),
}

/// A JSON object of grades, keeping repeated keys (a map would keep only the last one).
struct GradeList(Vec<(OptionId, u8)>);

impl<'de> Deserialize<'de> for GradeList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Grades;
        impl<'de> Visitor<'de> for Grades {
            type Value = GradeList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object giving each candidate a grade")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GradeList, A::Error> {
                let mut grades = Vec::new();
                while let Some(entry) = map.next_entry::<OptionId, u8>()? {
                    grades.push(entry);
                }
                Ok(GradeList(grades))
            }
        }
        d.deserialize_map(Grades)
    }
}

fn unique(ids: Vec<OptionId>) -> Result<BTreeSet<OptionId>, Problem> {
    let mut set = BTreeSet::new();
    for id in ids {
        if let Some(id) = set.replace(id) {
            return Err(Problem::Repeated(id.to_string()));
        }
    }
    Ok(set)
}

impl KindIn {
    fn into_ballot(self) -> Result<Ballot, Problem> {
        Ok(match self {
            KindIn::Blank => Ballot::Blank,
            KindIn::Motion(choice) => Ballot::Motion(choice),
            KindIn::Single(id) => Ballot::Single(id),
            KindIn::Approval(ids) => Ballot::Approval(unique(ids)?),
            KindIn::Budget(ids) => Ballot::Budget(unique(ids)?),
            KindIn::Ranking(tiers) => Ballot::Ranking(tiers),
            KindIn::Grades(GradeList(list)) => {
                let mut grades = BTreeMap::new();
                for (id, grade) in list {
                    if grades.contains_key(&id) {
                        return Err(Problem::Repeated(id.to_string()));
                    }
                    grades.insert(id, grade);
                }
                Ballot::Grades(grades)
            }
        })
    }
}

/// serde_json's message without its « at line L column C » tail (the line is reported apart).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Counts lines up to byte offsets given in increasing order, without rescanning the text.
struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> u64 {
        let offset = offset.clamp(self.offset, self.text.len());
        self.line += self.text[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.offset = offset;
        self.line
    }
}

/// Reads an Urne ballot file.
pub fn parse(text: &str) -> Result<Parsed, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file: FileIn<'_> = serde_json::from_str(text).map_err(|e| {
        let problem = Problem::Json(json_message(&e));
        match e.line() {
            0 => FileError::File(problem),
            line => FileError::line(line as u64, problem),
        }
    })?;
    if file.format != FORMAT {
        return Err(FileError::File(Problem::FormatTag(file.format)));
    }
    let poll = file.poll;
    poll.validate()
        .map_err(|e| FileError::File(Problem::Poll(e)))?;
    if let PollKind::Motion { rule, .. } = &poll.kind
        && rule.base == MajorityBase::Members
    {
        return Err(FileError::File(Problem::MembersMajority));
    }
    let mut lines = Lines {
        text: text.as_bytes(),
        offset: 0,
        line: 1,
    };
    let mut ballots = Vec::with_capacity(file.ballots.len());
    for (index, raw) in file.ballots.iter().enumerate() {
        // The raw value borrows from `text`: its address gives its offset in the file.
        let offset = raw
            .get()
            .as_ptr()
            .addr()
            .saturating_sub(text.as_ptr().addr());
        let line = lines.at(offset);
        let at = |problem: Problem, line: u64| FileError::Ballot {
            ballot: index + 1,
            line,
            problem,
        };
        let input: BallotIn = serde_json::from_str(raw.get()).map_err(|e| {
            let within = (e.line() as u64).saturating_sub(1);
            at(Problem::Json(json_message(&e)), line + within)
        })?;
        let ballot = WeightedBallot {
            ballot: input.ballot.into_ballot().map_err(|p| at(p, line))?,
            weight: input.weight,
        };
        ballot
            .validate(&poll)
            .map_err(|e| at(Problem::Ballot(e), line))?;
        ballots.push(ballot);
    }
    Ok((poll, ballots))
}

#[cfg(test)]
mod tests {
    use super::*;
    use urne_core::ballot::BallotError;

    const HEAD: &str = r#"{"format":"urne-ballots/1",
"poll":{"id":"lieu","question":"Où ?","kind":{"type":"approval","options":[
  {"id":"a","label":"A"},{"id":"b","label":"B"},{"id":"c","label":"C"}],
  "min":1,"max":2,"blank_allowed":true}},
"ballots":["#;

    #[test]
    fn weights_default_to_one_and_lines_are_tracked() {
        let text = format!(
            "{HEAD}\n{{\"ballot\":{{\"approval\":[\"a\"]}}}},\n{{\"ballot\":\"blank\",\"weight\":3}}\n]}}"
        );
        let (poll, ballots) = parse(&text).unwrap();
        assert_eq!(poll.id.as_str(), "lieu");
        assert_eq!(ballots[0].weight, 1);
        assert_eq!(
            ballots[1],
            WeightedBallot {
                ballot: Ballot::Blank,
                weight: 3
            }
        );
        let bad = format!(
            "{HEAD}\n{{\"ballot\":{{\"approval\":[\"a\"]}}}},\n\n{{\"ballot\":{{\"approval\":[\"a\",\"b\",\"c\"]}}}}\n]}}"
        );
        assert_eq!(
            parse(&bad).unwrap_err(),
            FileError::Ballot {
                ballot: 2,
                line: 8,
                problem: Problem::Ballot(BallotError::ApprovalCount {
                    found: 3,
                    min: 1,
                    max: 2
                })
            }
        );
    }

    #[test]
    fn repeats_are_refused_not_merged() {
        let text = format!("{HEAD}{{\"ballot\":{{\"approval\":[\"a\",\"a\"]}}}}]}}");
        assert!(matches!(
            parse(&text),
            Err(FileError::Ballot {
                ballot: 1,
                line: 5,
                problem: Problem::Repeated(_)
            })
        ));
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let text = format!("{HEAD}\n{{\"ballot\":{{\"approval\":[\"a\"]}},\n\"wieght\":1}}]}}");
        let err = parse(&text).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::Ballot {
                    ballot: 1,
                    line: 7,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(matches!(
            parse("{\"format\":\"urne-ballots/1\",\n\"poll\":"),
            Err(FileError::Line { line: 2, .. })
        ));
        assert!(matches!(
            parse(
                &HEAD
                    .replace("urne-ballots/1", "urne-ballots/9")
                    .replace("\"ballots\":[", "\"ballots\":[]}")
            ),
            Err(FileError::File(Problem::FormatTag(_)))
        ));
    }
}
