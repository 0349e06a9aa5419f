import Foundation
import ZhikuCore

/// Refuses OLE compound files with the reason a user can act on: an Office document encrypted with a password
/// (its `EncryptionInfo` stream) or a legacy Word/Excel/PowerPoint 97–2003 file, neither of which Zhiku reads.
public struct OLECompoundRefusal: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.oleCompound] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        // Stream names are UTF-16LE in the compound file's directory.
        let marker = Data("EncryptionInfo".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let bytes = (try? Data(contentsOf: file.url, options: .mappedIfSafe)) ?? Data()
        if bytes.range(of: marker) != nil {
            throw ZhikuError.extractionFailed("'\(file.name)': password-protected documents are not supported (save a copy without the password)")
        }
        throw ZhikuError.extractionFailed(
            "'\(file.name)': legacy Word/Excel/PowerPoint 97–2003 files (.doc, .xls, .ppt) are not supported (save it as .docx, .xlsx or .pptx)")
    }
}
