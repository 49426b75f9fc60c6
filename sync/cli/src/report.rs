//! `urne verify`'s reports: a verified bundle's [`Report`] (or the first check that failed) told
//! in French or English for a reader, or as JSON for a script. The checks are urne-codec's.

use serde::Serialize;
use urne_codec::bundle::OpenError;
use urne_codec::verify::{Report, VerifyError};
use urne_core::results::{PollState, ResultsError};
use urne_core::tally::{self, Lang, PollResult};
use urne_core::timestamp::Timestamp;

/// The readable report.
pub fn render(report: &Report, lang: Lang) -> String {
    let c = &report.content;
    let fr = lang == Lang::Fr;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    if c.test {
        line(if fr {
            "⚠ ESSAI À BLANC : ce bundle vient d'un jeu d'essai (test deck). Ce n'est JAMAIS un résultat réel.".into()
        } else {
            "⚠ TEST DECK RUN: this bundle comes from a logic-and-accuracy test. It is NEVER a real result.".into()
        });
    }
    line(format!(
        "{} {} ({})",
        if fr { "Événement :" } else { "Event:" },
        c.event.title,
        c.event.id
    ));
    line(format!(
        "{} {}",
        if fr { "Appareil :" } else { "Device:" },
        report.device
    ));
    line(format!(
        "{} {} — {} {}",
        if fr { "Export n°" } else { "Export #" },
        report.seq,
        if fr { "signé le" } else { "signed on" },
        report.created
    ));
    line(format!("SHA-256 : {}", report.digest));
    let ok = "✔";
    line(if fr {
        format!("{ok} Signature Ed25519 du manifeste valide")
    } else {
        format!("{ok} Ed25519 signature of the manifest is valid")
    });
    line(if fr {
        format!(
            "{ok} {} fichiers conformes à leur empreinte SHA-256",
            report.files
        )
    } else {
        format!("{ok} {} files match their SHA-256", report.files)
    });
    line(if fr {
        format!("{ok} Chaîne d'audit intègre ({} entrées)", c.audit.len())
    } else {
        format!("{ok} Audit chain intact ({} entries)", c.audit.len())
    });
    line(if fr {
        format!(
            "{ok} Émargement et pouvoirs conformes à la chaîne d'audit : {} présents et {} représentés sur {} membres",
            c.attendance.totals.present, c.attendance.totals.represented, c.attendance.members
        )
    } else {
        format!(
            "{ok} Attendance and proxies match the audit chain: {} present and {} represented of {} members",
            c.attendance.totals.present, c.attendance.totals.represented, c.attendance.members
        )
    });
    for l in provenance_lines(report, fr) {
        line(l);
    }
    let p = &c.provenance;
    for status in &c.polls {
        let Some(poll) = c.event.poll(&status.poll) else {
            continue;
        };
        if p.kiosk_polls.contains(&poll.id) {
            line(if fr {
                format!(
                    "· Scrutin « {} » créé sur le kiosque (pas dans le paquet de l'organisation)",
                    poll.id
                )
            } else {
                format!(
                    "· Poll « {} » created on the kiosk (not in the organiser's package)",
                    poll.id
                )
            });
        }
        match (status.state, c.results.get(&status.poll)) {
            (PollState::Closed, Some(record)) => {
                line(if fr {
                    format!(
                        "{ok} Scrutin « {} » — {} : {} bulletins valides, recompté à l'identique",
                        poll.id, poll.question, record.result.ballots
                    )
                } else {
                    format!(
                        "{ok} Poll « {} » — {}: {} valid ballots, re-counted identically",
                        poll.id, poll.question, record.result.ballots
                    )
                });
                for l in tally::arithmetic(poll, &record.result, lang) {
                    line(format!("    {l}"));
                }
            }
            (PollState::Open, _) => line(if fr {
                format!("· Scrutin « {} » : encore ouvert lors de l'export", poll.id)
            } else {
                format!("· Poll « {} »: still open at export time", poll.id)
            }),
            (PollState::AwaitingCount, _) => line(if fr {
                format!(
                    "· Scrutin « {} » : clos, en attente de dépouillement lors de l'export",
                    poll.id
                )
            } else {
                format!(
                    "· Poll « {} »: closed, not yet counted at export time",
                    poll.id
                )
            }),
            _ => line(if fr {
                format!("· Scrutin « {} » : non ouvert", poll.id)
            } else {
                format!("· Poll « {} »: not opened", poll.id)
            }),
        }
    }
    line(match (fr, c.test) {
        (true, false) => "Résultat : bundle vérifié.".into(),
        (false, false) => "Result: bundle verified.".into(),
        (true, true) => {
            "Résultat : bundle d'essai intact (ESSAI À BLANC, pas un résultat réel).".into()
        }
        (false, true) => "Result: test bundle intact (TEST DECK RUN, not a real result).".into(),
    });
    out
}

