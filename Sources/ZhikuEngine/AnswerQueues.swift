import Foundation
import ZhikuCore
import ZhikuModels

/// One ``ZhikuCore/FairQueue`` per chat model: generated answers take turns at the model, fairly between users,
/// and a waiting answer is told its place. The built-in engine answers one at a time (each answer uses every core);
/// a model server gets up to `remoteSlots` answers at once (it queues the rest itself).
public final class AnswerQueues: @unchecked Sendable {
    /// Answers sent to one model server at once.
    public let remoteSlots: Int
    private let lock = NSLock()
    private var queues: [String: FairQueue] = [:]

    public init(remoteSlots: Int = 8) {
        self.remoteSlots = max(1, remoteSlots)
    }

    /// Whose turn an answer takes: the account, else the name given (the command line), else this machine (sign-in
    /// off). Every path that queues answers names its owner this way, so one user is one owner everywhere.
    public static func owner(account: User.ID?, name: String? = nil) -> String {
        account.map { "user \($0)" } ?? name ?? "local"
    }

    /// The queue of `model`.
    public func queue(for model: any ChatModel) -> FairQueue {
        lock.withLock {
            if let queue = queues[model.modelID] { return queue }
            let queue = FairQueue(slots: model is BuiltInChatModel ? 1 : remoteSlots)
            queues[model.modelID] = queue
            return queue
        }
    }
}
