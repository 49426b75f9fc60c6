//! Ballot files counted by `urne tally`: Urne's own ballot JSON, PrefLib rankings and pabulib
//! participatory budgets, each read into a poll and its ballots, then counted by the one tally
//! engine ([`urne_core::tally::tally`]).
//!
//! The parsers ([`urne_json`], [`preflib`], [`pabulib`]) only read and check: they turn a file's
//! text into a [`Poll`] and its [`WeightedBallot`]s, refusing the whole file at the first
//! problem with the line (and, for Urne's JSON, the 1-based ballot number) where it is. Nothing
//! here counts a vote: [`count`] hands the ballots to the engine with an empty
//! [`TallyContext`] (a file carries no roster and no attendance, so there is no quorum).
//! The formats, the output and the exit codes are documented in `docs/formats-ballots.md`.

pub mod pabulib;
pub mod preflib;
pub mod urne_json;

use std::path::Path;

use serde::Serialize;
use urne_core::ballot::{BallotError, WeightedBallot};
use urne_core::ids::OptionId;
use urne_core::poll::{BudgetMethod, Poll, PollError, PollKind};
use urne_core::tally::{self, Details, Lang, PollResult, TallyContext, TallyError};

/// A file read into the poll it describes and its ballots, in file order.
pub type Parsed = (Poll, Vec<WeightedBallot>);

/// How `--method` asks for a file to be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Method {
    /// A motion: pour / contre / abstention.
    Motion,
    /// One option among several.
    Single,
    /// Approval of several options.
    Approval,
    /// Majority Judgment (jugement majoritaire).
    MajorityJudgment,
    /// Condorcet-Schulze on rankings.
    Schulze,
    /// Participatory budget, greedy by approvals.
    Greedy,
    /// Participatory budget, Method of Equal Shares.
    EqualShares,
}

impl Method {
    /// The name written after `--method`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Motion => "motion",
            Method::Single => "single",
            Method::Approval => "approval",
            Method::MajorityJudgment => "majority-judgment",
            Method::Schulze => "schulze",
            Method::Greedy => "greedy",
            Method::EqualShares => "equal-shares",
        }
    }

    /// The method a poll is counted with when `--method` is not given.
    pub fn of(poll: &Poll) -> Method {
        match &poll.kind {
            PollKind::Motion { .. } => Method::Motion,
            PollKind::SingleChoice { .. } => Method::Single,
            PollKind::Approval { .. } => Method::Approval,
            PollKind::MajorityJudgment { .. } => Method::MajorityJudgment,
            PollKind::Ranking { .. } => Method::Schulze,
            PollKind::Budget {
                method: BudgetMethod::Greedy,
                ..
            } => Method::Greedy,
            PollKind::Budget {
                method: BudgetMethod::EqualShares,
                ..
            } => Method::EqualShares,
        }
    }

    /// The methods that can count a poll of this kind: the ballots of a kind carry what its
    /// own method needs and nothing more (a ranking has no grades, approvals have no costs), so
    /// only the two budget allocations are interchangeable.
    pub fn accepted_for(kind: &PollKind) -> &'static [Method] {
        match kind {
            PollKind::Motion { .. } => &[Method::Motion],
            PollKind::SingleChoice { .. } => &[Method::Single],
            PollKind::Approval { .. } => &[Method::Approval],
            PollKind::MajorityJudgment { .. } => &[Method::MajorityJudgment],
            PollKind::Ranking { .. } => &[Method::Schulze],
            PollKind::Budget { .. } => &[Method::EqualShares, Method::Greedy],
        }
    }
}

/// `--method` asked for a count that the file's ballots cannot give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--method {} cannot count this file: its ballots are for a {kind} poll (use {})",
    .method.name(), accepted_names(.accepted))]
pub struct MethodError {
    /// The method asked for.
    pub method: Method,
    /// The poll's kind (`ranking`, `budget`, …).
    pub kind: &'static str,
    /// The methods that would do.
    pub accepted: &'static [Method],
}

