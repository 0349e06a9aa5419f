import Foundation

/// What the person who asked thought of an answer: 👍 or 👎, with an optional comment. Kept on the answer's audit
/// entry (and shown with its conversation message); 👍 answers become test questions (`zhiku eval export-feedback`).
public struct AnswerFeedback: Sendable, Hashable, Codable {
    public enum Rating: String, Sendable, Hashable, Codable, CaseIterable {
        case up, down
    }

    public var rating: Rating
    public var comment: String?
    public var at: Date

    /// The longest comment kept, in characters.
    public static let maxCommentCharacters = 2000

    public init(rating: Rating, comment: String? = nil, at: Date = Date()) {
        self.rating = rating
        let trimmed = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.comment = trimmed?.isEmpty == false ? trimmed : nil
        self.at = at
    }

    /// Checks a client's feedback; `.invalidInput` for an overlong comment.
    public func validated() throws -> AnswerFeedback {
        if let comment, comment.count > Self.maxCommentCharacters {
            throw ZhikuError.invalidInput("the comment has \(comment.count) characters; the limit is \(Self.maxCommentCharacters)")
        }
        return self
    }
}
