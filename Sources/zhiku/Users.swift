import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore

/// `zhiku user create|list|delete|password`: accounts, managed on the data folder directly (no server needed).
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Create.self, List.self, Delete.self, Password.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user (prints a generated password unless --password is given).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "admin or member.") var role: User.Role = .member
        @Option(help: "The password (at least 8 characters); default: a generated one, printed once.") var password: String?

        func run() async throws {
            let password = password ?? Secret.password()
            try Secret.checkPassword(password)
            let user = try await options.runtime().accounts.createUser(name: name, role: role, passwordHash: Secret.passwordHash(password))
            emit("created \(user.role.rawValue) '\(user.name)' (id \(user.id))" + (self.password == nil ? ", password: \(password)" : ""))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: DataOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let users = try await options.runtime().accounts.users()
            if json { return try emitJSON(users) }
            if users.isEmpty { emit("no users yet — `zhiku serve` creates the first admin, or: zhiku user create NAME --role admin") }
            for user in users { emit("\(user.name)\t\(user.role.rawValue)\tid \(user.id)") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user with their API keys, sessions, roles and conversations.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The user name.") var name: String

        func run() async throws {
            let accounts = try await options.runtime().accounts
            guard let user = try await accounts.user(named: name) else { throw ZhikuError.notFound("user '\(name)' does not exist") }
            _ = try await accounts.deleteUser(id: user.id)
            emit("deleted user '\(name)'")
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user a new password (signs out their browsers).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "The new password; default: a generated one, printed once.") var password: String?

        func run() async throws {
            let accounts = try await options.runtime().accounts
            guard let user = try await accounts.user(named: name) else { throw ZhikuError.notFound("user '\(name)' does not exist") }
            let password = password ?? Secret.password()
            try Secret.checkPassword(password)
            try await accounts.setPasswordHash(Secret.passwordHash(password), of: user.id)
            emit("new password for '\(name)'" + (self.password == nil ? ": \(password)" : " set"))
        }
    }
}
