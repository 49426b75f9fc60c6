//! The procès-verbal's running column: text lines and paragraphs that flow onto new pages,
//! headings, the test-deck banner, the pair of QR codes, the rows of a chart (drawn by
//! [`super::charts`] from the result model) and the signature boxes, drawn with the badge
//! sheet's embedded fonts; footers are added once the page count is known.

use pdf_writer::Content;
use urne_core::chart::Share;

use crate::badges::RenderError;
use crate::badges::layout::{self, QrMatrix};
use crate::badges::pdf::{PAGE_HEIGHT, PAGE_WIDTH, PdfFont, assemble, fill_qr};

/// Points per millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;
pub(crate) const MARGIN: f32 = 18.0 * MM;
/// Room kept at the bottom of every page for the footer.
pub(crate) const FOOTER: f32 = 10.0 * MM;
pub(crate) const COLUMN: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Side of each QR code with its quiet zone: 32 mm reads at arm's length with any phone.
pub(crate) const QR_SIDE: f32 = 32.0 * MM;
/// The label column of a chart, and the longest bar.
pub(crate) const CHART_LABEL: f32 = 58.0 * MM;
pub(crate) const CHART_BAR: f32 = 85.0 * MM;
pub(crate) const BAR_HEIGHT: f32 = 4.2 * MM;
/// The size of a figure written inside a bar.
const SPAN_TEXT: f32 = 6.5;

/// `text` with what the font cannot draw replaced: the engine's « ≈ » and comparison signs by
/// ASCII forms (Noto Sans has no mathematical operators), anything else by `?`. Line breaks
/// and tabs become plain spaces; the no-break spaces of the figures (« 15 000 € », « 63,8 % »)
/// are in the font and kept, so that they print narrow and never break a line.
fn printable(font: &PdfFont, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if layout::is_breakable_space(c) {
            out.push(' ');
        } else if font.check(&c.to_string()).is_ok() {
            out.push(c);
        } else {
            out.push_str(match c {
                '≈' => "~",
                '≤' => "<=",
                '≥' => ">=",
                '≠' => "!=",
                c if c.is_whitespace() => " ",
                _ => "?",
            });
        }
    }
    out
}

#[derive(Clone, Copy)]
pub(crate) enum Face {
    Regular,
    Bold,
}

/// One stretch of a chart's bar, from `start` to `start + length` of the bar's full length.
pub(crate) struct Span<'a> {
    pub(crate) start: Share,
    pub(crate) length: Share,
    /// How dark it is drawn (0 black, 1 white).
    pub(crate) gray: f32,
    /// Written in its middle when it fits: a merit segment's percentage.
    pub(crate) text: Option<&'a str>,
}

/// One row of a chart: its label, its bar and the figure after it.
pub(crate) struct BarRow<'a> {
    pub(crate) label: &'a str,
    /// Written after the label, never cut: the label is cut first when both do not fit.
    pub(crate) note: Option<&'a str>,
    /// The winning answer, option or candidate, a funded project.
    pub(crate) bold: bool,
    pub(crate) spans: &'a [Span<'a>],
    /// An upright line across the bar: the majority required, the median, the budget.
    pub(crate) marker: Option<Share>,
    pub(crate) value: &'a str,
}

/// The running column: pages so far and where the next line goes.
pub(crate) struct Writer {
    regular: PdfFont,
    bold: PdfFont,
    pages: Vec<Content>,
    y: f32,
}

impl Writer {
    pub(crate) fn new() -> Result<Self, RenderError> {
        Ok(Self {
            regular: PdfFont::new(layout::REGULAR, b"F1", "URNEAA+NotoSans-Regular")?,
            bold: PdfFont::new(layout::BOLD, b"F2", "URNEAB+NotoSans-Bold")?,
            pages: vec![Content::new()],
            y: PAGE_HEIGHT - MARGIN,
        })
    }

    fn font(&self, face: Face) -> &PdfFont {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("there is always a page")
    }

