//! Generates the Workers KV bulk-delete client from the workspace's `spec/` into
//! `OUT_DIR`. Cargo reruns this script only when the spec or the overlay changes: the
//! builder prints `cargo:rerun-if-changed` for exactly the files it reads.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Paths are relative to this package's directory, where cargo runs build scripts.
    let builder = cfgen::Builder::new("../../spec/openapi.yaml")
        .overlay("../../spec/overlay.yaml")
        .operation(cfgen::BULK_DELETE_OPERATION)
        .strip_prefix("workers-kv_")
        .strip_prefix("workers-kv-")
        .strict(true);
    match builder.write() {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            // Display, not Debug: cargo shows this text as the reason the build failed.
            eprintln!("error: generating the Cloudflare client: {err}");
            ExitCode::FAILURE
        }
    }
}
