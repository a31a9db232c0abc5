//! Where bytes come from: dropped or picked files, pasted text, the built-in
//! demo, URLs and trace backends; and the links that bring a view back.

pub mod backend;
pub mod demo;
pub mod fetch;
pub mod file;
pub mod link;
pub mod share;
pub mod trust;
pub mod worker;
