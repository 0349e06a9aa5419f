import Foundation
import ZhikuCore

/// ``TableReader`` on PP-Structure's layout model (``LayoutDetector``: where the tables are) and the wired-table model
/// (``TableGridDetector``: their cells from their rules). Tables without rules give no grid and are not returned.
public final class WiredTableReader: TableReader {
    let layout: LayoutDetector
    let grids: TableGridDetector

    /// Loads both models from the model cache.
    public init() throws {
        layout = try LayoutDetector()
        grids = try TableGridDetector()
    }

    /// Whether both models are in the model cache.
    public static var installed: Bool {
        [LayoutDetector.modelID, TableGridDetector.modelID].allSatisfy {
            FileManager.default.fileExists(atPath: ModelLocation.root().appendingPathComponent($0).path)
        }
    }

    public func tables(in image: OCRImage, text: [TableGrid.Box]) throws -> [(region: TableGrid.Box, grid: TableGrid)] {
        try layout.regions(in: image).filter { $0.kind == .table }.compactMap { region in
            guard let grid = try grids.grid(in: image, x0: region.x0, y0: region.y0, x1: region.x1, y1: region.y1, text: text) else {
                return nil
            }
            return (TableGrid.Box(x0: region.x0, y0: region.y0, x1: region.x1, y1: region.y1), grid)
        }
    }
}