fn accepted_names(methods: &[Method]) -> String {
    methods
        .iter()
        .map(|m| format!("--method {}", m.name()))
        .collect::<Vec<_>>()
        .join(" or ")
}

impl MethodError {
    /// The message shown to the organiser.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Fr => format!(
                "--method {} ne peut pas compter ce fichier : ses bulletins sont ceux d'un scrutin \
                 de type {} (utilisez {})",
                self.method.name(),
                self.kind,
                accepted_names(self.accepted).replace(" or ", " ou ")
            ),
        }
    }
}

/// Makes `poll` counted with `method`, when its ballots allow it.
pub fn apply_method(poll: &mut Poll, method: Method) -> Result<(), MethodError> {
    let accepted = Method::accepted_for(&poll.kind);
    if !accepted.contains(&method) {
        return Err(MethodError {
            method,
            kind: poll.kind.name(),
            accepted,
        });
    }
    if let PollKind::Budget { method: m, .. } = &mut poll.kind {
        *m = match method {
            Method::Greedy => BudgetMethod::Greedy,
            _ => BudgetMethod::EqualShares,
        };
    }
    Ok(())
}

/// What exactly is wrong, wherever it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The bytes are not UTF-8 text.
    #[error("the file is not UTF-8 text")]
    NotText,
    /// Neither the name nor the content tells the format.
    #[error(
        "cannot tell the format: name the file .json (Urne ballots), .soc, .soi, .toc, .toi \
         (PrefLib) or .pb (pabulib)"
    )]
    UnknownFormat,
    /// JSON that does not parse, or not in the shape of Urne's ballot files.
    #[error("{0}")]
    Json(String),
    /// The `format` field names another format or version.
    #[error("« {0} » is not a format this version reads (expected « urne-ballots/1 »)")]
    FormatTag(String),
    /// The poll definition is refused by Urne.
    #[error("the poll definition is invalid: {0}")]
    Poll(PollError),
    /// A ballot refused by Urne's rules (unknown option, duplicate rank, grade out of scale,
    /// too many approvals, …).
    #[error("{0}")]
    Ballot(BallotError),
    /// An option listed twice on one ballot, where the engine's sets would silently merge it.
    #[error("« {0} » appears more than once on this ballot")]
    Repeated(String),
    /// A motion decided on the roster's size, which a file does not carry.
    #[error(
        "this motion's majority is counted on the members of the roster, which a ballot file \
         does not carry: count it with `urne verify` on the results bundle"
    )]
    MembersMajority,
    /// The weights add up beyond what the engine counts.
    #[error("the total weight of the ballots overflows")]
    Overflow,
    /// A PrefLib file in the format used before 2022.
    #[error(
        "this looks like the PrefLib format used before 2022, which is not read: use the files of preflib.org in the current format (`# NUMBER ALTERNATIVES: …`, `count: a,b,…`)"
    )]
    LegacyPreflib,
    /// A PrefLib data type other than the four kinds of orders.
    #[error("PrefLib data type « {0} » holds no rankings (expected soc, soi, toc or toi)")]
    DataType(String),
    /// The file's name and its `DATA TYPE` disagree.
    #[error("the file is named .{named} but says DATA TYPE: {declared}")]
    DataTypeConflict {
        /// From the file name.
        named: String,
        /// From the metadata.
        declared: String,
    },
    /// A line that is neither metadata (`# …`) nor `count: order`.
    #[error("expected `count: order` (e.g. `3: 2,1,{{3,4}}`) or a `# KEY: value` line")]
    NotADataLine,
    /// Something that should be a whole number is not.
    #[error("« {0} » is not a whole number")]
    NotANumber(String),
    /// A PrefLib count of zero.
    #[error("a count of 0 voters is not meaningful")]
    ZeroCount,
    /// A count or weight beyond what a ballot's weight holds.
    #[error("the count {0} is larger than {max} (the largest weight of one ballot)", max = u32::MAX)]
    CountOverflow(String),
    /// The order on a PrefLib line does not parse.
    #[error("the order « {order} » does not parse: {reason}")]
    BadOrder {
        /// The order as written.
        order: String,
        /// What was expected.
        reason: &'static str,
    },
    /// An alternative number that the file does not have.
    #[error("there is no alternative {found} (the file has alternatives 1 to {count})")]
    UnknownAlternative {
        /// The number written.
        found: u64,
        /// How many alternatives the file has.
        count: usize,
    },
    /// An alternative ranked twice on one line.
    #[error("alternative {0} is ranked more than once")]
    RankedTwice(u64),
    /// Ties in a strict-order file.
    #[error("a {0} file has strict orders, but this line has a tie {{…}}")]
    TieInStrictOrder(&'static str),
    /// A partial order in a complete-order file.
    #[error("a {kind} file ranks every alternative, but {missing} are missing on this line")]
    IncompleteOrder {
        /// soc or toc.
        kind: &'static str,
        /// How many are missing.
        missing: usize,
    },
    /// No alternatives declared.
    #[error(
        "no alternatives: the file needs `# NUMBER ALTERNATIVES: n` or `# ALTERNATIVE NAME i: …` lines"
    )]
    NoAlternatives,
    /// More alternatives than Urne counts from a file.
    #[error("{found} alternatives: Urne counts at most {max} from a file")]
    TooManyAlternatives {
        /// Declared.
        found: u64,
        /// The limit.
        max: usize,
    },
    /// Two metadata lines for the same thing.
    #[error("« {0} » is given twice")]
    DuplicateMetadata(String),
    /// A declared total that the data does not match (a truncated or edited file).
    #[error("the file declares {declared} {what}, but its data lines give {found}")]
    Mismatch {
        /// What was counted (`voters`, `unique orders`, `projects`, `votes`).
        what: &'static str,
        /// Declared in the metadata.
        declared: u64,
        /// Found in the data.
        found: u64,
    },
    /// A pabulib file without one of its sections.
    #[error("the {0} section is missing")]
    MissingSection(&'static str),
    /// A pabulib section out of place or repeated.
    #[error("the sections must appear once each, in the order META, PROJECTS, VOTES")]
    SectionOrder,
    /// A pabulib line before the first section.
    #[error("a line before the META section")]
    OutsideSection,
    /// A required column is missing from a section's header.
    #[error("the {section} header has no « {column} » column")]
    MissingColumn {
        /// PROJECTS or VOTES.
        section: &'static str,
        /// The column.
        column: &'static str,
    },
    /// A row longer than its header.
    #[error("{found} fields, but the header has {expected}")]
    TooManyFields {
        /// On the line.
        found: usize,
        /// In the header.
        expected: usize,
    },
    /// A required META key is missing.
    #[error("the META section has no « {0} »")]
    MissingMeta(&'static str),
    /// An amount that is not a whole number of currency units.
    #[error("{what} « {value} » is not a whole number of currency units")]
    BadAmount {
        /// budget or cost.
        what: &'static str,
        /// As written.
        value: String,
    },
    /// Votes of another type than approval.
    #[error(
        "vote_type « {0} »: only approval votes are counted (ordinal, cumulative and scoring votes are not)"
    )]
    VoteType(String),
    /// A project id that cannot become an option id.
    #[error(
        "the project id « {0} » cannot be used (after lower-casing, ids are 1 to 32 characters among a-z, 0-9 and '-')"
    )]
    BadProjectId(String),
    /// Two projects with the same id, or ids that differ only by case or punctuation.
    #[error("the project « {id} » repeats the id of line {first_line}")]
    DuplicateProject {
        /// The repeated id.
        id: String,
        /// Where it first appeared.
        first_line: u64,
    },
    /// A vote for a project that the file does not list.
    #[error("unknown project « {0} »")]
    UnknownProject(String),
    /// The same voter twice.
    #[error("the voter id « {id} » repeats line {first_line}")]
    DuplicateVoter {
        /// The voter id.
        id: String,
        /// Where it first appeared.
        first_line: u64,
    },
    /// More or fewer approvals than META allows.
    #[error("{found} projects approved, but the file allows {min} to {max}")]
    ApprovalCount {
        /// On the vote.
        found: usize,
        /// META min_length (1 when absent).
        min: u64,
        /// META max_length (unbounded when absent).
        max: u64,
    },
    /// An empty item in a comma-separated list.
    #[error("an empty project id in « {0} »")]
    EmptyItem(String),
    /// A weight that is not a positive whole number.
    #[error("the weight « {0} » is not a whole number from 1 to {max}", max = u32::MAX)]
    BadWeight(String),
    /// The CSV layer could not read the text.
    #[error("{0}")]
    Csv(String),
}

