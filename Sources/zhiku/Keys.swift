import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore

/// `zhiku key create|list|revoke`: API keys (`Authorization: Bearer zk_…`), managed on the data folder directly.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an API key for a user and print it (once: only its hash is kept).")
        @OptionGroup var options: DataOptions
        @Option(help: "The user the key acts as.") var user: String
        @Option(help: "A label to recognise it by.") var name: String = ""

        func run() async throws {
            let runtime = try await options.runtime()
            guard let owner = try await runtime.accounts.user(named: user) else { throw ZhikuError.notFound("user '\(user)' does not exist") }
            let (key, record) = try await runtime.createAPIKey(for: owner, name: name)
            emit(key)
            FileHandle.standardError.write(Data("API key \(record.id) for '\(owner.name)' — shown once, keep it safe\n".utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a user's API keys (their prefixes, never the keys).")
        @OptionGroup var options: DataOptions
        @Option(help: "The user.") var user: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let accounts = try await options.runtime().accounts
            guard let owner = try await accounts.user(named: user) else { throw ZhikuError.notFound("user '\(user)' does not exist") }
            let keys = try await accounts.apiKeys(of: owner.id)
            if json { return try emitJSON(keys) }
            for key in keys {
                emit("\(key.id)\t\(key.prefix)…\t\(key.name)\t\(key.revokedAt == nil ? "active" : "revoked")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key by its id (refused from the next request on).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The key's id (zhiku key list).") var id: Int64

        func run() async throws {
            guard try await options.runtime().accounts.revokeAPIKey(id: id) else {
                throw ZhikuError.notFound("API key \(id) does not exist or was already revoked")
            }
            emit("revoked API key \(id)")
        }
    }
}
