import Foundation
import ZhikuCore

/// The engine policy: ask a primary ``OCREngine``; when it fails, takes longer than `timeout`, or reads with a
/// mean confidence below `minimumConfidence`, ask the fallback and keep the better reading (the fallback's, unless it
/// fails too or reads with even less confidence). The result's `engine` names the engine whose text is kept, so each
/// page records who read it.
public struct FallbackOCR: OCREngine {
    public let primary: any OCREngine
    public let fallback: any OCREngine
    public var timeout: Duration
    public var minimumConfidence: Double

    public init(primary: any OCREngine, fallback: any OCREngine, timeout: Duration = .seconds(120),
                minimumConfidence: Double = 60) {
        self.primary = primary
        self.fallback = fallback
        self.timeout = timeout
        self.minimumConfidence = minimumConfidence
    }

    public var name: String { "\(primary.name), else \(fallback.name)" }

    public func recognize(_ image: OCRImage, languages: String) async throws -> OCRText {
        let first: Result<OCRText, any Error>
        do {
            first = .success(try await Self.withTimeout(timeout) { try await primary.recognize(image, languages: languages) })
        } catch {
            first = .failure(error)
        }
        if case .success(let text) = first, text.confidence >= minimumConfidence { return text }
        do {
            let second = try await Self.withTimeout(timeout) { try await fallback.recognize(image, languages: languages) }
            if case .success(let text) = first, text.confidence >= second.confidence { return text }
            return second
        } catch {
            if case .success(let text) = first { return text }  // low confidence beats nothing
            throw error
        }
    }

    /// `operation`'s result, or `.timeout` once `limit` has passed (the operation is cancelled).
    static func withTimeout<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw ZhikuError(.timeout, "OCR took longer than \(limit)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
