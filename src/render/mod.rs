//! Canvas drawing helpers shared by the canvas views (flame graph, service
//! map): a device-pixel-ratio aware 2D context and label fitting.

pub mod canvas;
pub mod text;
