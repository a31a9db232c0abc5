//! What the store's spans mean: tree structure and health now; critical path,
//! self time and statistics build on it.

pub mod search;
pub mod selftime;
pub mod services;
pub mod tree;
