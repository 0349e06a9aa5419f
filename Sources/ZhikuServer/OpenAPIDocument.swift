import Foundation
import ZhikuEngine

/// The OpenAPI 3.1 description of Zhiku's whole HTTP API, served at `/openapi.json` and shown at `/api-docs`.
/// Every operation is written here once; a test checks that every registered route is described and every
/// described route is registered, and that real responses carry no field their schema lacks.
enum OpenAPIDocument {
    typealias S = OpenAPISchema

    /// One described operation.
    struct Operation: Sendable {
        var method: String
        var path: String
        var tag: String
        var summary: String
        var query: [(name: String, schema: S, about: String)] = []
        /// The JSON request body (nil: none, or ``rawBody``).
        var body: S?
        /// A non-JSON body: its media types and what it is.
        var rawBody: (types: [String], about: String)?
        var status = 200
        /// The JSON response (nil: ``responseType`` or no body).
        var response: S?
        /// The media type of a non-JSON response (`text/event-stream`, `audio/wav`, …) and what it holds.
        var responseType: (type: String, about: String)?
        /// Needs no sign-in.
        var open = false

        var route: RouteRecorder.Route { .init(method: method, path: path) }
    }

    // MARK: - Shared schemas

    static let components: [String: S] = {
        let optionalText = S.nullable(.text), optionalInt = S.nullable(.int), optionalDouble = S.nullable(.double)
        return [
            "Error": .object(["error": .object(["code": .string(values: ["invalid_input", "not_found", "conflict", "too_large",
                                                                           "unauthorized", "forbidden", "rate_limited", "unsupported",
                                                                           "upstream_failed", "storage_failed", "internal", "unavailable"]),
                                                "message": .text], required: ["code", "message"])],
                             required: ["error"], about: "Every 4xx and 5xx answer: a code and a sentence saying what went wrong."),
            "KnowledgeBase": .object(["id": .int, "name": .text, "description": .text, "created_at": .time,
                                      "embedding_model": .nullable(.string(about: "The model searched with; null: keyword search only.")),
                                      "pending_embedding_model": .nullable(.string(about: "The model a re-embedding is building.")),
                                      "owner_id": optionalInt,
                                      "rerank": .nullable(.string(values: ["off", "sentences", "server"], about: "Its own second search pass; null: the server's."))],
                                     required: ["id", "name", "description", "created_at"]),
            "DocumentMetadata": .object(["title": optionalText, "author": optionalText, "created": .nullable(.time),
                                         "modified": .nullable(.time)],
                                        about: "What a document says about itself (PDF info, Office core properties, EPUB)."),
            "File": .object(["id": .int, "knowledge_base_id": .int, "name": .text, "sha256": .text, "media_type": .text,
                             "size": .int, "status": .string(values: ["pending", "ready", "failed", "deleting"]), "error": optionalText,
                             "page_count": .int, "chunk_count": .int, "created_at": .time, "updated_at": .time,
                             "metadata": .nullable(.ref("DocumentMetadata")), "tags": .array(.text),
                             "source_id": .nullable(.integer(about: "The synced folder it comes from.")),
                             "path": .nullable(.string(about: "Its path in that folder."))],
                            required: ["id", "knowledge_base_id", "name", "sha256", "media_type", "size", "status", "page_count",
                                       "chunk_count", "created_at", "updated_at", "tags"]),
            "Job": .object(["id": .int, "knowledge_base_id": .int, "file_id": .int,
                            "status": .string(values: ["queued", "running", "succeeded", "failed"]),
                            "pages_done": .int, "pages_total": .int, "pages_ocr": .integer(about: "Pages read by OCR."),
                            "chunks": .int, "chunks_embedded": .int, "error": optionalText, "attempts": .int,
                            "created_at": .time, "updated_at": .time],
                           required: ["id", "knowledge_base_id", "file_id", "status", "pages_done", "pages_total", "chunks",
                                      "chunks_embedded", "attempts", "created_at", "updated_at"]),
            "Page": .object(["number": .int, "text": .text,
                             "headings": .array(.object(["level": .int, "title": .text, "offset": .int])),
                             "engine": .nullable(.string(about: "What read the page: text layer, OCR engine, speech model.")),
                             "confidence": optionalDouble,
                             "words": .nullable(.array(.object(["text": .text, "x": .int, "y": .int, "width": .int, "height": .int,
                                                                "confidence": .double, "start": .int, "end": .int]))),
                             "image_width": optionalInt, "image_height": optionalInt, "start_seconds": optionalDouble,
                             "end_seconds": optionalDouble, "rows": .nullable(.array(.object(["offset": .int, "number": .int])))],
                            required: ["number", "text", "headings"]),
            "Hit": .object(["chunk_id": .int, "file_id": .int, "file_name": .text, "page": .int, "start": .int, "end": .int,
                            "text": .text, "score": .number(about: "The fused score in hybrid mode, else the side's own."),
                            "keyword_rank": optionalInt, "keyword_score": optionalDouble, "vector_rank": optionalInt,
                            "vector_score": optionalDouble, "rerank_score": optionalDouble, "start_seconds": optionalDouble,
                            "end_seconds": optionalDouble, "section": optionalText, "first_row": optionalInt, "last_row": optionalInt],
                           required: ["chunk_id", "file_id", "file_name", "page", "start", "end", "text", "score"]),
            "Citation": .object(["n": .int, "chunk_id": .int, "file_id": .int, "file_name": .text, "page": .int, "start": .int,
                                 "end": .int, "start_seconds": optionalDouble, "end_seconds": optionalDouble, "snippet": .text,
                                 "section": optionalText, "first_row": optionalInt, "last_row": optionalInt, "score": .double,
                                 "vector_score": optionalDouble, "keyword_score": optionalDouble, "keyword_rank": optionalInt,
                                 "vector_rank": optionalInt, "rerank_score": optionalDouble],
                                required: ["n", "chunk_id", "file_id", "file_name", "page", "start", "end", "snippet", "score"],
                                about: "A numbered source of an answer."),
            "SearchFilter": .object(["file_ids": .array(.int), "tags": .array(.text, about: "A file must carry every one."),
                                     "media_types": .array(.text, about: "pdf, image, audio, docx, text/csv, …"),
                                     "after": .string(about: "A day (2024-05-01) or an ISO 8601 time; inclusive."),
                                     "before": .string(about: "Exclusive."), "path_prefix": .text,
                                     "author": .string(about: "Part of the author the document's own metadata names."),
                                     "title": .string(about: "Part of the document's own title.")],
                                    about: "Limits retrieval to matching files (every field set must hold)."),
            "AnswerStats": .object(["model": optionalText, "prompt_tokens": .int, "completion_tokens": .int,
                                    "finish_reason": .string(values: ["stop", "length", "not_found", "extractive", "cancelled", "error"]),
                                    "retrieval_ms": .double, "first_token_ms": optionalDouble, "total_ms": .double],
                                   required: ["prompt_tokens", "completion_tokens", "finish_reason", "retrieval_ms", "total_ms"]),
            "AnswerFeedback": .object(["rating": .string(values: ["up", "down"]), "comment": optionalText, "at": .time],
                                      required: ["rating", "at"]),
            "Conversation": .object(["id": .int, "title": .text, "kb_id": optionalInt, "created_at": .time, "updated_at": .time,
                                     "message_count": .int, "user_id": optionalInt],
                                    required: ["id", "title", "created_at", "updated_at", "message_count"]),
            "Message": .object(["id": .int, "conversation_id": .int, "role": .string(values: ["system", "user", "assistant"]),
                                "content": .text, "citations": .array(.ref("Citation")), "stats": .nullable(.ref("AnswerStats")),
                                "created_at": .time, "audit_id": .nullable(.integer(about: "The answer's id for feedback.")),
                                "feedback": .nullable(.ref("AnswerFeedback"))],
                               required: ["id", "conversation_id", "role", "content", "citations", "created_at"]),
            "AuditEntry": .object(["id": .int, "at": .time, "user": optionalText, "kb_id": optionalInt, "kb_name": optionalText,
                                   "conversation_id": optionalInt, "channel": .string(values: ["api", "openai", "cli", "mcp"]),
                                   "question": .text,
                                   "retrieved": .array(.object(["chunk_id": .int, "score": .double, "vector_score": optionalDouble,
                                                                "keyword_score": optionalDouble])),
                                   "citations": .array(.ref("Citation")), "answer": .text, "model": optionalText,
                                   "finish_reason": .text, "latency_ms": .double, "feedback": .nullable(.ref("AnswerFeedback"))],
                                  required: ["id", "at", "channel", "question", "retrieved", "answer", "finish_reason", "latency_ms"]),
            "User": .object(["id": .int, "name": .text, "role": .string(values: ["admin", "member"]), "created_at": .time],
                            required: ["id", "name", "role", "created_at"]),
            "APIKey": .object(["id": .int, "user_id": .int, "name": .text, "prefix": .text, "created_at": .time,
                               "revoked_at": .nullable(.time), "last_used_at": .nullable(.time)],
                              required: ["id", "user_id", "name", "prefix", "created_at"]),
            "ModelListing": .object(["default_chat_model": .text, "chat_models": .array(.ref("ChatModel")),
                                     "available": .array(.text), "embedding_models": .array(.text)],
                                    about: "The chat models (keys shown as ***) and the embedding models."),
            "ChatModel": .object(["name": .text, "provider": .string(values: ["builtin", "openai"]), "model": .text,
                                  "base_url": optionalText, "api_key": .nullable(.string(about: "Shown as ***.")),
                                  "api_key_env": optionalText, "timeout_seconds": optionalDouble, "context_tokens": optionalInt],
                                 required: ["name", "provider", "model"]),
            "Settings": .object(["k": .int, "search_mode": .string(values: ["hybrid", "keyword", "vector"]),
                                 "answer_mode": .string(values: ["generate", "extractive"]), "no_answer_threshold": .double,
                                 "model_thresholds": .array(.object(["model": .text, "threshold": .double]))]),
            "SourceStatus": .object(["id": .int, "kind": .string(values: ["folder"]), "location": .text, "ignore": .array(.text),
                                     "created_at": .time, "last_sync_at": .nullable(.time), "last_error": optionalText,
                                     "files_seen": .integer(about: "Files the last scan found."),
                                     "files": .integer(about: "The knowledge base's files from this source."),
                                     "pending": .int, "failed": .int],
                                    required: ["id", "kind", "location", "ignore", "created_at", "files_seen", "files", "pending", "failed"],
                                    about: "A synced folder and how its files stand."),
            "ChatMessage": .object(["role": .string(values: ["system", "user", "assistant"]), "content": .text],
                                   required: ["role", "content"]),
            "Usage": .object(["prompt_tokens": .int, "completion_tokens": .int, "total_tokens": .int]),
        ]
    }()

