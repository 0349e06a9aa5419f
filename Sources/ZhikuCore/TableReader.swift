/// Finds the ruled tables on a rendered page and their cells (for text-layer PDF pages, whose text is then put into
/// the cells instead of running across them).
public protocol TableReader: Sendable {
    /// The tables on `image`: each table's region and its grid, in the image's pixels. `text`: boxes of the lines
    /// or words of text on the page, in the same pixels (a "rule" through the middle of one is a stroke of it).
    func tables(in image: OCRImage, text: [TableGrid.Box]) throws -> [(region: TableGrid.Box, grid: TableGrid)]
}
