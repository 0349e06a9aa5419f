import Foundation

/// Cheap, language-neutral checks of whether an answer can have come from its sources, and whether the sources can
/// answer a question at all. They rest on one observation that holds in Chinese and English alike: names, paths,
/// settings and numbers are copied from a source, not paraphrased — so one that the sources lack was made up, and a
/// question about one that the sources never mention is not answered by them.
enum Grounding {
    /// Whether an answer's specifics come from `texts` (the sources and the question): of its technical terms —
    /// numbers of two or more digits, and words with digits or `_ . / = ~` inside (commands, options, paths,
    /// versions; a hyphen counts only beside a digit) — at least half must appear there, and every one with digits
    /// and `_ . / ~ -` (a version, a path), and every path or setting (a slash with a dot, `=` or another slash),
    /// must (compared without spaces or case); and every number the answer states must be a number there too
    /// (``inventedNumbers(_:in:)``). An answer without such terms passes.
    static func isGrounded(_ answer: String, in texts: [String]) -> Bool {
        let body = CitationRepair.withoutMarkers(answer)
        if !inventedNumbers(body, in: texts).isEmpty { return false }
        var terms: Set<String> = [], current = ""
        func flush() {
            let t = current.trimmingCharacters(in: CharacterSet(charactersIn: ".,:;-=/~"))
            let digits = t.filter(\.isNumber).count
            // Hyphens alone do not make a term: English compounds ("one-week", "built-in") are paraphrased freely.
            let marked = (t.contains { "_./=~".contains($0) } || (t.contains("-") && digits > 0)) && t.contains { $0.isLetter || $0.isNumber }
            if (digits >= 2 && digits == t.count) || (t.count >= 3 && (marked || (digits > 0 && digits < t.count))) {
                terms.insert(t.lowercased())
            }
            current = ""
        }
        for ch in body {
            if ch.isASCII && (ch.isLetter || ch.isNumber || "_./=~-".contains(ch)) { current.append(ch) } else { flush() }
        }
        flush()
        guard !terms.isEmpty else { return true }
        let haystack = squeezed(texts)
        let missing = terms.filter { !haystack.contains($0) }
        // A version or path with digits ("4.8.0", "/etc/x11/…") is copied, not paraphrased: one that is in no
        // source was made up.
        if missing.contains(where: { t in t.contains { $0.isNumber } && t.contains { "_./~-".contains($0) } }) { return false }
        // So is a path or a setting's value: a term with a slash and a dot or `=`, or with two slashes
        // ("--sysconfig=/etc/kde-plasma", "etc/default/keyboard"); "and/or" or "TCP/IP" are words.
        if missing.contains(where: { t in t.contains("/") && (t.contains("=") || t.contains(".") || t.filter { $0 == "/" }.count >= 2) }) {
            return false
        }
        return 2 * missing.count <= terms.count
    }

    /// The numbers `answer` states (digits standing alone: not part of a word, a version or a list's "1." mark)
    /// that are no number of `texts` — "the maximum is 9" when the sources say "9" only inside "2.9". Citation
    /// markers must be removed from `answer` first (``CitationRepair/withoutMarkers(_:)``).
    static func inventedNumbers(_ answer: String, in texts: [String]) -> [String] {
        let answer = listMark.stringByReplacingMatches(in: answer, range: NSRange(location: 0, length: (answer as NSString).length),
                                                       withTemplate: " ")
        let answerNS = answer as NSString
        let stated = standaloneNumber.matches(in: answer, range: NSRange(location: 0, length: answerNS.length))
            .map { answerNS.substring(with: $0.range) }
        guard !stated.isEmpty else { return [] }
        let joined = texts.joined(separator: "\n")
        let joinedNS = joined as NSString
        let known = Set(sourceNumber.matches(in: joined, range: NSRange(location: 0, length: joinedNS.length))
            .map { joinedNS.substring(with: $0.range) })
        return stated.filter { !known.contains($0) && !known.contains(String($0.drop { $0 == "0" })) }
    }

