import Foundation
import ZhikuModels
import ZhikuStorage

/// Settings for a Zhiku process, from the environment with defaults that work out of the box.
///
/// | variable | default |
/// |---|---|
/// | `ZHIKU_DATA` | `./data` |
/// | `ZHIKU_DATABASE_URL` | unset: SQLite in the data folder; `postgres://user:pass@host:port/db`: PostgreSQL + pgvector |
/// | `ZHIKU_JOB_LEASE_SECONDS` | 60: a claimed ingest job is re-claimed this long after its process stops renewing it |
/// | `ZHIKU_HOST` / `ZHIKU_PORT` | `127.0.0.1` / `8080` |
/// | `ZHIKU_MAX_UPLOAD_BYTES` | 1 GiB |
/// | `ZHIKU_WORKERS` | number of cores (ingest jobs run in parallel) |
/// | `ZHIKU_SYNC_INTERVAL` | `300`: seconds between full rescans of synced folders (changes are also seen at once by inotify; `0`: no background sync) |
/// | `ZHIKU_SOURCE_ROOTS` | unset: any folder; `/srv/docs:/mnt/share`: folders an admin may add as sources must lie below one of these |
/// | `ZHIKU_LOG_LEVEL` | `info` |
/// | `ZHIKU_EMBEDDING_MODEL` | `multilingual-e5-small` (for new knowledge bases; `none`: keyword search only) |
/// | `ZHIKU_EMBEDDING_URL` | unset; an OpenAI-compatible server (`http://host:port`) for models that are not built in |
/// | `ZHIKU_EMBEDDING_API_KEY` | unset; sent as `Authorization: Bearer …` to that server |
/// | `ZHIKU_FUSION`, `ZHIKU_FUSION_VECTOR_WEIGHT`, `ZHIKU_RRF_K`, `ZHIKU_RRF_KEYWORD_WEIGHT`, `ZHIKU_RRF_VECTOR_WEIGHT` | see ``RetrievalSettings`` |
/// | `ZHIKU_RERANK`, `ZHIKU_RERANK_DEPTH`, `ZHIKU_RERANK_WEIGHT` | `off`, 20, 1: see ``RetrievalSettings`` |
/// | `ZHIKU_RERANK_URL`, `ZHIKU_RERANK_MODEL`, `ZHIKU_RERANK_API_KEY` | unset; a `/rerank` server (TEI, vLLM, Xinference, Jina, Cohere) for `ZHIKU_RERANK=server` |
/// | `ZHIKU_PG_HNSW_M`, `ZHIKU_PG_HNSW_EF_CONSTRUCTION`, `ZHIKU_PG_HNSW_EF_SEARCH` | see ``HNSWSettings`` (PostgreSQL only) |
/// | `ZHIKU_NO_ANSWER_THRESHOLD` | `0.85` (cosine; see ``RetrievalSettings``) |
/// | `ZHIKU_CHAT_MODEL` | `qwen2.5-1.5b-instruct` (built in; also `qwen2.5-0.5b-instruct`, `smollm2-135m-instruct`), a `.gguf` path, or a model of the server below |
/// | `ZHIKU_TRANSLATION_MODEL` | `qwen2.5-0.5b-instruct`: translates questions for cross-language search when a knowledge base holds both Chinese and English (``QueryTranslator``); `off`: never |
/// | `ZHIKU_WARM_CHAT_MODEL` | `1`: `zhiku serve` loads the default chat model at start; `0`: at the first question |
/// | `ZHIKU_CITATION_CHECK` | `1`: each `[n]` of a sourced answer is checked against the sources as it streams (``CitationCorrector``); `0`: shown as the model wrote it |
/// | `ZHIKU_PROMPT_TOKENS` | 1 024: the most prompt tokens the built-in model reads for one answer (sources beyond it are left out whole) |
/// | `ZHIKU_MAX_QUESTION_CHARS` | 4 000: longer questions or chat messages are refused (400); a request's messages may hold 64 000 characters in all |
/// | `ZHIKU_CHAT_URL`, `ZHIKU_CHAT_API_KEY` | unset; an OpenAI-compatible chat server (`http://host:port`) |
/// | `ZHIKU_OCR_LANG` | `chi_sim+eng`: Tesseract languages for images and scanned pages |
/// | `ZHIKU_OCR_ENGINE` | `auto`: PP-OCRv4 first, Tesseract when it fails or reads with low confidence (``OCRChoice``); `paddle`; `tesseract` |
/// | `ZHIKU_MAX_IMAGE_PIXELS` | 80 000 000: larger images are refused (decompression bombs) |
/// | `ZHIKU_MODELS_FILE` | `<data>/models.json`: named chat models and the default (see ``ChatModelRegistry``) |
/// | `ZHIKU_MAX_PDF_PAGES` | 5 000: longer PDFs fail their job with a reason |
/// | `ZHIKU_MAX_ANSWER_TOKENS` | 4 096: the most `max_tokens` a chat request may ask for |
/// | `ZHIKU_REQUESTS_PER_MINUTE` | 600 per signed-in user (0: no limit); more are answered 429 |
/// | `ZHIKU_AUTH` | `on`: sign-in required; `off` (loopback only): one local user, no sign-in |
/// | `ZHIKU_ALLOWED_HOSTS` | none: host names the server answers to besides loopback (checked with sign-in off, or whenever set) |
/// | `ZHIKU_MAX_ANSWERS_PER_USER` | 2: answers and transcriptions one signed-in user may have in progress (429 beyond) |
/// | `ZHIKU_IDLE_TIMEOUT` | 60: seconds a connection may idle, or take between the parts of a request, before it is closed |
/// | `ZHIKU_TRUSTED_PROXIES` | none: comma-separated addresses of reverse proxies whose `X-Forwarded-For` names the client |
/// | `ZHIKU_MODEL_SERVER_ANSWERS` | 8: answers sent to one model server at once (the built-in model answers one at a time); the rest wait their turn, fairly between users |
/// | `ZHIKU_SESSION_IDLE_MINUTES` | 720: a browser session unused this long ends (sessions last 7 days at most) |
/// | `ZHIKU_SECURE_COOKIES` | unset: session cookies get `Secure` only behind `X-Forwarded-Proto: https`; `1`: always |
public struct ZhikuConfiguration: Sendable {
    public var dataFolder: URL
    /// PostgreSQL instead of the data folder's SQLite database (`postgres://user:password@host:port/database`).
    public var databaseURL: String?
    /// How long a claimed ingest job stays leased without a renewal (renewed every third of it while it runs).
    public var jobLease: Duration = .seconds(60)
    public var host: String
    public var port: Int
    public var maxUploadBytes: Int64
    public var workers: Int
    /// Seconds between full rescans of synced folders (0: the server does not sync in the background).
    public var syncIntervalSeconds: Double = 300
    /// Folders sources must lie below (empty: any folder).
    public var sourceRoots: [String] = []
    public var logLevel: String
    /// The embedding model new knowledge bases get (nil: keyword search only).
    public var embeddingModel: String? = "multilingual-e5-small"
    /// An OpenAI-compatible embeddings server for models that are not built in.
    public var embeddingServerURL: String?
    public var embeddingServerAPIKey: String?
    public var retrieval = RetrievalSettings()
    /// A `/rerank` server for ``RetrievalSettings/rerank`` `server`: its URL, the model named in requests, a bearer key.
    public var rerankServerURL: String?
    public var rerankModel = "reranker"
    public var rerankAPIKey: String?
    /// How pgvector's HNSW graphs are built and searched (PostgreSQL only).
    public var hnsw = HNSWSettings()
    /// The chat model answers use unless a request names another.
    public var chatModel = LlamaGenerator.defaultModelID
    /// The chat model that translates questions for cross-language search (nil: no translation).
    public var translationModel: String? = "qwen2.5-0.5b-instruct"
    /// The most prompt tokens the built-in engine reads for one answer (bounds the time to the first token).
    public var promptTokens = 1024
    /// Load the default chat model when the server starts (``ChatModelWarmUp``) rather than at the first question.
    public var warmUpChatModel = false
    /// Whether the `[n]` of sourced answers are checked as they stream (``CitationCorrector``).
    public var checksCitations = true
    /// The longest question or chat message, in characters.
    public var maxQuestionCharacters = 4000
    /// The most characters all messages of one request may hold.
    public var maxMessagesCharacters = 64_000
    public var chatServerURL: String?
    public var chatServerAPIKey: String?
    /// The models file; nil: `models.json` in the data folder.
    public var modelsFile: URL?
    /// Tesseract languages for images and scanned pages.
    public var ocrLanguages = "chi_sim+eng"
    /// Which OCR engine reads images and scanned pages.
    public var ocrEngine = OCRChoice.auto
    /// Images with more pixels are refused before decoding.
    public var maxImagePixels = 80_000_000
    /// PDFs with more pages are refused (their job fails with the reason).
    public var maxPDFPages = 5000
    /// The most tokens one answer may ask for.
    public var maxAnswerTokens = 4096
    /// Requests per minute one user may make (0: unlimited).
    public var requestsPerMinute = 600
    /// Sign-in required (accounts, API keys, sessions). Off: every request is the local admin (loopback only).
    public var auth = true
    /// Mark session cookies `Secure` on every response (behind a TLS-terminating proxy that does not say so).
    public var secureCookies = false
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed (sign-in throttling per client address).
    public var trustedProxies: Set<String> = []
    /// Host names (beyond loopback) the server answers to when sign-in is off, or always when set.
    public var allowedHosts: Set<String> = []
    /// Answers and transcriptions one signed-in user may have in progress at once (more get 429).
    public var maxConcurrentPerUser = 2
    /// Seconds a connection may sit idle, or take to send a request, before it is closed.
    public var idleTimeoutSeconds = 60
    /// An OpenAI-compatible transcription server (`/v1/audio/transcriptions`) instead of the built-in Whisper base.
    public var speechServerURL: String?
    public var speechServerAPIKey: String?
    /// The model named to that server.
    public var speechModel = "whisper-1"
    /// Longer recordings are refused (uploads fail their job with the reason; transcription requests get 400).
    public var maxAudioSeconds = 4 * 3600.0
    /// How long a browser session lasts at most.
    public var sessionLifetime: Duration = .seconds(7 * 24 * 3600)
    /// Answers sent to one model server at once (`ZHIKU_MODEL_SERVER_ANSWERS`); more wait their turn.
    public var modelServerAnswers = 8
    /// A browser session unused this long ends (`ZHIKU_SESSION_IDLE_MINUTES`, 720).
    public var sessionIdleTimeout: Duration = .seconds(12 * 3600)

