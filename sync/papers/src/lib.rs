//! urne-papers: what Urne prints. The members' badges ([`badges`]: an A4 sheet to cut and one
//! picture per member), and the papers of an export drawn from a verified bundle — the
//! procès-verbal ([`pv`], PDF) and the attendance sheet ([`emargement`], CSV) — put beside the
//! bundle by [`export`]. Every paper is drawn from urne-codec's [`urne_codec::verify::Report`] of
//! the signed bytes, never from the kiosk's own state. And the bureau's sheets of the tally key's
//! shares ([`shares`]), one page per share, printed when the package is built.

pub mod badges;
pub mod emargement;
pub mod export;
pub mod html;
pub mod pv;
pub mod shares;
