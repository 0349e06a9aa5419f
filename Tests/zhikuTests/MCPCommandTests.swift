import Foundation
import Testing
import ZhikuTestSupport

/// `zhiku mcp` as an MCP client starts it: JSON-RPC lines on standard input, answers on standard output, nothing
/// else there (logs go to standard error).
@Suite(.waitsOnProcesses) struct MCPCommandTests {
    /// Sends each message and, for a request, waits for the line that answers it.
    final class Session: @unchecked Sendable {
        let process: Process
        let input = Pipe(), output = Pipe()
        private var buffer = Data()

        init(data: URL) throws {
            process = CLI.process(["mcp"], data: data)
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func send(_ message: String) throws { input.fileHandleForWriting.write(Data((message + "\n").utf8)) }

        /// The next line of standard output, as JSON.
        func receive() throws -> [String: Any] {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = buffer[..<newline]
                    buffer.removeSubrange(...newline)
                    return try JSONSerialization.jsonObject(with: line) as? [String: Any] ?? [:]
                }
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw CocoaError(.fileReadUnknown) }
                buffer.append(chunk)
            }
        }

        func close() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    @Test func answersToolCallsOverStdio() throws {
        let folder = TemporaryFolder()
        folder.write("docs/canteen.txt", "The canteen opens at noon and closes at two.")
        let ingested = try CLI.run(["ingest", "--kb", "hr", "--create", folder.url.appendingPathComponent("docs").path], data: folder.url)
        #expect(ingested.status == 0, "\(ingested.stderr)")

        let session = try Session(data: folder.url)
        defer { session.close() }
        try session.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#)
        let initialized = try session.receive()
        #expect(((initialized["result"] as? [String: Any])?["serverInfo"] as? [String: Any])?["name"] as? String == "zhiku")
        try session.send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        try session.send(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"kb":"hr","query":"When does the canteen open?","k":1}}}"#)
        let found = try session.receive()
        #expect(found["id"] as? Int == 2)
        let content = ((found["result"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["text"] as? String ?? ""
        #expect(content.hasPrefix("[1] canteen.txt · page 1"), "\(found)")
        try session.send(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"kb":"nope","query":"x"}}}"#)
        let refused = try session.receive()
        #expect((refused["result"] as? [String: Any])?["isError"] as? Bool == true)
    }
}
