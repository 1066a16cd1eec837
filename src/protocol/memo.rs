//! The flows of the last few steps, each beside the saved document it was written as.
//!
//! A flow's caller hands its document back at the next step byte for byte as the core wrote
//! it (the JS driver keeps it as text). Parsing that document, checking it and rebuilding the
//! flow from it was about half of a step's work, to arrive at a flow the core had a moment
//! ago. [`Memo`] keeps that flow: when a step's `state` starts with the very bytes of a kept
//! document, the parser skips it and the step takes the kept flow instead. Anything else, a
//! document re-written by a store, one from another process or one pushed out of the memo,
//! takes the full path; the answer is the same either way (`Flow` round-trips through its
//! document: `tests/memo.rs` steps flows both ways and compares).
//!
//! The memo holds no clock and no randomness: it only replaces work whose result it already
//! has. The wasm build keeps one for its instance; `crate::step` keeps none.

use crate::otp::Flow;
use alloc::boxed::Box;
use alloc::string::String;

/// How many flows are kept: an agent or a CLI steps one flow at a time; a few more keep
/// a handful interleaved in one process on the fast path. Past that, steps take the full
/// path, unchanged.
const SLOTS: usize = 4;

/// Flows kept with the text of their last saved document (see the module docs).
pub struct Memo {
    // Boxed: an empty memo is all zero bytes, so the wasm's static one costs no data segment
    // (a `None` of the unboxed pair is a niche value, written out in the module).
    slots: [Option<Box<(String, Flow)>>; SLOTS],
    next: usize,
}

impl Default for Memo {
    fn default() -> Self {
        Memo::new()
    }
}

impl Memo {
    /// An empty memo.
    pub const fn new() -> Memo {
        Memo {
            slots: [const { None }; SLOTS],
            next: 0,
        }
    }

    /// How many flows are kept.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Whether no flow is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a flow whose document is `doc`, byte for byte, is kept (its next step would
    /// take it).
    pub fn holds(&self, doc: &str) -> bool {
        self.find(doc).is_some()
    }

    /// The slot whose document `rest` starts with, and that document's length.
    pub(super) fn find(&self, rest: &str) -> Option<(usize, usize)> {
        for (i, slot) in self.slots.iter().enumerate() {
            let Some(kept) = slot else { continue };
            if rest.as_bytes().starts_with(kept.0.as_bytes()) {
                return Some((i, kept.0.len()));
            }
        }
        None
    }

    /// Takes the flow out of slot `i`.
    pub(super) fn take(&mut self, i: usize) -> Option<Flow> {
        self.slots.get_mut(i)?.take().map(|kept| kept.1)
    }

    /// Keeps `flow`, whose document is `text`: in a free slot (usually the one its step took
    /// it from), else in the next slot in turn.
    pub(super) fn keep(&mut self, text: &str, flow: Flow) {
        let kept = Some(Box::new((String::from(text), flow)));
        for slot in self.slots.iter_mut() {
            if slot.is_none() {
                *slot = kept;
                return;
            }
        }
        let i = self.next % SLOTS;
        self.next = (i + 1) % SLOTS;
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = kept;
        }
    }
}
