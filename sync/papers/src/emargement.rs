//! The attendance sheet (émargement) as a spreadsheet: one CSV row per member present or
//! represented, drawn from a verified bundle's `attendance.json`.
//!
//! Written for the spreadsheets organisers actually open: UTF-8 with a byte-order mark (so that
//! Excel reads the accents), `;` between fields (the French locale's list separator), CRLF line
//! ends. It carries exactly what the bundle carries — names, collectives, check-in times and
//! proxies — and nothing about ballots.

use urne_core::results::AttendanceSheet;
use urne_core::tally::Lang;

/// The file name of a bundle's attendance sheet: the bundle's name with `-emargement.csv`.
pub fn file_name(bundle_file: &str) -> String {
    format!(
        "{}-emargement.csv",
        bundle_file.strip_suffix(".urne").unwrap_or(bundle_file)
    )
}

/// Why the sheet could not be written (only a bug can cause it: the data is plain text).
#[derive(Debug, thiserror::Error)]
#[error("the attendance sheet could not be written: {0}")]
pub struct CsvError(String);

/// The CSV bytes. Rows: members present, sorted by name, then members represented by proxy,
/// sorted by name.
pub fn render(sheet: &AttendanceSheet, lang: Lang) -> Result<Vec<u8>, CsvError> {
    let fr = lang == Lang::Fr;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let header: [&str; 6] = if fr {
            [
                "Nom",
                "Collectif",
                "Statut",
                "Arrivée (UTC)",
                "Pouvoir de",
                "Identifiant",
            ]
        } else {
            [
                "Name",
                "Collective",
                "Status",
                "Check-in (UTC)",
                "Proxy for",
                "Id",
            ]
        };
        w.write_record(header)
            .map_err(|e| CsvError(e.to_string()))?;
        let mut present: Vec<_> = sheet.present.iter().collect();
        present.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        for m in present {
            let held: Vec<&str> = sheet
                .proxies
                .iter()
                .filter(|p| p.holder == m.id)
                .map(|p| p.absent_name.as_str())
                .collect();
            w.write_record([
                m.name.as_str(),
                m.group.as_deref().unwrap_or(""),
                if fr { "présent" } else { "present" },
                &m.checked_in_at.to_string(),
                &held.join(", "),
                &m.id.to_string(),
            ])
            .map_err(|e| CsvError(e.to_string()))?;
        }
        let mut represented: Vec<_> = sheet.proxies.iter().collect();
        represented.sort_by(|a, b| a.absent_name.cmp(&b.absent_name));
        for p in represented {
            let status = if fr {
                format!("représenté par {}", p.holder_name)
            } else {
                format!("represented by {}", p.holder_name)
            };
            w.write_record([
                p.absent_name.as_str(),
                "",
                &status,
                "",
                "",
                &p.absent.to_string(),
            ])
            .map_err(|e| CsvError(e.to_string()))?;
        }
        w.flush().map_err(|e| CsvError(e.to_string()))?;
    }
    Ok(out)
}
