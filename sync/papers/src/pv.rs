//! The procès-verbal: an A4 PDF of the evening's signed results, drawn from a verified bundle.
//!
//! It is always made from what `urne verify` accepted (the kiosk verifies its own bundle before
//! printing it), so the paper the bureau signs can never say something the bundle does not.
//! Page 1 carries the bundle's SHA-256 and the device fingerprint as text and as two QR codes:
//! a phone scanning the first one reads exactly what `sha256sum` prints for the bundle file.
//!
//! Layout: a running column from top to bottom, a new page when the next block does not fit;
//! footers (page i / n) are added once the page count is known. Fonts are the badge sheet's
//! embedded Noto Sans subsets (`badges::pdf::PdfFont`).
//!
//! A closed poll's chart, figures and arithmetic are drawn from urne-core's result model
//! ([`ResultChart`], by [`charts`]), its figures written by [`urne_core::figures`], as on the
//! kiosk and the registry's pages.

mod charts;
mod hall;
pub(crate) mod writer;

use urne_codec::verify::Report;
use urne_core::audit::AuditEvent;
use urne_core::chart::ResultChart;
use urne_core::figures::number;
use urne_core::poll::Poll;
use urne_core::results::{PollState, PollStatus};
use urne_core::tally::Lang;
use urne_core::timestamp::Timestamp;

use crate::badges::RenderError;
use writer::{Face, MM, Writer};

/// The text of the first QR code: the bundle file's SHA-256, in lowercase hexadecimal.
pub fn digest_qr_text(report: &Report) -> String {
    report.digest.to_hex()
}

/// The text of the second QR code: the device key's fingerprint, in lowercase hexadecimal.
pub fn device_qr_text(report: &Report) -> String {
    report.device.to_hex()
}

/// The file name of a bundle's procès-verbal: the bundle's name with `-pv.pdf`.
pub fn file_name(bundle_file: &str) -> String {
    format!(
        "{}-pv.pdf",
        bundle_file.strip_suffix(".urne").unwrap_or(bundle_file)
    )
}

/// Renders the procès-verbal of a verified bundle. `bundle_file` is the bundle's file name,
/// printed so that the paper names the file it certifies.
pub fn render(report: &Report, bundle_file: &str, lang: Lang) -> Result<Vec<u8>, RenderError> {
    let fr = lang == Lang::Fr;
    let mut w = Writer::new()?;
    header(&mut w, report, lang);
    signed_bundle(&mut w, report, bundle_file, fr)?;
    bureau(&mut w, report, fr);
    attendance(&mut w, report, lang);
    polls(&mut w, report, lang);
    hall::section(&mut w, report, lang);
    signatures(&mut w, fr);
    let event = &report.content.event;
    let footer = format!(
        "{} — {} — SHA-256 {}…",
        t(fr, "Procès-verbal", "Minutes"),
        event.id,
        &report.digest.to_hex()[..16]
    );
    w.finish(
        &footer,
        &format!("{} — {}", t(fr, "Procès-verbal", "Minutes"), event.title),
    )
}

/// The French or the English text.
fn t(fr: bool, french: &'static str, english: &'static str) -> &'static str {
    if fr { french } else { english }
}

/// The title, the event, and the test-deck banner when it is one.
fn header(w: &mut Writer, report: &Report, lang: Lang) {
    let fr = lang == Lang::Fr;
    let c = &report.content;
    let event = &c.event;
    w.line(Face::Bold, 18.0, 0.0, t(fr, "Procès-verbal", "Minutes"));
    w.gap(1.5 * MM);
    w.para(Face::Bold, 13.0, 0.0, &event.title);
    if let Some(org) = &event.organisation {
        w.para(Face::Regular, 10.0, 0.2, org);
    }
    w.para(
        Face::Regular,
        10.0,
        0.0,
        &format!(
            "{} {} · {} {}",
            t(fr, "Date :", "Date:"),
            long_date(&event.date, lang),
            t(fr, "Lieu :", "Place:"),
            event.place
        ),
    );
    if c.test {
        w.gap(2.0 * MM);
        w.banner(t(
            fr,
            "ESSAI À BLANC — jeu d'essai, ce n'est pas un résultat réel",
            "TEST DECK RUN — not a real result",
        ));
    }
    w.gap(4.0 * MM);
}

