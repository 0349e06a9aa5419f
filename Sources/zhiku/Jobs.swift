import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore

/// `zhiku jobs --kb NAME`: ingest jobs with their status and progress.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a knowledge base's ingest jobs.")

    @OptionGroup var options: DataOptions
    @Option(help: "The knowledge base (name or id).") var kb: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let runtime = try await options.runtime()
        let base = try await runtime.store.resolveKnowledgeBase(kb)
        let jobs = try await runtime.store.jobs(in: base.id)
        if json {
            try emitJSON(jobs)
            return
        }
        if jobs.isEmpty { emit("no jobs in '\(base.name)'") }
        for job in jobs {
            let name = try await runtime.store.file(id: job.fileID)?.name ?? "file \(job.fileID)"
            var line = "\(job.id)\t\(job.status.rawValue)\t\(name)\tpages \(job.pagesDone)/\(job.pagesTotal)"
            line += "\tchunks \(job.chunks)\tattempts \(job.attempts)"
            if let error = job.error { line += "\t\(error)" }
            emit(line)
        }
    }
}
