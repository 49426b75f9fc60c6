//! The event description file (`event.toml`) that an organiser writes by hand, and its
//! translation into urne-core's `Event`.
//!
//! The format is documented in `docs/formats.md`; `demo/assemblee-demo.toml` is the commented
//! example. Option ids may be given explicitly or are derived from labels
//! (« Salle des fêtes » → `salle-des-fetes`).

use std::collections::BTreeSet;

use serde::Deserialize;
use urne_codec::slug::slugify;
use urne_core::event::{Event, Organiser};
use urne_core::ids::{EventId, MemberId, OptionId, PollId};
use urne_core::poll::{BudgetMethod, Poll, PollKind, PollOption, Project};
use urne_core::rand_core::{CryptoRng, Rng};
use urne_core::rules::{
    Fraction, MajorityBase, MajorityRule, Quorum, QuorumMinimum, RuleError, Threshold,
};
use urne_core::timestamp::Timestamp;

/// Why an event description was refused.
#[derive(Debug, thiserror::Error)]
pub enum EventFileError {
    /// Not valid TOML, or a field of the wrong kind.
    #[error("the event file is not valid: {0}")]
    Syntax(String),
    /// A value that does not make sense.
    #[error("the event file is not valid: {0}")]
    Invalid(String),
}

impl From<RuleError> for EventFileError {
    fn from(e: RuleError) -> Self {
        Self::Invalid(e.to_string())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct File {
    event: EventSection,
    #[serde(default)]
    organiser: Vec<OrganiserSection>,
    #[serde(default)]
    poll: Vec<PollSection>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct EventSection {
    id: String,
    title: String,
    place: String,
    date: String,
    organisation: Option<String>,
    #[serde(default = "one")]
    proxies_per_holder: u32,
    quorum: Option<QuorumSection>,
    badges_valid_from: Option<String>,
    badges_valid_until: Option<String>,
    #[serde(default)]
    badge_keys: Vec<String>,
    #[serde(default)]
    revoked_badges: Vec<String>,
    small_poll: Option<u32>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct QuorumSection {
    count: Option<u64>,
    share_of_members: Option<String>,
    #[serde(default = "yes")]
    count_proxies: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct OrganiserSection {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OptionSpec {
    Label(String),
    Full {
        id: Option<String>,
        label: String,
        cost: Option<u64>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum MajoritySpec {
    Named(String),
    Custom {
        #[serde(rename = "more-than")]
        more_than: Option<String>,
        #[serde(rename = "at-least")]
        at_least: Option<String>,
        of: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct PollSection {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    question: String,
    #[serde(default)]
    blank_allowed: Option<bool>,
    majority: Option<MajoritySpec>,
    #[serde(default)]
    blank_is_expressed: bool,
    #[serde(default)]
    options: Vec<OptionSpec>,
    #[serde(default)]
    candidates: Vec<OptionSpec>,
    #[serde(default)]
    projects: Vec<OptionSpec>,
    min: Option<u32>,
    max: Option<u32>,
    grades: Option<u8>,
    budget: Option<u64>,
    method: Option<String>,
}

fn invalid(msg: impl Into<String>) -> EventFileError {
    EventFileError::Invalid(msg.into())
}

fn options(
    poll: &str,
    specs: &[OptionSpec],
    what: &str,
) -> Result<Vec<(OptionId, String, Option<u64>)>, EventFileError> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for spec in specs {
        let (id, label, cost) = match spec {
            OptionSpec::Label(label) => (None, label.clone(), None),
            OptionSpec::Full { id, label, cost } => (id.clone(), label.clone(), *cost),
        };
        let id = match id {
            Some(id) => id,
            None => {
                // Two labels may fold to the same slug: number the later ones.
                let base = slugify(&label);
                let mut candidate = base.clone();
                let mut n = 2;
                while seen.contains(&candidate) {
                    candidate = format!("{}-{n}", &base[..base.len().min(28)]);
                    n += 1;
                }
                candidate
            }
        };
        let id = OptionId::new(id)
            .map_err(|e| invalid(format!("poll « {poll} », {what} « {label} »: {e}")))?;
        seen.insert(id.to_string());
        out.push((id, label, cost));
    }
    Ok(out)
}

fn majority(
    spec: Option<&MajoritySpec>,
    blank_is_expressed: bool,
) -> Result<MajorityRule, EventFileError> {
    let mut rule = match spec {
        None => MajorityRule::SIMPLE,
        Some(MajoritySpec::Named(name)) => match name.as_str() {
            "simple" => MajorityRule::SIMPLE,
            "absolute" => MajorityRule::ABSOLUTE,
            "two-thirds" => MajorityRule::TWO_THIRDS,
            "three-fifths" => MajorityRule {
                threshold: Threshold::AtLeast(Fraction::THREE_FIFTHS),
                ..MajorityRule::TWO_THIRDS
            },
            other => {
                return Err(invalid(format!(
                    "unknown majority « {other} » (simple, absolute, two-thirds, three-fifths, or {{ at-least = \"a/b\", of = \"expressed\" }})"
                )));
            }
        },
        Some(MajoritySpec::Custom {
            more_than,
            at_least,
            of,
        }) => {
            let threshold = match (more_than, at_least) {
                (Some(f), None) => Threshold::MoreThan(Fraction::parse(f)?),
                (None, Some(f)) => Threshold::AtLeast(Fraction::parse(f)?),
                _ => {
                    return Err(invalid(
                        "a majority needs exactly one of more-than or at-least",
                    ));
                }
            };
            let base = match of.as_deref().unwrap_or("expressed") {
                "expressed" => MajorityBase::Expressed,
                "members" => MajorityBase::Members,
                other => {
                    return Err(invalid(format!(
                        "unknown majority base « {other} » (expressed or members)"
                    )));
                }
            };
            MajorityRule {
                base,
                threshold,
                blank_is_expressed: false,
            }
        }
    };
    rule.blank_is_expressed = blank_is_expressed;
    Ok(rule)
}

fn poll(section: &PollSection) -> Result<Poll, EventFileError> {
    let id = PollId::new(section.id.clone()).map_err(|e| invalid(e.to_string()))?;
    let labelled = |specs: &[OptionSpec], what: &str| -> Result<Vec<PollOption>, EventFileError> {
        Ok(options(&section.id, specs, what)?
            .into_iter()
            .map(|(id, label, _)| PollOption { id, label })
            .collect())
    };
    let kind = match section.kind.as_str() {
        "motion" => PollKind::Motion {
            blank_allowed: section.blank_allowed.unwrap_or(false),
            rule: majority(section.majority.as_ref(), section.blank_is_expressed)?,
        },
        "single-choice" => PollKind::SingleChoice {
            options: labelled(&section.options, "option")?,
            blank_allowed: section.blank_allowed.unwrap_or(false),
        },
        "approval" => {
            let options = labelled(&section.options, "option")?;
            let n = u32::try_from(options.len()).unwrap_or(u32::MAX);
            PollKind::Approval {
                options,
                min: section.min.unwrap_or(1),
                max: section.max.unwrap_or(n),
                blank_allowed: section.blank_allowed.unwrap_or(false),
            }
        }
        "majority-judgment" => PollKind::MajorityJudgment {
            candidates: labelled(&section.candidates, "candidate")?,
            grades: section.grades.unwrap_or(7),
        },
        "ranking" => PollKind::Ranking {
            candidates: labelled(&section.candidates, "candidate")?,
        },
        "budget" => {
            let projects = options(&section.id, &section.projects, "project")?
                .into_iter()
                .map(|(id, label, cost)| {
                    let cost = cost.ok_or_else(|| {
                        invalid(format!(
                            "poll « {} », project « {label} » has no cost",
                            section.id
                        ))
                    })?;
                    Ok(Project { id, label, cost })
                })
                .collect::<Result<Vec<_>, EventFileError>>()?;
            let method = match section.method.as_deref().unwrap_or("equal-shares") {
                "greedy" => BudgetMethod::Greedy,
                "equal-shares" => BudgetMethod::EqualShares,
                other => {
                    return Err(invalid(format!(
                        "poll « {} »: unknown budget method « {other} » (greedy or equal-shares)",
                        section.id
                    )));
                }
            };
            PollKind::Budget {
                projects,
                budget: section
                    .budget
                    .ok_or_else(|| invalid(format!("poll « {} » has no budget", section.id)))?,
                method,
            }
        }
        other => {
            return Err(invalid(format!(
                "poll « {} »: unknown type « {other} » (motion, single-choice, approval, majority-judgment, ranking, budget)",
                section.id
            )));
        }
    };
    Ok(Poll {
        id,
        question: section.question.trim().to_owned(),
        kind,
    })
}

fn parse_date(date: &str) -> Result<Timestamp, EventFileError> {
    Timestamp::parse_rfc3339(&format!("{date}T00:00:00Z"))
        .ok_or_else(|| invalid(format!("« {date} » is not a date (YYYY-MM-DD)")))
}

/// Parses an event description. Organiser badge ids are drawn from `rng`.
pub fn parse<R: Rng + CryptoRng + ?Sized>(
    text: &str,
    rng: &mut R,
) -> Result<Event, EventFileError> {
    let file: File = toml::from_str(text).map_err(|e| EventFileError::Syntax(e.to_string()))?;
    let section = file.event;
    let id = EventId::new(section.id.clone()).map_err(|e| invalid(e.to_string()))?;
    let day = parse_date(&section.date)?;
    let quorum = match section.quorum {
        None => None,
        Some(q) => {
            let minimum = match (q.count, q.share_of_members) {
                (Some(n), None) => QuorumMinimum::Count(n),
                (None, Some(share)) => QuorumMinimum::ShareOfMembers(Fraction::parse(&share)?),
                _ => {
                    return Err(invalid(
                        "the quorum needs exactly one of count or share-of-members",
                    ));
                }
            };
            Some(Quorum {
                minimum,
                count_proxies: q.count_proxies,
            })
        }
    };
    let time = |text: &Option<String>, default: Timestamp| -> Result<Timestamp, EventFileError> {
        match text {
            None => Ok(default),
            Some(t) => Timestamp::parse_rfc3339(t)
                .ok_or_else(|| invalid(format!("« {t} » is not a date and time (RFC 3339)"))),
        }
    };
    // By default a badge is valid from the day before to the day after the event, which covers
    // every time zone and an evening that runs past midnight.
    let badges_valid_from = time(&section.badges_valid_from, day.plus_seconds(-86_400))?;
    let badges_valid_until = time(&section.badges_valid_until, day.plus_seconds(2 * 86_400))?;
    if badges_valid_until <= badges_valid_from {
        return Err(invalid(
            "badges-valid-until must come after badges-valid-from",
        ));
    }
    let organisers = file
        .organiser
        .iter()
        .map(|o| Organiser {
            id: MemberId::random(rng),
            name: o.name.trim().to_owned(),
        })
        .collect();
    let polls = file.poll.iter().map(poll).collect::<Result<Vec<_>, _>>()?;
    let revoked_badges = section
        .revoked_badges
        .iter()
        .map(|id| MemberId::parse(id.trim()).map_err(|e| invalid(format!("revoked-badges: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let event = Event {
        id,
        title: section.title.trim().to_owned(),
        place: section.place.trim().to_owned(),
        date: section.date,
        organisation: section.organisation,
        proxies_per_holder: section.proxies_per_holder,
        quorum,
        badges_valid_from,
        badges_valid_until,
        organisers,
        badge_keys: section.badge_keys,
        revoked_badges,
        small_poll: section.small_poll.unwrap_or(urne_core::event::SMALL_POLL),
        polls,
    };
    event.validate().map_err(|e| invalid(e.to_string()))?;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn the_demo_event_parses() {
        let text = include_str!("../../../demo/assemblee-demo.toml");
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let event = parse(text, &mut rng).unwrap();
        assert_eq!(event.polls.len(), 7);
        assert_eq!(event.polls[0].id.as_str(), "charte");
        assert_eq!(event.organisers.len(), 1);
    }

    #[test]
    fn mistakes_are_named() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let text = r#"
            [event]
            id = "x"
            title = "T"
            place = "P"
            date = "2026-12-05"
            [[poll]]
            id = "p"
            type = "vote-secret"
            question = "?"
        "#;
        let err = parse(text, &mut rng).unwrap_err().to_string();
        assert!(err.contains("unknown type « vote-secret »"), "{err}");
    }
}
