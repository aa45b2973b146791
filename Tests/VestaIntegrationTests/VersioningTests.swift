import FHIRCore
import Foundation
import Hummingbird
import Testing

@Suite struct VersioningTests {
    private func patient(_ id: String, gender: String) -> JSONValue {
        ["resourceType": "Patient", "id": .string(id), "gender": .string(gender)]
    }

    @Test func createAssignsIdVersionAndHeaders() async throws {
        let client = try await FHIRTestClient.make()
        let created = try await client.send(.post, "/fhir/Patient", body: #"{"resourceType":"Patient","id":"ignored","gender":"female"}"#)
        #expect(created.status == .created)
        let id = try #require(created.object["id"]?.stringValue)
        #expect(id != "ignored")
        #expect(FHIRId.isValid(id))
        #expect(created.headers[.eTag] == "W/\"1\"")
        #expect(created.headers[.location] == "http://vesta.test/fhir/Patient/\(id)/_history/1")
        #expect(created.headers[.lastModified]?.hasSuffix("GMT") == true)
        let lastUpdated = try #require(created.object["meta"]?["lastUpdated"]?.stringValue)
        #expect(FHIRInstant(parsing: lastUpdated) != nil)
    }

    @Test func updateAsCreateThenUpdateThenStaleIfMatch() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        let first = try await client.send(.put, "/fhir/Patient/\(id)", json: patient(id, gender: "male"))
        #expect(first.status == .created)
        let second = try await client.send(.put, "/fhir/Patient/\(id)", json: patient(id, gender: "female"), headers: [.ifMatch: "W/\"1\""])
        #expect(second.status == .ok)
        #expect(second.headers[.eTag] == "W/\"2\"")
        let stale = try await client.send(.put, "/fhir/Patient/\(id)", json: patient(id, gender: "other"), headers: [.ifMatch: "W/\"1\""])
        #expect(stale.status == .preconditionFailed)
        #expect(stale.isOperationOutcome)
        let read = try await client.send(.get, "/fhir/Patient/\(id)")
        #expect(read.object["gender"] == "female")
        let badETag = try await client.send(.put, "/fhir/Patient/\(id)", json: patient(id, gender: "other"), headers: [.ifMatch: "banana"])
        #expect(badETag.status == .badRequest)
    }

