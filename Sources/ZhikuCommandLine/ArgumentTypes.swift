import ArgumentParser
import ZhikuCore

/// Zhiku's enums as command-line values: `--role admin`, `--mode keyword` (any case); a wrong value is refused
/// by the parser with the list of right ones.
extension User.Role: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension SearchMode: ExpressibleByArgument {
    public init?(argument: String) {
        guard let mode = try? SearchMode.parse(argument) else { return nil }
        self = mode
    }
}
