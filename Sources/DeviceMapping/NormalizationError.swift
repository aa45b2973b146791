/// Why one device message could not be normalized (SPEC §1.4 step 5, §5.1). The whole message
/// fails; no measurement of the failing match is produced.
public struct NormalizationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A required field or value was absent, `null`, blank or not convertible to a string.
        case missingRequiredValue
        /// A single-value expression selected more than one token.
        case multipleResults
        /// The timestamp is not a date-time (a number, or an unparsable string: `found`).
        case invalidTimestamp(found: String)
        /// Evaluation failed, e.g. a MedTech function got a wrong type or divided by zero.
        case evaluationFailed(String)
    }

    public let kind: Kind
    /// Index of the failing template in the mapping, and its `typeName`.
    public let templateIndex: Int
    public let typeName: String
    /// The field that failed: `DeviceIdExpression`, `TimestampExpression`, … or a `valueName`.
    public let field: String
    /// The expression that failed, as written.
    public let expression: String

    public init(kind: Kind, templateIndex: Int, typeName: String, field: String, expression: String) {
        self.kind = kind
        self.templateIndex = templateIndex
        self.typeName = typeName
        self.field = field
        self.expression = expression
    }

    /// MedTech's exception name for this failure (SPEC §5.1), for logs and dead letters.
    public var exceptionName: String {
        switch kind {
        case .missingRequiredValue, .invalidTimestamp: "IncompatibleDataException"
        case .multipleResults: "TemplateExpressionException"
        case .evaluationFailed: "NormalizationDataMappingException"
        }
    }

    /// A short machine-readable name of `kind`.
    public var code: String {
        switch kind {
        case .missingRequiredValue: "missingRequiredValue"
        case .multipleResults: "multipleResults"
        case .invalidTimestamp: "invalidTimestamp"
        case .evaluationFailed: "evaluationFailed"
        }
    }

    public var message: String {
        switch kind {
        case .missingRequiredValue: "Unable to extract required value for [\(field)] using \(expression)"
        case .multipleResults: "Multiple tokens were returned for [\(field)] using \(expression)"
        case .invalidTimestamp(let found):
            "Unable to convert the value \(found) of [\(field)] using \(expression) to a date-time"
        case .evaluationFailed(let reason): "Evaluating [\(field)] using \(expression) failed: \(reason)"
        }
    }

    public var description: String { "\(message) (template \(templateIndex), type \(typeName))" }
}
