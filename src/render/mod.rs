//! Canvas drawing: helpers shared by the canvas views (flame graph, service
//! map, waterfall timeline): a device-pixel-ratio aware 2D context, theme
//! colors, label fitting; the flame graph's boxes and the waterfall's timeline column.

pub mod canvas;
pub mod flame;
pub mod text;
pub mod timeline;
