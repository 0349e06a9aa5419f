import Foundation
import Logging
import ServiceLifecycle
import ZhikuCore
import ZhikuEngine

/// Loads the default chat model in the background when the server starts, so the first question does not wait
/// for the weights (the 1.5B model takes several seconds to load). A model that is not installed, or a remote one,
/// is left to the first request, which reports it.
public struct ChatModelWarmUp: Service {
    let runtime: ZhikuRuntime
    let logger: Logger

    public init(runtime: ZhikuRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    public func run() async throws {
        let started = ContinuousClock.now
        do {
            let model = try await runtime.chatModels.model(nil)
            logger.info("chat model \(model.modelID) loaded in \(ContinuousClock.now - started)")
        } catch {
            logger.info("chat model not loaded at start: \(error)")
        }
        // Stay until shutdown, as services do.
        try? await gracefulShutdown()
    }
}
