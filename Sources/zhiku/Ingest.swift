import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine

/// `zhiku ingest --kb NAME PATH...`: adds files and folders (recursively) and ingests them right here.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add files or folders (recursively) to a knowledge base and ingest them.")

    @OptionGroup var options: DataOptions
    @Option(help: "The knowledge base (name or id).") var kb: String
    @Flag(help: "Create the knowledge base if it does not exist.") var create = false
    @Option(help: "With --create: embedding model id, or 'none' for keyword search only.") var embeddingModel: String?
    @Option(name: .customLong("tag"), help: "A tag every file gets (repeatable), added to those it has.") var tags: [String] = []
    @Argument(help: "Files and folders.") var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one file or folder") }
    }

    func run() async throws {
        let runtime = try await options.runtime()
        let base: KnowledgeBase
        if create, try await runtime.store.knowledgeBase(named: kb) == nil {
            base = try await runtime.createKnowledgeBase(name: kb, embeddingModel: EmbeddingChoice(parsing: embeddingModel))
        } else {
            base = try await runtime.store.resolveKnowledgeBase(kb)
        }
        let tags = try FileRecord.normalizedTags(self.tags)
        let files = try Self.collect(paths)
        let progress = ProgressLine(total: files.count)

        var failures: [(String, String)] = []
        var duplicates: [String] = []
        var jobs: [Job.ID: String] = [:]
        for url in files {
            do {
                let blob = try runtime.blobs.importFile(at: url, limit: runtime.configuration.maxUploadBytes)
                let added = try await runtime.addFile(blob, name: url.lastPathComponent, to: base, tags: tags)
                if added.duplicate {
                    duplicates.append(url.path)
                    progress.advance(url.lastPathComponent)
                } else if let job = added.job {
                    jobs[job.id] = url.path
                }
            } catch {
                failures.append((url.path, (error as? ZhikuError)?.message ?? "\(error)"))
                progress.advance(url.lastPathComponent)
            }
        }

        var ingested = 0
        try await runtime.drainJobs(ids: jobs.keys.sorted()) { job in
            guard let path = jobs[job.id] else { return }
            if job.status == .succeeded {
                ingested += 1
            } else {
                failures.append((path, job.error ?? "failed"))
            }
            progress.advance((path as NSString).lastPathComponent)
        }
        progress.finish()

        emit("ingested \(ingested), skipped \(duplicates.count) as duplicate, failed \(failures.count) — into '\(base.name)'")
        for path in duplicates { emit("  duplicate: \(path)") }
        for (path, reason) in failures { emit("  failed: \(path): \(reason)") }
        if !failures.isEmpty { throw ExitCode.failure }
    }

    /// The files named, with folders walked recursively (hidden entries skipped), sorted per folder.
    static func collect(_ paths: [String]) throws -> [URL] {
        var result: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ZhikuError.notFound("no such file or folder: \(path)")
            }
            let url = URL(fileURLWithPath: path)
            guard isDirectory.boolValue else {
                result.append(url)
                continue
            }
            let walker = FileManager.default.enumerator(
                at: url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            var found: [URL] = []
            while let item = walker?.nextObject() as? URL {
                if (try? item.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { found.append(item) }
            }
            result.append(contentsOf: found.sorted { $0.path < $1.path })
        }
        return result
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressLine: @unchecked Sendable {
    private let total: Int
    private var done = 0
    private let enabled = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()

    init(total: Int) {
        self.total = total
        draw("")
    }

    func advance(_ label: String) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        draw(label)
    }

    func finish() {
        if enabled && total > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func draw(_ label: String) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\r\u{1B}[2K\(bar) \(done)/\(total) \(label.prefix(40))"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
