import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuModels

/// `zhiku embed --model NAME`: JSON lines `{"text", "is_query"}` in, JSON lines `{"embedding": [...]}` out.
struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed texts with a built-in model: JSON lines {\"text\", \"is_query\"} on stdin, {\"embedding\"} out.")

    @Option(help: "The embedding model (built in: multilingual-e5-small, all-minilm-l6-v2, embeddinggemma-300m[-512|-256|-128]).")
    var model = E5Embedder.id

    struct Input: Decodable {
        var text: String
        var is_query: Bool?
    }

    struct Output: Encodable {
        var embedding: [Float]
    }

    func run() async throws {
        let embedder = try ModelLocation.embedder(model)
        let input = FileHandle.standardInput.readDataToEndOfFile()
        var queries: [(Int, String)] = [], passages: [(Int, String)] = []
        for (number, line) in input.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let item = try? JSONDecoder().decode(Input.self, from: Data(line)) else {
                throw ZhikuError.invalidInput("line \(number + 1) is not a JSON object with a \"text\" string")
            }
            if item.is_query == true { queries.append((number, item.text)) } else { passages.append((number, item.text)) }
        }
        var vectors = [[Float]](repeating: [], count: queries.count + passages.count)
        for (group, purpose) in [(queries, EmbeddingPurpose.query), (passages, .passage)] where !group.isEmpty {
            let embedded = try await embedder.embed(group.map(\.1), as: purpose)
            for ((index, _), vector) in zip(group, embedded) { vectors[index] = vector }
        }
        let encoder = JSONEncoder()
        for vector in vectors {
            emit(String(decoding: try encoder.encode(Output(embedding: vector)), as: UTF8.self))
        }
    }
}
