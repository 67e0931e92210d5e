//! Which IP addresses a status-list fetch may connect to: only globally reachable
//! unicast ones. Refused: every block of the IANA IPv4 and IPv6 Special-Purpose Address
//! registries (<https://www.iana.org/assignments/iana-ipv4-special-registry/>,
//! <https://www.iana.org/assignments/iana-ipv6-special-registry/>), multicast, and IPv6
//! outside global unicast `2000::/3`. IPv6 forms that carry an IPv4 address are judged by
//! that address.
//!
//! The registry table is the `iprfc` crate's `RFC6890` aggregate: a generated,
//! checked-in snapshot of both IANA registries (with their dates and hashes), refreshed
//! by its maintainer, rather than a hand list here that would silently go stale. The
//! registry leaves three things to other documents, added below: multicast (its own
//! registry), the IPv6 space outside `2000::/3` that is unassigned or reserved (RFC 4291),
//! and the IPv4 address inside IPv4-mapped and NAT64 addresses, which the registry lists
//! as blocks without saying that the packet goes to the embedded IPv4 host.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use iprfc::RFC6890;

/// Whether an address is off-limits: anything but a globally reachable unicast address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    RFC6890.contains(&ip) || ip.is_multicast()
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    match embedded(ip) {
        Embedded::V4(v4) => is_internal_v4(v4),
        Embedded::Refused => true,
        Embedded::None => {
            let global_unicast = (ip.segments()[0] & 0xe000) == 0x2000;
            !global_unicast || RFC6890.contains(&ip)
        }
    }
}

/// The IPv4 address an IPv6 address stands for, where the packet really goes there.
enum Embedded {
    /// IPv4-mapped `::ffff:a.b.c.d` (a dual-stack socket connects to the IPv4 host) and
    /// the NAT64 well-known prefix `64:ff9b::a.b.c.d` (RFC 6052: the translator connects
    /// to it). Both are judged by the IPv4 address: `64:ff9b::8.8.8.8` is a public host
    /// behind DNS64, `64:ff9b::127.0.0.1` or `::ffff:10.0.0.1` is not.
    V4(Ipv4Addr),
    /// Forms refused whatever they carry: IPv4-compatible `::a.b.c.d` (deprecated by
    /// RFC 4291, never a real destination; `::` and `::1` are in it), the local-use NAT64
    /// prefix `64:ff9b:1::/48` (RFC 8215: not globally reachable; its IPv4 address is
    /// split around the reserved octet), 6to4 `2002::/16` and Teredo `2001::/32` (tunnels
    /// to an IPv4 host; both are special-purpose blocks).
    Refused,
    /// No IPv4 address inside.
    None,
}