    /// Whether `host` only accepts connections from this machine.
    public var isLoopbackOnly: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }

    public init(dataFolder: URL, host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int64 = 1 << 30,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount, logLevel: String = "info") {
        self.dataFolder = dataFolder
        self.host = host
        self.port = port
        self.maxUploadBytes = maxUploadBytes
        self.workers = max(1, workers)
        self.logLevel = logLevel
    }

    /// Reads the `ZHIKU_*` variables of `environment`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ZhikuConfiguration {
        var c = ZhikuConfiguration(dataFolder: URL(fileURLWithPath: environment["ZHIKU_DATA"] ?? "data",
                                                   isDirectory: true))
        if let url = environment["ZHIKU_DATABASE_URL"], !url.isEmpty { c.databaseURL = url }
        if let lease = environment["ZHIKU_JOB_LEASE_SECONDS"].flatMap(Double.init), lease > 0 { c.jobLease = .seconds(lease) }
        if let host = environment["ZHIKU_HOST"], !host.isEmpty { c.host = host }
        if let port = environment["ZHIKU_PORT"].flatMap(Int.init) { c.port = port }
        if let answers = environment["ZHIKU_MODEL_SERVER_ANSWERS"].flatMap(Int.init), answers > 0 { c.modelServerAnswers = answers }
        if let minutes = environment["ZHIKU_SESSION_IDLE_MINUTES"].flatMap(Double.init), minutes > 0 {
            c.sessionIdleTimeout = .seconds(minutes * 60)
        }
        if let limit = environment["ZHIKU_MAX_UPLOAD_BYTES"].flatMap(Int64.init), limit > 0 { c.maxUploadBytes = limit }
        if let workers = environment["ZHIKU_WORKERS"].flatMap(Int.init), workers > 0 { c.workers = workers }
        if let interval = environment["ZHIKU_SYNC_INTERVAL"].flatMap(Double.init), interval >= 0 { c.syncIntervalSeconds = interval }
        if let roots = environment["ZHIKU_SOURCE_ROOTS"], !roots.isEmpty { c.sourceRoots = roots.split(separator: ":").map(String.init) }
        if let level = environment["ZHIKU_LOG_LEVEL"], !level.isEmpty { c.logLevel = level }
        if let model = environment["ZHIKU_EMBEDDING_MODEL"], !model.isEmpty {
            c.embeddingModel = model.lowercased() == "none" ? nil : model
        }
        if let url = environment["ZHIKU_EMBEDDING_URL"], !url.isEmpty { c.embeddingServerURL = url }
        if let key = environment["ZHIKU_EMBEDDING_API_KEY"], !key.isEmpty { c.embeddingServerAPIKey = key }
        if let t = environment["ZHIKU_NO_ANSWER_THRESHOLD"].flatMap(Double.init) { c.retrieval.noAnswerThreshold = t }
        if let model = environment["ZHIKU_CHAT_MODEL"], !model.isEmpty { c.chatModel = model }
        if let url = environment["ZHIKU_CHAT_URL"], !url.isEmpty { c.chatServerURL = url }
        if let model = environment["ZHIKU_TRANSLATION_MODEL"], !model.isEmpty {
            c.translationModel = ["off", "none", "0"].contains(model.lowercased()) ? nil : model
        }
        c.warmUpChatModel = environment["ZHIKU_WARM_CHAT_MODEL"] != "0"
        c.checksCitations = environment["ZHIKU_CITATION_CHECK"] != "0"
        if let tokens = environment["ZHIKU_PROMPT_TOKENS"].flatMap(Int.init), tokens >= 256 { c.promptTokens = tokens }
        if let n = environment["ZHIKU_MAX_QUESTION_CHARS"].flatMap(Int.init), n > 0 { c.maxQuestionCharacters = n }
        if let key = environment["ZHIKU_CHAT_API_KEY"], !key.isEmpty { c.chatServerAPIKey = key }
        if let file = environment["ZHIKU_MODELS_FILE"], !file.isEmpty { c.modelsFile = URL(fileURLWithPath: file) }
        if let languages = environment["ZHIKU_OCR_LANG"], !languages.isEmpty { c.ocrLanguages = languages }
        if let engine = environment["ZHIKU_OCR_ENGINE"].flatMap({ OCRChoice(rawValue: $0.lowercased()) }) { c.ocrEngine = engine }
        if let auth = environment["ZHIKU_AUTH"]?.lowercased(), ["off", "0", "false", "no"].contains(auth) { c.auth = false }
        if let hosts = environment["ZHIKU_ALLOWED_HOSTS"] {
            c.allowedHosts = Set(hosts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        if let n = environment["ZHIKU_MAX_ANSWERS_PER_USER"].flatMap(Int.init), n > 0 { c.maxConcurrentPerUser = n }
        if let n = environment["ZHIKU_IDLE_TIMEOUT"].flatMap(Int.init), n > 0 { c.idleTimeoutSeconds = n }
        if let proxies = environment["ZHIKU_TRUSTED_PROXIES"] {
            c.trustedProxies = Set(proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        if let secure = environment["ZHIKU_SECURE_COOKIES"], ["1", "true", "on", "yes"].contains(secure.lowercased()) {
            c.secureCookies = true
        }
        if let pages = environment["ZHIKU_MAX_PDF_PAGES"].flatMap(Int.init), pages > 0 { c.maxPDFPages = pages }
        if let tokens = environment["ZHIKU_MAX_ANSWER_TOKENS"].flatMap(Int.init), tokens > 0 { c.maxAnswerTokens = tokens }
        if let rate = environment["ZHIKU_REQUESTS_PER_MINUTE"].flatMap(Int.init), rate >= 0 { c.requestsPerMinute = rate }
        if let pixels = environment["ZHIKU_MAX_IMAGE_PIXELS"].flatMap(Int.init), pixels > 0 { c.maxImagePixels = pixels }
        if let url = environment["ZHIKU_SPEECH_URL"], !url.isEmpty { c.speechServerURL = url }
        if let key = environment["ZHIKU_SPEECH_API_KEY"], !key.isEmpty { c.speechServerAPIKey = key }
        if let model = environment["ZHIKU_SPEECH_MODEL"], !model.isEmpty { c.speechModel = model }
        if let seconds = environment["ZHIKU_MAX_AUDIO_SECONDS"].flatMap(Double.init), seconds > 0 { c.maxAudioSeconds = seconds }
        if let method = environment["ZHIKU_FUSION"].flatMap(RetrievalSettings.FusionMethod.init(rawValue:)) {
            c.retrieval.fusionMethod = method
        }
        if let w = environment["ZHIKU_FUSION_VECTOR_WEIGHT"].flatMap(Double.init), (0...1).contains(w) { c.retrieval.scores.vectorWeight = w }
        c.hnsw = HNSWSettings(environment: environment)
        if let method = environment["ZHIKU_RERANK"].flatMap(RetrievalSettings.RerankMethod.init(rawValue:)) { c.retrieval.rerank = method }
        if let n = environment["ZHIKU_RERANK_DEPTH"].flatMap(Int.init), (2...200).contains(n) { c.retrieval.rerankDepth = n }
        if let w = environment["ZHIKU_RERANK_WEIGHT"].flatMap(Double.init), (0...1).contains(w) { c.retrieval.rerankWeight = w }
        if let url = environment["ZHIKU_RERANK_URL"], !url.isEmpty { c.rerankServerURL = url }
        if let model = environment["ZHIKU_RERANK_MODEL"], !model.isEmpty { c.rerankModel = model }
        if let key = environment["ZHIKU_RERANK_API_KEY"], !key.isEmpty { c.rerankAPIKey = key }
        if let k = environment["ZHIKU_RRF_K"].flatMap(Double.init), k >= 0 { c.retrieval.rrf.k = k }
        if let w = environment["ZHIKU_RRF_KEYWORD_WEIGHT"].flatMap(Double.init), w >= 0 { c.retrieval.rrf.keywordWeight = w }
        if let w = environment["ZHIKU_RRF_VECTOR_WEIGHT"].flatMap(Double.init), w >= 0 { c.retrieval.rrf.vectorWeight = w }
        return c
    }
}
