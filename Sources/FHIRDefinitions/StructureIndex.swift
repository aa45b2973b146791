import FHIRCore

/// The lookup tables built from `elements.json`.
struct StructureIndex: Sendable {
    let fhirVersion: String
    /// Concrete resource types, sorted.
    let resourceTypes: [String]
    /// Parent path → its children. Paths start with their type name, so they are unique
    /// across types: `Patient.name`, `HumanName.given`, `Observation.component.code`.
    let children: [String: ElementChildren]

    init(file: DefinitionsFile, valueSets: RequiredValueSets) throws(FHIRDefinitionsError) {
        fhirVersion = try file.string(file.root["fhirVersion"], "'fhirVersion'")
        var types: [String: TypeEntry] = [:]
        for (name, value) in try file.object(file.root["types"], "'types'") {
            types[name] = try TypeEntry(name: name, value: value, file: file)
        }
        resourceTypes = types.values.filter { $0.kind == .resource && !$0.isAbstract }.map(\.name).sorted()

        var primitives: [String: PrimitiveType] = [:]
        for type in types.values where type.kind == .primitiveType {
            let valueElement = type.elements.first { $0["path"]?.stringValue == "\(type.name).value" }
            let regex = valueElement?["types"]?.arrayValue?.first?["regex"]?.stringValue
            primitives[type.name] = try PrimitiveType(name: type.name, xsdPattern: regex)
        }

        let resolver = ElementResolver(file: file, types: types, primitives: primitives, valueSets: valueSets)
        var children: [String: ElementChildren] = [:]
        for type in types.values {
            for element in type.elements {
                try resolver.add(element, of: type, to: &children)
            }
        }
        self.children = children
    }
}

/// One entry of `types` in `elements.json`.
private struct TypeEntry {
    enum Kind: String {
        case resource
        case complexType = "complex-type"
        case primitiveType = "primitive-type"
    }

    let name: String
    let kind: Kind
    let isAbstract: Bool
    let elements: [JSONObject]

    init(name: String, value: JSONValue, file: DefinitionsFile) throws(FHIRDefinitionsError) {
        let object = try file.object(value, "type \(name)")
        let kindName = try file.string(object["kind"], "the kind of \(name)")
        guard let kind = Kind(rawValue: kindName) else { throw file.malformed("\(name) has unknown kind '\(kindName)'") }
        self.name = name
        self.kind = kind
        isAbstract = object["abstract"]?.boolValue ?? false
        elements = try file.array(object["elements"], "the elements of \(name)").map {
            (element) throws(FHIRDefinitionsError) in try file.object(element, "an element of \(name)")
        }
    }
}

/// Turns the elements of `elements.json` into `ElementChildren` entries.
private struct ElementResolver {
    /// Profiles that may appear as type codes, and the FHIRPath system type of `xhtml.id`,
    /// mapped onto the type that carries their structure.
    static let baseTypes = [
        "SimpleQuantity": "Quantity",
        "MoneyQuantity": "Quantity",
        "http://hl7.org/fhirpath/System.String": "string",
    ]

    let file: DefinitionsFile
    let types: [String: TypeEntry]
    let primitives: [String: PrimitiveType]
    let valueSets: RequiredValueSets

    func add(_ element: JSONObject, of type: TypeEntry, to children: inout [String: ElementChildren]) throws(FHIRDefinitionsError) {
        let path = try file.string(element["path"], "an element path in \(type.name)")
        guard let dot = path.lastIndex(of: ".") else { return }  // the type's own root element
        guard let minLexeme = element["min"]?.numberLexeme, let min = Int(minLexeme) else {
            throw file.malformed("\(path) has no integer 'min'")
        }
        let max = try file.string(element["max"], "'max' of \(path)")
        let definition = ElementDefinition(
            path: path, name: String(path[path.index(after: dot)...]), min: min,
            isRepeating: max == "*" || (Int(max) ?? 0) > 1
        )
        children[String(path[..<dot]), default: ElementChildren()]
            .add(definition, byJSONName: try variants(of: definition, element: element, in: type))
    }

    /// The JSON member names `definition` takes, each with how its value is checked.
    private func variants(
        of definition: ElementDefinition, element: JSONObject, in type: TypeEntry
    ) throws(FHIRDefinitionsError) -> [String: ChildElement] {
        func child(_ content: ElementContent, _ binding: RequiredBinding? = nil) -> ChildElement {
            ChildElement(element: definition, content: content, binding: binding)
        }
        if let reference = element["contentReference"] {
            let target = try file.string(reference, "'contentReference' of \(definition.path)")
            return [definition.name: child(.complex(parentPath: String(target.drop { $0 == "#" })))]
        }
        let codes = try file.array(element["types"], "'types' of \(definition.path)").map {
            (type) throws(FHIRDefinitionsError) in try file.string(type["code"], "a type code of \(definition.path)")
        }
        if definition.isChoice {
            var variants: [String: ChildElement] = [:]
            for code in codes {
                let jsonName = definition.baseName + code.prefix(1).uppercased() + code.dropFirst()
                variants[jsonName] = child(try content(of: code, at: definition.path), binding(of: code, element: element))
            }
            return variants
        }
        guard codes.count == 1, let code = codes.first else {
            throw file.malformed("\(definition.path) is not a choice element but has \(codes.count) types")
        }
        // The R4 snapshots type a resource's `id` as a plain string, but the resource pages
        // and json.html define the logical id as type `id` (`[A-Za-z0-9\-\.]{1,64}`).
        if type.kind == .resource, definition.path == "\(type.name).id", let id = primitives["id"] {
            return [definition.name: child(.primitive(id))]
        }
        return [definition.name: child(try content(of: code, at: definition.path), binding(of: code, element: element))]
    }

    private func content(of code: String, at path: String) throws(FHIRDefinitionsError) -> ElementContent {
        switch code {
        case "BackboneElement", "Element": return .complex(parentPath: path)
        case "Resource": return .resource
        default: break
        }
        let base = Self.baseTypes[code] ?? code
        if let primitive = primitives[base] { return .primitive(primitive) }
        switch types[base]?.kind {
        case .complexType: return .complex(parentPath: base)
        case .resource: return .resource
        case .primitiveType, nil: throw file.malformed("\(path) has unknown type '\(code)'")
        }
    }

    private func binding(of code: String, element: JSONObject) -> RequiredBinding? {
        guard let binding = element["binding"], binding["strength"]?.stringValue == "required",
              let url = binding["valueSet"]?.stringValue, let codes = valueSets.codes(of: url) else { return nil }
        let target: RequiredBinding.Target
        switch code {
        case "code": target = .code
        case "Coding": target = .coding
        case "CodeableConcept": target = .codeableConcept
        default: return nil
        }
        return RequiredBinding(target: target, valueSet: RequiredValueSets.unversioned(url), codes: codes)
    }
}
