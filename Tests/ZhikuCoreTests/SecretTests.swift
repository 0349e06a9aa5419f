import Testing
import ZhikuCore

@Suite struct SecretTests {
    /// RFC 7914's PBKDF2-HMAC-SHA256 vector (P = "passwd", S = "salt", c = 1), first 32 bytes, in the stored form.
    @Test func passwordHashesFollowPBKDF2() {
        let stored = "pbkdf2-sha256$1$c2FsdA$VawEblbjCJ_sFpHCJUS2BflBhSFt3gRl5oudV8INrLw"
        #expect(Secret.verify("passwd", against: stored))
        #expect(!Secret.verify("passwe", against: stored))
        #expect(!Secret.verify("passwd", against: "pbkdf2-sha256$0$c2FsdA$VawEblbjCJ_sFpHCJUS2BflBhSFt3gRl5oudV8INrLw"))
        #expect(!Secret.verify("passwd", against: "md5$1$c2FsdA$x"))
    }

    @Test func aHashVerifiesItsPasswordOnlyAndIsSalted() {
        let first = Secret.passwordHash("correct horse", iterations: 1_000)
        let second = Secret.passwordHash("correct horse", iterations: 1_000)
        #expect(first != second, "a fresh salt each time")
        #expect(Secret.verify("correct horse", against: first) && Secret.verify("correct horse", against: second))
        #expect(!Secret.verify("correct horsf", against: first))
    }

    @Test func tokensArePrefixedRandomAndURLSafe() {
        let a = Secret.token(prefix: "zk_"), b = Secret.token(prefix: "zk_")
        #expect(a.hasPrefix("zk_") && a.count == 3 + 43)
        #expect(a != b)
        #expect(a.dropFirst(3).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(Secret.tokenHash(a) == Secret.tokenHash(a) && Secret.tokenHash(a) != Secret.tokenHash(b))
    }

    @Test func passwordsAreCheckedAndGeneratedLongEnough() throws {
        #expect(throws: ZhikuError.self) { try Secret.checkPassword("short") }
        try Secret.checkPassword(Secret.password())
        #expect(Secret.password().count == 16)
        #expect(Secret.equal("abc", "abc") && !Secret.equal("abc", "abd") && !Secret.equal("abc", "abcd"))
    }
}
