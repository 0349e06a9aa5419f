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
        registerRoutes(on: RouteRecorder(router), runtime: runtime)
        let configuration = ApplicationConfiguration(
            address: .hostname(runtime.configuration.host, port: runtime.configuration.port),
            serverName: "Zhiku")
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(runtime.configuration.idleTimeoutSeconds)))),
            configuration: configuration,
            services: [IngestWorker(runtime: runtime), SourceWatcher(runtime: runtime)]
                + (runtime.configuration.warmUpChatModel ? [ChatModelWarmUp(runtime: runtime, logger: runtime.logger)] : []),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: runtime.logger)
    }

    /// Registers every route of the server on `routes` (which remembers them: the API description is checked
    /// against them, and `/openapi.json` serves that description).
    static func registerRoutes(on routes: RouteRecorder, runtime: ZhikuRuntime) {
        AccountRoutes(runtime: runtime).register(on: routes)
        OperationsRoutes(runtime: runtime).register(on: routes)
        APIRoutes(runtime: runtime).register(on: routes)
        ChatRoutes(runtime: runtime).register(on: routes)
        ConversationRoutes(runtime: runtime).register(on: routes)
        ModelRoutes(runtime: runtime).register(on: routes)
        OpenAIRoutes(runtime: runtime).register(on: routes)
        SettingsRoutes(runtime: runtime).register(on: routes)
        SpeechRoutes(runtime: runtime).register(on: routes)
        MCPRoutes(runtime: runtime).register(on: routes)
        SourceRoutes(runtime: runtime).register(on: routes)
        WebAssets().register(on: routes)
    }
}
