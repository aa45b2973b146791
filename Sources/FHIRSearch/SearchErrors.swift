import FHIRCore
import FHIRPath
import Foundation

/// Why the search definitions could not be loaded.
public enum SearchRegistryError: Error, Sendable, CustomStringConvertible {
    /// A file could not be read.
    case unreadable(URL, reason: String)
    /// A file is not JSON.
    case invalidJSON(URL, JSONSyntaxError)
    /// A Bundle or definition lacks something required or has the wrong shape.
    case malformed(String)
    /// A parameter's expression is outside the FHIRPath that Vesta evaluates.
    case invalidExpression(parameter: String, FHIRPathSyntaxError)
    /// A composite names a component parameter that is not loaded.
    case unknownComponent(parameter: String, definition: String)

    public var description: String {
        switch self {
        case .unreadable(let url, let reason): "cannot read \(url.path): \(reason)"
        case .invalidJSON(let url, let error): "\(url.path): \(error)"
        case .malformed(let message): "search definitions: \(message)"
        case .invalidExpression(let parameter, let error): "search parameter \(parameter): \(error)"
        case .unknownComponent(let parameter, let definition): "search parameter \(parameter): unknown component \(definition)"
        }
    }
}

/// Why a resource could not be indexed.
public enum SearchIndexError: Error, Sendable, CustomStringConvertible {
    /// The JSON has no `resourceType`.
    case notAResource
    /// Evaluating a parameter's expression failed on this resource.
    case evaluation(parameter: String, FHIRPathEvaluationError)

    public var description: String {
        switch self {
        case .notAResource: "not a resource: no resourceType"
        case .evaluation(let parameter, let error): "search parameter \(parameter): \(error)"
        }
    }
}
