import Foundation
import Hummingbird
import MultipartKit
import ZhikuStorage
import ZhikuCore

/// Receives a `multipart/form-data` body part by part, streaming each file part straight into the blob store
/// (never holding a file in memory). Parts without a file name are plain form fields: their first 64 KiB are kept
/// as text by field name.
struct MultipartUpload {
    /// One file part as received: its stored bytes, or why it could not be stored.
    struct Part {
        var name: String
        var result: Result<StoredBlob, ZhikuError>
    }

    /// Reads `body` to the end. Throws only for a malformed body; per-file problems are in the parts.
    static func receive<Body: AsyncSequence>(_ body: Body, boundary: String, blobs: some BlobStore, limit: Int64,
                                             discard: ([StoredBlob]) async -> Void)
        async throws -> [Part] where Body.Element == ByteBuffer {
        try await receiveForm(body, boundary: boundary, blobs: blobs, limit: limit, discard: discard).parts
    }

    /// The most parts one form may hold (files and fields).
    static let maxParts = 1000
    /// The most bytes of headers one part may have.
    static let maxPartHeaderBytes = 16 << 10
    /// What a form may hold beyond `limit` bytes of files: part headers and fields.
    static let formOverhead: Int64 = 1 << 20

    /// Reads `body` to the end: the file parts, and the plain fields by name. The whole body is limited while it
    /// streams (`limit` plus ``formOverhead``, whatever `Content-Length` said or whether it was sent at all), and so
    /// are the number of parts and each part's headers. When the form is refused, the file parts stored before that
    /// go to `discard` (nothing will refer to them).
    static func receiveForm<Body: AsyncSequence>(_ body: Body, boundary: String, blobs: some BlobStore, limit: Int64,
                                                 discard: ([StoredBlob]) async -> Void)
        async throws -> (parts: [Part], fields: [String: String]) where Body.Element == ByteBuffer {
        let state = State(blobs: blobs, limit: limit)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in state.header(name, value) }
        parser.onBody = { buffer in state.body(&buffer) }
        parser.onPartComplete = { state.complete() }
        var received: Int64 = 0
        do {
            for try await buffer in body {
                received += Int64(buffer.readableBytes)
                if received > limit + formOverhead {
                    throw ZhikuError(.tooLarge, "the form is larger than the limit of \(DiskBlobStore.describe(limit)) "
                                     + "(plus \(DiskBlobStore.describe(formOverhead)) for its fields and headers)")
                }
                try parser.execute(buffer)
                if let fatal = state.fatal { throw fatal }
            }
        } catch {
            state.abort()
            await discard(state.parts.compactMap { try? $0.result.get() })
            throw error as? ZhikuError ?? ZhikuError.invalidInput("the multipart body is malformed: \(error)")
        }
        state.abort()  // a part cut off by the end of the body
        return (state.parts, state.fields)
    }

    /// The `name` parameter of a `Content-Disposition` header.
    static func fieldName(fromDisposition disposition: String) -> String? {
        for parameter in disposition.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "name" {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    /// Whether `request` is a multipart form. Refuses (413, before a byte of the body is read) a declared
    /// `Content-Length` over `limit` — plus 1 MiB for a form's part headers and fields; `what` names the body.
    static func refuseDeclaredOversize(_ request: Request, limit: Int64, what: String) throws -> Bool {
        let isMultipart = (request.headers[.contentType] ?? "").lowercased().hasPrefix("multipart/form-data")
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > limit + (isMultipart ? 1 << 20 : 0) {
            throw ZhikuError(.tooLarge, "\(what) (\(DiskBlobStore.describe(declared))) is larger than the limit of \(DiskBlobStore.describe(limit))")
        }
        return isMultipart
    }

    /// The `boundary` parameter of a multipart content type.
    static func boundary(fromContentType contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// The file name in a `Content-Disposition` header (`filename*=UTF-8''…` preferred over `filename="…"`).
    static func fileName(fromDisposition disposition: String) -> String? {
        var plain: String? = nil
        for parameter in disposition.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "filename*":
                let value = pair[1]
                if let range = value.range(of: "''"),
                   let decoded = value[range.upperBound...].removingPercentEncoding {
                    return decoded
                }
            case "filename":
                var value = pair[1]
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                }
                plain = value
            default:
                continue
            }
        }
        return plain
    }

    /// Parser callbacks write here (all on the receiving task).
    private final class State {
        let blobs: any BlobStore
        let limit: Int64
        var headers: [String: String] = [:]
        var writer: (any BlobWriter)?
        var currentName: String?
        var currentError: ZhikuError?
        var parts: [Part] = []
        var fields: [String: String] = [:]
        var fieldBytes: [UInt8] = []
        var fatal: ZhikuError?
        var headerBytes = 0
        var partCount = 0

        init(blobs: any BlobStore, limit: Int64) {
            self.blobs = blobs
            self.limit = limit
        }

        func header(_ name: String, _ value: String) {
            headerBytes += name.utf8.count + value.utf8.count + 4
            if headerBytes > MultipartUpload.maxPartHeaderBytes, fatal == nil {
                fatal = .invalidInput("a part of the form has more than \(MultipartUpload.maxPartHeaderBytes / 1024) KiB of headers")
                return
            }
            headers[name.lowercased()] = value
        }

        func body(_ buffer: inout ByteBuffer) {
            if currentName == nil {
                guard let disposition = headers["content-disposition"] else { return }
                guard let name = MultipartUpload.fileName(fromDisposition: disposition) else {
                    if fieldBytes.count < 65_536 { fieldBytes += buffer.readableBytesView.prefix(65_536 - fieldBytes.count) }
                    return
                }
                currentName = name
                do {
                    writer = try blobs.makeWriter(limit: limit)
                } catch {
                    currentError = error as? ZhikuError ?? ZhikuError(.storageFailed, "\(error)")
                }
            }
            guard let writer, currentError == nil else { return }
            do {
                try buffer.withUnsafeReadableBytes { try writer.append($0) }
            } catch {
                let zerror = error as? ZhikuError ?? ZhikuError(.storageFailed, "\(error)")
                currentError = zerror
                self.writer = nil
                // Too large or disk full: stop reading the rest of the body.
                if zerror.code == .tooLarge || zerror.code == .storageFailed { fatal = zerror }
            }
        }

        func complete() {
            partCount += 1
            if partCount > MultipartUpload.maxParts, fatal == nil {
                fatal = .invalidInput("the form has more than \(MultipartUpload.maxParts) parts")
            }
            defer {
                headerBytes = 0
                headers = [:]
                writer = nil
                currentName = nil
                currentError = nil
                fieldBytes = []
            }
            var name = currentName
            if name == nil, let disposition = headers["content-disposition"] {
                name = MultipartUpload.fileName(fromDisposition: disposition)  // a file part with no bytes
                if name == nil, let field = MultipartUpload.fieldName(fromDisposition: disposition) {
                    fields[field] = String(decoding: fieldBytes, as: UTF8.self)
                    return
                }
            }
            guard let name else { return }
            if let currentError {
                parts.append(Part(name: name, result: .failure(currentError)))
                return
            }
            guard let writer else {
                parts.append(Part(name: name, result: .failure(.invalidInput("'\(name)' is empty (0 bytes)"))))
                return
            }
            do {
                parts.append(Part(name: name, result: .success(try writer.finish())))
            } catch {
                parts.append(Part(name: name, result: .failure(error as? ZhikuError ?? .init(.storageFailed, "\(error)"))))
            }
        }

        func abort() {
            writer?.abort()
            writer = nil
        }
    }
}
