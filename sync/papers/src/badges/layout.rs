//! What the PDF sheet and the PNG pictures share: the bundled fonts, the QR matrix of a badge,
//! and fitting a text into a width (shrinking, then wrapping, then cutting).

use qrcode::{Color, EcLevel, QrCode, Version};

use super::{Badge, MAX_QR_VERSION, RenderError};

/// Noto Sans, the kiosk's own font: bundled so that accents print the same everywhere (the
/// PDF base-14 fonts cannot print « Agnès Lemaître » reliably, and hosts' fonts vary).
pub(crate) const REGULAR: &[u8] = include_bytes!("../../../../ui/fonts/NotoSans-Regular.ttf");
/// Noto Sans Bold, for names.
pub(crate) const BOLD: &[u8] = include_bytes!("../../../../ui/fonts/NotoSans-Bold.ttf");

/// The white margin around a QR code, in modules, that the standard requires.
pub(crate) const QUIET_ZONE: usize = 4;

/// The modules of one badge's QR code.
#[derive(Debug, Clone)]
pub(crate) struct QrMatrix {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes a badge's text at error-correction level M, refusing anything above
    /// [`MAX_QR_VERSION`].
    pub fn of(badge: &Badge) -> Result<Self, RenderError> {
        let too_large = |version| RenderError::QrTooLarge {
            name: badge.name.clone(),
            version,
        };
        let code = QrCode::with_error_correction_level(badge.payload.as_bytes(), EcLevel::M)
            .map_err(|_| too_large(0))?;
        match code.version() {
            Version::Normal(v) if v <= MAX_QR_VERSION => {}
            Version::Normal(v) | Version::Micro(v) => return Err(too_large(v)),
        }
        Ok(Self::from_code(&code))
    }

    /// Encodes any text at error-correction level M (the procès-verbal's digest code), or
    /// `None` when it fits no QR code.
    pub fn of_text(text: &str) -> Option<Self> {
        QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .ok()
            .map(|code| Self::from_code(&code))
    }

    fn from_code(code: &QrCode) -> Self {
        Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        }
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// The horizontal runs of dark modules, as (column, row, length): drawing one rectangle
    /// per run instead of per module makes the PDF several times smaller, and rectangles of
    /// one filled path leave no hairline seams between modules.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((start, y, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

/// A text laid out at one size on one or more lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    /// The font size (points in the PDF, pixels per em in a PNG).
    pub size: f32,
    /// The lines, in order.
    pub lines: Vec<String>,
}

/// The spaces a line never breaks at: French typography's no-break space (U+00A0, before « € »)
/// and narrow no-break space (U+202F, between groups of digits and before « % »), and the
/// figure space (U+2007), so that « 15 000 € » and « 63,8 % » stay whole on one line.
fn is_no_break_space(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{202F}' | '\u{2007}')
}

/// Whitespace a line may break at; wrapping turns it into a plain space.
pub(crate) fn is_breakable_space(c: char) -> bool {
    c.is_whitespace() && !is_no_break_space(c)
}