    // MARK: - Operations

    static let operations: [Operation] = {
        let ref = S.ref, filterParameters: [(String, S, String)] = [
            ("file_id", .text, "Only these files (repeated or comma-separated ids)."),
            ("tag", .text, "Only files carrying this tag (repeated: every one)."),
            ("type", .text, "Only files of this kind: pdf, image, audio, docx, text/csv, … (repeated or comma-separated)."),
            ("after", .text, "Only documents dated on or after this day or time."),
            ("before", .text, "Only documents dated before this day or time."),
            ("path", .text, "Only files whose path (an uploaded file's name) starts with this."),
            ("author", .text, "Only documents whose metadata names this author (part of the name)."),
            ("title", .text, "Only documents whose metadata title contains this."),
        ]
        let chatBody = S.object([
            "kb": .string(about: "The knowledge base (name or id); absent: a plain chat with the model."), "question": .text,
            "conversation_id": .int, "regenerate": .bool, "messages": .array(ref("ChatMessage")), "model": .text,
            "mode": .string(values: ["generate", "extractive"]), "k": .int,
            "search_mode": .string(values: ["hybrid", "keyword", "vector"]), "max_tokens": .int, "temperature": .double,
            "seed": .int, "store": .bool, "filters": ref("SearchFilter"),
        ], required: ["question"])
        let chatEvents = """
            Server-Sent Events: `conversation` {conversation_id} (a new conversation, first), `citations` {citations: \
            [Citation]}, `queued` {position}, `progress` {prompt_tokens_done, prompt_tokens_total}, `token` {text} \
            (repeated), `done` {not_found, conversation_id, answer_id, message_id, stats: AnswerStats}, or `error` \
            {code, message}.
            """
        let completion = S.object([
            "id": .text, "object": .text, "created": .int, "model": .text,
            "choices": .array(.object(["index": .int, "message": ref("ChatMessage"), "finish_reason": .text])),
            "usage": ref("Usage"), "citations": .array(ref("Citation")),
        ])
        let transcription = S.object(["model": .text, "language": .text, "language_probability": .double, "text": .text,
                                      "duration": .double,
                                      "segments": .array(.object(["start": .double, "end": .double, "text": .text])),
                                      "token_ids": .array(.int)])
        return [
            // Knowledge bases and files
            .init(method: "GET", path: "/api/kbs", tag: "Knowledge bases", summary: "The knowledge bases you can see.",
                  response: .object(["knowledge_bases": .array(ref("KnowledgeBase"))])),
            .init(method: "POST", path: "/api/kbs", tag: "Knowledge bases", summary: "Create a knowledge base.",
                  body: .object(["name": .text, "description": .text,
                                 "embedding_model": .string(about: "A model id, or none for keyword search only.")], required: ["name"]),
                  status: 201, response: ref("KnowledgeBase")),
            .init(method: "GET", path: "/api/kbs/{kb}", tag: "Knowledge bases", summary: "One knowledge base (by id or name).",
                  response: ref("KnowledgeBase")),
            .init(method: "PATCH", path: "/api/kbs/{kb}", tag: "Knowledge bases",
                  summary: "Rename it, describe it, set its own reranking, or switch its embedding model (202 while it re-embeds).",
                  body: .object(["name": .text, "description": .text, "embedding_model": .text,
                                 "rerank": .string(values: ["off", "sentences", "server", "default"])]), response: ref("KnowledgeBase")),
            .init(method: "DELETE", path: "/api/kbs/{kb}", tag: "Knowledge bases", summary: "Delete it with all its files.", status: 204),
            .init(method: "GET", path: "/api/kbs/{kb}/files", tag: "Files", summary: "Its files.",
                  response: .object(["files": .array(ref("File"))])),
            .init(method: "POST", path: "/api/kbs/{kb}/files", tag: "Files",
                  summary: "Upload files: the raw body (name it with ?name=) or multipart/form-data with many files.",
                  query: [("name", .text, "The file's name (raw body)."), ("tag", .text, "A tag every uploaded file gets (repeated).")],
                  rawBody: (["application/octet-stream", "multipart/form-data"], "The file's bytes, or a form of `file` parts."),
                  status: 202,
                  response: .object(["uploads": .array(.object(["name": .text, "file": ref("File"), "job": ref("Job"),
                                                                 "duplicate": .bool, "error": .object(["code": .text, "message": .text])]))])),
            .init(method: "GET", path: "/api/kbs/{kb}/files/{file}", tag: "Files", summary: "One file.", response: ref("File")),
            .init(method: "DELETE", path: "/api/kbs/{kb}/files/{file}", tag: "Files", summary: "Delete a file and its chunks.", status: 204),
            .init(method: "GET", path: "/api/kbs/{kb}/files/{file}/pages", tag: "Files", summary: "The file's extracted text, page by page.",
                  response: .object(["pages": .array(ref("Page"))])),
            .init(method: "GET", path: "/api/kbs/{kb}/files/{file}/chunks", tag: "Files",
                  summary: "The file's chunks in order, as they are indexed (the chunk inspector).",
                  response: .object(["file_id": .int, "file_name": .text,
                                     "chunks": .array(.object(["id": .int, "ordinal": .int, "page": .int, "start": .int, "end": .int,
                                                               "characters": .int, "section": .nullable(.text), "first_row": .nullable(.int),
                                                               "last_row": .nullable(.int), "start_seconds": .nullable(.double),
                                                               "end_seconds": .nullable(.double), "text": .text]))])),
            .init(method: "PUT", path: "/api/kbs/{kb}/files/{file}/tags", tag: "Files", summary: "Replace the file's tags.",
                  body: .object(["tags": .array(.text)], required: ["tags"]), response: ref("File")),
            .init(method: "GET", path: "/api/kbs/{kb}/sources", tag: "Synced folders", summary: "Its synced folders and how their files stand.",
                  response: .object(["sources": .array(ref("SourceStatus"))])),
            .init(method: "POST", path: "/api/kbs/{kb}/sources", tag: "Synced folders",
                  summary: "Admins: sync a folder of the server into the knowledge base (below ZHIKU_SOURCE_ROOTS when set); the first sync starts at once.",
                  body: .object(["path": .string(about: "An absolute path."), "ignore": .array(.text, about: "Glob patterns of names to skip.")],
                                required: ["path"]),
                  status: 201, response: ref("SourceStatus")),
            .init(method: "POST", path: "/api/kbs/{kb}/sources/{source}/sync", tag: "Synced folders",
                  summary: "Reconcile now: new and changed files queued for ingestion, renames moved, deleted files removed.",
                  response: .object(["report": .object(["seen": .int, "added": .int, "moved": .int, "removed": .int, "unchanged": .int,
                                                        "failed": .object([:], more: .text), "jobs": .array(.int), "busy": .bool]),
                                     "source": ref("SourceStatus")])),
            .init(method: "DELETE", path: "/api/kbs/{kb}/sources/{source}", tag: "Synced folders",
                  summary: "Stop syncing a folder; its files are removed unless ?keep_files=true.",
                  query: [("keep_files", .bool, "Keep the folder's files as if uploaded.")], status: 204),
            .init(method: "GET", path: "/api/kbs/{kb}/jobs", tag: "Files", summary: "Its ingest jobs.",
                  response: .object(["jobs": .array(ref("Job"))])),
            .init(method: "GET", path: "/api/jobs/{job}", tag: "Files", summary: "One ingest job and its progress.", response: ref("Job")),
            .init(method: "POST", path: "/api/jobs/{job}/retry", tag: "Files", summary: "Queue a failed job again.", status: 202,
                  response: ref("Job")),
            .init(method: "GET", path: "/api/kbs/{kb}/search", tag: "Search",
                  summary: "Hybrid, keyword or vector search, each hit with both sides' rank and score.",
                  query: [("q", .text, "The query."), ("k", .int, "How many hits (1–1000, default 10)."),
                          ("mode", .string(values: ["hybrid", "keyword", "vector"]), "Default hybrid."),
                          ("translate", .bool, "Cross-language search as answers do it.")] + filterParameters,
                  response: .object(["query": .text, "mode": .text, "embedding_model": .nullable(.text), "k": .int,
                                     "translated_query": .nullable(.text), "filter": ref("SearchFilter"),
                                     "filtered_files": .integer(about: "Files the filter matched (absent: no filter)."),
                                     "hits": .array(ref("Hit"))])),
            // Answers
            .init(method: "POST", path: "/api/chat", tag: "Answers",
                  summary: "Answer a question from a knowledge base with numbered sources, streamed.",
                  body: chatBody, responseType: ("text/event-stream", chatEvents)),
            .init(method: "POST", path: "/api/answers/{id}/feedback", tag: "Answers",
                  summary: "Rate an answer you asked (👍 up, 👎 down, null to take it back), with an optional comment.",
                  body: .object(["rating": .nullable(.string(values: ["up", "down"])), "comment": .text]),
                  response: .object(["answer_id": .int, "feedback": .nullable(ref("AnswerFeedback"))])),
            .init(method: "GET", path: "/api/conversations", tag: "Answers", summary: "Your conversations, most recent first.",
                  query: [("limit", .int, "1–1000, default 100.")],
                  response: .object(["conversations": .array(ref("Conversation"))])),
            .init(method: "GET", path: "/api/conversations/{id}", tag: "Answers", summary: "One conversation with its messages.",
                  response: .object(["conversation": ref("Conversation"), "messages": .array(ref("Message"))])),
            .init(method: "PATCH", path: "/api/conversations/{id}", tag: "Answers", summary: "Rename a conversation.",
                  body: .object(["title": .text], required: ["title"]), response: ref("Conversation")),
            .init(method: "DELETE", path: "/api/conversations/{id}", tag: "Answers", summary: "Delete a conversation.", status: 204),
            .init(method: "GET", path: "/api/audit", tag: "Answers", summary: "The audit log of answered questions, newest first.",
                  query: [("kb", .text, "One knowledge base."), ("since", .time, "Entries after this time."),
                          ("feedback", .string(values: ["up", "down"]), "Only answers rated so."), ("limit", .int, "1–1000.")],
                  response: .object(["entries": .array(ref("AuditEntry"))])),
            .init(method: "GET", path: "/api/settings", tag: "Answers", summary: "The answer settings.", response: ref("Settings")),
            .init(method: "PUT", path: "/api/settings", tag: "Answers", summary: "Change any of the answer settings.",
                  body: ref("Settings"), response: ref("Settings")),
            // Models
            .init(method: "GET", path: "/api/models", tag: "Models", summary: "Chat models (keys shown as ***) and embedding models.",
                  response: ref("ModelListing")),
            .init(method: "PUT", path: "/api/models/default", tag: "Models", summary: "Switch the default chat model.",
                  body: .object(["chat_model": .text], required: ["chat_model"]),
                  response: ref("ModelListing")),
            .init(method: "PUT", path: "/api/models/chat/{name}", tag: "Models", summary: "Add or replace a named chat model.",
                  body: ref("ChatModel"), response: ref("ChatModel")),
            .init(method: "DELETE", path: "/api/models/chat/{name}", tag: "Models", summary: "Remove a named chat model (409 for the default).",
                  status: 204),
            .init(method: "POST", path: "/api/models/chat/{name}/test", tag: "Models", summary: "Try a chat model with a four-token generation.",
                  response: .object(["ok": .bool, "model": .nullable(.text), "latency_ms": .double, "reply": .nullable(.text),
                                     "error": .nullable(.text)])),
            // Speech
            .init(method: "POST", path: "/api/transcribe", tag: "Speech", summary: "Speech to text with the built-in Whisper.",
                  query: [("language", .text, "A language code; default: detected.")],
                  rawBody: (["application/octet-stream", "multipart/form-data"], "Audio in any supported format."),
                  response: transcription),
            .init(method: "POST", path: "/api/speech", tag: "Speech", summary: "Text to speech (espeak-ng).",
                  body: .object(["text": .text, "voice": .text, "rate": .integer(about: "Words per minute, 80–450.")], required: ["text"]),
                  responseType: ("audio/wav", "16-bit mono WAV.")),
            // OpenAI-compatible
            .init(method: "POST", path: "/v1/chat/completions", tag: "OpenAI-compatible",
                  summary: "Chat with a model, or answer from a knowledge base with model kb:<name> (then citations and the filters extension).",
                  body: .object(["model": .text, "messages": .array(ref("ChatMessage")), "stream": .bool, "max_tokens": .int,
                                 "max_completion_tokens": .int, "temperature": .double, "top_p": .double, "seed": .int,
                                 "stop": .oneOf([.text, .array(.text)]), "filters": ref("SearchFilter")], required: ["messages"]),
                  response: completion),
            .init(method: "POST", path: "/v1/embeddings", tag: "OpenAI-compatible", summary: "Embeddings from the built-in models.",
                  body: .object(["model": .text, "input": .oneOf([.text, .array(.text)]),
                                 "input_type": .string(values: ["query", "passage"]), "encoding_format": .text], required: ["input"]),
                  response: .object(["object": .text, "model": .text, "usage": .object(["prompt_tokens": .int, "total_tokens": .int]),
                                     "data": .array(.object(["object": .text, "index": .int, "embedding": .array(.double)]))])),
            .init(method: "GET", path: "/v1/models", tag: "OpenAI-compatible", summary: "Chat models, kb:<name> models and embedding models.",
                  response: .object(["object": .text, "data": .array(.object(["id": .text, "object": .text, "owned_by": .text]))])),
            .init(method: "POST", path: "/v1/rerank", tag: "OpenAI-compatible", summary: "Cohere/Jina-style reranking with the built-in sentence pass.",
                  body: .object(["model": .text, "query": .text, "documents": .array(.text), "texts": .array(.text), "top_n": .int],
                                required: ["query"]),
                  response: .object(["model": .text, "results": .array(.object(["index": .int, "relevance_score": .double]))])),
            .init(method: "POST", path: "/v1/audio/transcriptions", tag: "OpenAI-compatible", summary: "OpenAI's transcription API.",
                  rawBody: (["multipart/form-data"], "A form with file, model, language, response_format (json, text, verbose_json, srt, vtt)."),
                  response: .object(["text": .text, "task": .text, "language": .text, "duration": .double,
                                     "segments": .array(.object(["id": .int, "start": .double, "end": .double, "text": .text]))])),
            .init(method: "POST", path: "/v1/audio/speech", tag: "OpenAI-compatible", summary: "OpenAI's speech API (wav or pcm).",
                  body: .object(["model": .text, "input": .text, "voice": .text, "response_format": .text, "speed": .double],
                                required: ["input"]),
                  responseType: ("audio/wav", "WAV (default) or raw PCM.")),
            // MCP
            .init(method: "POST", path: "/mcp", tag: "MCP",
                  summary: "The Model Context Protocol over streamable HTTP (stateless: one JSON-RPC message per POST, answered "
                    + "with JSON). Tools list_knowledge_bases, search, ask, read_page; resources zhiku://kb/{kb}/file/{file}/page/{n}. "
                    + "Send Accept: application/json, text/event-stream.",
                  rawBody: (["application/json"], "A JSON-RPC 2.0 request or notification (initialize, tools/list, tools/call, resources/list, resources/read, …)."),
                  responseType: ("application/json", "The JSON-RPC response (202 with no body for a notification).")),
            .init(method: "GET", path: "/mcp", tag: "MCP", summary: "405: this endpoint keeps no session and sends no server-initiated stream.",
                  status: 405, responseType: ("application/json", "A JSON-RPC error.")),
            .init(method: "DELETE", path: "/mcp", tag: "MCP", summary: "405: there is no session to end.",
                  status: 405, responseType: ("application/json", "A JSON-RPC error.")),
            // Accounts
            .init(method: "POST", path: "/api/login", tag: "Accounts", summary: "Sign in: sets the session cookie.",
                  body: .object(["name": .text, "password": .text], required: ["name", "password"]),
                  response: .object(["user": ref("User"), "auth": .bool, "csrf_token": .text]), open: true),
            .init(method: "POST", path: "/api/logout", tag: "Accounts", summary: "Sign out.", status: 204),
            .init(method: "GET", path: "/api/me", tag: "Accounts", summary: "Who is signed in (user absent when nobody is).",
                  response: .object(["user": ref("User"), "auth": .bool, "csrf_token": .nullable(.text)]), open: true),
            .init(method: "POST", path: "/api/me/password", tag: "Accounts", summary: "Change your own password (every session and key of yours ends).",
                  body: .object(["current_password": .text, "new_password": .text], required: ["current_password", "new_password"]),
                  response: .object(["user": ref("User"), "auth": .bool, "csrf_token": .nullable(.text)])),
            .init(method: "GET", path: "/api/keys", tag: "Accounts", summary: "Your API keys (never the key itself).",
                  response: .object(["api_keys": .array(ref("APIKey"))])),
            .init(method: "POST", path: "/api/keys", tag: "Accounts", summary: "Make an API key: shown this once.",
                  body: .object(["name": .text]), status: 201, response: .object(["key": .text, "api_key": ref("APIKey")])),
            .init(method: "DELETE", path: "/api/keys/{id}", tag: "Accounts", summary: "Revoke an API key.", status: 204),
            .init(method: "GET", path: "/api/users", tag: "Accounts", summary: "Admins: the users.", response: .object(["users": .array(ref("User"))])),
            .init(method: "POST", path: "/api/users", tag: "Accounts", summary: "Admins: create a user (a generated password comes back when none is sent).",
                  body: .object(["name": .text, "password": .text, "role": .string(values: ["admin", "member"])], required: ["name"]),
                  status: 201, response: .object(["user": ref("User"), "password": .nullable(.text)])),
            .init(method: "DELETE", path: "/api/users/{name}", tag: "Accounts", summary: "Admins: delete a user with their keys, sessions and roles.",
                  status: 204),
            .init(method: "GET", path: "/api/kbs/{kb}/members", tag: "Accounts", summary: "Owners: who may use the knowledge base.",
                  response: .object(["members": .array(.object(["user": .text, "role": .string(values: ["viewer", "editor", "owner"])]))])),
            .init(method: "PUT", path: "/api/kbs/{kb}/members/{user}", tag: "Accounts", summary: "Owners: grant or change a role.",
                  body: .object(["role": .string(values: ["viewer", "editor", "owner"])], required: ["role"]),
                  response: .object(["user": .text, "role": .text])),
            .init(method: "DELETE", path: "/api/kbs/{kb}/members/{user}", tag: "Accounts", summary: "Owners: take a role away.", status: 204),
            // Operations and the page
            .init(method: "GET", path: "/healthz", tag: "Operations", summary: "Liveness.",
                  response: .object(["status": .text, "version": .text]), open: true),
            .init(method: "GET", path: "/readyz", tag: "Operations", summary: "Readiness: database, embedding model, chat model (503 when one is not).",
                  response: .object(["status": .text, "checks": .object([:], more: .text)]), open: true),
            .init(method: "GET", path: "/metrics", tag: "Operations", summary: "Prometheus metrics.",
                  responseType: ("text/plain", "The Prometheus text format."), open: true),
            .init(method: "GET", path: "/openapi.json", tag: "Operations", summary: "This description.",
                  responseType: ("application/json", "An OpenAPI 3.1 document."), open: true),
            .init(method: "GET", path: "/api-docs", tag: "Operations", summary: "This description as a readable page.",
                  responseType: ("text/html", "The API page."), open: true),
            .init(method: "GET", path: "/", tag: "Operations", summary: "The web UI.", responseType: ("text/html", "The page."), open: true),
            .init(method: "GET", path: "/assets/{name}", tag: "Operations", summary: "The web UI's scripts, stylesheet and icon.",
                  responseType: ("application/octet-stream", "The file."), open: true),
        ]
    }()

