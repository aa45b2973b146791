import FHIRCore
import Foundation
import Hummingbird
import Testing

/// `POST /fhir` with transaction and batch Bundles.
@Suite struct BundleTests {
    // MARK: Helpers

    private static func entry(_ method: String, _ url: String, resource: JSONValue? = nil, fullUrl: String? = nil,
                              request extra: JSONObject = [:]) -> JSONValue {
        var request: JSONObject = ["method": .string(method), "url": .string(url)]
        for (key, value) in extra { request[key] = value }
        var object: JSONObject = ["request": .object(request)]
        if let fullUrl { object["fullUrl"] = .string(fullUrl) }
        if let resource { object["resource"] = resource }
        return .object(object)
    }

    private static func bundle(_ type: String, _ entries: [JSONValue]) -> JSONValue {
        ["resourceType": "Bundle", "type": .string(type), "entry": .array(entries)]
    }

    private static func patient(identifier value: String, system: String = "urn:test:bundle") -> JSONValue {
        ["resourceType": "Patient", "identifier": [["system": .string(system), "value": .string(value)]]]
    }

    private static func urn() -> String { "urn:uuid:\(UUID().uuidString.lowercased())" }

    /// `response.status` of every entry of a response Bundle.
    private static func statuses(_ response: FHIRTestResponse) -> [String] {
        (response.object["entry"]?.arrayValue ?? []).map { $0["response"]?["status"]?.stringValue ?? "-" }
    }

    /// `Type/id` of an entry's `response.location` (`Type/id/_history/n`).
    private static func reference(_ response: FHIRTestResponse, entry index: Int) -> String? {
        guard let location = response.object["entry"]?.arrayValue?[index]["response"]?["location"]?.stringValue else { return nil }
        return location.components(separatedBy: "/_history/").first
    }

    private func fixture(_ url: URL) throws -> JSONObject {
        try #require(try JSONReader.parse(Array(try Data(contentsOf: url))).objectValue)
    }

    // MARK: Official examples

