import Foundation
import HTTPTypes
import Hummingbird
import ZhikuCore
import ZhikuEngine
import ZhikuModels

/// `GET /readyz`: ready to serve — the database answers and the default models' files are in place (503 with the
/// failing checks otherwise; `/healthz` only says the process is alive). `GET /metrics`: ``ZhikuMetrics`` in
/// Prometheus's text format.
struct OperationsRoutes {
    let runtime: ZhikuRuntime

    struct Readiness: Encodable {
        var status: String
        var checks: [String: String]
    }

    func register(on router: RouteRecorder) {
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: try OpenAPIDocument.json(version: ZhikuVersion.current))))
        }
        router.get("/metrics") { _, _ in
            let body = ZhikuMetrics.exposition(queueDepth: (try? await runtime.queueDepth()) ?? 0)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/readyz") { _, _ in
            var checks: [String: String] = [:]
            checks["database"] = await runtime.database.isReachable() ? "ok" : "the database does not answer"
            if let model = runtime.configuration.embeddingModel {
                checks["embedding_model"] = runtime.embedders.installedModels().contains(model) || runtime.configuration.embeddingServerURL != nil
                    ? "ok" : "\(model) is not installed (scripts/fetch-models.sh)"
            }
            do {
                _ = try await runtime.chatModels.model(nil)
                checks["chat_model"] = "ok"
            } catch let error as ZhikuError {
                // Anyone may ask: the reason goes to the log, the answer names no path.
                runtime.logger.warning("readiness: the chat model is not usable: \(error.message)")
                checks["chat_model"] = error.code == .notFound ? "not installed (scripts/fetch-models.sh)" : "not usable (see the server log)"
            }
            let ready = checks.values.allSatisfy { $0 == "ok" }
            return try json(Readiness(status: ready ? "ready" : "not ready", checks: checks),
                            status: ready ? .ok : .serviceUnavailable)
        }
    }
}
