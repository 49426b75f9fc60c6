//! The printable sheet: A4 portrait pages of ten 90 × 55 mm badges (2 columns × 5 rows, the
//! size of common badge holders), each with the event title, the holder's name and collective,
//! the QR code drawn as vector squares, and a mark on organiser badges.
//!
//! Written with `pdf-writer`; the two Noto Sans faces are embedded as subset CID fonts
//! (`subsetter`) with a ToUnicode map, so that accents print and copy correctly.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use super::layout::{self, QUIET_ZONE, QrMatrix};
use super::{Badge, PrintSettings, RenderError, print_order};

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
/// A4 portrait, in points.
pub(crate) const PAGE_WIDTH: f32 = 210.0 * MM;
pub(crate) const PAGE_HEIGHT: f32 = 297.0 * MM;
/// Badges across a page.
pub const COLUMNS: usize = 2;
/// Badges down a page.
pub const ROWS: usize = 5;
/// Badges on a full page.
pub const PER_PAGE: usize = COLUMNS * ROWS;
/// A badge's width, in millimetres (a business card: fits standard badge holders).
pub const BADGE_WIDTH_MM: f32 = 90.0;
/// A badge's height, in millimetres.
pub const BADGE_HEIGHT_MM: f32 = 55.0;
/// The QR code's side with its quiet zone, in millimetres: about 0.6 mm per module at
/// version 10, which phone cameras and the kiosk's scanner read at arm's length.
pub const QR_SIDE_MM: f32 = 40.0;

const BADGE_WIDTH: f32 = BADGE_WIDTH_MM * MM;
const BADGE_HEIGHT: f32 = BADGE_HEIGHT_MM * MM;
const QR_SIDE: f32 = QR_SIDE_MM * MM;
/// Where the grid of badges starts: centred on the page (15 mm left and right, 11 mm top and
/// bottom, inside every printer's printable area).
const GRID_LEFT: f32 = (PAGE_WIDTH - COLUMNS as f32 * BADGE_WIDTH) / 2.0;
const GRID_TOP: f32 = PAGE_HEIGHT - (PAGE_HEIGHT - ROWS as f32 * BADGE_HEIGHT) / 2.0;
/// The white space kept inside a badge's edges for text, wide enough for an imprecise cut.
const PADDING: f32 = 4.0 * MM;
/// The QR block sits this far from the badge's right and bottom edges; its own quiet zone adds
/// to it.
const QR_INSET: f32 = 1.5 * MM;
/// Where the name starts, from the badge's top edge: below two lines of title.
const NAME_TOP: f32 = 14.0 * MM;

// At least 10 mm of margin on every side of the page, and room above the code for two lines
// of title: checked when compiling.
const _: () = assert!(GRID_LEFT >= 10.0 * MM && PAGE_HEIGHT - GRID_TOP >= 10.0 * MM);
const _: () = assert!(BADGE_HEIGHT - QR_INSET - QR_SIDE >= 12.0 * MM);

/// How many pages `count` badges take.
pub fn page_count(count: usize) -> usize {
    count.div_ceil(PER_PAGE)
}

/// Renders the sheet of badges: members in the order given, organisers last.
pub fn render(badges: &[Badge], settings: &PrintSettings<'_>) -> Result<Vec<u8>, RenderError> {
    let mut regular = PdfFont::new(layout::REGULAR, b"F1", "URNEAA+NotoSans-Regular")?;
    let mut bold = PdfFont::new(layout::BOLD, b"F2", "URNEAB+NotoSans-Bold")?;
    let badges = print_order(badges);

    // Lay out every page first: the fonts learn which glyphs are used, and are subset after.
    let mut pages = Vec::new();
    for sheet in badges.chunks(PER_PAGE) {
        let mut content = Content::new();
        for (i, badge) in sheet.iter().enumerate() {
            let left = GRID_LEFT + (i % COLUMNS) as f32 * BADGE_WIDTH;
            let top = GRID_TOP - (i / COLUMNS) as f32 * BADGE_HEIGHT;
            draw_badge(
                &mut content,
                &mut regular,
                &mut bold,
                badge,
                settings,
                left,
                top,
            )?;
        }
        pages.push(content.finish().into_vec());
    }

    let title = format!("Badges — {}", settings.event_title);
    assemble(&pages, &title, &mut regular, &mut bold)
}

