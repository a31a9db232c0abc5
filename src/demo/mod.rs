//! Generated traces: the built-in online-shop demo and large synthetic traces
//! for benchmarks. Deterministic: the same seed gives the same bytes.

pub mod big;
pub mod shop;
pub mod synth;

/// Draws that are the same on every platform. fastrand's `usize` and
/// `shuffle` draw 64 bits on a 64-bit host and 32 on wasm32, so the demo the
/// browser showed was not the one the native tests checked; these draw 32
/// bits everywhere (what wasm32 does).
pub mod draw {
    use fastrand::Rng;

    /// An index in `lo..hi` (`hi` > `lo`).
    pub fn index(rng: &mut Rng, lo: usize, hi: usize) -> usize {
        rng.u32(lo as u32..hi as u32) as usize
    }

    /// Fisher–Yates, as fastrand's `shuffle` on wasm32.
    pub fn shuffle<T>(rng: &mut Rng, slice: &mut [T]) {
        for i in 1..slice.len() {
            slice.swap(i, rng.u32(..=i as u32) as usize);
        }
    }
}
