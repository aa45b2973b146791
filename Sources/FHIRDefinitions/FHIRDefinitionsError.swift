import FHIRCore

/// Why the conformance definitions could not be loaded.
public enum FHIRDefinitionsError: Error, Sendable, CustomStringConvertible {
    /// A definitions file is missing or unreadable.
    case unreadable(file: String, reason: String)
    /// A definitions file is not valid JSON.
    case invalidJSON(file: String, JSONSyntaxError)
    /// A definitions file is valid JSON but not in the expected shape.
    case malformed(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "cannot read \(file): \(reason)"
        case .invalidJSON(let file, let error): "\(file) is not valid JSON: \(error)"
        case .malformed(let file, let reason): "\(file) is malformed: \(reason)"
        }
    }
}
