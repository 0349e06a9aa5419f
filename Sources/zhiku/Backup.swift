import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine
import ZhikuStorage

/// `zhiku backup PATH`: a consistent copy of the data folder taken while the server runs — the database through
/// SQLite's online backup, then the uploaded files (content-addressed and never changed in place, so every file the
/// copied database names is already there), then `models.json` and `settings.json`.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Back up the data folder (safe while the server runs).")
    @OptionGroup var options: DataOptions
    @Argument(help: "A new (or empty) folder for the backup.") var path: String

    func run() async throws {
        try DataFolderCopy.refusePostgres(options.configuration())
        let source = options.configuration().dataFolder
        let target = URL(fileURLWithPath: path, isDirectory: true)
        try DataFolderCopy.prepareEmpty(target)
        let database = try SQLiteDatabase(path: source.appendingPathComponent("zhiku.sqlite").path)
        try database.backup(to: target.appendingPathComponent("zhiku.sqlite").path)
        let blobs = try DataFolderCopy.copyBlobs(from: source, to: target)
        DataFolderCopy.copySettings(from: source, to: target)
        let counts = try await DataFolderCopy.verify(target)
        emit("backed up \(counts.files) files in \(counts.knowledgeBases) knowledge bases (\(blobs) stored blobs) to \(target.path)")
    }
}

/// `zhiku restore PATH`: puts a backup in place as the data folder (the server must be stopped) and checks that
/// every file the database names is there.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restore a backup into the data folder (stop the server first).")
    @OptionGroup var options: DataOptions
    @Argument(help: "The backup folder (from zhiku backup).") var path: String
    @Flag(help: "Replace a data folder that already holds a database.") var force = false

    func run() async throws {
        try DataFolderCopy.refusePostgres(options.configuration())
        let source = URL(fileURLWithPath: path, isDirectory: true)
        let target = options.configuration().dataFolder
        let backupDatabase = source.appendingPathComponent("zhiku.sqlite")
        guard FileManager.default.fileExists(atPath: backupDatabase.path) else {
            throw ZhikuError.invalidInput("\(source.path) is not a Zhiku backup (no zhiku.sqlite in it)")
        }
        _ = try await DataFolderCopy.verify(source)
        let database = target.appendingPathComponent("zhiku.sqlite")
        if FileManager.default.fileExists(atPath: database.path) {
            guard force else {
                throw ZhikuError(.conflict, "\(target.path) already holds a database; stop the server and add --force to replace it")
            }
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
        }
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: backupDatabase, to: database)
        let blobs = try DataFolderCopy.copyBlobs(from: source, to: target)
        DataFolderCopy.copySettings(from: source, to: target)
        let counts = try await DataFolderCopy.verify(target)
        emit("restored \(counts.files) files in \(counts.knowledgeBases) knowledge bases (\(blobs) stored blobs) into \(target.path)")
    }
}

/// Copying a data folder's parts, shared by backup and restore.
enum DataFolderCopy {
    static func prepareEmpty(_ folder: URL) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: folder.path), !(try manager.contentsOfDirectory(atPath: folder.path)).isEmpty {
            throw ZhikuError(.conflict, "\(folder.path) is not empty; back up into a new folder")
        }
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Copies every blob missing from `target` (hard links where the file system allows: blobs never change).
    static func copyBlobs(from source: URL, to target: URL) throws -> Int {
        let manager = FileManager.default
        let from = source.appendingPathComponent("blobs"), to = target.appendingPathComponent("blobs")
        var count = 0
        guard let shards = try? manager.contentsOfDirectory(atPath: from.path) else { return 0 }
        for shard in shards {
            let folder = to.appendingPathComponent(shard)
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            for name in try manager.contentsOfDirectory(atPath: from.appendingPathComponent(shard).path) {
                let original = from.appendingPathComponent(shard).appendingPathComponent(name)
                let copy = folder.appendingPathComponent(name)
                count += 1
                if manager.fileExists(atPath: copy.path) { continue }
                do { try manager.linkItem(at: original, to: copy) } catch { try manager.copyItem(at: original, to: copy) }
            }
        }
        return count
    }

    /// Backups copy the SQLite database; a PostgreSQL deployment is backed up with PostgreSQL's own tools.
    static func refusePostgres(_ configuration: ZhikuConfiguration) throws {
        guard let url = configuration.databaseURL else { return }
        throw ZhikuError.invalidInput("ZHIKU_DATABASE_URL is set (\(PostgreSQLDatabase.redacted(url))): back up PostgreSQL with pg_dump and the data folder's blobs/ with any file copy; zhiku backup and restore handle the SQLite data folder only")
    }

    static func copySettings(from source: URL, to target: URL) {
        for name in ["models.json", "settings.json"] {
            let original = source.appendingPathComponent(name), copy = target.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: original.path) else { continue }
            try? FileManager.default.removeItem(at: copy)
            try? FileManager.default.copyItem(at: original, to: copy)
        }
    }

    /// Opens the folder's database and checks that the bytes of every file it lists are present and intact.
    static func verify(_ folder: URL) async throws -> (knowledgeBases: Int, files: Int) {
        let store = SQLiteStore(database: try SQLiteDatabase(path: folder.appendingPathComponent("zhiku.sqlite").path))
        let kbs = try await store.knowledgeBases()
        var files = 0
        for kb in kbs {
            for file in try await store.files(in: kb.id) {
                files += 1
                let blob = folder.appendingPathComponent("blobs").appendingPathComponent(String(file.sha256.prefix(2)))
                    .appendingPathComponent(file.sha256)
                guard hash(of: blob) == file.sha256 else {
                    throw ZhikuError(.storageFailed, "'\(file.name)' in '\(kb.name)': its stored bytes are missing or damaged in \(folder.path)")
                }
            }
        }
        return (kbs.count, files)
    }

    /// The SHA-256 of a file read in 1 MiB pieces (nil when it cannot be read).
    static func hash(of url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        let hasher = SHA256Hasher()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(Array(chunk)) }
        return hasher.finalize()
    }
}
