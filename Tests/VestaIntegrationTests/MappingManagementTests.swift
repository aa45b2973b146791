import FHIRCore
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// Managing the running ingest mappings over HTTP, and what ingestion reports about itself.
/// Each test has a database of its own: the running mappings are server-wide.
@Suite struct MappingManagementTests {
    private func file(_ path: String) throws -> String {
        try String(contentsOf: ProjectPaths.root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func ingestWaitsForMappingsThenRunsWithThePutOnes() async throws {
        let client = try await FHIRTestClient.make(isolated: true, readyMappings: false)
        #expect(try await client.send(.get, "/mappings/device").status == .notFound)
        let refused = try await client.send(.post, "/ingest", body: #"{"deviceId":"d1"}"#)
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.diagnostics.contains("/mappings/device"))

        let device = try file("mappings/json-path-basic/devicecontent.json")
        let fhir = try file("mappings/json-path-basic/fhirmapping.json")
        #expect(try await client.send(.put, "/mappings/device", body: device, headers: [.contentType: "application/json"]).status == .ok)
        #expect(try await client.send(.put, "/mappings/fhir", body: fhir, headers: [.contentType: "application/json"]).status == .ok)
        let stored = try await client.send(.get, "/mappings/device")
        #expect(stored.text == device)

        let broken = #"{"templateType": "CollectionContent", "template": [{"templateType": "Nope", "template": {}}]}"#
        let rejected = try await client.send(.put, "/mappings/device", body: broken, headers: [.contentType: "application/json"])
        #expect(rejected.status == .unprocessableContent)
        #expect(rejected.diagnostics.contains("line"))
        #expect(try await client.send(.get, "/mappings/device").text == device, "the running mapping stays")
    }

    @Test func statsCountWhatIngestionDid() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        let patient = try await client.send(.post, "/fhir/Patient", json: ["resourceType": "Patient"])
        let patientId = try #require(patient.object["id"]?.stringValue)
        let deviceId = uniqueId("dev")
        let device = try await client.send(.post, "/fhir/Device", json: [
            "resourceType": "Device", "identifier": [["value": .string(deviceId)]],
            "patient": ["reference": .string("Patient/\(patientId)")],
        ])
        #expect(device.status == .created)
        let message = #"{"deviceId":"\#(deviceId)","measurementTime":"2026-01-01T10:00:00Z","type":"29463-7","value":72.5}"#
        let unknown = #"{"deviceId":"nobody","measurementTime":"2026-01-01T10:00:00Z","type":"29463-7","value":70}"#
        let result = try await client.send(.post, "/ingest?wait=true", body: "[\(message),\(unknown)]")
        #expect(result.status == .ok, "\(result.text)")
        let stats = try await client.send(.get, "/ingest/stats")
        #expect(stats.object["messages"]?["received"] == .number("2"))
        #expect(stats.object["measurements"] == .number("2"))
        #expect(stats.object["observations"]?["created"] == .number("1"))
        #expect(stats.object["failed"] == .number("1"))
        #expect(stats.object["batches"]?["pending"] == .number("0"))
    }

    @Test func deadLettersAreRetriedAfterTheFix() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        let deviceId = uniqueId("late-dev")
        let reading = #"{"deviceId":"\#(deviceId)","measurementTime":"2026-02-01T10:00:00Z","type":"29463-7","value":80.5}"#
        let badTime = #"{"deviceId":"\#(deviceId)","measurementTime":"yesterday","type":"29463-7","value":80}"#
        let first = try await client.send(.post, "/ingest?wait=true", body: "[\(reading),\(badTime)]")
        #expect(first.object["result"]?["failed"] == .number("2"), "\(first.text)")
        let letters = try await client.send(.get, "/ingest/errors")
        #expect(Set((letters.object["errors"]?.arrayValue ?? []).compactMap { $0["stage"]?.stringValue }) == ["identity", "normalize"])

        // The fix: the device gets registered. Then both letters are queued again.
        let patient = try await client.send(.post, "/fhir/Patient", json: ["resourceType": "Patient"])
        let patientId = try #require(patient.object["id"]?.stringValue)
        _ = try await client.send(.post, "/fhir/Device", json: [
            "resourceType": "Device", "identifier": [["value": .string(deviceId)]],
            "patient": ["reference": .string("Patient/\(patientId)")],
        ])
        let retry = try await client.send(.post, "/ingest/errors/$retry")
        #expect(retry.status == .accepted)
        #expect(retry.object["retried"] == .number("2"))
        let batches = (retry.object["batches"]?.arrayValue ?? []).compactMap(\.numberLexeme).compactMap { Int64($0) }
        #expect(batches.count == 2)
        for batch in batches { _ = try await client.ingest.processNext(id: batch) }

        let observations = try await client.send(.get, "/fhir/Observation?subject=Patient/\(patientId)")
        #expect((observations.object["entry"]?.arrayValue ?? []).count == 1, "\(observations.text)")
        let remaining = try await client.send(.get, "/ingest/errors")
        let stages = (remaining.object["errors"]?.arrayValue ?? []).compactMap { $0["stage"]?.stringValue }
        #expect(stages == ["normalize"], "the bad timestamp fails again and stays a dead letter")
    }

    /// Query parameters and `X-Property-*` headers become the messages' `Properties`, as an IoT
    /// Hub route would deliver them, so templates can read `$.Properties.…`.
    @Test func requestPropertiesReachTheTemplates() async throws {
        let client = try await FHIRTestClient.make(isolated: true, readyMappings: false, identityMode: .create)
        let device = #"""
            {"templateType": "CollectionContent", "template": [{"templateType": "CalculatedContent", "template": {
              "typeName": "bodyWeight", "typeMatchExpression": "$..[?(@kg)]", "deviceIdExpression": "$.Body.serial",
              "patientIdExpression": "$.Properties.patient", "timestampExpression": "$.Body.at",
              "values": [{"valueName": "bodyWeight", "valueExpression": "$.matchedToken.kg", "required": true}]}}]}
            """#
        #expect(try await client.send(.put, "/mappings/device", body: device, headers: [.contentType: "application/json"]).status == .ok)
        let fhir = try file("mappings/vesta-bench-vitals/fhirmapping.json")
        #expect(try await client.send(.put, "/mappings/fhir", body: fhir, headers: [.contentType: "application/json"]).status == .ok)
        let patient = uniqueId("prop")
        let message = #"{"serial":"\#(uniqueId("scale"))","at":"2026-05-01T07:00:00Z","kg":71.5}"#
        let viaHeader = try await client.send(.post, "/ingest?wait=true", body: message,
                                              headers: [HTTPField.Name("X-Property-patient")!: patient])
        #expect(viaHeader.object["result"]?["failed"] == .number("0"), "\(viaHeader.text)")
        let patients = try await client.send(.get, "/fhir/Patient?identifier=\(patient)")
        #expect((patients.object["entry"]?.arrayValue ?? []).count == 1, "\(patients.text)")
        let viaQuery = try await client.send(.post, "/ingest?wait=true&patient=\(patient)-q", body: message)
        #expect(viaQuery.object["result"]?["failed"] == .number("0"), "\(viaQuery.text)")
    }
}
