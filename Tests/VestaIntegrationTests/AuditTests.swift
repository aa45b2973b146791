import FHIRCore
import Hummingbird
import Foundation
import PostgresNIO
import Testing
import VestaServer

/// The audit log through the whole server: one BALP AuditEvent per interaction, writes recorded
/// in their own transaction, records searchable but not writable, and fail-closed behaviour.
@Suite struct AuditTests {
    /// Every AuditEvent stored so far, oldest first.
    static func events(_ client: FHIRTestClient) async throws -> [JSONObject] {
        let rows = try await client.environment.client.query("SELECT body::text FROM r_auditevent ORDER BY key")
        var events: [JSONObject] = []
        for try await text in rows.decode(String.self) {
            events.append(try #require(try JSONReader.parse(text).objectValue))
        }
        return events
    }

    /// The events added by `work`.
    static func recorded(_ client: FHIRTestClient, during work: () async throws -> Void) async throws -> [JSONObject] {
        let before = try await events(client).count
        try await work()
        return Array(try await events(client).dropFirst(before))
    }

    static func subtype(_ event: JSONObject) -> String? { event["subtype"]?[0]?["code"]?.stringValue }
    static func operation(_ event: JSONObject) -> String? { event["subtype"]?[1]?["code"]?.stringValue }

    /// `what` references of the entities with `role` (1 patient, 4 domain resource).
    static func entities(_ event: JSONObject, role: String) -> [String] {
        (event["entity"]?.arrayValue ?? []).filter { $0["role"]?["code"]?.stringValue == role }
            .compactMap { $0["what"]?["reference"]?.stringValue }
    }

    static func query(_ event: JSONObject) -> String? {
        let encoded = (event["entity"]?.arrayValue ?? []).first { $0["role"]?["code"] == "24" }?["query"]?.stringValue
        return encoded.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func everyInteractionIsRecordedOnceWithItsPatient() async throws {
        let client = try await FHIRTestClient.make(audit: .immediate)
        let patient = uniqueId("pat")
        let observation = uniqueId("obs")
        let agentHeaders: HTTPFields = [.userAgent: "audit-test/1.0"]

        var events = try await Self.recorded(client) {
            let created = try await client.send(.put, "/fhir/Patient/\(patient)", json: ["resourceType": "Patient", "id": .string(patient)],
                                                headers: agentHeaders)
            #expect(created.status == .created)
        }
        #expect(events.count == 1)
        let create = try #require(events.first)
        #expect(Self.subtype(create) == "update" && create["action"] == "U" && create["outcome"] == "0")
        #expect(create["type"]?["code"] == "rest")
        #expect(Self.entities(create, role: "4") == ["Patient/\(patient)/_history/1"])
        #expect(Self.entities(create, role: "1") == ["Patient/\(patient)"])
        #expect(create["agent"]?[0]?["altId"] == "anonymous" && create["agent"]?[0]?["requestor"] == true)
        #expect(create["agent"]?[0]?["extension"]?[0]?["valueString"] == "audit-test/1.0")
        #expect(create["source"]?["observer"]?["display"] == "Vesta")

        let body: JSONValue = ["resourceType": "Observation", "id": .string(observation), "status": "final",
                               "code": ["coding": [["system": "http://loinc.org", "code": "8867-4"]]],
                               "subject": ["reference": .string("Patient/\(patient)")], "effectiveDateTime": "2026-01-01T10:00:00Z",
                               "valueQuantity": ["value": 70, "unit": "/min"]]
        let interactions: [(String, () async throws -> FHIRTestResponse, (JSONObject) -> Bool)] = [
            ("create", { try await client.send(.post, "/fhir/Observation", json: body) },
             { Self.subtype($0) == "create" && $0["action"] == "C" && Self.entities($0, role: "1") == ["Patient/\(patient)"] }),
            ("update", { try await client.send(.put, "/fhir/Observation/\(observation)", json: body) },
             { Self.subtype($0) == "update" && Self.entities($0, role: "4") == ["Observation/\(observation)/_history/1"] }),
            ("read", { try await client.send(.get, "/fhir/Observation/\(observation)") },
             { Self.subtype($0) == "read" && $0["action"] == "R" && Self.entities($0, role: "1") == ["Patient/\(patient)"] }),
            ("vread", { try await client.send(.get, "/fhir/Observation/\(observation)/_history/1") }, { Self.subtype($0) == "vread" }),
            ("patch", {
                try await client.send(.patch, "/fhir/Observation/\(observation)", body: #"[{"op":"replace","path":"/status","value":"amended"}]"#,
                                      headers: [.contentType: "application/json-patch+json"])
            }, { Self.subtype($0) == "patch" && $0["action"] == "U" && Self.entities($0, role: "4") == ["Observation/\(observation)/_history/2"] }),
            ("search", { try await client.send(.get, "/fhir/Observation?patient=Patient/\(patient)&code=8867-4") },
             { Self.subtype($0) == "search-type" && Self.query($0) == "Observation?patient=Patient/\(patient)&code=8867-4"
                 && Self.entities($0, role: "1") == ["Patient/\(patient)"] }),
            ("history", { try await client.send(.get, "/fhir/Observation/\(observation)/_history") },
             { Self.subtype($0) == "history-instance" }),
            ("$everything", { try await client.send(.get, "/fhir/Patient/\(patient)/$everything") },
             { Self.operation($0) == "everything" && $0["action"] == "E" && Self.entities($0, role: "1") == ["Patient/\(patient)"] }),
            ("$lastn", { try await client.send(.get, "/fhir/Observation/$lastn?patient=Patient/\(patient)") },
             { Self.operation($0) == "lastn" && Self.entities($0, role: "1") == ["Patient/\(patient)"] }),
            ("failed read", { try await client.send(.get, "/fhir/Observation/\(uniqueId("missing"))") },
             { Self.subtype($0) == "read" && $0["outcome"] == "4" && $0["outcomeDesc"] == "HTTP 404" }),
            ("failed create", { try await client.send(.post, "/fhir/Observation", json: ["resourceType": "Observation"]) },
             { Self.subtype($0) == "create" && $0["outcome"] == "4" && $0["entity"] == nil }),
            ("delete", { try await client.send(.delete, "/fhir/Observation/\(observation)") },
             { Self.subtype($0) == "delete" && $0["action"] == "D" && Self.entities($0, role: "1") == ["Patient/\(patient)"] }),
            ("mapping debugger", {
                try await client.send(.post, "/mappings/debug", json: ["deviceMapping": ["templateType": "CollectionContent", "template": []],
                                                                      "messages": []])
            }, { Self.operation($0) == "mapping-debug" }),
            ("ingest", {
                try await client.send(.post, "/ingest", body: #"{"deviceId":"d","measurementTime":"2026-01-01T10:00:00Z","type":"8867-4","value":1}"#)
            }, { Self.operation($0) == "ingest" && $0["action"] == "E" }),
        ]
        for (name, perform, check) in interactions {
            events = try await Self.recorded(client) { _ = try await perform() }
            #expect(events.count == 1, "\(name): \(events.count) records")
            if let event = events.first { #expect(check(event), "\(name): \(JSONWriter.string(.object(event)))") }
        }
        // Metadata and health checks touch no patient data and are not recorded.
        events = try await Self.recorded(client) {
            _ = try await client.send(.get, "/fhir/metadata")
            _ = try await client.send(.get, "/healthz")
        }
        #expect(events.isEmpty)
    }

    @Test func aTransactionIsOneRecordPlusOnePerEntryAndARolledBackOneLeavesOnlyItsFailure() async throws {
        let client = try await FHIRTestClient.make(audit: .immediate)
        let transaction: JSONValue = ["resourceType": "Bundle", "type": "transaction", "entry": [
            ["fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": ["resourceType": "Patient"],
             "request": ["method": "POST", "url": "Patient"]],
            ["resource": ["resourceType": "Observation", "status": "final", "code": ["text": "x"],
                          "subject": ["reference": "urn:uuid:11111111-1111-4111-8111-111111111111"]],
             "request": ["method": "POST", "url": "Observation"]],
        ]]
        let events = try await Self.recorded(client) {
            let response = try await client.send(.post, "/fhir", json: transaction)
            #expect(response.status == .ok)
        }
        #expect(events.map(Self.subtype).sorted { ($0 ?? "") < ($1 ?? "") } == ["create", "create", "transaction"])
        let patientVersion = try #require(events.compactMap { Self.entities($0, role: "4").first }.first { $0.hasPrefix("Patient/") })
        let patient = patientVersion.split(separator: "/").prefix(2).joined(separator: "/")
        let observationRecord = try #require(events.first { Self.entities($0, role: "4").first?.hasPrefix("Observation/") ?? false })
        #expect(Self.entities(observationRecord, role: "1") == [patient], "the placeholder reference was resolved before recording")

        var failing = transaction
        if case .object(var bundle) = failing, case .array(var entries)? = bundle["entry"] {
            entries.append(["resource": ["resourceType": "Observation"], "request": ["method": "POST", "url": "Observation"]])
            bundle["entry"] = .array(entries)
            failing = .object(bundle)
        }
        let failed = try await Self.recorded(client) {
            let response = try await client.send(.post, "/fhir", json: failing)
            #expect(response.status.code >= 400)
        }
        #expect(failed.count == 1, "the entries' records rolled back with their writes")
        #expect(Self.subtype(try #require(failed.first)) == "transaction" && failed.first?["outcome"] == "4")
    }

    @Test func auditEventsAreSearchableAndReadableButNotWritable() async throws {
        let client = try await FHIRTestClient.make(audit: .immediate)
        let patient = uniqueId("pat")
        _ = try await client.send(.put, "/fhir/Patient/\(patient)", json: ["resourceType": "Patient", "id": .string(patient)])
        _ = try await client.send(.get, "/fhir/Patient/\(patient)")
        let found = try await client.send(.get, "/fhir/AuditEvent?patient=Patient/\(patient)&_sort=date")
        #expect(found.status == .ok)
        let records = (found.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?.objectValue }
        #expect(records.map(Self.subtype) == ["update", "read"])
        // Reading the audit records about a patient is itself a read of that patient's data.
        let byAction = try await client.send(.get, "/fhir/AuditEvent?patient=Patient/\(patient)&action=R&outcome=0&date=ge2020&_sort=date")
        let reads = (byAction.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?.objectValue }
        #expect(reads.map(Self.subtype) == ["read", "search-type"])
        let id = try #require(records.first?["id"]?.stringValue)
        #expect(try await client.send(.get, "/fhir/AuditEvent/\(id)").status == .ok)

        for (method, path) in [(HTTPRequest.Method.post, "/fhir/AuditEvent"), (.put, "/fhir/AuditEvent/\(id)"), (.delete, "/fhir/AuditEvent/\(id)")] {
            let refused = try await client.send(method, path, json: ["resourceType": "AuditEvent", "id": .string(id)])
            #expect(refused.status == .methodNotAllowed && refused.isOperationOutcome, "\(method) \(path)")
        }
        // The server's own connection cannot change or remove records either.
        await #expect(throws: PSQLError.self) {
            try await client.environment.client.query("UPDATE r_auditevent SET last_updated = now()")
        }
        await #expect(throws: PSQLError.self) { try await client.environment.client.query("DELETE FROM r_auditevent") }
        await #expect(throws: PSQLError.self) { try await client.environment.client.query("TRUNCATE r_auditevent") }
    }

    @Test func aServerThatCannotWriteAuditRefusesRequests() async throws {
        let client = try await FHIRTestClient.make(audit: .immediate)
        let patient = uniqueId("pat")
        _ = try await client.send(.put, "/fhir/Patient/\(patient)", json: ["resourceType": "Patient", "id": .string(patient)])
        // Every insert into the audit table fails, as on a full disk.
        try await client.environment.client.query("""
            CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$
            """)
        try await client.environment.client.query(
            "CREATE TRIGGER refuse BEFORE INSERT ON r_auditevent FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()")
        let read = try await client.send(.get, "/fhir/Patient/\(patient)")
        let write = try await client.send(.put, "/fhir/Patient/\(patient)", json: ["resourceType": "Patient", "id": .string(patient), "active": true])
        try await client.environment.client.query("DROP TRIGGER refuse ON r_auditevent")
        try await client.environment.client.query("DROP FUNCTION test_refuse_audit()")
        #expect(read.status == .serviceUnavailable && read.isOperationOutcome, "\(read.status) \(read.text)")
        #expect(!read.text.contains("\"resourceType\":\"Patient\""), "no data without an audit record")
        #expect(write.status.code >= 500, "a write whose record cannot be written is not made")
        let current = try await client.send(.get, "/fhir/Patient/\(patient)")
        #expect(current.object["meta"]?["versionId"] == "1")
    }

    @Test func auditRecordsAreSealedAndStillSearchableWithEncryption() async throws {
        let client = try await FHIRTestClient.make(encrypted: true, audit: .immediate)
        let patient = uniqueId("pat")
        _ = try await client.send(.put, "/fhir/Patient/\(patient)", json: ["resourceType": "Patient", "id": .string(patient),
                                                                          "name": [["family": "Quixworth"]]])
        _ = try await client.send(.get, "/fhir/Patient?family=quixworth", headers: [.userAgent: "Zebulon-Agent/2"])
        #expect(try await client.count("SELECT count(*) FROM r_auditevent WHERE body ? '_sealed'") == 2)
        #expect(try await client.count("SELECT count(*) FROM r_auditevent WHERE body::text LIKE '%Zebulon-Agent%' OR body::text LIKE '%quixworth%'") == 0)
        let found = try await client.send(.get, "/fhir/AuditEvent?patient=Patient/\(patient)&date=ge2020&_sort=date")
        let records = (found.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?.objectValue }
        #expect(records.map(Self.subtype) == ["update", "search-type"])
        #expect(Self.query(try #require(records.last)) == "Patient?family=quixworth")
    }

    @Test func concurrentReadsAreCommittedTogetherEachWithItsOwnRecord() async throws {
        let client = try await FHIRTestClient.make(audit: .immediate)
        let patients = (0..<24).map { _ in uniqueId("pat") }
        for patient in patients {
            _ = try await client.send(.put, "/fhir/Patient/\(patient)", json: ["resourceType": "Patient", "id": .string(patient)])
        }
        let events = try await Self.recorded(client) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for patient in patients {
                    group.addTask {
                        let read = try await client.send(.get, "/fhir/Patient/\(patient)")
                        #expect(read.status == .ok)
                    }
                }
                try await group.waitForAll()
            }
        }
        #expect(events.count == patients.count)
        #expect(Set(events.flatMap { Self.entities($0, role: "1") }) == Set(patients.map { "Patient/\($0)" }))
        #expect(events.allSatisfy { Self.subtype($0) == "read" })
        // Records written together still get their own keys, times and index rows.
        let found = try await client.send(.get, "/fhir/AuditEvent?patient=Patient/\(patients[5])&subtype=read")
        #expect(found.object["entry"]?.arrayValue?.count == 1)
    }

    @Test func bufferedRecordsAreWrittenByTheFlush() async throws {
        let client = try await FHIRTestClient.make(audit: .buffered)
        let patient = uniqueId("pat")
        _ = try await client.send(.put, "/fhir/Patient/\(patient)", json: ["resourceType": "Patient", "id": .string(patient)])
        let events = try await Self.recorded(client) {
            let read = try await client.send(.get, "/fhir/Patient/\(patient)")
            let search = try await client.send(.get, "/fhir/Patient?_id=\(patient)")
            #expect(read.status == .ok && search.status == .ok)
        }
        #expect(events.isEmpty, "queued, not yet written")
        try await client.audit.flush()
        let flushed = try await Self.events(client)
        #expect(flushed.map(Self.subtype) == ["update", "read", "search-type"])
        #expect(flushed.dropFirst().allSatisfy { Self.entities($0, role: "1") == ["Patient/\(patient)"] })
    }
}