impl Problem {
    /// The message in French; English is the [`std::fmt::Display`] text.
    fn french(&self) -> String {
        match self {
            Problem::NotText => "le fichier n'est pas du texte UTF-8".into(),
            Problem::UnknownFormat => "format inconnu : nommez le fichier .json (bulletins Urne), \
                                      .soc, .soi, .toc, .toi (PrefLib) ou .pb (pabulib)"
                .into(),
            Problem::Json(m) => format!("JSON invalide : {m}"),
            Problem::FormatTag(t) => format!(
                "« {t} » n'est pas un format lu par cette version (« urne-ballots/1 » attendu)"
            ),
            Problem::Poll(e) => format!("la définition du scrutin est invalide : {e}"),
            Problem::Ballot(e) => ballot_error_fr(e),
            Problem::Repeated(id) => format!("« {id} » figure plusieurs fois sur ce bulletin"),
            Problem::MembersMajority => "la majorité de cette motion se compte sur les membres \
                                         de la liste, qu'un fichier de bulletins ne contient pas : \
                                         comptez-la avec `urne verify` sur le paquet de résultats"
                .into(),
            Problem::Overflow => "le poids total des bulletins déborde".into(),
            Problem::LegacyPreflib => "ce fichier semble être à l'ancien format PrefLib (avant \
                                       2022), qui n'est pas lu : utilisez les fichiers de \
                                       preflib.org au format actuel"
                .into(),
            Problem::DataType(t) => format!(
                "le type de données PrefLib « {t} » ne contient pas de classements (soc, soi, toc \
                 ou toi attendu)"
            ),
            Problem::DataTypeConflict { named, declared } => {
                format!("le fichier est nommé .{named} mais indique DATA TYPE: {declared}")
            }
            Problem::NotADataLine => {
                "`nombre: ordre` (par ex. `3: 2,1,{3,4}`) ou `# CLÉ: valeur` attendu".into()
            }
            Problem::NotANumber(t) => format!("« {t} » n'est pas un nombre entier"),
            Problem::ZeroCount => "un nombre de 0 votant n'a pas de sens".into(),
            Problem::CountOverflow(t) => format!(
                "le nombre {t} dépasse {} (le plus grand poids d'un bulletin)",
                u32::MAX
            ),
            Problem::BadOrder { order, reason } => {
                format!("l'ordre « {order} » est illisible : {reason}")
            }
            Problem::UnknownAlternative { found, count } => format!(
                "il n'y a pas d'alternative {found} (le fichier a les alternatives 1 à {count})"
            ),
            Problem::RankedTwice(a) => format!("l'alternative {a} est classée plusieurs fois"),
            Problem::TieInStrictOrder(kind) => format!(
                "un fichier {kind} contient des ordres stricts, mais cette ligne a une égalité {{…}}"
            ),
            Problem::IncompleteOrder { kind, missing } => format!(
                "un fichier {kind} classe toutes les alternatives, mais il en manque {missing} sur \
                 cette ligne"
            ),
            Problem::NoAlternatives => "aucune alternative : il faut une ligne `# NUMBER \
                                        ALTERNATIVES: n` ou des lignes `# ALTERNATIVE NAME i: …`"
                .into(),
            Problem::TooManyAlternatives { found, max } => {
                format!("{found} alternatives : Urne en compte au plus {max} depuis un fichier")
            }
            Problem::DuplicateMetadata(k) => format!("« {k} » est donné deux fois"),
            Problem::Mismatch {
                what,
                declared,
                found,
            } => {
                let what = match *what {
                    "voters" => "votants",
                    "unique orders" => "ordres distincts",
                    "projects" => "projets",
                    "votes" => "votes",
                    other => other,
                };
                format!(
                    "le fichier annonce {declared} {what}, mais ses lignes de données en donnent \
                     {found}"
                )
            }
            Problem::MissingSection(s) => format!("la section {s} manque"),
            Problem::SectionOrder => "les sections doivent figurer une fois chacune, dans \
                                      l'ordre META, PROJECTS, VOTES"
                .into(),
            Problem::OutsideSection => "une ligne avant la section META".into(),
            Problem::MissingColumn { section, column } => {
                format!("l'en-tête de {section} n'a pas de colonne « {column} »")
            }
            Problem::TooManyFields { found, expected } => {
                format!("{found} champs, mais l'en-tête en a {expected}")
            }
            Problem::MissingMeta(k) => format!("la section META n'a pas de « {k} »"),
            Problem::BadAmount { what, value } => {
                let what = if *what == "budget" {
                    "le budget"
                } else {
                    "le coût"
                };
                format!("{what} « {value} » n'est pas un nombre entier d'unités monétaires")
            }
            Problem::VoteType(t) => format!(
                "vote_type « {t} » : seuls les votes par approbation sont comptés (pas les votes \
                 ordinaux, cumulatifs ni à points)"
            ),
            Problem::BadProjectId(id) => format!(
                "l'identifiant de projet « {id} » est inutilisable (en minuscules, 1 à 32 \
                 caractères parmi a-z, 0-9 et '-')"
            ),
            Problem::DuplicateProject { id, first_line } => {
                format!("le projet « {id} » reprend l'identifiant de la ligne {first_line}")
            }
            Problem::UnknownProject(id) => format!("projet inconnu « {id} »"),
            Problem::DuplicateVoter { id, first_line } => {
                format!("l'identifiant de votant « {id} » reprend la ligne {first_line}")
            }
            Problem::ApprovalCount { found, min, max } => {
                format!("{found} projets approuvés, mais le fichier en permet de {min} à {max}")
            }
            Problem::EmptyItem(list) => format!("un identifiant de projet vide dans « {list} »"),
            Problem::BadWeight(w) => format!(
                "le poids « {w} » n'est pas un nombre entier de 1 à {}",
                u32::MAX
            ),
            Problem::Csv(m) => format!("lecture impossible : {m}"),
        }
    }
}

