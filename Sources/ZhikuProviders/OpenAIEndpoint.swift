/// URLs of an OpenAI-compatible server from the base a user configures (`http://host:port`, with or without a
/// trailing `/v1` or slash).
enum OpenAIEndpoint {
    static func url(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        return base + "/v1/" + path
    }
}
