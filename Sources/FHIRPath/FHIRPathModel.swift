import FHIRCore

/// The FHIR element types the evaluator navigates by, built from Vesta's structure index
/// (`conformance/structure/elements.json`).
///
/// With a model, every element gets its FHIR type (`Observation.code` is a CodeableConcept,
/// `Patient.birthDate` a `date`) and choice elements are found exactly. Without one,
/// elements are untyped except resources (by `resourceType`) and choice variants (by their
/// JSON suffix: `valueQuantity` is a Quantity).
public struct FHIRPathModel: Sendable {
    /// Parent (type name or backbone path) → element name → definition. Choice variants are
    /// listed under their JSON names too (`valueQuantity`), so members can be typed by key.
    private let elements: [String: [String: ElementDefinition]]

    /// Profiles that appear as type codes, and the System type of `Element.id`, mapped onto
    /// the type that carries their structure.
    private static let typeAliases = [
        "SimpleQuantity": "Quantity",
        "MoneyQuantity": "Quantity",
        "http://hl7.org/fhirpath/System.String": "string",
    ]

    /// Builds the model from the parsed `elements.json`: `types`, each with `elements` carrying
    /// `path` and either `types` (`code`) or `contentReference`.
    public init(structureIndex: JSONValue) throws(FHIRPathModelError) {
        guard let types = structureIndex["types"]?.objectValue else { throw FHIRPathModelError("'types' must be an object") }
        var elements: [String: [String: ElementDefinition]] = [:]
        var typeOfPath: [String: ElementType] = [:]
        for (typeName, type) in types {
            guard let definitions = type["elements"]?.arrayValue else {
                throw FHIRPathModelError("type \(typeName) has no 'elements' array")
            }
            for definition in definitions {
                guard let path = definition["path"]?.stringValue else { throw FHIRPathModelError("an element of \(typeName) has no path") }
                guard let dot = path.lastIndex(of: ".") else { continue }  // the type's own root element
                let parent = String(path[..<dot])
                let name = String(path[path.index(after: dot)...])
                func add(_ member: String, _ definition: ElementDefinition) { elements[parent, default: [:]][member] = definition }
                if let reference = definition["contentReference"]?.stringValue {
                    let target = String(reference.drop { $0 == "#" })
                    let type = ElementType(name: typeOfPath[target]?.name ?? "BackboneElement", structure: target)
                    add(name, .single(type))
                    typeOfPath[path] = type
                } else {
                    let codes = (definition["types"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
                    if name.hasSuffix("[x]") {
                        let baseName = String(name.dropLast(3))
                        var variants: [Substring: ElementType] = [:]
                        for code in codes {
                            let type = Self.elementType(code: code, path: path)
                            let suffix = code.prefix(1).uppercased() + code.dropFirst()
                            variants[Substring(suffix)] = type
                            add(baseName + suffix, .single(type))
                        }
                        add(baseName, .choice(variants))
                    } else {
                        guard codes.count == 1, let code = codes.first else {
                            throw FHIRPathModelError("\(path) has \(codes.count) types but is not a choice element")
                        }
                        let type = Self.elementType(code: code, path: path)
                        add(name, .single(type))
                        typeOfPath[path] = type
                    }
                }
            }
        }
        self.elements = elements
    }

    private static func elementType(code: String, path: String) -> ElementType {
        switch code {
        case "BackboneElement", "Element": return ElementType(name: code, structure: path)
        default:
            let name = typeAliases[code] ?? code
            return ElementType(name: name, structure: name)
        }
    }

    /// The definition of the element (or choice variant) `name` under `structure`.
    func element(_ name: String, in structure: String) -> ElementDefinition? {
        elements[structure]?[name]
    }
}

/// The structure index handed to `FHIRPathModel` is not shaped as expected.
public struct FHIRPathModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { "structure index: \(message)" }
}

/// How an element is typed.
enum ElementDefinition: Sendable {
    case single(ElementType)
    /// A choice element (`value[x]`): its types by JSON suffix (`Quantity`, `DateTime`).
    case choice([Substring: ElementType])
}

/// A FHIR type, and where the model lists its children.
struct ElementType: Sendable {
    let name: String
    let structure: String
}
