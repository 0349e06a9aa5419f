import Foundation
import Testing
import ZhikuCore
@testable import ZhikuIngest

/// The engine policy with stand-in engines (each answers as told).
@Suite struct FallbackOCRTests {
    struct Scripted: OCREngine {
        var name: String
        var confidence: Double = 90
        var fails = false
        var delay: Duration = .zero
        func recognize(_ image: OCRImage, languages: String) async throws -> OCRText {
            if delay > .zero { try await Task.sleep(for: delay) }
            if fails { throw ZhikuError(.internal, "\(name) failed") }
            return OCRText(text: "read by \(name)", words: [], confidence: confidence, engine: name)
        }
    }

    let image = OCRImage(width: 1, height: 1, pixels: [255])

    @Test func primaryKeptWhenConfident() async throws {
        let policy = FallbackOCR(primary: Scripted(name: "a", confidence: 85), fallback: Scripted(name: "b", confidence: 99))
        #expect(try await policy.recognize(image, languages: "eng").engine == "a")
    }

    @Test func fallbackOnErrorTimeoutOrLowConfidence() async throws {
        let failing = FallbackOCR(primary: Scripted(name: "a", fails: true), fallback: Scripted(name: "b"))
        #expect(try await failing.recognize(image, languages: "eng").engine == "b")
        let slow = FallbackOCR(primary: Scripted(name: "a", delay: .seconds(30)), fallback: Scripted(name: "b"), timeout: .milliseconds(200))
        #expect(try await slow.recognize(image, languages: "eng").engine == "b")
        let unsure = FallbackOCR(primary: Scripted(name: "a", confidence: 30), fallback: Scripted(name: "b", confidence: 70))
        #expect(try await unsure.recognize(image, languages: "eng").engine == "b")
        // The fallback is no better: the primary's reading stays.
        let worse = FallbackOCR(primary: Scripted(name: "a", confidence: 30), fallback: Scripted(name: "b", confidence: 20))
        #expect(try await worse.recognize(image, languages: "eng").engine == "a")
        let broken = FallbackOCR(primary: Scripted(name: "a", confidence: 30), fallback: Scripted(name: "b", fails: true))
        #expect(try await broken.recognize(image, languages: "eng").engine == "a")
    }

    @Test func bothFailingIsAnError() async {
        let policy = FallbackOCR(primary: Scripted(name: "a", fails: true), fallback: Scripted(name: "b", fails: true))
        await #expect(throws: ZhikuError(.internal, "b failed")) { try await policy.recognize(image, languages: "eng") }
    }
}
