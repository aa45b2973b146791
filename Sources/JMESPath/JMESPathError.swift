/// Why a JMESPath expression could not be compiled or evaluated. The kinds match the error
/// names of the JMESPath compliance suite.
public struct JMESPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The expression does not parse (`syntax`).
        case syntax
        /// A function got an argument of the wrong JSON type (`invalid-type`).
        case invalidType
        /// A function got the wrong number of arguments (`invalid-arity`); reported at compile time.
        case invalidArity
        /// The function is not in the expression's function set (`unknown-function`).
        case unknownFunction
        /// A well-typed value that cannot be used: slice step 0, divide by zero, overflow,
        /// position out of range (`invalid-value`).
        case invalidValue
        /// `searchSingle` met a projection with more than one element (MedTech "Multiple tokens").
        case multipleResults
    }

    public let kind: Kind
    public let message: String
    /// For syntax errors: offset, in Unicode scalars from the start of the expression.
    public let offset: Int?

    public init(kind: Kind, message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String {
        guard let offset else { return message }
        return "\(message) at offset \(offset)"
    }
}