/// Whose event it is, and whether the roster bounded it.
fn provenance_lines(report: &Report, fr: bool) -> [String; 2] {
    let ok = "✔";
    let p = &report.content.provenance;
    let signed = if fr {
        format!(
            "{ok} Événement signé par la clé d'organisation {} (manifeste du paquet {})",
            p.organiser, p.package
        )
    } else {
        format!(
            "{ok} Event signed by the organiser key {} (package manifest {})",
            p.organiser, p.package
        )
    };
    let roster = match (fr, report.roster) {
        (true, Some(n)) => format!(
            "{ok} Émargement, pouvoirs et poids des bulletins bornés par la liste des membres du paquet ({n} membres)"
        ),
        (false, Some(n)) => format!(
            "{ok} Attendance, proxies and ballot weights bounded by the package's roster ({n} members)"
        ),
        (true, None) => "· Sans le paquet (--package), l'émargement n'est comparé qu'à la chaîne d'audit du kiosque".into(),
        (false, None) => "· Without the package (--package), attendance is checked against the kiosk's audit chain only".into(),
    };
    [signed, roster]
}

#[derive(Serialize)]
struct JsonPoll<'a> {
    id: &'a str,
    question: &'a str,
    state: PollState,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a PollResult>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    ok: bool,
    test: bool,
    event: &'a str,
    device: String,
    seq: u64,
    created: Timestamp,
    sha256: String,
    files: usize,
    audit_entries: usize,
    present: u64,
    members: u64,
    /// The organiser key that signed the event.
    organiser: String,
    /// SHA-256 of the package's manifest.
    package: String,
    /// The polls written on the kiosk.
    kiosk_polls: Vec<&'a str>,
    /// The roster's size, when checked against the package (`--package`).
    #[serde(skip_serializing_if = "Option::is_none")]
    roster_members: Option<usize>,
    polls: Vec<JsonPoll<'a>>,
}

/// The JSON report of a verified bundle.
pub fn render_json(report: &Report) -> String {
    let c = &report.content;
    let json = JsonReport {
        ok: true,
        test: c.test,
        event: c.event.id.as_str(),
        device: report.device.to_hex(),
        seq: report.seq,
        created: report.created,
        sha256: report.digest.to_hex(),
        files: report.files,
        audit_entries: c.audit.len(),
        present: c.attendance.totals.present,
        members: c.attendance.members,
        organiser: c.provenance.organiser.to_hex(),
        package: c.provenance.package.to_hex(),
        kiosk_polls: c
            .provenance
            .kiosk_polls
            .iter()
            .map(|p| p.as_str())
            .collect(),
        roster_members: report.roster,
        polls: c
            .polls
            .iter()
            .filter_map(|s| {
                let poll = c.event.poll(&s.poll)?;
                Some(JsonPoll {
                    id: poll.id.as_str(),
                    question: &poll.question,
                    state: s.state,
                    result: c.results.get(&s.poll).map(|r| &r.result),
                })
            })
            .collect(),
    };
    serde_json::to_string_pretty(&json).expect("reports always serialise")
}

