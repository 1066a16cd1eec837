//! wasm-bindgen exports: strings in, strings out. Parsing JSON on the JS side
//! and handing the core one string keeps serde and its size out of the module.

use alloc::string::String;
use wasm_bindgen::prelude::wasm_bindgen;

// A panic in wasm kills the instance whatever the handler does; trapping without
// formatting the message keeps core::fmt out of the shipped module.
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

/// Runs one step of the core (see [`crate::step`]), answering the action's JSON; the saved
/// document's JSON, when the step wrote one, is [`state`]'s answer until the next step. The
/// JS loader parses only the action and keeps the document as the text it is (a string of
/// its own, not a slice that would hold the whole answer): a flow hands it back at its next
/// step without parsing or writing it again.
#[wasm_bindgen]
pub fn step(input: &str) -> String {
    // SAFETY: see `Kept`; nothing else holds a reference into it.
    let reply = crate::protocol::run_with(input, Some(unsafe { &mut *MEMO.0.get() }));
    let (action, state) = reply.parts();
    // SAFETY: see `Kept`; nothing else holds a reference into it.
    unsafe { *KEPT.0.get() = String::from(state) };
    String::from(action)
}

/// The saved document the last [`step`] wrote ("" when it wrote none), handed over once.
#[wasm_bindgen]
pub fn state() -> String {
    // SAFETY: see `Kept`; nothing else holds a reference into it.
    core::mem::take(unsafe { &mut *KEPT.0.get() })
}

/// What the instance keeps between calls of its exports.
struct Kept<T>(core::cell::UnsafeCell<T>);
// SAFETY: wasm32 without the atomics feature has exactly one thread, and each export takes
// and drops its one reference into a `Kept` before returning.
#[cfg(not(target_feature = "atomics"))]
unsafe impl<T> Sync for Kept<T> {}

/// The saved document the last `step` wrote, until `state` hands it over.
static KEPT: Kept<String> = Kept(core::cell::UnsafeCell::new(String::new()));

/// The instance's flows between steps (see [`crate::protocol::Memo`]).
static MEMO: Kept<crate::protocol::Memo> =
    Kept(core::cell::UnsafeCell::new(crate::protocol::Memo::new()));

/// The canonical error codes as `CODE exit kind` lines, for the JS layer's tables.
#[wasm_bindgen]
pub fn codes() -> String {
    let mut out = String::new();
    for c in crate::error::CODES {
        out.push_str(c.code);
        out.push(' ');
        out.push(char::from(b'0' + c.exit));
        out.push(' ');
        out.push_str(c.kind);
        out.push('\n');
    }
    out
}

/// A raw key or token masked for display (see [`crate::secret::mask`]): the JS package's
/// `maskSecret` and `Secret` call this rather than keeping a second masker.
#[wasm_bindgen]
pub fn mask(raw: &str) -> String {
    crate::secret::mask(raw)
}

/// The known key prefix `raw` starts with, or "" (see [`crate::secret::known_prefix`]): the
/// JS stores mask a profile name that looks like a key without keeping the prefix list.
#[wasm_bindgen(js_name = knownPrefix)]
pub fn known_prefix(raw: &str) -> String {
    String::from(crate::secret::known_prefix(raw).unwrap_or(""))
}

/// The JSON spec of a built-in preset, or "" for an unknown name (see
/// [`crate::provider::preset`]): the JS CLI reads a preset's facts (which flows, which
/// credential) from it instead of keeping its own table.
#[wasm_bindgen(js_name = presetSpec)]
pub fn preset_spec(name: &str) -> String {
    String::from(crate::provider::preset(name).unwrap_or(""))
}