/// Splits `text` into lines no wider than `max_width` (measured by `width`), breaking between
/// words (never at a no-break space), and inside a word only when the word alone is too wide.
pub(crate) fn wrap(text: &str, max_width: f32, width: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let words = text
        .split(is_breakable_space)
        .filter(|word| !word.is_empty());
    for word in words {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if width(&candidate) <= max_width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // The word starts a new line; if it is still too wide, cut it between characters.
        for c in word.chars() {
            current.push(c);
            if width(&current) > max_width && current.chars().count() > 1 {
                current.pop();
                lines.push(std::mem::take(&mut current));
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The largest of `sizes` (tried in the order given, largest first) at which `text` fits
/// `max_lines` lines of `max_width`; `width(text, size)` measures.
pub(crate) fn try_fit(
    text: &str,
    max_width: f32,
    sizes: &[f32],
    max_lines: usize,
    width: &dyn Fn(&str, f32) -> f32,
) -> Option<Fitted> {
    sizes.iter().find_map(|&size| {
        let lines = wrap(text, max_width, &|s| width(s, size));
        (lines.len() <= max_lines).then_some(Fitted { size, lines })
    })
}

/// Like [`try_fit`], but when even the smallest size needs too many lines, keeps the first
/// `max_lines` at the smallest size and ends the last one with « … ».
pub(crate) fn fit_or_cut(
    text: &str,
    max_width: f32,
    sizes: &[f32],
    max_lines: usize,
    width: &dyn Fn(&str, f32) -> f32,
) -> Fitted {
    if let Some(fitted) = try_fit(text, max_width, sizes, max_lines, width) {
        return fitted;
    }
    let size = sizes.last().copied().unwrap_or(10.0);
    let mut lines = wrap(text, max_width, &|s| width(s, size));
    lines.truncate(max_lines.max(1));
    if let Some(last) = lines.last_mut() {
        loop {
            let candidate = format!("{}…", last.trim_end());
            if width(&candidate, size) <= max_width || last.is_empty() {
                *last = candidate;
                break;
            }
            last.pop();
        }
    }
    Fitted { size, lines }
}

/// Sizes from `largest` down to `smallest` in steps of `step`.
pub(crate) fn sizes(largest: f32, smallest: f32, step: f32) -> Vec<f32> {
    let mut out = Vec::new();
    let mut size = largest;
    while size >= smallest - f32::EPSILON {
        out.push(size);
        size -= step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // One unit per character: enough to check the wrapping logic.
    fn chars(s: &str) -> f32 {
        s.chars().count() as f32
    }

    #[test]
    fn wrap_breaks_between_words_and_cuts_only_overlong_words() {
        assert_eq!(wrap("Agnès Lemaître", 20.0, &chars), ["Agnès Lemaître"]);
        assert_eq!(wrap("Agnès Lemaître", 10.0, &chars), ["Agnès", "Lemaître"]);
        assert_eq!(wrap("abcdefghij", 4.0, &chars), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("  a \n b  ", 10.0, &chars), ["a b"]);
        // No break at a no-break space: the amount moves to the next line whole.
        assert_eq!(
            wrap("coût 15\u{202F}000\u{00A0}€", 8.0, &chars),
            ["coût", "15\u{202F}000\u{00A0}€"]
        );
        assert!(wrap("", 10.0, &chars).is_empty());
    }

    #[test]
    fn fitting_shrinks_first_then_cuts_with_an_ellipsis() {
        let width = |s: &str, size: f32| chars(s) * size;
        let fitted = try_fit("Agnès Lemaître", 30.0, &[3.0, 2.0, 1.0], 1, &width).unwrap();
        assert_eq!(fitted.size, 2.0);
        assert!(try_fit("Agnès Lemaître", 10.0, &[2.0, 1.0], 1, &width).is_none());
        let cut = fit_or_cut("un deux trois quatre", 6.0, &[1.0], 2, &width);
        assert_eq!(cut.lines, ["un", "deux…"]);
    }

    #[test]
    fn a_text_longer_than_a_version_10_code_is_refused() {
        let badge = |payload: String| Badge {
            role: urne_core::credential::Role::Participant,
            id: urne_core::ids::MemberId::from_bytes([1; 16]),
            name: "Agnès Lemaître".into(),
            group: None,
            payload,
        };
        // Level M, byte mode: version 10 holds 213 bytes.
        let fits = QrMatrix::of(&badge("x".repeat(213))).unwrap();
        assert_eq!(fits.width, 57);
        match QrMatrix::of(&badge("x".repeat(214))) {
            Err(RenderError::QrTooLarge { version: 11, .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sizes_go_down_by_steps() {
        assert_eq!(sizes(16.0, 15.0, 0.5), [16.0, 15.5, 15.0]);
    }
}
