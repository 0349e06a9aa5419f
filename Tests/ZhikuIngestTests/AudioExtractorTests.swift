import Foundation
import Testing
import ZhikuCore
@testable import ZhikuIngest

@Suite struct AudioExtractorTests {
    /// A recognizer that hears fixed segments (the real engine is tested in ZhikuModelsTests and the server tests).
    struct FixedRecognizer: SpeechRecognizer {
        var modelID = "fixed"
        var segments: [Transcript.Segment]
        var failure: ZhikuError?
        func transcribe(_ audio: SourceFile, language: String?) async throws -> Transcript {
            if let failure { throw failure }
            return Transcript(language: "en", languageProbability: 1, text: segments.map(\.text).joined(separator: " "),
                              segments: segments, tokenIDs: [], duration: segments.last?.end ?? 0)
        }
    }

    static let file = SourceFile(name: "call.m4a", url: URL(fileURLWithPath: "/dev/null"), sha256: "", mediaType: .m4a, size: 0)

    @Test func segmentsBecomeTimedPages() async throws {
        let segments = (0..<10).map { i in Transcript.Segment(start: Double(i) * 8, end: Double(i) * 8 + 7.5, text: " Sentence \(i).") }
        let extractor = AudioExtractor(recognizer: FixedRecognizer(segments: segments), pageSeconds: 30, pageCharacters: 400)
        let document = try await extractor.extract(Self.file)
        // A page closes before a segment that would end more than 30 s after the page's start: three segments
        // (23.5 s) per page, and the tenth alone.
        #expect(document.pages.map(\.number) == [1, 2, 3, 4])
        #expect(document.pages[0].text == "Sentence 0. Sentence 1. Sentence 2.")
        #expect(document.pages[0].startSeconds == 0 && document.pages[0].endSeconds == 23.5)
        #expect(document.pages[1].startSeconds == 24 && document.pages[1].endSeconds == 47.5)
        #expect(document.pages.allSatisfy { ($0.endSeconds ?? 0) - ($0.startSeconds ?? 0) <= 30 })
        #expect(document.pages.last?.endSeconds == 79.5)
    }

    @Test func chineseSegmentsJoinWithoutSpaces() {
        let pages = AudioExtractor.pages(of: [.init(start: 0, end: 2, text: "年假需要提前申请。"), .init(start: 2, end: 4, text: "请找人事部。"),
                                              .init(start: 4, end: 6, text: "OK")], maxSeconds: 30, maxCharacters: 400)
        #expect(pages.map(\.text) == ["年假需要提前申请。请找人事部。OK"])
    }

    @Test func longTextClosesAPageBeforeThirtySeconds() {
        let long = String(repeating: "word ", count: 50)  // 250 characters
        let pages = AudioExtractor.pages(of: [.init(start: 0, end: 3, text: long), .init(start: 3, end: 6, text: long)],
                                         maxSeconds: 30, maxCharacters: 400)
        #expect(pages.count == 2 && pages[1].startSeconds == 3)
    }

    @Test func recognizerErrorsNameTheFile() async {
        let extractor = AudioExtractor(recognizer: FixedRecognizer(segments: [], failure: .invalidInput("cannot decode audio call.m4a: no audio stream")))
        await #expect { _ = try await extractor.extract(Self.file) } throws: { error in
            let e = error as? ZhikuError
            return e?.code == .extractionFailed && e?.message.contains("call.m4a") == true
        }
    }
}
