import Foundation
import HTTPTypes
import Hummingbird
import ZhikuCore
import ZhikuEngine
import ZhikuIngest
import ZhikuStorage

/// The `/api` routes and `/healthz`.
struct APIRoutes {
    let runtime: ZhikuRuntime

    func register(on router: RouteRecorder) {
        router.get("/healthz") { _, _ in
            try json(API.Health(status: "ok", version: ZhikuVersion.current))
        }
        let api = router.group("api")
        api.get("kbs") { _, context in
            try json(API.KnowledgeBaseList(knowledgeBases: try await runtime.access.visibleKnowledgeBases(for: try context.requireUser())))
        }
        api.post("kbs") { request, context in
            let body = try await request.decode(as: API.CreateKnowledgeBase.self, context: context)
            let model = EmbeddingChoice(parsing: body.embeddingModel)
            let user = try context.requireUser()
            // Named in the creator's own namespace (none for the local user of sign-in off): another user's knowledge
            // base of the same name is no conflict (a 409 would tell that it exists).
            let kb = try await runtime.createKnowledgeBase(name: body.name, description: body.description ?? "",
                                                           embeddingModel: model, owner: user.ownerID)
            if runtime.configuration.auth { try await runtime.accounts.grant(.owner, in: kb.id, to: user.id) }
            return try json(kb, status: .created)
        }
        api.get("kbs/:kb") { _, context in
            try json(try await knowledgeBase(context, needs: .viewer))
        }
        api.patch("kbs/:kb") { request, context in
            var kb = try await knowledgeBase(context, needs: .owner)
            let body = try await request.decode(as: API.UpdateKnowledgeBase.self, context: context)
            guard body.name != nil || body.description != nil || body.embeddingModel != nil || body.rerank != nil else {
                throw ZhikuError.invalidInput(
                    "nothing to change: send {\"name\": …}, {\"description\": …}, {\"embedding_model\": \"<model id or none>\"} or {\"rerank\": \"off|sentences|server|default\"}")
            }
            if let rerank = body.rerank { kb = try await runtime.setRerank(of: kb, to: rerank) }
            if body.name != nil || body.description != nil {
                kb = try await runtime.store.renameKnowledgeBase(id: kb.id, to: body.name ?? kb.name,
                                                                 description: body.description)
            }
            guard let requested = body.embeddingModel else { return try json(kb) }
            let model = requested.lowercased() == "none" ? nil : requested
            let updated = try await runtime.changeEmbeddingModel(of: kb, to: model, wait: false)
            return try json(updated, status: updated.pendingEmbeddingModel == nil ? .ok : .accepted)
        }
        api.delete("kbs/:kb") { _, context in
            try await runtime.deleteKnowledgeBase(try await knowledgeBase(context, needs: .owner))
            return Response(status: .noContent)
        }
        api.get("kbs/:kb/files") { _, context in
            let kb = try await knowledgeBase(context, needs: .viewer)
            return try json(API.FileList(files: try await runtime.store.files(in: kb.id)))
        }
        api.post("kbs/:kb/files") { request, context in
            try await upload(request, context)
        }
        api.get("kbs/:kb/files/:file") { _, context in
            try json(try await file(context, needs: .viewer))
        }
        api.get("kbs/:kb/files/:file/pages") { _, context in
            let file = try await file(context, needs: .viewer)
            return try json(API.PageList(pages: try await runtime.store.pages(ofFile: file.id)))
        }
        api.get("kbs/:kb/files/:file/chunks") { _, context in
            let file = try await file(context, needs: .viewer)
            return try json(API.ChunkList(fileId: file.id, fileName: file.name,
                                          chunks: try await runtime.store.chunks(ofFile: file.id).map(API.ChunkList.Item.init)))
        }
        api.put("kbs/:kb/files/:file/tags") { request, context in
            let file = try await file(context, needs: .editor)
            let body = try await request.decode(as: API.Tags.self, context: context)
            return try json(try await runtime.store.setFileTags(id: file.id, try FileRecord.normalizedTags(body.tags)))
        }
        api.delete("kbs/:kb/files/:file") { _, context in
            try await runtime.deleteFile(try await file(context, needs: .editor))
            return Response(status: .noContent)
        }
        api.get("kbs/:kb/jobs") { _, context in
            let kb = try await knowledgeBase(context, needs: .viewer)
            return try json(API.JobList(jobs: try await runtime.store.jobs(in: kb.id)))
        }
        api.get("kbs/:kb/search") { request, context in
            let kb = try await knowledgeBase(context, needs: .viewer)
            let query = request.uri.queryParameters.get("q") ?? ""
            let kText = request.uri.queryParameters.get("k") ?? "10"
            guard let k = Int(kText) else { throw ZhikuError.invalidInput("k must be a whole number, got '\(kText)'") }
            let mode = try SearchMode.parse(request.uri.queryParameters.get("mode") ?? "hybrid")
            let translate = ["1", "true", "yes"].contains(request.uri.queryParameters.get("translate")?.lowercased() ?? "")
            let filter = try SearchFilter.from(query: request.uri.queryParameters)
            let results = try await runtime.search(query, in: kb, k: k, mode: mode, translating: translate, filter: filter)
            return try json(API.SearchResults(query: query, mode: results.mode.rawValue,
                                              embeddingModel: results.embeddingModel, k: k,
                                              translatedQuery: results.translatedQuery, filter: filter,
                                              filteredFiles: results.filteredFiles,
                                              hits: results.hits.map(API.Hit.init)))
        }
        api.get("jobs/:job") { _, context in
            try json(try await job(context, needs: .viewer))
        }
        api.post("jobs/:job/retry") { _, context in
            let job = try await runtime.store.retryJob(id: try await job(context, needs: .editor).id)
            return try json(job, status: .accepted)
        }
    }

