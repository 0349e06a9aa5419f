import ZhikuCore

extension ZhikuError {
    /// What a client is told about this error: internals (`.internal`, `.storageFailed`: SQL, paths, library
    /// errors) never, only that the server failed; ``ZhikuError/detail`` (a model server's own reply) only when
    /// `user` is an admin. The whole error goes to the log in every case.
    func clientMessage(for user: User?) -> String {
        switch code {
        case .internal: return "the server failed; the server log has the details"
        case .storageFailed: return "the server's storage failed; the server log has the details"
        default:
            guard let detail else { return message }
            return user?.role == .admin ? "\(message): \(detail)" : "\(message); an admin can read its reply in the server log"
        }
    }
}
