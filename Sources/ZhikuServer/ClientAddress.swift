import Foundation

/// The address a request comes from, for sign-in throttling: the connection's peer, or — when the peer is one of
/// the configured trusted proxies (`ZHIKU_TRUSTED_PROXIES`) — the nearest address in `X-Forwarded-For` that is
/// not a trusted proxy. Without trusted proxies the header is ignored (anyone can write it).
enum ClientAddress {
    static func resolve(peer: String?, forwardedFor: [String], trustedProxies: Set<String>) -> String? {
        guard let peer, trustedProxies.contains(peer) else { return peer }
        // Each proxy appends the address it received from; read from the right, skipping our own proxies.
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !hop.isEmpty && !trustedProxies.contains(hop) { return hop }
        return peer
    }
}
