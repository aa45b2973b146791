import FHIRCore
import FHIRStore
import Foundation
import Hummingbird
import PostgresNIO
import Testing

/// POST /ingest as a device authenticated by its key (`Authorization: Bearer vdk_…`, through
/// the authentication middleware): its messages carry its id, and its measurements of another
/// device become dead letters.
@Suite struct DeviceKeyIngestTests {
    /// A Device (looked up by identifier) linked to a Patient; returns its identifier.
    private func registerDevice(_ client: FHIRTestClient) async throws -> String {
        let device = uniqueId("dev")
        let body: JSONValue = ["resourceType": "Device", "id": .string(device), "status": "active",
                               "identifier": [["system": "http://devices.example.org/serial", "value": .string(device)]],
                               "patient": ["reference": .string("Patient/\(uniqueId("pat"))")]]
        #expect(try await client.send(.put, "/fhir/Device/\(device)", json: body).status == .created)
        return device
    }

    private func heartRate(_ device: String, _ time: String, _ value: Int) -> String {
        #"{"deviceId":"\#(device)","measurementTime":"\#(time)","type":"8867-4","value":\#(value)}"#
    }

    /// Sends a request as device `id`, with a key issued for it.
    private func post(_ client: FHIRTestClient, as id: String, _ uri: String, body: String) async throws -> FHIRTestResponse {
        let key = try await DeviceKeyStore(client: client.environment.client, logger: client.environment.logger).issue(deviceId: id).key
        return try await client.send(.post, uri, body: body, headers: [.authorization: "Bearer \(key)"])
    }

    /// The stored messages and (sealed) device id of a batch.
    private func stored(_ client: FHIRTestClient, batch: Int64) async throws -> (messages: [JSONValue], device: String?) {
        let rows = try await client.environment.client.query("SELECT messages, device_id FROM ingest_batch WHERE id = \(batch)")
        for try await (messages, device) in rows.decode((String, String?).self) {
            return (try JSONReader.parse(messages).arrayValue ?? [], device)
        }
        return ([], nil)
    }

    private func batchId(_ response: FHIRTestResponse) throws -> Int64 {
        try #require(response.object["batch"]?.numberLexeme.flatMap { Int64($0) })
    }

    @Test func aDeviceCannotPostMeasurementsOfAnother() async throws {
        let client = try await FHIRTestClient.make()
        let own = try await registerDevice(client)
        let other = try await registerDevice(client)
        let body = "[\(heartRate(own, "2026-05-01T10:00:00Z", 70)),\(heartRate(other, "2026-05-01T10:00:00Z", 80))]"
        let response = try await post(client, as: own, "/ingest?wait=true", body: body)
        #expect(response.status == .ok, "\(response.text)")

        let result = try #require(response.object["result"])
        let observations = result["observations"]?.arrayValue ?? []
        #expect(observations.count == 1)
        let reference = try #require(observations.first?["reference"]?.stringValue)
        #expect(try await client.send(.get, "/fhir/\(reference)").object["device"]?["reference"] == .string("Device/\(own)"))
        #expect(result["failed"] == 1)
        #expect(result["errors"]?[0]?["stage"] == "authorization")
        #expect(result["errors"]?[0]?["reason"] == .string("device \(own) posted a measurement for device \(other)"))

        let search = try await client.send(.get, "/fhir/Observation?device=Device/\(other)")
        #expect(search.object["entry"]?.arrayValue?.isEmpty ?? true, "nothing was written for the other device")

        let letters = try await client.send(.get, "/ingest/errors?_count=1000").object["errors"]?.arrayValue ?? []
        let letter = try #require(letters.first { $0["reason"]?.stringValue?.contains(other) ?? false })
        #expect(letter["stage"] == "authorization")
        #expect(letter["postedBy"] == .string(own))
        #expect(letter["message"]?["SystemProperties"]?["iothub-connection-device-id"] == .string(own))
        #expect(letter["message"]?["Body"]?["deviceId"] == .string(other), "the message as the device sent it")
    }

