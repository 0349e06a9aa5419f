import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

@Suite struct TextDecodingTests {
    let chinese = "员工年假申请流程：请提前三天在系统中提交申请，经部门经理批准后生效。"

    @Test func utf8() throws {
        let (text, encoding) = try TextDecoding.decode(Array("Hello 你好".utf8))
        #expect(text == "Hello 你好")
        #expect(encoding == .utf8)
    }

    @Test func utf8WithBOM() throws {
        let (text, encoding) = try TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array("你好".utf8))
        #expect(text == "你好")
        #expect(encoding == .utf8)
    }

    @Test func utf16WithAndWithoutBOM() throws {
        let le = TestDocuments.encode(chinese + " ok", as: "UTF-16LE")
        #expect(try TextDecoding.decode([0xFF, 0xFE] + le).text == chinese + " ok")
        let be = TestDocuments.encode("plain ascii text in utf-16", as: "UTF-16BE")
        #expect(try TextDecoding.decode([0xFE, 0xFF] + be).text == "plain ascii text in utf-16")
        let bare = TestDocuments.encode("plain ascii text in utf-16", as: "UTF-16LE")
        #expect(try TextDecoding.decode(bare) == ("plain ascii text in utf-16", .utf16LE))
    }

    @Test func gbkAndGB18030AreDetected() throws {
        for encoding in ["GBK", "GB18030", "GB2312"] {
            let bytes = TestDocuments.encode(chinese, as: encoding)
            #expect(String(validating: bytes, as: UTF8.self) == nil, "the sample must not be valid UTF-8")
            let (text, detected) = try TextDecoding.decode(bytes)
            #expect(text == chinese)
            #expect(detected == .gb18030)
        }
    }

    @Test func prefixCutInsideACharacterStillDecodes() throws {
        let bytes = Array("abc你好".utf8)
        #expect(try TextDecoding.decode(Array(bytes.dropLast()), partial: true).text == "abc你")
        let gbk = TestDocuments.encode(chinese, as: "GBK")
        #expect(try TextDecoding.decode(Array(gbk.dropLast()), partial: true).encoding == .gb18030)
    }

    @Test func binaryJunkIsRejected() {
        #expect(throws: ZhikuError.self) { try TextDecoding.decode(TestDocuments.junk(count: 4096)) }
        #expect(throws: ZhikuError.self) { try TextDecoding.decode([0x41, 0x00, 0x01, 0x02, 0x03, 0x42, 0x00, 0x07]) }
    }

    @Test func latin1Fallback() throws {
        let (text, encoding) = try TextDecoding.decode([0x63, 0x61, 0x66, 0xE9, 0x20, 0x6F, 0x6B])
        #expect(text == "café ok")
        #expect(encoding == .latin1)
    }

    /// Windows and old Mac line breaks become `\n`; everything else, multi-byte characters included, stays.
    @Test func lineBreaksAreMadeUnix() {
        #expect(SourceFile.unixLineBreaks("编号,名称\r\n1,苹果\r2,梨\n3,桃\r\n") == "编号,名称\n1,苹果\n2,梨\n3,桃\n")
        #expect(SourceFile.unixLineBreaks("\r\r\n\n") == "\n\n\n")
        let plain = "没有回车的文字\nline 2 😀"
        #expect(SourceFile.unixLineBreaks(plain) == plain)
    }
}

