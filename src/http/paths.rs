//! Internal and external DAV paths: prefixPath / proxyPrefixPath.
