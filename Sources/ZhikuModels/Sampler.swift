import Foundation
import ZhikuCore

/// Picks tokens from logits according to ``SamplingOptions``, with its own seeded generator (SplitMix64).
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var state: UInt64
    /// Tokens seen so far, for the repetition penalty (grown as generation goes).
    private var seen: Set<Int32> = []
    private var seenGenerated = 0
    private var seenPrompt = false

    public init(_ options: SamplingOptions) {
        self.options = options
        state = options.seed &+ 0x9E37_79B9_7F4A_7C15
    }

    private mutating func nextUniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }

    /// The next token given the logits, the prompt and the tokens generated so far (for the repetition penalty;
    /// the set of seen tokens grows by the new tokens only, so a long prompt costs once, not once per token).
    public mutating func next(_ logits: [Float], history prompt: [Int32], generated: [Int32]) -> Int32 {
        if options.repetitionPenalty != 1 {
            if !seenPrompt {
                seen.formUnion(prompt)
                seenPrompt = true
            }
            if generated.count > seenGenerated {
                seen.formUnion(generated[seenGenerated...])
                seenGenerated = generated.count
            }
        }
        return pick(logits, penalized: seen)
    }

    /// The next token given the logits and the tokens so far (for the repetition penalty).
    public mutating func next(_ logits: [Float], history: [Int32]) -> Int32 {
        pick(logits, penalized: options.repetitionPenalty != 1 ? Set(history) : [])
    }

    private mutating func pick(_ logits: [Float], penalized: Set<Int32>) -> Int32 {
        var logits = logits
        if options.repetitionPenalty != 1 {
            let p = Float(options.repetitionPenalty)
            for id in penalized where Int(id) < logits.count {
                let i = Int(id)
                logits[i] = logits[i] > 0 ? logits[i] / p : logits[i] * p
            }
        }
        guard options.temperature > 0 else {
            var best = 0
            for i in logits.indices where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        var order = Array(logits.indices).sorted { logits[$0] > logits[$1] }
        if options.topK > 0 { order = Array(order.prefix(options.topK)) }
        let t = options.temperature
        let top = Double(logits[order[0]])
        var probabilities = order.map { exp((Double(logits[$0]) - top) / t) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        if options.topP < 1 {
            var sum = 0.0, keep = 0
            while keep < probabilities.count {
                sum += probabilities[keep]
                keep += 1
                if sum >= options.topP { break }
            }
            order = Array(order.prefix(keep))
            let kept = probabilities.prefix(keep).reduce(0, +)
            probabilities = probabilities.prefix(keep).map { $0 / kept }
        }
        var r = nextUniform()
        for (i, p) in probabilities.enumerated() {
            r -= p
            if r <= 0 { return Int32(order[i]) }
        }
        return Int32(order[order.count - 1])
    }
}
