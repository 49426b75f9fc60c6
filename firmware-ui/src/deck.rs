//! The test deck (essai à blanc): a known set of check-ins and ballots run through the same
//! controller entry points as the touchscreen, the real store, real signing and a real export,
//! then compared with the results the deck expects (logic-and-accuracy testing).
//!
//! The deck runs on a scratch database (`<data>/essai/`), never on the kiosk's real one, but
//! with the kiosk's real device key; its bundle is marked as a test in the signed manifest. The
//! format is documented in `docs/formats.md`; `demo/test-deck.toml` is the demo's deck.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::event::Event;
use urne_core::ids::{MemberId, OptionId, PollId};
use urne_core::poll::{Poll, PollKind, grade_labels_fr};
use urne_core::tally::{Details, PollResult};

use crate::clock::SystemClock;
use crate::keystore::FileKeyStore;
use crate::kiosk::{BallotCast, Closing, Exported, Kiosk, KioskError, PinOutcome, ScanOutcome};
use crate::usb::FolderTarget;

/// Why a deck could not be run at all (as opposed to running and finding differences).
#[derive(Debug, thiserror::Error)]
pub enum DeckError {
    /// The deck file is not valid.
    #[error("the test deck is not valid: {0}")]
    Invalid(String),
    /// The kiosk refused something the deck asked.
    #[error("the kiosk refused: {0}")]
    Kiosk(#[from] KioskError),
    /// Files.
    #[error("{0}")]
    Io(String),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct DeckFile {
    title: String,
    package: String,
    organiser_badge: String,
    pin: String,
    checkins: Vec<String>,
    #[serde(default)]
    proxy: Vec<ProxySpec>,
    #[serde(default)]
    ballot: Vec<toml::Table>,
    expected: BTreeMap<String, toml::Table>,
}

/// A proxy recorded at the door: the absent member's badge, and the holder's position in
/// `checkins`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxySpec {
    absent: String,
    holder: usize,
}

/// One poll whose count differs from the deck's expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The poll.
    pub poll: String,
    /// The field.
    pub field: String,
    /// What the deck expected.
    pub expected: String,
    /// What the kiosk counted.
    pub counted: String,
}

/// The outcome of a deck run.
#[derive(Debug, Clone)]
pub struct DeckReport {
    /// The deck's title.
    pub title: String,
    /// Check-ins recorded.
    pub checkins: usize,
    /// Ballots cast.
    pub ballots: usize,
    /// Each poll's counted summary, in the event's order.
    pub counted: Vec<(PollId, Value)>,
    /// Differences from the expected results (empty when the deck passes).
    pub differences: Vec<Difference>,
    /// The test bundle written.
    pub export: Exported,
}

impl DeckReport {
    /// Whether every poll's count equals the deck's expectation.
    pub fn passed(&self) -> bool {
        self.differences.is_empty()
    }
}

/// The summary of a result that a deck states and checks.
pub fn summary(poll: &Poll, result: &PollResult) -> Value {
    let ids = |v: &[OptionId]| v.iter().map(|o| o.as_str().to_owned()).collect::<Vec<_>>();
    let mut map = serde_json::Map::new();
    map.insert("ballots".into(), json!(result.ballots));
    map.insert(
        "decision".into(),
        serde_json::to_value(result.decision).unwrap_or(Value::Null),
    );
    match &result.details {
        Details::Motion(m) => {
            map.insert("for".into(), json!(m.for_));
            map.insert("against".into(), json!(m.against));
            map.insert("abstain".into(), json!(m.abstain));
            map.insert("blank".into(), json!(m.blank));
        }
        Details::Counts(c) => {
            let votes: serde_json::Map<String, Value> = c
                .options
                .iter()
                .map(|o| (o.id.to_string(), json!(o.votes)))
                .collect();
            map.insert("votes".into(), Value::Object(votes));
            map.insert("blank".into(), json!(c.blank));
            map.insert("winners".into(), json!(ids(&result.winners)));
        }
        Details::MajorityJudgment(_) | Details::Schulze(_) => {
            map.insert("winners".into(), json!(ids(&result.winners)));
            let ranking: Vec<Vec<String>> = result
                .ranking
                .iter()
                .flatten()
                .map(|tier| ids(tier))
                .collect();
            map.insert("ranking".into(), json!(ranking));
        }
        Details::Budget(_) => {
            map.insert(
                "funded".into(),
                json!(result.funded.as_deref().map(ids).unwrap_or_default()),
            );
        }
    }
    let _ = poll;
    Value::Object(map)
}

fn invalid(msg: impl Into<String>) -> DeckError {
    DeckError::Invalid(msg.into())
}