/// What this paper certifies, on page 1 always: the bundle's file, digest and signing device.
fn signed_bundle(
    w: &mut Writer,
    report: &Report,
    bundle_file: &str,
    fr: bool,
) -> Result<(), RenderError> {
    w.heading(t(fr, "Bundle signé", "Signed bundle"));
    w.para(
        Face::Regular,
        9.0,
        0.0,
        &format!(
            "{} {} · {} {} · {} {}",
            t(fr, "Fichier :", "File:"),
            bundle_file,
            t(fr, "export n°", "export #"),
            report.seq,
            t(fr, "signé le", "signed on"),
            report.created
        ),
    );
    w.qr_pair(
        &digest_qr_text(report),
        t(fr, "SHA-256 du bundle", "Bundle SHA-256"),
        &device_qr_text(report),
        t(fr, "Empreinte du kiosque", "Device fingerprint"),
    )?;
    w.para(
        Face::Regular,
        8.5,
        0.3,
        &format!(
            "{} urne verify --expect-device {} {}",
            t(
                fr,
                "Vérification par quiconque : sha256sum du fichier, puis",
                "Anyone can check: sha256sum of the file, then"
            ),
            report.device.to_hex(),
            bundle_file
        ),
    );
    w.gap(4.0 * MM);
    Ok(())
}

/// The bureau: the event's organisers.
fn bureau(w: &mut Writer, report: &Report, fr: bool) {
    let event = &report.content.event;
    w.heading(t(fr, "Bureau", "Bureau"));
    let organisers: Vec<&str> = event.organisers.iter().map(|o| o.name.as_str()).collect();
    w.para(
        Face::Regular,
        10.0,
        0.0,
        &format!(
            "{} {}",
            t(fr, "Organisateurs :", "Organisers:"),
            if organisers.is_empty() {
                "—".to_owned()
            } else {
                organisers.join(", ")
            }
        ),
    );
    w.gap(3.0 * MM);
}

/// Members present and represented, the quorum, the proxies.
fn attendance(w: &mut Writer, report: &Report, lang: Lang) {
    let fr = lang == Lang::Fr;
    let c = &report.content;
    let event = &c.event;
    let a = &c.attendance;
    w.heading(t(fr, "Présences et pouvoirs", "Attendance and proxies"));
    w.para(
        Face::Regular,
        10.0,
        0.0,
        &{
            let [members, present, represented, total] = [
                a.members,
                a.totals.present,
                a.totals.represented,
                a.totals.present.saturating_add(a.totals.represented),
            ]
            .map(|n| number(n, lang));
            if fr {
                format!(
                    "Membres inscrits : {members} · présents à l'export : {present} · représentés par un pouvoir : {represented} · total : {total}"
                )
            } else {
                format!(
                    "Members on the roster: {members} · present at export: {present} · represented by proxy: {represented} · total: {total}"
                )
            }
        },
    );
    if let Some(q) = &event.quorum {
        let required = number(q.required(a.members), lang);
        w.para(
            Face::Regular,
            10.0,
            0.0,
            &if fr {
                format!(
                    "Quorum : {} membres{} ; atteint ou non à l'ouverture et à la clôture de chaque scrutin, ci-dessous.",
                    required,
                    if q.count_proxies {
                        ", pouvoirs compris"
                    } else {
                        " présents"
                    }
                )
            } else {
                format!(
                    "Quorum: {} members{}; whether it was reached at each poll's opening and closing is below.",
                    required,
                    if q.count_proxies {
                        ", proxies included"
                    } else {
                        " present"
                    }
                )
            },
        );
    }
    if a.proxies.is_empty() {
        w.para(
            Face::Regular,
            10.0,
            0.0,
            t(fr, "Aucun pouvoir.", "No proxies."),
        );
    } else {
        w.para(Face::Regular, 10.0, 0.0, t(fr, "Pouvoirs :", "Proxies:"));
        for p in &a.proxies {
            w.para(
                Face::Regular,
                9.0,
                0.2,
                &if fr {
                    format!("• {} a donné pouvoir à {}", p.absent_name, p.holder_name)
                } else {
                    format!("• {} gave a proxy to {}", p.absent_name, p.holder_name)
                },
            );
        }
    }
    w.para(
        Face::Regular,
        8.5,
        0.3,
        t(
            fr,
            "La liste d'émargement nominative est jointe (fichier CSV du même export).",
            "The named attendance sheet is attached (CSV file of the same export).",
        ),
    );
    w.gap(3.0 * MM);
}

