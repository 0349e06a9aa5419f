import ArgumentParser
import Foundation
import Logging
import ZhikuCore
import ZhikuEngine

/// The `zhiku` command: a knowledge-base server and the tools around it.
@main
struct Zhiku: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zhiku",
        abstract: "Zhiku 知库 — a private, self-hosted knowledge-base server.",
        version: ZhikuVersion.current,
        subcommands: [Serve.self, KB.self, Ingest.self, Jobs.self, Search.self, Ask.self, Chat.self, Eval.self, EvalQA.self, MCPCommand.self, Split.self, OCR.self,
                      Embed.self, Generate.self, Transcribe.self, Say.self, Users.self, Keys.self, Backup.self, Restore.self,
                      Migrate.self])
}