/// The engine's ballot errors, in French (urne-core words them in English).
fn ballot_error_fr(e: &BallotError) -> String {
    match e {
        BallotError::WrongKind { expected, found } => {
            format!("ce bulletin est celui d'un scrutin {found}, mais le scrutin est {expected}")
        }
        BallotError::BlankNotAllowed => "le vote blanc n'est pas proposé dans ce scrutin".into(),
        BallotError::UnknownOption(id) => format!("option inconnue « {id} »"),
        BallotError::ApprovalCount { found, min, max } => {
            format!("{found} options approuvées, mais le scrutin en demande de {min} à {max}")
        }
        BallotError::MissingGrade(id) => format!("le candidat « {id} » n'a pas de mention"),
        BallotError::GradeOutOfScale {
            candidate,
            grade,
            grades,
        } => format!(
            "la mention {grade} pour « {candidate} » sort de l'échelle de {grades} mentions"
        ),
        BallotError::DuplicateRank(id) => {
            format!("le candidat « {id} » est classé plusieurs fois")
        }
        BallotError::EmptyTier => "un classement ne peut pas contenir de rang vide".into(),
        BallotError::ZeroWeight => "le poids d'un bulletin doit être au moins 1".into(),
    }
}

/// Why a file was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// A problem on one line.
    #[error("line {line}: {problem}")]
    Line {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        problem: Problem,
    },
    /// A problem with one ballot of an Urne JSON file.
    #[error("ballot {ballot} (line {line}): {problem}")]
    Ballot {
        /// 1-based position of the ballot in the file's `ballots` list.
        ballot: usize,
        /// 1-based line where the ballot starts.
        line: u64,
        /// What is wrong.
        problem: Problem,
    },
    /// A ballot the engine refused, by its 1-based position among the ballots read (data
    /// lines or rows, in file order); the parsers check everything the engine does, so this
    /// only shows if the engine's rules outgrow them.
    #[error("ballot {ballot}: {problem}")]
    Counted {
        /// 1-based position among the ballots read.
        ballot: usize,
        /// What is wrong.
        problem: Problem,
    },
    /// A problem with the file as a whole.
    #[error("{0}")]
    File(Problem),
}

