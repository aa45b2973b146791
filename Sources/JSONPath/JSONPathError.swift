/// Why a JSONPath query was rejected, or why `selectSingle` could not answer.
public struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text is not a query of the chosen dialect.
        case syntax
        /// RFC 9535 §2.4.3: the query parses but misuses a function or a comparison.
        case notWellTyped
        /// Filters, parentheses or function calls nested deeper than `JSONPathQuery.maximumNesting`.
        case nestingTooDeep
        /// `selectSingle` found more than one node (Json.NET: "Path returned multiple tokens.").
        case multipleResults
    }

    public let kind: Kind
    public let message: String
    /// Offset, in Unicode scalars from the start of the query, where the problem was found
    /// (`nil` for `multipleResults`).
    public let offset: Int?

    public init(kind: Kind, message: String, offset: Int?) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String {
        guard let offset else { return message }
        return "\(message) at offset \(offset)"
    }
}
