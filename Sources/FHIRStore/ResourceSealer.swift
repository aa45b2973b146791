import FHIRCore

/// The encryption-at-rest seam (DESIGN.md §6): every resource passes through `seal` on its way
/// into PostgreSQL and through `unseal` on its way out. Associated data (type, id, version)
/// binds a sealed body to its row.
public protocol ResourceSealer: Sendable {
    /// Whether `unseal` returns its input unchanged, so reads may skip it.
    var isIdentity: Bool { get }
    /// The JSON to store for `resource`.
    func seal(_ resource: JSONValue, type: String, id: String, version: Int) throws -> JSONValue
    /// The resource JSON text for a stored JSON text.
    func unseal(_ storedJSON: String, type: String, id: String, version: Int) throws -> String
}

/// Encryption off: resources are stored as they are.
public struct PlaintextSealer: ResourceSealer {
    public init() {}
    public var isIdentity: Bool { true }
    public func seal(_ resource: JSONValue, type: String, id: String, version: Int) -> JSONValue { resource }
    public func unseal(_ storedJSON: String, type: String, id: String, version: Int) -> String { storedJSON }
}