impl FileError {
    /// An error on one line.
    pub fn line(line: u64, problem: Problem) -> Self {
        FileError::Line { line, problem }
    }

    /// What is wrong, wherever it is.
    pub fn problem(&self) -> &Problem {
        match self {
            FileError::Line { problem, .. }
            | FileError::Ballot { problem, .. }
            | FileError::Counted { problem, .. }
            | FileError::File(problem) => problem,
        }
    }

    /// The message shown to the organiser.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Fr => match self {
                FileError::Line { line, problem } => {
                    format!("ligne {line} : {}", problem.french())
                }
                FileError::Ballot {
                    ballot,
                    line,
                    problem,
                } => format!("bulletin {ballot} (ligne {line}) : {}", problem.french()),
                FileError::Counted { ballot, problem } => {
                    format!("bulletin {ballot} : {}", problem.french())
                }
                FileError::File(problem) => problem.french(),
            },
        }
    }
}

/// The formats `urne tally` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Urne's ballot JSON (`urne-ballots/1`).
    UrneJson,
    /// A PrefLib file of orders; the kind named by the file's extension, when it has one.
    Preflib(Option<preflib::OrderKind>),
    /// A pabulib `.pb` file.
    Pabulib,
}

impl Format {
    /// Tells the format from the file name, or else from the first characters of the text.
    pub fn detect(path: &Path, text: &str) -> Option<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json") => return Some(Format::UrneJson),
            Some("pb") => return Some(Format::Pabulib),
            Some(e) => {
                if let Some(kind) = preflib::OrderKind::from_name(e) {
                    return Some(Format::Preflib(Some(kind)));
                }
            }
            None => {}
        }
        let start = text.trim_start_matches('\u{feff}').trim_start();
        let first_line = start.lines().next().unwrap_or("").trim();
        if start.starts_with('{') {
            Some(Format::UrneJson)
        } else if first_line.eq_ignore_ascii_case("meta") {
            Some(Format::Pabulib)
        } else if start.starts_with('#') {
            Some(Format::Preflib(None))
        } else {
            None
        }
    }

    /// A short name for reports.
    pub fn name(self) -> String {
        match self {
            Format::UrneJson => "Urne JSON (urne-ballots/1)".into(),
            Format::Preflib(Some(kind)) => format!("PrefLib .{}", kind.name()),
            Format::Preflib(None) => "PrefLib".into(),
            Format::Pabulib => "pabulib .pb".into(),
        }
    }

    /// Reads `text` in this format.
    pub fn parse(self, text: &str) -> Result<Parsed, FileError> {
        match self {
            Format::UrneJson => urne_json::parse(text),
            Format::Preflib(kind) => preflib::parse(text, kind),
            Format::Pabulib => pabulib::parse(text),
        }
    }
}

