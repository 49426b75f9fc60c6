//! A hostile tar whose header claims a quarter of a gibibyte for an entry that holds a few bytes:
//! the reader must allocate for what the input can hold, not for what a header claims. Three such
//! requests at once made the registry reserve 768 MiB. This test binary holds this test only and
//! counts every allocation, so that the peak is the reader's. A reservation the system cannot
//! grant aborts the whole process in Rust, so on a small server this is a way to stop it.

// Counting allocations needs a global allocator, which is an unsafe trait; it only forwards.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use urne_codec::tarball::{self, MAX_TOTAL_BYTES, TarError};

/// The system allocator, keeping the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One ustar header for a regular file `name` claiming `size` bytes, then `body`.
fn lying_tar(name: &str, size: u64, body: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.set_path(name).unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(body);
    bytes
}

#[test]
fn a_header_claiming_more_than_the_input_holds_reserves_nothing_for_it() {
    let claimed = MAX_TOTAL_BYTES - 1;
    let bytes = lying_tar("manifest.json", claimed, &[b'{'; 4096]);
    PEAK.store(IN_USE.load(Ordering::SeqCst), Ordering::SeqCst);
    let before = IN_USE.load(Ordering::SeqCst);
    let read = tarball::read(&bytes);
    let grew = PEAK.load(Ordering::SeqCst) - before;
    assert!(
        matches!(read, Err(TarError::Unreadable(_))),
        "a truncated entry is refused: {read:?}"
    );
    assert!(
        grew < 1024 * 1024,
        "reading a {}-byte tar reserved {grew} bytes",
        bytes.len()
    );
}
