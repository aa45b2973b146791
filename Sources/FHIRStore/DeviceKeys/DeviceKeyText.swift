import Foundation

/// The text of a device key, `vdk_<key id>_<secret>`: the prefix tells it from a JWT (which
/// starts `eyJ`), the key id (16 lowercase hex digits, public) finds its row, and the secret is
/// 32 random bytes in unpadded base64url (43 characters, which may contain `_`, so the key id
/// ends at the first `_` after the prefix).
struct DeviceKeyText: Sendable {
    static let prefix = "vdk_"
    static let keyIdByteCount = 8
    static let secretByteCount = 32
    /// Unpadded base64url length of `secretByteCount` bytes.
    static let secretTextCount = 43

    let keyId: String
    let secret: [UInt8]

    init(keyId: String, secret: [UInt8]) {
        self.keyId = keyId
        self.secret = secret
    }

    /// Reads a key strictly: any other shape, alphabet or length (or a secret that is not the
    /// canonical encoding of 32 bytes) is nil, so one key has exactly one text.
    init?(parsing text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let rest = text.utf8.dropFirst(Self.prefix.utf8.count)
        guard let separator = rest.firstIndex(of: UInt8(ascii: "_")) else { return nil }
        let keyId = rest[..<separator]
        let secretText = rest[rest.index(after: separator)...]
        guard keyId.count == 2 * Self.keyIdByteCount, keyId.allSatisfy(Self.isLowercaseHexDigit),
              secretText.count == Self.secretTextCount,
              let secret = Self.base64URLDecoded(Array(secretText)), secret.count == Self.secretByteCount
        else { return nil }
        self.keyId = String(decoding: keyId, as: UTF8.self)
        self.secret = secret
    }

    /// The key as the device presents it.
    var text: String {
        Self.prefix + keyId + "_" + Self.base64URLEncoded(secret)
    }

    static func hexadecimal(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    private static func isLowercaseHexDigit(_ character: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(character)
    }

    static func base64URLEncoded(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// The bytes of unpadded base64url, or nil; only the canonical encoding is accepted.
    private static func base64URLDecoded(_ characters: [UInt8]) -> [UInt8]? {
        let isAlphabet: (UInt8) -> Bool = { character in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(character) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(character)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character)
                || character == UInt8(ascii: "-") || character == UInt8(ascii: "_")
        }
        guard characters.allSatisfy(isAlphabet) else { return nil }
        let text = String(decoding: characters, as: UTF8.self)
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        let bytes = [UInt8](data)
        return base64URLEncoded(bytes) == text ? bytes : nil
    }
}
