import Foundation
import Testing
import ZhikuTestSupport

/// The Dockerfile, compose file and Kubernetes manifests, checked by `deploy/check.py` (no Docker engine or cluster
/// runs here): YAML parses, objects are wired together, variables are Zhiku's, probes hit its health routes.
@Suite(.waitsOnProcesses) struct DeploymentFilesTests {
    func check(_ root: URL) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", SharedEval.packageRoot().appendingPathComponent("deploy/check.py").path, root.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func deploymentFilesMatchTheProject() throws {
        let result = try check(SharedEval.packageRoot())
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func theCheckCatchesABrokenManifest() throws {
        let copy = TemporaryFolder()
        let root = SharedEval.packageRoot()
        for path in ["README.md", "scripts/setup.sh", "deploy/Dockerfile", "deploy/compose.yaml", "deploy/kubernetes/zhiku.yaml"] {
            let target = copy.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: root.appendingPathComponent(path), to: target)
        }
        let manifest = copy.url.appendingPathComponent("deploy/kubernetes/zhiku.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8)
            .replacingOccurrences(of: "path: /readyz", with: "path: /ready")
            .replacingOccurrences(of: "ZHIKU_LOG_LEVEL: info", with: "ZHIKU_LOGLEVEL: info")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        let result = try check(copy.url)
        #expect(result.status == 1)
        #expect(result.output.contains("readinessProbe should GET /readyz"))
        #expect(result.output.contains("ZHIKU_LOGLEVEL is not a documented Zhiku variable"))
    }
}
