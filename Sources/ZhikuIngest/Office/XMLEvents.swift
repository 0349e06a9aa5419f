import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZhikuCore

/// One event of an XML part, element names without their namespace prefix (`w:p` → `p`): Office and OpenDocument
/// parts are read by local names, whichever prefix a writer chose.
enum XMLEvent: Sendable, Equatable {
    case start(String, [String: String])
    case end(String)
    case text(String)
}

/// Reads an XML part of a document into events with Foundation's `XMLParser`, safely: a part with a document type
/// declaration is refused before parsing (no DTD, so no entity expansion — "billion laughs" — and no external
/// entities), and external entities are never resolved.
enum XMLEvents {
    static func read(_ data: Data, part: String, fileName: String) throws -> [XMLEvent] {
        if containsDoctype(data) {
            throw ZhikuError.extractionFailed("'\(fileName)': part \(part) declares a DTD, which documents never need (refused)")
        }
        let collector = Collector()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = collector
        guard parser.parse() else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML"
            throw ZhikuError.extractionFailed("'\(fileName)': part \(part) is not well-formed XML (\(reason), line \(parser.lineNumber))")
        }
        collector.flush()
        return collector.events
    }

    /// The text of the first element of each of `names` (metadata such as `dc:title`, `dc:creator`).
    static func texts(of names: Set<String>, in events: [XMLEvent]) -> [String: String] {
        var values: [String: String] = [:], current: String?
        for event in events {
            switch event {
            case .start(let name, _) where names.contains(name) && values[name] == nil: current = name
            case .text(let text): if let current { values[current, default: ""] += text }
            case .end: current = nil
            default: break
            }
        }
        return values
    }

    /// Whether `<!DOCTYPE` occurs anywhere (any case).
    static func containsDoctype(_ data: Data) -> Bool {
        let pattern = Array("<!doctype".utf8)
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= pattern.count else { return false }
            var i = 0
            while i <= bytes.count - pattern.count {
                if bytes[i] == 0x3C, bytes[i + 1] == 0x21 {
                    var j = 2
                    while j < pattern.count, bytes[i + j] | 0x20 == pattern[j] { j += 1 }
                    if j == pattern.count { return true }
                }
                i += 1
            }
            return false
        }
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var events: [XMLEvent] = []
        private var text = ""

        func flush() {
            if !text.isEmpty { events.append(.text(text)); text = "" }
        }

        private static func local(_ name: String) -> String {
            guard let colon = name.lastIndex(of: ":") else { return name }
            return String(name[name.index(after: colon)...])
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            flush()
            // Attributes under their full name and, unless an unprefixed one has it, their local name too
            // (`<p:sldId id="256" r:id="rId2">` keeps both `id` and `r:id`).
            var local = attributes
            for (key, value) in attributes where key.contains(":") && local[Self.local(key)] == nil { local[Self.local(key)] = value }
            events.append(.start(Self.local(elementName), local))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            flush()
            events.append(.end(Self.local(elementName)))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) { text += String(decoding: CDATABlock, as: UTF8.self) }
    }
}
