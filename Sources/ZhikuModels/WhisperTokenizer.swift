import Foundation
import ZhikuCore

/// Whisper's vocabulary (CTranslate2's `vocabulary.txt`, one byte-level BPE token per line) and its special tokens:
/// decoding only — Whisper's prompts are made of special tokens.
public struct WhisperTokenizer: Sendable {
    public let tokens: [String]
    public let endOfText: Int32
    public let startOfTranscript: Int32
    public let transcribe: Int32
    public let translate: Int32
    public let noTimestamps: Int32
    public let noSpeech: Int32
    /// The first timestamp token, `<|0.00|>`; each next one is 0.02 s later.
    public let timestampBegin: Int32
    /// Language code → token id (`en` → `<|en|>`), in the model's order.
    public let languages: [(code: String, id: Int32)]

    public init(vocabulary url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ZhikuError.notFound("cannot read Whisper vocabulary \(url.path)")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        tokens = lines
        var ids: [String: Int32] = [:]
        for (i, token) in lines.enumerated() where ids[token] == nil { ids[token] = Int32(i) }
        func special(_ name: String) throws -> Int32 {
            guard let id = ids[name] else { throw ModelFileReader.corrupt(url.lastPathComponent, "no \(name) token") }
            return id
        }
        endOfText = try special("<|endoftext|>")
        startOfTranscript = try special("<|startoftranscript|>")
        transcribe = try special("<|transcribe|>")
        translate = try special("<|translate|>")
        noTimestamps = try special("<|notimestamps|>")
        noSpeech = try (ids["<|nospeech|>"] ?? special("<|nocaptions|>"))
        timestampBegin = try special("<|0.00|>")
        // Language tokens sit between <|startoftranscript|> and <|translate|>.
        languages = ((startOfTranscript + 1)..<translate).compactMap { id in
            let token = lines[Int(id)]
            guard token.hasPrefix("<|"), token.hasSuffix("|>") else { return nil }
            return (String(token.dropFirst(2).dropLast(2)), id)
        }
    }

    /// The language token of `code`, if Whisper knows the language.
    public func languageToken(_ code: String) -> Int32? { languages.first { $0.code == code }?.id }

    /// The text of `ids`, leaving out special and timestamp tokens.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < endOfText {
            for ch in tokens[Int(id)] {
                if let b = ByteLevelBPETokenizer.characterBytes[ch] { bytes.append(b) } else { bytes += Array(String(ch).utf8) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
