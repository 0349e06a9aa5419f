import ArgumentParser

/// The options of `zhiku serve`, shared by the `zhiku` command (which hands them to `zhiku-server`) and the
/// `zhiku-server` executable itself, so both accept and document the same flags.
public struct ServeOptions: ParsableArguments {
    @OptionGroup public var data: DataOptions

    @Option(help: "Address to listen on (default: $ZHIKU_HOST or 127.0.0.1).")
    public var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (default: $ZHIKU_PORT or 8080).")
    public var port: Int?

    public init() {}

    /// These options as command-line arguments again (what `zhiku serve` passes on to `zhiku-server`).
    public var arguments: [String] {
        var arguments: [String] = []
        if let path = data.data { arguments += ["--data", path] }
        if let host { arguments += ["--host", host] }
        if let port { arguments += ["--port", String(port)] }
        return arguments
    }
}
