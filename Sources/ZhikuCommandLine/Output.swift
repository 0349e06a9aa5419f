import Foundation
import ZhikuEngine

/// Writes a line to standard output and flushes, so pipes see it at once.
public func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes `value` as JSON on one line of standard output.
public func emitJSON<T: Encodable>(_ value: T, pretty: Bool = false) throws {
    let encoder = ZhikuJSON.encoder
    if pretty { encoder.outputFormatting.insert(.prettyPrinted) }
    emit(String(decoding: try encoder.encode(value), as: UTF8.self))
}
