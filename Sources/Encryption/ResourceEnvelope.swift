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
    /// comes back unchanged. When no Reference parts were detached, the sealed elements are
    /// spliced into the text in place of `_sealed` without parsing the resource (reads are the
    /// hot path); otherwise the resource is parsed and merged.
    public func unseal(_ stored: String, type: String, id: String, version: Int, keys: KeyRing) throws(EncryptionError) -> String {
        let text = Array(stored.utf8)
        guard let member = Self.sealedMember(in: text) else { return stored }
        let sealed = String(decoding: text[member.value], as: UTF8.self)
        let payload = try keys.open(Substring(sealed), context: Self.context(type: type, id: id, version: version))
        guard let elements = Self.elementsText(ofPayloadWithoutReferenceParts: payload) else {
            return try merged(stored, payload: payload)
        }
        var result: [UInt8] = []
        result.reserveCapacity(text.count + elements.count)
        var removed = member.whole
        if elements.isEmpty { removed = Self.widened(removed, overSeparatorIn: text) }
        result += text[..<removed.lowerBound]
        result += elements
        result += text[removed.upperBound...]
        return String(decoding: result, as: UTF8.self)
    }

    /// The stored resource parsed, `_sealed` replaced by the payload's elements, and the
    /// detached Reference parts put back where they were.
    private func merged(_ stored: String, payload: [UInt8]) throws(EncryptionError) -> String {
        guard case .object(var object)? = try? JSONReader.parse(stored) else { throw .malformed("the stored body is not a JSON object") }
        guard let decoded = try? JSONReader.parse(payload), let elements = decoded["elements"]?.objectValue,
              let parts = decoded["referenceParts"]?.arrayValue else {
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

    private static let payloadHead = Array(#"{"elements":{"#.utf8)
    private static let payloadTailWithoutParts = Array(#"},"referenceParts":[]}"#.utf8)

    /// The members of the payload's `elements` object as JSON text (no braces), when it has no
    /// Reference parts. `seal` writes the payload compactly, elements first, so the text is
    /// found by its frame.
    static func elementsText(ofPayloadWithoutReferenceParts payload: [UInt8]) -> ArraySlice<UInt8>? {
        guard payload.count >= payloadHead.count + payloadTailWithoutParts.count,
              payload.starts(with: payloadHead), payload.suffix(payloadTailWithoutParts.count).elementsEqual(payloadTailWithoutParts)
        else { return nil }
        return payload[payloadHead.count..<(payload.count - payloadTailWithoutParts.count)]
    }

    /// Where the `_sealed` member is in stored text (as PostgreSQL's jsonb prints it, `"_sealed": "…"`,
    /// or compact): the whole member, and its string value without quotes. Sealed text is base64
    /// with `$` and digits, so the value ends at the next quote.
    static func sealedMember(in text: [UInt8]) -> (whole: Range<Int>, value: Range<Int>)? {
        let key = Array("\"\(member)\":".utf8)
        guard let start = firstIndex(of: key, in: text) else { return nil }
        var index = start + key.count
        while index < text.count, text[index] == UInt8(ascii: " ") { index += 1 }
        guard index < text.count, text[index] == UInt8(ascii: "\"") else { return nil }
        let valueStart = index + 1
        guard let valueEnd = text[valueStart...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return (start..<(valueEnd + 1), valueStart..<valueEnd)
    }

    /// `range` grown over the `, ` (or `,`) that separates it from a neighbouring member.
    private static func widened(_ range: Range<Int>, overSeparatorIn text: [UInt8]) -> Range<Int> {
        var lower = range.lowerBound
        while lower > 0, text[lower - 1] == UInt8(ascii: " ") { lower -= 1 }
        if lower > 0, text[lower - 1] == UInt8(ascii: ",") { return (lower - 1)..<range.upperBound }
        var upper = range.upperBound
        while upper < text.count, text[upper] == UInt8(ascii: " ") { upper += 1 }
        if upper < text.count, text[upper] == UInt8(ascii: ",") {
            upper += 1
            while upper < text.count, text[upper] == UInt8(ascii: " ") { upper += 1 }
            return range.lowerBound..<upper
        }
        return range
    }

    private static func firstIndex(of pattern: [UInt8], in text: [UInt8]) -> Int? {
        guard let first = pattern.first, text.count >= pattern.count else { return nil }
        var index = 0
        while index <= text.count - pattern.count {
            if text[index] == first, text[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
            index += 1
        }
        return nil
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
        let text = Array(stored.utf8)
        guard let member = sealedMember(in: text) else { return nil }
        return try? KeyRing.keyID(of: Substring(String(decoding: text[member.value], as: UTF8.self)))
    }

    static func context(type: String, id: String, version: Int) -> String {
        "\(type)/\(id)/\(version)"
    }
}
