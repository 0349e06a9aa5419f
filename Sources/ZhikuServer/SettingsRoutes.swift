import Hummingbird
import ZhikuCore
import ZhikuEngine

/// `GET /api/settings` and `PUT /api/settings` (any subset of `k`, `search_mode`, `answer_mode`,
/// `no_answer_threshold`, `model_thresholds` — a list of `{"model", "threshold"}` that replaces the per-model
/// gates): the answer settings, applied from the next question on.
struct SettingsRoutes {
    let runtime: ZhikuRuntime

    struct Change: Decodable {
        var k: Int?
        var searchMode: String?
        var answerMode: String?
        var noAnswerThreshold: Double?
        var modelThresholds: [AnswerSettings.ModelThreshold]?
    }

    func register(on router: RouteRecorder) {
        router.get("api/settings") { _, _ in try json(await runtime.settings.answers) }
        router.put("api/settings") { request, context in
            try AccessControl.requireAdmin(try context.requireUser(), to: "change the answer settings")
            let change = try await request.decode(as: Change.self, context: context)
            var settings = await runtime.settings.answers
            if let k = change.k { settings.k = k }
            if let mode = change.searchMode { settings.searchMode = try SearchMode.parse(mode) }
            if let mode = change.answerMode {
                guard let parsed = Answerer.Mode(rawValue: mode) else {
                    throw ZhikuError.invalidInput("answer_mode must be 'generate' or 'extractive', got '\(mode)'")
                }
                settings.answerMode = parsed
            }
            if let threshold = change.noAnswerThreshold { settings.noAnswerThreshold = threshold }
            if let thresholds = change.modelThresholds { settings.modelThresholds = thresholds }
            return try json(try await runtime.settings.update(settings))
        }
    }
}
