import FHIRCore
import Foundation
import Hummingbird
import Testing

/// Every bad request gets its status and an OperationOutcome naming the problem, and writes nothing.
@Suite struct BadInputTests {
    /// A PUT that must fail: checks status, OperationOutcome, and that the id was never stored.
    private func expectRejectedPut(_ status: HTTPResponse.Status, body: String? = nil, bytes: [UInt8]? = nil,
                                   type: String = "Patient", id: String = uniqueId(), headers: HTTPFields = [:],
                                   mentioning text: String, client: FHIRTestClient) async throws -> FHIRTestResponse {
        let response = try await client.send(.put, "/fhir/\(type)/\(id)", body: body, bytes: bytes, headers: headers)
        #expect(response.status == status, "\(response.diagnostics)")
        #expect(response.isOperationOutcome)
        #expect(response.diagnostics.contains(text), "diagnostics '\(response.diagnostics)' should mention '\(text)'")
        let stored = try await client.count("SELECT count(*) FROM change_log WHERE id = '\(id)'")
        #expect(stored == 0, "a failed request wrote to the database")
        return response
    }

    @Test func malformedJSONIs400() async throws {
        let client = try await FHIRTestClient.make()
        _ = try await expectRejectedPut(.badRequest, body: #"{"resourceType":"Patient","#, mentioning: "not valid JSON", client: client)
    }

    @Test func duplicateKeysAre400() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        _ = try await expectRejectedPut(.badRequest, body: #"{"resourceType":"Patient","id":"\#(id)","gender":"male","gender":"female"}"#,
                                        id: id, mentioning: "duplicate key \"gender\"", client: client)
    }

    @Test func invalidUTF8Is400() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        let bytes = Array(#"{"resourceType":"Patient","id":"\#(id)","name":[{"family":""#.utf8) + [0xC0, 0xAF] + Array(#""}]}"#.utf8)
        _ = try await expectRejectedPut(.badRequest, bytes: bytes, id: id, mentioning: "invalid UTF-8", client: client)
    }

    @Test func aBodyThatIsNotAnObjectIs400() async throws {
        let client = try await FHIRTestClient.make()
        _ = try await expectRejectedPut(.badRequest, body: "[1,2]", mentioning: "must be a JSON object", client: client)
    }

    @Test func invalidResourceIs422WithEveryProblemLocated() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        let body = #"{"resourceType":"Patient","id":"\#(id)","gender":"mail","foo":1,"birthDate":"2020-13-01","name":{"family":"x"}}"#
        let response = try await expectRejectedPut(.unprocessableContent, body: body, id: id, mentioning: "mail", client: client)
        #expect(Set(response.issueExpressions).isSuperset(of: ["Patient.gender", "Patient.foo", "Patient.birthDate", "Patient.name"]))
    }

    @Test func missingRequiredElementIs422() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        let response = try await expectRejectedPut(
            .unprocessableContent, body: #"{"resourceType":"Observation","id":"\#(id)","code":{"text":"x"}}"#,
            type: "Observation", id: id, mentioning: "status", client: client)
        #expect(response.issueExpressions.contains("Observation.status"))
    }

    @Test func resourceTypeMismatchIs400() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId()
        _ = try await expectRejectedPut(.badRequest, body: #"{"resourceType":"Device","id":"\#(id)"}"#, id: id,
                                        mentioning: "URL names Patient", client: client)
    }

    @Test func idMismatchAndMissingIdAre400() async throws {
        let client = try await FHIRTestClient.make()
        _ = try await expectRejectedPut(.badRequest, body: #"{"resourceType":"Patient","id":"other"}"#, mentioning: "does not match", client: client)
        _ = try await expectRejectedPut(.badRequest, body: #"{"resourceType":"Patient"}"#, mentioning: "must carry id", client: client)
    }

    @Test func bodyOverTheLimitIs413() async throws {
        let client = try await FHIRTestClient.make(maxBodySize: 1024)
        let id = uniqueId()
        let body = #"{"resourceType":"Patient","id":"\#(id)","name":[{"text":"\#(String(repeating: "a", count: 2000))"}]}"#
        _ = try await expectRejectedPut(.contentTooLarge, body: body, id: id, mentioning: "larger than", client: client)
    }

    @Test func xmlIsRefusedWith406And415() async throws {
        let client = try await FHIRTestClient.make()
        let accept = try await client.send(.get, "/fhir/Patient/x", headers: [.accept: "application/fhir+xml"])
        #expect(accept.status == .notAcceptable)
        #expect(accept.isOperationOutcome)
        let format = try await client.send(.get, "/fhir/metadata?_format=xml")
        #expect(format.status == .notAcceptable)
        _ = try await expectRejectedPut(.unsupportedMediaType, body: "<Patient/>", headers: [.contentType: "application/fhir+xml"],
                                        mentioning: "Content-Type", client: client)
    }

    @Test func unknownTypeIs404AndBadIdIs400() async throws {
        let client = try await FHIRTestClient.make()
        let unknown = try await client.send(.get, "/fhir/Spaceship/1")
        #expect(unknown.status == .notFound)
        #expect(unknown.diagnostics.contains("Spaceship"))
        let badId = try await client.send(.get, "/fhir/Patient/bad_id!")
        #expect(badId.status == .badRequest)
        #expect(badId.isOperationOutcome)
        let noRoute = try await client.send(.get, "/nowhere")
        #expect(noRoute.status == .notFound)
        #expect(noRoute.isOperationOutcome)
    }

    @Test func createFailuresWriteNothing() async throws {
        let client = try await FHIRTestClient.make()
        // Substance is used by no other test, so its table must stay empty.
        let invalid = try await client.send(.post, "/fhir/Substance", body: #"{"resourceType":"Substance","bogus":true}"#)
        #expect(invalid.status == .unprocessableContent)
        let malformed = try await client.send(.post, "/fhir/Substance", body: #"{"resourceType":"#)
        #expect(malformed.status == .badRequest)
        #expect(try await client.count("SELECT count(*) FROM r_substance") == 0)
    }

    @Test func conditionalCreateWithAnUnusableConditionWritesNothing() async throws {
        let client = try await FHIRTestClient.make()
        let body = #"{"resourceType":"Substance","code":{"text":"x"}}"#
        // An ignored parameter would widen the condition, so conditions are parsed strictly.
        let unknown = try await client.send(.post, "/fhir/Substance", body: body, headers: [.ifNoneExist: "colour=blue"])
        #expect(unknown.status == .badRequest)
        #expect(unknown.diagnostics.contains("colour"))
        let malformed = try await client.send(.post, "/fhir/Substance", body: body, headers: [.ifNoneExist: "expiry=gt20x"])
        #expect(malformed.status == .badRequest)
        let empty = try await client.send(.post, "/fhir/Substance", body: body, headers: [.ifNoneExist: ""])
        #expect(empty.status == .badRequest)
        #expect(try await client.count("SELECT count(*) FROM r_substance") == 0)
    }
}
