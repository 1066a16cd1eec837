//! keymint: email one-time-code sign-up and sign-in for programs that can read
//! email but cannot open a browser.
//!
//! This crate is the sans-IO core: flows are state machines over plain data
//! ([`otp::Flow`]), backends are described by provider specs
//! ([`provider::Spec`]), and every failure is a canonical [`error::Error`] with a
//! machine-readable next action. Nothing here performs IO, reads a clock or
//! draws randomness: time and random ids are arguments. [`step`] is the one
//! entry point: JSON in, JSON out, used natively by tests and by the wasm
//! bindings in `src/wasm/`.
#![cfg_attr(feature = "tiny", no_std)]
#![warn(missing_docs)]
// Errors are the slow path and are built once per step; boxing them would add
// code to the wasm for no gain.
#![allow(clippy::result_large_err)]

extern crate alloc;

pub mod action;
#[cfg(feature = "sessions")]
pub mod backend;
pub mod crypto;
pub mod error;
#[cfg(feature = "sessions")]
pub mod family;
pub mod input;
pub mod json;
pub mod otp;
pub mod protocol;
pub mod provider;
pub mod render;
pub mod response;
pub mod saved;
pub mod secret;
pub mod text;
pub mod time;
pub mod token;
#[cfg(feature = "sessions")]
pub mod totp;

#[cfg(target_arch = "wasm32")]
mod wasm;

/// Runs one step of the JSON protocol: `{op, now, config?, state?, event?}` in,
/// `{state?, action}` out. The ops, events and actions are listed, with their
/// members, in [`protocol::schema`]; the JS package speaks only this.
pub fn step(input: &str) -> alloc::string::String {
    protocol::step(input)
}
