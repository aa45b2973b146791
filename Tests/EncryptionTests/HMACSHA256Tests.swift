@testable import Encryption
import Testing

@Suite struct HMACSHA256Tests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let name: String
        let key: [UInt8]
        let message: [UInt8]
        let code: String
        var testDescription: String { name }
    }

    /// RFC 4231, section 4, HMAC-SHA-256 results. None of the keys is 32 bytes, hence the
    /// internal raw-key overload.
    static let vectors: [Vector] = [
        Vector(
            name: "RFC 4231 test case 1", key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8),
            code: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Vector(
            name: "RFC 4231 test case 2", key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8),
            code: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Vector(
            name: "RFC 4231 test case 3", key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50),
            code: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Vector(
            name: "RFC 4231 test case 4", key: hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
            message: [UInt8](repeating: 0xcd, count: 50),
            code: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        Vector(
            name: "RFC 4231 test case 6", key: [UInt8](repeating: 0xaa, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            code: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Vector(
            name: "RFC 4231 test case 7", key: [UInt8](repeating: 0xaa, count: 131),
            message: Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
            code: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: vectors) func knownAnswer(_ vector: Vector) throws {
        #expect(hexString(try HMACSHA256.authenticationCode(for: vector.message, keyBytes: vector.key)) == vector.code)
    }

    /// RFC 4231 test case 5 publishes only the first 128 bits.
    @Test func truncatedKnownAnswer() throws {
        let code = try HMACSHA256.authenticationCode(
            for: Array("Test With Truncation".utf8), keyBytes: [UInt8](repeating: 0x0c, count: 20))
        #expect(hexString(Array(code.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func publicAPIUsesTheKeyBytes() throws {
        let key = try SymmetricKey.random(), other = try SymmetricKey.random()
        let message = Array("identifier|http://example.org/mrn|12345".utf8)
        let code = try HMACSHA256.authenticationCode(for: message, key: key)
        #expect(code.count == 32)
        #expect(code == (try HMACSHA256.authenticationCode(for: message, keyBytes: key.bytes)))
        #expect(code == (try HMACSHA256.authenticationCode(for: message, key: key)))
        #expect(code != (try HMACSHA256.authenticationCode(for: message, key: other)))
        #expect(code != (try HMACSHA256.authenticationCode(for: message + [0], key: key)))
        #expect(try HMACSHA256.authenticationCode(for: [], key: key).count == 32)
    }
}

/// SHA-256 known answers (FIPS 180-2 examples).
@Suite struct SHA256Tests {
    @Test func knownAnswers() throws {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(hex(try SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(try SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(try SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
