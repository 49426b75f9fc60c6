//! The procès-verbal's running column: text lines and paragraphs that flow onto new pages,
//! headings, the test-deck banner, the pair of QR codes, the bar charts of each poll and the
//! signature boxes, drawn with the badge sheet's embedded fonts; footers are added once the page
//! count is known.

use pdf_writer::Content;
use urne_core::poll::{Poll, grade_labels_fr};
use urne_core::tally::{self, Decision, Details, Lang, PollResult};

use crate::badges::RenderError;
use crate::badges::layout::{self, QUIET_ZONE, QrMatrix};
use crate::badges::pdf::{PAGE_HEIGHT, PAGE_WIDTH, PdfFont, assemble};

/// Points per millimetre.
pub(super) const MM: f32 = 72.0 / 25.4;
pub(super) const MARGIN: f32 = 18.0 * MM;
/// Room kept at the bottom of every page for the footer.
pub(super) const FOOTER: f32 = 10.0 * MM;
pub(super) const COLUMN: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Side of each QR code with its quiet zone: 32 mm reads at arm's length with any phone.
pub(super) const QR_SIDE: f32 = 32.0 * MM;
/// The label column of a chart, and the longest bar.
pub(super) const CHART_LABEL: f32 = 58.0 * MM;
pub(super) const CHART_BAR: f32 = 85.0 * MM;
pub(super) const BAR_HEIGHT: f32 = 4.2 * MM;

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
pub(super) enum Face {
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
pub(super) struct Writer {
    regular: PdfFont,
    bold: PdfFont,
    pages: Vec<Content>,
    y: f32,
}

impl Writer {
    pub(super) fn new() -> Result<Self, RenderError> {
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
    pub(super) fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN + FOOTER {
            self.pages.push(Content::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    pub(super) fn gap(&mut self, height: f32) {
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
    pub(super) fn line(&mut self, face: Face, size: f32, gray: f32, text: &str) {
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
    pub(super) fn para(&mut self, face: Face, size: f32, gray: f32, text: &str) {
        let text = self.printable(face, text);
        let lines = {
            let font = self.font(face);
            layout::wrap(&text, COLUMN, &|s| font.width(s, size))
        };
        for l in lines {
            self.line(face, size, gray, &l);
        }
    }

    pub(super) fn heading(&mut self, text: &str) {
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

    pub(super) fn banner(&mut self, text: &str) {
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
    pub(super) fn qr_pair(
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
    pub(super) fn chart(&mut self, poll: &Poll, result: &PollResult, lang: Lang) {
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
    pub(super) fn signature_boxes(&mut self, roles: &[&str]) {
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
    pub(super) fn finish(mut self, footer: &str, title: &str) -> Result<Vec<u8>, RenderError> {
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
