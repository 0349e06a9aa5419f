import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine

/// `zhiku kb create|list|delete|set-model|tag|add-source|sources|sync`.
struct KB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb", abstract: "Manage knowledge bases.", subcommands: [Create.self, List.self, Delete.self, SetModel.self, SetRerank.self, Tag.self, AddSource.self, Sources.self, Sync.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a knowledge base.")
        @OptionGroup var options: DataOptions
        @Argument(help: "Its name.") var name: String
        @Option(help: "A description.") var description: String = ""
        @Option(help: "Embedding model id, or 'none' for keyword search only (default: $ZHIKU_EMBEDDING_MODEL or multilingual-e5-small).")
        var embeddingModel: String?

        func run() async throws {
            let kb = try await options.runtime().createKnowledgeBase(name: name, description: description,
                                                                     embeddingModel: EmbeddingChoice(parsing: embeddingModel))
            emit("created knowledge base '\(kb.name)' (id \(kb.id), \(kb.embeddingModel.map { "embeddings: \($0)" } ?? "keyword search only"))")
        }
    }

    struct SetModel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-model",
            abstract: "Switch a knowledge base to another embedding model (re-embeds every chunk; searches keep working meanwhile).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The knowledge base (name or id).") var kb: String
        @Argument(help: "Embedding model id, or 'none' for keyword search only.") var model: String

        func run() async throws {
            let runtime = try await options.runtime()
            let base = try await runtime.store.resolveKnowledgeBase(kb)
            let target = model.lowercased() == "none" ? nil : model
            let updated = try await runtime.changeEmbeddingModel(of: base, to: target, wait: true)
            emit("'\(updated.name)' now searches with \(updated.embeddingModel ?? "keywords only")")
        }
    }

    struct SetRerank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-rerank",
            abstract: "Give a knowledge base its own second search pass: off, sentences (the built-in pass), server (ZHIKU_RERANK_URL), or default (the server's ZHIKU_RERANK).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The knowledge base (name or id).") var kb: String
        @Argument(help: "off, sentences, server or default.") var method: String

        func run() async throws {
            let runtime = try await options.runtime()
            let updated = try await runtime.setRerank(of: try await runtime.store.resolveKnowledgeBase(kb), to: method)
            emit("'\(updated.name)' reranks with \(updated.rerank ?? "the server's setting (\(runtime.configuration.retrieval.rerank.rawValue))")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List knowledge bases.")
        @OptionGroup var options: DataOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let runtime = try await options.runtime()
            let kbs = try await runtime.store.knowledgeBases()
            if json {
                struct Row: Encodable { var knowledgeBase: KnowledgeBase; var files: Int }
                var rows: [Row] = []
                for kb in kbs { rows.append(Row(knowledgeBase: kb, files: try await runtime.store.files(in: kb.id).count)) }
                try emitJSON(rows)
                return
            }
            if kbs.isEmpty { emit("no knowledge bases yet — create one with: zhiku kb create NAME") }
            for kb in kbs {
                let files = try await runtime.store.files(in: kb.id)
                let ready = files.filter { $0.status == .ready }.count
                emit("\(kb.id)\t\(kb.name)\t\(files.count) file(s), \(ready) ready")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a knowledge base and everything in it.")
        @OptionGroup var options: DataOptions
        @Argument(help: "Its name or id.") var name: String

        func run() async throws {
            let runtime = try await options.runtime()
            let kb = try await runtime.store.resolveKnowledgeBase(name)
            try await runtime.deleteKnowledgeBase(kb)
            emit("deleted knowledge base '\(kb.name)'")
        }
    }

    struct Tag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a file's tags (searches and questions can be limited to files with a tag: --tag).")
        @OptionGroup var options: DataOptions
        @Option(help: "The knowledge base (name or id).") var kb: String
        @Flag(help: "Add the tags to those the file has instead of replacing them.") var add = false
        @Argument(help: "The file (its name or id).") var file: String
        @Argument(help: "The tags (none: remove every tag).") var tags: [String] = []

        func run() async throws {
            let runtime = try await options.runtime()
            let base = try await runtime.store.resolveKnowledgeBase(kb)
            let files = try await runtime.store.files(in: base.id)
            let matches = files.filter { FileRecord.ID(file) == $0.id || $0.name == file }
            guard let target = matches.first else { throw ZhikuError.notFound("'\(base.name)' has no file '\(file)'") }
            guard matches.count == 1 else {
                throw ZhikuError(.conflict, "'\(base.name)' has \(matches.count) files called '\(file)'; name one by id: \(matches.map { String($0.id) }.joined(separator: ", "))")
            }
            let updated = try await runtime.store.setFileTags(id: target.id, try FileRecord.normalizedTags((add ? target.tags : []) + tags))
            emit("\(updated.name): " + (updated.tags.isEmpty ? "no tags" : updated.tags.joined(separator: ", ")))
        }
    }
}
