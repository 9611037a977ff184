//! Principal resources and the DAV root.
