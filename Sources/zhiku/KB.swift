import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine

/// `zhiku kb create|list|delete`.
struct KB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb", abstract: "Manage knowledge bases.", subcommands: [Create.self, List.self, Delete.self, SetModel.self])

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
}


