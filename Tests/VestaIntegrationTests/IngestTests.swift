import FHIRCore
import Foundation
import Hummingbird
import Testing

/// POST /ingest through to stored Observations, with the ready vesta-bench-vitals mappings.
@Suite struct IngestTests {
    /// A Device (looked up by identifier) linked to a Patient; returns the device identifier.
    private func registerDevice(_ client: FHIRTestClient) async throws -> (device: String, patient: String) {
        let device = uniqueId("dev")
        let patient = uniqueId("pat")
        let body: JSONValue = ["resourceType": "Device", "id": .string(device), "status": "active",
                               "identifier": [["system": "http://devices.example.org/serial", "value": .string(device)]],
                               "patient": ["reference": .string("Patient/\(patient)")]]
        #expect(try await client.send(.put, "/fhir/Device/\(device)", json: body).status == .created)
        return (device, patient)
    }

    private func heartRate(_ device: String, _ time: String, _ value: Int) -> String {
        #"{"deviceId":"\#(device)","measurementTime":"\#(time)","type":"8867-4","value":\#(value)}"#
    }

    private func outcomes(_ response: FHIRTestResponse) -> [String: String] {
        var result: [String: String] = [:]
        for item in response.object["result"]?["observations"]?.arrayValue ?? [] {
            if let reference = item["reference"]?.stringValue, let outcome = item["outcome"]?.stringValue { result[reference] = outcome }
        }
        return result
    }

    @Test func messagesBecomeObservationsAndRedeliveryChangesNothing() async throws {
        let client = try await FHIRTestClient.make()
        let (device, patient) = try await registerDevice(client)
        let batch = "[\(heartRate(device, "2026-01-01T10:00:00Z", 70)),\(heartRate(device, "2026-01-01T10:00:10Z", 74)),"
            + #"{"deviceId":"\#(device)","measurementTime":"2026-01-01T10:00:00Z","type":"8310-5","value":37.2}]"#
        let first = try await client.send(.post, "/ingest?wait=true", body: batch)
        #expect(first.status == .ok, "\(first.text)")
        let created = outcomes(first)
        #expect(created.count == 2)
        #expect(created.values.allSatisfy { $0 == "created" })

        let references = created.keys.sorted()
        var sampled: JSONObject?
        for reference in references {
            let read = try await client.send(.get, "/fhir/\(reference)")
            #expect(read.status == .ok)
            #expect(read.object["device"]?["reference"] == .string("Device/\(device)"))
            #expect(read.object["subject"]?["reference"] == .string("Patient/\(patient)"))
            if read.object["valueSampledData"] != nil { sampled = read.object }
        }
        let data = try #require(sampled?["valueSampledData"]?["data"]?.stringValue)
        #expect(data.hasPrefix("70 E 74"), "5 s slots from the top of the hour: \(data)")

        let again = try await client.send(.post, "/ingest?wait=true", body: batch)
        #expect(outcomes(again).values.allSatisfy { $0 == "unchanged" })
        for reference in references {
            #expect(try await client.send(.get, "/fhir/\(reference)").headers[.eTag] == "W/\"1\"")
        }

        // A late reading in the same hour merges into the same Observation.
        let late = try await client.send(.post, "/ingest?wait=true", body: heartRate(device, "2026-01-01T10:00:05Z", 72))
        let merged = outcomes(late)
        #expect(merged.count == 1)
        #expect(merged.values.first == "updated")
        let reference = try #require(merged.keys.first)
        let read = try await client.send(.get, "/fhir/\(reference)")
        #expect(read.object["valueSampledData"]?["data"]?.stringValue?.hasPrefix("70 72 74") == true)
        #expect(read.object["status"] == "amended")
        #expect(read.headers[.eTag] == "W/\"2\"")
    }

    @Test func unknownDevicesAndBadMessagesBecomeDeadLetters() async throws {
        let client = try await FHIRTestClient.make()
        let stranger = uniqueId("unknown")
        let response = try await client.send(.post, "/ingest?wait=true", body: heartRate(stranger, "2026-01-01T10:00:00Z", 70))
        #expect(response.status == .ok)
        #expect(response.object["result"]?["failed"] == 1)
        let errors = try await client.send(.get, "/ingest/errors?_count=1000")
        let letters = errors.object["errors"]?.arrayValue ?? []
        #expect(letters.contains { $0["stage"] == "identity" && ($0["reason"]?.stringValue?.contains(stranger) ?? false) })

        let (device, _) = try await registerDevice(client)
        let badTime = #"{"deviceId":"\#(device)","measurementTime":"yesterday","type":"8867-4","value":70}"#
        let failed = try await client.send(.post, "/ingest?wait=true", body: badTime)
        #expect(failed.object["result"]?["errors"]?[0]?["stage"] == "normalize")
    }

    @Test func ndjsonIsAcceptedAndABadLineIsNamed() async throws {
        let client = try await FHIRTestClient.make()
        let (device, _) = try await registerDevice(client)
        let ndjson = heartRate(device, "2026-02-01T10:00:00Z", 60) + "\n" + heartRate(device, "2026-02-01T10:00:05Z", 61) + "\n"
        let accepted = try await client.send(.post, "/ingest", body: ndjson)
        #expect(accepted.status == .accepted)
        #expect(accepted.object["messages"] == 2)
        let batch = try #require(accepted.object["batch"]?.numberLexeme.flatMap { Int64($0) })
        let report = try #require(try await client.ingest.processNext(id: batch))
        #expect(report.observations.count == 1)
        #expect(try await client.ingest.processNext(id: batch) == nil, "a processed batch is not claimed again")

        let broken = try await client.send(.post, "/ingest", body: heartRate(device, "2026-02-01T10:00:00Z", 60) + "\n{oops\n")
        #expect(broken.status == .badRequest)
        #expect(broken.diagnostics.contains("Line 2"))
    }

