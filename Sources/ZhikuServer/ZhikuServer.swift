import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import ZhikuCore
import ZhikuEngine

/// Builds the Hummingbird application: API routes, web page, error mapping and the ingest worker.
public enum ZhikuServer {
    /// The application for `runtime`. `onListening` receives the bound port once the server accepts connections
    /// (useful with port 0).
    public static func makeApplication(runtime: ZhikuRuntime,
                                       onListening: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let router = Router(context: ZhikuRequestContext.self)
        ZhikuMetrics.install()
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: RequestOriginMiddleware(authOn: runtime.configuration.auth,
                                                       allowedHosts: runtime.configuration.allowedHosts))
        router.add(middleware: AuthMiddleware(runtime: runtime))
        router.add(middleware: UserWorkLimitMiddleware(limit: runtime.configuration.maxConcurrentPerUser,
                                                       enabled: runtime.configuration.auth))
        AccountRoutes(runtime: runtime).register(on: router)
        OperationsRoutes(runtime: runtime).register(on: router)
        APIRoutes(runtime: runtime).register(on: router)
        ChatRoutes(runtime: runtime).register(on: router)
        ConversationRoutes(runtime: runtime).register(on: router)
        ModelRoutes(runtime: runtime).register(on: router)
        OpenAIRoutes(runtime: runtime).register(on: router)
        SettingsRoutes(runtime: runtime).register(on: router)
        SpeechRoutes(runtime: runtime).register(on: router)
        WebAssets().register(on: router)
        let configuration = ApplicationConfiguration(
            address: .hostname(runtime.configuration.host, port: runtime.configuration.port),
            serverName: "Zhiku")
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(runtime.configuration.idleTimeoutSeconds)))),
            configuration: configuration,
            services: [IngestWorker(runtime: runtime)]
                + (runtime.configuration.warmUpChatModel ? [ChatModelWarmUp(runtime: runtime, logger: runtime.logger)] : []),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: runtime.logger)
    }
}
