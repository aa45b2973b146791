/// One element of a type snapshot, e.g. `Observation.value[x]`.
struct ElementDefinition: Sendable {
    /// The full path, e.g. `Observation.value[x]`.
    let path: String
    /// The last path segment, e.g. `value[x]`.
    let name: String
    let min: Int
    /// Whether `max` allows more than one value (the JSON value is then an array).
    let isRepeating: Bool

    /// Whether this is a choice element (`value[x]`).
    var isChoice: Bool { name.hasSuffix("[x]") }

    /// The name without the `[x]` of choice elements, e.g. `value`.
    var baseName: String { isChoice ? String(name.dropLast(3)) : name }
}

/// How the value of an element is checked.
enum ElementContent: Sendable {
    /// A primitive: JSON kind, lexical pattern and range.
    case primitive(PrimitiveType)
    /// A JSON object whose members are the children of `parentPath`: a data type name,
    /// a backbone element path, or the target of a `contentReference`.
    case complex(parentPath: String)
    /// A whole resource, typed by its own `resourceType`.
    case resource
}

/// What one JSON member name stands for: the element, and for choice elements the type chosen.
struct ChildElement: Sendable {
    let element: ElementDefinition
    let content: ElementContent
    let binding: RequiredBinding?

    var isPrimitive: Bool {
        if case .primitive = content { return true }
        return false
    }
}

/// The children of one parent path, keyed by the member names they take in JSON.
struct ElementChildren: Sendable {
    /// The result of looking up a JSON member name.
    enum Lookup {
        case element(ChildElement)
        /// The name starts like a choice element but names no type it allows (`valueFoo`).
        case unknownChoiceVariant(ElementDefinition)
        case unknown
    }

    private(set) var byJSONName: [String: ChildElement] = [:]
    /// Choice elements by base name (`value`), to recognise unknown variants.
    private(set) var choices: [String: ElementDefinition] = [:]
    /// Elements with `min >= 1`.
    private(set) var required: [ElementDefinition] = []

    /// Adds `element` under the JSON names it takes: its name, or one per type of a choice.
    mutating func add(_ element: ElementDefinition, byJSONName names: [String: ChildElement]) {
        byJSONName.merge(names) { _, new in new }
        if element.isChoice { choices[element.baseName] = element }
        if element.min >= 1 { required.append(element) }
    }

    func lookup(_ jsonName: String) -> Lookup {
        if let child = byJSONName[jsonName] { return .element(child) }
        for (base, element) in choices where jsonName.hasPrefix(base) {
            if jsonName.dropFirst(base.count).first?.isUppercase == true { return .unknownChoiceVariant(element) }
        }
        return .unknown
    }
}
