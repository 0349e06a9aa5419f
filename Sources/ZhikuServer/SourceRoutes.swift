import Foundation
import Hummingbird
import ZhikuCore
import ZhikuEngine

/// Synced folders of a knowledge base: `GET/POST /api/kbs/{kb}/sources` (adding one reads the server's file
/// system, so only an admin may), `POST …/sources/{id}/sync` (an editor: reconcile now), `DELETE …/sources/{id}`
/// (an owner; `?keep_files=true` keeps its files as uploads). The server also syncs them in the background
/// (``SourceWatcher``).
struct SourceRoutes {
    let runtime: ZhikuRuntime

    struct NewSource: Decodable {
        var path: String
        var ignore: [String]?
    }
    struct SourceList: Encodable { var sources: [SourceSync.Status] }
    struct Synced: Encodable {
        var report: SourceSync.Report
        var source: SourceSync.Status
    }

    func register(on router: RouteRecorder) {
        let api = router.group("api")
        api.get("kbs/:kb/sources") { _, context in
            let kb = try await knowledgeBase(context, needs: .viewer)
            var list: [SourceSync.Status] = []
            for source in try await runtime.store.sources(in: kb.id) { list.append(try await SourceSync(runtime: runtime).status(of: source)) }
            return try json(SourceList(sources: list))
        }
        api.post("kbs/:kb/sources") { request, context in
            let kb = try await knowledgeBase(context, needs: .owner)
            try AccessControl.requireAdmin(try context.requireUser(), to: "add a folder of the server as a source")
            let body = try await request.decode(as: NewSource.self, context: context)
            let sync = SourceSync(runtime: runtime)
            let source = try await sync.addFolder(body.path, ignore: body.ignore ?? [], to: kb)
            // The first sync runs in the background (a large folder takes a while); its status shows progress.
            let logger = runtime.logger
            Task { do { _ = try await sync.sync(source) } catch { logger.warning("the first sync of \(source.location) failed: \(error)") } }
            return try json(try await sync.status(of: source), status: .created)
        }
        api.post("kbs/:kb/sources/:source/sync") { _, context in
            let (_, source) = try await owned(context, needs: .editor)
            let sync = SourceSync(runtime: runtime)
            let report = try await sync.sync(source)
            let fresh = try await runtime.store.source(id: source.id) ?? source
            return try json(Synced(report: report, source: try await sync.status(of: fresh)))
        }
        api.delete("kbs/:kb/sources/:source") { request, context in
            let (_, source) = try await owned(context, needs: .owner)
            let keep = ["1", "true", "yes"].contains(request.uri.queryParameters.get("keep_files")?.lowercased() ?? "")
            try await SourceSync(runtime: runtime).remove(source, keepingFiles: keep)
            return Response(status: .noContent)
        }
    }

    private func knowledgeBase(_ context: ZhikuRequestContext, needs role: KnowledgeBaseRole) async throws -> KnowledgeBase {
        let raw = context.parameters.get("kb") ?? ""
        return try await runtime.access.knowledgeBase(raw.removingPercentEncoding ?? raw, for: try context.requireUser(), needs: role)
    }

    /// The source of the path, if it belongs to the path's knowledge base (404 otherwise).
    private func owned(_ context: ZhikuRequestContext, needs role: KnowledgeBaseRole) async throws -> (KnowledgeBase, KnowledgeSource) {
        let kb = try await knowledgeBase(context, needs: role)
        let raw = context.parameters.get("source") ?? ""
        guard let id = KnowledgeSource.ID(raw), let source = try await runtime.store.source(id: id), source.knowledgeBaseID == kb.id else {
            throw ZhikuError.notFound("source '\(raw)' does not exist")
        }
        return (kb, source)
    }
}
