import FHIRCore

/// One problem found while loading a device mapping, located in the mapping's JSON.
public struct DeviceMappingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong (SPEC §1.1–§1.3).
    public enum Kind: Sendable, Hashable {
        /// The document is not JSON.
        case invalidJSON(String)
        /// The root is not a `CollectionContent` (`actual` is `nil` when `templateType` is missing).
        case notACollection(actual: String?)
        /// A `template` property that must hold an array does not.
        case expectedArray(property: String)
        /// A value that must be a JSON object is not.
        case expectedObject
        /// `templateType` names no known device template type.
        case unknownTemplateType(String)
        /// A required property is absent.
        case missingProperty(String)
        /// A property the template type does not define.
        case unknownProperty(String)
        /// Two properties whose names differ only in case.
        case duplicateProperty(String)
        /// A property holds the wrong JSON type (`expected` names the type it must be).
        case wrongType(property: String, expected: String)
        /// A property holds an unacceptable value of the right type (e.g. a blank `typeName`).
        case invalidValue(property: String, reason: String)
        /// An expression language other than `JsonPath` or `JmesPath`.
        case unsupportedLanguage(String)
        /// An expression that does not compile.
        case invalidExpression(language: ExpressionLanguage, expression: String, reason: String)
    }

    public let kind: Kind
    /// Where the offending element starts.
    public let location: TextLocation
    /// JSON Pointer of the offending element.
    public let pointer: JSONPointer

    public init(kind: Kind, location: TextLocation, pointer: JSONPointer) {
        self.kind = kind
        self.location = location
        self.pointer = pointer
    }

    /// A short machine-readable name of `kind`.
    public var code: String {
        switch kind {
        case .invalidJSON: "invalidJSON"
        case .notACollection: "notACollection"
        case .expectedArray: "expectedArray"
        case .expectedObject: "expectedObject"
        case .unknownTemplateType: "unknownTemplateType"
        case .missingProperty: "missingProperty"
        case .unknownProperty: "unknownProperty"
        case .duplicateProperty: "duplicateProperty"
        case .wrongType: "wrongType"
        case .invalidValue: "invalidValue"
        case .unsupportedLanguage: "unsupportedLanguage"
        case .invalidExpression: "invalidExpression"
        }
    }

    /// The message, worded like MedTech's where the SPEC quotes it.
    public var message: String {
        switch kind {
        case .invalidJSON(let reason): "The device mapping is not valid JSON: \(reason)."
        case .notACollection(let actual):
            "Expected TemplateType value CollectionContentTemplate, actual \(actual ?? "Not Found")."
        case .expectedArray(let property):
            "Expected an array for the \(property) property value for template type CollectionContentTemplate."
        case .expectedObject: "Expected a JSON object."
        case .unknownTemplateType(let name): "No match found for template type \(name)."
        case .missingProperty(let name): "Required property '\(name)' not found in JSON."
        case .unknownProperty(let name): "Could not find member '\(name)' on the template."
        case .duplicateProperty(let name): "Property '\(name)' is given more than once."
        case .wrongType(let property, let expected): "Property '\(property)' must be \(expected)."
        case .invalidValue(let property, let reason): "Property '\(property)' \(reason)."
        case .unsupportedLanguage(let language): "Expression language \(language) is not supported; use JsonPath or JmesPath."
        case .invalidExpression(let language, let expression, let reason):
            "The following \(language.rawValue) expression could not be parsed: \(expression) (\(reason))"
        }
    }

    public var description: String { "\(message) (\(location), \(pointer))" }
}

/// Every problem found in a device mapping; a mapping with any problem is not used (SPEC §1.1).
public struct DeviceMappingErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems in document order.
    public let errors: [DeviceMappingError]

    public init(_ errors: [DeviceMappingError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
