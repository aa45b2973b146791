/// One SMART on FHIR resource scope (App Launch v1 and v2): who the access is for, which
/// resource type, which interactions, and, in v2, a search the resources must also meet.
///
/// `patient/Observation.read` (v1), `user/*.write` (v1), `system/*.*` (v1),
/// `patient/Observation.rs` (v2), `patient/Observation.rs?category=vital-signs` (v2).
public struct SMARTScope: Sendable, Equatable, CustomStringConvertible {
    /// Whose data the scope reaches: one patient's compartment (the token's `patient`), what
    /// the user may see, or anything (backend services).
    public enum Context: String, Sendable {
        case patient, user, system
    }

    /// The interactions a scope allows, in SMART v2's letters `c r u d s`.
    public struct Permissions: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let create = Permissions(rawValue: 1 << 0)
        public static let read = Permissions(rawValue: 1 << 1)
        public static let update = Permissions(rawValue: 1 << 2)
        public static let delete = Permissions(rawValue: 1 << 3)
        public static let search = Permissions(rawValue: 1 << 4)
        public static let all: Permissions = [.create, .read, .update, .delete, .search]

        /// v1 `read` (read and search), v1 `write` (create, update, delete), v1 `*`, or v2
        /// letters in the order `cruds` (`rs`, `cud`); nil for anything else.
        init?(_ text: Substring) {
            switch text {
            case "read": self = [.read, .search]
            case "write": self = [.create, .update, .delete]
            case "*": self = .all
            default:
                let letters: [(Character, Permissions)] = [("c", .create), ("r", .read), ("u", .update), ("d", .delete), ("s", .search)]
                var granted: Permissions = []
                var next = letters.startIndex
                for character in text {
                    guard let found = letters[next...].firstIndex(where: { $0.0 == character }) else { return nil }
                    granted.insert(letters[found].1)
                    next = found + 1
                }
                guard !granted.isEmpty else { return nil }
                self = granted
            }
        }
    }

    public let context: Context
    /// The resource type, nil for `*`.
    public let resourceType: String?
    public let permissions: Permissions
    /// v2's search restriction (the text after `?`), which every resource the scope reaches
    /// must meet; nil when the scope has none.
    public let restriction: String?
    /// The scope as the token carried it.
    public let description: String

    /// Parses a resource scope; nil for scopes that are not about FHIR resources (`openid`,
    /// `fhirUser`, `launch/patient`, `offline_access`) or are malformed, which grant nothing.
    public init?(_ text: String) {
        let (head, query) = Self.split(text[...], at: "?")
        let (context, target) = Self.split(head, at: "/")
        guard let target, let context = Context(rawValue: String(context)) else { return nil }
        guard let dot = target.lastIndex(of: "."), dot != target.startIndex else { return nil }
        let type = target[..<dot]
        guard let permissions = Permissions(target[target.index(after: dot)...]) else { return nil }
        guard type == "*" || type.allSatisfy({ $0.isLetter }) else { return nil }
        if let query, query.isEmpty { return nil }
        self.context = context
        resourceType = type == "*" ? nil : String(type)
        self.permissions = permissions
        restriction = query.map(String.init)
        description = text
    }

    /// Whether the scope allows `permission` on resources of `type`.
    public func grants(_ permission: Permissions, on type: String) -> Bool {
        permissions.isSuperset(of: permission) && (resourceType == nil || resourceType == type)
    }

    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }
}