fn embedded(ip: Ipv6Addr) -> Embedded {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Embedded::V4(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Embedded::V4(low),
        [0, 0, 0, 0, 0, 0, _, _] => Embedded::Refused,
        [0x64, 0xff9b, 1, ..] | [0x2002, ..] | [0x2001, 0, ..] => Embedded::Refused,
        _ => Embedded::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IANA IPv4 Special-Purpose Address Registry, every row (as of 2025-10).
    const IANA_V4: &[(&str, u8, &str)] = &[
        ("0.0.0.0", 8, "this network"),
        ("0.0.0.0", 32, "this host on this network"),
        ("10.0.0.0", 8, "private-use"),
        ("100.64.0.0", 10, "shared address space (CGN)"),
        ("127.0.0.0", 8, "loopback"),
        ("169.254.0.0", 16, "link local (cloud metadata)"),
        ("172.16.0.0", 12, "private-use"),
        ("192.0.0.0", 24, "IETF protocol assignments"),
        ("192.0.0.0", 29, "IPv4 service continuity prefix"),
        ("192.0.0.8", 32, "IPv4 dummy address"),
        ("192.0.0.9", 32, "port control protocol anycast"),
        ("192.0.0.10", 32, "traversal using relays around NAT anycast"),
        ("192.0.0.170", 32, "NAT64/DNS64 discovery"),
        ("192.0.0.171", 32, "NAT64/DNS64 discovery"),
        ("192.0.2.0", 24, "documentation (TEST-NET-1)"),
        ("192.31.196.0", 24, "AS112-v4"),
        ("192.52.193.0", 24, "AMT"),
        ("192.88.99.0", 24, "deprecated 6to4 relay anycast"),
        ("192.88.99.2", 32, "6a44-relay anycast"),
        ("192.168.0.0", 16, "private-use"),
        ("192.175.48.0", 24, "direct delegation AS112 service"),
        ("198.18.0.0", 15, "benchmarking"),
        ("198.51.100.0", 24, "documentation (TEST-NET-2)"),
        ("203.0.113.0", 24, "documentation (TEST-NET-3)"),
        ("240.0.0.0", 4, "reserved"),
        ("255.255.255.255", 32, "limited broadcast"),
    ];

    /// The IANA IPv6 Special-Purpose Address Registry, every row (as of 2025-10).
    const IANA_V6: &[(&str, u8, &str)] = &[
        ("::1", 128, "loopback"),
        ("::", 128, "unspecified"),
        ("::ffff:0:0", 96, "IPv4-mapped"),
        ("64:ff9b::", 96, "IPv4-IPv6 translation (NAT64 well-known prefix)"),
        ("64:ff9b:1::", 48, "IPv4-IPv6 translation (local-use NAT64)"),
        ("100::", 64, "discard-only"),
        ("100:0:0:1::", 64, "dummy IPv6 prefix"),
        ("2001::", 23, "IETF protocol assignments"),
        ("2001::", 32, "TEREDO"),
        ("2001:1::1", 128, "port control protocol anycast"),
        ("2001:1::2", 128, "traversal using relays around NAT anycast"),
        ("2001:1::3", 128, "DNS-SD service registration protocol anycast"),
        ("2001:2::", 48, "benchmarking"),
        ("2001:3::", 32, "AMT"),
        ("2001:4:112::", 48, "AS112-v6"),
        ("2001:10::", 28, "deprecated ORCHID"),
        ("2001:20::", 28, "ORCHIDv2"),
        ("2001:30::", 28, "drone remote ID protocol entity tags"),
        ("2001:db8::", 32, "documentation"),
        ("2002::", 16, "6to4"),
        ("2620:4f:8000::", 48, "direct delegation AS112 service"),
        ("3fff::", 20, "documentation"),
        ("5f00::", 16, "segment routing SIDs"),
        ("fc00::", 7, "unique-local"),
        ("fe80::", 10, "link-local unicast"),
    ];

    fn v4_range(base: &str, len: u8) -> (Ipv4Addr, Ipv4Addr) {
        let b = u32::from(base.parse::<Ipv4Addr>().expect("v4"));
        let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
        (Ipv4Addr::from(b), Ipv4Addr::from(b | host))
    }

    fn v6_range(base: &str, len: u8) -> (Ipv6Addr, Ipv6Addr) {
        let b = u128::from(base.parse::<Ipv6Addr>().expect("v6"));
        let host = u128::MAX.checked_shr(u32::from(len)).unwrap_or(0);
        (Ipv6Addr::from(b), Ipv6Addr::from(b | host))
    }

    #[test]
    fn every_iana_ipv4_special_purpose_block_is_refused_from_first_to_last_address() {
        for (base, len, name) in IANA_V4 {
            let (first, last) = v4_range(base, *len);
            let middle = Ipv4Addr::from(u32::from(first) / 2 + u32::from(last) / 2);
            for ip in [first, middle, last] {
                assert!(is_internal(IpAddr::V4(ip)), "{ip} in {base}/{len} ({name})");
            }
        }
    }

    #[test]
    fn every_iana_ipv6_special_purpose_block_is_refused_from_first_to_last_address() {
        for (base, len, name) in IANA_V6 {
            let (first, last) = v6_range(base, *len);
            for ip in [first, last] {
                assert!(is_internal(IpAddr::V6(ip)), "{ip} in {base}/{len} ({name})");
            }
        }
    }

    #[test]
    fn the_blocks_just_outside_the_special_ones_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "193.190.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "223.255.255.255",
            "2001:4860:4860::8888",
            "2a02:2c40::1",
            "2001:200::1",
            "2003::1",
            "3ffe::1",
            "2620:4f:7fff:ffff::1",
        ] {
            assert!(!is_internal(ip.parse().expect("ip")), "{ip} is public");
        }
    }

    #[test]
    fn multicast_and_ipv6_outside_global_unicast_are_refused() {
        for ip in ["224.0.0.1", "239.255.255.255", "ff02::1", "ff0e::1", "fec0::1", "4000::1", "::2:1:2", "1::1"] {
            assert!(is_internal(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_carrying_an_ipv4_address_are_judged_by_it() {
        let cases = [
            ("::ffff:127.0.0.1", true, "IPv4-mapped loopback"),
            ("::ffff:198.18.0.1", true, "IPv4-mapped benchmarking"),
            ("::ffff:169.254.169.254", true, "IPv4-mapped metadata"),
            ("::ffff:1.1.1.1", false, "IPv4-mapped public host"),
            ("64:ff9b::127.0.0.1", true, "NAT64 to loopback"),
            ("64:ff9b::10.0.0.1", true, "NAT64 to private-use"),
            ("64:ff9b::198.18.0.1", true, "NAT64 to benchmarking"),
            ("64:ff9b::169.254.169.254", true, "NAT64 to metadata"),
            ("64:ff9b::8.8.8.8", false, "NAT64 to a public host (DNS64 networks)"),
            ("64:ff9b:1::808:808", true, "local-use NAT64, whatever it carries"),
            ("64:ff9b:1:a00:1::", true, "local-use NAT64 to 10.0.0.1"),
            ("::127.0.0.1", true, "IPv4-compatible loopback"),
            ("::198.18.0.1", true, "IPv4-compatible benchmarking"),
            ("::8.8.8.8", true, "IPv4-compatible is deprecated: refused whatever it carries"),
            ("::ffff:0:127.0.0.1", true, "IPv4-translated (SIIT), outside 2000::/3"),
            ("2002:7f00:1::", true, "6to4 to loopback"),
            ("2002:808:808::", true, "6to4, whatever it carries"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", true, "Teredo"),
        ];
        for (ip, internal, why) in cases {
            assert_eq!(is_internal(ip.parse().expect("ip")), internal, "{ip}: {why}");
        }
    }
}
