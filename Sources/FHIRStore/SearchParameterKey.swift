import FHIRSearch

/// The `pid` column of the search index tables: a 32-bit FNV-1a hash of `Type.code`
/// (`Type.code#n` for the n-th component of a composite). Stable across restarts and
/// releases, so the index needs no parameter table; `verifyUnique` proves at start-up that no
/// two parameters of the loaded definitions share a key.
public enum SearchParameterKey {
    /// The key of parameter `code` on `resourceType`.
    public static func of(_ resourceType: String, _ code: String) -> Int32 {
        hash("\(resourceType).\(code)")
    }

    /// The key of component `index` (0-based) of composite parameter `code` on `resourceType`.
    public static func of(_ resourceType: String, _ code: String, component index: Int) -> Int32 {
        hash("\(resourceType).\(code)#\(index)")
    }

    /// Throws when two parameters (or composite components) of `resourceTypes` hash alike.
    public static func verifyUnique(registry: SearchParameterRegistry, resourceTypes: some Sequence<String>) throws(SearchKeyCollision) {
        var seen: [Int32: String] = [:]
        for type in resourceTypes {
            for parameter in registry.parameters(for: type) {
                var names = ["\(type).\(parameter.code)"]
                names += parameter.components.indices.map { "\(type).\(parameter.code)#\($0)" }
                for name in names {
                    let key = hash(name)
                    if let other = seen[key], other != name { throw SearchKeyCollision(first: other, second: name) }
                    seen[key] = name
                }
            }
        }
    }

    private static func hash(_ text: String) -> Int32 {
        var value: UInt32 = 0x811C_9DC5
        for byte in text.utf8 {
            value ^= UInt32(byte)
            value = value &* 0x0100_0193
        }
        return Int32(bitPattern: value)
    }
}

/// Two search parameters share a `SearchParameterKey`; the index cannot tell them apart.
public struct SearchKeyCollision: Error, Sendable, CustomStringConvertible {
    public let first: String
    public let second: String
    public var description: String { "search parameters \(first) and \(second) have the same index key" }
}
