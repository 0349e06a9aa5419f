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
        // A literal default system turn inside the template, e.g. '<|im_start|>system\nYou are …<|im_end|>\n'.
        let marker = "<|im_start|>system\n"
        if let start = text.range(of: marker), let end = text.range(of: "<|im_end|>", range: start.upperBound..<text.endIndex) {
            let candidate = String(text[start.upperBound..<end.lowerBound])
            defaultSystem = candidate.contains("{") || candidate.contains("'") ? nil : candidate
        } else {
            defaultSystem = nil
        }
    }

    /// Control tokens that end an assistant turn.
    public var stopTokens: [String] {
        family == .chatML ? ["<|im_end|>"] : ["<|eot_id|>", "<|end_of_text|>"]
    }

    /// The prompt: every message, then the opening of the assistant's turn.
    public func render(_ messages: [ChatMessage]) -> String {
        var all = messages
        if let defaultSystem, messages.first?.role != "system" {
            all.insert(ChatMessage(role: "system", content: defaultSystem), at: 0)
        }
        switch family {
        case .chatML:
            return all.map { "<|im_start|>\($0.role)\n\($0.content)<|im_end|>\n" }.joined() + "<|im_start|>assistant\n"
        case .llama3:
            return "<|begin_of_text|>" + all.map { "<|start_header_id|>\($0.role)<|end_header_id|>\n\n\($0.content)<|eot_id|>" }.joined()
                + "<|start_header_id|>assistant<|end_header_id|>\n\n"
        }
    }
}
