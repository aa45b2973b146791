import FHIRCore
import Foundation

/// A position in a search's order: the sort values and key of a row, as text, and whether the
/// page wanted is the one after that row (`next`) or before it (`prev`). Carried in the
/// `_cursor` parameter of a link as base64url JSON, so paging needs no server-side state and is
/// stable while others write (keyset paging).
struct SearchCursor: Equatable {
    /// One per sort key (nil where the row had no value), then the resource key.
    let values: [String?]
    /// The page before the row rather than after it.
    let backward: Bool

    init(values: [String?], backward: Bool = false) {
        self.values = values
        self.backward = backward
    }

    /// Reads a `_cursor` parameter; nil when it is not a cursor with `count` values.
    init?(token: String, count: Int) {
        var token = Substring(token)
        backward = token.first == "~"
        if backward { token = token.dropFirst() }
        var base64 = String(token).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let array = (try? JSONReader.parse([UInt8](data)))?.arrayValue,
              array.count == count
        else { return nil }
        var values: [String?] = []
        for element in array {
            switch element {
            case .string(let text): values.append(text)
            case .null: values.append(nil)
            default: return nil
            }
        }
        guard values.last??.isEmpty == false else { return nil }
        self.values = values
    }

    /// Reads the JSON array of text the page query returns for each row.
    init?(json: String, backward: Bool) {
        guard let array = (try? JSONReader.parse(json))?.arrayValue else { return nil }
        values = array.map(\.stringValue)
        self.backward = backward
    }

    /// The `_cursor` parameter value (`~` first for a backward cursor).
    var token: String {
        let json = JSONWriter.string(.array(values.map { $0.map(JSONValue.string) ?? .null }))
        return (backward ? "~" : "") + Data(json.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
