import Foundation
import ZhikuCore

/// Audio recordings (WAV, MP3, OGG/Opus, FLAC, M4A/AAC, WebM) become text through a ``SpeechRecognizer``. Each
/// "page" of the extracted document is a stretch of the recording (consecutive segments, up to about 30 s or
/// 400 characters) with its time range, so chunks and citations can say "recording.m4a 02:15–02:40".
public struct AudioExtractor: DocumentExtractor {
    public let recognizer: any SpeechRecognizer
    /// A page closes once it spans this many seconds or holds this many characters.
    public let pageSeconds: Double
    public let pageCharacters: Int

    public init(recognizer: any SpeechRecognizer, pageSeconds: Double = 30, pageCharacters: Int = 400) {
        self.recognizer = recognizer
        self.pageSeconds = pageSeconds
        self.pageCharacters = pageCharacters
    }

    public var mediaTypes: Set<MediaType> { [.wav, .mp3, .ogg, .flac, .m4a, .webm] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        progress(ExtractionProgress(pagesDone: 0, pagesTotal: 1))
        let transcript: Transcript
        do {
            transcript = try await recognizer.transcribe(file, language: nil)
        } catch let error as ZhikuError {
            throw ZhikuError(.extractionFailed, "'\(file.name)': \(error.message)")
        }
        let pages = Self.pages(of: transcript.segments, maxSeconds: pageSeconds, maxCharacters: pageCharacters)
        progress(ExtractionProgress(pagesDone: 1, pagesTotal: 1))
        return ExtractedDocument(pages: pages.isEmpty ? [ExtractedPage(number: 1, text: "")] : pages)
    }

    /// Consecutive segments grouped into timed pages.
    static func pages(of segments: [Transcript.Segment], maxSeconds: Double, maxCharacters: Int) -> [ExtractedPage] {
        var pages: [ExtractedPage] = []
        var text = "", start = 0.0, end = 0.0
        func close() {
            guard !text.isEmpty else { return }
            var page = ExtractedPage(number: pages.count + 1, text: text)
            page.startSeconds = start
            page.endSeconds = end
            pages.append(page)
            text = ""
        }
        for segment in segments {
            let piece = segment.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !piece.isEmpty else { continue }
            if !text.isEmpty, segment.end - start > maxSeconds || text.count + piece.count > maxCharacters { close() }
            if text.isEmpty {
                start = segment.start
                text = piece
            } else {
                // No space between Chinese or Japanese sentences; one between words of spaced scripts.
                let joinsWithoutSpace = (text.unicodeScalars.last?.isCJK ?? false) || (piece.unicodeScalars.first?.isCJK ?? false)
                    || "。！？，、；：".unicodeScalars.contains(text.unicodeScalars.last!)
                text += (joinsWithoutSpace ? "" : " ") + piece
            }
            end = segment.end
        }
        close()
        return pages
    }
}
