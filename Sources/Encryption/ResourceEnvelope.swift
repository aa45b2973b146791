import FHIRCore

/// Seals the secret parts of a resource into one member, `_sealed`: the top-level elements the
/// policy does not keep plaintext, and, inside the plaintext ones, every Reference's `display`
/// and `identifier` (a subject's display is often the patient's name). The resource's
/// `Type/id/version` is the context, so a sealed member cannot be moved to another resource or
/// version. A resource with nothing secret is stored as it is.
public struct ResourceEnvelope: Sendable {
    /// The member that carries the sealed parts. No FHIR element is named `sealed`, so it
    /// cannot clash with a primitive extension.
    public static let member = "_sealed"
    /// The parts of a Reference that are sealed even inside a plaintext element.
    static let referenceParts: Set<String> = ["display", "identifier"]

    public let policy: SealingPolicy

    public init(policy: SealingPolicy) {
        self.policy = policy
    }

    /// The object to store: plaintext members in their order, then `_sealed`.
    public func seal(_ resource: JSONObject, type: String, id: String, version: Int, keys: KeyRing) throws(EncryptionError) -> JSONObject {
        var plaintext: [(key: String, value: JSONValue)] = []
        var secret: [(key: String, value: JSONValue)] = []
        var detached: [JSONValue] = []
        for member in resource.members {
            if policy.isPlaintext(member: member.key, of: type) {
                plaintext.append((member.key, Self.detachReferenceParts(member.value, at: [.string(member.key)], into: &detached)))
            } else {
                secret.append(member)
            }
        }
        guard !secret.isEmpty || !detached.isEmpty else { return resource }
        let payload: JSONValue = ["elements": .object(JSONObject(uniqueMembers: secret)), "referenceParts": .array(detached)]
        let sealed = try keys.seal(JSONWriter.bytes(payload), context: Self.context(type: type, id: id, version: version))
        return JSONObject(uniqueMembers: plaintext + [(Self.member, .string(sealed))])
    }

    /// The resource JSON for stored JSON text: `_sealed` opened and its parts put back.
    /// Text without `_sealed` (nothing was secret, or it was written before encryption was on)
    /// comes back unchanged.
    public func unseal(_ stored: String, type: String, id: String, version: Int, keys: KeyRing) throws(EncryptionError) -> String {
        guard stored.contains("\"\(Self.member)\"") else { return stored }
        guard case .object(var object)? = try? JSONReader.parse(stored) else { throw .malformed("the stored body is not a JSON object") }
        guard let sealedValue = object[Self.member] else { return stored }
        guard let sealed = sealedValue.stringValue else { throw .malformed("\(Self.member) is not a string") }
        let bytes = try keys.open(Substring(sealed), context: Self.context(type: type, id: id, version: version))
        guard let payload = try? JSONReader.parse(bytes), let elements = payload["elements"]?.objectValue,
              let parts = payload["referenceParts"]?.arrayValue else {
            throw .malformed("the sealed payload is not an object of elements and reference parts")
        }
        object[Self.member] = nil
        var resource = JSONValue.object(JSONObject(uniqueMembers: object.members + elements.members))
        for part in parts {
            guard let path = part["at"]?.arrayValue, let members = part["members"]?.objectValue else {
                throw .malformed("a sealed reference part has no location")
            }
            resource = Self.adding(members, to: resource, at: path[...])
        }
        return JSONWriter.string(resource)
    }

    /// `value` without the sealed parts of the References in it; each removed part goes to
    /// `detached` as `{"at": path, "members": {...}}`.
    private static func detachReferenceParts(_ value: JSONValue, at path: [JSONValue], into detached: inout [JSONValue]) -> JSONValue {
        switch value {
        case .object(let object):
            var kept: [(key: String, value: JSONValue)] = []
            var removed: [(key: String, value: JSONValue)] = []
            let isReference = object["reference"]?.stringValue != nil || object["identifier"]?.objectValue != nil
            for member in object.members {
                if isReference, referenceParts.contains(member.key) {
                    removed.append(member)
                } else {
                    kept.append((member.key, detachReferenceParts(member.value, at: path + [.string(member.key)], into: &detached)))
                }
            }
            if !removed.isEmpty {
                detached.append(["at": .array(path), "members": .object(JSONObject(uniqueMembers: removed))])
            }
            return .object(JSONObject(uniqueMembers: kept))
        case .array(let elements):
            return .array(elements.enumerated().map { index, element in
                detachReferenceParts(element, at: path + [.number(String(index))], into: &detached)
            })
        case .null, .bool, .number, .string:
            return value
        }
    }

    /// `value` with `members` added to the object at `path` (object keys and array indices).
    private static func adding(_ members: JSONObject, to value: JSONValue, at path: ArraySlice<JSONValue>) -> JSONValue {
        guard let step = path.first else {
            guard case .object(let object) = value else { return value }
            return .object(JSONObject(uniqueMembers: object.members + members.members))
        }
        switch (value, step) {
        case (.object(var object), .string(let key)):
            guard let child = object[key] else { return value }
            object[key] = adding(members, to: child, at: path.dropFirst())
            return .object(object)
        case (.array(var elements), .number(let lexeme)):
            guard let index = Int(lexeme), elements.indices.contains(index) else { return value }
            elements[index] = adding(members, to: elements[index], at: path.dropFirst())
            return .array(elements)
        default:
            return value
        }
    }

    /// The data key a stored body's sealed member names; nil when it has none. Reads the text
    /// without parsing it, for scans over many rows.
    public static func keyID(ofStored stored: String) -> UInt32? {
        guard let start = stored.range(of: "\"\(member)\": \"\(KeyRing.marker)") ?? stored.range(of: "\"\(member)\":\"\(KeyRing.marker)") else {
            return nil
        }
        return UInt32(stored[start.upperBound...].prefix { $0.isASCII && $0.isNumber })
    }

    static func context(type: String, id: String, version: Int) -> String {
        "\(type)/\(id)/\(version)"
    }
}
