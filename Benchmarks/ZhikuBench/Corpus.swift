import Foundation

/// Deterministic generated text for the benchmarks (the same files are handed to the Python peers).
enum Corpus {
    static let chinese = Array("员工年假申请流程审批规则报销发票差旅合同续签病假证明部门经理系统提交培训考勤加班工资福利保险公积金入职离职")
    static let english = ["annual", "leave", "travel", "policy", "expense", "report", "contract", "renewal", "manager",
                          "approval", "invoice", "receipt", "training", "overtime", "salary", "benefit", "insurance",
                          "employee", "handbook", "holiday", "request", "deadline", "budget", "review", "security"]

    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// About `bytes` UTF-8 bytes of paragraphs mixing Chinese sentences and English sentences.
    static func mixedText(bytes: Int, seed: UInt64 = 1) -> String {
        var r = Random(state: seed)
        var out = ""
        var size = 0
        while size < bytes {
            var paragraph = ""
            for _ in 0..<(3 + r.next(6)) {
                if r.next(2) == 0 {
                    paragraph += String((0..<(8 + r.next(30))).map { _ in chinese[r.next(chinese.count)] })
                    paragraph += ["。", "！", "？", "；"][r.next(4)]
                } else {
                    let words = (0..<(6 + r.next(14))).map { _ in english[r.next(english.count)] }
                    paragraph += words.joined(separator: " ").capitalized + ". "
                }
            }
            paragraph += r.next(3) == 0 ? "\n" : "\n\n"
            size += paragraph.utf8.count
            out += paragraph
        }
        return out
    }

    /// `count` short documents (10–40 terms' worth of text each), half Chinese-heavy, half English-heavy.
    static func shortDocuments(count: Int, seed: UInt64 = 2) -> [String] {
        var r = Random(state: seed)
        return (0..<count).map { i in
            if i % 2 == 0 {
                return String((0..<(10 + r.next(30))).map { _ in chinese[r.next(chinese.count)] })
            }
            return (0..<(10 + r.next(30))).map { _ in english[r.next(english.count)] }.joined(separator: " ")
        }
    }

    static func queries(count: Int, seed: UInt64 = 3) -> [String] {
        var r = Random(state: seed)
        return (0..<count).map { i in
            if i % 2 == 0 {
                return String((0..<(2 + r.next(5))).map { _ in chinese[r.next(chinese.count)] })
            }
            return (0..<(1 + r.next(4))).map { _ in english[r.next(english.count)] }.joined(separator: " ")
        }
    }
}
