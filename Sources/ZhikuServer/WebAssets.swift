import Foundation
import HTTPTypes
import Hummingbird
import ZhikuCore

/// The web UI: `index.html` at `/` and its scripts, stylesheet and icon under `/assets/`, shipped as the
/// ZhikuServer target's resources (no build step). Files are read once at start and served with an ETag and a
/// strict Content-Security-Policy (scripts and styles from this server only, no inline script), so even a
/// rendering bug cannot run text from a document or a model as code.
///
/// `ZHIKU_WEB_DIR` serves the files from that folder instead, re-read on every request (for editing the UI).
struct WebAssets: Sendable {
    struct Asset: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        var etag: String
    }

    private let assets: [String: Asset]
    private let liveFolder: URL?

    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        + "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    init(liveFolder: URL? = ProcessInfo.processInfo.environment["ZHIKU_WEB_DIR"].map { URL(fileURLWithPath: $0) }) {
        self.liveFolder = liveFolder
        var assets: [String: Asset] = [:]
        if let folder = Bundle.module.resourceURL?.appendingPathComponent("Web"),
           let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) {
            for name in names {
                if let asset = Self.load(folder.appendingPathComponent(name)) { assets[name] = asset }
            }
        }
        self.assets = assets
    }

    func register(on router: RouteRecorder) {
        router.get("/") { request, _ in serve("index.html", request) }
        router.get("api-docs") { request, _ in serve("api.html", request) }
        router.get("assets/:name") { request, context in serve(context.parameters.get("name") ?? "", request) }
    }

    private func serve(_ name: String, _ request: Request) -> Response {
        guard !name.contains("/"), !name.hasPrefix("."),
              let asset = liveFolder.map({ Self.load($0.appendingPathComponent(name)) }) ?? assets[name] else {
            return APIErrorResponse.make(status: .notFound, code: ZhikuError.Code.notFound.rawValue,
                                         message: "no web asset named '\(name)'")
        }
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
                                   .contentSecurityPolicy: Self.contentSecurityPolicy]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
    }

    private static func load(_ url: URL) -> Asset? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        let type: String = switch url.pathExtension {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        default: "application/octet-stream"
        }
        let digest = SHA256Hasher.hash(Array(data)).prefix(16)
        return Asset(bytes: ByteBuffer(bytes: data), contentType: type, etag: "\"\(digest)\"")
    }
}
