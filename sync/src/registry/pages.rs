//! The registry's public pages, server-rendered in French: the list of events and each event's
//! results. Every text that comes from a bundle or a package is escaped.

use std::fmt::Write as _;

use super::model::EventResults;
use super::store::EventRow;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — Registre Urne</title>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// The list of events.
pub fn events(rows: &[EventRow]) -> String {
    let mut body = String::from("<h1>Registre des résultats</h1>\n");
    if rows.is_empty() {
        body.push_str("<p>Aucun événement n'est encore inscrit.</p>\n");
    } else {
        body.push_str("<ul>\n");
        for row in rows {
            let title = if row.title.is_empty() {
                &row.id
            } else {
                &row.title
            };
            let _ = writeln!(
                body,
                "<li><a href=\"/events/{}\">{}</a> — {} {} ({} bundle(s))</li>",
                escape(&row.id),
                escape(title),
                escape(&row.date),
                escape(&row.place),
                row.bundles
            );
        }
        body.push_str("</ul>\n");
    }
    page("Événements", &body)
}

/// An event's results.
pub fn results(results: &EventResults) -> String {
    let e = &results.event;
    let mut body = format!(
        "<p><a href=\"/\">← Tous les événements</a></p>\n<h1>{}</h1>\n<p>{} — {}</p>\n",
        escape(&e.title),
        escape(&e.date),
        escape(&e.place)
    );
    if results.kiosks.is_empty() {
        body.push_str("<p>Aucun résultat n'a encore été reçu pour cet événement.</p>\n");
    }
    for kiosk in &results.kiosks {
        for poll in &kiosk.summary.polls {
            let _ = writeln!(body, "<h2>{}</h2>", escape(&poll.poll.question));
            if let Some(decision) = &poll.decision_fr {
                let _ = writeln!(body, "<p><strong>{}</strong></p>", escape(decision));
            }
            for line in &poll.arithmetic_fr {
                let _ = writeln!(body, "<p>{}</p>", escape(line));
            }
        }
    }
    page(&e.title, &body)
}

/// An error page.
pub fn error(status: u16, reason: &str) -> String {
    page(
        "Erreur",
        &format!(
            "<h1>Erreur {status}</h1>\n<p>{}</p>\n<p><a href=\"/\">Tous les événements</a></p>\n",
            escape(reason)
        ),
    )
}
