//! Pure geometry for the views: no browser here. Views ask layout where things
//! go and only draw.

pub mod colors;
pub mod minimap;
pub mod waterfall;
