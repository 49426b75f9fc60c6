//! Which badges the kiosk accepts: the package signer's, those of further keys the event lists
//! (a key rotation), its own for the walk-ins it registered (and nobody else); and not those
//! the event or an organiser revoked, nor any other key's.

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use urne_core::credential::{BadgeError, Credential, Role};
use urne_core::crypto::SecretKey;
use urne_core::timestamp::Timestamp;
use urne_kiosk::kiosk::{Refusal, ScanOutcome};
use urne_kiosk::ui_testing::demo::{Fixture, unlock};

/// The demo event with an extra accepted badge key and, when given, a revoked member.
fn package(extra: &SecretKey, revoked: Option<&str>) -> urne_organiser::package::Built {
    let mut toml = include_str!("../../../demo/assemblee-demo.toml").to_owned();
    let mut lines = format!("badge-keys = [\"\"\"\n{}\"\"\"]\n", extra.public().to_pem());
    if let Some(id) = revoked {
        lines.push_str(&format!("revoked-badges = [\"{id}\"]\n"));
    }
    toml = toml.replacen(
        "proxies-per-holder = 1\n",
        &format!("proxies-per-holder = 1\n{lines}"),
        1,
    );
    built_from(&toml)
}

/// A package of the demo's roster for the demo event written as `toml`, built with the demo's
/// seed (the same member ids) and signed with the demo organiser key.
pub(super) fn built_from(toml: &str) -> urne_organiser::package::Built {
    let mut rng = ChaCha20Rng::seed_from_u64(0x00B1_E11E_5EED);
    urne_organiser::package::build(
        toml,
        include_bytes!("../../../demo/roster.csv"),
        &urne_kiosk::demo::organiser_key(),
        &mut rng,
        Timestamp(1_794_441_600),
        false,
        urne_organiser::package::Sealing::default(),
    )
    .unwrap()
}

fn badge(built: &urne_organiser::package::Built, member: usize, key: &SecretKey) -> String {
    let event = &built.package.event;
    let m = &built.package.roster.members[member];
    Credential::new(
        Role::Participant,
        &event.id,
        m.id,
        &m.display_name(),
        event.badges_valid_from,
        event.badges_valid_until,
    )
    .issue(key)
}

#[test]
fn rotated_keys_are_accepted_and_revoked_badges_refused() {
    let next_key = SecretKey::from_seed(&[0x77; 32]);
    let probe = package(&next_key, None);
    let revoked_id = probe.package.roster.members[2].id.to_string();
    let built = package(&next_key, Some(&revoked_id));
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Fixture::new(dir.path()).seed(4).pin("123456").build();
    kiosk.load_package(&built.bytes).unwrap();

    let organiser = urne_kiosk::demo::organiser_key();
    assert!(matches!(
        kiosk.scan(&badge(&built, 0, &organiser)).unwrap(),
        ScanOutcome::Welcome { .. }
    ));
    assert!(
        matches!(
            kiosk.scan(&badge(&built, 1, &next_key)).unwrap(),
            ScanOutcome::Welcome { .. }
        ),
        "a badge signed with the event's next key is accepted"
    );
    assert_eq!(
        kiosk.scan(&badge(&built, 2, &organiser)).unwrap(),
        ScanOutcome::Refused(Refusal::Badge(BadgeError::Revoked)),
        "the package's revocation list is applied"
    );
    let stranger = SecretKey::from_seed(&[0x13; 32]);
    assert_eq!(
        kiosk.scan(&badge(&built, 3, &stranger)).unwrap(),
        ScanOutcome::Refused(Refusal::Badge(BadgeError::BadSignature)),
        "any other key is refused"
    );
}

/// An attacker who copied the kiosk's device key off its card forges badges with it: for a
/// member of the roster, for the organiser (who then only needs the PIN), under either domain
/// tag. Only the walk-in the kiosk registered gets in.
#[test]
fn a_copied_device_key_signs_no_organiser_and_no_listed_member() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Fixture::new(dir.path()).seed(4).demo().build();
    let device = SecretKey::from_seed(&[4; 32]);
    let event = kiosk.event().unwrap().clone();
    let member = kiosk.roster().unwrap().members[0].clone();
    let as_member = Credential::new(
        Role::Participant,
        &event.id,
        member.id,
        &member.display_name(),
        event.badges_valid_from,
        event.badges_valid_until,
    );
    let organiser = &event.organisers[0];
    let as_organiser = Credential::new(
        Role::Organiser,
        &event.id,
        organiser.id,
        &organiser.name,
        event.badges_valid_from,
        event.badges_valid_until,
    );
    for forged in [
        as_member.issue(&device),
        as_member.issue_walk_in(&device),
        as_organiser.issue(&device),
        as_organiser.issue_walk_in(&device),
    ] {
        assert_eq!(
            kiosk.scan(&forged).unwrap(),
            ScanOutcome::Refused(Refusal::Badge(BadgeError::BadSignature)),
            "{forged}"
        );
    }

    unlock(&mut kiosk);
    let walk_in = kiosk.register_walk_in("Dupré", "Léa", "").unwrap();
    kiosk.lock();
    assert!(matches!(
        kiosk.scan(&walk_in.badge).unwrap(),
        ScanOutcome::Welcome { member, .. } if member == walk_in.member.id
    ));
    // The same person's badge signed under the organiser's tag is still a forgery.
    let (credential, _) = Credential::decode_unchecked(&walk_in.badge).unwrap();
    assert_eq!(
        kiosk.scan(&credential.issue(&device)).unwrap(),
        ScanOutcome::Refused(Refusal::Badge(BadgeError::BadSignature))
    );
}