    @Test func deleteMakesReadsGoneAndKeepsHistory() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        _ = try await client.send(.put, "/fhir/Patient/\(id)", json: patient(id, gender: "male"))
        let deleted = try await client.send(.delete, "/fhir/Patient/\(id)")
        #expect(deleted.status == .noContent)
        #expect(deleted.headers[.eTag] == "W/\"2\"")
        let gone = try await client.send(.get, "/fhir/Patient/\(id)")
        #expect(gone.status == .gone)
        #expect(gone.isOperationOutcome)
        #expect(try await client.send(.get, "/fhir/Patient/\(id)/_history/1").status == .ok)
        #expect(try await client.send(.get, "/fhir/Patient/\(id)/_history/2").status == .gone)
        #expect(try await client.send(.get, "/fhir/Patient/\(id)/_history/3").status == .notFound)
        // Deleting again changes nothing; a resource never created is 404.
        #expect(try await client.send(.delete, "/fhir/Patient/\(id)").status == .noContent)
        #expect(try await client.count("SELECT count(*) FROM change_log WHERE id = '\(id)'") == 2)
        #expect(try await client.send(.delete, "/fhir/Patient/\(uniqueId())").status == .notFound)
        // An update brings it back as a new version.
        let revived = try await client.send(.put, "/fhir/Patient/\(id)", json: patient(id, gender: "female"))
        #expect(revived.status == .created)
        #expect(revived.headers[.eTag] == "W/\"3\"")
    }

    @Test func conditionalReadAnswers304() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        let created = try await client.send(.put, "/fhir/Patient/\(id)", json: patient(id, gender: "male"))
        let lastModified = try #require(created.headers[.lastModified])
        #expect(try await client.send(.get, "/fhir/Patient/\(id)", headers: [.ifNoneMatch: "W/\"1\""]).status == .notModified)
        #expect(try await client.send(.get, "/fhir/Patient/\(id)", headers: [.ifNoneMatch: "W/\"7\""]).status == .ok)
        #expect(try await client.send(.get, "/fhir/Patient/\(id)", headers: [.ifModifiedSince: lastModified]).status == .notModified)
        #expect(try await client.send(.get, "/fhir/Patient/\(id)", headers: [.ifModifiedSince: "Sat, 01 Jan 2000 00:00:00 GMT"]).status == .ok)
    }

    @Test func patchAppliesJSONPatchAndValidatesTheResult() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        _ = try await client.send(.put, "/fhir/Patient/\(id)", json: patient(id, gender: "male"))
        let patchType: HTTPFields = [.contentType: "application/json-patch+json"]
        let patched = try await client.send(.patch, "/fhir/Patient/\(id)",
                                            body: #"[{"op":"replace","path":"/gender","value":"female"},{"op":"add","path":"/active","value":true}]"#,
                                            headers: patchType)
        #expect(patched.status == .ok)
        #expect(patched.object["gender"] == "female")
        #expect(patched.object["active"] == true)
        #expect(patched.headers[.eTag] == "W/\"2\"")

        let invalid = try await client.send(.patch, "/fhir/Patient/\(id)", body: #"[{"op":"add","path":"/gender","value":"mail"}]"#, headers: patchType)
        #expect(invalid.status == .unprocessableContent)
        let failedTest = try await client.send(.patch, "/fhir/Patient/\(id)", body: #"[{"op":"test","path":"/gender","value":"male"}]"#, headers: patchType)
        #expect(failedTest.status == .unprocessableContent)
        let changesId = try await client.send(.patch, "/fhir/Patient/\(id)", body: #"[{"op":"replace","path":"/id","value":"x"}]"#, headers: patchType)
        #expect(changesId.status == .unprocessableContent)
        let wrongType = try await client.send(.patch, "/fhir/Patient/\(id)", body: "[]", headers: [.contentType: "application/fhir+json"])
        #expect(wrongType.status == .unsupportedMediaType)
        let stale = try await client.send(.patch, "/fhir/Patient/\(id)", body: "[]", headers: patchType + [.ifMatch: "W/\"1\""])
        #expect(stale.status == .preconditionFailed)
        let missing = try await client.send(.patch, "/fhir/Patient/\(uniqueId())", body: "[]", headers: patchType)
        #expect(missing.status == .notFound)
        // None of the failures wrote a version.
        #expect(try await client.send(.get, "/fhir/Patient/\(id)").headers[.eTag] == "W/\"2\"")
    }

    @Test func mergePatchAsFHIRClientsSendIt() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        _ = try await client.send(.put, "/fhir/Patient/\(id)", body: #"{"resourceType":"Patient","id":"\#(id)","gender":"male","active":true}"#)
        let patched = try await client.send(.patch, "/fhir/Patient/\(id)", body: #"{"gender":"female","active":null}"#,
                                            headers: [.contentType: "application/json"])
        #expect(patched.status == .ok)
        #expect(patched.object["gender"] == "female")
        #expect(patched.object["active"] == nil)
        let explicit = try await client.send(.patch, "/fhir/Patient/\(id)", body: #"{"birthDate":"2000-02-30"}"#,
                                             headers: [.contentType: "application/merge-patch+json"])
        #expect(explicit.status == .unprocessableContent)
        #expect(explicit.issueExpressions == ["Patient.birthDate"])
    }

    @Test func preferReturnIsHonoured() async throws {
        let client = try await FHIRTestClient.make()
        let minimal = try await client.send(.post, "/fhir/Device", body: #"{"resourceType":"Device"}"#, headers: [.init("Prefer")!: "return=minimal"])
        #expect(minimal.status == .created)
        #expect(minimal.text.isEmpty)
        #expect(minimal.headers[.location] != nil)
        let outcome = try await client.send(.post, "/fhir/Device", body: #"{"resourceType":"Device"}"#,
                                            headers: [.init("Prefer")!: "return=OperationOutcome"])
        #expect(outcome.isOperationOutcome)
        #expect(outcome.object["issue"]?[0]?["severity"] == "information")
    }

    @Test func prettyOutputIsIndented() async throws {
        let client = try await FHIRTestClient.make()
        let metadata = try await client.send(.get, "/fhir/metadata?_pretty=true")
        #expect(metadata.text.contains("\n  \"resourceType\": \"CapabilityStatement\""))
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var merged = lhs
        merged.append(contentsOf: rhs)
        return merged
    }
}
