//! The axum router, the prefix paths and the middleware stack.

pub mod paths;
