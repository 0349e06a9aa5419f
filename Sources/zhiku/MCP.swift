import ArgumentParser
import Foundation
import Logging
import ZhikuCommandLine
import ZhikuCore
import ZhikuMCP

/// `zhiku mcp`: the data folder's knowledge bases as an MCP server on standard input and output.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the knowledge bases to an MCP client (Claude Desktop, an agent) over stdio: tools list_knowledge_bases, search, ask, read_page; files' pages as resources.")

    @OptionGroup var options: DataOptions

    func run() async throws {
        // Standard output carries the protocol: every log line goes to standard error.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let runtime = try await options.runtime()
        try await ZhikuMCPServer(runtime: runtime, user: .local).runOverStdio()
    }
}