/// The JSON form of a failure.
pub fn render_json_error(error: &VerifyError) -> String {
    serde_json::to_string_pretty(&serde_json::json!({ "ok": false, "error": error.to_string() }))
        .expect("errors always serialise")
}

/// The readable form of a failure: the first check that failed, named in the reader's
/// language (the technical detail of a nested error stays as the library wrote it).
pub fn render_error(error: &VerifyError, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("✘ ÉCHEC de la vérification : {}", french(error)),
        Lang::En => format!("✘ Verification FAILED: {error}"),
    }
}

fn french(error: &VerifyError) -> String {
    use urne_codec::tarball::TarError as T;
    use urne_core::archive::ArchiveError as A;
    match error {
        VerifyError::Open(OpenError::Tar(t)) => match t {
            T::Unreadable(d) => format!("ce n'est pas un fichier tar lisible ({d})"),
            T::NotAFile(n) => {
                format!("l'archive contient « {n} », qui n'est pas un simple fichier")
            }
            T::BadName(n) => {
                format!("l'archive contient un nom de fichier interdit ou répété : « {n} »")
            }
            T::TooLarge => "l'archive est trop volumineuse".into(),
        },
        VerifyError::OtherPackage => {
            "le paquet donné n'est pas celui qu'a chargé le kiosque (son manifeste signé diffère)"
                .into()
        }
        VerifyError::Open(OpenError::NotCanonical) => {
            "l'archive n'est pas sous la forme canonique qu'écrit le kiosque (noms, en-têtes ou \
             octets après la fin)"
                .into()
        }
        VerifyError::Open(OpenError::Archive(a)) => match a {
            A::Missing(f) => format!("l'archive ne contient pas {f}"),
            A::BadManifest(d) => format!("manifest.json est illisible ({d})"),
            A::NonCanonicalManifest => {
                "manifest.json n'est pas sous sa forme canonique (espaces, ordre ou échappements \
                 différents de ceux qu'écrit Urne)"
                    .into()
            }
            A::WrongFormat { expected, found } => {
                format!("c'est une archive « {found} », pas « {expected} »")
            }
            A::BadKey(d) => format!("la clé publique du signataire n'est pas valide ({d})"),
            A::SignerMismatch { named, found } => format!(
                "le manifeste désigne le signataire {named}, mais la clé de l'archive est {found}"
            ),
            A::BadSignature => "la signature de manifest.json n'est pas valide".into(),
            A::HashMismatch(f) => {
                format!("{f} a été modifié (son SHA-256 ne correspond pas au manifeste)")
            }
            A::Unlisted(f) => format!("{f} est dans l'archive mais pas dans le manifeste"),
            A::BadName(n) => format!("le nom de fichier « {n} » n'est pas autorisé"),
            A::UnexpectedSigner { expected, found } => {
                format!("signé par {found}, alors que {expected} était attendu")
            }
        },
        VerifyError::Content(c) => match c {
            ResultsError::Missing(f) => format!("le bundle ne contient pas {f}"),
            ResultsError::Unexpected(f) => format!("le bundle contient un fichier inattendu, {f}"),
            ResultsError::Unreadable { file, reason } => format!("{file} est illisible ({reason})"),
            ResultsError::Event(e) => format!("event.json n'est pas valide ({e})"),
            ResultsError::EventMismatch { manifest, event } => format!(
                "le manifeste est celui de l'événement {manifest}, mais event.json décrit {event}"
            ),
            ResultsError::Audit(e) => format!("la chaîne d'audit est rompue ({e})"),
            ResultsError::PollList => {
                "polls.json ne correspond pas aux scrutins de l'événement".into()
            }
            ResultsError::Unsorted(p) => format!(
                "les bulletins du scrutin {p} ne sont pas triés par contenu (leur ordre pourrait révéler l'ordre des votes)"
            ),
            ResultsError::Classes(p) => format!(
                "scrutin {p} : les classes de bulletins se répètent ou ne peuvent pas contenir le nombre de bulletins annoncé"
            ),
            ResultsError::Tally { poll, error } => {
                format!("scrutin {poll} : bulletin refusé ({error})")
            }
            ResultsError::ResultMismatch(p) => {
                format!("scrutin {p} : le résultat annoncé diffère du recomptage")
            }
            ResultsError::AuditMismatch { poll, what } => {
                format!("scrutin {poll} : désaccord avec la chaîne d'audit ({what})")
            }
            ResultsError::Attendance(what) => {
                format!("attendance.json ne concorde pas ({what})")
            }
            ResultsError::UnknownKind(kind) => format!(
                "le type du manifeste, « {kind} », n'est ni « results » ni « test-results »"
            ),
            ResultsError::ExportMismatch { seq, kind } => format!(
                "le manifeste annonce l'export n° {seq} ({kind}), mais la chaîne d'audit ne se termine pas par cet export"
            ),
            ResultsError::MoreBallotsThanVoters {
                poll,
                ballots,
                voters,
            } => format!(
                "scrutin {poll} : {ballots} bulletins, alors que seuls {voters} membres étaient émargés ou représentés avant sa clôture"
            ),
            ResultsError::Provenance(p) => french_provenance(p),
            ResultsError::NotOnRoster(m) => format!(
                "le membre {m} n'est ni sur la liste des membres de l'organisation ni inscrit à l'entrée"
            ),
            ResultsError::MoreWeightThanVoters {
                poll,
                weight,
                voters,
            } => format!(
                "scrutin {poll} : ses bulletins pèsent {weight}, alors que les membres émargés ou représentés avant sa clôture pèsent {voters}"
            ),
        },
    }
}

