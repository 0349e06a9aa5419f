import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

@Suite struct MediaTypeSnifferTests {
    @Test func bytesDecideNotTheName() {
        let pdf = TestDocuments.pdf(pages: [["x"]])
        #expect(MediaTypeSniffer.sniff(head: pdf, name: "notes.txt") == .pdf)
        #expect(MediaTypeSniffer.sniff(head: TestDocuments.junk(count: 2000), name: "notes.txt") == .octetStream)
        #expect(MediaTypeSniffer.sniff(head: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0], name: "a.txt") == .png)
        #expect(MediaTypeSniffer.sniff(head: [0xFF, 0xD8, 0xFF, 0xE0], name: "a.pdf") == .jpeg)
        #expect(MediaTypeSniffer.sniff(head: Array("PK\u{3}\u{4}rest".utf8), name: "a.docx") == .zip)
    }

    @Test func audioContainers() {
        #expect(MediaTypeSniffer.sniff(head: Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8), name: "a.txt") == .wav)
        #expect(MediaTypeSniffer.sniff(head: [0, 0, 0, 0x20] + Array("ftypM4A ".utf8), name: "memo") == .m4a)
        #expect(MediaTypeSniffer.sniff(head: [0x1A, 0x45, 0xDF, 0xA3, 0x9F], name: "recording") == .webm)
        #expect(MediaTypeSniffer.sniff(head: Array("OggS".utf8) + [0, 2], name: "x") == .ogg)
        #expect(MediaTypeSniffer.sniff(head: Array("fLaC".utf8), name: "x") == .flac)
        #expect(MediaTypeSniffer.sniff(head: Array("ID3".utf8) + [4, 0], name: "x") == .mp3)
        let audio: [MediaType] = [.wav, .mp3, .ogg, .flac, .m4a, .webm]
        #expect(audio.allSatisfy { $0.isAudio })
        #expect(!MediaType.png.isAudio)
    }

    @Test func textFlavours() {
        #expect(MediaTypeSniffer.sniff(head: Array("<!DOCTYPE html><html><body>x".utf8), name: "page") == .html)
        #expect(MediaTypeSniffer.sniff(head: Array("  <html lang=zh>".utf8), name: "a.txt") == .html)
        #expect(MediaTypeSniffer.sniff(head: Array("# Title\n\ntext".utf8), name: "README.md") == .markdown)
        #expect(MediaTypeSniffer.sniff(head: Array("# Title\n\ntext".utf8), name: "README.txt") == .plainText)
        #expect(MediaTypeSniffer.sniff(head: TestDocuments.encode("中文内容", as: "GBK"), name: "a.txt") == .plainText)
        #expect(MediaTypeSniffer.sniff(head: [], name: "empty.txt") == .octetStream)
    }
}
