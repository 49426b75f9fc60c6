//! One picture per badge, to e-mail to members who show the badge on their phone: the QR code
//! large (at least 8 pixels per module), the name, the collective and the event title under
//! it, on white. Text is rasterised with `ab_glyph` from the same Noto Sans as the sheet.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::{ExtendedColorType, GrayImage, ImageEncoder, Luma};

use super::layout::{self, Fitted, QUIET_ZONE, QrMatrix};
use super::{Badge, PrintSettings, RenderError, png_file_name, print_order};
use urne_codec::atomic;

/// The fewest pixels per QR module: phone screens and scanners read that comfortably.
pub const MIN_MODULE_PX: u32 = 8;
/// The QR code with its quiet zone aims at this many pixels across.
const QR_TARGET_PX: u32 = 600;
/// White space left and right of the text.
const SIDE: u32 = 32;

/// Renders one badge as a greyscale PNG.
pub fn render(badge: &Badge, settings: &PrintSettings<'_>) -> Result<Vec<u8>, RenderError> {
    let regular = Face::new(layout::REGULAR)?;
    let bold = Face::new(layout::BOLD)?;
    let qr = QrMatrix::of(badge)?;

    let modules = u32::try_from(qr.width + 2 * QUIET_ZONE).unwrap_or(u32::MAX);
    let module = (QR_TARGET_PX / modules).max(MIN_MODULE_PX);
    let qr_px = modules * module;
    let width = qr_px.max(QR_TARGET_PX);
    let text_width = (width - 2 * SIDE) as f32;

    // Lay the text out first, to know the picture's height.
    bold.check(&badge.name)?;
    let name = layout::try_fit(
        &badge.name,
        text_width,
        &layout::sizes(48.0, 32.0, 2.0),
        1,
        &|s, px| bold.width(s, px),
    )
    .unwrap_or_else(|| {
        layout::fit_or_cut(
            &badge.name,
            text_width,
            &layout::sizes(40.0, 24.0, 2.0),
            3,
            &|s, px| bold.width(s, px),
        )
    });
    let group = match badge.group.as_deref().filter(|g| !g.trim().is_empty()) {
        Some(group) => {
            regular.check(group)?;
            Some(layout::fit_or_cut(
                group,
                text_width,
                &layout::sizes(28.0, 20.0, 2.0),
                2,
                &|s, px| regular.width(s, px),
            ))
        }
        None => None,
    };
    regular.check(settings.event_title)?;
    let title = layout::fit_or_cut(
        settings.event_title,
        text_width,
        &layout::sizes(24.0, 18.0, 2.0),
        3,
        &|s, px| regular.width(s, px),
    );
    let mark =
        (badge.role == urne_core::credential::Role::Organiser).then(|| settings.organiser_mark());
    if let Some(mark) = mark {
        bold.check(mark)?;
    }

    let block_height =
        |f: &Fitted, face: &Face<'_>| f.lines.len() as f32 * face.line_height(f.size);
    let mut height =
        qr_px as f32 + block_height(&name, &bold) + 12.0 + block_height(&title, &regular);
    if let Some(group) = &group {
        height += 6.0 + block_height(group, &regular);
    }
    if mark.is_some() {
        height += 20.0 + bold.line_height(26.0) + 12.0;
    }
    height += SIDE as f32;
    let height = height.ceil() as u32;

    let mut img = GrayImage::from_pixel(width, height, Luma([255]));
    let qr_left = (width - qr_px) / 2 + QUIET_ZONE as u32 * module;
    for y in 0..qr.width {
        for x in 0..qr.width {
            if qr.is_dark(x, y) {
                let (x0, y0) = (
                    qr_left + x as u32 * module,
                    QUIET_ZONE as u32 * module + y as u32 * module,
                );
                for py in y0..y0 + module {
                    for px in x0..x0 + module {
                        img.put_pixel(px, py, Luma([0]));
                    }
                }
            }
        }
    }

    // The quiet zone under the code is the space above the name.
    let mut top = qr_px as f32;
    for line in &name.lines {
        top = bold.draw_line(&mut img, line, name.size, SIDE as f32, top, 0);
    }
    if let Some(group) = &group {
        top += 6.0;
        for line in &group.lines {
            top = regular.draw_line(&mut img, line, group.size, SIDE as f32, top, 51);
        }
    }
    top += 12.0;
    for line in &title.lines {
        top = regular.draw_line(&mut img, line, title.size, SIDE as f32, top, 90);
    }
    if let Some(mark) = mark {
        top += 20.0;
        let size = 26.0;
        let box_width = (bold.width(mark, size) + 32.0).ceil() as u32;
        let box_height = (bold.line_height(size) + 12.0).ceil() as u32;
        let (x0, y0) = (SIDE, top as u32);
        for py in y0..(y0 + box_height).min(height) {
            for px in x0..(x0 + box_width).min(width) {
                img.put_pixel(px, py, Luma([0]));
            }
        }
        bold.draw_line(&mut img, mark, size, SIDE as f32 + 16.0, top + 6.0, 255);
    }

    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), width, height, ExtendedColorType::L8)
        .map_err(|e| RenderError::Png(e.to_string()))?;
    Ok(out)
}

