//! The bureau's share sheets (parts de la clé de dépouillement): one A4 page per share, to hand to
//! one member of the bureau — the QR code the kiosk scans at the count, the same share as text to
//! type, the tally key's fingerprint, and plain instructions on keeping and destroying it.

use urne_core::event::Event;
use urne_core::sealed::{Share, TallyInfo};
use urne_core::tally::Lang;

use crate::badges::RenderError;
use crate::pv::writer::{Face, MM, Writer};

/// Side of a share's QR code with its quiet zone: large, so that a kiosk's scanner reads it
/// through a plastic sleeve.
const SHARE_QR: f32 = 62.0 * MM;

fn t<'a>(lang: Lang, fr: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

/// `text` in rows of `per_row` groups of four characters.
fn rows(text: &str, per_row: usize) -> Vec<String> {
    let groups: Vec<&str> = text.split(' ').collect();
    groups.chunks(per_row).map(|row| row.join(" ")).collect()
}

/// The share sheets of an event's tally key, one page per share, in `lang`.
pub fn share_sheets(
    event: &Event,
    tally: &TallyInfo,
    shares: &[Share],
    lang: Lang,
) -> Result<Vec<u8>, RenderError> {
    let mut w = Writer::new()?;
    let fingerprint = tally.public.fingerprint().to_hex();
    let fingerprint: Vec<String> = fingerprint
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let (k, n) = (tally.threshold, shares.len());
    for (i, share) in shares.iter().enumerate() {
        if i > 0 {
            w.new_page();
        }
        let title = match lang {
            Lang::Fr => format!(
                "Part n° {} sur {n} de la clé de dépouillement",
                share.number()
            ),
            Lang::En => format!("Part {} of {n} of the tally key", share.number()),
        };
        w.line(Face::Bold, 17.0, 0.0, &title);
        w.gap(2.0 * MM);
        w.para(Face::Bold, 11.0, 0.0, &event.title);
        w.para(
            Face::Regular,
            10.0,
            0.3,
            &format!("{} · {}", event.date, event.place),
        );
        w.gap(3.0 * MM);
        let rule = match lang {
            Lang::Fr => format!(
                "Les bulletins de chaque scrutin sont scellés dans l'urne du kiosque. Pour les \
                 dépouiller, il faut {k} parts sur {n}, chacune remise à une personne différente \
                 du bureau."
            ),
            Lang::En => format!(
                "Each poll's ballots are sealed in the kiosk's ballot box. Counting them takes \
                 {k} of these {n} parts, each given to a different member of the bureau."
            ),
        };
        w.para(Face::Regular, 10.0, 0.0, &rule);
        w.gap(3.0 * MM);
        w.line(
            Face::Regular,
            10.0,
            0.0,
            t(
                lang,
                "Remise à : ____________________________  (président·e, secrétaire, assesseur·e)",
                "Given to: ____________________________  (chair, secretary, assessor)",
            ),
        );
        w.gap(5.0 * MM);
        let typed = share.grouped();
        let typed_rows = rows(&typed, 5);
        let mut lines: Vec<(Face, f32, &str)> = vec![
            (
                Face::Bold,
                10.0,
                t(
                    lang,
                    "Au dépouillement, scannez ce code",
                    "At the count, scan this code",
                ),
            ),
            (
                Face::Regular,
                9.0,
                t(
                    lang,
                    "sur le kiosque, page « Dépouillement ».",
                    "on the kiosk, on the « Count » page.",
                ),
            ),
            (Face::Regular, 9.0, ""),
            (
                Face::Bold,
                10.0,
                t(
                    lang,
                    "Ou tapez, sur le kiosque :",
                    "Or type it on the kiosk:",
                ),
            ),
        ];
        for row in &typed_rows {
            lines.push((Face::Regular, 10.5, row.as_str()));
        }
        w.qr_with_lines(&share.text(), SHARE_QR, &lines)?;
        w.line(
            Face::Bold,
            9.0,
            0.0,
            t(
                lang,
                "Empreinte de la clé de dépouillement (la même sur chaque part) :",
                "Fingerprint of the tally key (the same on every part):",
            ),
        );
        for row in fingerprint.chunks(8) {
            w.line(Face::Regular, 9.0, 0.2, &row.join(" "));
        }
        w.gap(4.0 * MM);
        w.line(Face::Bold, 11.0, 0.0, t(lang, "À savoir", "Good to know"));
        for paragraph in instructions(lang, k) {
            w.para(Face::Regular, 9.5, 0.0, &paragraph);
            w.gap(1.5 * MM);
        }
    }
    let footer = match lang {
        Lang::Fr => format!("Urne — parts de la clé de dépouillement — {}", event.id),
        Lang::En => format!("Urne — parts of the tally key — {}", event.id),
    };
    w.finish(
        &footer,
        t(
            lang,
            "Parts de la clé de dépouillement",
            "Parts of the tally key",
        ),
    )
}

fn instructions(lang: Lang, k: u8) -> Vec<String> {
    let others = k.saturating_sub(1);
    match lang {
        Lang::Fr => vec![
            format!(
                "Gardez cette feuille comme un bulletin de vote : pliée, sur vous, jusqu'au \
                 dépouillement. Seule, elle ne révèle rien ; {k} parts ensemble ouvrent l'urne."
            ),
            "Au dépouillement, l'organisateur ou l'organisatrice clôt le scrutin sur le \
             kiosque ; scannez alors ce code, ou tapez le texte, quand le kiosque le demande. \
             Le kiosque refuse une part d'un autre événement et dit pourquoi."
                .to_owned(),
            format!(
                "Après la signature du procès-verbal, détruisez cette feuille (déchiquetez-la). \
                 Tant qu'elle existe, avec {others} autre(s) part(s), elle permettrait de lire des \
                 bulletins restés sur la carte du kiosque."
            ),
            format!(
                "Si vous la perdez, prévenez l'organisation : sans {k} parts, l'urne ne peut pas \
                 être dépouillée."
            ),
        ],
        Lang::En => vec![
            format!(
                "Keep this sheet like a ballot paper: folded, on you, until the count. Alone it \
                 reveals nothing; {k} parts together open the box."
            ),
            "At the count the organiser closes the poll on the kiosk; then scan this code, or \
             type the text, when the kiosk asks for it. The kiosk refuses a part of another \
             event and says why."
                .to_owned(),
            format!(
                "Once the minutes are signed, destroy this sheet (shred it). While it exists, \
                 with {others} other part(s) it could read ballots left on the kiosk's card."
            ),
            format!(
                "If you lose it, tell the organisers: without {k} parts the box cannot be \
                 counted."
            ),
        ],
    }
}