    /// Batches waiting together are processed together: an hour's readings from several POSTs
    /// become one Observation write, not one version per POST.
    @Test func pendingBatchesMergeIntoOneWritePerObservation() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        let (device, _) = try await registerDevice(client)
        for (time, value) in [("2026-04-01T10:00:00Z", 70), ("2026-04-01T10:00:05Z", 71), ("2026-04-01T10:00:10Z", 72)] {
            #expect(try await client.send(.post, "/ingest", body: heartRate(device, time, value)).status == .accepted)
        }
        let first = try #require(try await client.ingest.processNext(.oldest(maxMessages: 1, minimumAge: .zero)))
        #expect(first.measurements == 1, "at least one batch, at most about maxMessages messages")
        let rest = try #require(try await client.ingest.processNext(.oldest(maxMessages: 1000, minimumAge: .zero)))
        #expect(rest.measurements == 2)
        #expect(rest.observations.map(\.outcome) == ["updated"])
        let reference = try #require(rest.observations.first?.reference)
        let read = try await client.send(.get, "/fhir/\(reference)")
        #expect(read.object["valueSampledData"]?["data"]?.stringValue?.hasPrefix("70 71 72") == true, "\(read.text)")
        #expect(read.headers[.eTag] == "W/\"2\"", "two writes for three POSTs")
        #expect(try await client.ingest.processNext(.oldest(maxMessages: 1000, minimumAge: .zero)) == nil)

        #expect(try await client.send(.post, "/ingest", body: heartRate(device, "2026-04-01T10:00:15Z", 73)).status == .accepted)
        #expect(try await client.ingest.processNext(.oldest(maxMessages: 1000, minimumAge: .seconds(3600))) == nil, "too young to flush")

        // Once the oldest pending batch is old enough, the younger ones go along in the same write.
        _ = try await client.count("WITH aged AS (UPDATE ingest_batch SET received_at = received_at - interval '2 hours' WHERE state = 'pending' RETURNING 1) SELECT count(*) FROM aged")
        #expect(try await client.send(.post, "/ingest", body: heartRate(device, "2026-04-01T10:00:20Z", 74)).status == .accepted)
        let together = try #require(try await client.ingest.processNext(.oldest(maxMessages: 1000, minimumAge: .seconds(3600))))
        #expect(together.measurements == 2, "the aged batch and the one just posted")
        #expect(together.observations.map(\.outcome) == ["updated"])
    }

    /// Workers processing batches at the same time merge into the same Observation one after
    /// the other (its row locked while each merges): no reading is lost to a concurrent write.
    @Test func concurrentWorkersOnOneObservationLoseNoReading() async throws {
        let client = try await FHIRTestClient.make()
        let (device, _) = try await registerDevice(client)
        var batches: [Int64] = []
        for second in stride(from: 0, to: 60, by: 5) {
            let posted = try await client.send(.post, "/ingest", body: heartRate(device, "2026-05-01T08:00:\(String(format: "%02d", second))Z", 60 + second))
            batches.append(try #require(posted.object["batch"]?.numberLexeme.flatMap { Int64($0) }))
        }
        try await withThrowingTaskGroup(of: Void.self) { workers in
            for batch in batches {
                workers.addTask { _ = try await client.ingest.processNext(id: batch) }
            }
            try await workers.waitForAll()
        }
        let found = try await client.send(.get, "/fhir/Observation?device=Device/\(device)")
        let entries = found.object["entry"]?.arrayValue ?? []
        #expect(entries.count == 1)
        let data = entries.first?["resource"]?["valueSampledData"]?["data"]?.stringValue
        let readings = stride(from: 0, to: 60, by: 5).map { String(60 + $0) }.joined(separator: " ")
        #expect(data?.hasPrefix(readings + " E") == true, "every reading in its 5 s slot: \(data ?? "none")")
        let version = entries.first?["resource"]?["meta"]?["versionId"]?.stringValue
        #expect(version == String(batches.count), "one version per batch")
    }

    /// A batch with more Observations than one transaction writes (`ObservationWriter.chunkSize`)
    /// stores every one of them, and reports each once.
    @Test func aBatchOfManyObservationsIsWrittenInChunks() async throws {
        let client = try await FHIRTestClient.make()
        let (device, _) = try await registerDevice(client)
        let start = try #require(FHIRInstant(parsing: "2026-06-01T00:00:00Z"))
        let messages = (0..<620).map { minute in
            let time = FHIRInstant(millisecondsSince1970: start.millisecondsSince1970 + Int64(minute) * 60_000).fhirString
            return #"{"deviceId":"\#(device)","measurementTime":"\#(time)","type":"8310-5","value":37.\#(minute % 10)}"#
        }
        let response = try await client.send(.post, "/ingest?wait=true", body: "[" + messages.joined(separator: ",") + "]")
        #expect(response.status == .ok, "\(response.text)")
        let created = outcomes(response)
        #expect(created.count == 620)
        #expect(created.values.allSatisfy { $0 == "created" })
        let counted = try await client.send(.get, "/fhir/Observation?device=Device/\(device)&_summary=count")
        #expect(counted.object["total"] == 620)
    }
}
