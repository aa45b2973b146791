import DeviceIngest
import FHIRCore
import FHIRMapping
import Foundation
import Testing

/// The identity modes of ingestion (MedTech SPEC §4), end to end through `/ingest`.
@Suite struct IdentityModeTests {
    private func reading(device: String, patient: String?, value: String = "61") -> String {
        let patientMember = patient.map { #","patientId":"\#($0)""# } ?? ""
        return #"{"deviceId":"\#(device)"\#(patientMember),"measurementTime":"2026-03-01T10:00:00Z","type":"29463-7","value":\#(value)}"#
    }

    private func search(_ client: FHIRTestClient, _ uri: String) async throws -> [JSONValue] {
        (try await client.send(.get, uri).object["entry"]?.arrayValue ?? []).compactMap { $0["resource"] }
    }

    @Test func createModeMakesPatientAndDeviceOnce() async throws {
        let client = try await FHIRTestClient.make(identityMode: .create)
        let device = uniqueId("cdev"), patient = uniqueId("cpat")
        let first = try await client.send(.post, "/ingest?wait=true", body: reading(device: device, patient: patient))
        #expect(first.object["result"]?["observations"]?.arrayValue?.count == 1, "\(first.text)")
        let patients = try await search(client, "/fhir/Patient?identifier=\(patient)")
        #expect(patients.count == 1)
        #expect(patients.first?["id"]?.stringValue == ObservationIdentity.sha256Hex("_" + patient))
        let devices = try await search(client, "/fhir/Device?identifier=\(device)")
        #expect(devices.count == 1)
        let patientId = try #require(patients.first?["id"]?.stringValue)
        #expect(devices.first?["patient"]?["reference"] == .string("Patient/\(patientId)"))

        // Again, and for another reading: found, not created twice.
        _ = try await client.send(.post, "/ingest?wait=true", body: reading(device: device, patient: patient, value: "62"))
        #expect(try await search(client, "/fhir/Patient?identifier=\(patient)").count == 1)
        #expect(try await search(client, "/fhir/Device?identifier=\(device)").count == 1)
        #expect(try await search(client, "/fhir/Observation?subject=Patient/\(patientId)").count == 1)

        // Lookup comes first: a device already linked keeps its patient, whatever patient id the
        // message carries, and no other Patient is made (MedTech behaves the same).
        let otherPatient = uniqueId("cpat")
        let other = try await client.send(.post, "/ingest?wait=true", body: reading(device: device, patient: otherPatient))
        #expect(other.object["result"]?["failed"] == .number("0"), "\(other.text)")
        #expect(try await search(client, "/fhir/Patient?identifier=\(otherPatient)").isEmpty)

        // No patient id: nothing to create from.
        let anonymous = try await client.send(.post, "/ingest?wait=true", body: reading(device: uniqueId("cdev"), patient: nil))
        let reason = anonymous.object["result"]?["errors"]?.arrayValue?.first?["reason"]?.stringValue ?? ""
        #expect(reason.contains("ResourceIdentityNotDefinedException"), "\(anonymous.text)")
    }

    @Test func createModeLinksAnExistingDeviceWithoutPatient() async throws {
        let client = try await FHIRTestClient.make(identityMode: .create)
        let device = uniqueId("udev"), patient = uniqueId("upat")
        let registered = try await client.send(.post, "/fhir/Device", json: ["resourceType": "Device", "identifier": [["value": .string(device)]]])
        let deviceId = try #require(registered.object["id"]?.stringValue)
        let result = try await client.send(.post, "/ingest?wait=true", body: reading(device: device, patient: patient))
        #expect(result.object["result"]?["failed"] == .number("0"), "\(result.text)")
        let linked = try await client.send(.get, "/fhir/Device/\(deviceId)")
        #expect(linked.object["patient"]?["reference"] == .string("Patient/\(ObservationIdentity.sha256Hex("_" + patient))"))
        #expect(linked.headers[.eTag] == "W/\"2\"")
    }

    @Test func lookupModeNeverCreates() async throws {
        let client = try await FHIRTestClient.make(identityMode: .lookup)
        let device = uniqueId("ldev"), patient = uniqueId("lpat")
        let result = try await client.send(.post, "/ingest?wait=true", body: reading(device: device, patient: patient))
        #expect(result.object["result"]?["failed"] == .number("1"))
        #expect(try await search(client, "/fhir/Patient?identifier=\(patient)").isEmpty)
        #expect(try await search(client, "/fhir/Device?identifier=\(device)").isEmpty)
    }

    @Test func lookupWithEncounterNeedsAnEncounter() async throws {
        let client = try await FHIRTestClient.make(identityMode: .lookupWithEncounter)
        let result = try await client.send(.post, "/ingest?wait=true", body: reading(device: uniqueId("edev"), patient: nil))
        let reason = result.object["result"]?["errors"]?.arrayValue?.first?["reason"]?.stringValue ?? ""
        #expect(reason.contains("ResourceIdentityNotDefinedException") && reason.contains("Encounter"), "\(result.text)")
    }
}
