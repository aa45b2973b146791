import DeviceMapping

/// One problem found while loading a FHIR destination mapping, located in the mapping's JSON.
public struct FHIRMappingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong (SPEC §3.1).
    public enum Kind: Sendable, Hashable {
        /// The document is not JSON.
        case invalidJSON(String)
        /// The root is not a `CollectionFhir` (`actual` is `nil` when `templateType` is missing).
        case notACollection(actual: String?)
        /// An entry's `templateType` is not `CodeValueFhir`.
        case notCodeValueFhir(actual: String?)
        /// A value that must be a JSON array is not.
        case expectedArray(property: String)
        /// A value that must be a JSON object is not.
        case expectedObject
        /// A required property is absent.
        case missingProperty(String)
        /// A property the template does not define.
        case unknownProperty(String)
        /// Two properties whose names differ only in case.
        case duplicateProperty(String)
        /// A property holds the wrong JSON type (`expected` names the type it must be).
        case wrongType(property: String, expected: String)
        /// A property holds an unacceptable value of the right type.
        case invalidValue(property: String, reason: String)
        /// A `valueType` other than SampledData, Quantity, String or CodeableConcept.
        case unknownValueType(String)
        /// A `periodInterval` other than -1, 0, 60 or 1440.
        case unsupportedPeriodInterval(String)
        /// An empty `typeName`.
        case emptyTypeName
        /// Two templates whose `typeName`s differ at most in case.
        case duplicateTypeName(String)
    }

    public let kind: Kind
    /// Where the offending element starts.
    public let location: TextLocation
    /// JSON Pointer (RFC 6901) of the offending element.
    public let pointer: String

    public init(kind: Kind, location: TextLocation, pointer: String) {
        self.kind = kind
        self.location = location
        self.pointer = pointer
    }

    /// The message, worded like MedTech's where the SPEC quotes it.
    public var message: String {
        switch kind {
        case .invalidJSON(let reason): "The FHIR mapping is not valid JSON: \(reason)."
        case .notACollection(let actual): "Expected TemplateType value CollectionFhirTemplate, actual \(actual ?? "Not Found")."
        case .notCodeValueFhir(let actual): "Expected TemplateType value CodeValueFhirTemplate, actual \(actual ?? "Not Found")."
        case .expectedArray(let property): "Expected an array for the \(property) property value."
        case .expectedObject: "Expected a JSON object."
        case .missingProperty(let name): "Required property '\(name)' not found in JSON."
        case .unknownProperty(let name): "Could not find member '\(name)' on the template."
        case .duplicateProperty(let name): "Property '\(name)' is given more than once."
        case .wrongType(let property, let expected): "Property '\(property)' must be \(expected)."
        case .invalidValue(let property, let reason): "Property '\(property)' \(reason)."
        case .unknownValueType(let name): "No match found for value type \(name)."
        case .unsupportedPeriodInterval(let value): "ObservationPeriodInterval \(value) is not supported."
        case .emptyTypeName: "Empty type name is not allowed"
        case .duplicateTypeName(let name): "Duplicate template defined for type name: '\(name)'"
        }
    }

    public var description: String { "\(message) (\(location), \(pointer))" }
}

/// Every problem found in a FHIR mapping; a mapping with any problem is not used.
public struct FHIRMappingErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems in document order.
    public let errors: [FHIRMappingError]

    public init(_ errors: [FHIRMappingError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
