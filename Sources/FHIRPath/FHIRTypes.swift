/// The parts of the FHIR R4 type system the evaluator needs without a model: which System
/// type each primitive maps to, and the type hierarchy (each `baseDefinition` in R4 that is
/// not simply `Element`, `BackboneElement` or `DomainResource`).
enum FHIRTypes {
    /// The System types of FHIRPath.
    enum SystemKind: String {
        case boolean = "Boolean", string = "String", integer = "Integer", decimal = "Decimal"
        case date = "Date", dateTime = "DateTime", time = "Time"
    }

    /// Every R4 primitive type and the System type its value converts to.
    static let primitiveKinds: [String: SystemKind] = [
        "boolean": .boolean, "integer": .integer, "positiveInt": .integer, "unsignedInt": .integer,
        "decimal": .decimal, "date": .date, "dateTime": .dateTime, "instant": .dateTime, "time": .time,
        "string": .string, "code": .string, "id": .string, "markdown": .string, "uri": .string, "url": .string,
        "canonical": .string, "oid": .string, "uuid": .string, "base64Binary": .string, "xhtml": .string,
    ]

    /// Specializations whose base is another concrete type.
    static let supertypes: [String: String] = [
        "Age": "Quantity", "Count": "Quantity", "Distance": "Quantity", "Duration": "Quantity",
        "MoneyQuantity": "Quantity", "SimpleQuantity": "Quantity",
        "code": "string", "id": "string", "markdown": "string",
        "canonical": "uri", "oid": "uri", "url": "uri", "uuid": "uri",
        "positiveInt": "integer", "unsignedInt": "integer",
    ]

    /// The resource types that derive from `Resource` directly rather than from `DomainResource`.
    static let resourcesOutsideDomainResource: Set<String> = ["Binary", "Bundle", "Parameters"]

    /// The FHIR type named by a choice element's JSON suffix: `Quantity` → Quantity,
    /// `DateTime` → dateTime.
    static func typeName(ofChoiceSuffix suffix: Substring) -> String {
        guard let first = suffix.first else { return String(suffix) }
        let lowered = first.lowercased() + suffix.dropFirst()
        return primitiveKinds[lowered] != nil ? lowered : String(suffix)
    }

    /// Whether `value` is of the type `specifier` names, or of a subtype of it.
    ///
    /// A FHIR primitive also counts as its System type (`valueDateTime` is a `DateTime`), so
    /// `value.as(DateTime)` in the R4 definitions finds `dateTime` values.
    static func value(_ value: FHIRPathValue, isOf specifier: TypeSpecifier) -> Bool {
        guard case .node(let node) = value else {
            return specifier.systemKind != nil && specifier.systemKind == systemKind(of: value)
        }
        guard let type = node.type else { return false }
        if let systemKind = specifier.systemKind {
            return primitiveKinds[type] == systemKind && node.json != .null
        }
        guard specifier.isFHIR else { return false }
        if node.isResource {
            return type == specifier.name || specifier.name == "Resource"
                || (specifier.name == "DomainResource" && !resourcesOutsideDomainResource.contains(type))
        }
        var candidate: String? = type
        while let current = candidate {
            if current == specifier.name { return true }
            candidate = supertypes[current]
        }
        return specifier.name == "Element" && (primitiveKinds[type] != nil || type.first?.isUppercase == true)
    }

    private static func systemKind(of value: FHIRPathValue) -> SystemKind? {
        switch value {
        case .boolean: .boolean
        case .string: .string
        case .integer: .integer
        case .decimal: .decimal
        case .date: .date
        case .dateTime: .dateTime
        case .time: .time
        case .node: nil
        }
    }
}
