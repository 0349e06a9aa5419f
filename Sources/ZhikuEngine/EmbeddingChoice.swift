/// Which embedding model a new knowledge base gets.
public enum EmbeddingChoice: Sendable, Equatable {
    /// The configured default (`ZHIKU_EMBEDDING_MODEL`).
    case configuredDefault
    /// None: keyword search only.
    case keywordOnly
    /// This model (checked by loading it first).
    case model(String)

    /// The choice a user writes (`--embedding-model`, the API's `embedding_model`): absent → the default, `none` →
    /// keyword only, anything else → that model.
    public init(parsing text: String?) {
        guard let text else { self = .configuredDefault; return }
        self = text.lowercased() == "none" ? .keywordOnly : .model(text)
    }

    /// Whether a knowledge base embedded with `model` (nil: keyword only) is what this choice asks for (the
    /// configured default accepts any).
    public func accepts(_ model: String?) -> Bool {
        switch self {
        case .configuredDefault: true
        case .keywordOnly: model == nil
        case .model(let name): model == name
        }
    }
}