    /// Every message is wrapped with the device's id, even without properties; an envelope's
    /// claimed device id is overwritten, its other properties kept.
    @Test func messagesCarryThePostingDevice() async throws {
        let client = try await FHIRTestClient.make()
        let own = try await registerDevice(client)
        let other = try await registerDevice(client)
        let envelope = #"{"Body":\#(heartRate(own, "2026-05-02T10:00:05Z", 71)),"Properties":{"k":"v"},"#
            + #""SystemProperties":{"iothub-connection-device-id":"\#(other)","iothub-enqueuedtime":"2026-05-02T10:00:06Z"}}"#
        let accepted = try await post(client, as: own, "/ingest", body: "[\(heartRate(own, "2026-05-02T10:00:00Z", 70)),\(envelope)]")
        #expect(accepted.status == .accepted, "\(accepted.text)")
        let batch = try batchId(accepted)

        let (messages, device) = try await stored(client, batch: batch)
        #expect(device == own)
        #expect(messages.count == 2)
        #expect(messages.first?["Body"]?["deviceId"] == .string(own), "a plain message is wrapped")
        for message in messages {
            #expect(message["SystemProperties"]?["iothub-connection-device-id"] == .string(own))
        }
        #expect(messages.last?["Properties"]?["k"] == "v")
        #expect(messages.last?["SystemProperties"]?["iothub-enqueuedtime"] == "2026-05-02T10:00:06Z")

        let report = try #require(try await client.ingest.processNext(id: batch))
        #expect(report.deadLetters.isEmpty)
        #expect(report.observations.count == 1)
    }

    /// Token callers (or auth off) post for any device, with messages stored as sent.
    @Test func batchesWithoutADeviceKeyAreNotBound() async throws {
        let client = try await FHIRTestClient.make()
        let first = try await registerDevice(client)
        let second = try await registerDevice(client)
        let body = "[\(heartRate(first, "2026-05-03T10:00:00Z", 70)),\(heartRate(second, "2026-05-03T10:00:00Z", 80))]"
        let accepted = try await client.send(.post, "/ingest", body: body)
        let batch = try batchId(accepted)
        let (messages, device) = try await stored(client, batch: batch)
        #expect(device == nil)
        #expect(messages.first?["deviceId"] == .string(first), "not wrapped")
        let report = try #require(try await client.ingest.processNext(id: batch))
        #expect(report.observations.count == 2)
        #expect(report.deadLetters.isEmpty)
    }

    /// A refused message queued again by `$retry` (which any operator may run) is checked
    /// against the device that posted it, not accepted as unbound.
    @Test func aRetriedRefusalIsCheckedAgain() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        let own = try await registerDevice(client)
        let other = try await registerDevice(client)
        let refused = try await post(client, as: own, "/ingest?wait=true", body: heartRate(other, "2026-05-04T10:00:00Z", 80))
        #expect(refused.object["result"]?["failed"] == 1)
        let letters = try await client.send(.get, "/ingest/errors").object["errors"]?.arrayValue ?? []
        let id = try #require(letters.first?["id"]?.numberLexeme)

        let retried = try await client.send(.post, "/ingest/errors/$retry?id=\(id)")
        let batch = try #require(retried.object["batches"]?[0]?.numberLexeme.flatMap { Int64($0) })
        #expect(try await stored(client, batch: batch).device == own)
        let report = try #require(try await client.ingest.processNext(id: batch))
        #expect(report.observations.isEmpty)
        #expect(report.deadLetters.map(\.stage) == [.authorization])
    }

    /// With encryption on, the posting device is sealed like the messages, and still enforced.
    @Test func thePostingDeviceIsSealedAtRest() async throws {
        let client = try await FHIRTestClient.make(encrypted: true)
        let own = try await registerDevice(client)
        let other = try await registerDevice(client)
        let accepted = try await post(client, as: own, "/ingest", body: heartRate(other, "2026-05-05T10:00:00Z", 80))
        let batch = try batchId(accepted)
        let rows = try await client.environment.client.query("SELECT device_id FROM ingest_batch WHERE id = \(batch)")
        for try await device in rows.decode(String?.self) {
            let sealed = try #require(device)
            #expect(!sealed.contains(own))
        }
        let report = try #require(try await client.ingest.processNext(id: batch))
        #expect(report.deadLetters.map(\.reason) == ["device \(own) posted a measurement for device \(other)"])
        let letters = try await client.send(.get, "/ingest/errors").object["errors"]?.arrayValue ?? []
        #expect(letters.first?["postedBy"] == .string(own))
    }
}