/// Why the bundle's event is not shown to be the organiser's, in French.
fn french_provenance(error: &urne_core::provenance::ProvenanceError) -> String {
    use urne_core::package::PackageError as K;
    use urne_core::provenance::ProvenanceError as P;
    match error {
        P::Missing(f) => format!("le bundle ne contient pas {f}, tiré du paquet de l'événement"),
        P::Package(k) => {
            let why = match k {
                K::Archive(a) => a.to_string(),
                K::Unreadable { file, reason } => format!("{file} est illisible ({reason})"),
                K::Invalid(e) => format!("l'événement n'est pas valide ({e})"),
                K::EventMismatch => {
                    "le manifeste et event.json désignent des événements différents".into()
                }
                K::Tally(e) => format!("tally.json : {e}"),
                K::Unsealed => "il ne porte pas de clé de dépouillement".into(),
                K::NotAPackage(kind) => {
                    format!("son manifeste est de type « {kind} », pas un paquet d'événement")
                }
            };
            format!("le paquet d'événement contenu dans le bundle n'est pas valable : {why}")
        }
        P::OtherEvent(e) => {
            format!(
                "le paquet d'événement contenu dans le bundle est celui d'un autre événement ({e})"
            )
        }
        P::NotLoaded => "la chaîne d'audit n'enregistre pas le chargement du paquet d'événement \
                         contenu dans le bundle (autre clé d'organisation ou autre paquet)"
            .into(),
        P::Header => "event.json : le titre, le lieu, la date ou les réglages diffèrent du paquet \
                      signé par l'organisation"
            .into(),
        P::Poll(p) => format!(
            "le scrutin {p} n'est ni celui de l'organisation ni un scrutin créé sur le kiosque \
             (sa définition n'est pas dans la chaîne d'audit)"
        ),
        P::PollMissing(p) => {
            format!("le scrutin {p} du paquet de l'organisation manque dans event.json")
        }
    }
}
