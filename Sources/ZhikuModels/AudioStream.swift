import CFFmpeg
import Foundation
import ZhikuCore

/// An audio file decoded a piece at a time (see ``AudioDecoder`` for the conversion): mono 16-bit samples at a
/// chosen rate, returned as floats (s16 / 32768), so a long recording is never held whole. The container's stated
/// length is checked when the file is opened, the decoded length while reading.
public final class AudioStream {
    /// The file's name, for error messages.
    public let name: String
    public let sampleRate: Int
    public let maximumSeconds: Double
    /// Samples returned by ``read(_:)`` so far.
    public private(set) var position = 0

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var resampler: OpaquePointer?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var mono = AVChannelLayout()
    private let streamIndex: Int32
    private let maximumSamples: Int
    /// Decoded samples not yet returned, from `pendingStart` on.
    private var pending: [Float] = []
    private var pendingStart = 0
    private var output: [Int16] = []
    private var decodedSamples = 0
    private var decodedFrames = 0
    private var finished = false

    /// Opens the first audio stream of the file at `url`; throws a ``ZhikuError/invalidInput(_:)`` naming the file
    /// when it is not decodable audio or states a length over `maximumSeconds`.
    public init(url: URL, sampleRate: Int = 16_000, maximumSeconds: Double = AudioDecoder.defaultMaximumSeconds) throws {
        name = url.lastPathComponent
        self.sampleRate = sampleRate
        self.maximumSeconds = maximumSeconds
        maximumSamples = Int(maximumSeconds * Double(sampleRate))
        av_log_set_level(AV_LOG_QUIET)
        var status = avformat_open_input(&format, url.path, nil, nil)
        guard status >= 0, let format else {
            streamIndex = -1
            throw Self.failure(name, "not a readable media file", status)
        }
        status = avformat_find_stream_info(format, nil)
        guard status >= 0 else { streamIndex = -1; throw Self.failure(name, "no stream information", status) }
        // A file whose container states a length over the limit is refused before a sample is decoded; one that
        // states none (or lies) is still cut off while decoding.
        let stated = Double(format.pointee.duration) / Double(AV_TIME_BASE)  // AV_NOPTS_VALUE (unknown) is negative
        if stated > maximumSeconds + 1 {
            streamIndex = -1
            throw ZhikuError.invalidInput("audio \(name) lasts \(Int(stated)) s; the limit is \(Int(maximumSeconds)) s")
        }
        var codec: UnsafePointer<AVCodec>?
        streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0)
        guard streamIndex >= 0, let codec, let stream = format.pointee.streams[Int(streamIndex)] else {
            throw Self.failure(name, "no audio stream", streamIndex)
        }
        context = avcodec_alloc_context3(codec)
        guard let context else { throw ZhikuError.invalidInput("cannot decode audio \(name): out of memory") }
        status = avcodec_parameters_to_context(context, stream.pointee.codecpar)
        guard status >= 0 else { throw Self.failure(name, "unusable codec parameters", status) }
        status = avcodec_open2(context, codec, nil)
        guard status >= 0 else { throw Self.failure(name, "cannot open the \(String(cString: codec.pointee.name)) decoder", status) }
        av_channel_layout_default(&mono, 1)
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard packet != nil, frame != nil else { throw ZhikuError.invalidInput("cannot decode audio \(name): out of memory") }
    }

    deinit {
        av_packet_free(&packet)
        av_frame_free(&frame)
        swr_free(&resampler)
        avcodec_free_context(&context)
        avformat_close_input(&format)
    }

    /// The next `count` samples, fewer only at the end of the file, none after it.
    public func read(_ count: Int) throws -> [Float] {
        while pending.count - pendingStart < count && !finished { try decodeMore() }
        let end = min(pending.count, pendingStart + count)
        let piece = Array(pending[pendingStart..<end])
        pendingStart = end
        if pendingStart > 65_536 && pendingStart * 2 > pending.count {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
        position += piece.count
        return piece
    }

    /// Reads one packet (or, at the end, flushes the decoder and the resampler).
    private func decodeMore() throws {
        guard let format, let packet else { return }
        if av_read_frame(format, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { return }
            _ = avcodec_send_packet(context, packet)  // a damaged packet is skipped; what decoded so far is kept
            try drain()
            return
        }
        avcodec_send_packet(context, nil)
        try drain()
        finished = true
        guard decodedFrames > 0, resampler != nil else {
            throw ZhikuError.invalidInput("cannot decode audio \(name): it holds no decodable sound")
        }
        try convert(nil)
    }

    private func drain() throws {
        guard let frame else { return }
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

    private func makeResampler(for frame: UnsafeMutablePointer<AVFrame>) throws {
        guard let context else { return }
        var inputLayout = frame.pointee.ch_layout
        if inputLayout.nb_channels == 0 || inputLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&inputLayout, max(1, context.pointee.ch_layout.nb_channels))
        }
        let rate = frame.pointee.sample_rate > 0 ? frame.pointee.sample_rate : context.pointee.sample_rate
        let status = swr_alloc_set_opts2(&resampler, &mono, AV_SAMPLE_FMT_S16, Int32(sampleRate), &inputLayout,
                                         AVSampleFormat(frame.pointee.format), rate, 0, nil)
        guard status >= 0, resampler != nil, swr_init(resampler) >= 0 else { throw Self.failure(name, "cannot resample", status) }
    }

    private func convert(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        let inputCount = frame?.pointee.nb_samples ?? 0
        let capacity = Int(swr_get_out_samples(resampler, inputCount)) + 32
        guard capacity > 0 else { return }
        if output.count < capacity { output = [Int16](repeating: 0, count: capacity) }
        let resampler = self.resampler
        let produced = output.withUnsafeMutableBytes { raw -> Int32 in
            var out: UnsafeMutablePointer<UInt8>? = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if let frame {
                return frame.pointee.extended_data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { input in
                    swr_convert(resampler, &out, Int32(capacity), input, inputCount)
                }
            }
            return swr_convert(resampler, &out, Int32(capacity), nil, 0)
        }
        guard produced >= 0 else { throw Self.failure(name, "resampling failed", produced) }
        decodedSamples += Int(produced)
        guard decodedSamples <= maximumSamples else {
            throw ZhikuError.invalidInput("audio \(name) is longer than the limit of \(Int(maximumSeconds)) s")
        }
        pending.reserveCapacity(pending.count + Int(produced))
        for i in 0..<Int(produced) { pending.append(Float(output[i]) / 32768) }
    }

    private static func failure(_ name: String, _ what: String, _ code: Int32) -> ZhikuError {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return ZhikuError.invalidInput("cannot decode audio \(name): \(what) (\(reason))")
    }
}
