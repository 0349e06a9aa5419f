import Foundation
import ZhikuCore

/// The cells of bordered (ruled) tables, from the wired-table model of RapidAI's `wired-table-rec` 1.0.0
/// (`cycle_center_net_v2.onnx`, a segmentation network run by ``ONNXSession``) that marks each pixel of a table image
/// as background, horizontal rule or vertical rule. As in wired-table-rec, the table is scaled so its long side is
/// 1 024 pixels (averaging when it shrinks) and normalised with ImageNet's mean and deviation (0–255 scale); the
/// cells are then found by ``TableGrid/from(classes:width:height:pixels:)``, which keeps only rules inked in the image. Tables without rules give no grid, and the
/// caller orders their text by alignment instead.
public final class TableGridDetector: Sendable {
    /// The folder name under the model cache (`scripts/fetch-models.sh` fills it).
    public static let modelID = "wired-table-v2"

    let session: ONNXSession
    let longSide = 1024

    /// Loads `cycle_center_net_v2.onnx` from `folder` (default: the model cache).
    public init(folder: URL? = nil) throws {
        let folder = try folder ?? ModelLocation.folder(for: Self.modelID)
        session = try ONNXSession(contentsOf: folder.appendingPathComponent("cycle_center_net_v2.onnx"))
        Kernels.useSingleThreadedBLAS()
    }

    /// The grid of the table inside the box `x0…x1`, `y0…y1` of `image` (a margin of a fortieth of the box is added
    /// around it, within the image), its cells in `image`'s pixels; nil when the model finds no ruled grid there.
    /// `text`: the boxes of the lines of text read on the image (a short "rule" through one is a stroke of it).
    public func grid(in image: OCRImage, x0: Float, y0: Float, x1: Float, y1: Float, text: [TableGrid.Box] = [],
                     parts: Int = 1) throws -> TableGrid? {
        let margin = max(x1 - x0, y1 - y0) / 40
        let left = max(0, Int((x0 - margin).rounded(.down))), top = max(0, Int((y0 - margin).rounded(.down)))
        let right = min(image.width, Int((x1 + margin).rounded(.up))), bottom = min(image.height, Int((y1 + margin).rounded(.up)))
        guard right - left >= 16, bottom - top >= 16 else { return nil }
        let crop = image.cropped(x: left, y: top, width: right - left, height: bottom - top)
        let scale = Float(longSide) / Float(max(crop.width, crop.height))
        let width = max(1, Int((Float(crop.width) * scale).rounded())), height = max(1, Int((Float(crop.height) * scale).rounded()))
        let input = scale < 1 ? crop.averaged(width: width, height: height) : crop.resized(width: width, height: height)
        let classes = try lineClasses(input, parts: parts)
        let sx = Float(width) / Float(crop.width), sy = Float(height) / Float(crop.height)
        let boxes = text.map { TableGrid.Box(x0: ($0.x0 - Float(left)) * sx, y0: ($0.y0 - Float(top)) * sy,
                                             x1: ($0.x1 - Float(left)) * sx, y1: ($0.y1 - Float(top)) * sy) }
        return TableGrid.from(classes: classes, width: width, height: height, pixels: input.pixels, text: boxes)?
            .mapped(scaleX: Float(crop.width) / Float(width), scaleY: Float(crop.height) / Float(height), dx: Float(left), dy: Float(top))
    }

    /// The model's class for each pixel of `image` (already at the model's scale): 0 background, 1 horizontal rule,
    /// 2 vertical rule. The image is padded with paper to a multiple of 32 pixels each way first: the network halves
    /// its maps several times and stretches the last one back to the input's size, so a side that does not divide
    /// evenly would come back shifted by up to a few percent (rules no longer over their ink).
    func lineClasses(_ image: OCRImage, parts: Int = 1) throws -> [UInt8] {
        let paddedWidth = (image.width + 31) / 32 * 32, paddedHeight = (image.height + 31) / 32 * 32
        var padded = [UInt8](repeating: 255, count: paddedWidth * paddedHeight)
        for y in 0..<image.height {
            padded.replaceSubrange((y * paddedWidth)..<(y * paddedWidth + image.width),
                                   with: image.pixels[(y * image.width)..<((y + 1) * image.width)])
        }
        let output = try session.run([session.inputNames[0]: input(OCRImage(width: paddedWidth, height: paddedHeight, pixels: padded))],
                                     parts: parts)
        guard let map = output.values.first, map.count == paddedWidth * paddedHeight else {
            throw ZhikuError(.internal, "the wired-table model returned no map for a \(paddedWidth)×\(paddedHeight) image")
        }
        let classes = map.ints
        var result = [UInt8](repeating: 0, count: image.width * image.height)
        for y in 0..<image.height {
            for x in 0..<image.width { result[y * image.width + x] = UInt8(clamping: classes[y * paddedWidth + x]) }
        }
        return result
    }

    /// The normalised 1 × 3 × H × W input for a grey image: each of R, G, B the grey value, `(v − mean) / deviation`.
    func input(_ image: OCRImage) -> ONNXTensor {
        let mean: [Float] = [123.675, 116.28, 103.53], deviation: [Float] = [58.395, 57.12, 57.375]
        return ONNXTensor(shape: [1, 3, image.height, image.width],
                          floats: image.planes(scale: deviation.map { 1 / $0 }, shift: zip(mean, deviation).map { $0 / $1 }))
    }
}
