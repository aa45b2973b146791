import Encryption
import FHIRCore
import FHIRStore
import Foundation
import PostgresNIO
import Testing

/// Encryption at rest through the whole server: nothing identifying in a database dump, the
/// same search answers as without encryption, refusals that say why, tamper detection, and
/// key rotation under concurrent writes.
@Suite struct EncryptionTests {
    /// Official examples whose identity must not reach the database in plaintext.
    static let exampleFiles = ["patient-example.json", "patient-example-f001-pieter.json", "patient-example-f201-roel.json",
                               "device-example.json", "observation-example-f001-glucose.json", "observation-example-bloodpressure.json"]

    /// Loads the examples (ids suffixed per run) and `count` synthetic patients; returns the
    /// resources as stored.
    static func load(into client: FHIRTestClient, suffix: String, syntheticPatients count: Int = 20) async throws -> [JSONObject] {
        var resources: [JSONObject] = []
        for file in exampleFiles {
            var resource = try #require(try JSONReader.parse(
                String(contentsOf: ProjectPaths.examples.appendingPathComponent(file), encoding: .utf8)).objectValue)
            let type = try #require(resource["resourceType"]?.stringValue)
            let id = "\(try #require(resource["id"]?.stringValue))-\(suffix)"
            resource["id"] = .string(id)
            if var subject = resource["subject"]?.objectValue, let reference = subject["reference"]?.stringValue {
                subject["reference"] = .string("\(reference)-\(suffix)")
                resource["subject"] = .object(subject)
            }
            let response = try await client.send(.put, "/fhir/\(type)/\(id)", json: .object(resource))
            #expect(response.status == .created, "\(file): \(response.diagnostics)")
            resources.append(resource)
        }
        for index in 0..<count {
            let patient = syntheticPatient(index, suffix: suffix)
            let id = try #require(patient["id"]?.stringValue)
            let response = try await client.send(.put, "/fhir/Patient/\(id)", json: .object(patient))
            #expect(response.status == .created, "\(response.diagnostics)")
            resources.append(patient)
        }
        return resources
    }

    static func syntheticPatient(_ index: Int, suffix: String) -> JSONObject {
        [
            "resourceType": "Patient", "id": .string("synthetic-\(index)-\(suffix)"), "gender": index % 2 == 0 ? "female" : "male",
            "text": ["status": "generated", "div": .string("<div xmlns=\"http://www.w3.org/1999/xhtml\">Zebulon\(index) Quixworth</div>")],
            "identifier": [["system": "urn:oid:2.16.840.1.113883.4.1", "value": .string("MRN-QX\(9_100 + index)")]],
            "name": [["family": .string("Quixworth\(index)"), "given": [.string("Zebulon\(index)")]]],
            "telecom": [["system": "phone", "value": .string("+1 555 01\(10 + index)")]],
            "birthDate": .string("19\(50 + index % 50)-0\(1 + index % 9)-1\(index % 10)"),
            "address": [["line": [.string("\(100 + index) Xylophage Boulevard")], "city": "Vortexton", "postalCode": "Q9Z 4K1"]],
        ]
    }

    /// Names, identifiers, birth dates, phone numbers, street names and narrative strings of the
    /// Patients and Devices in `resources`.
    static func identityStrings(of resources: [JSONObject]) -> Set<String> {
        var strings: [String?] = []
        for resource in resources where ["Patient", "Device"].contains(resource["resourceType"]?.stringValue ?? "") {
            for name in resource["name"]?.arrayValue ?? [] {
                strings.append(name["family"]?.stringValue)
                strings += (name["given"]?.arrayValue ?? []).map(\.stringValue)
            }
            strings += (resource["identifier"]?.arrayValue ?? []).map { $0["value"]?.stringValue }
            strings += (resource["telecom"]?.arrayValue ?? []).map { $0["value"]?.stringValue }
            strings += (resource["address"]?.arrayValue ?? []).flatMap { ($0["line"]?.arrayValue ?? []).map(\.stringValue) }
            strings += [resource["birthDate"]?.stringValue, resource["serialNumber"]?.stringValue]
            if let div = resource["text"]?["div"]?.stringValue, let words = div.split(separator: ">").dropFirst().first?.split(separator: "<").first {
                strings.append(String(words).trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        // Short or purely numeric values (`12345`) would match unrelated bytes of a dump.
        return Set(strings.compactMap { $0 }.filter { $0.count >= 5 && $0.contains(where: \.isLetter) || $0.count >= 8 })
    }

    /// A plain-SQL dump of the test database, as `pg_dump` writes it.
    static func dump(_ client: FHIRTestClient) throws -> String {
        let directories = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let binaries = ProcessInfo.processInfo.environment["VESTA_PG_BIN"]
            ?? directories.compactMap(Int.init).max().map { "/usr/lib/postgresql/\($0)/bin" } ?? "/usr/bin"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(binaries)/pg_dump")
        let postgres = client.environment.postgres
        process.arguments = ["-h", postgres.socketDirectory.path, "-p", String(postgres.port), "-U", postgres.userName,
                             "-d", client.environment.databaseName]
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("pg_dump-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "pg_dump: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aDatabaseDumpRevealsNoIdentity() async throws {
        let client = try await FHIRTestClient.make(encrypted: true)
        let resources = try await Self.load(into: client, suffix: "dump")
        let secrets = Self.identityStrings(of: resources)
        #expect(secrets.isSuperset(of: ["Chalmers", "Zebulon3", "MRN-QX9105", "534 Erewhon St", "1974-12-25", "(03) 5555 6473"]))

        // Every one of them is readable through the API.
        let read = try await client.send(.get, "/fhir/Patient/example-dump")
        #expect(read.object["name"]?[0]?["family"] == "Chalmers")
        #expect(read.object["birthDate"] == "1974-12-25")

        let dump = try Self.dump(client)
        #expect(dump.contains("29463") || dump.contains("15074-8"), "the dump holds the plaintext Observation codes")
        for secret in secrets.sorted() {
            #expect(!dump.contains(secret), "the dump contains '\(secret)'")
        }
        // The glucose Observation's subject display is a patient's name; it is sealed too.
        #expect(!dump.contains("P. van de Heuvel"))
    }

    /// Queries whose answers must not change when encryption is turned on.
    static let queries = [
        "Patient?name=peter", "Patient?family=chalmers", "Patient?given=pet", "Patient?name:exact=Peter", "Patient?family:exact=Chalmers",
        "Patient?identifier=urn:oid:1.2.36.146.595.217.0.1|12345", "Patient?identifier=12345", "Patient?identifier=MRN-QX9103",
        "Patient?identifier=urn:oid:2.16.840.1.113883.4.1|", "Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|12345",
        "Patient?birthdate=1974-12-25", "Patient?birthdate=1974", "Patient?birthdate=1974-12", "Patient?birthdate=1953",
        "Patient?phone=(03) 5555 6473", "Patient?telecom=(03) 5555 6473", "Patient?address-city=pleasantville",
        "Patient?address=534", "Patient?address=vortex", "Patient?address-postalcode=3999", "Patient?gender=male",
        "Patient?gender=female&name=zeb", "Patient?name=quixworth1,chalmers", "Patient?identifier:not=12345&gender=male",
        "Patient?active:missing=true", "Patient?deceased=false", "Patient?language=urn:ietf:bcp:47|nl", "Patient?birthdate:missing=false",
        "Observation?patient=Patient/f001-same", "Observation?code=http://loinc.org|15074-8",
        "Observation?subject:Patient.name=pieter", "Patient?_has:Observation:patient:code=15074-8",
        "Device?identifier=345675",
    ]

    @Test func searchesAnswerTheSameWithEncryptionOnAndOff() async throws {
        let plain = try await FHIRTestClient.make(isolated: true)
        let encrypted = try await FHIRTestClient.make(encrypted: true)
        _ = try await Self.load(into: plain, suffix: "same")
        _ = try await Self.load(into: encrypted, suffix: "same")
        for query in Self.queries {
            let uri = "/fhir/" + query.replacingOccurrences(of: " ", with: "%20")
            let expected = try await Self.ids(plain.send(.get, uri))
            let actual = try await Self.ids(encrypted.send(.get, uri))
            #expect(actual == expected, "\(query)")
            if expected.isEmpty { Issue.record("\(query) finds nothing, so it compares nothing") }
        }
    }

    static func ids(_ response: FHIRTestResponse) throws -> [String] {
        #expect(response.status == .ok, "\(response.diagnostics)")
        return (response.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?["id"]?.stringValue }.sorted()
    }

    @Test(arguments: [
        ("Patient?name:contains=ete", ":contains"), ("Patient?birthdate=gt1970", "date comparison"),
        ("Patient?_sort=birthdate", "_sort=birthdate"), ("Patient?birthdate=1974-12-25T10:00:00Z", "date comparison"),
    ])
    func searchesSealedValuesCannotAnswerAreRefused(query: String, reason: String) async throws {
        let client = try await FHIRTestClient.make(encrypted: true)
        let response = try await client.send(.get, "/fhir/" + query)
        #expect(response.status == .badRequest)
        #expect(response.isOperationOutcome)
        #expect(response.diagnostics.contains(reason) && response.diagnostics.contains("encrypted"), "\(response.diagnostics)")
    }

    @Test func plaintextObservationSearchesKeepWorking() async throws {
        let client = try await FHIRTestClient.make(encrypted: true)
        _ = try await Self.load(into: client, suffix: "obs", syntheticPatients: 0)
        let byDate = try Self.ids(await client.send(.get, "/fhir/Observation?code=http://loinc.org|15074-8&date=ge2013&_sort=-date"))
        #expect(byDate == ["f001-obs"])
        let byValue = try Self.ids(await client.send(.get, "/fhir/Observation?value-quantity=gt6"))
        #expect(byValue == ["f001-obs"])
    }

    @Test func anAlteredCiphertextFailsTheReadAndNamesTheResource() async throws {
        let client = try await FHIRTestClient.make(encrypted: true)
        let id = uniqueId("tamper")
        let patient: JSONObject = ["resourceType": "Patient", "id": .string(id), "name": [["family": "Tampered"]]]
        #expect(try await client.send(.put, "/fhir/Patient/\(id)", json: .object(patient)).status == .created)
        // Flip one base64 character of the sealed member, as a curious DBA with an editor would.
        let flipped = try await client.count("""
            WITH old AS (SELECT body->>'_sealed' AS s FROM r_patient WHERE id = '\(id)')
            UPDATE r_patient SET body = jsonb_set(body, '{_sealed}', to_jsonb(
                overlay(old.s placing CASE WHEN substr(old.s, 40, 1) = 'A' THEN 'B' ELSE 'A' END from 40 for 1)))
              FROM old WHERE id = '\(id)' RETURNING 1
            """)
        #expect(flipped == 1)
        let read = try await client.send(.get, "/fhir/Patient/\(id)")
        #expect(read.status == .internalServerError)
        #expect(read.isOperationOutcome)
        #expect(read.diagnostics.contains("Patient/\(id)"))
        #expect(!read.text.contains("Tampered"))

        // A sealed member moved to another resource does not open there either.
        let other = uniqueId("tamper")
        let otherPatient: JSONValue = ["resourceType": "Patient", "id": .string(other), "name": [["family": "Other"]]]
        #expect(try await client.send(.put, "/fhir/Patient/\(other)", json: otherPatient).status == .created)
        _ = try await client.count("""
            UPDATE r_patient SET body = jsonb_set(body, '{_sealed}', (SELECT body->'_sealed' FROM r_patient WHERE id = '\(id)'))
             WHERE id = '\(other)' RETURNING 1
            """)
        #expect(try await client.send(.get, "/fhir/Patient/\(other)").status == .internalServerError)
    }

    @Test func onlyTheRightKeyEncryptionKeyOpensTheKeys() async throws {
        let client = try await FHIRTestClient.make(encrypted: true)
        let environment = client.environment
        await #expect(throws: KeyStoreError.self) {
            try await KeyStore.open(environment.client, keyEncryptionKey: nil, logger: environment.logger)
        }
        await #expect(throws: KeyStoreError.self) {
            try await KeyStore.open(environment.client, keyEncryptionKey: try SymmetricKey.random(), logger: environment.logger)
        }
        let keyStore = try #require(client.keyStore)
        #expect(try await keyStore.load(environment.client, logger: environment.logger)?.dataKeyIDs.count == 1)
    }

    @Test func rotationUnderConcurrentWritesLosesNothing() async throws {
        let client = try await FHIRTestClient.make(encrypted: true)
        let encryption = try #require(client.encryption)
        let before = (0..<20).map { Self.syntheticPatient($0, suffix: "rot") }
        for patient in before {
            #expect(try await client.send(.put, "/fhir/Patient/\(patient["id"]?.stringValue ?? "")", json: .object(patient)).status == .created)
        }
        let oldKey = try #require(encryption.keys.ring.activeKey()?.id)

        // Writers keep going (new patients and updates) while a key is added and rows re-sealed.
        let writers = Task {
            var written: [JSONObject] = []
            for index in 20..<60 {
                let patient = Self.syntheticPatient(index, suffix: "rot")
                _ = try await client.send(.put, "/fhir/Patient/\(patient["id"]?.stringValue ?? "")", json: .object(patient))
                written.append(patient)
                var update = before[index % 20]
                update["gender"] = "other"
                _ = try await client.send(.put, "/fhir/Patient/\(update["id"]?.stringValue ?? "")", json: .object(update))
            }
            return written
        }
        let rotated = try await Self.rotate(client)
        #expect(rotated != oldKey)
        let written = try await writers.value
        // A last pass takes versions a writer sealed under the old key while the first ran.
        for type in ["Patient"] { _ = try await client.store.reencrypt(type: type) }

        let usage = try await client.store.keyUsage()
        #expect(usage[oldKey] == nil, "versions still under the old key: \(usage)")
        #expect((usage[rotated] ?? 0) >= 60 + 40)
        for patient in before + written {
            let id = try #require(patient["id"]?.stringValue)
            let read = try await client.send(.get, "/fhir/Patient/\(id)")
            #expect(read.status == .ok)
            #expect(read.object["name"] == patient["name"])
        }
        let history = try await client.send(.get, "/fhir/Patient/\(before[0]["id"]?.stringValue ?? "")/_history")
        #expect(history.status == .ok)
        #expect((history.object["entry"]?.arrayValue ?? []).allSatisfy { $0["resource"]?["name"] == before[0]["name"] })
        let found = try Self.ids(await client.send(.get, "/fhir/Patient?family=quixworth4"))
        #expect(found.contains("synthetic-4-rot") && found.contains("synthetic-40-rot"))
    }

    /// Adds a data key active at once, takes it into the ring, and re-seals every Patient.
    static func rotate(_ client: FHIRTestClient) async throws -> UInt32 {
        let encryption = try #require(client.encryption)
        let environment = client.environment
        let keyStore = try #require(client.keyStore)
        let id = try await keyStore.addDataKey(environment.client, activeAfter: .zero, logger: environment.logger)
        encryption.keys.replace(with: try #require(try await keyStore.load(environment.client, logger: environment.logger)))
        _ = try await client.store.reencrypt(type: "Patient")
        return id
    }

    @Test func ingestedMessagesAreSealedAtRestAndDevicesAreFoundByTheirSealedIdentifier() async throws {
        let client = try await FHIRTestClient.make(encrypted: true)
        func heartRate(_ device: String, value: Int) -> String {
            #"{"deviceId":"\#(device)","measurementTime":"2026-01-01T10:00:00Z","type":"8867-4","value":\#(value),"note":"Zebulon Quixworth"}"#
        }
        // Device.identifier is sealed: the identity look-up finds the device through its blind term.
        let device = uniqueId("dev")
        let patient = uniqueId("pat")
        let registered = try await client.send(.put, "/fhir/Device/\(device)", json: [
            "resourceType": "Device", "id": .string(device),
            "identifier": [["system": "http://devices.example.org/serial", "value": .string(device)]],
            "patient": ["reference": .string("Patient/\(patient)")],
        ])
        #expect(registered.status == .created)
        let processed = try await client.send(.post, "/ingest?wait=true", body: heartRate(device, value: 71))
        #expect(processed.object["result"]?["failed"] == 0, "\(processed.text)")
        let observations = try Self.ids(await client.send(.get, "/fhir/Observation?subject=Patient/\(patient)"))
        #expect(observations.count == 1)

        // An unknown device: the measurements become a dead letter, sealed too, and come back on retry.
        let stranger = uniqueId("unknown")
        _ = try await client.send(.post, "/ingest?wait=true", body: heartRate(stranger, value: 72))
        #expect(try await client.count("SELECT count(*) FROM ingest_batch WHERE messages NOT LIKE '$vesta$%'") == 0)
        #expect(try await client.count("SELECT count(*) FROM ingest_batch WHERE messages LIKE '%Quixworth%'") == 0)
        #expect(try await client.count("SELECT count(*) FROM ingest_dead_letter WHERE message LIKE '$vesta$%'") == 1)
        let letters = try await client.send(.get, "/ingest/errors")
        #expect(letters.text.contains(stranger), "dead letters read back through the API")
        let retried = try await client.send(.post, "/ingest/errors/$retry")
        #expect(retried.status == .accepted, "\(retried.diagnostics)")
        #expect(try await client.count("SELECT count(*) FROM ingest_batch WHERE content_kind = 'measurements' AND messages LIKE '$vesta$%'") == 1)
    }
}
