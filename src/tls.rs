//! The process's TLS: rustls on the ring provider, for every outgoing HTTPS connection
//! (`discover`, OTLP export to an `https://` collector). reqwest is built without a
//! provider of its own, so this must run before any client is built.

/// Installs ring as the process-wide rustls provider, unless one is installed already.
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
