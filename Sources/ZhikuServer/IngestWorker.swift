import Logging
import ServiceLifecycle
import ZhikuCore
import ZhikuEngine
import ZhikuIngest

/// The background ingest worker: a `Service` that, on start, puts jobs a dead process left running back in the
/// queue and resumes embedding-model switches a dead process left unfinished, then runs queued jobs with bounded
/// parallelism until shutdown.
public struct IngestWorker: Service {
    private let runtime: ZhikuRuntime
    private let store: any Store
    private let pipeline: IngestPipeline
    private let concurrency: Int
    private let pollInterval: Duration
    private let logger: Logger

    public init(runtime: ZhikuRuntime, pollInterval: Duration = .milliseconds(200)) {
        self.runtime = runtime
        store = runtime.store
        pipeline = runtime.pipeline
        concurrency = runtime.configuration.workers
        self.pollInterval = pollInterval
        logger = runtime.logger
    }

    public func run() async throws {
        let resumed = try await store.requeueInterruptedJobs()
        if resumed > 0 { logger.info("resuming \(resumed) interrupted ingest job(s)") }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do { try await runtime.resumeReembedding() } catch where !Task.isCancelled {
                        logger.error("resuming an embedding-model switch failed: \(error)")
                    } catch {}
                }
                for _ in 0..<concurrency {
                    group.addTask { await loop() }
                }
            }
        }
    }

    private func loop() async {
        while !Task.isCancelled {
            do {
                if let job = try await store.claimNextJob() {
                    let clock = ContinuousClock(), started = clock.now
                    EngineMetrics.jobFinished(await pipeline.run(job), after: clock.now - started)
                    continue
                }
            } catch {
                // Shutting down cancels a claim under way: that is no failure worth an error line.
                if Task.isCancelled { return }
                logger.error("the ingest worker could not claim a job (retrying): \(error)")
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
