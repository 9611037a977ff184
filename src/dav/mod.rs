//! WebDAV protocol: request parsing, multistatus writing, preconditions. No database here.
