import Testing
import ZhikuCore
@testable import ZhikuIngest

/// Running headers, footers and page numbers of PDFs are dropped; everything else stays.
@Suite struct RunningLinesTests {
    static let words = ["axis", "spindle", "homing", "limits", "jog", "feed", "tool", "probe"]

    static func page(_ n: Int, body: String) -> ExtractedPage {
        ExtractedPage(number: n, text: "Getting Started V2.9.0~pre1+git, 28 Jun 2026 \(n) / 55\n\(body)\nthe \(words[n]) settings\n\(n)")
    }

    @Test func aLineAtTheTopOrBottomOfMostPagesGoes() {
        let pages = (1...6).map { Self.page($0, body: "Configure the \(Self.words[$0 - 1]).") }
        let stripped = RunningLines.strip(pages)
        for (n, page) in stripped.enumerated() {
            #expect(page.text == "Configure the \(Self.words[n]).\nthe \(Self.words[n + 1]) settings", "\(page.text)")
        }
    }

    @Test func shortDocumentsAndOCRPagesAreLeftAlone() {
        let three = (1...3).map { Self.page($0, body: "Body") }
        #expect(RunningLines.strip(three) == three)
        var pages = (1...6).map { Self.page($0, body: "Body of the \(Self.words[$0 - 1])") }
        pages[2].engine = "tesseract"
        let stripped = RunningLines.strip(pages)
        #expect(stripped[2] == pages[2], "an OCR'd page keeps its text (its words point into it)")
        #expect(stripped[1].text.hasPrefix("Body of the spindle"))
    }

    /// One line per page, the same but for its numbers (an invoice per page): that is the content, it stays.
    @Test func pagesMadeOnlyOfTheRepeatedLineKeepIt() {
        let pages = (1...8).map { ExtractedPage(number: $0, text: "Invoice \($0): total due \($0 * 10) yuan.") }
        #expect(RunningLines.strip(pages) == pages)
    }

    @Test func linesThatDifferFromPageToPageStay() {
        let pages = (1...6).map { ExtractedPage(number: $0, text: "Chapter on the \(Self.words[$0])\nAll about the \(Self.words[$0 - 1])") }
        #expect(RunningLines.strip(pages) == pages)
    }
}
