//! The kiosk database's schema, as the list of migrations that build it.

/// The schema version this code writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 7;

/// Migrations, in order: `MIGRATIONS[n]` takes a database from version `n` to `n + 1`. A
/// migration is never edited once released: later changes are new migrations.
pub const MIGRATIONS: &[&str] = &[
    // 1: the evening's essentials.
    "
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE package (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        event TEXT NOT NULL,
        organiser TEXT NOT NULL,
        bytes BLOB NOT NULL
    );
    CREATE TABLE checkins (
        member BLOB PRIMARY KEY,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE polls (
        poll TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
        opened_at INTEGER NOT NULL,
        opened_with TEXT NOT NULL,
        closed_at INTEGER,
        context TEXT
    ) WITHOUT ROWID;
    -- Who has voted in which poll: nothing else, no time, no order.
    CREATE TABLE voted (
        poll TEXT NOT NULL,
        member BLOB NOT NULL,
        PRIMARY KEY (poll, member)
    ) WITHOUT ROWID;
    -- What was voted: keyed by a random id, so the table's order is random.
    CREATE TABLE ballots (
        poll TEXT NOT NULL,
        id BLOB NOT NULL,
        ballot BLOB NOT NULL,
        PRIMARY KEY (poll, id)
    ) WITHOUT ROWID;
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        entry TEXT NOT NULL
    );
    CREATE TABLE exports (
        seq INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        digest TEXT NOT NULL,
        test INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        bytes BLOB NOT NULL
    );
    CREATE TABLE outbox (
        export_seq INTEGER PRIMARY KEY REFERENCES exports(seq),
        state TEXT NOT NULL CHECK (state IN ('pending', 'synced', 'refused')),
        attempts INTEGER NOT NULL DEFAULT 0,
        detail TEXT
    );
",
    // 2: members leaving (check-out), proxies, revoked badges.
    "
    ALTER TABLE checkins ADD COLUMN present INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE proxies (
        absent BLOB PRIMARY KEY,
        holder BLOB NOT NULL,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE revoked (
        member BLOB PRIMARY KEY,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    // 3: people registered at the door (walk-ins).
    "
    CREATE TABLE walkins (
        member BLOB PRIMARY KEY,
        last_name TEXT NOT NULL,
        first_name TEXT NOT NULL,
        grp TEXT,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    // 4: polls written or corrected on the kiosk during the evening, in the order they were
    // first written; a row for a package poll's id replaces the package's definition.
    "
    CREATE TABLE local_polls (
        seq INTEGER PRIMARY KEY,
        poll TEXT NOT NULL UNIQUE,
        definition TEXT NOT NULL
    );
",
    // 5: the sealed ballot box. While a poll is open its ballots are only ciphertexts sealed to
    // the event's tally key, keyed by a random id (no member, no time, no order); `boxes` keeps
    // each box's running digest, the public key it is sealed to, and whether it was opened and
    // counted.
    "
    CREATE TABLE sealed (
        poll TEXT NOT NULL,
        id BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        PRIMARY KEY (poll, id)
    ) WITHOUT ROWID;
    CREATE TABLE boxes (
        poll TEXT PRIMARY KEY,
        public BLOB NOT NULL,
        count INTEGER NOT NULL,
        sum BLOB NOT NULL,
        counted INTEGER NOT NULL DEFAULT 0 CHECK (counted IN (0, 1))
    ) WITHOUT ROWID;
",
    // 6: visits begun and not recorded yet. Only the member, no time: written when a voter starts
    // filling in their ballots and deleted in the transaction that stores them, so that after a
    // power cut the next scan can tell the voter their ballots were not recorded.
    "
    CREATE TABLE visits (
        member BLOB PRIMARY KEY
    ) WITHOUT ROWID;
",
    // 7: the hall (a lead kiosk and the kiosks paired to it): on the lead, the paired kiosks with
    // their role, and how many ballots each voting kiosk delivered to each poll — counts only,
    // no member, no time, no ballot, so that the hall's bundle can show marks = ballots = sum
    // delivered; on a door kiosk, the check-ins waiting for the lead.
    "
    CREATE TABLE hall_kiosks (
        device BLOB PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('door', 'voting')),
        paired_at INTEGER NOT NULL,
        removed_at INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE hall_delivered (
        device BLOB NOT NULL,
        poll TEXT NOT NULL,
        ballots INTEGER NOT NULL,
        PRIMARY KEY (device, poll)
    ) WITHOUT ROWID;
    -- On a door kiosk: the badges checked in here while the lead did not answer, to send it.
    CREATE TABLE hall_queue (
        badge TEXT PRIMARY KEY
    ) WITHOUT ROWID;
",
];
