//! The wasm exports: bytes in, bytes out, through the instance's memory, with no bindings
//! generator. The JS side (js/src/wasm-abi.mjs, the one module that speaks this) writes its
//! UTF-8 input into the buffer [`input`] hands out, calls an export with the input's length,
//! and reads the answer's pieces at the `(pointer, length)` pairs the export returns a
//! pointer to. Each answer stays in the instance until the next call, so nothing is freed
//! across the boundary and a step is one call. Parsing JSON on the JS side and handing the
//! core one string keeps serde and its size out of the module.

use alloc::string::String;
use alloc::vec::Vec;

// A panic in wasm kills the instance whatever the handler does; trapping without
// formatting the message keeps core::fmt out of the shipped module. The JS side then drops
// the instance and starts a fresh one at its next call (the memo below is only a cache).
#[cfg(feature = "tiny")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(feature = "tiny")]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without the atomics feature is single-threaded.
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// What the instance keeps between calls of its exports.
struct Kept<T>(core::cell::UnsafeCell<T>);
// SAFETY: wasm32 without the atomics feature has exactly one thread, and each export takes
// and drops its one reference into a `Kept` before returning.
#[cfg(not(target_feature = "atomics"))]
unsafe impl<T> Sync for Kept<T> {}

impl<T> Kept<T> {
    /// The kept value, for the length of one export call.
    #[allow(clippy::mut_from_ref)]
    fn get(&self) -> &mut T {
        // SAFETY: see `Kept`: one thread, and no export holds two references to one value.
        unsafe { &mut *self.0.get() }
    }
}

/// The buffer the JS side writes each call's input into.
static INPUT: Kept<Vec<u8>> = Kept(core::cell::UnsafeCell::new(Vec::new()));
/// The last answer's text: a step's `{state?, action}` reply, or another export's string.
static ANSWER: Kept<String> = Kept(core::cell::UnsafeCell::new(String::new()));
/// Where the last answer's pieces are, as `(pointer, length)` pairs into [`ANSWER`]: the
/// action, then the saved document (length 0 when the step wrote none); one piece for the
/// other exports.
static PIECES: Kept<[u32; 4]> = Kept(core::cell::UnsafeCell::new([0; 4]));
/// The instance's flows between steps (see [`crate::protocol::Memo`]).
static MEMO: Kept<crate::protocol::Memo> =
    Kept(core::cell::UnsafeCell::new(crate::protocol::Memo::new()));

/// Room for an input of `len` bytes, keeping the bytes already written: the pointer to write
/// it at (valid until the next call of this export; the JS side asks again only when it needs
/// more room). `0` gives the buffer back.
#[no_mangle]
pub extern "C" fn input(len: usize) -> *mut u8 {
    let buf = INPUT.get();
    if len == 0 {
        *buf = Vec::new();
    }
    buf.resize(len, 0);
    buf.as_mut_ptr()
}

/// The first `len` bytes of the input buffer, as the JS side wrote them.
fn given(len: usize) -> &'static str {
    let bytes = INPUT.get().get(..len).unwrap_or_default();
    // SAFETY: the JS side writes only what `TextEncoder` (or its ASCII fast path) produces,
    // which is always UTF-8, as wasm-bindgen's `&str` arguments assume too.
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

/// Points the JS side at the answer's two pieces (the second may be empty).
fn point(first: &str, second: &str) -> *const u32 {
    let pieces = PIECES.get();
    *pieces = [
        first.as_ptr() as u32,
        first.len() as u32,
        second.as_ptr() as u32,
        second.len() as u32,
    ];
    pieces.as_ptr()
}

/// Keeps `text` as the answer, one piece.
fn answer(text: String) -> *const u32 {
    let kept = ANSWER.get();
    *kept = text;
    point(kept, "")
}

/// Runs one step of the core (see [`crate::step`]) on the input's first `len` bytes. The
/// answer: the action's JSON, then the saved document's ("" when the step wrote none), which
/// the JS side keeps as the text it is and hands back at the flow's next step.
#[no_mangle]
pub extern "C" fn step(len: usize) -> *const u32 {
    let reply = crate::protocol::run_with(given(len), Some(MEMO.get()));
    let (action, state) = reply.parts();
    let pieces = point(action, state);
    // Moving the text keeps its heap buffer where it is: the pieces still point into it.
    *ANSWER.get() = reply.text;
    pieces
}

/// The canonical error codes as `CODE exit kind` lines, for the JS layer's tables.
#[no_mangle]
pub extern "C" fn codes() -> *const u32 {
    let mut out = String::new();
    for c in crate::error::CODES {
        out.push_str(c.code);
        out.push(' ');
        out.push(char::from(b'0' + c.exit));
        out.push(' ');
        out.push_str(c.kind);
        out.push('\n');
    }
    answer(out)
}

/// A raw key or token masked for display (see [`crate::secret::mask`]): the JS package's
/// `maskSecret` and `Secret` call this rather than keeping a second masker.
#[no_mangle]
pub extern "C" fn mask(len: usize) -> *const u32 {
    answer(crate::secret::mask(given(len)))
}

/// The known key prefix the input starts with, or "" (see [`crate::secret::known_prefix`]):
/// the JS stores mask a profile name that looks like a key without keeping the prefix list.
#[no_mangle]
pub extern "C" fn known_prefix(len: usize) -> *const u32 {
    answer(String::from(
        crate::secret::known_prefix(given(len)).unwrap_or(""),
    ))
}

/// The JSON spec of the built-in preset the input names, or "" for an unknown name (see
/// [`crate::provider::preset`]): the JS CLI reads a preset's facts (which flows, which
/// credential) from it instead of keeping its own table.
#[no_mangle]
pub extern "C" fn preset_spec(len: usize) -> *const u32 {
    answer(String::from(
        crate::provider::preset(given(len)).unwrap_or(""),
    ))
}