/// Writes an A4 PDF from finished page contents that draw with the two embedded fonts: the
/// page tree, the document's title, each page compressed, and the fonts subset to the glyphs
/// the pages used. Shared by the badge sheet and the procès-verbal.
pub(crate) fn assemble(
    pages: &[Vec<u8>],
    title: &str,
    regular: &mut PdfFont,
    bold: &mut PdfFont,
) -> Result<Vec<u8>, RenderError> {
    let mut next = 1;
    let mut alloc = || {
        let id = Ref::new(next);
        next += 1;
        id
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let regular_id = alloc();
    let bold_id = alloc();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Urne"));
    for ((page_id, content_id), content) in page_ids.iter().zip(pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(*content_id);
        let mut resources = page.resources();
        resources
            .fonts()
            .pair(Name(regular.resource), regular_id)
            .pair(Name(bold.resource), bold_id);
        resources.finish();
        page.finish();
        pdf.stream(*content_id, &deflate(content))
            .filter(Filter::FlateDecode);
    }
    regular.write(&mut pdf, regular_id, &mut alloc)?;
    bold.write(&mut pdf, bold_id, &mut alloc)?;
    Ok(pdf.finish())
}

pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Draws one badge whose top-left corner is at (`left`, `top`), in points from the page's
/// bottom-left corner.
fn draw_badge(
    content: &mut Content,
    regular: &mut PdfFont,
    bold: &mut PdfFont,
    badge: &Badge,
    settings: &PrintSettings<'_>,
    left: f32,
    top: f32,
) -> Result<(), RenderError> {
    let bottom = top - BADGE_HEIGHT;

    // A light border to cut along: visible on paper, faint enough not to distract if the cut
    // misses it.
    content
        .set_stroke_gray(0.75)
        .set_line_width(0.4)
        .rect(left, bottom, BADGE_WIDTH, BADGE_HEIGHT)
        .stroke();

    // The event title, small and grey, across the top.
    regular.check(settings.event_title)?;
    let inner = BADGE_WIDTH - 2.0 * PADDING;
    let title = layout::fit_or_cut(
        settings.event_title,
        inner,
        &layout::sizes(7.0, 5.5, 0.5),
        2,
        &|s, size| regular.width(s, size),
    );
    let mut baseline = top - PADDING - title.size * 0.8;
    for line in &title.lines {
        regular.show(content, 0.35, title.size, left + PADDING, baseline, line);
        baseline -= title.size * 1.2;
    }

    // The QR code, bottom right.
    let qr = QrMatrix::of(badge)?;
    fill_qr(
        content,
        &qr,
        left + BADGE_WIDTH - QR_INSET - QR_SIDE,
        bottom + QR_INSET + QR_SIDE,
        QR_SIDE,
    );

    // The name, large, left of the code: on one line if it fits at a readable size (so that
    // « Prénom Nom » reads as one), else on up to three lines.
    let column = BADGE_WIDTH - PADDING - QR_SIDE - QR_INSET;
    bold.check(&badge.name)?;
    let bold_width = |s: &str, size: f32| bold.width(s, size);
    let name = layout::try_fit(
        &badge.name,
        column,
        &layout::sizes(16.0, 11.0, 0.5),
        1,
        &bold_width,
    )
    .unwrap_or_else(|| {
        layout::fit_or_cut(
            &badge.name,
            column,
            &layout::sizes(14.0, 8.0, 0.5),
            3,
            &bold_width,
        )
    });
    let mut baseline = top - NAME_TOP - name.size * 0.75;
    for line in &name.lines {
        bold.show(content, 0.0, name.size, left + PADDING, baseline, line);
        baseline -= name.size * 1.15;
    }

    // The collective, under the name.
    if let Some(group) = badge.group.as_deref().filter(|g| !g.trim().is_empty()) {
        regular.check(group)?;
        let group = layout::fit_or_cut(
            group,
            column,
            &layout::sizes(9.0, 7.0, 0.5),
            3,
            &|s, size| regular.width(s, size),
        );
        baseline -= 1.5 * MM + group.size * 0.2;
        for line in &group.lines {
            regular.show(content, 0.2, group.size, left + PADDING, baseline, line);
            baseline -= group.size * 1.2;
        }
    }

    // The organiser mark: white on black, bottom left, seen from across the hall.
    if badge.role == urne_core::credential::Role::Organiser {
        let mark = settings.organiser_mark();
        bold.check(mark)?;
        let size = 8.0;
        let width = bold.width(mark, size) + 4.0 * MM;
        let height = 5.5 * MM;
        let y = bottom + PADDING;
        content
            .set_fill_gray(0.0)
            .rect(left + PADDING, y, width, height)
            .fill_nonzero();
        bold.show(
            content,
            1.0,
            size,
            left + PADDING + 2.0 * MM,
            y + (height - size * 0.72) / 2.0,
            mark,
        );
    }
    Ok(())
}

/// One embedded face: the glyphs used so far (renumbered for the subset) and what text each
/// stands for (for copying and searching the PDF).
pub(crate) struct PdfFont {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    pub(crate) resource: &'static [u8],
    base_name: &'static str,
    /// PDF glyph space units (1/1000 em) per font unit.
    scale: f32,
    glyphs: GlyphRemapper,
    unicode: BTreeMap<u16, char>,
}

impl PdfFont {
    pub(crate) fn new(
        data: &'static [u8],
        resource: &'static [u8],
        base_name: &'static str,
    ) -> Result<Self, RenderError> {
        let face =
            ttf_parser::Face::parse(data, 0).map_err(|e| RenderError::Font(e.to_string()))?;
        let scale = 1000.0 / f32::from(face.units_per_em());
        Ok(Self {
            data,
            face,
            resource,
            base_name,
            scale,
            glyphs: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
        })
    }

    /// Refuses a text with a character the font cannot draw, rather than printing a blank box
    /// on someone's badge. Breakable whitespace is exempt: wrapping turns it into plain spaces;
    /// a no-break space is kept, so it must be in the font.
    pub(crate) fn check(&self, text: &str) -> Result<(), RenderError> {
        match text
            .chars()
            .find(|c| !layout::is_breakable_space(*c) && self.face.glyph_index(*c).is_none())
        {
            Some(character) => Err(RenderError::MissingGlyph {
                text: text.to_owned(),
                character,
            }),
            None => Ok(()),
        }
    }

    /// The width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .filter_map(|c| self.face.glyph_index(c))
            .filter_map(|g| self.face.glyph_hor_advance(g))
            .map(f32::from)
            .sum();
        units * self.scale * size / 1000.0
    }

    /// Draws one line of text with its baseline at (`x`, `y`) in grey level `gray` (0 black).
    pub(crate) fn show(
        &mut self,
        content: &mut Content,
        gray: f32,
        size: f32,
        x: f32,
        y: f32,
        text: &str,
    ) {
        let mut encoded = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            // Checked before layout; a character without a glyph cannot get here, but would
            // print as the empty .notdef glyph rather than fail.
            let old = self.face.glyph_index(c).map_or(0, |g| g.0);
            let new = self.glyphs.remap(old);
            self.unicode.entry(new).or_insert(c);
            encoded.extend_from_slice(&new.to_be_bytes());
        }
        content
            .set_fill_gray(gray)
            .begin_text()
            .set_font(Name(self.resource), size)
            .next_line(x, y)
            .show(Str(&encoded))
            .end_text();
    }

    /// Writes the font (a Type0 font over a TrueType CID font, glyph ids as CIDs) with the
    /// subset of the glyphs used.
    pub(crate) fn write(
        &self,
        pdf: &mut Pdf,
        type0: Ref,
        alloc: &mut impl FnMut() -> Ref,
    ) -> Result<(), RenderError> {
        let (cid, descriptor, file, cmap) = (alloc(), alloc(), alloc(), alloc());
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let base = Name(self.base_name.as_bytes());
        pdf.type0_font(type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);

        let widths: Vec<f32> = self
            .glyphs
            .remapped_gids()
            .map(|old| {
                let advance = self
                    .face
                    .glyph_hor_advance(ttf_parser::GlyphId(old))
                    .unwrap_or(0);
                f32::from(advance) * self.scale
            })
            .collect();
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();

        let bbox = self.face.global_bounding_box();
        let s = self.scale;
        let bold = self.face.is_bold();
        pdf.font_descriptor(descriptor)
            .name(base)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * s,
                f32::from(bbox.y_min) * s,
                f32::from(bbox.x_max) * s,
                f32::from(bbox.y_max) * s,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(self.face.ascender()) * s)
            .descent(f32::from(self.face.descender()) * s)
            .cap_height(f32::from(self.face.capital_height().unwrap_or(714)) * s)
            // Stem widths are only hints for substitution; typical values for the weights.
            .stem_v(if bold { 140.0 } else { 80.0 })
            .font_file2(file);

        let subset = subsetter::subset(self.data, 0, &self.glyphs)
            .map_err(|e| RenderError::Font(e.to_string()))?;
        pdf.stream(file, &deflate(&subset))
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(subset.len()).unwrap_or(i32::MAX),
            );

        let mut unicode = UnicodeCmap::new(Name(b"Urne-Identity-UCS"), system);
        for (glyph, c) in &self.unicode {
            unicode.pair(*glyph, *c);
        }
        pdf.stream(cmap, unicode.finish().as_slice());
        Ok(())
    }
}

