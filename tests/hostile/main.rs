//! Hostile pull requests (`SECURITY.md`): one module per guarantee, each case an input an
//! attacker could commit, run through the real binary with canaries that must stay untouched
//! (`harness`).

#[path = "../common/mod.rs"]
mod common;
mod harness;

mod blind_spots;
mod context;
mod cost;
mod discovery;
mod lookups;
mod metadata;
mod output;
mod panics;
mod render;
mod secrets;
