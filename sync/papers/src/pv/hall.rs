//! The procès-verbal's hall section: the kiosks paired to the lead that exported (their role,
//! and whether they were removed), and what the organiser did to the hall's visits, read from
//! the bundle's audit chain. A single kiosk's minutes have no such section.

use urne_codec::verify::Report;
use urne_core::audit::AuditEvent;
use urne_core::crypto::Fingerprint;
use urne_core::figures::number;
use urne_core::tally::Lang;

use super::writer::{Face, MM, Writer};

/// A fingerprint as the kiosks' screens show it, for reading aloud: « 3f9a 1c2b 77d0 9e41 ».
fn spoken(device: &Fingerprint) -> String {
    let hex = device.to_hex();
    hex.as_bytes()[..16]
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line per event of the hall, in the chain's order; nothing when the kiosk led no hall.
fn lines(report: &Report, lang: Lang) -> Vec<String> {
    let fr = lang == Lang::Fr;
    let role_name = |role: &str| match (role, fr) {
        ("door", true) => "kiosque d'émargement",
        ("door", false) => "door kiosk",
        (_, true) => "isoloir",
        (_, false) => "voting kiosk",
    };
    report
        .content
        .audit
        .iter()
        .filter_map(|e| match &e.event {
            AuditEvent::KioskPaired { device, role } => Some(if fr {
                format!("{} {} : appairé.", role_name(role), spoken(device))
            } else {
                format!("{} {}: paired.", role_name(role), spoken(device))
            }),
            AuditEvent::KioskRemoved { device } => Some(if fr {
                format!("Kiosque {} : retiré de la salle.", spoken(device))
            } else {
                format!("Kiosk {}: removed from the hall.", spoken(device))
            }),
            AuditEvent::VisitsReleased { device, visits } => {
                let visits = number(u64::from(*visits), lang);
                Some(if fr {
                    format!(
                        "Isoloir {} : {visits} passage(s) en cours libéré(s) par l'organisateur.",
                        spoken(device)
                    )
                } else {
                    format!(
                        "Voting kiosk {}: {visits} visit(s) under way released by the organiser.",
                        spoken(device)
                    )
                })
            }
            _ => None,
        })
        .collect()
}

/// The hall section, when the kiosk that exported led a hall.
pub(super) fn section(w: &mut Writer, report: &Report, lang: Lang) {
    let lines = lines(report, lang);
    if lines.is_empty() {
        return;
    }
    let fr = lang == Lang::Fr;
    w.heading(if fr { "La salle" } else { "The hall" });
    w.para(
        Face::Regular,
        9.0,
        0.0,
        if fr {
            "Ce kiosque principal a tenu l'urne de la salle ; les kiosques suivants y ont été reliés."
        } else {
            "This lead kiosk kept the hall's ballot box; these kiosks were joined to it."
        },
    );
    for line in lines {
        let mut first = line.chars();
        let line: String = first
            .next()
            .map(|c| c.to_uppercase().chain(first).collect())
            .unwrap_or_default();
        w.para(Face::Regular, 9.0, 0.3, &line);
    }
    w.gap(3.0 * MM);
}
