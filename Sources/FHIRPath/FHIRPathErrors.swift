/// Why a FHIRPath expression could not be parsed: the UTF-8 offset (0-based) where parsing
/// stopped and what was wrong there. Functions and operators outside the supported subset are
/// reported here too, so an expression that parses can be evaluated.
public struct FHIRPathSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at offset \(offset)" }
}

/// Why evaluating a parsed expression failed on a given input, e.g. a function that needs a
/// single item received several, or two values that cannot be compared.
public struct FHIRPathEvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
