import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine

/// Prints an answer stream to the terminal: the text as it arrives, then the numbered sources.
struct AnswerPrinter {
    struct Outcome {
        var text = ""
        var citations: [Citation] = []
        var stats: AnswerStats?
        var conversation: Conversation?
    }

    /// Consumes `events`; with `quiet` nothing is printed (for `--json`).
    static func run(_ events: AsyncThrowingStream<AnswerEvent, any Error>, quiet: Bool = false) async throws -> Outcome {
        var outcome = Outcome()
        let out = FileHandle.standardOutput
        for try await event in events {
            switch event {
            case .citations(let list): outcome.citations = list
            case .token(let piece), .notFound(let piece):
                outcome.text += piece
                if !quiet { out.write(Data(piece.utf8)) }
            case .done(let stats, let recorded):
                outcome.stats = stats
                outcome.conversation = recorded.conversation
            case .progress, .queued, .conversation: break
            }
        }
        guard !quiet else { return outcome }
        out.write(Data("\n".utf8))
        if !outcome.citations.isEmpty {
            emit("")
            emit("Sources:")
            for c in outcome.citations {
                let snippet = c.snippet.replacingOccurrences(of: "\n", with: " ")
                emit("[\(c.n)] \(c.fileName) · \(Transcript.location(page: c.page, startSeconds: c.startSeconds, endSeconds: c.endSeconds, firstRow: c.firstRow, lastRow: c.lastRow)) · score \(String(format: "%.3f", c.vectorScore ?? c.score))")
                emit("    " + (snippet.count > 200 ? String(snippet.prefix(200)) + "…" : snippet))
            }
        }
        return outcome
    }
}
