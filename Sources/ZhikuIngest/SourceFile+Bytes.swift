import Foundation
import ZhikuCore

extension SourceFile {
    /// All bytes of the file.
    func readBytes() throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw ZhikuError(.extractionFailed, "cannot read '\(name)': \(error.localizedDescription)")
        }
    }

    /// The bytes decoded as text, with line endings normalised to "\n".
    func readText() throws -> String {
        let bytes = try readBytes()
        guard !bytes.isEmpty else { throw ZhikuError.extractionFailed("'\(name)' is empty") }
        do {
            let text = try TextDecoding.decode(bytes).text
            return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        } catch let error as ZhikuError {
            throw ZhikuError(.extractionFailed, "'\(name)': \(error.message)")
        }
    }
}
