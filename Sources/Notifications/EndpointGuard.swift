import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps rest-hook deliveries away from the server's own network (SSRF): an endpoint must be
/// `https` and must not be, or resolve to, a loopback, private, link-local or otherwise
/// non-public address — unless `allowPrivate` (`--allow-private-endpoints`), for tests and
/// closed networks. Checked when a Subscription is written and again before every delivery,
/// since a name's addresses can change.
public struct EndpointGuard: Sendable {
    public let allowPrivate: Bool

    public init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }

    /// Why `url` may not receive notifications, judged from the URL alone: its scheme, a
    /// `localhost` name or a non-public IP literal. Nil when it may, as far as the URL shows.
    public func refusal(of url: URL) -> String? {
        if allowPrivate { return nil }
        guard url.scheme?.lowercased() == "https" else { return "the endpoint must use https" }
        guard let host = url.host, !host.isEmpty else { return "the endpoint has no host" }
        let name = Self.bareHost(host)
        if name == "localhost" || name.hasSuffix(".localhost") { return "the endpoint \(host) is this machine" }
        if let address = Self.resolve(name, numericOnly: true).first(where: { !Self.isPublic($0) }) {
            return "the endpoint \(host) is a non-public address (\(Self.text(address)))"
        }
        return nil
    }

    /// `refusal(of:)`, and then the addresses the host name resolves to now.
    public func deliveryRefusal(of url: URL) async -> String? {
        if let refusal = refusal(of: url) { return refusal }
        guard !allowPrivate, let host = url.host else { return nil }
        let name = Self.bareHost(host)
        let addresses = (try? await NIOThreadPool.singleton.runIfActive { Self.resolve(name, numericOnly: false) }) ?? []
        if addresses.isEmpty { return "the endpoint's host \(host) could not be resolved" }
        if let address = addresses.first(where: { !Self.isPublic($0) }) {
            return "the endpoint \(host) resolves to a non-public address (\(Self.text(address)))"
        }
        return nil
    }

    private static func bareHost(_ host: String) -> String {
        host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
    }

    /// Every IPv4 (4 bytes) and IPv6 (16 bytes) address of `name`; an IP literal is its own
    /// address. `numericOnly`: literals only, no name look-up (never blocks).
    static func resolve(_ name: String, numericOnly: Bool) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        if numericOnly { hints.ai_flags = AI_NUMERICHOST }
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        for info in sequence(first: first, next: { $0.pointee.ai_next }) {
            guard let address = info.pointee.ai_addr else { continue }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                    withUnsafeBytes(of: ipv4.pointee.sin_addr) { addresses.append(Array($0)) }
                }
            case AF_INET6:
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                    withUnsafeBytes(of: ipv6.pointee.sin6_addr) { addresses.append(Array($0)) }
                }
            default:
                continue
            }
        }
        return addresses
    }

    /// Whether an address is a public unicast one: not unspecified, loopback, private
    /// (RFC 1918, fc00::/7), carrier-grade NAT, link-local, multicast or broadcast.
    static func isPublic(_ address: [UInt8]) -> Bool {
        if address.count == 16 {
            if address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xff, address[11] == 0xff {
                return isPublic(Array(address[12...]))  // IPv4-mapped
            }
            if address.allSatisfy({ $0 == 0 }) || address == [UInt8](repeating: 0, count: 15) + [1] { return false }
            if address[0] & 0xfe == 0xfc { return false }  // unique local
            if address[0] == 0xfe, address[1] & 0xc0 == 0x80 { return false }  // link-local
            if address[0] == 0xff { return false }  // multicast
            return true
        }
        guard address.count == 4 else { return false }
        switch (address[0], address[1]) {
        case (0, _), (10, _), (127, _): return false
        case (100, 64...127): return false  // carrier-grade NAT
        case (169, 254), (192, 168): return false
        case (172, 16...31): return false
        case (224..., _): return false  // multicast, reserved, broadcast
        default: return true
        }
    }

    private static func text(_ address: [UInt8]) -> String {
        address.count == 4
            ? address.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }
                .joined(separator: ":")
    }
}
