//! The client's address behind reverse proxies (docs/design.md §9, limits): when the
//! connection's peer is one of the configured trusted proxies, the client is the right-most
//! `X-Forwarded-For` address that is not a trusted proxy; otherwise the client is the peer. The
//! rate limits and the audit use that address.
//!
//! Only the part of `X-Forwarded-For` that trusted proxies wrote is believed: walking from the
//! right, each address a trusted proxy appended names the hop before it, and the first one that
//! is not a trusted proxy is the client. Anything further left was written by the client
//! itself and is never read, so a client cannot choose its own address.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `a.b.c.d/n`, `v6/n`, or a bare address (the network of that address alone).
    /// `None` for anything else, and for host bits set below the prefix (`10.0.0.1/8`), which
    /// is more likely a typo than meant.
    pub fn parse(text: &str) -> Option<Network> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => {
                if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (address.parse::<IpAddr>().ok()?, prefix.parse::<u8>().ok()?)
            }
            None => {
                let address = text.parse::<IpAddr>().ok()?;
                (address, bits(address))
            }
        };
        if prefix > bits(address) {
            return None;
        }
        let network = Network { address, prefix };
        (masked(address, prefix) == address).then_some(network)
    }

    /// Whether `address` is in this network. An IPv4 address written as IPv6
    /// (`::ffff:10.0.0.1`) counts as the IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        match (self.address, address) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                masked(address, self.prefix) == self.address
            }
            _ => false,
        }
    }
}

fn bits(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `address` with every bit below the first `prefix` cleared.
fn masked(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

/// The trusted proxies: the networks whose connections may say who the client is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// No proxy is trusted: the client is always the peer.
    pub const NONE: TrustedProxies = TrustedProxies(Vec::new());

    /// The given networks.
    pub fn new(networks: Vec<Network>) -> TrustedProxies {
        TrustedProxies(networks)
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(address))
    }

    /// The client of a request from `peer` with `headers`. A client named by
    /// `X-Forwarded-For` gets port 0: the proxies do not say which port it used.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.trusts(peer.ip()) {
            return peer;
        }
        // Several `X-Forwarded-For` headers are one list, in order (RFC 9110 §5.3).
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|value| value.to_str().unwrap_or("").split(','))
            .map(str::trim)
            .collect();
        let mut nearest = peer;
        for hop in hops.iter().rev() {
            // A trusted proxy wrote this entry: an address it cannot parse ends the walk at
            // that proxy, the last hop known.
            let Some(address) = parse_hop(hop) else {
                return nearest;
            };
            let hop = SocketAddr::new(address, 0);
            if !self.trusts(address) {
                return hop;
            }
            nearest = hop;
        }
        // Every hop is a trusted proxy (an internal client): the left-most one.
        nearest
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:5678`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    hop.parse::<SocketAddr>()
        .ok()
        .map(|a| a.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|n| Network::parse(n).unwrap()).collect())
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn at(address: &str) -> SocketAddr {
        SocketAddr::new(address.parse().unwrap(), 40000)
    }

    fn ip(address: &str) -> SocketAddr {
        SocketAddr::new(address.parse().unwrap(), 0)
    }

    #[test]
    fn networks_parse_and_contain() {
        let ten = Network::parse("10.0.0.0/8").unwrap();
        assert!(ten.contains("10.1.2.3".parse().unwrap()));
        assert!(ten.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!ten.contains("11.0.0.1".parse().unwrap()));
        assert!(!ten.contains("::a00:1".parse().unwrap()));
        let one = Network::parse("192.0.2.7").unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let v6 = Network::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        let all = Network::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.1/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0/8",
            "fd00::/129",
            "example.com",
            "",
        ] {
            assert_eq!(Network::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn without_a_trusted_peer_the_header_is_ignored() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            trusted.client(at("203.0.113.5"), &headers),
            at("203.0.113.5")
        );
        assert_eq!(
            TrustedProxies::NONE.client(at("10.0.0.1"), &headers),
            at("10.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "192.168.0.0/16"]);
        // The client wrote a fake address on the left; the two proxies appended theirs.
        let headers = forwarded(&["1.1.1.1, 203.0.113.5, 192.168.1.1"]);
        assert_eq!(trusted.client(at("10.0.0.2"), &headers), ip("203.0.113.5"));
        // The same across several headers, with ports.
        let headers = forwarded(&["1.1.1.1", "203.0.113.5:5555, [fd00::1]:80"]);
        let with_v6 = proxies(&["10.0.0.0/8", "fd00::/8"]);
        assert_eq!(with_v6.client(at("10.0.0.2"), &headers), ip("203.0.113.5"));
    }

    #[test]
    fn a_client_cannot_claim_a_trusted_address_to_choose_its_own() {
        let trusted = proxies(&["10.0.0.0/8"]);
        // The client sends `X-Forwarded-For: 10.9.9.9, 8.8.8.8`; the proxy appends the real
        // peer. The walk stops at the real client and never reaches what it wrote.
        let headers = forwarded(&["10.9.9.9, 8.8.8.8, 203.0.113.5"]);
        assert_eq!(trusted.client(at("10.0.0.2"), &headers), ip("203.0.113.5"));
    }

    #[test]
    fn a_trusted_peer_without_the_header_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            trusted.client(at("10.0.0.2"), &HeaderMap::new()),
            at("10.0.0.2")
        );
        // Every hop trusted: the left-most.
        let headers = forwarded(&["10.1.1.1, 10.2.2.2"]);
        assert_eq!(trusted.client(at("10.0.0.2"), &headers), ip("10.1.1.1"));
    }

    #[test]
    fn garbage_written_by_a_proxy_ends_the_walk_there() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.5, unknown, 10.3.3.3"]);
        assert_eq!(trusted.client(at("10.0.0.2"), &headers), ip("10.3.3.3"));
        let headers = forwarded(&["not an address"]);
        assert_eq!(trusted.client(at("10.0.0.2"), &headers), at("10.0.0.2"));
    }
}
