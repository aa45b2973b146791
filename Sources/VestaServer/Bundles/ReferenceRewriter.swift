import FHIRCore

/// Rewrites the references inside a Bundle entry's resource to what they resolved to:
/// `fullUrl` placeholders (`urn:uuid:…`, `urn:oid:…`, or another entry's absolute fullUrl)
/// become `Type/id` of the entry's resource, and conditional references
/// (`Patient?identifier=s|v`) the `Type/id` of their one match. Covers `reference` anywhere,
/// `Attachment.url` and the `href`/`src` links of narrative `div`s.
struct ReferenceRewriter: Sendable {
    /// Reference as written → `Type/id`.
    var targets: [String: String] = [:]
    /// The message for a `urn:uuid:`/`urn:oid:` reference that is not a key of `targets`.
    let unresolvedPlaceholder: @Sendable (String) -> String

    /// Whether `reference` is a placeholder for an entry of the Bundle.
    static func isPlaceholder(_ reference: String) -> Bool {
        reference.hasPrefix("urn:uuid:") || reference.hasPrefix("urn:oid:")
    }

    /// The conditional references (`Type?search`) in `resource`, each once, in order.
    static func conditionalReferences(in resource: JSONObject, isType: (String) -> Bool) -> [String] {
        var found: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for (key, member) in object {
                    if key == "reference", let text = member.stringValue, let mark = text.firstIndex(of: "?"),
                       isType(String(text[..<mark])), !found.contains(text) {
                        found.append(text)
                    } else {
                        walk(member)
                    }
                }
            case .array(let elements): elements.forEach(walk)
            case .null, .bool, .number, .string: return
            }
        }
        walk(.object(resource))
        return found
    }

    /// `resource` with every resolvable reference replaced; a placeholder nobody resolves is a 400.
    func rewrite(_ resource: JSONObject) throws(FHIRError) -> JSONObject {
        guard case .object(let object) = try rewrite(.object(resource), key: nil) else { return resource }
        return object
    }

    private func rewrite(_ value: JSONValue, key: String?) throws(FHIRError) -> JSONValue {
        switch value {
        case .object(let object):
            var members: [(key: String, value: JSONValue)] = []
            members.reserveCapacity(object.count)
            for (memberKey, member) in object { members.append((memberKey, try rewrite(member, key: memberKey))) }
            return .object(JSONObject(uniqueMembers: members))
        case .array(let elements):
            var rewritten: [JSONValue] = []
            rewritten.reserveCapacity(elements.count)
            for element in elements { rewritten.append(try rewrite(element, key: key)) }
            return .array(rewritten)
        case .string(let text):
            switch key {
            case "reference"?:
                if let target = targets[text] { return .string(target) }
                if Self.isPlaceholder(text) { throw FHIRError(.badRequest, .notFound, unresolvedPlaceholder(text)) }
                return value
            case "url"?:
                return targets[text].map(JSONValue.string) ?? value
            case "div"? where text.contains("urn:"):
                return .string(rewriteLinks(text))
            default:
                return value
            }
        case .null, .bool, .number:
            return value
        }
    }

    /// Narrative links to placeholders (`href="urn:uuid:…"`) pointed at the resolved resources.
    private func rewriteLinks(_ html: String) -> String {
        let delimiters: Set<Character> = ["\"", "'", "<", ">", " "]
        var result = ""
        var rest = Substring(html)
        while let start = rest.range(of: "urn:")?.lowerBound {
            let end = rest[start...].firstIndex(where: delimiters.contains) ?? rest.endIndex
            let token = String(rest[start..<end])
            result += rest[..<start]
            result += targets[token] ?? token
            rest = rest[end...]
        }
        return result + rest
    }
}
