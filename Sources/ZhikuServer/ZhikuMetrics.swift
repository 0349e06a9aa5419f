import Foundation
import Metrics
import Prometheus
import ZhikuCore
import ZhikuEngine

/// The Prometheus side of Zhiku's metrics, exposed at `GET /metrics` in Prometheus's text format: HTTP requests per
/// route and status (Hummingbird's `MetricsMiddleware`), the ingest queue's depth, and what the engine records
/// through swift-metrics (``ZhikuEngine/EngineMetrics``: ingestion, embeddings, transcriptions, answers).
public enum ZhikuMetrics {
    /// The registry every metric of the process lands in.
    public static let registry = PrometheusCollectorRegistry()

    private static let installed: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                                   .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                                   .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)]
        factory.defaultValueHistogramBuckets = [1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 250, 500]
        MetricsSystem.bootstrap(factory)
    }()

    /// Makes the registry the metrics backend of the process (once; later calls do nothing).
    public static func install() { _ = installed }

    /// The metrics as Prometheus text, after refreshing the gauges that are read rather than counted.
    static func exposition(queueDepth: Int) -> [UInt8] {
        Gauge(label: "zhiku_ingest_queue_depth").record(queueDepth)
        return registry.emitToBuffer()
    }
}
