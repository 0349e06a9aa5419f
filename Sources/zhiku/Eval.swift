import ArgumentParser

/// `zhiku eval FOLDER` scores search on a BEIR collection (``EvalScore``, the default); `zhiku eval export-feedback`
/// writes such a collection from the answers people rated 👍 (``ExportFeedback``).
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score search on a BEIR-format collection (zhiku eval FOLDER), or export rated answers as one (zhiku eval export-feedback).",
        subcommands: [EvalScore.self, ExportFeedback.self], defaultSubcommand: EvalScore.self)
}
