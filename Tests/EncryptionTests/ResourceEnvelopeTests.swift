import Encryption
import FHIRCore
import Foundation
import Testing

/// The sealing policy, the key ring's sealed text, and the resource envelope.
@Suite struct ResourceEnvelopeTests {
    let policy = SealingPolicy(everyType: ["id", "meta"], types: ["Observation": ["status", "code", "subject", "value[x]"],
                                                                "Patient": ["gender"]])

    func ring(_ keys: [(UInt32, SymmetricKey)], activeFrom: Date = .distantPast) throws -> KeyRing {
        KeyRing(dataKeys: keys.map { KeyRing.DataKey(id: $0.0, key: $0.1, activeFrom: activeFrom) }, indexKey: try SymmetricKey.random())
    }

    @Test func thePolicyMatchesChoiceElementsAndNeverPrimitiveExtensions() {
        #expect(policy.isPlaintext(member: "valueQuantity", of: "Observation"))
        #expect(policy.isPlaintext(member: "valueString", of: "Observation"))
        #expect(!policy.isPlaintext(member: "valuesomething", of: "Observation"))
        #expect(!policy.isPlaintext(member: "_status", of: "Observation"))
        #expect(policy.isPlaintext(member: "resourceType", of: "Device"))
        #expect(policy.isPlaintext(member: "id", of: "Device"))
        #expect(!policy.isPlaintext(member: "identifier", of: "Device"))
        #expect(policy.plaintextElements(of: "Observation") == ["id", "meta", "status", "code", "subject", "value"])
    }

