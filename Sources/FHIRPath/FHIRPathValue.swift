import FHIRCore

/// One item of a FHIRPath result collection: an element taken from the resource, or a
/// System value produced by a literal, an operator or a function.
public enum FHIRPathValue: Sendable, Hashable {
    /// An element of the input, as FHIR JSON with its FHIR type.
    case node(FHIRPathNode)
    case boolean(Bool)
    case string(String)
    case integer(Int)
    /// A decimal, kept as its exact lexeme (`1.50`).
    case decimal(String)
    /// A date (`2015`, `2015-02`, `2015-02-04`), as written.
    case date(String)
    /// A dateTime (`2015-02-04T14:34:28Z`, possibly with only a date part), as written.
    case dateTime(String)
    /// A time (`14:34:28`), as written.
    case time(String)

    /// The element, when the value was taken from the input.
    public var node: FHIRPathNode? {
        if case .node(let node) = self { return node }
        return nil
    }

    /// The System value: a primitive element converted by its FHIR type (`date` → `.date`,
    /// `code` → `.string`, `positiveInt` → `.integer`), System values unchanged, and nil for
    /// complex elements and primitives that carry only extensions.
    public var primitiveValue: FHIRPathValue? {
        guard case .node(let node) = self else { return self }
        return node.primitiveValue
    }
}

/// An element of the input: its JSON, its FHIR type when known, and for primitives the
/// `_name` sibling that holds their `id` and `extension`.
public struct FHIRPathNode: Sendable, Hashable {
    /// The element's JSON; `.null` for a primitive that has only an id or extensions, and for
    /// the target of `resolve()` when only its type is known.
    public let json: JSONValue
    /// The FHIR type: `Quantity`, `date`, `BackboneElement`, `Patient`, ... nil when unknown.
    public let type: String?
    /// The `_name` member of a primitive element (`id`, `extension`).
    public let primitiveElement: JSONObject?
    /// Where the model defines this node's children: a type name (`Quantity`) or the path of a
    /// backbone element (`Observation.component`).
    let structure: String?
    /// Whether this is a resource (`type` is then its resource type).
    let isResource: Bool

    init(json: JSONValue, type: String?, structure: String?, primitiveElement: JSONObject? = nil) {
        self.json = json
        self.type = type
        self.structure = structure
        self.primitiveElement = primitiveElement
        isResource = false
    }

    /// A resource, typed by its `resourceType`; untyped when `json` names none.
    init(resource json: JSONValue) {
        let resourceType = json.objectValue?["resourceType"]?.stringValue
        self.init(resourceType: resourceType, json: json)
    }

    /// A resource known by its type only, or by its type and JSON.
    init(resourceType: String?, json: JSONValue = .null) {
        self.json = json
        type = resourceType
        structure = resourceType
        primitiveElement = nil
        isResource = resourceType != nil
    }

    /// See `FHIRPathValue.primitiveValue`.
    var primitiveValue: FHIRPathValue? {
        switch json {
        case .string(let text):
            switch type.flatMap({ FHIRTypes.primitiveKinds[$0] }) {
            case .date: return .date(text)
            case .dateTime: return .dateTime(text)
            case .time: return .time(text)
            default: return .string(text)
            }
        case .bool(let value):
            return .boolean(value)
        case .number(let lexeme):
            let isDecimalType = type.flatMap { FHIRTypes.primitiveKinds[$0] } == .decimal
            if !isDecimalType, let integer = Int(lexeme) { return .integer(integer) }
            return .decimal(lexeme)
        case .null, .array, .object:
            return nil
        }
    }
}
