import FHIRCore

/// The target of a reference, as written in the resource.
public enum SearchReference: Sendable, Hashable {
    /// `Type/id` or `Type/id/_history/version`, relative to this server.
    case relative(type: String, id: String, version: String?)
    /// Any other reference text: an absolute URL or a URN. When a URL ends in
    /// `Type/id[/_history/version]` those parts are read from it; otherwise `type` comes from
    /// `Reference.type` when given.
    case url(String, type: String?, id: String?, version: String?)
    /// A resource inside this one: a `#id` reference into `contained` (typed by that resource;
    /// an empty id is the container itself), or a resource embedded in place, such as a Bundle
    /// entry.
    case contained(type: String?, id: String)
    /// A canonical URL (a `canonical` or `uri` element), its `|version` split off.
    case canonical(String, version: String?)

    /// Reads `Reference.reference`; `container` is the resource holding the reference, for `#id`.
    init(reference text: String, declaredType: String?, container: JSONValue) {
        if text.hasPrefix("#") {
            let id = String(text.dropFirst())
            let target = id.isEmpty
                ? container
                : container["contained"]?.arrayValue?.first { $0["id"]?.stringValue == id }
            self = .contained(type: target?["resourceType"]?.stringValue, id: id)
            return
        }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        let isURL = text.contains(":")
        if !isURL, let tail = Self.restfulTail(segments), tail.count == segments.count {
            self = .relative(type: tail.type, id: tail.id, version: tail.version)
        } else if isURL, !text.hasPrefix("urn:"), let tail = Self.restfulTail(segments) {
            self = .url(text, type: tail.type, id: tail.id, version: tail.version)
        } else {
            self = .url(text, type: declaredType, id: nil, version: nil)
        }
    }

    /// Reads a canonical: `url|version`.
    init(canonical text: String) {
        let (url, version) = Self.splitVersion(text)
        self = .canonical(url, version: version)
    }

    /// `url|version` → (url, version); no version when there is no `|`.
    static func splitVersion(_ text: String) -> (String, String?) {
        guard let bar = text.lastIndex(of: "|") else { return (text, nil) }
        return (String(text[..<bar]), String(text[text.index(after: bar)...]))
    }

    /// The trailing `Type/id` or `Type/id/_history/version` of `segments`, and how many
    /// segments it spans.
    private static func restfulTail(_ segments: [Substring])
        -> (type: String, id: String, version: String?, count: Int)?
    {
        var end = segments.count
        var version: String?
        if end >= 4, segments[end - 2] == "_history", FHIRId.isValid(segments[end - 1]) {
            version = String(segments[end - 1])
            end -= 2
        }
        guard end >= 2, isResourceTypeName(segments[end - 2]), FHIRId.isValid(segments[end - 1]) else { return nil }
        return (String(segments[end - 2]), String(segments[end - 1]), version, version == nil ? 2 : 4)
    }

    /// `Patient`, `MedicationRequest`: an upper-case ASCII letter, then ASCII letters.
    private static func isResourceTypeName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        }
    }
}