/// Every poll: its state, and for a closed one its chart and the engine's arithmetic.
fn polls(w: &mut Writer, report: &Report, lang: Lang) {
    let fr = lang == Lang::Fr;
    let c = &report.content;
    let event = &c.event;
    w.heading(t(fr, "Scrutins", "Polls"));
    for (i, status) in c.polls.iter().enumerate() {
        let Some(poll) = event.poll(&status.poll) else {
            continue;
        };
        w.ensure(30.0 * MM);
        w.para(
            Face::Bold,
            11.0,
            0.0,
            &format!("{}. {}", i + 1, poll.question),
        );
        if c.provenance.kiosk_polls.contains(&poll.id) {
            w.para(
                Face::Regular,
                9.0,
                0.3,
                t(
                    fr,
                    "Créé sur le kiosque pendant la séance (ce libellé ne vient pas du paquet de \
                     l'organisation).",
                    "Created on the kiosk during the meeting (this wording is not from the \
                     organiser's package).",
                ),
            );
        }
        match (status.state, c.results.get(&status.poll)) {
            (PollState::Closed, Some(record)) => {
                let model = ResultChart::of(poll, &record.result);
                closed_poll(w, poll, status, &model, lang);
                if let Some(threshold) = small_poll(report, &status.poll) {
                    small_poll_note(w, model.ballots, threshold, lang);
                }
                if let Some(visits) = closed_during_visits(report, &status.poll) {
                    visits_note(w, visits, lang);
                }
            }
            (PollState::Open, _) => w.para(
                Face::Regular,
                9.0,
                0.3,
                t(
                    fr,
                    "Encore ouvert lors de l'export : pas de résultat.",
                    "Still open at export time: no result.",
                ),
            ),
            (PollState::AwaitingCount, _) => w.para(
                Face::Regular,
                9.0,
                0.3,
                t(
                    fr,
                    "Clos, en attente de dépouillement lors de l'export : pas de résultat.",
                    "Closed, its sealed box not yet counted at export time: no result.",
                ),
            ),
            _ => w.para(Face::Regular, 9.0, 0.3, t(fr, "Non ouvert.", "Not opened.")),
        }
        w.gap(4.0 * MM);
    }
}

/// The small-poll threshold a poll was closed under, with the organiser's confirmation, if it was.
fn small_poll(report: &Report, id: &urne_core::ids::PollId) -> Option<u32> {
    report
        .content
        .audit
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            AuditEvent::PollClosed {
                poll, small_poll, ..
            } if poll == id => Some(*small_poll),
            _ => None,
        })
        .flatten()
}

/// How many voters' visits were under way on voting kiosks when a poll was closed, if the
/// organiser overrode the hall's close guard.
fn closed_during_visits(report: &Report, id: &urne_core::ids::PollId) -> Option<u32> {
    report
        .content
        .audit
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            AuditEvent::PollClosedDuringVisits { poll, visits } if poll == id => Some(*visits),
            _ => None,
        })
}

/// Said under a poll closed while voters were voting on it at voting kiosks of the hall.
fn visits_note(w: &mut Writer, visits: u32, lang: Lang) {
    let visits = number(u64::from(visits), lang);
    w.para(
        Face::Bold,
        9.0,
        0.3,
        &match lang {
            Lang::Fr => format!(
                "Clos alors que {visits} électeur(s) votaient sur un isoloir : l'organisateur a \
                 confirmé la clôture ; leurs bulletins pour ce scrutin ont été refusés."
            ),
            Lang::En => format!(
                "Closed while {visits} voter(s) were voting at a voting kiosk: the organiser \
                 confirmed the close; their ballots in this poll were refused."
            ),
        },
    );
}

/// Said under a poll closed with fewer ballots than the event's threshold.
fn small_poll_note(w: &mut Writer, ballots: u64, threshold: u32, lang: Lang) {
    let ballots = number(ballots, lang);
    w.para(
        Face::Bold,
        9.0,
        0.3,
        &match lang {
            Lang::Fr => format!(
                "Clos avec {ballots} bulletin(s), moins que le seuil de {threshold} fixé pour l'événement : \
                 l'organisateur a confirmé la clôture en sachant que ce résultat peut révéler des votes."
            ),
            Lang::En => format!(
                "Closed with {ballots} ballot(s), fewer than the event's threshold of {threshold}: the \
                 organiser confirmed the close knowing that this result may reveal votes."
            ),
        },
    );
}

