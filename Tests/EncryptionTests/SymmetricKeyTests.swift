@testable import Encryption
import Foundation
import Testing

@Suite struct SymmetricKeyTests {
    static let counting = Array(0..<32).map(UInt8.init)  // 00 01 … 1f
    /// Bytes whose base64 uses `+` and `/` (URL-safe: `-` and `_`).
    static let symbolic = [UInt8]([0xfb, 0xff, 0xbf]).repeated(10) + [0xfe, 0xef]

    @Test func bytesMustBe32() throws {
        #expect(try SymmetricKey(bytes: Self.counting).bytes == Self.counting)
        for count in [0, 16, 31, 33, 64] {
            #expect {
                try SymmetricKey(bytes: [UInt8](repeating: 1, count: count))
            } throws: { error in
                guard case CryptoError.invalidKey(let reason) = error else { return false }
                return reason.contains("\(count)")
            }
        }
    }

    @Test(arguments: [
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "  000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "\t\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n",
    ])
    func countingKeyText(_ text: String) throws {
        #expect(try SymmetricKey(text: text).bytes == Self.counting)
    }

    @Test(arguments: [
        "fbffbffbffbffbffbffbffbffbffbffbffbffbffbffbffbffbffbffbffbffeef",
        "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+//u8=",
        "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+//u8",
        "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-__u8=",
        "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-__u8",
        " -_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-__u8\n",
    ])
    func symbolicKeyText(_ text: String) throws {
        #expect(try SymmetricKey(text: text).bytes == Self.symbolic)
    }

    @Test func foundationBase64OfRandomKeys() throws {
        for _ in 0..<50 {
            let key = try SymmetricKey.random()
            let standard = Data(key.bytes).base64EncodedString()
            let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(try SymmetricKey(text: standard) == key)
            #expect(try SymmetricKey(text: urlSafe.replacingOccurrences(of: "=", with: "")) == key)
            #expect(try SymmetricKey(text: hexString(key.bytes).uppercased()) == key)
        }
    }

    @Test(arguments: [
        ("", "empty"),
        ("   \n", "empty"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e", "62 hex digits"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "66 hex digits"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", "63 hex digits"),
        ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", "base64 of 31 bytes"),
        ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", "base64 of 33 bytes"),
        ("not a key at all", "neither hex nor base64"),
        ("000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f", "neither hex nor base64"),
        ("+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/_u8=", "neither hex nor base64"),  // mixed alphabets
        ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", "neither hex nor base64"),  // stray low bits
        ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8===", "neither hex nor base64"),
        ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH=h8", "neither hex nor base64"),
        ("ÅAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "non-ASCII"),
    ])
    func rejectedKeyText(_ text: String, _ reasonPart: String) {
        #expect {
            try SymmetricKey(text: text)
        } throws: { error in
            guard case CryptoError.invalidKey(let reason) = error else { return false }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return reason.contains(reasonPart) && reason.contains("64 hex digits") && reason.contains("base64")
                && (trimmed.isEmpty || !reason.contains(trimmed))  // never echoes the key text
        }
    }

    @Test func randomKeysDiffer() throws {
        let keys = try (0..<100).map { _ in try SymmetricKey.random() }
        #expect(Set(keys.map(\.bytes)).count == keys.count)
        #expect(keys[0] != keys[1])
        #expect(try SymmetricKey(bytes: keys[0].bytes) == keys[0])
    }

    @Test func secureRandomBytes() throws {
        #expect(try SecureRandom.bytes(0) == [])
        #expect(try SecureRandom.bytes(1).count == 1)
        let large = try SecureRandom.bytes(4096)
        #expect(large.count == 4096)
        #expect(Set(large).count > 200)  // all 256 values are all but certain
        #expect(try SecureRandom.bytes(32) != SecureRandom.bytes(32))
    }

    @Test func descriptionsHideTheBytes() throws {
        let key = try SymmetricKey(bytes: Self.symbolic)
        var dumped = ""
        dump(key, to: &dumped)
        let texts = [key.description, key.debugDescription, "\(key)", String(reflecting: key), dumped, "\([key])"]
        for text in texts {
            #expect(!text.lowercased().contains(hexString(key.bytes)))
            #expect(!text.contains("251"))  // 0xfb in decimal, as the synthesized forms would print it
            #expect(!text.contains(Data(key.bytes).base64EncodedString()))
        }
        #expect(key.description.contains("redacted"))
    }

    @Test func errorDescriptionsAreSentences() {
        let errors: [CryptoError] = [
            .invalidKey("the key text is empty"), .authenticationFailed,
            .malformedCiphertext("it is 3 bytes"), .openSSL("RAND_bytes: error:xyz"),
        ]
        for error in errors {
            #expect(error.description.first?.isUppercase == true)
            #expect(error.description.hasSuffix("."))
        }
        #expect(CryptoError.authenticationFailed.description.contains("key"))
    }
}

extension Array {
    fileprivate func repeated(_ times: Int) -> [Element] { (0..<times).flatMap { _ in self } }
}
