import Foundation
import HTTPTypes
import NIOCore

/// One Server-Sent Events frame: an optional `event:` name and a JSON `data:` line.
enum ServerSentEvent {
    static func frame(_ name: String?, _ value: some Encodable) throws -> ByteBuffer {
        let data = String(decoding: try ZhikuJSON.encoder.encode(value), as: UTF8.self)
        return ByteBuffer(string: (name.map { "event: \($0)\n" } ?? "") + "data: \(data)\n\n")
    }

    static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
}
