import Foundation
import Hummingbird

/// The request context of Zhiku's routes: JSON in and out with snake_case keys and ISO-8601 dates.
public struct ZhikuRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var requestDecoder: JSONDecoder { ZhikuJSON.decoder }
    public var responseEncoder: JSONEncoder { ZhikuJSON.encoder }
}

/// The JSON conventions of Zhiku's API and CLI output.
public enum ZhikuJSON {
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .iso8601
        return d
    }
}
