import ZhikuCore

/// Who may see and change which knowledge base. Admins may do everything; a member sees only the knowledge bases
/// they hold a ``KnowledgeBaseRole`` in, and one they hold none in is answered exactly like one that does not
/// exist (404 with the name they gave), so its existence does not leak. A name is looked up among the knowledge
/// bases the user can see (names are unique per owner, so another user's "notes" never stands in the way); when
/// several of those have it, the user's own wins, else the id must be given (409).
public struct AccessControl: Sendable {
    let store: any Store
    let accounts: any AccountStore

    /// The knowledge base `reference` (id or name) if `user` may do what `role` allows in it.
    public func knowledgeBase(_ reference: String, for user: User, needs role: KnowledgeBaseRole) async throws -> KnowledgeBase {
        let missing = ZhikuError.notFound("knowledge base '\(reference)' does not exist")
        if let id = KnowledgeBase.ID(reference) {
            guard let kb = try await store.knowledgeBase(id: id) else { throw missing }
            try await check(kb, for: user, needs: role, missing: missing)
            return kb
        }
        var named = try await store.knowledgeBases(named: reference)
        if !user.isAdmin {
            let roles = try await accounts.roles(of: user.id)
            named = named.filter { roles[$0.id] != nil }
        }
        if named.count > 1 {
            let own = named.filter { $0.ownerID != nil && $0.ownerID == user.ownerID }
            if own.count == 1 { named = own }
        }
        guard let kb = try KnowledgeBase.single(named, named: reference) else { throw missing }
        try await check(kb, for: user, needs: role, missing: missing)
        return kb
    }

    /// The knowledge base with `id` if `user` may do what `role` allows in it.
    public func knowledgeBase(id: KnowledgeBase.ID, for user: User, needs role: KnowledgeBaseRole) async throws -> KnowledgeBase {
        let missing = ZhikuError.notFound("knowledge base \(id) does not exist")
        guard let kb = try await store.knowledgeBase(id: id) else { throw missing }
        try await check(kb, for: user, needs: role, missing: missing)
        return kb
    }

    private func check(_ kb: KnowledgeBase, for user: User, needs role: KnowledgeBaseRole, missing: ZhikuError) async throws {
        if user.isAdmin { return }
        guard let held = try await accounts.roles(of: user.id)[kb.id] else { throw missing }
        guard held >= role else {
            throw ZhikuError(.forbidden, "you are a \(held.rawValue) of knowledge base '\(kb.name)'; this needs \(role.rawValue)")
        }
    }

    /// The knowledge bases `user` may read.
    public func visibleKnowledgeBases(for user: User) async throws -> [KnowledgeBase] {
        let all = try await store.knowledgeBases()
        guard !user.isAdmin else { return all }
        let roles = try await accounts.roles(of: user.id)
        return all.filter { roles[$0.id] != nil }
    }

    /// The ids of the knowledge bases `user` may read; nil: all of them (an admin).
    public func readableIDs(for user: User) async throws -> [KnowledgeBase.ID]? {
        user.isAdmin ? nil : Array(try await accounts.roles(of: user.id).keys)
    }

    /// Refuses anyone but an admin.
    public static func requireAdmin(_ user: User, to what: String) throws {
        guard user.isAdmin else { throw ZhikuError(.forbidden, "only an admin may \(what)") }
    }
}