    // MARK: - Uploads

    private func upload(_ request: Request, _ context: ZhikuRequestContext) async throws -> Response {
        let kb = try await knowledgeBase(context, needs: .editor)
        let limit = runtime.configuration.maxUploadBytes
        let contentType = request.headers[.contentType] ?? ""
        let isMultipart = try MultipartUpload.refuseDeclaredOversize(request, limit: limit, what: "the upload")
        // `?tag=…` (repeatable): tags every uploaded file gets, added to those a duplicate already has.
        let tags = try FileRecord.normalizedTags(request.uri.queryParameters.getAll("tag"))

        var uploads: [API.Upload] = []
        if isMultipart {
            guard let boundary = MultipartUpload.boundary(fromContentType: contentType) else {
                throw ZhikuError.invalidInput("multipart/form-data without a boundary")
            }
            let parts = try await MultipartUpload.receive(request.body, boundary: boundary, blobs: runtime.blobs,
                                                          limit: limit, discard: { await runtime.discardUnregistered($0) })
            guard !parts.isEmpty else { throw ZhikuError.invalidInput("the form holds no file part") }
            for part in parts {
                switch part.result {
                case .success(let blob):
                    uploads.append(await register(blob, name: part.name, kb: kb, tags: tags, user: context.user))
                case .failure(let error):
                    uploads.append(API.Upload(name: part.name, error: .init(code: error.code.rawValue, message: error.clientMessage(for: context.user))))
                }
            }
        } else {
            guard let rawName = uploadName(request) else {
                throw ZhikuError.invalidInput(
                    "name the file: ?name=…, an X-Filename header, or Content-Disposition; or send multipart/form-data")
            }
            let name = try FileRecord.sanitizedName(rawName)
            let blob = try await runtime.blobs.write(request.body.map { Array($0.readableBytesView) }, limit: limit)
            uploads.append(await register(blob, name: name, kb: kb, tags: tags, user: context.user))
        }

        // A single failed file answers with its own error status; otherwise each file reports its outcome.
        if uploads.count == 1, let error = uploads[0].error {
            let code = ZhikuError.Code(rawValue: error.code) ?? .internal
            return APIErrorResponse.make(status: APIErrorResponse.status(for: code), code: error.code, message: error.message)
        }
        let anyNew = uploads.contains { $0.duplicate == false }
        return try json(API.UploadList(uploads: uploads), status: anyNew ? .accepted : .ok)
    }

    /// Makes stored bytes a file of `kb`; bytes that could not be registered are removed again.
    private func register(_ blob: StoredBlob, name: String, kb: KnowledgeBase, tags: [String], user: User?) async -> API.Upload {
        do {
            let added = try await runtime.addFile(blob, name: name, to: kb, tags: tags)
            return API.Upload(name: added.file.name, file: added.file, job: added.job, duplicate: added.duplicate)
        } catch {
            await runtime.discardUnregistered([blob])
            let e = error as? ZhikuError ?? ZhikuError(.internal, "\(error)")
            if e.code == .internal || e.code == .storageFailed { runtime.logger.error("registering '\(name)' failed: \(e)") }
            return API.Upload(name: name, error: .init(code: e.code.rawValue, message: e.clientMessage(for: user)))
        }
    }

    private func uploadName(_ request: Request) -> String? {
        if let name = request.uri.queryParameters.get("name"), !name.isEmpty { return name }
        if let header = HTTPField.Name("X-Filename"), let raw = request.headers[header], !raw.isEmpty {
            return raw.removingPercentEncoding ?? raw
        }
        if let disposition = request.headers[.contentDisposition] {
            return MultipartUpload.fileName(fromDisposition: disposition)
        }
        return nil
    }

    // MARK: - Lookups

    private func knowledgeBase(_ context: ZhikuRequestContext, needs role: KnowledgeBaseRole) async throws -> KnowledgeBase {
        let raw = context.parameters.get("kb") ?? ""
        return try await runtime.access.knowledgeBase(raw.removingPercentEncoding ?? raw, for: try context.requireUser(), needs: role)
    }

    private func file(_ context: ZhikuRequestContext, needs role: KnowledgeBaseRole) async throws -> FileRecord {
        let kb = try await knowledgeBase(context, needs: role)
        return try await runtime.file(try identifier(context, "file"), in: kb)
    }

    /// A job, if `role` in its knowledge base is held (else 404, as for a job that does not exist).
    private func job(_ context: ZhikuRequestContext, needs role: KnowledgeBaseRole) async throws -> Job {
        let id = try identifier(context, "job")
        let missing = ZhikuError.notFound("job \(id) does not exist")
        guard let job = try await runtime.store.job(id: id) else { throw missing }
        do {
            _ = try await runtime.access.knowledgeBase(id: job.knowledgeBaseID, for: try context.requireUser(), needs: role)
        } catch let error as ZhikuError where error.code == .notFound {
            throw missing
        }
        return job
    }

    private func identifier(_ context: ZhikuRequestContext, _ name: String) throws -> Int64 {
        let raw = context.parameters.get(name) ?? ""
        guard let id = Int64(raw) else { throw ZhikuError.invalidInput("\(name) id must be a number, got '\(raw)'") }
        return id
    }
}

/// Encodes `value` as a JSON response.
func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try ZhikuJSON.encoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