    /// Starts a new page when less than `height` is left above the footer.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN + FOOTER {
            self.pages.push(Content::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    pub(crate) fn gap(&mut self, height: f32) {
        self.y -= height;
    }

    /// Replaces what the embedded font cannot draw, so that an exotic name in the roster never
    /// stops the procès-verbal from being printed.
    fn printable(&self, face: Face, text: &str) -> String {
        printable(self.font(face), text)
    }

    /// One line, not wrapped.
    pub(crate) fn line(&mut self, face: Face, size: f32, gray: f32, text: &str) {
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
    pub(crate) fn para(&mut self, face: Face, size: f32, gray: f32, text: &str) {
        let text = self.printable(face, text);
        let lines = {
            let font = self.font(face);
            layout::wrap(&text, COLUMN, &|s| font.width(s, size))
        };
        for l in lines {
            self.line(face, size, gray, &l);
        }
    }

    pub(crate) fn heading(&mut self, text: &str) {
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

    pub(crate) fn banner(&mut self, text: &str) {
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

    /// Draws the QR code of `text`, `side` wide with its quiet zone, its top left corner at
    /// (`left`, `top`).
    fn draw_qr(&mut self, text: &str, left: f32, top: f32, side: f32) -> Result<(), RenderError> {
        let qr = QrMatrix::of_text(text)
            .ok_or_else(|| RenderError::Font("a text does not fit a QR code".into()))?;
        let page = self.pages.last_mut().expect("there is always a page");
        fill_qr(page, &qr, left, top, side);
        Ok(())
    }

    /// Starts a new page (each share sheet is a page of its own, to be handed to one person).
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// One QR code of `side` (with its quiet zone) at the left of the column, and `lines`
    /// beside it, each in its face and size.
    pub(crate) fn qr_with_lines(
        &mut self,
        text: &str,
        side: f32,
        lines: &[(Face, f32, &str)],
    ) -> Result<(), RenderError> {
        self.ensure(side + 4.0 * MM);
        let top = self.y;
        self.draw_qr(text, MARGIN, top, side)?;
        let tx = MARGIN + side + 4.0 * MM;
        let mut ty = top - 6.0 * MM;
        for (face, size, line) in lines {
            let line = self.printable(*face, line);
            let page = self.pages.last_mut().expect("there is always a page");
            match face {
                Face::Regular => self.regular.show(page, 0.0, *size, tx, ty, &line),
                Face::Bold => self.bold.show(page, 0.0, *size, tx, ty, &line),
            }
            ty -= size * 1.45;
        }
        self.y = top - side - 4.0 * MM;
        Ok(())
    }

    /// Two QR codes side by side, each with its caption and its text in groups of four.
    pub(crate) fn qr_pair(
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
            self.draw_qr(text, left, top, QR_SIDE)?;
            let page = self.pages.last_mut().expect("there is always a page");
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

    /// One row of a chart: the label, the bar's frame with its spans and marker, the figure.
    pub(crate) fn bar_row(&mut self, row: &BarRow<'_>) {
        let size = 8.5;
        self.ensure(BAR_HEIGHT + 1.5 * MM);
        let bottom = self.y - BAR_HEIGHT;
        let face = if row.bold { Face::Bold } else { Face::Regular };
        let label = self.printable(face, row.label);
        let note = row.note.map(|n| format!(" {}", self.printable(face, n)));
        let fitted = {
            let font = self.font(face);
            let room =
                CHART_LABEL - 2.0 * MM - note.as_deref().map_or(0.0, |n| font.width(n, size));
            let mut fitted = layout::fit_or_cut(&label, room, &[size], 1, &|s, z| font.width(s, z));
            if let (Some(line), Some(note)) = (fitted.lines.first_mut(), &note) {
                line.push_str(note);
            }
            fitted
        };
        let value = self.printable(Face::Bold, row.value);
        let text_y = bottom + (BAR_HEIGHT - size * 0.72) / 2.0;
        let left = MARGIN + CHART_LABEL;
        let Self {
            regular,
            bold,
            pages,
            ..
        } = self;
        let page = pages.last_mut().expect("there is always a page");
        if let Some(l) = fitted.lines.first() {
            let font = if row.bold { &mut *bold } else { &mut *regular };
            font.show(page, 0.0, size, MARGIN, text_y, l);
        }
        // The frame of the full scale, so that a short bar still reads as a share of it.
        page.set_stroke_gray(0.85)
            .set_line_width(0.3)
            .rect(left, bottom, CHART_BAR, BAR_HEIGHT)
            .stroke();
        for span in row.spans {
            let x = left + CHART_BAR * span.start.ratio() as f32;
            let width = CHART_BAR * span.length.ratio() as f32;
            if width <= 0.0 {
                continue;
            }
            page.set_fill_gray(span.gray)
                .rect(x, bottom, width, BAR_HEIGHT)
                .fill_nonzero();
            if let Some(text) = span.text {
                let text = printable(regular, text);
                let text_width = regular.width(&text, SPAN_TEXT);
                if text_width + 1.0 * MM <= width {
                    // Light on the dark greys, dark on the light ones.
                    let ink = if span.gray < 0.5 { 1.0 } else { 0.0 };
                    let y = bottom + (BAR_HEIGHT - SPAN_TEXT * 0.72) / 2.0;
                    let x = x + (width - text_width) / 2.0;
                    regular.show(page, ink, SPAN_TEXT, x, y, &text);
                }
            }
        }
        if let Some(at) = row.marker {
            let x = left + CHART_BAR * at.ratio() as f32;
            // Edged in white so that it shows on every grey it crosses.
            for (gray, width) in [(1.0, 2.4), (0.0, 1.0)] {
                page.set_stroke_gray(gray)
                    .set_line_width(width)
                    .move_to(x, bottom - 0.8 * MM)
                    .line_to(x, bottom + BAR_HEIGHT + 0.8 * MM)
                    .stroke();
            }
        }
        bold.show(page, 0.0, size, left + CHART_BAR + 2.0 * MM, text_y, &value);
        self.y = bottom - 1.2 * MM;
    }

    /// Boxes side by side, each with a role, a line for the name and room to sign.
    pub(crate) fn signature_boxes(&mut self, roles: &[&str]) {
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
    pub(crate) fn finish(mut self, footer: &str, title: &str) -> Result<Vec<u8>, RenderError> {
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
    fn the_figures_of_the_result_model_print_with_their_own_glyphs() {
        use urne_core::figures::{euros, number, percent};
        use urne_core::tally::Lang;
        for font in [layout::REGULAR, layout::BOLD] {
            let font = PdfFont::new(font, b"F1", "X").unwrap();
            // Narrow no-break spaces between digit groups and before « % », a no-break space
            // before « € », and the signs of the arithmetic and the charts: all in the font.
            for text in [
                number(1_234_567, Lang::Fr),
                euros(15_000, Lang::Fr),
                euros(15_000, Lang::En),
                percent(30, 47, Lang::Fr),
                "« Bien » · — – × ρ = 5000/13 Président·e".to_owned(),
            ] {
                assert_eq!(printable(&font, &text), text, "{text:?}");
            }
            // Noto Sans has no mathematical operators: the engine's « ≈ » prints as « ~ ».
            assert_eq!(printable(&font, "≈ 384,62"), "~ 384,62");
            assert_eq!(printable(&font, "a\nb\tc"), "a b c");
            assert_eq!(printable(&font, "李"), "?");
        }
    }
}
