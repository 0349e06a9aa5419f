/// An image ready for text recognition: 8-bit grayscale rows, upright, at a known resolution.
public struct OCRImage: Sendable {
    public var width: Int
    public var height: Int
    /// `height` rows of `width` bytes, 0 black … 255 white.
    public var pixels: [UInt8]
    /// Dots per inch, when known (a scan's header, a PDF page rendered at 300).
    public var dpi: Int?

    public init(width: Int, height: Int, pixels: [UInt8], dpi: Int? = nil) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
        self.dpi = dpi
    }
}
