import Foundation
import ZhikuCore

/// A retrieval test collection in the BEIR layout: `corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl`
/// (`_id`, `text`) and `qrels/test.tsv` (query id, document id, score; an optional header line). Judgments with a
/// score above 0 count as relevant.
public struct BEIRDataset: Sendable {
    public struct Document: Sendable, Decodable {
        public var id: String
        public var title: String
        public var text: String

        enum CodingKeys: String, CodingKey { case id = "_id", title, text }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try Self.identifier(c, .id)
            title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
            text = try c.decodeIfPresent(String.self, forKey: .text) ?? ""
        }

        /// BEIR ids are strings, but some sets write numbers.
        static func identifier(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> String {
            if let s = try? c.decode(String.self, forKey: key) { return s }
            return String(try c.decode(Int64.self, forKey: key))
        }

        /// The text a document is indexed as: its title on the first line (when it has one), then the body.
        public var indexedText: String { title.isEmpty ? text : title + "\n" + text }
    }

    public struct Query: Sendable, Decodable {
        public var id: String
        public var text: String

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Document.CodingKeys.self)
            id = try Document.identifier(c, .id)
            text = try c.decode(String.self, forKey: .text)
        }
    }

    public var name: String
    public var corpus: [Document]
    /// The queries that have at least one relevant document, in file order.
    public var queries: [Query]
    /// Relevant document ids per query id.
    public var relevant: [String: Set<String>]

    /// Reads the folder; errors name the file and line.
    public init(folder: URL) throws {
        name = folder.standardizedFileURL.lastPathComponent
        corpus = try Self.jsonLines(folder.appendingPathComponent("corpus.jsonl"), as: Document.self)
        let qrels = folder.appendingPathComponent("qrels/test.tsv")
        guard let tsv = try? String(contentsOf: qrels, encoding: .utf8) else {
            throw ZhikuError.notFound("cannot read \(qrels.path)")
        }
        var relevant: [String: Set<String>] = [:]
        for (n, line) in tsv.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 3, let score = Double(fields[2]) else {
                if n == 0 { continue }  // the header
                throw ZhikuError.invalidInput("\(qrels.path) line \(n + 1): expected query-id, corpus-id, score")
            }
            if score > 0 { relevant[fields[0], default: []].insert(fields[1]) }
        }
        self.relevant = relevant
        queries = try Self.jsonLines(folder.appendingPathComponent("queries.jsonl"), as: Query.self)
            .filter { relevant[$0.id] != nil }
        guard !corpus.isEmpty, !queries.isEmpty else {
            throw ZhikuError.invalidInput("\(folder.path) has no documents or no judged queries")
        }
    }

    private static func jsonLines<T: Decodable>(_ url: URL, as: T.Type) throws -> [T] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ZhikuError.notFound("cannot read \(url.path)")
        }
        let decoder = JSONDecoder()
        var result: [T] = []
        for (n, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            do {
                result.append(try decoder.decode(T.self, from: Data(line)))
            } catch {
                throw ZhikuError.invalidInput("\(url.path) line \(n + 1): \(error)")
            }
        }
        return result
    }
}
