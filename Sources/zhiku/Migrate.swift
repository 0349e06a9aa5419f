import ArgumentParser
import Foundation
import Logging
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine
import ZhikuStorage

/// `zhiku migrate --to TARGET`: copies everything the configured database holds (the data folder's SQLite, or
/// `ZHIKU_DATABASE_URL`'s PostgreSQL) into `TARGET` — a `postgres://` URL, or a data folder whose SQLite database
/// receives it (the uploaded bytes and settings are copied into that folder too). Resumable; verified by counts and
/// checksums of every table and vector space. Stop the servers first.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to PostgreSQL (--to postgres://…) or back to a data folder (--to FOLDER); resumable, verified.")
    @OptionGroup var options: DataOptions
    @Option(help: "postgres://user:password@host:port/database, or a data folder for an SQLite copy.") var to: String

    func run() async throws {
        let from = options.configuration()
        var target = from
        let toPostgres = to.hasPrefix("postgres://") || to.hasPrefix("postgresql://")
        if toPostgres {
            target.databaseURL = to
        } else {
            target.databaseURL = nil
            target.dataFolder = URL(fileURLWithPath: to, isDirectory: true)
        }
        if target.databaseURL == from.databaseURL && target.dataFolder.standardizedFileURL == from.dataFolder.standardizedFileURL {
            throw ZhikuError.invalidInput("--to names the database being copied (\(describe(from))); give another one")
        }
        var logger = Logger(label: "zhiku")
        logger.logLevel = .warning
        let source = try await ZhikuRuntime(configuration: from, logger: logger)
        let destination = try await ZhikuRuntime(configuration: target, logger: logger)
        emit("copying \(describe(from)) to \(describe(target))")
        var migration = DatabaseMigration(from: Self.side(source), to: Self.side(destination))
        let started = Date()
        nonisolated(unsafe) var lastLine = Date.distantPast
        migration.progress = { line in
            guard Date().timeIntervalSince(lastLine) > 2 else { return }
            lastLine = Date()
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let report = try await migration.run()
        if !toPostgres, target.dataFolder.standardizedFileURL != from.dataFolder.standardizedFileURL {
            let blobs = try DataFolderCopy.copyBlobs(from: from.dataFolder, to: target.dataFolder)
            DataFolderCopy.copySettings(from: from.dataFolder, to: target.dataFolder)
            emit("uploaded files: \(blobs) blobs in \(target.dataFolder.path)")
        }
        emit(pad("table", 22) + pad("rows", 10) + pad("copied now", 12) + "checksum")
        for check in report.tables {
            emit(pad(check.name, 22) + pad("\(check.destinationCount)", 10) + pad("\(report.copied[check.name] ?? 0)", 12)
                 + (check.matches ? "same (\(check.sourceChecksum.prefix(12)))" : "DIFFERENT: \(check.sourceCount) rows here, \(check.destinationCount) there"))
        }
        for check in report.vectorSpaces {
            emit(pad("vectors " + check.name, 34) + pad("\(check.destinationCount)", 10)
                 + (check.matches ? "same (\(check.sourceChecksum.prefix(12)))" : "DIFFERENT: \(check.sourceCount) here, \(check.destinationCount) there"))
        }
        emit("keyword searches compared: \(report.keywordSearches), different: \(report.keywordDifferences.count)")
        for difference in report.keywordDifferences { emit("  different results for \(difference)") }
        guard report.verified else {
            throw ZhikuError(.storageFailed, "the copy differs from the original (see above); run zhiku migrate again with the servers stopped")
        }
        emit(String(format: "verified: %@ holds the same data (%.1f s)", describe(target), Date().timeIntervalSince(started)))
    }

    private func describe(_ configuration: ZhikuConfiguration) -> String {
        configuration.databaseURL.map(PostgreSQLDatabase.redacted) ?? configuration.dataFolder.appendingPathComponent("zhiku.sqlite").path
    }

    private func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(1, n - s.count)) }

    static func side(_ runtime: ZhikuRuntime) -> DatabaseMigration.Side {
        let rows: any RowTransfer = switch runtime.database {
        case .sqlite(let database): SQLiteRowTransfer(database: database)
        case .postgres(let database): PostgresRowTransfer(database: database)
        }
        return DatabaseMigration.Side(rows: rows, store: runtime.store, keywordIndex: runtime.keywordIndex, vectorIndex: runtime.vectorIndex)
    }
}