/// Fills the dark modules of `qr` in black, the code `side` wide with its quiet zone and its top
/// left corner at (`left`, `top`): one rectangle per run of dark modules, one filled path.
pub(crate) fn fill_qr(content: &mut Content, qr: &QrMatrix, left: f32, top: f32, side: f32) {
    let module = side / (qr.width + 2 * QUIET_ZONE) as f32;
    let x0 = left + QUIET_ZONE as f32 * module;
    let y0 = top - QUIET_ZONE as f32 * module;
    content.set_fill_gray(0.0);
    for (x, y, len) in qr.dark_runs() {
        content.rect(
            x0 + x as f32 * module,
            y0 - (y + 1) as f32 * module,
            len as f32 * module,
            module,
        );
    }
    content.fill_nonzero();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_badges_a_page() {
        assert_eq!(PER_PAGE, 10);
        assert_eq!(page_count(151), 16);
        assert_eq!(page_count(10), 1);
        assert_eq!(page_count(0), 0);
    }

    #[test]
    fn a_name_the_font_cannot_print_is_refused_with_the_character() {
        let font = PdfFont::new(layout::REGULAR, b"F1", "X").unwrap();
        assert!(font.check("Agnès Lemaître — Œdipe").is_ok());
        match font.check("李小龙") {
            Err(RenderError::MissingGlyph { character, .. }) => assert_eq!(character, '李'),
            other => panic!("{other:?}"),
        }
    }
}