/// Counts a file's ballots with the one tally engine. There is no roster and no attendance in a
/// file, hence the empty context: no quorum, and (see [`Problem::MembersMajority`]) no
/// majority of the members.
pub fn count(poll: &Poll, ballots: &[WeightedBallot]) -> Result<PollResult, FileError> {
    tally::tally(poll, ballots, &TallyContext::default()).map_err(|e| match e {
        // The parsers validate every ballot already; this keeps a clear message if the engine
        // ever checks more than they do.
        TallyError::InvalidBallot { index, error } => FileError::Counted {
            ballot: index + 1,
            problem: Problem::Ballot(error),
        },
        TallyError::Overflow => FileError::File(Problem::Overflow),
    })
}

/// What `urne tally` prints as JSON: the engine's result, with Equal Shares'
/// `funded_before_completion` repeated at the top level beside `funded`.
#[derive(Debug, Serialize)]
pub struct Printed<'a> {
    /// The engine's result, field for field.
    #[serde(flatten)]
    pub result: &'a PollResult,
    /// Under Equal Shares: the projects funded before the completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funded_before_completion: Option<&'a [OptionId]>,
}

impl<'a> Printed<'a> {
    /// Wraps a result for printing.
    pub fn new(result: &'a PollResult) -> Self {
        let funded_before_completion = match &result.details {
            Details::Budget(b) => b.funded_before_completion.as_deref(),
            _ => None,
        };
        Printed {
            result,
            funded_before_completion,
        }
    }
}

