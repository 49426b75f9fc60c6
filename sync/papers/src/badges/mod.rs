//! Badges: issuing one signed credential per member (and per organiser) of a package, and
//! printing them — an A4 sheet to cut ([`pdf`]) and one picture per member to e-mail ([`png`]).

pub mod pdf;
pub mod png;

pub(crate) mod layout;

use urne_core::credential::{Credential, Role};
use urne_core::crypto::SecretKey;
use urne_core::ids::MemberId;
use urne_core::package::EventPackage;
use urne_core::tally::Lang;

use urne_codec::atomic::WriteError;

/// A badge ready to print or send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// Participant or organiser.
    pub role: Role,
    /// The member (or organiser badge) id.
    pub id: MemberId,
    /// The name printed and carried in the credential.
    pub name: String,
    /// The collective printed under the name.
    pub group: Option<String>,
    /// The text of the QR code.
    pub payload: String,
}

/// Issues every badge of the package: members first (roster order), then organisers.
pub fn issue_all(package: &EventPackage, key: &SecretKey) -> Vec<Badge> {
    let event = &package.event;
    let issue = |role, id: MemberId, name: &str| {
        Credential::new(
            role,
            &event.id,
            id,
            name,
            event.badges_valid_from,
            event.badges_valid_until,
        )
        .issue(key)
    };
    let members = package.roster.members.iter().map(|m| {
        let name = m.display_name();
        Badge {
            role: Role::Participant,
            id: m.id,
            payload: issue(Role::Participant, m.id, &name),
            name,
            group: m.group.clone(),
        }
    });
    let organisers = event.organisers.iter().map(|o| Badge {
        role: Role::Organiser,
        id: o.id,
        payload: issue(Role::Organiser, o.id, &o.name),
        name: o.name.clone(),
        group: None,
    });
    members.chain(organisers).collect()
}

/// The largest QR code version a badge may need. The credential format is sized so that the
/// longest badge fits version 10 at level M (57 × 57 modules), which stays readable by cheap
/// scanners when printed 4 cm wide.
pub const MAX_QR_VERSION: i16 = 10;

/// Why badges could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The badge's text needs a QR code larger than the format allows.
    #[error(
        "the badge of « {name} » needs a QR code of version {version}, more than {MAX_QR_VERSION}"
    )]
    QrTooLarge {
        /// Whose badge.
        name: String,
        /// The version it needs (0 when it fits no QR code at all).
        version: i16,
    },
    /// The bundled font has no glyph for a character of a text to print.
    #[error("the font has no character « {character} » (U+{code:04X}) to print « {text} »", code = u32::from(*.character))]
    MissingGlyph {
        /// The text.
        text: String,
        /// The character.
        character: char,
    },
    /// The bundled font could not be read or subset (a bug, not the organiser's doing).
    #[error("the bundled font cannot be embedded: {0}")]
    Font(String),
    /// A PNG could not be encoded.
    #[error("a badge picture could not be encoded: {0}")]
    Png(String),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The folder for the pictures could not be made.
    #[error("cannot make the folder {path}: {source}")]
    Folder {
        /// The folder.
        path: std::path::PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
}

/// What every printed badge shows besides its holder: the event, and the language of the
/// « Organisateur » mark.
#[derive(Debug, Clone, Copy)]
pub struct PrintSettings<'a> {
    /// The event's title, printed small on every badge.
    pub event_title: &'a str,
    /// The language of the organiser mark.
    pub lang: Lang,
}

impl PrintSettings<'_> {
    fn organiser_mark(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "Organisateur",
            Lang::En => "Organiser",
        }
    }
}

/// The badges in printing order: members in roster order, then organisers (whatever order
/// they came in), so that the organisers' sheet can be kept apart.
fn print_order(badges: &[Badge]) -> Vec<&Badge> {
    let (organisers, members): (Vec<&Badge>, Vec<&Badge>) =
        badges.iter().partition(|b| b.role == Role::Organiser);
    members.into_iter().chain(organisers).collect()
}

/// The file name of the `index`-th badge picture (0-based): `001-agnes-lemaitre.png`.
/// The number keeps names unique (two members may share a name) and the listing in print order.
pub fn png_file_name(index: usize, badge: &Badge) -> String {
    let slug = urne_codec::slug::slugify(&badge.name);
    let slug = if slug.is_empty() { "badge" } else { &slug };
    format!("{:03}-{slug}.png", index + 1)
}
