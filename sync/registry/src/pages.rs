//! The registry's public pages, server-rendered in French: the list of events and each event's
//! results, with a chart per poll drawn as inline SVG ([`charts`]). A closed poll's decision,
//! quorum, chart and arithmetic are all drawn from urne-core's result model
//! ([`ResultChart`]), its figures written by [`urne_core::figures`].
//!
//! No JavaScript, no font, image or stylesheet fetched from elsewhere: a registry on an intranet
//! serves the pages as they are, a phone reads them, a printer prints them. Every text that comes
//! from a bundle, a package or an enrolment (titles, places, questions, option and kiosk labels)
//! goes through [`escape`]. Test-deck runs (essais à blanc) are never shown as results: the
//! model leaves them out and the pages only say how many arrived.

use std::fmt::Write as _;

use urne_core::chart::ResultChart;
use urne_core::crypto::Fingerprint;
use urne_core::figures::number;
use urne_core::results::PollState;
use urne_core::tally::{Decision, Lang, QuorumReport};

use crate::model::{AttendanceTotals, EventResults, KioskResults, PollSummary};
use urne_codec::protocol::EventListing;
use urne_papers::html::{CHART_STYLE, charts, escape};
use urne_papers::pv::{kind_name, long_date};

/// `n` and the noun agreeing with it: French puts 0 and 1 in the singular.
fn count(n: u64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        number(n, Lang::Fr),
        if n <= 1 { one } else { many }
    )
}

/// « 5 décembre 2026 à 19 h 51 UTC » from an RFC 3339 time in UTC (what kiosks and the registry
/// write); anything else as written.
fn when(rfc3339: &str) -> String {
    match (rfc3339.get(..10), clock_time(rfc3339)) {
        (Some(date), Some(time)) => format!("{} à {time}", long_date(date, Lang::Fr)),
        _ => rfc3339.to_owned(),
    }
}

/// « 19 h 51 UTC » from `2026-12-05T19:51:56Z`.
fn clock_time(rfc3339: &str) -> Option<String> {
    let (hours, minutes) = (rfc3339.get(11..13)?, rfc3339.get(14..16)?);
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (rfc3339.get(10..11) == Some("T") && digits(hours) && digits(minutes) && rfc3339.ends_with('Z'))
        .then(|| format!("{hours}\u{00A0}h\u{00A0}{minutes} UTC"))
}

