import FHIRCore
import Foundation
import Hummingbird
import Testing

@Suite struct ConcurrencyTests {
    /// Racing PUTs of a new id: exactly one creates it, the others update it, no version is lost.
    @Test func concurrentUpdateAsCreateProducesOneResource() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId("race")
        let writers = 12
        let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for index in 0..<writers {
                group.addTask {
                    let body: JSONValue = ["resourceType": "Patient", "id": .string(id), "name": [["text": .string("writer \(index)")]]]
                    return try await client.send(.put, "/fhir/Patient/\(id)", json: body).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == .created }.count == 1)
        #expect(statuses.filter { $0 == .ok }.count == writers - 1)
        let read = try await client.send(.get, "/fhir/Patient/\(id)")
        #expect(read.headers[.eTag] == "W/\"\(writers)\"")
        #expect(try await client.count("SELECT count(*) FROM h_patient WHERE id = '\(id)'") == writers - 1)
        #expect(try await client.count("SELECT count(DISTINCT version) FROM change_log WHERE id = '\(id)'") == writers)
    }

    /// Racing conditional creates and conditional updates of one identifier make one resource.
    @Test func racingConditionalWritesMakeOneResource() async throws {
        let client = try await FHIRTestClient.make()
        let system = "urn:race:\(uniqueId())"
        let body: JSONValue = ["resourceType": "Patient", "identifier": [["system": .string(system), "value": "1"]]]
        let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for index in 0..<8 {
                group.addTask {
                    index.isMultiple(of: 2)
                        ? try await client.send(.post, "/fhir/Patient", json: body, headers: [.ifNoneExist: "identifier=\(system)|1"]).status
                        : try await client.send(.put, "/fhir/Patient?identifier=\(system)|1", json: body).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
        #expect(statuses.allSatisfy { $0 == .created || $0 == .ok }, "\(statuses)")
        let found = try await client.send(.get, "/fhir/Patient?identifier=\(system)|1&_total=accurate")
        #expect(found.object["total"] == .number("1"))
    }

    /// Racing If-Match updates of the same version: one wins, the rest get 412.
    @Test func concurrentIfMatchUpdatesHaveOneWinner() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId("ifmatch")
        _ = try await client.send(.put, "/fhir/Patient/\(id)", json: ["resourceType": "Patient", "id": .string(id)])
        let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await client.send(.put, "/fhir/Patient/\(id)", json: ["resourceType": "Patient", "id": .string(id), "active": true],
                                          headers: [.ifMatch: "W/\"1\""]).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == .ok }.count == 1)
        #expect(statuses.filter { $0 == .preconditionFailed }.count == 7)
    }

    /// Racing read-modify-write patches: each must see the others' changes, none is lost.
    @Test func concurrentPatchesLoseNoUpdate() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId("patch")
        let created = try await client.send(.put, "/fhir/Patient/\(id)",
                                            json: ["resourceType": "Patient", "id": .string(id), "name": [["text": "start"]]])
        #expect(created.status == .created)
        let writers = 16
        let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for index in 0..<writers {
                group.addTask {
                    try await client.send(.patch, "/fhir/Patient/\(id)", body: #"[{"op":"add","path":"/name/-","value":{"text":"w\#(index)"}}]"#,
                                          headers: [.contentType: "application/json-patch+json"]).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == .ok })
        let read = try await client.send(.get, "/fhir/Patient/\(id)")
        let names = Set((read.object["name"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue })
        #expect(names == Set((0..<writers).map { "w\($0)" } + ["start"]))
        #expect(read.headers[.eTag] == "W/\"\(writers + 1)\"")
    }
}
