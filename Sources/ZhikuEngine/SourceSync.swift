import Foundation
import Logging
import ZhikuCore
import ZhikuIngest

/// Brings a knowledge base in line with one of its synced sources (``KnowledgeSource``), by content hash:
///
/// - a file whose bytes are new to the knowledge base is imported and ingested (tagged with its folders' names);
/// - a file whose path changed but whose bytes did not (a rename or a move) keeps its record, chunks and vectors:
///   only its name and path change, nothing is embedded again;
/// - a file of the source whose bytes are found nowhere in the folder any more (deleted, or changed: its new bytes
///   are a new file) is removed with its chunks;
/// - bytes that were uploaded by hand too stay the uploaded file's.
///
/// Every step is idempotent (files are unique per knowledge base by SHA-256), so a sync interrupted by a crash is
/// simply run again, without duplicates. Sizes and modification times from the last scan spare re-hashing files
/// that did not change. One process syncs a source at a time (a lease in the database).
public struct SourceSync: Sendable {
    /// What one sync did.
    public struct Report: Sendable, Hashable, Codable {
        public var seen = 0
        public var added = 0
        public var moved = 0
        public var removed = 0
        public var unchanged = 0
        /// Files that could not be read or registered, with why.
        public var failed: [String: String] = [:]
        /// Ingest jobs queued for added files.
        public var jobs: [Job.ID] = []
        /// Another process holds the source's lease: nothing was done.
        public var busy = false
    }

    public let runtime: ZhikuRuntime

    public init(runtime: ZhikuRuntime) { self.runtime = runtime }

    /// The source's view as a ``DocumentSource``.
    public static func documentSource(_ source: KnowledgeSource) -> any DocumentSource {
        switch source.kind {
        case .folder: FolderDocumentSource(source)
        }
    }

