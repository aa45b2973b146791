import FHIRCore

/// What an evaluation may consult besides its input: the element model, the environment
/// variables, and how `resolve()` learns the type of a referenced resource.
public struct FHIRPathContext: Sendable {
    /// Element types; see `FHIRPathModel`. Without one, only resources and choice variants are typed.
    public var model: FHIRPathModel?
    /// `%resource`; by default the input when the input is a resource.
    public var resource: JSONValue?
    /// `%rootResource`; by default `%resource`.
    public var rootResource: JSONValue?
    /// Further `%name` variables.
    public var variables: [String: [FHIRPathValue]]
    /// The resource type a reference string points at, for `resolve()`; nil when unknown.
    /// `#id` references are resolved against `%resource`'s `contained` before this is asked.
    public var resolveReference: @Sendable (String) -> String?

    public init(
        model: FHIRPathModel? = nil,
        resource: JSONValue? = nil,
        rootResource: JSONValue? = nil,
        variables: [String: [FHIRPathValue]] = [:],
        resolveReference: @escaping @Sendable (String) -> String? = FHIRPathContext.resourceType(ofReference:)
    ) {
        self.model = model
        self.resource = resource
        self.rootResource = rootResource
        self.variables = variables
        self.resolveReference = resolveReference
    }

    /// The type segment of a literal reference: `Patient/123`, `Patient/123/_history/2` and
    /// `http://example.org/fhir/Patient/123` give `Patient`; a canonical such as
    /// `http://hl7.org/fhir/ValueSet/x|1.0` gives `ValueSet`. `urn:uuid:...`, `urn:oid:...`
    /// and other shapes give nil.
    public static func resourceType(ofReference reference: String) -> String? {
        var segments = reference.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .split(separator: "/", omittingEmptySubsequences: false)
        if segments.count >= 4, segments[segments.count - 2] == "_history" { segments.removeLast(2) }
        guard segments.count >= 2, let type = segments.dropLast().last, let first = type.utf8.first,
              (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first),
              type.utf8.allSatisfy({ byte in
                  (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
              }),
              let id = segments.last, !id.isEmpty
        else { return nil }
        return String(type)
    }
}
