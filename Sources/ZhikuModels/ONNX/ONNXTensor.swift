import Foundation
import ZhikuCore

/// One value flowing through an ONNX graph: a shape and its elements in row-major order, float32 for data and
/// integers (ONNX int32/int64/bool, kept as `Int`) for shapes, indices and counts.
public struct ONNXTensor: Sendable {
    /// The elements, by kind.
    public enum Values: Sendable {
        case float([Float])
        case int([Int])
    }

    /// The most elements one tensor may hold (a billion floats = 4 GiB): a shape beyond it is a hostile or broken
    /// file, refused before anything is allocated.
    public static let maxElements = 1 << 30

    public var shape: [Int]
    public var values: Values

    public init(shape: [Int], floats: [Float]) {
        precondition(Self.elementCount(shape) == floats.count, "shape \(shape) does not hold \(floats.count) values")
        self.shape = shape
        values = .float(floats)
    }

    public init(shape: [Int], ints: [Int]) {
        precondition(Self.elementCount(shape) == ints.count, "shape \(shape) does not hold \(ints.count) values")
        self.shape = shape
        values = .int(ints)
    }

    /// How many elements the tensor holds.
    public var count: Int { Self.elementCount(shape) }

    /// The product of `shape` (1 for a scalar).
    static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The product of `shape`, checked: negative dimensions or more than ``maxElements`` are refused.
    static func checkedCount(_ shape: [Int], context: String) throws -> Int {
        var total = 1
        for dimension in shape {
            guard dimension >= 0 else { throw ZhikuError.invalidInput("\(context): negative dimension in shape \(shape)") }
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maxElements else {
                throw ZhikuError.invalidInput("\(context): shape \(shape) holds more than \(maxElements) elements")
            }
            total = product
        }
        return total
    }

    /// The elements as floats (integers converted).
    public var floats: [Float] {
        switch values {
        case .float(let v): return v
        case .int(let v): return v.map { Float($0) }
        }
    }

    /// The elements as integers (floats truncated toward zero).
    public var ints: [Int] {
        switch values {
        case .int(let v): return v
        case .float(let v): return v.map { $0.isFinite ? Int($0) : 0 }
        }
    }

    /// Whether the tensor holds integers.
    public var isInteger: Bool {
        if case .int = values { return true }
        return false
    }

    /// The same elements under another shape of the same count.
    func reshaped(_ newShape: [Int]) -> ONNXTensor {
        var copy = self
        copy.shape = newShape
        return copy
    }
}
