/// A JSON Schema as the OpenAPI document writes it: the few shapes Zhiku's API uses, built in Swift so the
/// document is one value checked by tests (``OpenAPIDocument``).
indirect enum OpenAPISchema: Sendable {
    case string(format: String? = nil, values: [String]? = nil, about: String? = nil)
    case integer(about: String? = nil)
    case number(about: String? = nil)
    case boolean(about: String? = nil)
    /// Properties by name; `required` names the ones always present.
    case object([String: OpenAPISchema], required: [String] = [], about: String? = nil, more: OpenAPISchema? = nil)
    case array(OpenAPISchema, about: String? = nil)
    /// A schema of `components.schemas`.
    case ref(String)
    /// The value or JSON null.
    case nullable(OpenAPISchema)
    /// One of several shapes (a string or a list of strings).
    case oneOf([OpenAPISchema])
    /// Any JSON value.
    case any(about: String? = nil)

    static let text = OpenAPISchema.string()
    static let int = OpenAPISchema.integer()
    static let double = OpenAPISchema.number()
    static let bool = OpenAPISchema.boolean()
    static let time = OpenAPISchema.string(format: "date-time")

    /// The schema as JSON (a dictionary for `JSONSerialization`).
    var json: [String: Any] {
        switch self {
        case .string(let format, let values, let about):
            var s: [String: Any] = ["type": "string"]
            if let format { s["format"] = format }
            if let values { s["enum"] = values }
            if let about { s["description"] = about }
            return s
        case .integer(let about): return ["type": "integer"].adding("description", about)
        case .number(let about): return ["type": "number"].adding("description", about)
        case .boolean(let about): return ["type": "boolean"].adding("description", about)
        case .object(let properties, let required, let about, let more):
            var s: [String: Any] = ["type": "object", "properties": properties.mapValues(\.json)]
            if !required.isEmpty { s["required"] = required.sorted() }
            if let more { s["additionalProperties"] = more.json }
            return s.adding("description", about)
        case .array(let items, let about): return ["type": "array", "items": items.json].adding("description", about)
        case .ref(let name): return ["$ref": "#/components/schemas/\(name)"]
        case .nullable(let inner):
            if case .ref = inner { return ["oneOf": [inner.json, ["type": "null"]]] }
            var s = inner.json
            if let type = s["type"] as? String { s["type"] = [type, "null"] }
            return s
        case .oneOf(let options): return ["oneOf": options.map(\.json)]
        case .any(let about): return [String: Any]().adding("description", about)
        }
    }
}

private extension Dictionary where Key == String, Value == Any {
    func adding(_ key: String, _ value: String?) -> [String: Any] {
        guard let value else { return self }
        var copy = self
        copy[key] = value
        return copy
    }
}