/// A closed poll: its kind, times and ballots, its chart, and the engine's arithmetic, all
/// from its result model.
fn closed_poll(w: &mut Writer, poll: &Poll, status: &PollStatus, model: &ResultChart, lang: Lang) {
    let time = |t: Option<Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    let (opened, closed) = (time(status.opened_at), time(status.closed_at));
    let (ballots, weight) = (number(model.ballots, lang), number(model.weight, lang));
    let kind = kind_name(poll, lang);
    w.para(
        Face::Regular,
        9.0,
        0.3,
        &match lang {
            Lang::Fr => format!(
                "{kind} · ouvert le {opened} · clos le {closed} · {ballots} bulletins (poids {weight})"
            ),
            Lang::En => format!(
                "{kind} · opened {opened} · closed {closed} · {ballots} ballots (weight {weight})"
            ),
        },
    );
    w.gap(1.0 * MM);
    charts::draw(w, model, lang);
    w.gap(1.0 * MM);
    let last = model.lines.len().saturating_sub(1);
    for (j, line) in model.lines.iter().enumerate() {
        let face = if j == last { Face::Bold } else { Face::Regular };
        w.para(face, 9.0, 0.0, &line.text(lang));
    }
}

/// The boxes the bureau signs in.
fn signatures(w: &mut Writer, fr: bool) {
    w.ensure(48.0 * MM);
    w.heading(t(fr, "Signatures du bureau", "Signatures of the bureau"));
    w.para(
        Face::Regular,
        9.0,
        0.2,
        t(
            fr,
            "Les soussignés certifient que ce procès-verbal correspond au bundle dont l'empreinte figure en page 1.",
            "The undersigned certify that these minutes match the bundle whose fingerprint is on page 1.",
        ),
    );
    w.gap(2.0 * MM);
    w.signature_boxes(&[
        t(fr, "Président·e de séance", "Chair"),
        t(fr, "Secrétaire", "Secretary"),
        t(fr, "Assesseur·e", "Teller"),
    ]);
}

/// The kind of a poll in words (« Jugement majoritaire »); the registry's pages say it alike.
pub fn kind_name(poll: &Poll, lang: Lang) -> &'static str {
    use urne_core::poll::PollKind as K;
    let fr = lang == Lang::Fr;
    match (&poll.kind, fr) {
        (K::Motion { .. }, true) => "Motion",
        (K::Motion { .. }, false) => "Motion",
        (K::SingleChoice { .. }, true) => "Choix unique",
        (K::SingleChoice { .. }, false) => "Single choice",
        (K::Approval { .. }, true) => "Vote par approbation",
        (K::Approval { .. }, false) => "Approval vote",
        (K::MajorityJudgment { .. }, true) => "Jugement majoritaire",
        (K::MajorityJudgment { .. }, false) => "Majority Judgment",
        (K::Ranking { .. }, true) => "Classement (Condorcet-Schulze)",
        (K::Ranking { .. }, false) => "Ranking (Condorcet-Schulze)",
        (K::Budget { .. }, true) => "Budget participatif",
        (K::Budget { .. }, false) => "Participatory budget",
    }
}

/// « 5 décembre 2026 » / « 5 December 2026 » from `2026-12-05`; anything else as written.
pub fn long_date(date: &str, lang: Lang) -> String {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let mut parts = date.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return date.to_owned();
    };
    match (m.parse::<usize>(), d.parse::<u32>()) {
        (Ok(m @ 1..=12), Ok(d)) => {
            let month = if lang == Lang::Fr {
                FR[m - 1]
            } else {
                EN[m - 1]
            };
            let day = if lang == Lang::Fr && d == 1 {
                "1er".to_owned()
            } else {
                d.to_string()
            };
            format!("{day} {month} {y}")
        }
        _ => date.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_out() {
        assert_eq!(long_date("2026-12-05", Lang::Fr), "5 décembre 2026");
        assert_eq!(long_date("2026-03-01", Lang::Fr), "1er mars 2026");
        assert_eq!(long_date("2026-03-01", Lang::En), "1 March 2026");
        assert_eq!(long_date("le 5", Lang::Fr), "le 5");
    }

    #[test]
    fn the_pv_is_named_after_its_bundle() {
        assert_eq!(
            file_name("bellevue-3f9a1c2b-0001.urne"),
            "bellevue-3f9a1c2b-0001-pv.pdf"
        );
    }
}