/// The JSON printed by `urne tally` (pretty, with a final newline).
pub fn render_json(result: &PollResult) -> String {
    let mut text =
        serde_json::to_string_pretty(&Printed::new(result)).expect("results always serialise");
    text.push('\n');
    text
}

/// A whole number written with digits only (no sign, no spaces inside).
pub(crate) fn whole(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Lower-cases `text` and replaces every character outside `a-z`, `0-9` and `-` by `-`, so
/// that metadata can name a poll; `None` when nothing usable is left.
pub(crate) fn slug(text: &str, max: usize) -> Option<String> {
    let mut s: String = text
        .trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    // Runs of dashes come from spaces and punctuation; one is enough to read.
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-');
    let s: String = s.chars().take(max).collect();
    let s = s.trim_end_matches('-');
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_what_an_id_allows() {
        assert_eq!(
            slug("Debian 2002 Leader", 32).as_deref(),
            Some("debian-2002-leader")
        );
        assert_eq!(slug("  Łódź — 2024 ", 32).as_deref(), Some("d-2024"));
        assert_eq!(slug("---", 32), None);
        assert_eq!(slug(&"x".repeat(40), 32).map(|s| s.len()), Some(32));
    }

    #[test]
    fn formats_are_told_by_name_then_by_content() {
        let p = Path::new;
        assert_eq!(Format::detect(p("a.JSON"), ""), Some(Format::UrneJson));
        assert_eq!(Format::detect(p("a.pb"), ""), Some(Format::Pabulib));
        assert_eq!(
            Format::detect(p("a.toi"), ""),
            Some(Format::Preflib(Some(preflib::OrderKind::Toi)))
        );
        assert_eq!(
            Format::detect(p("a.txt"), "META\nkey;value"),
            Some(Format::Pabulib)
        );
        assert_eq!(
            Format::detect(p("a"), "# FILE NAME: x"),
            Some(Format::Preflib(None))
        );
        assert_eq!(
            Format::detect(p("a"), " {\"format\":1}"),
            Some(Format::UrneJson)
        );
        assert_eq!(Format::detect(p("a.csv"), "nom;prénom"), None);
    }
}