    @Test func theShippedPolicyLoads() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("conformance/encryption/plaintext-elements.json")
        let shipped = try SealingPolicy(contentsOf: file)
        #expect(shipped.isPlaintext(member: "effectiveDateTime", of: "Observation"))
        #expect(!shipped.isPlaintext(member: "birthDate", of: "Patient"))
        #expect(!shipped.isPlaintext(member: "name", of: "Practitioner"))
    }

    @Test func aSealedResourceOpensToWhatWasSealed() throws {
        let keys = try ring([(1, try SymmetricKey.random())])
        let envelope = ResourceEnvelope(policy: policy)
        let patient = try #require(try JSONReader.parse("""
            {"resourceType":"Patient","id":"p1","meta":{"versionId":"2"},"gender":"female",
             "name":[{"family":"Quixworth","given":["Zebulon"]}],"birthDate":"1970-01-01","_birthDate":{"extension":[]},
             "generalPractitioner":[{"reference":"Practitioner/1","display":"Dr Seuss"}]}
            """).objectValue)
        let sealed = try envelope.seal(patient, type: "Patient", id: "p1", version: 2, keys: keys)
        #expect(sealed.keys == ["resourceType", "id", "meta", "gender", "_sealed"])
        let stored = JSONWriter.string(.object(sealed))
        #expect(!stored.contains("Quixworth") && !stored.contains("1970") && !stored.contains("Dr Seuss"))
        #expect(ResourceEnvelope.keyID(ofStored: stored) == 1)
        let opened = try envelope.unseal(stored, type: "Patient", id: "p1", version: 2, keys: keys)
        #expect(try JSONReader.parse(opened) == .object(patient))
    }

    /// PostgreSQL prints jsonb with `": "` and `", "` and orders keys by length, so `_sealed` can
    /// sit anywhere; the sealed elements are spliced in its place.
    @Test func jsonbTextIsUnsealedBySplicing() throws {
        let keys = try ring([(1, try SymmetricKey.random())])
        let envelope = ResourceEnvelope(policy: policy)
        let patient: JSONObject = ["resourceType": "Patient", "id": "p1", "gender": "female", "name": [["family": "Quixworth"]],
                                   "birthDate": "1970-01-01"]
        let sealed = try #require(try envelope.seal(patient, type: "Patient", id: "p1", version: 1, keys: keys)["_sealed"]?.stringValue)
        for stored in [
            #"{"id": "p1", "gender": "female", "_sealed": "\#(sealed)", "resourceType": "Patient"}"#,
            #"{"_sealed": "\#(sealed)", "id": "p1", "gender": "female", "resourceType": "Patient"}"#,
            #"{"id": "p1", "gender": "female", "resourceType": "Patient", "_sealed": "\#(sealed)"}"#,
        ] {
            let opened = try envelope.unseal(stored, type: "Patient", id: "p1", version: 1, keys: keys)
            #expect(try JSONReader.parse(opened) == .object(patient), "\(opened)")
        }
    }

    @Test func referenceDisplaysAndIdentifiersInsidePlaintextElementsAreSealed() throws {
        let keys = try ring([(1, try SymmetricKey.random())])
        let envelope = ResourceEnvelope(policy: policy)
        let observation = try #require(try JSONReader.parse("""
            {"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
             "subject":{"reference":"Patient/p1","display":"Zebulon Quixworth","identifier":{"system":"urn:mrn","value":"MRN-77"}},
             "valueQuantity":{"value":71}}
            """).objectValue)
        let stored = JSONWriter.string(.object(try envelope.seal(observation, type: "Observation", id: "o1", version: 1, keys: keys)))
        #expect(stored.contains("Heart rate") && stored.contains("Patient/p1"), "codings and references stay plaintext")
        #expect(!stored.contains("Quixworth") && !stored.contains("MRN-77"))
        let opened = try envelope.unseal(stored, type: "Observation", id: "o1", version: 1, keys: keys)
        #expect(try JSONReader.parse(opened) == .object(observation))
    }

    @Test func aResourceWithNothingSecretIsStoredAsItIs() throws {
        let keys = try ring([(1, try SymmetricKey.random())])
        let observation: JSONObject = ["resourceType": "Observation", "id": "o1", "status": "final", "valueQuantity": ["value": 71]]
        let sealed = try ResourceEnvelope(policy: policy).seal(observation, type: "Observation", id: "o1", version: 1, keys: keys)
        #expect(sealed == observation)
        #expect(ResourceEnvelope.keyID(ofStored: JSONWriter.string(.object(sealed))) == nil)
    }

    @Test func aSealedMemberOpensOnlyForItsOwnResourceAndVersion() throws {
        let keys = try ring([(1, try SymmetricKey.random())])
        let envelope = ResourceEnvelope(policy: policy)
        let patient: JSONObject = ["resourceType": "Patient", "id": "p1", "name": [["family": "Quixworth"]]]
        let stored = JSONWriter.string(.object(try envelope.seal(patient, type: "Patient", id: "p1", version: 1, keys: keys)))
        for (id, version) in [("p2", 1), ("p1", 2)] {
            #expect(throws: EncryptionError.crypto(.authenticationFailed)) {
                try envelope.unseal(stored, type: "Patient", id: id, version: version, keys: keys)
            }
        }
    }

    @Test func anAlteredCharacterAnywhereInTheSealedTextIsDetected() throws {
        let keys = try ring([(1, try SymmetricKey.random())])
        let sealed = try keys.seal(Array("Zebulon".utf8), context: "c")
        let start = sealed.index(sealed.startIndex, offsetBy: "$vesta$1$".count)
        for offset in stride(from: 0, to: sealed.distance(from: start, to: sealed.endIndex) - 2, by: 3) {
            var altered = Array(sealed)
            let index = "$vesta$1$".count + offset
            altered[index] = altered[index] == "A" ? "B" : "A"
            #expect(throws: EncryptionError.self) { try keys.open(Substring(String(altered)), context: "c") }
        }
        #expect(try keys.open(Substring(sealed), context: "c") == Array("Zebulon".utf8))
    }

    @Test func newWritesUseTheNewestActiveKeyAndEveryHeldKeyOpens() throws {
        let old = try SymmetricKey.random(), new = try SymmetricKey.random(), future = try SymmetricKey.random()
        let keys = KeyRing(dataKeys: [
            KeyRing.DataKey(id: 2, key: old, activeFrom: .distantPast),
            KeyRing.DataKey(id: 3, key: new, activeFrom: Date().addingTimeInterval(-1)),
            KeyRing.DataKey(id: 4, key: future, activeFrom: Date().addingTimeInterval(3600)),
        ], indexKey: try SymmetricKey.random())
        #expect(keys.activeKey()?.id == 3)
        let sealedOld = try KeyRing(dataKeys: [KeyRing.DataKey(id: 2, key: old, activeFrom: .distantPast)], indexKey: keys.indexKey)
            .seal(Array("x".utf8), context: "c")
        #expect(try keys.open(Substring(sealedOld), context: "c") == Array("x".utf8))
        #expect(try keys.seal(Array("y".utf8), context: "c").hasPrefix("$vesta$3$"))
        let stranger = try ring([(9, try SymmetricKey.random())])
        #expect(throws: EncryptionError.unknownKey(2)) { try stranger.open(Substring(sealedOld), context: "c") }
    }
}