fn option(poll: &Poll, value: &toml::Value) -> Result<OptionId, DeckError> {
    let text = value
        .as_str()
        .ok_or_else(|| invalid(format!("poll {}: expected an option id", poll.id)))?;
    let id = OptionId::new(text).map_err(|e| invalid(e.to_string()))?;
    if poll.kind.option_ids().contains(&&id) {
        Ok(id)
    } else {
        Err(invalid(format!(
            "poll {}: unknown option « {text} »",
            poll.id
        )))
    }
}

fn options(poll: &Poll, value: &toml::Value) -> Result<BTreeSet<OptionId>, DeckError> {
    value
        .as_array()
        .ok_or_else(|| invalid(format!("poll {}: expected a list of options", poll.id)))?
        .iter()
        .map(|v| option(poll, v))
        .collect()
}

/// Reads a deck's shorthand for one poll's ballot.
fn ballot(poll: &Poll, value: &toml::Value) -> Result<Ballot, DeckError> {
    if matches!(value.as_str(), Some("blank" | "blanc")) {
        return Ok(Ballot::Blank);
    }
    Ok(match &poll.kind {
        PollKind::Motion { .. } => Ballot::Motion(match value.as_str() {
            Some("for" | "pour") => MotionChoice::For,
            Some("against" | "contre") => MotionChoice::Against,
            Some("abstain" | "abstention") => MotionChoice::Abstain,
            _ => {
                return Err(invalid(format!(
                    "poll {}: a motion ballot is for, against, abstain or blank",
                    poll.id
                )));
            }
        }),
        PollKind::SingleChoice { .. } => Ballot::Single(option(poll, value)?),
        PollKind::Approval { .. } => Ballot::Approval(options(poll, value)?),
        PollKind::Budget { .. } => Ballot::Budget(options(poll, value)?),
        PollKind::Ranking { .. } => {
            let items = value
                .as_array()
                .ok_or_else(|| invalid(format!("poll {}: expected a ranking", poll.id)))?;
            let tiers = items
                .iter()
                .map(|item| match item {
                    toml::Value::Array(tier) => tier
                        .iter()
                        .map(|v| option(poll, v))
                        .collect::<Result<_, _>>(),
                    single => Ok(vec![option(poll, single)?]),
                })
                .collect::<Result<Vec<Vec<OptionId>>, _>>()?;
            Ballot::Ranking(tiers)
        }
        PollKind::MajorityJudgment { grades, .. } => {
            let table = value
                .as_table()
                .ok_or_else(|| invalid(format!("poll {}: expected a table of grades", poll.id)))?;
            let labels = grade_labels_fr(*grades);
            let mut out = BTreeMap::new();
            for (candidate, grade) in table {
                let id = option(poll, &toml::Value::String(candidate.clone()))?;
                // Grades are written as mentions (« Très bien ») or numbers (0 = worst).
                let grade = match grade {
                    toml::Value::Integer(n) => u8::try_from(*n).ok(),
                    toml::Value::String(label) => labels
                        .iter()
                        .position(|l| l.eq_ignore_ascii_case(label))
                        .and_then(|best_first| u8::try_from(labels.len() - 1 - best_first).ok()),
                    _ => None,
                }
                .ok_or_else(|| {
                    invalid(format!(
                        "poll {}: « {grade} » is not a mention of the scale",
                        poll.id
                    ))
                })?;
                out.insert(id, grade);
            }
            Ballot::Grades(out)
        }
    })
}

fn json_of(value: &toml::Value) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn compare(poll: &str, expected: &toml::Table, counted: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let counted_map = counted.as_object().cloned().unwrap_or_default();
    for (field, want) in expected {
        let want = json_of(want);
        let got = counted_map.get(field).cloned().unwrap_or(Value::Null);
        if want != got {
            out.push(Difference {
                poll: poll.into(),
                field: field.clone(),
                expected: compact(&want),
                counted: compact(&got),
            });
        }
    }
    for (field, got) in &counted_map {
        if !expected.contains_key(field) {
            out.push(Difference {
                poll: poll.into(),
                field: field.clone(),
                expected: "(not stated in the deck)".into(),
                counted: compact(got),
            });
        }
    }
    out
}

/// Runs a deck. `deck_dir` resolves a package path given relative to the deck file.
pub fn run(
    deck_text: &str,
    deck_dir: &Path,
    data: &Path,
    usb_dir: &Path,
) -> Result<DeckReport, DeckError> {
    let deck: DeckFile = toml::from_str(deck_text).map_err(|e| invalid(e.to_string()))?;
    let mut kiosk = scratch_kiosk(&deck, deck_dir, data, usb_dir)?;
    let (members, represented) = check_in(&mut kiosk, &deck)?;
    let event = kiosk.event().ok_or(KioskError::NoEvent)?.clone();
    for poll in &event.polls {
        kiosk.open_poll(&poll.id)?;
    }
    let cast = cast_ballots(&mut kiosk, &deck, &event, &members, &represented)?;
    let (counted, differences) = count_and_compare(&mut kiosk, &deck, &event)?;
    let export = kiosk.export(true)?;
    Ok(DeckReport {
        title: deck.title,
        checkins: members.len(),
        ballots: cast,
        counted,
        differences,
        export,
    })
}

