//! Where bytes come from: dropped or picked files, pasted text, the built-in
//! demo. (URLs and backends come later, one file each.)

pub mod demo;
pub mod file;
pub mod link;
