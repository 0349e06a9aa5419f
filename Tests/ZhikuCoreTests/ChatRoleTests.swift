import Foundation
import Testing
import ZhikuCore

@Suite struct ChatRoleTests {
    struct Message: Decodable { var role: ChatRole }

    @Test func openAIRolesDecodeAndUnknownOnesAreNamed() throws {
        let decode = { (json: String) in try JSONDecoder().decode(Message.self, from: Data(json.utf8)).role }
        #expect(try decode(#"{"role":"user"}"#) == .user)
        #expect(try decode(#"{"role":"assistant"}"#) == .assistant)
        #expect(try decode(#"{"role":"developer"}"#) == .system, "OpenAI's newer name for the system turn")
        do {
            _ = try decode(#"{"role":"wizard"}"#)
            Issue.record("an unknown role was accepted")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("wizard"))
        }
        #expect(String(decoding: try JSONEncoder().encode(ChatMessage(role: .assistant, content: "x")), as: UTF8.self)
            .contains(#""role":"assistant""#))
    }
}