/// Small, printable, readable on a phone. The colours are the kiosk's theme (`ui/theme.slint`),
/// so that a result looks here as it looked on the screen in the hall.
const STYLE: &str = "\
:root{--ink:#1c2230;--muted:#545d6e;--line:#c9c2b1;--soft:#e9e4d8;--paper:#f4f1ea;\
--primary:#1f4e9c;--for:#2e7d4f;--against:#b3261e}
*{box-sizing:border-box}
body{margin:0;background:var(--paper);color:var(--ink);\
font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif}
.site{background:var(--primary);padding:.6rem 1rem}
.site a{color:#fff;font-weight:700;text-decoration:none}
main{max-width:48rem;margin:0 auto;padding:.5rem 1rem 2rem}
h1{font-size:1.6rem;line-height:1.25;margin:.75rem 0 .25rem}
h2{font-size:1.3rem;line-height:1.3;margin:2rem 0 .5rem;padding-bottom:.2rem;border-bottom:2px solid var(--line)}
h3{font-size:1.15rem;line-height:1.3;margin:0 0 .25rem}
h4{font-size:.95rem;margin:1rem 0 .25rem}
a{color:var(--primary)}
p{margin:.4rem 0}
.meta{color:var(--muted)}
.lead{font-size:1.1rem}
.card,.poll{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
.notice{background:#fff8e1;border-left:4px solid #ea9a2b;padding:.4rem .75rem}
.state{display:inline-block;font-size:.85rem;font-weight:700;border-radius:1rem;padding:0 .6rem;background:var(--soft)}
.decision{font-size:1.2rem;font-weight:700;border-left:6px solid var(--primary);background:#dce7fa;padding:.3rem .75rem;margin:.6rem 0}
.decision.adopted{border-color:var(--for);background:#e3f1e8}
.decision.rejected{border-color:var(--against);background:#fdecea}
.decision.none{border-color:var(--muted);background:var(--soft)}
code{font-family:ui-monospace,\"DejaVu Sans Mono\",Menlo,monospace;font-size:.85em;overflow-wrap:anywhere}
.verify{font-size:.9rem;color:var(--muted)}
.figures{display:flex;flex-wrap:wrap;gap:.25rem 2rem;margin:.5rem 0}
.figures dt{color:var(--muted);font-size:.9rem}
.figures dd{margin:0;font-size:1.6rem;font-weight:700}
.calc{font-size:.9rem;color:var(--muted);padding-left:1.2rem;margin:.25rem 0}
.calc .sub{margin-left:1.2rem;list-style:circle}
.events{list-style:none;padding:0}
.events a{font-size:1.15rem;font-weight:700}
@media print{body{background:#fff;font-size:11pt}.site,.back{display:none}\
.poll,.card{break-inside:avoid;border-color:#999}a{color:inherit}\
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — Registre Urne</title>\n<style>\n{STYLE}{CHART_STYLE}</style>\n</head>\n<body>\n\
         <header class=\"site\"><a href=\"/\">Registre Urne</a></header>\n<main>\n{body}</main>\n\
         </body>\n</html>\n",
        escape(title)
    )
}

/// The list of events: title, date, place and how many results arrived, newest first.
pub fn events(rows: &[EventListing]) -> String {
    let mut body = String::from(
        "<h1>Registre des résultats</h1>\n\
         <p class=\"lead\">Les résultats signés que les kiosques Urne ont envoyés après chaque \
         assemblée. Chacun peut être téléchargé et vérifié par quiconque.</p>\n",
    );
    if rows.is_empty() {
        body.push_str("<p>Aucun événement n'est encore inscrit.</p>\n");
        return page("Événements", &body);
    }
    body.push_str("<ul class=\"events\">\n");
    for row in rows {
        let title = if row.title.is_empty() {
            &row.id
        } else {
            &row.title
        };
        let mut facts = Vec::new();
        if !row.date.is_empty() {
            facts.push(escape(&long_date(&row.date, Lang::Fr)));
        }
        if !row.place.is_empty() {
            facts.push(escape(&row.place));
        }
        let results = row.bundles.saturating_sub(row.test_runs);
        let mut received = if results == 0 {
            "Aucun résultat reçu".to_owned()
        } else {
            count(results, "résultat reçu", "résultats reçus")
        };
        if row.test_runs > 0 {
            let _ = write!(
                received,
                " (et {})",
                count(
                    row.test_runs,
                    "essai à blanc, jamais compté comme résultat",
                    "essais à blanc, jamais comptés comme résultats"
                )
            );
        }
        let _ = writeln!(
            body,
            "<li class=\"card\"><a href=\"/events/{}\">{}</a>\n<p class=\"meta\">{}</p>\n<p>{received}</p></li>",
            escape(&row.id),
            escape(title),
            facts.join(" · "),
        );
    }
    body.push_str("</ul>\n");
    page("Événements", &body)
}

/// An event's results: the header, then for each kiosk its provenance, its attendance and each
/// poll with its state, decision, quorum, chart and arithmetic.
pub fn results(results: &EventResults) -> String {
    let e = &results.event;
    let title = if e.title.is_empty() { &e.id } else { &e.title };
    let mut body = format!(
        "<p class=\"back\"><a href=\"/\">← Tous les événements</a></p>\n<h1>{}</h1>\n",
        escape(title)
    );
    if let Some(org) = e.organisation.as_deref().filter(|o| !o.is_empty()) {
        let _ = writeln!(body, "<p class=\"lead\">{}</p>", escape(org));
    }
    let facts: Vec<String> = [long_date(&e.date, Lang::Fr), e.place.clone()]
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| escape(f))
        .collect();
    if !facts.is_empty() {
        let _ = writeln!(body, "<p class=\"meta\">{}</p>", facts.join(" · "));
    }
    if results.test_runs > 0 {
        let _ = writeln!(
            body,
            "<p class=\"notice\">{}.</p>",
            count(
                results.test_runs,
                "essai à blanc reçu, jamais compté comme résultat",
                "essais à blanc reçus, jamais comptés comme résultats"
            )
        );
    }
    for kiosk in &results.revoked {
        let name = kiosk_name(&kiosk.label, &kiosk.device);
        let _ = writeln!(
            body,
            "<p class=\"notice\"><strong>Kiosque révoqué</strong> : « {} » (<code>{}</code>) a été \
             révoqué par le registre le {} ({}). {} : ses résultats ne sont pas retenus.</p>",
            escape(&name),
            escape(&kiosk.device),
            escape(&when(&kiosk.revocation.at)),
            escape(&kiosk.revocation.reason),
            count(
                kiosk.bundles,
                "envoi conservé, jamais affiché comme résultat",
                "envois conservés, jamais affichés comme résultats"
            )
        );
    }
    if results.superseded > 0 {
        let _ = writeln!(
            body,
            "<p class=\"notice\">{} : seul l'export le plus récent de chaque kiosque est \
             affiché.</p>",
            count(
                results.superseded,
                "export antérieur remplacé par un plus récent",
                "exports antérieurs remplacés par de plus récents"
            )
        );
    }
    if results.kiosks.is_empty() {
        body.push_str("<p>Aucun résultat n'a encore été reçu pour cet événement.</p>\n");
    }
    if results.kiosks.len() > 1 {
        body.push_str(
            "<p>Plusieurs kiosques ont envoyé des résultats : chacun a compté les bulletins \
             déposés chez lui, ils sont présentés l'un après l'autre.</p>\n",
        );
    }
    for (k, kiosk) in results.kiosks.iter().enumerate() {
        kiosk_section(&mut body, k + 1, kiosk);
    }
    page(title, &body)
}

/// What a kiosk is called on the page: its enrolment label, else the start of its fingerprint.
fn kiosk_name(label: &str, device: &str) -> String {
    if label.trim().is_empty() {
        format!("kiosque {}", device.get(..8).unwrap_or(device))
    } else {
        label.to_owned()
    }
}

fn kiosk_section(body: &mut String, index: usize, kiosk: &KioskResults) {
    let name = escape(&kiosk_name(&kiosk.label, &kiosk.device));
    let digest = escape(&kiosk.bundle);
    let device = escape(&kiosk.device);
    // The name the kiosk gave the file, so that the commands below work as written.
    let file = Fingerprint::parse(&kiosk.device).map_or_else(
        || format!("{digest}.urne"),
        |fp| {
            escape(&urne_codec::bundle::file_name(
                &kiosk.summary.event.id,
                &fp,
                kiosk.seq,
            ))
        },
    );
    let _ = write!(
        body,
        "<section aria-labelledby=\"k{index}\">\n<h2 id=\"k{index}\">Résultats du kiosque « {name} »</h2>\n\
         <p>Export n°\u{00A0}{seq} du kiosque « {name} », signé le {created}, reçu par le registre \
         le {received}.</p>\n\
         <p>SHA-256 du bundle : <a href=\"/api/v1/bundles/{digest}\" download=\"{file}\"><code>{digest}</code></a></p>\n\
         <p class=\"verify\">Pour vérifier ces résultats vous-même, téléchargez le bundle \
         (<code>{file}</code>) : <code>sha256sum {file}</code> doit afficher l'empreinte \
         ci-dessus, puis <code>urne verify --expect-device {device} {file}</code> contrôle la \
         signature et recompte chaque scrutin. Avec OpenSSL seul : <code>tar -xmf {file}</code>, \
         puis <code>openssl {openssl}</code> doit répondre « Signature Verified Successfully », chaque \
         fichier doit avoir l'empreinte SHA-256 que <code>manifest.json</code> lui donne \
         (<code>sha256sum</code>), et <code>openssl pkey -pubin -in device.pem -outform DER | \
         sha256sum</code> doit donner l'empreinte du kiosque, <code>{device}</code>. OpenSSL \
         prouve quel kiosque a signé quoi ; le recomptage est le travail d'<code>urne \
         verify</code>.</p>\n",
        seq = kiosk.seq,
        openssl = urne_codec::bundle::OPENSSL_VERIFY_ARGS.join(" "),
        created = escape(&when(&kiosk.summary.created.to_rfc3339())),
        received = escape(&when(&kiosk.received)),
    );
    attendance(body, &kiosk.summary.attendance);
    for (i, poll) in kiosk.summary.polls.iter().enumerate() {
        poll_article(body, index, i + 1, poll);
    }
    body.push_str("</section>\n");
}

fn attendance(body: &mut String, a: &AttendanceTotals) {
    let _ = write!(
        body,
        "<h3>Présences</h3>\n<dl class=\"figures\">\n\
         <div><dt>Présents</dt><dd>{}</dd></div>\n\
         <div><dt>Représentés</dt><dd>{}</dd></div>\n\
         <div><dt>Inscrits</dt><dd>{}</dd></div>\n</dl>\n\
         <p>Au moment de l'export : {} et {} par un pouvoir, soit {} sur {} inscrits.</p>\n",
        number(a.present, Lang::Fr),
        number(a.represented, Lang::Fr),
        number(a.members, Lang::Fr),
        count(a.present, "membre présent", "membres présents"),
        count(a.represented, "représenté", "représentés"),
        number(a.present.saturating_add(a.represented), Lang::Fr),
        number(a.members, Lang::Fr),
    );
}

fn poll_article(body: &mut String, kiosk: usize, n: usize, p: &PollSummary) {
    let poll = &p.poll;
    let _ = write!(
        body,
        "<article class=\"poll\" id=\"k{kiosk}-{}\">\n<h3>{n}. {}</h3>\n",
        escape(poll.id.as_str()),
        escape(&poll.question)
    );
    let (state, meta) = match p.state {
        PollState::Pending => ("Non ouvert", String::new()),
        PollState::Open => (
            "Encore ouvert lors de l'export",
            p.opened_at
                .map(|t| format!("ouvert le {}", when(&t.to_rfc3339())))
                .unwrap_or_default(),
        ),
        PollState::AwaitingCount => ("Clos, en attente de dépouillement", closed_meta(p)),
        PollState::Closed => ("Clos", closed_meta(p)),
    };
    let mut line = format!(
        "<span class=\"state\">{state}</span> {}",
        kind_name(poll, Lang::Fr)
    );
    if !meta.is_empty() {
        let _ = write!(line, " · {}", escape(&meta));
    }
    if p.on_kiosk {
        line.push_str(
            " · <strong class=\"kiosk-poll\">créé sur le kiosque</strong> (libellé qui ne vient \
             pas du paquet de l'organisation)",
        );
    }
    let _ = writeln!(body, "<p class=\"meta\">{line}</p>");
    match (&p.record, p.state) {
        (Some(record), PollState::Closed) => {
            closed_poll(body, &ResultChart::of(poll, &record.result))
        }
        (_, PollState::Open) => body.push_str(
            "<p>Le scrutin n'était pas clos quand le kiosque a exporté ses résultats : pas de \
             résultat.</p>\n",
        ),
        (_, PollState::AwaitingCount) => body.push_str(
            "<p>Le scrutin était clos mais son urne scellée n'avait pas encore été dépouillée \
             (il faut les parts de la clé du bureau) quand le kiosque a exporté ses résultats : \
             pas de résultat.</p>\n",
        ),
        (_, PollState::Pending) => {
            body.push_str("<p>Ce scrutin n'a pas été ouvert : pas de résultat.</p>\n");
        }
        // A closed poll always has its record (the bundle verified); never invent one.
        (None, PollState::Closed) => body.push_str("<p>Résultat indisponible.</p>\n"),
    }
    body.push_str("</article>\n");
}

/// A closed poll's decision, quorum, chart and arithmetic, from its result model.
fn closed_poll(body: &mut String, model: &ResultChart) {
    let class = match model.decision {
        Decision::Adopted => "adopted",
        Decision::Rejected | Decision::QuorumNotReached => "rejected",
        Decision::NoVotes => "none",
        Decision::Decided | Decision::Tie => "decided",
    };
    if let Some(verdict) = model.verdict() {
        let _ = writeln!(
            body,
            "<p class=\"decision {class}\">{}</p>",
            escape(&verdict.text(Lang::Fr))
        );
    }
    if let Some(q) = &model.quorum {
        let _ = writeln!(body, "<p>{}</p>", quorum_line(q));
    }
    body.push_str(&charts::chart(model));
    body.push_str("<h4>Le calcul, tel que le procès-verbal l'imprime</h4>\n<ul class=\"calc\">\n");
    for line in &model.lines {
        // The lines that detail the one above (a project's payments, the duels under their
        // heading) are indented.
        let sub = if line.is_detail() {
            " class=\"sub\""
        } else {
            ""
        };
        let _ = writeln!(body, "<li{sub}>{}</li>", escape(line.text(Lang::Fr).trim()));
    }
    body.push_str("</ul>\n");
}

/// « ouvert le 5 décembre 2026 à 19 h 02 UTC, clos à 19 h 20 UTC · 52 bulletins ».
fn closed_meta(p: &PollSummary) -> String {
    let mut parts = Vec::new();
    let opened = p.opened_at.map(|t| t.to_rfc3339());
    let closed = p.closed_at.map(|t| t.to_rfc3339());
    match (&opened, &closed) {
        (Some(o), Some(c)) if o.get(..10) == c.get(..10) => {
            let until = clock_time(c).unwrap_or_else(|| c.clone());
            parts.push(format!("ouvert le {}, clos à {until}", when(o)));
        }
        _ => {
            if let Some(o) = &opened {
                parts.push(format!("ouvert le {}", when(o)));
            }
            if let Some(c) = &closed {
                parts.push(format!("clos le {}", when(c)));
            }
        }
    }
    if let Some(record) = &p.record {
        let r = &record.result;
        let mut ballots = count(r.ballots, "bulletin", "bulletins");
        if r.weight != r.ballots {
            let _ = write!(ballots, " (poids {})", number(r.weight, Lang::Fr));
        }
        parts.push(ballots);
    }
    parts.join(" · ")
}

/// Whether the quorum held at both ends of the poll (the figures are in the arithmetic lines).
fn quorum_line(q: &QuorumReport) -> &'static str {
    match (q.at_open.reached, q.at_close.reached) {
        (true, true) => "Quorum atteint à l'ouverture et à la clôture du scrutin.",
        (true, false) => "Quorum atteint à l'ouverture, mais pas à la clôture du scrutin.",
        (false, true) => "Quorum non atteint à l'ouverture du scrutin (atteint à la clôture).",
        (false, false) => "Quorum non atteint, ni à l'ouverture ni à la clôture du scrutin.",
    }
}

/// An error page: the status in French words, the registry's reason as the detail.
pub fn error(status: u16, reason: &str) -> String {
    let headline = match status {
        404 => "Cette page n'existe pas, ou le registre ne connaît pas cet événement.",
        400..=499 => "La demande n'a pas pu être satisfaite.",
        _ => "Le registre a rencontré un problème ; réessayez plus tard.",
    };
    page(
        "Erreur",
        &format!(
            "<h1>Erreur {status}</h1>\n<p>{headline}</p>\n<p class=\"meta\">Détail : {}</p>\n\
             <p><a href=\"/\">Tous les événements</a></p>\n",
            escape(reason)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_french_way() {
        use urne_core::figures::{euros, percent};
        let fr = Lang::Fr;
        assert_eq!(number(0, fr), "0");
        assert_eq!(number(999, fr), "999");
        assert_eq!(number(1200, fr), "1\u{202F}200");
        assert_eq!(number(20_000, fr), "20\u{202F}000");
        assert_eq!(number(1_234_567, fr), "1\u{202F}234\u{202F}567");
        assert_eq!(euros(15_000, fr), "15\u{202F}000\u{00A0}€");
        assert_eq!(percent(24, 36, fr), "66,7\u{202F}%");
        assert_eq!(percent(1, 3, fr), "33,3\u{202F}%");
        assert_eq!(percent(0, 0, fr), "");
    }

    #[test]
    fn times_are_written_out_in_utc() {
        assert_eq!(
            when("2026-12-05T19:51:56Z"),
            "5 décembre 2026 à 19\u{00A0}h\u{00A0}51 UTC"
        );
        assert_eq!(when("hier soir"), "hier soir");
        assert_eq!(count(1, "essai", "essais"), "1 essai");
        assert_eq!(count(2, "essai", "essais"), "2 essais");
    }

    #[test]
    fn escaping_covers_content_and_attributes() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
