import Foundation
import HTTPTypes
import Hummingbird
import ZhikuCore

/// Refuses requests a web page on another site makes through the user's browser, in every sign-in mode:
///
/// - A changing request (`POST`, `PUT`, `PATCH`, `DELETE`) whose `Sec-Fetch-Site` is not `same-origin` (or `none`,
///   typed by the user), or whose `Origin` is not this server's own (`Host`), is answered 403. Clients that are not
///   browsers send neither header and are not affected.
/// - With sign-in off (where no credential stops anyone who reaches the port), the `Host` must be a loopback name
///   or one of `ZHIKU_ALLOWED_HOSTS`: a DNS-rebinding page whose name now points at 127.0.0.1 gets 403. With
///   sign-in on the same check applies when `ZHIKU_ALLOWED_HOSTS` is set.
struct RequestOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    let authOn: Bool
    let allowedHosts: Set<String>

    static var changing: Set<HTTPRequest.Method> { [.post, .put, .patch, .delete] }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority ?? request.headers[HTTPField.Name("Host")!] ?? ""
        if !authOn || !allowedHosts.isEmpty {
            let name = Self.hostName(host)
            guard Self.isLoopback(name) || allowedHosts.contains(name) else {
                throw ZhikuError(.forbidden, "this server does not answer to the host name '\(name)' (ZHIKU_ALLOWED_HOSTS lists others)")
            }
        }
        if Self.changing.contains(request.method) {
            if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased(), site != "same-origin", site != "none" {
                throw ZhikuError(.forbidden, "a \(site) request from another page may not change anything here")
            }
            if let origin = request.headers[HTTPField.Name("Origin")!] {
                guard origin != "null", let url = URL(string: origin),
                      Self.sameAuthority(url, host) || allowedHosts.contains(url.host?.lowercased() ?? "") else {
                    throw ZhikuError(.forbidden, "requests from the page at \(origin) may not change anything here")
                }
            }
        }
        return try await next(request, context)
    }

    /// `example.org:8080` → `example.org`; `[::1]:8080` → `::1`; lowercased.
    static func hostName(_ authority: String) -> String {
        var name = authority.lowercased()
        if name.hasPrefix("[") {
            if let end = name.firstIndex(of: "]") { name = String(name[name.index(after: name.startIndex)..<end]) }
        } else if let colon = name.lastIndex(of: ":"), name.filter({ $0 == ":" }).count == 1 {
            name = String(name[..<colon])
        }
        return name.hasSuffix(".") ? String(name.dropLast()) : name
    }

    static func isLoopback(_ name: String) -> Bool {
        name == "localhost" || name == "::1" || name.hasPrefix("127.") && name.split(separator: ".").count == 4
            && name.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }

    /// Whether an `Origin` URL names the request's `Host` (host and port as written).
    static func sameAuthority(_ origin: URL, _ authority: String) -> Bool {
        guard let raw = origin.host?.lowercased() else { return false }
        let host = raw.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return (origin.port.map { "\(hostPart):\($0)" } ?? hostPart) == authority.lowercased()
    }
}