    // MARK: - The document

    /// The whole document as JSON.
    static func json(version: String) throws -> Data {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            paths[operation.path, default: [:]][operation.method.lowercased()] = describe(operation)
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "Zhiku 知库", "version": version,
                     "description": "Zhiku's HTTP API: knowledge bases, files, search, answers with numbered sources, "
                        + "feedback, accounts, models, speech, and OpenAI-compatible endpoints. JSON keys are snake_case; "
                        + "times are ISO 8601. Every error is {\"error\": {\"code\", \"message\"}}. With sign-in on, a browser "
                        + "session (cookie; changing requests also send X-CSRF-Token) or an API key (Authorization: Bearer) "
                        + "is needed, and a knowledge base is reachable only with a role in it."],
            "servers": [["url": "/"]],
            "tags": operations.map(\.tag).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.map { ["name": $0] },
            "security": [["bearer": [String]()], ["session": [String]()]],
            "components": [
                "schemas": components.mapValues(\.json),
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "An API key (POST /api/keys)."],
                    "session": ["type": "apiKey", "in": "cookie", "name": AuthMiddleware.cookieName,
                                "description": "The web page's session (POST /api/login); changing requests also send X-CSRF-Token."],
                ],
            ],
            "paths": paths,
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func describe(_ operation: Operation) -> [String: Any] {
        var out: [String: Any] = ["summary": operation.summary, "tags": [operation.tag],
                                  "operationId": operation.method.lowercased() + operation.path.replacingOccurrences(of: "{", with: "by-")
                                    .replacingOccurrences(of: "}", with: "").replacingOccurrences(of: "/", with: "_")]
        var parameters: [[String: Any]] = []
        for name in pathParameters(operation.path) {
            parameters.append(["name": name, "in": "path", "required": true, "schema": ["type": "string"]])
        }
        for q in operation.query {
            parameters.append(["name": q.name, "in": "query", "description": q.about, "schema": q.schema.json])
        }
        if !parameters.isEmpty { out["parameters"] = parameters }
        if let body = operation.body {
            out["requestBody"] = ["required": true, "content": ["application/json": ["schema": body.json]]]
        } else if let raw = operation.rawBody {
            out["requestBody"] = ["required": true, "description": raw.about,
                                  "content": Dictionary(uniqueKeysWithValues: raw.types.map { ($0, [String: Any]()) })]
        }
        var success: [String: Any] = ["description": operation.responseType?.about ?? (operation.status == 204 ? "Done; no body." : "OK.")]
        if let schema = operation.response {
            success["content"] = ["application/json": ["schema": schema.json]]
        } else if let type = operation.responseType {
            success["content"] = [type.type: [String: Any]()]
        }
        let error: [String: Any] = ["description": "An error: 400 bad input, 401/403 access, 404 not found, 409 conflict, "
                                        + "413 too large, 429 too many requests, 5xx the server or a model failed.",
                                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
        out["responses"] = [String(operation.status): success, "default": error]
        if operation.open { out["security"] = [[String: Any]()] }
        return out
    }

    /// The `{name}` parameters of a path, in order.
    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }
}
