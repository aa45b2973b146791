@testable import Encryption
import Testing

@Suite struct AESGCMTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let name: String
        let key: String
        let nonce: String
        let plaintext: String
        let associatedData: String
        let ciphertext: String
        let tag: String
        var testDescription: String { name }
    }

    /// 256-bit-key cases of the GCM specification (McGrew and Viega, "The Galois/Counter Mode
    /// of Operation", appendix B, test cases 13 to 16, the ones with a 96-bit IV) and of NIST
    /// CAVP gcmEncryptExtIV256.rsp (Keylen 256, IVlen 96, Taglen 128).
    static let vectors: [Vector] = [
        Vector(
            name: "GCM spec test case 13: empty plaintext, no associated data",
            key: "0000000000000000000000000000000000000000000000000000000000000000",
            nonce: "000000000000000000000000", plaintext: "", associatedData: "",
            ciphertext: "", tag: "530f8afbc74536b9a963b4f1c4cb738b"),
        Vector(
            name: "GCM spec test case 14: one zero block",
            key: "0000000000000000000000000000000000000000000000000000000000000000",
            nonce: "000000000000000000000000", plaintext: "00000000000000000000000000000000", associatedData: "",
            ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
        Vector(
            name: "GCM spec test case 15: four blocks, no associated data",
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            associatedData: "",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            tag: "b094dac5d93471bdec1a502270e3cc6c"),
        Vector(
            name: "GCM spec test case 16: partial last block, 20 bytes of associated data",
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            associatedData: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
        Vector(
            name: "CAVP gcmEncryptExtIV256 PTlen 128 AADlen 0",
            key: "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22",
            nonce: "0d18e06c7c725ac9e362e1ce", plaintext: "2db5168e932556f8089a0622981d017d", associatedData: "",
            ciphertext: "fa4362189661d163fcd6a56d8bf0405a", tag: "d636ac1bbedd5cc3ee727dc2ab4a9489"),
        Vector(
            name: "CAVP gcmEncryptExtIV256 PTlen 128 AADlen 128 count 0",
            key: "92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b",
            nonce: "ac93a1a6145299bde902f21a", plaintext: "2d71bcfa914e4ac045b2aa60955fad24",
            associatedData: "1e0889016f67601c8ebea4943bc23ad6",
            ciphertext: "8995ae2e6df3dbf96fac7b7137bae67f", tag: "eca5aa77d51d4a0a14d9c51e1da474ab"),
    ]

    @Test(arguments: vectors) func knownAnswer(_ vector: Vector) throws {
        let key = try SymmetricKey(bytes: hex(vector.key))
        let box = try AESGCM.seal(
            hex(vector.plaintext), key: key, nonce: hex(vector.nonce), authenticating: hex(vector.associatedData))
        #expect(hexString(box) == vector.nonce + vector.ciphertext + vector.tag)
        #expect(try AESGCM.open(box, key: key, authenticating: hex(vector.associatedData)) == hex(vector.plaintext))
    }

    @Test(arguments: [0, 1, 15, 16, 17, 1024, 100_000])
    func roundTrip(count: Int) throws {
        let key = try SymmetricKey.random()
        let plaintext = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for associatedData in [[], Array("Patient/123".utf8)] {
            let box = try AESGCM.seal(plaintext, key: key, authenticating: associatedData)
            #expect(box.count == AESGCM.nonceByteCount + count + AESGCM.tagByteCount)
            #expect(try AESGCM.open(box, key: key, authenticating: associatedData) == plaintext)
        }
    }

    @Test func everyFlippedBitFailsAuthentication() throws {
        let key = try SymmetricKey.random()
        let associatedData = Array("Observation/abc/_history/2".utf8)
        let box = try AESGCM.seal(Array("a resource at rest".utf8), key: key, authenticating: associatedData)
        // Nonce, ciphertext and tag, every bit of each.
        for index in box.indices {
            for bit in 0..<8 {
                var altered = box
                altered[index] ^= 1 << bit
                #expect(throws: CryptoError.authenticationFailed, "byte \(index), bit \(bit)") {
                    try AESGCM.open(altered, key: key, authenticating: associatedData)
                }
            }
        }
    }

    @Test func emptyPlaintextIsAuthenticatedToo() throws {
        let key = try SymmetricKey.random()
        let box = try AESGCM.seal([], key: key, authenticating: [])
        #expect(box.count == AESGCM.nonceByteCount + AESGCM.tagByteCount)
        #expect(try AESGCM.open(box, key: key, authenticating: []) == [])
        var altered = box
        altered[box.count - 1] ^= 0x80
        #expect(throws: CryptoError.authenticationFailed) { try AESGCM.open(altered, key: key, authenticating: []) }
    }

    @Test func wrongAssociatedDataFailsAuthentication() throws {
        let key = try SymmetricKey.random()
        let box = try AESGCM.seal(Array("{}".utf8), key: key, authenticating: Array("Patient/1".utf8))
        for other in [Array("Patient/2".utf8), Array("Patient/1 ".utf8), []] {
            #expect(throws: CryptoError.authenticationFailed) { try AESGCM.open(box, key: key, authenticating: other) }
        }
        let unbound = try AESGCM.seal(Array("{}".utf8), key: key, authenticating: [])
        #expect(throws: CryptoError.authenticationFailed) {
            try AESGCM.open(unbound, key: key, authenticating: Array("Patient/1".utf8))
        }
    }

    @Test func wrongKeyFailsAuthentication() throws {
        let box = try AESGCM.seal(Array("{}".utf8), key: SymmetricKey.random(), authenticating: [])
        #expect(throws: CryptoError.authenticationFailed) {
            try AESGCM.open(box, key: SymmetricKey.random(), authenticating: [])
        }
    }

    @Test func shortBoxesAreMalformed() throws {
        let key = try SymmetricKey.random()
        for count in 0..<(AESGCM.nonceByteCount + AESGCM.tagByteCount) {
            #expect {
                try AESGCM.open([UInt8](repeating: 0, count: count), key: key, authenticating: [])
            } throws: { error in
                guard case CryptoError.malformedCiphertext(let reason) = error else { return false }
                return reason.contains("\(count)")
            }
        }
    }

    @Test func sealingTwiceGivesDifferentBoxes() throws {
        let key = try SymmetricKey.random()
        let plaintext = Array("the same resource".utf8)
        let first = try AESGCM.seal(plaintext, key: key, authenticating: [])
        let second = try AESGCM.seal(plaintext, key: key, authenticating: [])
        #expect(first != second)
        #expect(first.prefix(AESGCM.nonceByteCount) != second.prefix(AESGCM.nonceByteCount))
        #expect(try AESGCM.open(first, key: key, authenticating: []) == AESGCM.open(second, key: key, authenticating: []))
    }

    @Test func concurrentUseIsSafe() async throws {
        let key = try SymmetricKey.random()
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for round in 0..<200 {
                        let plaintext = Array("resource \(task) \(round)".utf8), associatedData = Array("\(task)".utf8)
                        let box = try AESGCM.seal(plaintext, key: key, authenticating: associatedData)
                        let code = try HMACSHA256.authenticationCode(for: plaintext, key: key)
                        guard try AESGCM.open(box, key: key, authenticating: associatedData) == plaintext,
                              try HMACSHA256.authenticationCode(for: plaintext, key: key) == code
                        else { return false }
                    }
                    return true
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
    }
}
