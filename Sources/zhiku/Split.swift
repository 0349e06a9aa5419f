import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuIngest

/// `zhiku split`: the recursive character splitter on standard input, chunks out as a JSON array.
struct Split: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split text from standard input into chunks (same output as LangChain's RecursiveCharacterTextSplitter).")

    @Option(help: "Maximum chunk length in Unicode code points.") var chunkSize = 500
    @Option(help: "Code points carried over between chunks.") var chunkOverlap = 50
    @Option(help: #"Separators as a JSON array of strings, tried in order (default ["\n\n","\n"," ",""])."#)
    var separators: String?
    @Flag(help: "Keep each separator at the end of the preceding chunk instead of the start of the next.")
    var keepSeparatorEnd = false

    func run() async throws {
        var list = RecursiveCharacterTextSplitter.defaultSeparators
        if let separators {
            guard let parsed = try? JSONDecoder().decode([String].self, from: Data(separators.utf8)) else {
                throw ZhikuError.invalidInput("--separators must be a JSON array of strings, got: \(separators)")
            }
            list = parsed
        }
        let splitter = try RecursiveCharacterTextSplitter(
            chunkSize: chunkSize, chunkOverlap: chunkOverlap, separators: list,
            placement: keepSeparatorEnd ? .end : .start)
        let input = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: input, encoding: .utf8) else {
            throw ZhikuError.invalidInput("standard input is not valid UTF-8")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        emit(String(decoding: try encoder.encode(splitter.splitText(text)), as: UTF8.self))
    }
}