/// A kiosk on a scratch database holding the deck's package, organiser mode unlocked with the
/// deck's badge and PIN.
fn scratch_kiosk(
    deck: &DeckFile,
    deck_dir: &Path,
    data: &Path,
    usb_dir: &Path,
) -> Result<Kiosk, DeckError> {
    let package = if deck.package == "demo" {
        crate::demo::package().bytes
    } else {
        let path: PathBuf = deck_dir.join(&deck.package);
        std::fs::read(&path).map_err(|e| DeckError::Io(format!("{}: {e}", path.display())))?
    };
    std::fs::create_dir_all(data).map_err(|e| DeckError::Io(e.to_string()))?;
    let scratch = data.join("essai");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).map_err(|e| DeckError::Io(e.to_string()))?;
    }
    std::fs::create_dir_all(&scratch).map_err(|e| DeckError::Io(e.to_string()))?;
    let mut kiosk = Kiosk::open(
        &scratch.join("urne.sqlite"),
        &FileKeyStore::in_folder(data),
        Arc::new(SystemClock),
        Box::new(FolderTarget::new(usb_dir)),
    )?;
    kiosk.set_pin(&deck.pin)?;
    kiosk.load_package(&package)?;
    // A test deck runs on a scratch database and its bundle is marked as a test: its polls
    // open whatever the clock says (the organiser may rehearse before confirming the time),
    // and its ballots are sealed to the published test key, never to the event's: the deck
    // counts itself, without the bureau's shares, and its results are no vote.
    kiosk.accept_unconfirmed_clock();
    kiosk.use_test_tally_key();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&deck.organiser_badge)? else {
        return Err(invalid(
            "organiser-badge is not an organiser badge of this event",
        ));
    };
    if kiosk.unlock(&organiser, &deck.pin)? != PinOutcome::Unlocked {
        return Err(invalid("the deck's PIN did not unlock organiser mode"));
    }
    Ok(kiosk)
}

/// Checks the deck's members in and records its proxies: the members in check-in order, and
/// the absent members in proxy order.
fn check_in(
    kiosk: &mut Kiosk,
    deck: &DeckFile,
) -> Result<(Vec<MemberId>, Vec<MemberId>), DeckError> {
    let mut members: Vec<MemberId> = Vec::new();
    for (i, payload) in deck.checkins.iter().enumerate() {
        match kiosk.scan(payload)? {
            ScanOutcome::Welcome { member, .. } => members.push(member),
            other => {
                return Err(invalid(format!(
                    "check-in {} was not accepted: {other:?}",
                    i + 1
                )));
            }
        }
    }
    let mut represented: Vec<MemberId> = Vec::new();
    for (i, proxy) in deck.proxy.iter().enumerate() {
        let holder = proxy
            .holder
            .checked_sub(1)
            .and_then(|h| members.get(h))
            .ok_or_else(|| invalid(format!("proxy {}: holder must name a check-in", i + 1)))?;
        let Ok((absent, _)) = kiosk.identify(&proxy.absent)? else {
            return Err(invalid(format!(
                "proxy {}: the absent member's badge was refused",
                i + 1
            )));
        };
        kiosk.grant_proxy(&absent, holder)?;
        represented.push(absent);
    }
    Ok((members, represented))
}

