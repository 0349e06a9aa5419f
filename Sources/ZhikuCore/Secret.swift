import CZhikuCrypto
import Foundation

/// Random tokens and password hashes (OpenSSL's libcrypto).
public enum Secret {
    /// A random token: `prefix` and 32 random bytes in URL-safe base64 (256 bits; SystemRandomNumberGenerator reads
    /// the kernel's getrandom).
    public static func token(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + base64URL(bytes)
    }

    /// The stored form of a high-entropy token (API key, session): its SHA-256. Such tokens cannot be guessed, so a
    /// fast hash is enough and lookups stay cheap.
    public static func tokenHash(_ token: String) -> String { SHA256Hasher.hash(Array(token.utf8)) }

    /// The stored form of a password: `pbkdf2-sha256$iterations$salt$hash` (PBKDF2-HMAC-SHA256, 16-byte salt).
    public static func passwordHash(_ password: String, iterations: Int = 210_000) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let derived = pbkdf2(password, salt: salt, iterations: iterations)
        return "pbkdf2-sha256$\(iterations)$\(base64URL(salt))$\(base64URL(derived))"
    }

    /// Whether `password` matches a ``passwordHash(_:iterations:)`` result (compared in constant time).
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]), iterations > 0,
              let salt = fromBase64URL(parts[2]), let expected = fromBase64URL(parts[3]) else { return false }
        let derived = pbkdf2(password, salt: salt, iterations: iterations)
        return derived.count == expected.count && zip(derived, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A generated password: 16 characters from a 57-letter alphabet without look-alikes (about 93 bits).
    public static func password() -> String {
        let letters = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in letters.randomElement(using: &generator)! })
    }

    /// Refuses passwords shorter than 8 characters.
    public static func checkPassword(_ password: String) throws {
        guard password.count >= 8 else { throw ZhikuError.invalidInput("a password has at least 8 characters") }
    }

    /// Compares two strings in time that does not depend on where they differ.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        return x.count == y.count && zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func pbkdf2(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let bytes = Array(password.utf8)
        let ok = bytes.withUnsafeBufferPointer { p in
            PKCS5_PBKDF2_HMAC(p.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(bytes.count),
                              salt, Int32(salt.count), Int32(iterations), EVP_sha256(), 32, &out)
        }
        precondition(ok == 1, "libcrypto could not derive a password hash")
        return out
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func fromBase64URL(_ text: String) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map(Array.init)
    }
}
