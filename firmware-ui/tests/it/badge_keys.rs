//! Which badges the kiosk accepts: the package signer's, those of further keys the event lists
//! (a key rotation), its own (walk-ins); and not those the event or an organiser revoked, nor
//! any other key's.

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use urne_core::credential::{BadgeError, Credential, Role};
use urne_core::crypto::SecretKey;
use urne_core::timestamp::Timestamp;
use urne_kiosk::kiosk::{Refusal, ScanOutcome};
use urne_kiosk::ui_testing::demo::Fixture;

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
    // The same seed as the demo: the same member ids.
    let mut rng = ChaCha20Rng::seed_from_u64(0x00B1_E11E_5EED);
    urne_organiser::package::build(
        &toml,
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
    let mut kiosk = Fixture::new(dir.path()).seed(4).build();
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