    /// `bundle-transaction.json`: as published it holds a `ValueSet/$lookup` entry, which fails
    /// the whole transaction before anything is written; without it, and with the resources it
    /// updates and deletes in place, every entry succeeds.
    @Test func officialTransactionExample() async throws {
        let client = try await FHIRTestClient.make()
        let example = try fixture(ProjectPaths.examples.appendingPathComponent("bundle-transaction.json"))
        let rejected = try await client.send(.post, "/fhir", json: .object(example))
        #expect(rejected.status == .badRequest)
        #expect(rejected.diagnostics.contains("Entry 7"))
        #expect(rejected.issueExpressions.first == "Bundle.entry[7]")
        #expect(try await client.count("SELECT count(*) FROM r_patient WHERE id IN ('123', '123a', '234')") == 0)

        for id in ["123a", "234", "12334"] {
            _ = try await client.send(.put, "/fhir/Patient/\(id)", json: ["resourceType": "Patient", "id": .string(id)])
        }
        _ = try await client.send(.put, "/fhir/Patient/123a", json: ["resourceType": "Patient", "id": "123a", "active": false])
        _ = try await client.send(.post, "/fhir/Patient", json: Self.patient(identifier: "123456", system: "urn:test:official"))
        // Other suites store every official example, several with identifier 123456: the
        // conditional delete gets a system so that it matches only the Patient made above.
        var trimmed = example
        trimmed["entry"] = .array((example["entry"]?.arrayValue ?? []).compactMap { entry in
            guard let url = entry["request"]?["url"]?.stringValue, url != "ValueSet/$lookup" else { return nil }
            guard url == "Patient?identifier=123456", var object = entry.objectValue else { return entry }
            object["request"] = ["method": "DELETE", "url": "Patient?identifier=urn:test:official|123456"]
            return .object(object)
        })
        let response = try await client.send(.post, "/fhir", json: .object(trimmed))
        #expect(response.status == .ok, "\(response.diagnostics)")
        #expect(response.object["type"] == "transaction-response")
        #expect(Self.statuses(response) == [
            "201 Created", "201 Created", "201 Created", "201 Created", "200 OK", "204 No Content", "204 No Content", "200 OK", "200 OK",
        ])
        let entries = response.object["entry"]?.arrayValue ?? []
        #expect(entries[4]["response"]?["etag"] == "W/\"3\"")
        #expect(entries[7]["resource"]?["type"] == "searchset")
        #expect(entries[8]["resource"]?["id"] == "12334")
        #expect(try await client.send(.get, "/fhir/Patient/234").status == .gone)
        #expect(try await client.count("SELECT count(*) FROM r_patient WHERE body @> '{\"identifier\":[{\"value\":\"456456\"}]}'") == 1)
    }

    /// The HLA genetics report: 22 POSTs that reference each other by `urn:uuid:` fullUrls.
    @Test func officialUrnUuidExampleIsStoredWithResolvedReferences() async throws {
        let client = try await FHIRTestClient.make()
        let example = try fixture(ProjectPaths.root.appendingPathComponent(
            "Tests/VestaIntegrationTests/Fixtures/diagnosticreport-hla-genetics-results-example.json"))
        let response = try await client.send(.post, "/fhir", json: .object(example))
        #expect(response.status == .ok, "\(response.diagnostics)")
        #expect(Self.statuses(response) == Array(repeating: "201 Created", count: 22))
        let report = try #require(response.object["entry"]?.arrayValue?.first?["resource"])
        let results = (report["result"]?.arrayValue ?? []).compactMap { $0["reference"]?.stringValue }
        #expect(results.count == 3)
        #expect(results.allSatisfy { $0.hasPrefix("Observation/") })
        let reportId = try #require(report["id"]?.stringValue)
        #expect(try await client.count("SELECT count(*) FROM r_diagnosticreport WHERE id = '\(reportId)' AND body::text LIKE '%urn:uuid%'") == 0)
        let search = try await client.send(.get, "/fhir/DiagnosticReport?result=\(results[0])")
        #expect(search.object["entry"]?.arrayValue?.count == 1)
    }

    /// The published batch of reads: each GET answered on its own.
    @Test func officialBatchExample() async throws {
        let client = try await FHIRTestClient.make()
        _ = try await client.send(.put, "/fhir/Patient/example", json: ["resourceType": "Patient", "id": "example"])
        let example = try fixture(ProjectPaths.examples.appendingPathComponent("bundle-request-simplesummary.json"))
        let response = try await client.send(.post, "/fhir", json: .object(example))
        #expect(response.status == .ok)
        #expect(response.object["type"] == "batch-response")
        #expect(Self.statuses(response) == ["200 OK", "200 OK", "200 OK", "200 OK"])
        let entries = response.object["entry"]?.arrayValue ?? []
        #expect(entries[0]["resource"]?["id"] == "example")
        #expect(entries[1]["resource"]?["type"] == "searchset")
    }

    // MARK: Transactions

    /// Observation → Device → Patient by placeholders, listed in the "wrong" order: ids are
    /// assigned first, references rewritten, the result searchable; a GET in the same
    /// transaction already sees the new Patient.
    @Test func urnUuidChainIsRewrittenAndSearchable() async throws {
        let client = try await FHIRTestClient.make()
        let (patientUrn, deviceUrn, observationUrn) = (Self.urn(), Self.urn(), Self.urn())
        let marker = uniqueId("chain")
        let observation: JSONValue = [
            "resourceType": "Observation", "status": "final",
            "code": ["coding": [["system": "http://loinc.org", "code": "8867-4"]]],
            "subject": ["reference": .string(patientUrn)], "device": ["reference": .string(deviceUrn)],
            "effectiveDateTime": "2024-05-01T10:00:00Z", "valueQuantity": ["value": 72, "unit": "/min"],
        ]
        let device: JSONValue = ["resourceType": "Device", "patient": ["reference": .string(patientUrn)]]
        let response = try await client.send(.post, "/fhir", json: Self.bundle("transaction", [
            Self.entry("POST", "Observation", resource: observation, fullUrl: observationUrn),
            Self.entry("POST", "Device", resource: device, fullUrl: deviceUrn),
            Self.entry("POST", "Patient", resource: Self.patient(identifier: marker), fullUrl: patientUrn),
            Self.entry("GET", "Patient?identifier=urn:test:bundle|\(marker)"),
        ]))
        #expect(response.status == .ok, "\(response.diagnostics)")
        #expect(Self.statuses(response) == ["201 Created", "201 Created", "201 Created", "200 OK"])
        let patient = try #require(Self.reference(response, entry: 2))
        let deviceReference = try #require(Self.reference(response, entry: 1))
        let entries = response.object["entry"]?.arrayValue ?? []
        #expect(entries[0]["resource"]?["subject"]?["reference"]?.stringValue == patient)
        #expect(entries[0]["resource"]?["device"]?["reference"]?.stringValue == deviceReference)
        #expect(entries[1]["resource"]?["patient"]?["reference"]?.stringValue == patient)
        #expect(entries[0]["response"]?["etag"] == "W/\"1\"")
        #expect(entries[0]["response"]?["lastModified"]?.stringValue != nil)
        #expect(entries[3]["resource"]?["entry"]?.arrayValue?.count == 1)
        let search = try await client.send(.get, "/fhir/Observation?subject=\(patient)&code=http://loinc.org|8867-4")
        #expect(search.object["entry"]?.arrayValue?.count == 1)
        let byDevice = try await client.send(.get, "/fhir/Device?patient=\(patient)")
        #expect(byDevice.object["entry"]?.arrayValue?.first?["resource"]?["id"]?.stringValue == deviceReference.split(separator: "/").last.map(String.init))
        let observationId = String(try #require(Self.reference(response, entry: 0)).split(separator: "/")[1])
        #expect(try await client.count("SELECT count(*) FROM change_log WHERE resource_type = 'Observation' AND id = '\(observationId)'") == 1)
    }

    /// A failing last entry rolls back the creates before it: no rows, no index rows, no
    /// change log; the answer names the entry with the failure's own status.
    @Test func failingLastEntryRollsBackEverything() async throws {
        let client = try await FHIRTestClient.make()
        let existing = uniqueId("rb")
        _ = try await client.send(.put, "/fhir/Patient/\(existing)", json: ["resourceType": "Patient", "id": .string(existing)])
        let marker = uniqueId("rollback")
        let stale = Self.urn()
        let response = try await client.send(.post, "/fhir", json: Self.bundle("transaction", [
            Self.entry("POST", "Patient", resource: Self.patient(identifier: marker), fullUrl: Self.urn()),
            Self.entry("POST", "Patient", resource: Self.patient(identifier: marker), fullUrl: Self.urn()),
            Self.entry("DELETE", "Patient?identifier=urn:test:bundle|nothing-\(marker)"),
            Self.entry("PUT", "Patient/\(existing)", resource: ["resourceType": "Patient", "id": .string(existing), "active": true],
                       fullUrl: stale, request: ["ifMatch": "W/\"7\""]),
        ]))
        #expect(response.status == .preconditionFailed)
        #expect(response.isOperationOutcome)
        #expect(response.diagnostics.contains("Entry 3 (\(stale), PUT Patient/\(existing))"))
        #expect(response.issueExpressions.first == "Bundle.entry[3]")
        #expect(try await client.count("SELECT count(*) FROM r_patient WHERE body::text LIKE '%\(marker)%'") == 0)
        #expect(try await client.count("SELECT count(*) FROM sp_token WHERE code = '\(marker)'") == 0)
        #expect(try await client.count("SELECT count(*) FROM change_log WHERE id = '\(existing)'") == 1)

        // An invalid resource is a 422 naming its entry, with the validator's locations.
        let invalid = try await client.send(.post, "/fhir", json: Self.bundle("transaction", [
            Self.entry("POST", "Patient", resource: Self.patient(identifier: marker)),
            Self.entry("POST", "Patient", resource: ["resourceType": "Patient", "gender": "sometimes"]),
        ]))
        #expect(invalid.status == .unprocessableContent)
        #expect(invalid.issueExpressions.contains("Bundle.entry[1]"))
        #expect(try await client.count("SELECT count(*) FROM r_patient WHERE body::text LIKE '%\(marker)%'") == 0)
    }

    /// `"reference": "Patient?identifier=…"` needs exactly one match.
    @Test func conditionalReferencesNeedExactlyOneMatch() async throws {
        let client = try await FHIRTestClient.make()
        let (one, two, none) = (uniqueId("one"), uniqueId("two"), uniqueId("none"))
        let created = try await client.send(.post, "/fhir/Patient", json: Self.patient(identifier: one))
        let patientId = try #require(created.object["id"]?.stringValue)
        for _ in 0..<2 { _ = try await client.send(.post, "/fhir/Patient", json: Self.patient(identifier: two)) }
        func observation(_ value: String) -> JSONValue {
            Self.bundle("transaction", [Self.entry("POST", "Observation", resource: [
                "resourceType": "Observation", "status": "final", "code": ["text": "weight"],
                "subject": ["reference": .string("Patient?identifier=urn:test:bundle|\(value)")],
            ])])
        }
        let matched = try await client.send(.post, "/fhir", json: observation(one))
        #expect(matched.status == .ok)
        let entry = matched.object["entry"]?.arrayValue?.first
        #expect(entry?["resource"]?["subject"]?["reference"]?.stringValue == "Patient/\(patientId)")
        let noMatch = try await client.send(.post, "/fhir", json: observation(none))
        #expect(noMatch.status == .notFound)
        #expect(noMatch.diagnostics.contains("Entry 0"))
        let twoMatches = try await client.send(.post, "/fhir", json: observation(two))
        #expect(twoMatches.status == .preconditionFailed)
        #expect(try await client.count("SELECT count(*) FROM r_observation WHERE body::text LIKE '%\(none)%' OR body::text LIKE '%\(two)%'") == 0)
    }

    /// More conditions than one look-up statement holds (they are found a hundred at a time
    /// before any entry runs): each still gets its own match, whichever statement found it,
    /// and a failing condition in a later statement still names its entry.
    @Test func manyConditionsEachFindTheirOwnMatch() async throws {
        let client = try await FHIRTestClient.make()
        let marker = uniqueId("many")
        let count = 150
        let patients = try await client.send(.post, "/fhir", json: Self.bundle("transaction", (0..<count).map { number in
            Self.entry("POST", "Patient", resource: Self.patient(identifier: "\(marker)-p\(number)"))
        }))
        try #require(patients.status == .ok, "\(patients.diagnostics)")
        let patientIds = (0..<count).map { Self.reference(patients, entry: $0) }
        var entries = (0..<count).map { number -> JSONValue in
            Self.entry("POST", "Observation", resource: [
                "resourceType": "Observation", "status": "final", "code": ["text": .string(marker)],
                "identifier": [["system": "urn:test:bundle", "value": .string("\(marker)-o\(number)")]],
                "subject": ["reference": .string("Patient?identifier=urn:test:bundle|\(marker)-p\(number)")],
            ], request: ["ifNoneExist": .string("identifier=urn:test:bundle|\(marker)-o\(number)")])
        }
        // Existing patients, asked for again: found, not created.
        entries += (0..<10).map { number in
            Self.entry("POST", "Patient", resource: Self.patient(identifier: "\(marker)-p\(number)"),
                       request: ["ifNoneExist": .string("identifier=urn:test:bundle|\(marker)-p\(number)")])
        }
        let response = try await client.send(.post, "/fhir", json: Self.bundle("transaction", entries))
        #expect(response.status == .ok, "\(response.diagnostics)")
        let statuses = Self.statuses(response)
        #expect(statuses.prefix(count).allSatisfy { $0 == "201 Created" })
        #expect(statuses.suffix(10).allSatisfy { $0 == "200 OK" })
        let written = response.object["entry"]?.arrayValue ?? []
        let subjects = written.prefix(count).map { $0["resource"]?["subject"]?["reference"]?.stringValue }
        #expect(subjects == patientIds)
        let found = written.suffix(10).map { entry in entry["resource"].flatMap { $0["id"]?.stringValue }.map { "Patient/\($0)" } }
        #expect(found == Array(patientIds.prefix(10)))

        // The same Bundle again: every Observation's ifNoneExist now matches; nothing new is written.
        let again = try await client.send(.post, "/fhir", json: Self.bundle("transaction", entries))
        #expect(Self.statuses(again).allSatisfy { $0 == "200 OK" })
        #expect(try await client.count("SELECT count(*) FROM r_observation WHERE body::text LIKE '%\(marker)%'") == count)

        // A condition the server cannot apply, beyond the first hundred: 400 naming its entry.
        entries[130] = Self.entry("POST", "Observation", resource: ["resourceType": "Observation", "status": "final", "code": ["text": "x"]],
                                  request: ["ifNoneExist": "no-such-parameter=1"])
        let failed = try await client.send(.post, "/fhir", json: Self.bundle("transaction", entries))
        #expect(failed.status == .badRequest)
        #expect(failed.issueExpressions.first == "Bundle.entry[130]")
        #expect(failed.diagnostics.contains("no-such-parameter"))
    }

    /// Eight transactions racing to create the same `ifNoneExist` resource make exactly one.
    @Test func racingConditionalCreatesMakeOneResource() async throws {
        let client = try await FHIRTestClient.make()
        let marker = uniqueId("race")
        let body = Self.bundle("transaction", [
            Self.entry("POST", "Patient", resource: Self.patient(identifier: marker),
                       request: ["ifNoneExist": .string("identifier=urn:test:bundle|\(marker)")]),
            Self.entry("POST", "Observation", resource: ["resourceType": "Observation", "status": "final", "code": ["text": .string(marker)]]),
        ])
        let statuses = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let response = try await client.send(.post, "/fhir", json: body)
                    return response.status == .ok ? Self.statuses(response) : ["\(response.status.code)"]
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == ["201 Created", "201 Created"] }.count == 1)
        #expect(statuses.filter { $0 == ["200 OK", "201 Created"] }.count == 7)
        #expect(try await client.count("SELECT count(*) FROM r_patient WHERE body::text LIKE '%\(marker)%'") == 1)
        #expect(try await client.count("SELECT count(*) FROM r_observation WHERE body::text LIKE '%\(marker)%'") == 8)
    }

    /// Two entries writing one resource, and Bundles that are not transactions or batches: 400.
    @Test func malformedBundlesAreRejected() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId("twice")
        let patient: JSONValue = ["resourceType": "Patient", "id": .string(id)]
        let twice = try await client.send(.post, "/fhir", json: Self.bundle("transaction", [
            Self.entry("PUT", "Patient/\(id)", resource: patient),
            Self.entry("DELETE", "Patient/\(id)"),
        ]))
        #expect(twice.status == .badRequest)
        #expect(twice.diagnostics.contains("Entries 1 and 0") || twice.diagnostics.contains("Entries 0 and 1"))
        #expect(try await client.count("SELECT count(*) FROM r_patient WHERE id = '\(id)'") == 0)
        let collection = try await client.send(.post, "/fhir", json: Self.bundle("collection", []))
        #expect(collection.status == .badRequest)
        #expect(collection.isOperationOutcome)
        let notBundle = try await client.send(.post, "/fhir", json: patient)
        #expect(notBundle.status == .badRequest)
        let unknownType = try await client.send(.post, "/fhir", json: Self.bundle("transaction", [Self.entry("GET", "Banana/1")]))
        #expect(unknownType.status == .notFound)
        #expect(unknownType.issueExpressions.first == "Bundle.entry[0]")
    }

    /// Conditional update and delete by URL, `ifMatch`, and `Prefer: return=OperationOutcome`.
    @Test func conditionalUpdateDeleteAndPrefer() async throws {
        let client = try await FHIRTestClient.make()
        let (kept, dropped) = (uniqueId("kept"), uniqueId("dropped"))
        let created = try await client.send(.post, "/fhir/Patient", json: Self.patient(identifier: kept))
        let keptId = try #require(created.object["id"]?.stringValue)
        _ = try await client.send(.post, "/fhir/Patient", json: Self.patient(identifier: dropped))
        var updated = Self.patient(identifier: kept).objectValue ?? JSONObject()
        updated["active"] = true
        let response = try await client.send(.post, "/fhir", json: Self.bundle("transaction", [
            Self.entry("PUT", "Patient?identifier=urn:test:bundle|\(kept)", resource: .object(updated), request: ["ifMatch": "W/\"1\""]),
            Self.entry("DELETE", "Patient?identifier=urn:test:bundle|\(dropped)"),
        ]), headers: [.prefer: "return=OperationOutcome"])
        #expect(response.status == .ok, "\(response.diagnostics)")
        #expect(Self.statuses(response) == ["200 OK", "204 No Content"])
        let entries = response.object["entry"]?.arrayValue ?? []
        #expect(entries[0]["resource"] == nil)
        #expect(entries[0]["response"]?["outcome"]?["resourceType"] == "OperationOutcome")
        #expect(entries[0]["response"]?["location"]?.stringValue == "Patient/\(keptId)/_history/2")
        #expect(try await client.send(.get, "/fhir/Patient?identifier=urn:test:bundle|\(dropped)").object["entry"] == nil)
    }

    // MARK: Batches

    /// One bad entry of a batch gets its own error; the others are processed.
    @Test func batchEntriesFailAlone() async throws {
        let client = try await FHIRTestClient.make()
        let marker = uniqueId("batch")
        let putId = uniqueId("batchput")
        let patientUrn = Self.urn()
        let response = try await client.send(.post, "/fhir", json: Self.bundle("batch", [
            Self.entry("POST", "Patient", resource: Self.patient(identifier: marker), fullUrl: patientUrn),
            Self.entry("POST", "Patient", resource: ["resourceType": "Patient", "gender": "sometimes"]),
            Self.entry("GET", "Patient/\(uniqueId("missing"))"),
            Self.entry("POST", "Device", resource: ["resourceType": "Device", "patient": ["reference": .string(patientUrn)]]),
            Self.entry("PUT", "Patient/\(putId)", resource: ["resourceType": "Patient", "id": .string(putId)]),
            Self.entry("PATCH", "Patient/\(putId)", resource: [
                "resourceType": "Binary", "contentType": "application/json-patch+json",
                "data": .string(Data(#"[{"op":"add","path":"/active","value":true}]"#.utf8).base64EncodedString()),
            ]),
        ]))
        #expect(response.status == .ok)
        #expect(Self.statuses(response) == ["201 Created", "422 Unprocessable Content", "404 Not Found", "400 Bad Request", "201 Created", "200 OK"])
        let entries = response.object["entry"]?.arrayValue ?? []
        #expect(entries[1]["response"]?["outcome"]?["resourceType"] == "OperationOutcome")
        #expect(entries[3]["response"]?["outcome"]?["issue"]?.arrayValue?.first?["diagnostics"]?.stringValue?.contains("batch") == true)
        #expect(entries[5]["resource"]?["active"] == true)
        #expect(try await client.count("SELECT count(*) FROM r_patient WHERE body::text LIKE '%\(marker)%'") == 1)
    }

    // MARK: Scale

    /// 10,000 Observations of one new Patient in one transaction: written set-based, indexed,
    /// in the change log.
    @Test func tenThousandEntryTransaction() async throws {
        // Its transaction lasts many seconds: on a cluster of its own it holds back no other test's watermark.
        let client = try await FHIRTestClient.make(cluster: .longTransactions)
        let patientUrn = Self.urn()
        let marker = uniqueId("bulk")
        var entries = [Self.entry("POST", "Patient", resource: Self.patient(identifier: marker), fullUrl: patientUrn)]
        for index in 0..<10_000 {
            entries.append(Self.entry("POST", "Observation", resource: [
                "resourceType": "Observation", "status": "final",
                "code": ["coding": [["system": "http://loinc.org", "code": "8867-4"]]],
                "subject": ["reference": .string(patientUrn)],
                "effectiveDateTime": .string("2024-05-01T10:\(String(format: "%02d:%02d", index / 60 % 60, index % 60))Z"),
                "valueQuantity": ["value": .number(String(60 + index % 40)), "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"],
            ], fullUrl: Self.urn()))
        }
        let body = JSONWriter.string(Self.bundle("transaction", entries))
        let started = ContinuousClock.now
        let response = try await client.send(.post, "/fhir", body: body, headers: [.prefer: "return=minimal"])
        let elapsed = ContinuousClock.now - started
        print("10,001-entry transaction (\(body.utf8.count) bytes): \(elapsed)")
        #expect(response.status == .ok, "\(response.diagnostics)")
        #expect(Self.statuses(response).count == 10_001)
        let patient = try #require(Self.reference(response, entry: 0))
        #expect(try await client.count("SELECT count(*) FROM observation_timeline WHERE subject = '\(patient)'") == 10_000)
        #expect(try await client.count("""
            SELECT count(*) FROM change_log c JOIN r_observation o ON o.id = c.id
             WHERE c.resource_type = 'Observation' AND o.body->'subject'->>'reference' = '\(patient)'
            """) == 10_000)
        let page = try await client.send(.get, "/fhir/Observation?subject=\(patient)&code=http://loinc.org|8867-4&_count=1&_total=accurate")
        #expect(page.object["total"] == 10_000)
    }
}
