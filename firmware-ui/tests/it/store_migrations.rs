//! Schema migrations: a database of every earlier version opens, is brought up to date, and
//! keeps everything it held; a database from a newer Urne is refused rather than damaged.

use rusqlite::{Connection, params};
use urne_core::audit::{AuditEntry, AuditEvent};
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::ids::{MemberId, PollId};
use urne_core::timestamp::Timestamp;
use urne_kiosk::store::{MIGRATIONS, SCHEMA_VERSION, Store, StoreError};

fn member(n: u8) -> MemberId {
    MemberId::from_bytes([n; 16])
}

/// Writes, with the SQL of version `version`, what an evening at that version would have left.
fn fill(path: &std::path::Path, version: usize) {
    let conn = Connection::open(path).unwrap();
    if version == 0 {
        return;
    }
    let check_in = AuditEntry::next(
        None,
        Timestamp(100),
        AuditEvent::CheckIn { member: member(1) },
    );
    conn.execute(
        "INSERT INTO checkins (member, at) VALUES (?1, 100)",
        [member(1).as_bytes()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO audit (seq, entry) VALUES (1, ?1)",
        [check_in.to_json_line()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO polls (poll, state, opened_at, opened_with) VALUES ('charte', 'open', 200, '{\"present\":1,\"represented\":0}')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO voted (poll, member) VALUES ('charte', ?1)",
        [member(1).as_bytes()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO ballots (poll, id, ballot) VALUES ('charte', ?1, ?2)",
        params![
            &[7u8; 16][..],
            WeightedBallot::single(Ballot::Motion(MotionChoice::For)).canonical_bytes()
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('organiser_pin', 'kept')",
        [],
    )
    .unwrap();
}

#[test]
fn every_earlier_version_is_migrated_with_its_data() {
    assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION);
    for version in 0..MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("urne.sqlite");
        Store::create_at_version(&path, version).unwrap();
        fill(&path, version);

        let mut store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            SCHEMA_VERSION,
            "from version {version}"
        );
        store.integrity_check().unwrap();
        if version >= 1 {
            let charte = PollId::new("charte").unwrap();
            assert_eq!(store.present().unwrap(), vec![(member(1), Timestamp(100))]);
            assert!(store.has_voted(&charte, &member(1)).unwrap());
            assert_eq!(
                store.ballots(&charte).unwrap(),
                vec![WeightedBallot::single(Ballot::Motion(MotionChoice::For))]
            );
            assert_eq!(
                store.setting("organiser_pin").unwrap().as_deref(),
                Some("kept")
            );
            assert_eq!(store.audit_chain().unwrap().len(), 1);
        }
        // What the latest version added works on a migrated database, and the chain goes on.
        assert_eq!(
            store.check_out(&member(1), Timestamp(300)).unwrap(),
            version >= 1,
            "a member present before the migration can leave after it"
        );
        store
            .grant_proxy(&member(2), &member(3), Timestamp(400))
            .unwrap();
        assert_eq!(store.proxies().unwrap(), vec![(member(2), member(3))]);
        urne_core::audit::verify_chain(&store.audit_chain().unwrap()).unwrap();
    }
}

#[test]
fn a_database_from_a_newer_urne_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("urne.sqlite");
    Store::create_at_version(&path, MIGRATIONS.len()).unwrap();
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    assert!(matches!(Store::open(&path), Err(StoreError::TooNew(99))));
    let version: i64 = Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
}