/// Casts the deck's ballots through the kiosk's entry points, each voter scanning their badge
/// first; returns how many were cast.
fn cast_ballots(
    kiosk: &mut Kiosk,
    deck: &DeckFile,
    event: &Event,
    members: &[MemberId],
    represented: &[MemberId],
) -> Result<usize, DeckError> {
    let mut cast = 0;
    for (i, entry) in deck.ballot.iter().enumerate() {
        let voter = entry
            .get("voter")
            .and_then(toml::Value::as_integer)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (1..=deck.checkins.len()).contains(n))
            .ok_or_else(|| invalid(format!("ballot {}: voter must name a check-in", i + 1)))?;
        // The voter scans their badge at the voting kiosk, as on the touchscreen.
        let ScanOutcome::Welcome { member, due, .. } = kiosk.scan(&deck.checkins[voter - 1])?
        else {
            return Err(invalid(format!(
                "ballot {}: the voter's badge was refused",
                i + 1
            )));
        };
        debug_assert_eq!(member, members[voter - 1]);
        // With `proxy = k`, the voter casts this ballot for the member of proxy k.
        let on_behalf = match entry.get("proxy") {
            None => member,
            Some(k) => k
                .as_integer()
                .and_then(|k| usize::try_from(k).ok())
                .and_then(|k| k.checked_sub(1))
                .and_then(|k| represented.get(k))
                .copied()
                .ok_or_else(|| invalid(format!("ballot {}: proxy must name a proxy", i + 1)))?,
        };
        // One entry is one visit: its ballots are stored together, as on the touchscreen.
        let mut visit = Vec::new();
        for (key, value) in entry
            .iter()
            .filter(|(k, _)| k.as_str() != "voter" && k.as_str() != "proxy")
        {
            let poll_id = PollId::new(key.as_str()).map_err(|e| invalid(e.to_string()))?;
            let poll = event
                .poll(&poll_id)
                .ok_or_else(|| invalid(format!("ballot {}: unknown poll « {key} »", i + 1)))?;
            if !due
                .iter()
                .any(|d| d.poll == poll_id && d.member == on_behalf)
            {
                return Err(invalid(format!(
                    "ballot {}: voter {voter} cannot vote in « {key} » (already voted?)",
                    i + 1
                )));
            }
            visit.push(BallotCast {
                member: on_behalf,
                poll: poll_id,
                ballot: ballot(poll, value)?,
            });
        }
        kiosk.cast_visit(&member, &visit).map_err(|r| r.error)?;
        cast += visit.len();
    }
    Ok(cast)
}

/// Each poll's count, in the event's order.
type Counted = Vec<(PollId, Value)>;

/// Closes and counts every poll, and compares each count with what the deck expects.
fn count_and_compare(
    kiosk: &mut Kiosk,
    deck: &DeckFile,
    event: &Event,
) -> Result<(Counted, Vec<Difference>), DeckError> {
    let mut counted = Vec::new();
    let mut differences = Vec::new();
    for poll in &event.polls {
        // The deck stands for the organiser and its results are no vote: a poll with few
        // ballots is closed as if confirmed, and the audit chain says so.
        let result = match kiosk.close_small_poll(&poll.id)? {
            Closing::Counted(result) => *result,
            // The deck seals to the published test key, which the kiosk opens by itself.
            Closing::AwaitingShares { .. } => {
                return Err(KioskError::PollState(poll.id.clone()).into());
            }
        };
        let summary = summary(poll, &result);
        match deck.expected.get(poll.id.as_str()) {
            Some(expected) => differences.extend(compare(poll.id.as_str(), expected, &summary)),
            None => differences.push(Difference {
                poll: poll.id.to_string(),
                field: "(all)".into(),
                expected: "(no expected result in the deck)".into(),
                counted: summary.to_string(),
            }),
        }
        counted.push((poll.id.clone(), summary));
    }
    for name in deck.expected.keys() {
        if event.polls.iter().all(|p| p.id.as_str() != name) {
            differences.push(Difference {
                poll: name.clone(),
                field: "(all)".into(),
                expected: "a poll of this name".into(),
                counted: "no such poll in the event".into(),
            });
        }
    }
    Ok((counted, differences))
}

#[cfg(test)]
mod tests {
    use super::*;
    use urne_core::poll::PollOption;

    fn mj() -> Poll {
        Poll {
            id: PollId::new("p").unwrap(),
            question: "?".into(),
            kind: PollKind::MajorityJudgment {
                candidates: vec![PollOption {
                    id: OptionId::new("a").unwrap(),
                    label: "A".into(),
                }],
                grades: 7,
            },
        }
    }

    #[test]
    fn mentions_read_as_grades_with_the_best_highest() {
        let value: toml::Value =
            toml::from_str::<toml::Table>("v = { a = \"Excellent\" }").unwrap()["v"].clone();
        let Ballot::Grades(g) = ballot(&mj(), &value).unwrap() else {
            panic!("grades expected")
        };
        assert_eq!(g[&OptionId::new("a").unwrap()], 6);
        let worst: toml::Value =
            toml::from_str::<toml::Table>("v = { a = \"À rejeter\" }").unwrap()["v"].clone();
        let Ballot::Grades(g) = ballot(&mj(), &worst).unwrap() else {
            panic!("grades expected")
        };
        assert_eq!(g[&OptionId::new("a").unwrap()], 0);
    }

    #[test]
    fn differences_are_named_field_by_field() {
        let expected: toml::Table = toml::from_str("for = 3\nagainst = 1").unwrap();
        let counted = json!({ "for": 3, "against": 2, "ballots": 5 });
        let diffs = compare("charte", &expected, &counted);
        assert_eq!(diffs.len(), 2);
        assert_eq!(diffs[0].field, "against");
        assert_eq!(diffs[1].field, "ballots");
    }
}
