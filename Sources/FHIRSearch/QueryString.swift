/// The query string of a FHIR search (`code=http://loinc.org|8867-4&value-quantity=gt120`) as
/// decoded name–value pairs: from a request URL, a form body, a Bundle entry's URL or a
/// Subscription's criteria.
public enum QueryString {
    /// `a=1&b=x+y` → [("a", "1"), ("b", "x y")]; empty pieces are skipped. Decodes bytes
    /// directly (it runs for every search; Foundation's percent decoding showed in profiles).
    public static func pairs(_ text: String) -> [(name: String, value: String)] {
        text.utf8.split(separator: UInt8(ascii: "&")).map { piece in
            let parts = piece.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return (decodeComponent(parts[0]), parts.count > 1 ? decodeComponent(parts[1]) : "")
        }
    }

    /// `+` → space, `%XX` → that byte; a `%` not followed by two hex digits stays as written,
    /// and bytes that are not UTF-8 become U+FFFD.
    static func decodeComponent(_ bytes: Substring.UTF8View.SubSequence) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), let high = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex),
               let low = bytes.index(index, offsetBy: 2, limitedBy: bytes.endIndex), low < bytes.endIndex,
               let first = hexValue(bytes[high]), let second = hexValue(bytes[low]) {
                decoded.append(first << 4 | second)
                index = bytes.index(after: low)
                continue
            }
            decoded.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = bytes.index(after: index)
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
