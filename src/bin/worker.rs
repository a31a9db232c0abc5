//! The parsing Web Worker: `src/sources/worker/host.rs` does the work. Built by
//! Trunk as a classic (no-modules) worker and started from `worker_loader.js`.

fn main() {
    strata::sources::worker::host::start();
}
