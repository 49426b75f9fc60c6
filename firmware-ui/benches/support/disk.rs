//! What the kiosk's benchmarks share: a folder on the real disk, a bare SQLite connection with
//! the store's pragmas to compare durable writes with, and percentiles.

#![allow(dead_code)] // Each bench uses what it needs.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

/// A folder on the real disk (not a RAM disk), so that fsync costs what it costs.
pub fn bench_dir() -> tempfile::TempDir {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

/// A bare SQLite database with the store's pragmas (WAL, `synchronous = FULL`,
/// `secure_delete = ON`) and one table of 16-byte keys.
pub fn bare(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "secure_delete", "ON").unwrap();
    conn.execute_batch("CREATE TABLE t (id BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
        .unwrap();
    conn
}

/// The `p` percentile (0 to 1) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}
