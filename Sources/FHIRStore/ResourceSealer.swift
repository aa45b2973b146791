import FHIRCore

/// The encryption-at-rest seam (DESIGN.md §6): every resource passes through `seal` on its way
/// into PostgreSQL and through `unseal` on its way out. Associated data (type, id, version)
/// binds a sealed body to its row. Text stored outside the resource tables (ingest messages)
/// goes through `sealText`/`unsealText`.
public protocol ResourceSealer: Sendable {
    /// Whether `unseal` returns its input unchanged, so reads may skip it.
    var isIdentity: Bool { get }
    /// The JSON to store for `resource`.
    func seal(_ resource: JSONObject, type: String, id: String, version: Int) throws -> JSONObject
    /// The resource JSON text for a stored JSON text.
    func unseal(_ storedJSON: String, type: String, id: String, version: Int) throws -> String
    /// The text to store for `text`, bound to `context` (what the text belongs to).
    func sealText(_ text: String, context: String) throws -> String
    /// The text `sealText` was given, for a stored text sealed with the same `context`.
    func unsealText(_ stored: String, context: String) throws -> String
    /// Whether a stored text is sealed the way `sealText` seals now (so re-encryption skips it).
    func isCurrent(storedText: String) -> Bool
}

/// Encryption off: everything is stored as it is.
public struct PlaintextSealer: ResourceSealer {
    public init() {}
    public var isIdentity: Bool { true }
    public func seal(_ resource: JSONObject, type: String, id: String, version: Int) -> JSONObject { resource }
    public func unseal(_ storedJSON: String, type: String, id: String, version: Int) -> String { storedJSON }
    public func sealText(_ text: String, context: String) -> String { text }
    public func unsealText(_ stored: String, context: String) -> String { stored }
    public func isCurrent(storedText: String) -> Bool { true }
}
