//! Who the client of a request is: the connection's peer, or, when the peer is a proxy
//! configured as trusted (`davgate.trustedProxies`), the address that proxy forwarded in
//! `X-Forwarded-For` or `Forwarded` (`davgate.forwardedHeader`).
//!
//! Proxies append the address they received a request from to the end of the header;
//! whatever a client wrote itself stands further left. So the header is read from the
//! right, over trusted proxies only, and the first address that is not one of them is
//! the client: a client cannot pose as another address by sending the header itself.

use std::net::{IpAddr, SocketAddr};

use http::HeaderMap;
use ipnet::IpNet;

use crate::config::values::ValueError;

/// Which header a trusted proxy writes the client's address to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (Apache mod_proxy, Envoy, nginx).
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ForwardedHeader,
}

/// Parses `davgate.trustedProxies`: comma-separated addresses or CIDR networks, such as
/// `127.0.0.1, 10.0.0.0/8, fd00::/8`; empty trusts none.
pub fn parse_networks(raw: &str) -> Result<Vec<IpNet>, ValueError> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    ValueError(format!(
                        "{part:?} is neither an IP address nor a network such as 10.0.0.0/8"
                    ))
                })
        })
        .collect()
}

/// Parses `davgate.forwardedHeader`: `X-Forwarded-For` or `Forwarded`.
pub fn parse_forwarded_header(raw: &str) -> Result<ForwardedHeader, ValueError> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("x-forwarded-for") {
        Ok(ForwardedHeader::XForwardedFor)
    } else if raw.eq_ignore_ascii_case("forwarded") {
        Ok(ForwardedHeader::Forwarded)
    } else {
        Err(ValueError(format!(
            "{raw:?}: expected X-Forwarded-For or Forwarded"
        )))
    }
}

/// IPv4 clients of a dual-stack listener appear as `::ffff:a.b.c.d`.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>, header: ForwardedHeader) -> Self {
        TrustedProxies { networks, header }
    }

    /// Trusts no proxy: the peer is the client.
    pub fn none() -> Self {
        TrustedProxies::new(Vec::new(), ForwardedHeader::XForwardedFor)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.networks.iter().any(|net| net.contains(&address))
    }

    /// The client of a request that came from `peer` with `headers`; None without a peer
    /// (a request that did not come over a connection, as in tests).
    pub fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let mut client = canonical(peer?.ip());
        if !self.trusts(client) {
            return Some(client);
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => {
                forwarded_hops(headers, "x-forwarded-for", hop_of_xff)
            }
            ForwardedHeader::Forwarded => forwarded_hops(headers, "forwarded", hop_of_forwarded),
        };
        for hop in hops.into_iter().rev() {
            // A trusted proxy wrote this entry; what it cannot name, it did not get from
            // a client, so the proxy itself is the best answer.
            let Some(address) = hop else { break };
            client = canonical(address);
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }
}

/// The entries of every `name` header in order, each parsed by `hop` (None: unparsable).
fn forwarded_hops(
    headers: &HeaderMap,
    name: &str,
    hop: fn(&str) -> Option<IpAddr>,
) -> Vec<Option<IpAddr>> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(hop).collect::<Vec<_>>(),
            Err(_) => vec![None],
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443` or
/// `192.0.2.1:443`.
fn address_of(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok())
        })
}

fn hop_of_xff(entry: &str) -> Option<IpAddr> {
    address_of(entry)
}

/// The `for=` of one element of a `Forwarded` header (RFC 7239 4): `for=192.0.2.60`,
/// `for="[2001:db8:cafe::17]:4711"`; `unknown` and obfuscated names are no address.
fn hop_of_forwarded(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        address_of(value.trim().trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    fn peer(address: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(address.parse().unwrap(), 40000))
    }

    fn ip(address: &str) -> Option<IpAddr> {
        Some(address.parse().unwrap())
    }

    fn proxies(networks: &str, header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies::new(parse_networks(networks).unwrap(), header)
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=198.51.100.8"),
        ]);
        assert_eq!(
            TrustedProxies::none().client(peer("203.0.113.5"), &h),
            ip("203.0.113.5")
        );
        assert_eq!(TrustedProxies::none().client(None, &h), None);
        // A peer that is not trusted cannot forward anything.
        let apache = proxies("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        assert_eq!(apache.client(peer("203.0.113.5"), &h), ip("203.0.113.5"));
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        let apache = proxies("127.0.0.1, 10.0.0.0/8", ForwardedHeader::XForwardedFor);
        let cases = [
            // What Apache appends to a header the client did not send.
            (vec!["198.51.100.7"], "198.51.100.7"),
            // The client wrote an entry of its own; Apache appended the real address.
            (vec!["192.0.2.99, 198.51.100.7"], "198.51.100.7"),
            // Two trusted hops, over two header lines.
            (vec!["198.51.100.7, 10.1.2.3", "10.4.5.6"], "198.51.100.7"),
            (vec!["[2001:db8::7]:443, 10.1.2.3"], "2001:db8::7"),
            (vec!["::ffff:198.51.100.7"], "198.51.100.7"),
            // Only trusted hops: the farthest one is the best guess.
            (vec!["10.9.9.9, 10.1.2.3"], "10.9.9.9"),
            // A proxy that wrote something unreadable is where the trail ends.
            (vec!["198.51.100.7, garbage, 10.1.2.3"], "10.1.2.3"),
        ];
        for (values, client) in cases {
            let h = headers(
                &values
                    .iter()
                    .map(|v| ("x-forwarded-for", *v))
                    .collect::<Vec<_>>(),
            );
            assert_eq!(
                apache.client(peer("127.0.0.1"), &h),
                ip(client),
                "{values:?}"
            );
        }
        // Without the header the trusted peer is all there is.
        assert_eq!(
            apache.client(peer("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        // The header a proxy does not write is the client's own invention.
        let h = headers(&[("forwarded", "for=192.0.2.99")]);
        assert_eq!(apache.client(peer("127.0.0.1"), &h), ip("127.0.0.1"));
    }

    #[test]
    fn forwarded_elements_name_their_client_with_for() {
        let proxy = proxies("::1, 127.0.0.1", ForwardedHeader::Forwarded);
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.99, for=\"[2001:db8:cafe::17]:4711\";proto=https;by=127.0.0.1",
        )]);
        assert_eq!(proxy.client(peer("::1"), &h), ip("2001:db8:cafe::17"));
        let h = headers(&[
            ("forwarded", "for=unknown"),
            ("x-forwarded-for", "192.0.2.1"),
        ]);
        assert_eq!(proxy.client(peer("127.0.0.1"), &h), ip("127.0.0.1"));
    }

    #[test]
    fn settings_parse_or_explain() {
        let nets = parse_networks(" 127.0.0.1 , 10.1.2.3/8,fd00::/8,::1").unwrap();
        assert_eq!(nets.len(), 4);
        assert_eq!(nets[1].to_string(), "10.0.0.0/8");
        assert!(parse_networks("").unwrap().is_empty());
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("proxy.example.com").is_err());
        assert_eq!(
            parse_forwarded_header("forwarded").unwrap(),
            ForwardedHeader::Forwarded
        );
        assert_eq!(
            parse_forwarded_header("X-Forwarded-For").unwrap(),
            ForwardedHeader::XForwardedFor
        );
        assert!(parse_forwarded_header("X-Real-IP").is_err());
    }
}