    /// The literals `question` names — identifiers, paths, settings, options and codes (`Asia/Shanghai`,
    /// `~/.sbuildrc`, `GCC`, `EMCMOT_MAX_JOINTS`, `-sa`, lintian's `P:`) — that none of `sources` contains.
    /// A compound one counts as present when half of its parts or more are ("LANG=zh_CN.UTF-8" beside
    /// "zh_CN.UTF-8", "debian/control" beside "debian" and "control"; "Asia/Shanghai" needs "Asia" or
    /// "Shanghai"); comparison ignores spaces and case, except for one-letter codes.
    static func missingLiterals(of question: String, in sources: [String]) -> [String] {
        let joined = sources.joined(separator: "\n")
        let haystack = squeezed(sources)
        var missing: [String] = []
        for token in literals(in: question) where !missing.contains(token) {
            if token.count == 2, token.last == ":" {
                // A one-letter code ("P:", "E:") is compared as written, after something that is not a letter
                // ("http:" holds no "P:").
                let pattern = "(?<![A-Za-z])" + NSRegularExpression.escapedPattern(for: token)
                if joined.range(of: pattern, options: .regularExpression) == nil { missing.append(token) }
                continue
            }
            let squeezed = token.lowercased()
            if haystack.contains(squeezed) { continue }
            let parts = squeezed.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "-")) }.filter { $0.count >= 2 }
            if parts.count > 1 && 2 * parts.filter({ haystack.contains($0) }).count >= parts.count { continue }
            missing.append(token)
        }
        return missing
    }

    /// The literals of a question, in order: runs of ASCII letters, digits and `_ . / = ~ : + # -` that are an
    /// identifier (letters and digits, or `_ / = ~`, or a dot inside), an option (`-sa`), an acronym of two or more
    /// capitals, or a one-letter code with a colon. Runs whose parts are all single characters ("i.e.", "2.9")
    /// are not.
    static func literals(in question: String) -> [String] {
        var tokens: [String] = [], current = ""
        for ch in question + " " {
            if ch.isASCII && (ch.isLetter || ch.isNumber || "_./=~:+#-".contains(ch)) { current.append(ch); continue }
            if !current.isEmpty { tokens.append(current); current = "" }
        }
        return tokens.compactMap { raw -> String? in
            if raw.count == 2, raw.first!.isUppercase, raw.last == ":" { return raw }
            var t = Substring(raw)
            while let f = t.first, ".,:;=".contains(f) { t.removeFirst() }
            while let l = t.last, ".,:;=/-+#".contains(l) { t.removeLast() }
            let parts = t.split { !($0.isLetter || $0.isNumber) }
            guard parts.contains(where: { $0.count >= 2 }) else { return nil }
            let letters = t.filter(\.isLetter)
            let hasDigit = t.contains(where: \.isNumber)
            let innerDot = t.dropFirst().dropLast().contains(".") && parts.count > 1
            let identifier = (hasDigit && !letters.isEmpty) || t.contains { "_/=~".contains($0) } || innerDot
            let option = t.hasPrefix("-") && t.dropFirst().first?.isLetter == true
            let acronym = letters.count >= 2 && letters.allSatisfy(\.isUppercase) && !hasDigit
            return identifier || option || acronym ? String(t) : nil
        }
    }

    /// Whether `question` asks for a number — how many, how long, which year, which port, what version, the
    /// maximum value, 多少, 几个, 哪一年, 端口 — so that an answer stating none has not answered it.
    static func asksForNumber(_ question: String) -> Bool {
        let ns = question as NSString
        return numberQuestion.firstMatch(in: question, range: NSRange(location: 0, length: ns.length)) != nil
    }

    /// Whether `answer` states a number at all: digits, or a number word in English or Chinese. Citation markers
    /// must be removed from `answer` first (``CitationRepair/withoutMarkers(_:)``).
    static func statesNumber(_ answer: String) -> Bool {
        let ns = answer as NSString
        return numberStated.firstMatch(in: answer, range: NSRange(location: 0, length: ns.length)) != nil
    }

    /// `texts` joined, lower-cased, without whitespace: what terms are looked up in.
    private static func squeezed(_ texts: [String]) -> String {
        texts.joined(separator: "\n").lowercased().filter { !$0.isWhitespace }
    }

    // Compiled once (fixed, valid patterns).
    /// A number standing alone in an answer: not inside a Latin word, an identifier or a version ("9 个" and "9个"
    /// are, "9x" and "2.9" are not).
    private static let standaloneNumber = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_.\-/])\d+(?![A-Za-z0-9_]|\.\d)"#)
    /// A list's mark at the start of a line ("1.", "2、", "3)").
    private static let listMark = try! NSRegularExpression(pattern: #"^\s*\d{1,3}[.、)）]"#, options: [.anchorsMatchLines])
    /// A number in a source: any run of digits that is not part of a dotted number ("2.9" holds no "9").
    private static let sourceNumber = try! NSRegularExpression(pattern: #"(?<!\d|\d\.)\d+(?!\d|\.\d)"#)
    /// Cues of a question whose answer is a number (one word may stand between "which" and its noun: "which TCP
    /// port").
    private static let numberQuestion = try! NSRegularExpression(pattern: #"\bhow (many|much|long|old|often|big|large)\b|\b(which|what)\s+(\S+\s+)?(year|port|version|number|size|length|limit|percentage)\b|\b(minimum|maximum|max|min|default)\s+(number|value|size|length|version|port)\b|多少|几(个|天|年|次|位|种|行|秒|分钟|小时|字节|项|条|层|级|倍|台|页|步)|哪一?年|端口|版本号"#, options: [.caseInsensitive])
    /// A number in an answer: digits or a number word.
    private static let numberStated = try! NSRegularExpression(pattern: #"\d|\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|million|dozen)\b|[零一二三四五六七八九十两百千万亿]"#, options: [.caseInsensitive])
}
