import CFFmpeg
import Foundation
import ZhikuCore

/// Decodes audio files (WAV, FLAC, OGG/Opus, WebM/Opus, MP3, M4A/AAC and whatever else Debian's FFmpeg reads)
/// to mono 16-bit samples at a chosen rate, through libavformat, libavcodec and libswresample with swresample's
/// default filter — the same conversion faster-whisper gets from PyAV — returned as floats (s16 / 32768).
public enum AudioDecoder {
    /// The longest audio decoded, in seconds (4 hours), so a hostile file cannot fill memory.
    public static let defaultMaximumSeconds = 4 * 3600.0

    /// Samples of the first audio stream of the file at `url`, mono, at `sampleRate`.
    public static func decode(_ url: URL, sampleRate: Int = 16_000, maximumSeconds: Double = defaultMaximumSeconds) throws -> AudioClip {
        let name = url.lastPathComponent
        func failure(_ what: String, _ code: Int32) -> ZhikuError {
            var buffer = [CChar](repeating: 0, count: 256)
            av_strerror(code, &buffer, buffer.count)
            let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return ZhikuError.invalidInput("cannot decode audio \(name): \(what) (\(reason))")
        }
        av_log_set_level(AV_LOG_QUIET)
        var format: UnsafeMutablePointer<AVFormatContext>?
        var status = avformat_open_input(&format, url.path, nil, nil)
        guard status >= 0, let format else { throw failure("not a readable media file", status) }
        defer { var f: UnsafeMutablePointer<AVFormatContext>? = format; avformat_close_input(&f) }
        status = avformat_find_stream_info(format, nil)
        guard status >= 0 else { throw failure("no stream information", status) }
        // A file whose container states a length over the limit is refused before a sample is decoded; one that
        // states none (or lies) is still cut off while decoding, below.
        let stated = Double(format.pointee.duration) / Double(AV_TIME_BASE)  // AV_NOPTS_VALUE (unknown) is negative
        if stated > maximumSeconds + 1 {
            throw ZhikuError.invalidInput("audio \(name) lasts \(Int(stated)) s; the limit is \(Int(maximumSeconds)) s")
        }
        var codec: UnsafePointer<AVCodec>?
        let streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0)
        guard streamIndex >= 0, let codec, let stream = format.pointee.streams[Int(streamIndex)] else {
            throw failure("no audio stream", streamIndex)
        }
        guard var context = avcodec_alloc_context3(codec) else { throw ZhikuError.invalidInput("cannot decode audio \(name): out of memory") }
        defer { var c: UnsafeMutablePointer<AVCodecContext>? = context; avcodec_free_context(&c) }
        status = avcodec_parameters_to_context(context, stream.pointee.codecpar)
        guard status >= 0 else { throw failure("unusable codec parameters", status) }
        status = avcodec_open2(context, codec, nil)
        guard status >= 0 else { throw failure("cannot open the \(String(cString: codec.pointee.name)) decoder", status) }

        var resampler: OpaquePointer?
        defer { swr_free(&resampler) }
        var mono = AVChannelLayout()
        av_channel_layout_default(&mono, 1)
        let maximumSamples = Int(maximumSeconds * Double(sampleRate))
        var samples: [Float] = []
        var output = [Int16](repeating: 0, count: 0)

        func makeResampler(for frame: UnsafeMutablePointer<AVFrame>) throws {
            var inputLayout = frame.pointee.ch_layout
            if inputLayout.nb_channels == 0 || inputLayout.order == AV_CHANNEL_ORDER_UNSPEC {
                av_channel_layout_default(&inputLayout, max(1, context.pointee.ch_layout.nb_channels))
            }
            let rate = frame.pointee.sample_rate > 0 ? frame.pointee.sample_rate : context.pointee.sample_rate
            let status = swr_alloc_set_opts2(&resampler, &mono, AV_SAMPLE_FMT_S16, Int32(sampleRate), &inputLayout,
                                             AVSampleFormat(frame.pointee.format), rate, 0, nil)
            guard status >= 0, resampler != nil, swr_init(resampler) >= 0 else { throw failure("cannot resample", status) }
        }
        func convert(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
            let inputCount = frame?.pointee.nb_samples ?? 0
            let capacity = Int(swr_get_out_samples(resampler, inputCount)) + 32
            guard capacity > 0 else { return }
            if output.count < capacity { output = [Int16](repeating: 0, count: capacity) }
            let produced = output.withUnsafeMutableBytes { raw -> Int32 in
                var out: UnsafeMutablePointer<UInt8>? = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                if let frame {
                    return frame.pointee.extended_data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { input in
                        swr_convert(resampler, &out, Int32(capacity), input, inputCount)
                    }
                }
                return swr_convert(resampler, &out, Int32(capacity), nil, 0)
            }
            guard produced >= 0 else { throw failure("resampling failed", produced) }
            samples += output[0..<Int(produced)].map { Float($0) / 32768 }
            guard samples.count <= maximumSamples else {
                throw ZhikuError.invalidInput("audio \(name) is longer than the limit of \(Int(maximumSeconds)) s")
            }
        }

        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else {
            throw ZhikuError.invalidInput("cannot decode audio \(name): out of memory")
        }
        defer {
            var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p)
            var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f)
        }
        var decodedFrames = 0
        func drain() throws {
            while true {
                let received = avcodec_receive_frame(context, frame)
                if received == zhiku_averror_eagain() || received == zhiku_averror_eof() { return }
                guard received >= 0 else { return }  // a damaged frame is skipped, as players do
                defer { av_frame_unref(frame) }
                guard frame.pointee.nb_samples > 0 else { continue }
                if resampler == nil { try makeResampler(for: frame) }
                try convert(frame)
                decodedFrames += 1
            }
        }
        while av_read_frame(format, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            _ = avcodec_send_packet(context, packet)  // a damaged packet is skipped; what decoded so far is kept
            try drain()
        }
        avcodec_send_packet(context, nil)
        try drain()
        guard decodedFrames > 0, resampler != nil else {
            throw ZhikuError.invalidInput("cannot decode audio \(name): it holds no decodable sound")
        }
        try convert(nil)
        return AudioClip(samples: samples, sampleRate: sampleRate)
    }
}
