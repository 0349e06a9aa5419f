import AsyncHTTPClient
import Foundation
import NIOCore
import ZhikuCore

/// A small W3C WebDriver client for Debian's `chromedriver` driving headless Chromium: enough to click, type,
/// upload files, run a script, read the browser console and take screenshots. One instance is one browser.
final class WebDriver: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A page element, by its WebDriver reference.
    struct Element: Sendable {
        let id: String
    }

    static let chromedriver = "/usr/bin/chromedriver"
    private static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    private let driver: Process
    private let base: String
    private var session = ""

    /// Starts chromedriver and a headless Chromium of `width`×`height` CSS pixels with English as its language;
    /// `arguments` are added to Chromium's command line.
    init(width: Int = 1280, height: Int = 860, arguments: [String] = []) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.chromedriver) else {
            throw Failure(description: "\(Self.chromedriver) is missing: run `bash scripts/setup.sh --tests` (it installs chromium and chromium-driver)")
        }
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=0"]
        let out = Pipe()
        driver.standardOutput = out
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        // "ChromeDriver was started successfully on port 43965."
        var banner = ""
        let deadline = Date().addingTimeInterval(120)
        while !banner.contains("started successfully"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            banner += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = banner.range(of: #"successfully on port \d+"#, options: .regularExpression) else {
            driver.terminate()
            throw Failure(description: "chromedriver did not start: \(banner)")
        }
        base = "http://127.0.0.1:\(banner[range].split(separator: " ").last!)"
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:loggingPrefs": ["browser": "ALL"],
            "goog:chromeOptions": [
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en-US",
                         "--window-size=\(width),\(height)", "--force-device-scale-factor=1"] + arguments,
                "prefs": ["intl.accept_languages": "en-US,en"],
            ] as [String: Any],
        ] as [String: Any]]]
        let created = try await call("POST", "/session", capabilities)
        guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            driver.terminate()
            throw Failure(description: "chromedriver did not create a session: \(created)")
        }
        session = id
        try await setWindow(width: width, height: height)
    }

    /// Closes the browser and stops chromedriver.
    func quit() async {
        _ = try? await call("DELETE", "/session/\(session)", nil)
        driver.terminate()
        // Poll rather than waitUntilExit(), which would hold one of the test pool's few threads.
        for _ in 0..<50 where driver.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
    }

    // MARK: - Commands

    func open(_ url: String) async throws { _ = try await command("POST", "url", ["url": url]) }

    func setWindow(width: Int, height: Int) async throws {
        _ = try await command("POST", "window/rect", ["width": width, "height": height])
        // The window includes the browser's frame; adjust so the page's viewport has the size asked for.
        let inner = try await execute("return [window.innerWidth, window.innerHeight]") as? [Int] ?? [width, height]
        if inner != [width, height] {
            _ = try await command("POST", "window/rect", ["width": width * 2 - inner[0], "height": height * 2 - inner[1]])
        }
    }

    /// The first element matching `css`, or nil.
    func find(_ css: String) async throws -> Element? {
        try await findAll(css).first
    }

    func findAll(_ css: String) async throws -> [Element] {
        let reply = try await command("POST", "elements", ["using": "css selector", "value": css])
        return (reply as? [[String: Any]] ?? []).compactMap { ($0[Self.elementKey] as? String).map(Element.init) }
    }

    /// Waits until `css` matches an element (and, by default, one that is displayed).
    @discardableResult
    func wait(for css: String, visible: Bool = true, timeout: Double = 120, _ what: String? = nil) async throws -> Element {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for element in try await findAll(css) {
                if !visible { return element }
                // An element of a page that was just reloaded or re-rendered is stale: look again.
                do {
                    if try await isDisplayed(element) { return element }
                } catch let failure as Failure where failure.description.contains("stale element") {
                    continue
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "timed out after \(timeout) s waiting for \(what ?? css)")
    }

    /// Waits until `script` (a function body) returns something truthy, and returns it.
    @discardableResult
    func wait(until script: String, timeout: Double = 120, _ what: String) async throws -> Any {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let value = try await execute(script)
            if let flag = value as? Bool { if flag { return flag } } else if let value, !(value is NSNull) { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "timed out after \(timeout) s waiting for \(what)")
    }

    func click(_ element: Element) async throws { _ = try await command("POST", "element/\(element.id)/click", [:]) }

    /// Clicks the first displayed match of `css`, finding it again if the page re-rendered it in between.
    func click(_ css: String) async throws {
        for attempt in 1...5 {
            do {
                return try await click(try await wait(for: css))
            } catch let failure as Failure where failure.description.contains("stale element") && attempt < 5 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Types `text` into an element (for a file input: newline-separated absolute paths).
    func type(_ text: String, into element: Element) async throws {
        _ = try await command("POST", "element/\(element.id)/value", ["text": text])
    }

    /// Empties an input.
    func clear(_ element: Element) async throws { _ = try await command("POST", "element/\(element.id)/clear", [:]) }

    func text(_ element: Element) async throws -> String {
        try await command("GET", "element/\(element.id)/text", nil) as? String ?? ""
    }

    func text(_ css: String) async throws -> String { try await text(try await wait(for: css)) }

    func isDisplayed(_ element: Element) async throws -> Bool {
        try await command("GET", "element/\(element.id)/displayed", nil) as? Bool ?? false
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value.
    @discardableResult
    func execute(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await command("POST", "execute/sync", ["script": script, "args": args])
    }

    /// A PNG of the viewport, written to `url`.
    func screenshot(to url: URL) async throws {
        guard let base64 = try await command("GET", "screenshot", nil) as? String, let png = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: url)
    }

    /// The browser console's entries since the last call: (level, message).
    func consoleLog() async throws -> [(level: String, message: String)] {
        let entries = try await command("POST", "se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.map { ($0["level"] as? String ?? "", $0["message"] as? String ?? "") }
    }

    // MARK: - Transport

    private func command(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        let reply = try await call(method, "/session/\(session)/\(path)", body)
        if let value = reply["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "WebDriver \(path): \(error): \(value["message"] as? String ?? "")")
        }
        return reply["value"]
    }

    private func call(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
    }
}
