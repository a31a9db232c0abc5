//! Pure geometry for the views: no browser here. Views ask layout where things
//! go and only draw.

pub mod attr_table;
pub mod charts;
pub mod colors;
pub mod compare;
pub mod flame;
pub mod force;
pub mod logs;
pub mod map_edges;
pub mod map_labels;
pub mod map_model;
pub mod minimap;
pub mod names;
pub mod time_axis;
pub mod waterfall;