    /// Syncs `source` now; a failure (the folder is gone) is recorded on the source and thrown. The source is
    /// leased like an ingest job (``Store/jobLease``, renewed every third of it), so a process that dies mid-sync
    /// holds it no longer than that.
    public func sync(_ source: KnowledgeSource) async throws -> Report {
        let store = runtime.store, lease = store.jobLease
        guard try await store.claimSource(id: source.id, for: lease) else { return Report(busy: true) }
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 3)
                if Task.isCancelled { return }
                _ = try? await store.claimSource(id: source.id, for: lease)
            }
        }
        do {
            let report = try await reconcile(source)
            renewal.cancel()
            try await store.releaseSource(id: source.id)
            return report
        } catch {
            renewal.cancel()  // before the release, so a late renewal cannot take the source back
            let message = (error as? ZhikuError)?.message ?? "\(error)"
            try? await store.recordSync(of: source.id, entries: nil, error: message)
            try? await store.releaseSource(id: source.id)
            runtime.logger.warning("syncing \(source.location) failed: \(message)")
            throw error
        }
    }

    private func reconcile(_ source: KnowledgeSource) async throws -> Report {
        let store = runtime.store
        guard let kb = try await store.knowledgeBase(id: source.knowledgeBaseID) else {
            throw ZhikuError.notFound("knowledge base \(source.knowledgeBaseID) does not exist")
        }
        let folder = Self.documentSource(source)
        var report = Report()

        // 1. What is there now, hashed where size or time changed since the last scan.
        var entries: [String: KnowledgeSource.EntryState] = [:]
        for entry in try await folder.scan() {
            report.seen += 1
            if let known = source.entries[entry.path], known.size == entry.size, known.modified == entry.modified {
                entries[entry.path] = known
                continue
            }
            do {
                let sha = try FolderDocumentSource.sha256(of: try await folder.localFile(entry.path))
                entries[entry.path] = .init(sha256: sha, size: entry.size, modified: entry.modified)
            } catch {
                report.failed[entry.path] = (error as? ZhikuError)?.message ?? "\(error)"
            }
        }
        // Each content once, at its first path in order (a copy of a file is the same file).
        var pathOf: [String: String] = [:]
        for path in entries.keys.sorted() where pathOf[entries[path]!.sha256] == nil { pathOf[entries[path]!.sha256] = path }

        // 2. Files of the knowledge base by content.
        let files = try await store.files(in: kb.id)
        let bySHA = Dictionary(files.map { ($0.sha256, $0) }, uniquingKeysWith: { a, _ in a })

        // 3. New contents are imported; known ones of this source follow their path (a rename: no new job).
        for (sha, path) in pathOf.sorted(by: { $0.value < $1.value }) {
            if let file = bySHA[sha] {
                guard file.sourceID == source.id else {
                    report.unchanged += 1  // uploaded by hand, or another source's: left as it is
                    continue
                }
                if file.path == path {
                    report.unchanged += 1
                } else {
                    _ = try await store.setFileOrigin(id: file.id, source: source.id, path: path)
                    _ = try await store.setFileTags(id: file.id, try Self.tags(file.tags, from: file.path, to: path))
                    report.moved += 1
                }
                continue
            }
            do {
                let url = try await folder.localFile(path)
                let blob = try runtime.blobs.importFile(at: url, limit: runtime.configuration.maxUploadBytes)
                let added = try await runtime.addFile(blob, name: String(path.split(separator: "/").last ?? Substring(path)), to: kb,
                                                      tags: try Self.tags([], from: nil, to: path), origin: (source.id, path))
                if let job = added.job, !added.duplicate { report.jobs.append(job.id) }
                FaultInjection.point("sync-after-import")  // tests: a crash between two imports
                report.added += 1
            } catch {
                report.failed[path] = (error as? ZhikuError)?.message ?? "\(error)"
            }
        }

        // 4. This source's files whose content is gone from the folder.
        for file in files where file.sourceID == source.id && pathOf[file.sha256] == nil {
            try await runtime.deleteFile(file)
            report.removed += 1
            FaultInjection.point("sync-after-remove")  // tests: a crash between two removals
        }
        try await store.recordSync(of: source.id, entries: entries,
                                   error: report.failed.isEmpty ? nil : "\(report.failed.count) file(s) could not be read: "
                                       + report.failed.keys.sorted().prefix(3).joined(separator: ", "))
        return report
    }

    // MARK: - Managing sources

    /// A source with how its files stand: for the API, the CLI and the web page.
    public struct Status: Sendable, Codable {
        public var id: KnowledgeSource.ID
        public var kind: KnowledgeSource.Kind
        public var location: String
        public var ignore: [String]
        public var createdAt: Date
        public var lastSyncAt: Date?
        public var lastError: String?
        /// Files the last scan found.
        public var filesSeen: Int
        /// The knowledge base's files from this source, and those of them still being ingested or failed.
        public var files: Int
        public var pending: Int
        public var failed: Int
    }

    public func status(of source: KnowledgeSource) async throws -> Status {
        let files = try await runtime.store.files(in: source.knowledgeBaseID).filter { $0.sourceID == source.id }
        return Status(id: source.id, kind: source.kind, location: source.location, ignore: source.ignore,
                      createdAt: source.createdAt, lastSyncAt: source.lastSyncAt, lastError: source.lastError,
                      filesSeen: source.filesSeen, files: files.count,
                      pending: files.filter { $0.status == .pending }.count, failed: files.filter { $0.status == .failed }.count)
    }

    /// Adds a folder to `kb`: an absolute path to an existing folder, below one of
    /// ``ZhikuConfiguration/sourceRoots`` when those are set. `.invalidInput` otherwise; `.conflict` when `kb`
    /// syncs it already.
    public func addFolder(_ path: String, ignore: [String] = [], to kb: KnowledgeBase) async throws -> KnowledgeSource {
        guard path.hasPrefix("/") else { throw ZhikuError.invalidInput("the folder must be an absolute path, got '\(path)'") }
        let folder = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL.resolvingSymlinksInPath().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ZhikuError.invalidInput("\(path) is not a folder on the server")
        }
        let roots = runtime.configuration.sourceRoots.map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }
        if !roots.isEmpty, !roots.contains(where: { folder == $0 || folder.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) {
            throw ZhikuError.invalidInput("\(folder) is outside the folders sources may come from (ZHIKU_SOURCE_ROOTS)")
        }
        let patterns = ignore.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try await runtime.store.addSource(kind: .folder, location: folder, ignore: patterns, to: kb.id)
    }

    /// Removes a source; its files go too unless `keepingFiles` (then they stay as if uploaded).
    public func remove(_ source: KnowledgeSource, keepingFiles: Bool = false) async throws {
        for file in try await runtime.store.files(in: source.knowledgeBaseID) where file.sourceID == source.id {
            if keepingFiles {
                _ = try await runtime.store.setFileOrigin(id: file.id, source: nil, path: file.path)
            } else {
                try await runtime.deleteFile(file)
            }
        }
        _ = try await runtime.store.deleteSource(id: source.id)
    }

    /// The folders of a path as tags (`contracts/2024/lease.pdf` → contracts, 2024): a move replaces the old path's
    /// folder tags with the new one's and keeps the rest (tags people added).
    static func tags(_ current: [String], from old: String?, to new: String) throws -> [String] {
        func folders(_ path: String?) -> [String] { path.map { $0.split(separator: "/").dropLast().map(String.init) } ?? [] }
        let stale = Set(folders(old).map { $0.lowercased() })
        return try FileRecord.normalizedTags(current.filter { !stale.contains($0.lowercased()) } + folders(new))
    }
}
