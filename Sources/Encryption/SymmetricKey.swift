/// A 256-bit key for AESGCM and HMACSHA256.
///
/// Its description, debug description and mirror never show the bytes, so a key that ends
/// up in a log line, an interpolated string or `dump` does not leak. Equality is compared in
/// constant time.
public struct SymmetricKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The length of every key, in bytes.
    public static let byteCount = 32

    /// The raw key. Handle with care: anything that copies these bytes copies the key.
    public let bytes: [UInt8]

    /// A key from exactly `byteCount` bytes; any other length is `.invalidKey`.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidKey("a key is \(Self.byteCount) bytes, and these are \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// A fresh key from the secure random generator.
    public static func random() throws(CryptoError) -> SymmetricKey {
        try SymmetricKey(bytes: SecureRandom.bytes(byteCount))
    }

    /// A key as an operator writes it in configuration: 64 hex digits (either case), or the
    /// base64 of 32 bytes in the standard or URL-safe alphabet, with or without padding.
    /// Whitespace and newlines around the text are ignored. Anything else is `.invalidKey`,
    /// naming the accepted forms; the message never repeats the text itself.
    public init(text: String) throws(CryptoError) {
        self.bytes = try KeyText.decode(text)
    }

    public static func == (lhs: SymmetricKey, rhs: SymmetricKey) -> Bool {
        ConstantTime.equal(lhs.bytes, rhs.bytes)
    }

    public var description: String { "SymmetricKey(256 bits, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// The key-text forms SymmetricKey(text:) accepts.
enum KeyText {
    static let accepted =
        "a key is written as 64 hex digits, or as the base64 of 32 bytes (standard or URL-safe alphabet, padding optional)"

    static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        let scalars = text.unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while start < end, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        guard start < end else { throw .invalidKey("the key text is empty; \(accepted)") }

        var ascii: [UInt8] = []
        ascii.reserveCapacity(64)
        for scalar in scalars[start..<end] {
            guard scalar.isASCII else { throw .invalidKey("the key text contains a non-ASCII character; \(accepted)") }
            ascii.append(UInt8(truncatingIfNeeded: scalar.value))
        }

        let allHex = ascii.allSatisfy { hexValue($0) != nil }
        if allHex, ascii.count == 2 * SymmetricKey.byteCount, let bytes = hex(ascii) { return bytes }
        let base64Bytes = base64(ascii)
        if let base64Bytes, base64Bytes.count == SymmetricKey.byteCount { return base64Bytes }

        if allHex {
            throw .invalidKey("the key text is \(ascii.count) hex digits, not 64; \(accepted)")
        } else if let base64Bytes {
            throw .invalidKey("the key text is the base64 of \(base64Bytes.count) bytes, not 32; \(accepted)")
        } else {
            throw .invalidKey("the key text is neither hex nor base64; \(accepted)")
        }
    }

    static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The bytes of an even number of hex digits, or nil.
    static func hex(_ digits: [UInt8]) -> [UInt8]? {
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// The bytes of base64 text in one alphabet, standard (`+/`) or URL-safe (`-_`), with or
    /// without `=` padding, or nil. Non-zero bits after the last byte are rejected, since no
    /// encoder writes them and they mean a character was mistyped.
    static func base64(_ text: [UInt8]) -> [UInt8]? {
        var characters = text[...]
        var padding = 0
        while characters.last == UInt8(ascii: "=") {
            characters.removeLast()
            padding += 1
        }
        let remainder = characters.count % 4
        guard !characters.isEmpty, remainder != 1,
              padding == 0 || (padding <= 2 && (characters.count + padding).isMultiple(of: 4))
        else { return nil }

        var standard = false, urlSafe = false
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0, bits = 0
        for character in characters {
            let value: UInt8
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62; standard = true
            case UInt8(ascii: "/"): value = 63; standard = true
            case UInt8(ascii: "-"): value = 62; urlSafe = true
            case UInt8(ascii: "_"): value = 63; urlSafe = true
            default: return nil
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard !(standard && urlSafe), accumulator == 0 else { return nil }
        return bytes
    }
}
