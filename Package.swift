// swift-tools-version:6.1
import Foundation
import PackageDescription

/// On an x86-64 machine whose CPU has AVX2, FMA and F16C (every x86 server CPU since about 2015), Zhiku's own
/// code is compiled for them: the model kernels' integer dot products run twice as fast. Set ZHIKU_PORTABLE=1 to
/// build for the x86-64 baseline instead (a binary to copy to older machines).
let cpuFlags: [String] = {
    #if arch(x86_64)
    guard ProcessInfo.processInfo.environment["ZHIKU_PORTABLE"] == nil,
          let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }).map({ Set($0.split(separator: " ")) }),
          flags.isSuperset(of: ["avx2", "fma", "f16c"])
    else { return [] }
    return ["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"]
    #else
    return []
    #endif
}()

/// Zhiku's own hot paths (splitting, tokenizing, indexing, model kernels) are compiled optimised even in debug
/// builds, so the one debug build CI and the run script make is fast enough to use; dependencies keep their defaults.
/// The C kernels of the chat model (integer dot products) get the same CPU features, optimised in every build.
let kernelFlags: [CSetting] = [.unsafeFlags(["-O3"] + stride(from: 1, to: cpuFlags.count, by: 2).map { cpuFlags[$0] })]

let optimized: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
    + (cpuFlags.isEmpty ? [] : [.unsafeFlags(cpuFlags)])

let package = Package(
    name: "zhiku",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "zhiku", targets: ["zhiku"]),
        .executable(name: "zhiku-server", targets: ["ZhikuServerMain"]),
        .executable(name: "zhiku-bench", targets: ["ZhikuBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // C libraries from Debian.
        .systemLibrary(name: "CPoppler", pkgConfig: "poppler-glib",
                       providers: [.apt(["libpoppler-glib-dev"])]),
        .systemLibrary(name: "CZhikuCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CTesseract", pkgConfig: "tesseract",
                       providers: [.apt(["libtesseract-dev"])]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswresample-dev", "libavutil-dev"])]),
        .systemLibrary(name: "CEspeak", providers: [.apt(["libespeak-ng-dev"])]),
        .systemLibrary(name: "CZhikuZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "ZhikuCore", dependencies: ["CZhikuCrypto"], swiftSettings: optimized),
        .target(name: "ZhikuIngest", dependencies: [
            "ZhikuCore", "CPoppler", "CTesseract",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], swiftSettings: optimized),
        .target(name: "ZhikuRetrieval", dependencies: ["ZhikuCore", "COpenBLAS", "CZhikuKernels"], swiftSettings: optimized),
        .target(name: "CZhikuKernels", cSettings: kernelFlags),
        .target(name: "ZhikuModels", dependencies: ["ZhikuCore", "COpenBLAS", "CFFmpeg", "CEspeak", "CZhikuZlib", "CZhikuKernels"],
                swiftSettings: optimized),
        .target(name: "ZhikuStorage", dependencies: [
            "ZhikuCore", "ZhikuRetrieval",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: optimized),
        .target(name: "ZhikuProviders", dependencies: [
            "ZhikuCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The query side and the composition root the server and the CLI share (no HTTP server in it).
        .target(name: "ZhikuEngine", dependencies: [
            "ZhikuCore", "ZhikuIngest", "ZhikuRetrieval", "ZhikuStorage", "ZhikuModels", "ZhikuProviders",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "ZhikuServer", dependencies: [
            "ZhikuCore", "ZhikuEngine", "ZhikuIngest", "ZhikuRetrieval", "ZhikuStorage", "ZhikuModels", "ZhikuMCP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Web")]),
        // Zhiku as a Model Context Protocol server (tools and resources), for `zhiku mcp` (stdio) and `/mcp` (HTTP).
        .target(name: "ZhikuMCP", dependencies: [
            "ZhikuCore", "ZhikuEngine", .product(name: "MCP", package: "swift-sdk"),
        ]),
        // What the command-line executables share: the data-folder and server options, output helpers.
        .target(name: "ZhikuCommandLine", dependencies: [
            "ZhikuCore", "ZhikuEngine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `zhiku`: every command; `zhiku serve` runs `zhiku-server`, so this links no HTTP server.
        .executableTarget(name: "zhiku", dependencies: [
            "ZhikuCore", "ZhikuCommandLine", "ZhikuEngine", "ZhikuIngest", "ZhikuRetrieval", "ZhikuStorage", "ZhikuModels", "ZhikuMCP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `zhiku-server`: the HTTP server, web page and ingest worker.
        .executableTarget(name: "ZhikuServerMain", dependencies: [
            "ZhikuCore", "ZhikuCommandLine", "ZhikuEngine", "ZhikuServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/zhiku-server"),
        .executableTarget(name: "ZhikuBench", dependencies: [
            "ZhikuCore", "ZhikuEngine", "ZhikuIngest", "ZhikuRetrieval", "ZhikuStorage", "ZhikuModels",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], path: "Benchmarks/ZhikuBench"),

        // Helpers shared by the test targets (generated documents, temp folders, ../shared/eval lookup).
        .target(name: "ZhikuTestSupport", dependencies: ["ZhikuCore"], path: "Tests/ZhikuTestSupport"),
        .testTarget(name: "ZhikuCoreTests", dependencies: ["ZhikuCore"]),
        .testTarget(name: "ZhikuIngestTests", dependencies: ["ZhikuCore", "ZhikuIngest", "CPoppler", "ZhikuTestSupport"]),
        .testTarget(name: "ZhikuRetrievalTests", dependencies: ["ZhikuCore", "ZhikuRetrieval", "ZhikuTestSupport"]),
        .testTarget(name: "ZhikuModelsTests", dependencies: ["ZhikuCore", "ZhikuModels", "ZhikuTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ZhikuStorageTests", dependencies: [
            "ZhikuCore", "ZhikuStorage", "ZhikuRetrieval", "ZhikuTestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(name: "ZhikuEngineTests", dependencies: [
            "ZhikuCore", "ZhikuEngine", "ZhikuIngest", "ZhikuModels", "ZhikuStorage", "ZhikuTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ZhikuServerTests", dependencies: [
            "ZhikuCore", "ZhikuEngine", "ZhikuServer", "ZhikuStorage", "ZhikuIngest", "ZhikuRetrieval", "ZhikuModels", "ZhikuTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "MCP", package: "swift-sdk"),
        ]),
        .testTarget(name: "ZhikuProvidersTests", dependencies: [
            "ZhikuCore", "ZhikuProviders", "ZhikuModels", "ZhikuRetrieval", "ZhikuTestSupport",
        ]),
        .testTarget(name: "zhikuTests", dependencies: ["ZhikuStorage", "ZhikuTestSupport"]),
    ]
)
