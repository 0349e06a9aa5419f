import Foundation
import Metrics
import ZhikuCore

/// What the engine counts and times, recorded through swift-metrics (the server installs a Prometheus backend and
/// serves it at `GET /metrics`; without one, as in the CLI, the calls do nothing): ingestion (jobs by outcome,
/// pages, OCR'd pages, chunks, job duration), embedding latency per model, transcriptions, and answers (outcome,
/// retrieval time, time to first token, duration, tokens and tokens per second per model).
public enum EngineMetrics {
    /// An ingest job ended (nil: it vanished while running, say its file was deleted).
    public static func jobFinished(_ job: Job?, after duration: Duration) {
        guard let job else { return }
        Counter(label: "zhiku_ingest_jobs_total", dimensions: [("status", job.status.rawValue)]).increment()
        Metrics.Timer(label: "zhiku_ingest_job_duration_seconds", dimensions: [("status", job.status.rawValue)]).recordNanoseconds(
            Int64(duration.seconds * 1e9))
        guard job.status == .succeeded else { return }
        Counter(label: "zhiku_ingest_pages_total").increment(by: job.pagesTotal)
        Counter(label: "zhiku_ingest_ocr_pages_total").increment(by: job.pagesOCR)
        Counter(label: "zhiku_ingest_chunks_total").increment(by: job.chunks)
    }

    /// One embedding call.
    public static func embedded(_ count: Int, model: String, purpose: EmbeddingPurpose, seconds: Double) {
        let purposeName = purpose == .query ? "query" : "passage"
        Metrics.Timer(label: "zhiku_embedding_duration_seconds", dimensions: [("model", model), ("purpose", purposeName)])
            .recordNanoseconds(Int64(seconds * 1e9))
        Counter(label: "zhiku_embedded_texts_total", dimensions: [("model", model), ("purpose", purposeName)]).increment(by: count)
    }

    /// One transcription: seconds of audio heard and seconds it took, per model.
    public static func transcribed(audioSeconds: Double, took seconds: Double, model: String) {
        Counter(label: "zhiku_transcriptions_total", dimensions: [("model", model)]).increment()
        Metrics.Timer(label: "zhiku_transcription_duration_seconds", dimensions: [("model", model)]).recordNanoseconds(Int64(seconds * 1e9))
        Counter(label: "zhiku_transcribed_audio_seconds_total", dimensions: [("model", model)]).increment(by: Int(audioSeconds.rounded()))
    }

    /// One answer, however it ended (`stop`, `length`, `not_found`, `extractive`, `cancelled`, `error`).
    public static func answered(_ stats: AnswerStats, channel: AnswerChannel) {
        let model = stats.model ?? "none"
        Counter(label: "zhiku_answers_total", dimensions: [("channel", channel.rawValue), ("outcome", stats.finishReason.rawValue)]).increment()
        Metrics.Timer(label: "zhiku_retrieval_duration_seconds").recordNanoseconds(Int64(stats.retrievalMs * 1e6))
        Metrics.Timer(label: "zhiku_answer_duration_seconds", dimensions: [("model", model)]).recordNanoseconds(Int64(stats.totalMs * 1e6))
        guard let first = stats.firstTokenMs, stats.completionTokens > 0 else { return }
        Metrics.Timer(label: "zhiku_answer_first_token_seconds", dimensions: [("model", model)]).recordNanoseconds(Int64(first * 1e6))
        Counter(label: "zhiku_generated_tokens_total", dimensions: [("model", model)]).increment(by: stats.completionTokens)
        let generating = (stats.totalMs - first) / 1000
        if stats.completionTokens > 1, generating > 0 {
            Recorder(label: "zhiku_generation_tokens_per_second", dimensions: [("model", model)], aggregate: true)
                .record(Double(stats.completionTokens - 1) / generating)
        }
    }
}
