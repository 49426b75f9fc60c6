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

use pdf_writer::Content;
use urne_core::poll::{Poll, grade_labels_fr};
use urne_core::results::PollState;
use urne_core::tally::{self, Decision, Details, Lang, PollResult};

use crate::badges::RenderError;
use crate::badges::layout::{self, QUIET_ZONE, QrMatrix};
use crate::badges::pdf::{PAGE_HEIGHT, PAGE_WIDTH, PdfFont, assemble};
use urne_codec::verify::Report;

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
const MARGIN: f32 = 18.0 * MM;
/// Room kept at the bottom of every page for the footer.
const FOOTER: f32 = 10.0 * MM;
const COLUMN: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Side of each QR code with its quiet zone: 32 mm reads at arm's length with any phone.
const QR_SIDE: f32 = 32.0 * MM;
/// The label column of a chart, and the longest bar.
const CHART_LABEL: f32 = 58.0 * MM;
const CHART_BAR: f32 = 85.0 * MM;
const BAR_HEIGHT: f32 = 4.2 * MM;

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
    let t = |french: &'static str, english: &'static str| if fr { french } else { english };
    let mut w = Writer::new()?;
    let c = &report.content;
    let event = &c.event;

    // Header.
    w.line(Face::Bold, 18.0, 0.0, t("Procès-verbal", "Minutes"));
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
            t("Date :", "Date:"),
            long_date(&event.date, lang),
            t("Lieu :", "Place:"),
            event.place
        ),
    );
    if c.test {
        w.gap(2.0 * MM);
        w.banner(t(
            "ESSAI À BLANC — jeu d'essai, ce n'est pas un résultat réel",
            "TEST DECK RUN — not a real result",
        ));
    }
    w.gap(4.0 * MM);

    // What this paper certifies: on page 1, always.
    w.heading(t("Bundle signé", "Signed bundle"));
    w.para(
        Face::Regular,
        9.0,
        0.0,
        &format!(
            "{} {} · {} {} · {} {}",
            t("Fichier :", "File:"),
            bundle_file,
            t("export n°", "export #"),
            report.seq,
            t("signé le", "signed on"),
            report.created
        ),
    );
    w.qr_pair(
        &digest_qr_text(report),
        t("SHA-256 du bundle", "Bundle SHA-256"),
        &device_qr_text(report),
        t("Empreinte du kiosque", "Device fingerprint"),
    )?;
    w.para(
        Face::Regular,
        8.5,
        0.3,
        &format!(
            "{} urne verify --expect-device {} {}",
            t(
                "Vérification par quiconque : sha256sum du fichier, puis",
                "Anyone can check: sha256sum of the file, then"
            ),
            report.device.to_hex(),
            bundle_file
        ),
    );
    w.gap(4.0 * MM);

    // Bureau.
    w.heading(t("Bureau", "Bureau"));
    let organisers: Vec<&str> = event.organisers.iter().map(|o| o.name.as_str()).collect();
    w.para(
        Face::Regular,
        10.0,
        0.0,
        &format!(
            "{} {}",
            t("Organisateurs :", "Organisers:"),
            if organisers.is_empty() {
                "—".to_owned()
            } else {
                organisers.join(", ")
            }
        ),
    );
    w.gap(3.0 * MM);

    // Attendance.
    let a = &c.attendance;
    w.heading(t("Présences et pouvoirs", "Attendance and proxies"));
    w.para(
        Face::Regular,
        10.0,
        0.0,
        &if fr {
            format!(
                "Membres inscrits : {} · présents à l'export : {} · représentés par un pouvoir : {} · total : {}",
                a.members,
                a.totals.present,
                a.totals.represented,
                a.totals.present + a.totals.represented
            )
        } else {
            format!(
                "Members on the roster: {} · present at export: {} · represented by proxy: {} · total: {}",
                a.members,
                a.totals.present,
                a.totals.represented,
                a.totals.present + a.totals.represented
            )
        },
    );
    if let Some(q) = &event.quorum {
        let required = q.required(a.members);
        w.para(
            Face::Regular,
            10.0,
            0.0,
            &if fr {
                format!(
                    "Quorum : {required} membres{} ; atteint ou non à l'ouverture et à la clôture de chaque scrutin, ci-dessous.",
                    if q.count_proxies {
                        ", pouvoirs compris"
                    } else {
                        " présents"
                    }
                )
            } else {
                format!(
                    "Quorum: {required} members{}; whether it was reached at each poll's opening and closing is below.",
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
        w.para(Face::Regular, 10.0, 0.0, t("Aucun pouvoir.", "No proxies."));
    } else {
        w.para(Face::Regular, 10.0, 0.0, t("Pouvoirs :", "Proxies:"));
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
            "La liste d'émargement nominative est jointe (fichier CSV du même export).",
            "The named attendance sheet is attached (CSV file of the same export).",
        ),
    );
    w.gap(3.0 * MM);

    // Polls.
    w.heading(t("Scrutins", "Polls"));
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
        match (status.state, c.results.get(&status.poll)) {
            (PollState::Closed, Some(record)) => {
                let r = &record.result;
                w.para(
                    Face::Regular,
                    9.0,
                    0.3,
                    &if fr {
                        format!(
                            "{} · ouvert le {} · clos le {} · {} bulletins (poids {})",
                            kind_name(poll, lang),
                            status.opened_at.map(|t| t.to_string()).unwrap_or_default(),
                            status.closed_at.map(|t| t.to_string()).unwrap_or_default(),
                            r.ballots,
                            r.weight
                        )
                    } else {
                        format!(
                            "{} · opened {} · closed {} · {} ballots (weight {})",
                            kind_name(poll, lang),
                            status.opened_at.map(|t| t.to_string()).unwrap_or_default(),
                            status.closed_at.map(|t| t.to_string()).unwrap_or_default(),
                            r.ballots,
                            r.weight
                        )
                    },
                );
                w.gap(1.0 * MM);
                w.chart(poll, r, lang);
                w.gap(1.0 * MM);
                let lines = tally::arithmetic(poll, r, lang);
                let last = lines.len().saturating_sub(1);
                for (j, l) in lines.iter().enumerate() {
                    let face = if j == last { Face::Bold } else { Face::Regular };
                    w.para(face, 9.0, 0.0, l);
                }
            }
            (PollState::Open, _) => w.para(
                Face::Regular,
                9.0,
                0.3,
                t(
                    "Encore ouvert lors de l'export : pas de résultat.",
                    "Still open at export time: no result.",
                ),
            ),
            _ => w.para(Face::Regular, 9.0, 0.3, t("Non ouvert.", "Not opened.")),
        }
        w.gap(4.0 * MM);
    }

    // Signatures of the bureau.
    w.ensure(48.0 * MM);
    w.heading(t("Signatures du bureau", "Signatures of the bureau"));
    w.para(
        Face::Regular,
        9.0,
        0.2,
        t(
            "Les soussignés certifient que ce procès-verbal correspond au bundle dont l'empreinte figure en page 1.",
            "The undersigned certify that these minutes match the bundle whose fingerprint is on page 1.",
        ),
    );
    w.gap(2.0 * MM);
    w.signature_boxes(&[
        t("Président·e de séance", "Chair"),
        t("Secrétaire", "Secretary"),
        t("Assesseur·e", "Teller"),
    ]);

    let footer = format!(
        "{} — {} — SHA-256 {}…",
        t("Procès-verbal", "Minutes"),
        event.id,
        &report.digest.to_hex()[..16]
    );
    w.finish(
        &footer,
        &format!("{} — {}", t("Procès-verbal", "Minutes"), event.title),
    )
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

/// `text` with what the font cannot draw replaced: the engine's « ≈ » and comparison signs by
/// ASCII forms, anything else by `?`.
fn printable(font: &PdfFont, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() {
            out.push(' ');
        } else if font.check(&c.to_string()).is_ok() {
            out.push(c);
        } else {
            out.push_str(match c {
                '≈' => "~",
                '≤' => "<=",
                '≥' => ">=",
                '≠' => "!=",
                _ => "?",
            });
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Face {
    Regular,
    Bold,
}

/// One bar of a chart: a label, a value, and how dark it is drawn.
struct Bar {
    label: String,
    value: u64,
    gray: f32,
}

/// The running column: pages so far and where the next line goes.
struct Writer {
    regular: PdfFont,
    bold: PdfFont,
    pages: Vec<Content>,
    y: f32,
}

impl Writer {
    fn new() -> Result<Self, RenderError> {
        Ok(Self {
            regular: PdfFont::new(layout::REGULAR, b"F1", "URNEAA+NotoSans-Regular")?,
            bold: PdfFont::new(layout::BOLD, b"F2", "URNEAB+NotoSans-Bold")?,
            pages: vec![Content::new()],
            y: PAGE_HEIGHT - MARGIN,
        })
    }

    fn font(&mut self, face: Face) -> &mut PdfFont {
        match face {
            Face::Regular => &mut self.regular,
            Face::Bold => &mut self.bold,
        }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("there is always a page")
    }

    /// Starts a new page when less than `height` is left above the footer.
    fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN + FOOTER {
            self.pages.push(Content::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn gap(&mut self, height: f32) {
        self.y -= height;
    }

    /// Replaces what the embedded font cannot draw, so that an exotic name in the roster never
    /// stops the procès-verbal from being printed.
    fn printable(&self, face: Face, text: &str) -> String {
        match face {
            Face::Regular => printable(&self.regular, text),
            Face::Bold => printable(&self.bold, text),
        }
    }

    /// One line, not wrapped.
    fn line(&mut self, face: Face, size: f32, gray: f32, text: &str) {
        let text = self.printable(face, text);
        self.ensure(size * 1.3);
        self.y -= size;
        let y = self.y;
        let (font, page) = match face {
            Face::Regular => (&mut self.regular, self.pages.last_mut()),
            Face::Bold => (&mut self.bold, self.pages.last_mut()),
        };
        if let Some(page) = page {
            font.show(page, gray, size, MARGIN, y, &text);
        }
        self.y -= size * 0.3;
    }

    /// A paragraph wrapped to the column.
    fn para(&mut self, face: Face, size: f32, gray: f32, text: &str) {
        let text = self.printable(face, text);
        let lines = {
            let font = self.font(face);
            layout::wrap(&text, COLUMN, &|s| font.width(s, size))
        };
        for l in lines {
            self.line(face, size, gray, &l);
        }
    }

    fn heading(&mut self, text: &str) {
        self.ensure(20.0 * MM);
        self.line(Face::Bold, 12.0, 0.0, text);
        let y = self.y + 1.0;
        self.page()
            .set_stroke_gray(0.6)
            .set_line_width(0.5)
            .move_to(MARGIN, y)
            .line_to(PAGE_WIDTH - MARGIN, y)
            .stroke();
        self.gap(1.5 * MM);
    }

    fn banner(&mut self, text: &str) {
        let size = 11.0;
        self.ensure(9.0 * MM);
        let height = 7.0 * MM;
        let bottom = self.y - height;
        self.page()
            .set_fill_gray(0.0)
            .rect(MARGIN, bottom, COLUMN, height)
            .fill_nonzero();
        let text = self.printable(Face::Bold, text);
        let page = self.pages.last_mut().expect("there is always a page");
        self.bold.show(
            page,
            1.0,
            size,
            MARGIN + 3.0 * MM,
            bottom + (height - size * 0.72) / 2.0,
            &text,
        );
        self.y = bottom;
    }

    /// Two QR codes side by side, each with its caption and its text in groups of four.
    fn qr_pair(
        &mut self,
        first: &str,
        first_caption: &str,
        second: &str,
        second_caption: &str,
    ) -> Result<(), RenderError> {
        self.ensure(QR_SIDE + 4.0 * MM);
        let top = self.y;
        let half = COLUMN / 2.0;
        for (i, (text, caption)) in [(first, first_caption), (second, second_caption)]
            .into_iter()
            .enumerate()
        {
            let left = MARGIN + i as f32 * half;
            let qr = QrMatrix::of_text(text)
                .ok_or_else(|| RenderError::Font("a digest does not fit a QR code".into()))?;
            let module = QR_SIDE / (qr.width + 2 * QUIET_ZONE) as f32;
            let x0 = left + QUIET_ZONE as f32 * module;
            let y0 = top - QUIET_ZONE as f32 * module;
            let page = self.pages.last_mut().expect("there is always a page");
            page.set_fill_gray(0.0);
            for (x, y, len) in qr.dark_runs() {
                page.rect(
                    x0 + x as f32 * module,
                    y0 - (y + 1) as f32 * module,
                    len as f32 * module,
                    module,
                );
            }
            page.fill_nonzero();
            // The caption and the digest beside the code, four hexadecimal digits a group,
            // four groups a line: easy to read aloud and compare.
            let tx = left + QR_SIDE + 1.5 * MM;
            let mut ty = top - 4.0 * MM - 9.0;
            let caption = printable(&self.bold, caption);
            self.bold.show(page, 0.0, 9.0, tx, ty, &caption);
            ty -= 4.0 * MM;
            let groups: Vec<String> = text
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            for row in groups.chunks(4) {
                self.regular.show(page, 0.0, 8.5, tx, ty, &row.join(" "));
                ty -= 3.8 * MM;
            }
        }
        self.y = top - QR_SIDE - 2.0 * MM;
        Ok(())
    }

    /// A horizontal bar chart of a poll's counts (none for rankings: the arithmetic lines give
    /// the pairwise comparisons).
    fn chart(&mut self, poll: &Poll, result: &PollResult, lang: Lang) {
        let fr = lang == Lang::Fr;
        let label = |id: &urne_core::ids::OptionId| {
            poll.kind.label_of(id).unwrap_or(id.as_str()).to_owned()
        };
        let bars: Vec<Bar> = match &result.details {
            Details::Motion(m) => {
                let adopted = result.decision == Decision::Adopted;
                vec![
                    Bar {
                        label: (if fr { "Pour" } else { "For" }).into(),
                        value: m.for_,
                        gray: if adopted { 0.15 } else { 0.45 },
                    },
                    Bar {
                        label: (if fr { "Contre" } else { "Against" }).into(),
                        value: m.against,
                        gray: if adopted { 0.45 } else { 0.15 },
                    },
                    Bar {
                        label: (if fr { "Abstention" } else { "Abstain" }).into(),
                        value: m.abstain,
                        gray: 0.7,
                    },
                    Bar {
                        label: (if fr { "Blanc" } else { "Blank" }).into(),
                        value: m.blank,
                        gray: 0.8,
                    },
                ]
            }
            Details::Counts(c) => {
                let mut bars: Vec<Bar> = c
                    .options
                    .iter()
                    .map(|o| Bar {
                        label: label(&o.id),
                        value: o.votes,
                        gray: if result.winners.contains(&o.id) {
                            0.15
                        } else {
                            0.45
                        },
                    })
                    .collect();
                bars.push(Bar {
                    label: (if fr { "Blanc" } else { "Blank" }).into(),
                    value: c.blank,
                    gray: 0.8,
                });
                bars
            }
            Details::Budget(b) => b
                .projects
                .iter()
                .map(|p| Bar {
                    label: format!("{} ({} €)", label(&p.id), p.cost),
                    value: p.approvals,
                    gray: if p.funded { 0.15 } else { 0.6 },
                })
                .collect(),
            Details::MajorityJudgment(d) => {
                self.merit_profiles(poll, d, lang);
                return;
            }
            Details::Schulze(_) => return,
        };
        let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
        for bar in &bars {
            self.bar_row(
                &bar.label,
                &[(bar.value, bar.gray)],
                max,
                &bar.value.to_string(),
            );
        }
    }

    /// Majority Judgment: one stacked bar per candidate, best mention on the left.
    fn merit_profiles(&mut self, poll: &Poll, d: &tally::MajorityJudgmentDetails, lang: Lang) {
        let labels = grade_labels_fr(d.grades);
        let shades = |i: usize| 0.1 + 0.8 * i as f32 / f32::from(d.grades.max(2) - 1);
        for c in &d.candidates {
            // Profiles are indexed worst first; draw best first, as the mentions read.
            let segments: Vec<(u64, f32)> = c
                .profile
                .iter()
                .rev()
                .enumerate()
                .map(|(i, v)| (*v, shades(i)))
                .collect();
            let mention = c
                .majority_grade
                .and_then(|g| labels.get(usize::from(d.grades - 1 - g)))
                .copied()
                .unwrap_or("—");
            let name = poll
                .kind
                .label_of(&c.id)
                .unwrap_or(c.id.as_str())
                .to_owned();
            self.bar_row(&name, &segments, d.judgments.max(1), mention);
        }
        let legend = labels.join(" · ");
        self.para(
            Face::Regular,
            7.5,
            0.3,
            &format!(
                "{} {legend}",
                if lang == Lang::Fr {
                    "Mentions, de gauche à droite :"
                } else {
                    "Mentions, left to right:"
                }
            ),
        );
    }

    /// One row of a chart: the label, bars proportional to `max`, and a value after them.
    fn bar_row(&mut self, label: &str, segments: &[(u64, f32)], max: u64, value: &str) {
        let size = 8.5;
        self.ensure(BAR_HEIGHT + 1.5 * MM);
        let bottom = self.y - BAR_HEIGHT;
        let label = self.printable(Face::Regular, label);
        let fitted = layout::fit_or_cut(&label, CHART_LABEL - 2.0 * MM, &[size], 1, &|s, z| {
            self.regular.width(s, z)
        });
        let text_y = bottom + (BAR_HEIGHT - size * 0.72) / 2.0;
        let page = self.pages.last_mut().expect("there is always a page");
        if let Some(l) = fitted.lines.first() {
            self.regular.show(page, 0.0, size, MARGIN, text_y, l);
        }
        let mut x = MARGIN + CHART_LABEL;
        // The frame of the full scale, so that a short bar still reads as a share of it.
        page.set_stroke_gray(0.85)
            .set_line_width(0.3)
            .rect(x, bottom, CHART_BAR, BAR_HEIGHT)
            .stroke();
        for (v, gray) in segments {
            let width = CHART_BAR * (*v as f32) / (max as f32);
            if width > 0.0 {
                page.set_fill_gray(*gray)
                    .rect(x, bottom, width, BAR_HEIGHT)
                    .fill_nonzero();
            }
            x += width;
        }
        let value = printable(&self.bold, value);
        self.bold.show(
            page,
            0.0,
            size,
            MARGIN + CHART_LABEL + CHART_BAR + 2.0 * MM,
            text_y,
            &value,
        );
        self.y = bottom - 1.2 * MM;
    }

    /// Boxes side by side, each with a role, a line for the name and room to sign.
    fn signature_boxes(&mut self, roles: &[&str]) {
        let height = 32.0 * MM;
        self.ensure(height);
        let gap = 4.0 * MM;
        let width = (COLUMN - gap * (roles.len() as f32 - 1.0)) / roles.len() as f32;
        let bottom = self.y - height;
        for (i, role) in roles.iter().enumerate() {
            let left = MARGIN + i as f32 * (width + gap);
            let role = self.printable(Face::Bold, role);
            let page = self.pages.last_mut().expect("there is always a page");
            page.set_stroke_gray(0.5)
                .set_line_width(0.5)
                .rect(left, bottom, width, height)
                .stroke();
            self.bold
                .show(page, 0.0, 9.0, left + 2.0 * MM, self.y - 5.0 * MM, &role);
            page.set_stroke_gray(0.7)
                .move_to(left + 2.0 * MM, self.y - 12.0 * MM)
                .line_to(left + width - 2.0 * MM, self.y - 12.0 * MM)
                .stroke();
        }
        self.y = bottom - 2.0 * MM;
    }

    /// Adds the footers and writes the PDF.
    fn finish(mut self, footer: &str, title: &str) -> Result<Vec<u8>, RenderError> {
        let count = self.pages.len();
        let footer = self.printable(Face::Regular, footer);
        let mut pages = std::mem::take(&mut self.pages);
        for (i, page) in pages.iter_mut().enumerate() {
            let text = format!("{footer} — page {} / {count}", i + 1);
            self.regular
                .show(page, 0.4, 7.5, MARGIN, MARGIN - 2.0 * MM, &text);
        }
        let pages: Vec<Vec<u8>> = pages.into_iter().map(|p| p.finish().into_vec()).collect();
        assemble(&pages, title, &mut self.regular, &mut self.bold)
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
