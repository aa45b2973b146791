import FHIRCore
import FHIRStore

/// A `searchset` Bundle for one page: matches then includes, `self`, `next` and `previous` links, and
/// the total when asked for. Stored resource text is spliced in as is, so a page costs no
/// re-parsing unless `reshape` changes the resources (`_summary`, `_elements`).
struct SearchBundle {
    let page: SearchPage
    /// `[base]/Type` (or `[base]/Patient/p1/Observation` for a compartment).
    let searchURL: String
    /// The applied parameters, for the links.
    let applied: [(name: String, value: String)]
    let count: Int
    let baseURL: String
    /// Rewrites a resource for `_summary`/`_elements`; nil returns resources as stored.
    let reshape: ((JSONObject) -> JSONObject)?

    var text: String {
        var members: [String] = [
            #""resourceType":"Bundle""#,
            #""id":"\#(FHIRId.generate())""#,
            #""meta":{"lastUpdated":"\#(FHIRInstant.now().fhirString)"}"#,
            #""type":"searchset""#,
        ]
        if let total = page.total { members.append(#""total":\#(total)"#) }
        var links = [link("self", cursor: nil)]
        if let next = page.nextCursor { links.append(link("next", cursor: next)) }
        if let previous = page.previousCursor { links.append(link("previous", cursor: previous)) }
        members.append(#""link":[\#(links.joined(separator: ","))]"#)
        let entries = page.matches.map { entry($0, mode: "match") } + page.included.map { entry($0, mode: "include") }
        if !entries.isEmpty { members.append(#""entry":[\#(entries.joined(separator: ","))]"#) }
        return "{" + members.joined(separator: ",") + "}"
    }

    private func entry(_ resource: StoredResource, mode: String) -> String {
        let fullURL = JSONWriter.string(.string("\(baseURL)/\(resource.type)/\(resource.id)"))
        var body = resource.json ?? "{}"
        if let reshape, let object = (try? JSONReader.parse(body))?.objectValue {
            body = JSONWriter.string(.object(reshape(object)))
        }
        return #"{"fullUrl":\#(fullURL),"resource":\#(body),"search":{"mode":"\#(mode)"}}"#
    }

    private func link(_ relation: String, cursor: String?) -> String {
        var parameters = applied.filter { $0.name != "_count" }.map { "\(Self.encode($0.name))=\(Self.encode($0.value))" }
        parameters.append("_count=\(count)")
        if let cursor { parameters.append("_cursor=\(cursor)") }
        let url = JSONWriter.string(.string("\(searchURL)?\(parameters.joined(separator: "&"))"))
        return #"{"relation":"\#(relation)","url":\#(url)}"#
    }

    /// Percent-encodes a query component (RFC 3986 unreserved characters and `:` `,` `|` `$` stay).
    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"),
                 UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: "$"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
