import FHIRCore

/// Which JSONPath language a query is written in.
public enum JSONPathDialect: Sendable, Equatable {
    /// RFC 9535, the IETF standard.
    case rfc9535
    /// Newtonsoft Json.NET `SelectToken(s)`, as MedTech device templates use it.
    case jsonNet
}

/// A compiled JSONPath query. Compile once, then evaluate against any number of documents;
/// evaluation never fails and never mutates the document.
public struct JSONPathQuery: Sendable {
    /// How deeply filters, parentheses and function calls may nest.
    public static let maximumNesting = 64

    /// The query as written.
    public let text: String
    /// The language `text` was compiled as.
    public let dialect: JSONPathDialect
    private let program: Program

    private enum Program: Sendable {
        case rfc9535([RFCSegment])
        case jsonNet([JsonNetStep])
    }

    /// Compiles `text`; throws if it is not a valid (and, for RFC 9535, well-typed) query.
    public init(_ text: String, dialect: JSONPathDialect = .rfc9535) throws(JSONPathError) {
        self.text = text
        self.dialect = dialect
        switch dialect {
        case .rfc9535:
            var parser = RFCParser(text)
            program = .rfc9535(try parser.parseQuery())
        case .jsonNet:
            var parser = JsonNetParser(text)
            program = .jsonNet(try parser.parsePath())
        }
    }

    /// The values of the selected nodes, in result order (duplicates kept).
    public func select(_ document: JSONValue) -> [JSONValue] {
        nodes(document).map(\.value)
    }

    /// The selected nodes with their RFC 9535 Normalized Paths (e.g. `$['a'][0]`).
    public func selectNodes(_ document: JSONValue) -> [(path: String, value: JSONValue)] {
        nodes(document).map { (path: $0.path.normalized, value: $0.value) }
    }

    /// Json.NET `SelectToken`: the one selected value, `nil` when nothing matched (a JSON `null`
    /// that matched is returned as `.null`), and an error when more than one node matched.
    public func selectSingle(_ document: JSONValue) throws(JSONPathError) -> JSONValue? {
        let found = nodes(document)
        guard found.count <= 1 else {
            throw JSONPathError(kind: .multipleResults, message: "Path returned multiple tokens.", offset: nil)
        }
        return found.first?.value
    }

    private func nodes(_ document: JSONValue) -> [Node] {
        let root = Node(value: document, path: .root)
        switch program {
        case .rfc9535(let segments): return RFCEvaluator(root: document).evaluate(segments, from: root)
        case .jsonNet(let steps): return JsonNetEvaluator(root: document).evaluate(steps, from: [root])
        }
    }
}
