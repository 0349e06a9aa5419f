import Foundation
import ZhikuCore

/// Turns messages into the prompt text a chat model was trained on. Zhiku does not run Jinja: it recognises the
/// two template families GGUF chat models ship with — ChatML (`<|im_start|>role\n…<|im_end|>\n`, SmolLM2,
/// Qwen) and Llama 3 (`<|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>`) — and takes a default system
/// message from the template text when it has one.
public struct ChatTemplate: Sendable, Equatable {
    public enum Family: String, Sendable { case chatML, llama3 }

    public var family: Family
    /// Inserted first when the conversation has no system message.
    public var defaultSystem: String?

    public init(family: Family, defaultSystem: String? = nil) {
        self.family = family
        self.defaultSystem = defaultSystem
    }

    /// The template described by a GGUF `tokenizer.chat_template` (ChatML when there is none).
    public init(jinja: String?) {
        let text = jinja ?? ""
        if text.contains("<|start_header_id|>") {
            family = .llama3
            defaultSystem = nil
            return
        }
        family = .chatML
        // A literal default system turn inside the template, e.g. '<|im_start|>system\nYou are …<|im_end|>\n' (the
        // newline written as itself or, inside a Jinja string, as \n); the first occurrence that is plain text
        // (not built from the messages) wins.
        defaultSystem = nil
        for marker in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            var from = text.startIndex
            while defaultSystem == nil, let start = text.range(of: marker, range: from..<text.endIndex) {
                from = start.upperBound
                guard let end = text.range(of: "<|im_end|>", range: start.upperBound..<text.endIndex) else { break }
                let candidate = String(text[start.upperBound..<end.lowerBound])
                if !candidate.isEmpty, !candidate.contains("{"), !candidate.contains("'"), !candidate.contains("\\") {
                    defaultSystem = candidate
                }
            }
            if defaultSystem != nil { break }
        }
    }

    /// Control tokens that end an assistant turn.
    public var stopTokens: [String] {
        family == .chatML ? ["<|im_end|>", "<|endoftext|>"] : ["<|eot_id|>", "<|end_of_text|>"]
    }

    /// A part of a rendered prompt: a control token written by the template, or text (which is never read as
    /// control tokens, whatever it contains).
    public enum Segment: Sendable, Equatable {
        case control(String)
        case text(String)
    }

    /// The prompt as text: every message, then the opening of the assistant's turn.
    public func render(_ messages: [ChatMessage]) -> String {
        segments(messages).map { segment in
            switch segment {
            case .control(let s), .text(let s): s
            }
        }.joined()
    }

    /// The prompt as control tokens and text, for tokenizing without letting message text become control tokens.
    public func segments(_ messages: [ChatMessage]) -> [Segment] {
        var all = messages
        if let defaultSystem, messages.first?.role != .system {
            all.insert(ChatMessage(role: .system, content: defaultSystem), at: 0)
        }
        var out: [Segment] = []
        switch family {
        case .chatML:
            for m in all {
                out += [.control("<|im_start|>"), .text("\(m.role.rawValue)\n\(m.content)"), .control("<|im_end|>"), .text("\n")]
            }
            out += [.control("<|im_start|>"), .text("assistant\n")]
        case .llama3:
            out.append(.control("<|begin_of_text|>"))
            for m in all {
                out += [.control("<|start_header_id|>"), .text(m.role.rawValue), .control("<|end_header_id|>"), .text("\n\n" + m.content),
                        .control("<|eot_id|>")]
            }
            out += [.control("<|start_header_id|>"), .text("assistant"), .control("<|end_header_id|>"), .text("\n\n")]
        }
        return out
    }
}
