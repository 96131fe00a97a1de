//! Behaviour tests of the runtime against the testkit mock server.
//!
//! Retry and rate-limit delays go through a `ManualTimer`, so tests check the
//! exact delays requested without sleeping; only the timeout tests wait for
//! a (short) real request timeout.

mod base_url;
mod common;
mod env;
mod errors;
mod pacing;
mod paginate;
mod rate_limit;
mod redaction;
mod requests;
mod responses;
mod retries;