/// A QR code alone as a greyscale PNG, `MIN_MODULE_PX` pixels a module with its quiet zone (the
/// PIN recovery order `urne pin-reset` writes, to show on a phone to the kiosk's scanner).
/// `None` when the text fits no QR code.
pub fn qr_alone(text: &str) -> Option<Result<Vec<u8>, RenderError>> {
    let qr = QrMatrix::of_text(text)?;
    let side = u32::try_from(qr.width + 2 * QUIET_ZONE).unwrap_or(u32::MAX) * MIN_MODULE_PX;
    let mut img = GrayImage::from_pixel(side, side, Luma([255]));
    let zone = u32::try_from(QUIET_ZONE).unwrap_or(0);
    for y in 0..qr.width {
        for x in 0..qr.width {
            if !qr.is_dark(x, y) {
                continue;
            }
            let (x0, y0) = (
                (u32::try_from(x).unwrap_or(0) + zone) * MIN_MODULE_PX,
                (u32::try_from(y).unwrap_or(0) + zone) * MIN_MODULE_PX,
            );
            for py in y0..y0 + MIN_MODULE_PX {
                for px in x0..x0 + MIN_MODULE_PX {
                    img.put_pixel(px, py, Luma([0]));
                }
            }
        }
    }
    let mut out = Vec::new();
    Some(
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), side, side, ExtendedColorType::L8)
            .map_err(|e| RenderError::Png(e.to_string()))
            .map(|()| out),
    )
}

/// Writes one picture per badge into `dir` (made if missing), named by [`png_file_name`] in
/// printing order (members, then organisers). Returns the paths written.
pub fn write_dir(
    dir: &Path,
    badges: &[Badge],
    settings: &PrintSettings<'_>,
) -> Result<Vec<PathBuf>, RenderError> {
    std::fs::create_dir_all(dir).map_err(|source| RenderError::Folder {
        path: dir.to_owned(),
        source,
    })?;
    let mut written = Vec::new();
    for (i, badge) in print_order(badges).into_iter().enumerate() {
        let path = dir.join(png_file_name(i, badge));
        atomic::write(&path, &render(badge, settings)?, 0o644)?;
        written.push(path);
    }
    Ok(written)
}

/// A face and the conversion from the font size used here (pixels per em) to ab_glyph's scale
/// (pixels from ascender to descender).
struct Face<'a> {
    font: FontRef<'a>,
    em_to_scale: f32,
}

impl<'a> Face<'a> {
    fn new(data: &'a [u8]) -> Result<Self, RenderError> {
        let font = FontRef::try_from_slice(data).map_err(|e| RenderError::Font(e.to_string()))?;
        let units = font.units_per_em().unwrap_or(1000.0);
        let em_to_scale = font.height_unscaled() / units;
        Ok(Self { font, em_to_scale })
    }

    fn scale(&self, px_per_em: f32) -> PxScale {
        PxScale::from(px_per_em * self.em_to_scale)
    }

    fn check(&self, text: &str) -> Result<(), RenderError> {
        match text
            .chars()
            .find(|c| !c.is_whitespace() && self.font.glyph_id(*c).0 == 0)
        {
            Some(character) => Err(RenderError::MissingGlyph {
                text: text.to_owned(),
                character,
            }),
            None => Ok(()),
        }
    }

    fn width(&self, text: &str, px: f32) -> f32 {
        let scaled = self.font.as_scaled(self.scale(px));
        text.chars()
            .map(|c| scaled.h_advance(self.font.glyph_id(c)))
            .sum()
    }

    fn line_height(&self, px: f32) -> f32 {
        let scaled = self.font.as_scaled(self.scale(px));
        scaled.ascent() - scaled.descent() + scaled.line_gap()
    }

    /// Draws `text` in grey level `ink` with the line's top at `top`; returns the next line's
    /// top.
    fn draw_line(
        &self,
        img: &mut GrayImage,
        text: &str,
        px: f32,
        left: f32,
        top: f32,
        ink: u8,
    ) -> f32 {
        let scale = self.scale(px);
        let scaled = self.font.as_scaled(scale);
        let baseline = top + scaled.ascent();
        let mut x = left;
        for c in text.chars() {
            let id = self.font.glyph_id(c);
            let glyph = id.with_scale_and_position(scale, point(x, baseline));
            x += scaled.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py)) else {
                    return;
                };
                if px < img.width() && py < img.height() {
                    let old = f32::from(img.get_pixel(px, py).0[0]);
                    let new = old + (f32::from(ink) - old) * coverage.clamp(0.0, 1.0);
                    img.put_pixel(px, py, Luma([new.round() as u8]));
                }
            });
        }
        top + self.line_height(px)
    }
}
