@testable import FHIRStore
import FHIRCore
import FHIRSearch
import Foundation
import PostgresNIO
import Hummingbird
import Testing

/// Search through the REST API against the real index. Every test makes its own data, marked
/// by a unique value, so tests can share the database and run in parallel.
@Suite struct SearchTests {
    // MARK: Helpers

    @discardableResult
    private func create(_ client: FHIRTestClient, _ resource: JSONValue) async throws -> String {
        let type = resource["resourceType"]?.stringValue ?? ""
        let response = try await client.send(.post, "/fhir/\(type)", json: resource)
        try #require(response.status == .created, "create \(type): \(response.diagnostics)")
        return try #require(response.object["id"]?.stringValue)
    }

    /// The ids of the `match` entries of a search, in order.
    private func matches(_ client: FHIRTestClient, _ uri: String, headers: HTTPFields = [:]) async throws -> [String] {
        let response = try await client.send(.get, uri, headers: headers)
        try #require(response.status == .ok, "\(uri): \(response.status) \(response.diagnostics)")
        return entries(response, mode: "match")
    }

    private func entries(_ response: FHIRTestResponse, mode: String) -> [String] {
        (response.object["entry"]?.arrayValue ?? []).filter { $0["search"]?["mode"] == .string(mode) }.compactMap {
            guard let type = $0["resource"]?["resourceType"]?.stringValue, let id = $0["resource"]?["id"]?.stringValue else { return nil }
            return mode == "match" ? id : "\(type)/\(id)"
        }
    }

    private func patient(family: String, given: String = "Ann", birthDate: String = "1970-05-17", identifier: (String, String)? = nil,
                         gender: String = "female") -> JSONValue {
        var object: JSONObject = [
            "resourceType": "Patient", "gender": .string(gender), "birthDate": .string(birthDate),
            "name": [["family": .string(family), "given": [.string(given)]]],
        ]
        if let identifier { object["identifier"] = [["system": .string(identifier.0), "value": .string(identifier.1)]] }
        return .object(object)
    }

    private func observation(patient: String, code: String = "8867-4", effective: String, value: String = "72",
                             unit: String = "/min") -> JSONValue {
        [
            "resourceType": "Observation", "status": "final",
            "code": ["coding": [["system": "http://loinc.org", "code": .string(code)]]],
            "subject": ["reference": .string("Patient/\(patient)")],
            "effectiveDateTime": .string(effective),
            "valueQuantity": ["value": .number(value), "unit": .string(unit), "system": "http://unitsofmeasure.org", "code": .string(unit)],
        ]
    }

    // MARK: Parameter types

    @Test func tokenForms() async throws {
        let client = try await FHIRTestClient.make()
        let system = "urn:test:\(uniqueId())"
        let a = try await create(client, patient(family: "Token", identifier: (system, "A-1")))
        let b = try await create(client, patient(family: "Token", identifier: (system + "-other", "A-1")))
        #expect(try await matches(client, "/fhir/Patient?identifier=\(system)|A-1") == [a])
        #expect(try await matches(client, "/fhir/Patient?identifier=\(system)|") == [a])
        #expect(Set(try await matches(client, "/fhir/Patient?identifier=\(system)|A-1,\(system)-other|A-1")) == [a, b])
        #expect(try await matches(client, "/fhir/Patient?identifier=\(system)|A-2").isEmpty)
        #expect(try await matches(client, "/fhir/Patient?identifier=%7CA-1&family=Token&identifier=\(system)|").isEmpty)
    }

    @Test func stringsFoldCaseAndAccentsAndMatchPrefixes() async throws {
        let client = try await FHIRTestClient.make()
        let family = "Müller\(uniqueId("x").replacingOccurrences(of: "-", with: ""))"
        let id = try await create(client, patient(family: family))
        let folded = family.replacingOccurrences(of: "ü", with: "u").lowercased()
        #expect(try await matches(client, "/fhir/Patient?family=\(folded)") == [id])
        #expect(try await matches(client, "/fhir/Patient?family=\(String(folded.prefix(12)))").contains(id))
        #expect(try await matches(client, "/fhir/Patient?family:exact=\(folded)").isEmpty)
        let exact = family.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? family
        #expect(try await matches(client, "/fhir/Patient?family:exact=\(exact)") == [id])
        #expect(try await matches(client, "/fhir/Patient?family:contains=\(String(folded.dropFirst(3)))") == [id])
        #expect(try await matches(client, "/fhir/Patient?name=\(folded)") == [id])
    }

    @Test func datePrefixesAtEveryPrecision() async throws {
        let client = try await FHIRTestClient.make()
        let family = uniqueId("d")
        let id = try await create(client, patient(family: family, birthDate: "1970-05-17"))
        let hits: [(String, Bool)] = [
            ("1970", true), ("1970-05", true), ("1970-05-17", true), ("1970-05-18", false), ("eq1970-05", true),
            ("ne1970-05-17", false), ("ne1971", true), ("gt1970-05-16", true), ("gt1970-05-17", false), ("ge1970-05-17", true),
            ("lt1970-05-18", true), ("lt1970-05-17", false), ("le1970-05-17", true), ("sa1970-05-16", true), ("sa1970-05", false),
            ("eb1970-05-18", true), ("eb1970-05-17", false), ("ap1970-05-17", true), ("gt1970-05-17T10:00:00Z", true),
        ]
        for (value, expected) in hits {
            let found = try await matches(client, "/fhir/Patient?family=\(family)&birthdate=\(value)")
            #expect(found == (expected ? [id] : []), "birthdate=\(value)")
        }
        let bad = try await client.send(.get, "/fhir/Patient?birthdate=1970-13")
        #expect(bad.status == .badRequest)
        #expect(bad.diagnostics.contains("birthdate"))
    }

    @Test func quantityAndNumberPrefixes() async throws {
        let client = try await FHIRTestClient.make()
        let patientId = try await create(client, patient(family: uniqueId("q")))
        let id = try await create(client, observation(patient: patientId, effective: "2024-01-01T10:00:00Z", value: "72.5"))
        let base = "/fhir/Observation?subject=Patient/\(patientId)&value-quantity="
        #expect(try await matches(client, base + "72.5") == [id])
        #expect(try await matches(client, base + "72") == [])  // [71.5, 72.5) excludes 72.5
        #expect(try await matches(client, base + "73") == [id])  // [72.5, 73.5) includes it
        #expect(try await matches(client, base + "gt72") == [id])
        #expect(try await matches(client, base + "lt72.5") == [])
        #expect(try await matches(client, base + "le72.5|http://unitsofmeasure.org|/min") == [id])
        #expect(try await matches(client, base + "72.5||/min") == [id])
        #expect(try await matches(client, base + "72.5|http://unitsofmeasure.org|mg") == [])
        #expect(try await matches(client, base + "ap70") == [id])
    }

    @Test func referencesChainsAndReverseChains() async throws {
        let client = try await FHIRTestClient.make()
        let family = uniqueId("r")
        let patientId = try await create(client, patient(family: family))
        let other = try await create(client, patient(family: uniqueId("r")))
        let observationId = try await create(client, observation(patient: patientId, effective: "2024-02-01T08:00:00Z"))
        _ = try await create(client, observation(patient: other, effective: "2024-02-01T08:00:00Z"))
        #expect(try await matches(client, "/fhir/Observation?subject=Patient/\(patientId)") == [observationId])
        #expect(try await matches(client, "/fhir/Observation?patient=\(patientId)") == [observationId])
        #expect(try await matches(client, "/fhir/Observation?subject:Patient=\(patientId)") == [observationId])
        #expect(try await matches(client, "/fhir/Observation?subject:Patient.family=\(family)") == [observationId])
        #expect(try await matches(client, "/fhir/Observation?patient.family=\(family)") == [observationId])
        #expect(try await matches(client, "/fhir/Patient?_has:Observation:patient:code=8867-4&family=\(family)") == [patientId])
        #expect(try await matches(client, "/fhir/Patient?_has:Observation:patient:code=0000-0&family=\(family)").isEmpty)
        #expect(try await matches(client, "/fhir/Patient/\(patientId)/Observation") == [observationId])
    }

    @Test func compositeMissingAndNot() async throws {
        let client = try await FHIRTestClient.make()
        let patientId = try await create(client, patient(family: uniqueId("c")))
        let high = try await create(client, observation(patient: patientId, effective: "2024-03-01T08:00:00Z", value: "130"))
        let low = try await create(client, observation(patient: patientId, code: "8480-6", effective: "2024-03-01T08:00:00Z", value: "90"))
        let base = "/fhir/Observation?subject=Patient/\(patientId)"
        #expect(try await matches(client, base + "&code-value-quantity=http://loinc.org|8867-4$gt120") == [high])
        #expect(try await matches(client, base + "&code-value-quantity=http://loinc.org|8480-6$gt120").isEmpty)
        #expect(try await matches(client, base + "&code:not=8867-4") == [low])
        #expect(try await matches(client, base + "&encounter:missing=true&_sort=_id") == [high, low].sorted())
        #expect(try await matches(client, base + "&value-quantity:missing=false&code=8480-6") == [low])
    }

    @Test func officialExamplesAnswerTheirSearches() async throws {
        let client = try await FHIRTestClient.make()
        func example(_ name: String) throws -> JSONObject {
            let text = try String(contentsOf: ProjectPaths.examples.appendingPathComponent(name), encoding: .utf8)
            var object = try #require(try JSONReader.parse(text).objectValue)
            object["id"] = nil
            return object
        }
        let patientId = try await create(client, .object(try example("patient-example.json")))
        var pressure = try example("observation-example-bloodpressure.json")
        pressure["subject"] = ["reference": .string("Patient/\(patientId)")]
        let pressureId = try await create(client, .object(pressure))
        let mine = "_id=\(patientId)"
        #expect(try await matches(client, "/fhir/Patient?\(mine)&identifier=urn:oid:1.2.36.146.595.217.0.1|12345") == [patientId])
        #expect(try await matches(client, "/fhir/Patient?\(mine)&identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|12345") == [patientId])
        #expect(try await matches(client, "/fhir/Patient?\(mine)&family=chalm&given=peter&birthdate=1974-12") == [patientId])
        #expect(try await matches(client, "/fhir/Patient?\(mine)&address-city=PleasantVille&telecom=(03)%205555%206473") == [patientId])
        let subject = "subject=Patient/\(patientId)"
        #expect(try await matches(client, "/fhir/Observation?\(subject)&component-code-value-quantity=http://loinc.org|8480-6$gt100") == [pressureId])
        #expect(try await matches(client, "/fhir/Observation?\(subject)&component-code-value-quantity=http://loinc.org|8480-6$lt100").isEmpty)
        #expect(try await matches(client, "/fhir/Observation?\(subject)&combo-code=8462-4&date=2012-09&code:text=blood%20pressure") == [pressureId])
        #expect(try await matches(client, "/fhir/Observation?\(subject)&category=vital-signs&status=final") == [pressureId])
    }

    // MARK: Results

    @Test func includesRevincludesAndIterate() async throws {
        let client = try await FHIRTestClient.make()
        let organization = try await create(client, ["resourceType": "Organization", "name": .string(uniqueId("org"))])
        var subject = patient(family: uniqueId("i")).objectValue ?? JSONObject()
        subject["managingOrganization"] = ["reference": .string("Organization/\(organization)")]
        let patientId = try await create(client, .object(subject))
        let observationId = try await create(client, observation(patient: patientId, effective: "2024-04-01T08:00:00Z"))
        let forward = try await client.send(.get, "/fhir/Observation?_id=\(observationId)&_include=Observation:subject")
        #expect(entries(forward, mode: "include") == ["Patient/\(patientId)"])
        let iterated = try await client.send(
            .get, "/fhir/Observation?_id=\(observationId)&_include=Observation:patient&_include:iterate=Patient:organization")
        #expect(Set(entries(iterated, mode: "include")) == ["Patient/\(patientId)", "Organization/\(organization)"])
        let reverse = try await client.send(.get, "/fhir/Patient?_id=\(patientId)&_revinclude=Observation:subject")
        #expect(entries(reverse, mode: "match") == [patientId])
        #expect(entries(reverse, mode: "include") == ["Observation/\(observationId)"])
    }

    @Test func sortPagingAndTotals() async throws {
        let client = try await FHIRTestClient.make()
        let patientId = try await create(client, patient(family: uniqueId("p")))
        var created: [String] = []
        for hour in 0..<7 {
            created.append(try await create(client, observation(patient: patientId, effective: "2024-05-01T0\(hour):00:00Z")))
        }
        let newestFirst = Array(created.reversed())
        let query = "/fhir/Observation?patient=\(patientId)&code=http://loinc.org|8867-4&_sort=-date&_count=3&_total=accurate"
        var seen: [String] = []
        var next: String? = query
        var pages = 0
        while let uri = next {
            let response = try await client.send(.get, uri)
            try #require(response.status == .ok, "\(response.diagnostics)")
            seen += entries(response, mode: "match")
            if pages == 0 {
                #expect(response.object["total"] == .number("7"))
                // A reading written between pages sorts before the cursor and never shows up in later pages.
                created.append(try await create(client, observation(patient: patientId, effective: "2024-05-02T00:00:00Z")))
            }
            pages += 1
            next = (response.object["link"]?.arrayValue ?? []).first { $0["relation"] == "next" }?["url"]?.stringValue
                .map { $0.replacingOccurrences(of: "http://vesta.test", with: "") }
        }
        #expect(seen == newestFirst)
        #expect(pages == 3)
        let ascending = try await matches(client, "/fhir/Observation?patient=\(patientId)&_sort=date,_id")
        #expect(ascending == Array(created.prefix(7)) + [created[7]])
        let count = try await client.send(.get, "/fhir/Observation?patient=\(patientId)&_summary=count")
        #expect(count.object["total"] == .number("8"))
        #expect(count.object["entry"] == nil)
    }

    /// Previous links walk back through exactly the pages next links walked forward, also
    /// over a sort key some resources have no value for (they come last).
    @Test func previousLinksRetraceThePages() async throws {
        let client = try await FHIRTestClient.make()
        let patientId = try await create(client, patient(family: uniqueId("pv")))
        for minute in 0..<5 {
            try await create(client, observation(patient: patientId, effective: "2024-11-01T10:0\(minute):00Z"))
        }
        for _ in 0..<2 {
            var undated = observation(patient: patientId, effective: "2024-11-01T10:00:00Z").objectValue ?? JSONObject()
            undated["effectiveDateTime"] = nil
            try await create(client, .object(undated))
        }
        func link(_ response: FHIRTestResponse, _ relation: String) -> String? {
            (response.object["link"]?.arrayValue ?? []).first { $0["relation"] == .string(relation) }?["url"]?.stringValue
                .map { $0.replacingOccurrences(of: "http://vesta.test", with: "") }
        }
        var forward: [[String]] = []
        var last: FHIRTestResponse?
        var next: String? = "/fhir/Observation?patient=\(patientId)&_sort=date&_count=3"
        while let uri = next {
            let response = try await client.send(.get, uri)
            forward.append(entries(response, mode: "match"))
            last = response
            next = link(response, "next")
        }
        #expect(forward.map(\.count) == [3, 3, 1])
        var backward: [[String]] = []
        var previous = link(try #require(last), "previous")
        while let uri = previous {
            let response = try await client.send(.get, uri)
            backward.insert(entries(response, mode: "match"), at: 0)
            previous = link(response, "previous")
        }
        #expect(backward == Array(forward.dropLast()), "\(backward) vs \(forward)")
    }

    @Test func deletedAndUpdatedResourcesAreReindexed() async throws {
        let client = try await FHIRTestClient.make()
        let family = uniqueId("u")
        let id = try await create(client, patient(family: family))
        var updated = patient(family: family + "x", gender: "male").objectValue ?? JSONObject()
        updated["id"] = .string(id)
        #expect(try await client.send(.put, "/fhir/Patient/\(id)", json: .object(updated)).status == .ok)
        #expect(try await matches(client, "/fhir/Patient?family:exact=\(family)").isEmpty)
        #expect(try await matches(client, "/fhir/Patient?family:exact=\(family)x&gender=male") == [id])
        #expect(try await client.send(.delete, "/fhir/Patient/\(id)").status == .noContent)
        #expect(try await matches(client, "/fhir/Patient?family=\(family)").isEmpty)
        #expect(try await client.count("SELECT count(*) FROM sp_string s JOIN r_patient r ON r.key = s.key WHERE r.id = '\(id)'") == 0)
    }

    /// An update rewrites only the index rows that changed (migration 0014); what remains must
    /// be exactly the rows a fresh create of the new content has, table by table.
    @Test func anUpdatedResourceHasTheIndexRowsOfItsNewContent() async throws {
        let client = try await FHIRTestClient.make()
        func observation(_ id: String, status: String, systolic: Int, diastolic: Int, time: String) -> JSONValue {
            ["resourceType": "Observation", "id": .string(id), "status": .string(status),
             "code": ["coding": [["system": "http://loinc.org", "code": "85354-9"]], "text": "Blood pressure"],
             "subject": ["reference": "Patient/diff-p1"], "effectiveDateTime": .string(time),
             "component": [
                ["code": ["coding": [["system": "http://loinc.org", "code": "8480-6"]]],
                 "valueQuantity": ["value": .number(String(systolic)), "system": "http://unitsofmeasure.org", "code": "mm[Hg]"]],
                ["code": ["coding": [["system": "http://loinc.org", "code": "8462-4"]]],
                 "valueQuantity": ["value": .number(String(diastolic)), "system": "http://unitsofmeasure.org", "code": "mm[Hg]"]],
             ]]
        }
        let updated = uniqueId("diff"), fresh = uniqueId("diff")
        #expect(try await client.send(.put, "/fhir/Observation/\(updated)",
                                      json: observation(updated, status: "preliminary", systolic: 120, diastolic: 80, time: "2026-01-01T10:00:00Z")).status == .created)
        #expect(try await client.send(.put, "/fhir/Observation/\(updated)",
                                      json: observation(updated, status: "final", systolic: 120, diastolic: 85, time: "2026-01-01T10:05:00Z")).status == .ok)
        #expect(try await client.send(.put, "/fhir/Observation/\(fresh)",
                                      json: observation(fresh, status: "final", systolic: 120, diastolic: 85, time: "2026-01-01T10:05:00Z")).status == .created)
        let tables = ["sp_token": "pid, grp, kind, system, code", "sp_quantity": "pid, grp, system, code, unit, lo, hi",
                      "sp_reference": "pid, grp, target_type, target_id, url", "sp_date": "pid, grp, lo, hi",
                      "sp_string": "pid, grp, norm, exact", "observation_timeline": "subject, code, hi, lo"]
        for (table, columns) in tables {
            func rows(_ id: String) -> String {
                "SELECT \(columns) FROM \(table) WHERE key = (SELECT key FROM r_observation WHERE id = '\(id)')"
            }
            let rowCount = try await client.count("SELECT count(*) FROM (\(rows(fresh))) AS r")
            let difference = try await client.count(
                "SELECT count(*) FROM ((\(rows(updated)) EXCEPT ALL \(rows(fresh))) UNION ALL (\(rows(fresh)) EXCEPT ALL \(rows(updated)))) AS d")
            #expect(difference == 0, "\(table): the updated resource's rows differ from a fresh create's (\(rowCount) rows)")
        }
        #expect(try await client.count("SELECT count(*) FROM sp_token WHERE key = (SELECT key FROM r_observation WHERE id = '\(fresh)')") > 0)
        // The changed values are searchable, the old ones no longer.
        #expect(try await matches(client, "/fhir/Observation?_id=\(updated)&component-value-quantity=85") == [updated])
        #expect(try await matches(client, "/fhir/Observation?_id=\(updated)&component-value-quantity=80").isEmpty)
        #expect(try await matches(client, "/fhir/Observation?_id=\(updated)&status=preliminary").isEmpty)
    }

    /// On a database of its own: reindexing every Patient while other tests write Patients
    /// would race their writes (see `ResourceStore.reindex`).
    @Test func reindexRestoresLostIndexRows() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        let family = uniqueId("ri")
        let id = try await create(client, patient(family: family))
        _ = try await client.count("WITH gone AS (DELETE FROM sp_string WHERE key = (SELECT key FROM r_patient WHERE id = '\(id)') RETURNING 1) SELECT count(*) FROM gone")
        #expect(try await matches(client, "/fhir/Patient?family=\(family)").isEmpty)
        #expect(try await client.store.reindex(type: "Patient") >= 1)
        #expect(try await matches(client, "/fhir/Patient?family=\(family)") == [id])
        #expect(try await matches(client, "/fhir/Patient?family=\(family)&gender=female") == [id])
    }

    @Test func strictAndLenientHandling() async throws {
        let client = try await FHIRTestClient.make()
        let family = uniqueId("h")
        let id = try await create(client, patient(family: family))
        let lenient = try await client.send(.get, "/fhir/Patient?family=\(family)&banana=1")
        #expect(entries(lenient, mode: "match") == [id])
        let selfLink = (lenient.object["link"]?.arrayValue ?? []).first { $0["relation"] == "self" }?["url"]?.stringValue ?? ""
        #expect(selfLink.contains("family=\(family)"))
        #expect(!selfLink.contains("banana"))
        let strict = try await client.send(.get, "/fhir/Patient?family=\(family)&banana=1", headers: [.prefer: "handling=strict"])
        #expect(strict.status == .badRequest)
        #expect(strict.diagnostics.contains("banana"))
        let posted = try await client.send(.post, "/fhir/Patient/_search", body: "family=\(family)",
                                           headers: [.contentType: "application/x-www-form-urlencoded"])
        #expect(entries(posted, mode: "match") == [id], "\(posted.status) \(posted.text)")
    }

    @Test func systemSearchAcrossTypesPagesTypeAfterType() async throws {
        let client = try await FHIRTestClient.make()
        let tag = uniqueId("tag")
        let meta: JSONValue = ["tag": [["system": "urn:test", "code": .string(tag)]]]
        var tagged = patient(family: uniqueId("s")).objectValue ?? JSONObject()
        tagged["meta"] = meta
        let patientId = try await create(client, .object(tagged))
        var reading = observation(patient: patientId, effective: "2024-09-01T10:00:00Z").objectValue ?? JSONObject()
        reading["meta"] = meta
        let observationId = try await create(client, .object(reading))
        var seen: [String] = []
        var next: String? = "/fhir?_type=Patient,Observation&_tag=urn:test|\(tag)&_count=1"
        while let uri = next {
            let response = try await client.send(.get, uri)
            try #require(response.status == .ok, "\(response.diagnostics)")
            seen += entries(response, mode: "match")
            next = (response.object["link"]?.arrayValue ?? []).first { $0["relation"] == "next" }?["url"]?.stringValue
                .map { $0.replacingOccurrences(of: "http://vesta.test", with: "") }
        }
        #expect(seen == [patientId, observationId])
        let everyType = try await client.send(.get, "/fhir?_tag=urn:test|\(tag)&_total=accurate")
        #expect(Set(entries(everyType, mode: "match")) == [patientId, observationId])
        #expect(everyType.object["total"] == .number("2"))
        let notEverywhere = try await client.send(.get, "/fhir?family=x")
        #expect(notEverywhere.status == .badRequest)
    }

    @Test func nestedReverseChainAndTotals() async throws {
        let client = try await FHIRTestClient.make()
        let family = uniqueId("n")
        var person = patient(family: family).objectValue ?? JSONObject()
        person["communication"] = [["language": ["text": "English"]]]  // not a summary element
        let patientId = try await create(client, .object(person))
        let encounter = try await create(client, ["resourceType": "Encounter", "status": "finished",
                                                   "class": ["system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"],
                                                   "subject": ["reference": .string("Patient/\(patientId)")]])
        var reading = observation(patient: patientId, effective: "2024-10-01T10:00:00Z").objectValue ?? JSONObject()
        reading["encounter"] = ["reference": .string("Encounter/\(encounter)")]
        _ = try await create(client, .object(reading))
        #expect(try await matches(client, "/fhir/Patient?family=\(family)&_has:Encounter:patient:_has:Observation:encounter:code=8867-4") == [patientId])
        #expect(try await matches(client, "/fhir/Patient?family=\(family)&_has:Encounter:patient:_has:Observation:encounter:code=1-1").isEmpty)
        let estimate = try await client.send(.get, "/fhir/Patient?family=\(family)&_total=estimate")
        guard case .number? = estimate.object["total"] else {
            Issue.record("_total=estimate gave no total: \(estimate.text)")
            return
        }
        let summary = try await client.send(.get, "/fhir/Patient?family=\(family)&_summary=true")
        let resource = summary.object["entry"]?.arrayValue?.first?["resource"]
        #expect(resource?["meta"]?["tag"]?.arrayValue?.contains { $0["code"] == "SUBSETTED" } == true)
        #expect(resource?["communication"] == nil)
        #expect(resource?["birthDate"] == "1970-05-17")
        let elements = try await client.send(.get, "/fhir/Patient?family=\(family)&_elements=gender")
        let projected = elements.object["entry"]?.arrayValue?.first?["resource"]
        #expect(projected?["gender"] == "female")
        #expect(projected?["name"] == nil)
    }

    // MARK: Operations

    @Test func lastNGivesTheNewestPerCode() async throws {
        let client = try await FHIRTestClient.make()
        let patientId = try await create(client, patient(family: uniqueId("l")))
        var heartRates: [String] = []
        for minute in 0..<4 {
            heartRates.append(try await create(client, observation(patient: patientId, effective: "2024-07-01T10:0\(minute):00Z")))
        }
        let pressure = try await create(client, observation(patient: patientId, code: "8480-6", effective: "2024-07-01T09:00:00Z"))
        let newest = try await matches(client, "/fhir/Observation/$lastn?patient=\(patientId)&max=2")
        #expect(newest == [pressure, heartRates[3], heartRates[2]])  // by code, newest first within a code
        let filtered = try await matches(client, "/fhir/Observation/$lastn?patient=\(patientId)&code=8480-6")
        #expect(filtered == [pressure])
        let noPatient = try await client.send(.get, "/fhir/Observation/$lastn?code=8480-6")
        #expect(noPatient.status == .badRequest)
    }

    @Test func everythingPagesThroughTheCompartment() async throws {
        let client = try await FHIRTestClient.make()
        let patientId = try await create(client, patient(family: uniqueId("e")))
        var members: Set<String> = ["Patient/\(patientId)"]
        for minute in 0..<3 {
            let id = try await create(client, observation(patient: patientId, effective: "2024-08-01T10:0\(minute):00Z"))
            members.insert("Observation/\(id)")
        }
        let condition = try await create(client, [
            "resourceType": "Condition", "subject": ["reference": .string("Patient/\(patientId)")],
            "code": ["text": "hypertension"],
        ])
        members.insert("Condition/\(condition)")
        _ = try await create(client, observation(patient: try await create(client, patient(family: uniqueId("e"))), effective: "2024-08-01T10:00:00Z"))
        var seen: [String] = []
        var next: String? = "/fhir/Patient/\(patientId)/$everything?_count=2"
        while let uri = next {
            let response = try await client.send(.get, uri)
            try #require(response.status == .ok, "\(response.diagnostics)")
            seen += (response.object["entry"]?.arrayValue ?? []).compactMap {
                guard let type = $0["resource"]?["resourceType"]?.stringValue, let id = $0["resource"]?["id"]?.stringValue else { return nil }
                return "\(type)/\(id)"
            }
            next = (response.object["link"]?.arrayValue ?? []).first { $0["relation"] == "next" }?["url"]?.stringValue
                .map { $0.replacingOccurrences(of: "http://vesta.test", with: "") }
        }
        #expect(seen.count == members.count)
        #expect(Set(seen) == members)
        let onlyConditions = try await client.send(.get, "/fhir/Patient/\(patientId)/$everything?_type=Condition")
        #expect((onlyConditions.object["entry"]?.arrayValue ?? []).count == 1)
    }

    // MARK: Conditional interactions

    @Test func conditionalCreateUpdatePatchDelete() async throws {
        let client = try await FHIRTestClient.make()
        let system = "urn:test:\(uniqueId())"
        let resource = patient(family: "Cond", identifier: (system, "1"))
        let first = try await client.send(.post, "/fhir/Patient", json: resource, headers: [.ifNoneExist: "identifier=\(system)|1"])
        #expect(first.status == .created)
        let again = try await client.send(.post, "/fhir/Patient", json: resource, headers: [.ifNoneExist: "identifier=\(system)|1"])
        #expect(again.status == .ok)
        #expect(again.object["id"] == first.object["id"])
        let update = try await client.send(.put, "/fhir/Patient?identifier=\(system)|1", json: patient(family: "Cond", identifier: (system, "1"), gender: "male"))
        #expect(update.status == .ok)
        #expect(update.object["id"] == first.object["id"])
        let patch = try await client.send(.patch, "/fhir/Patient?identifier=\(system)|1",
                                          body: #"[{"op":"replace","path":"/gender","value":"other"}]"#,
                                          headers: [.contentType: "application/json-patch+json"])
        #expect(patch.status == .ok)
        #expect(patch.object["gender"] == "other")
        _ = try await create(client, patient(family: "Cond", identifier: (system, "1")))
        let ambiguous = try await client.send(.delete, "/fhir/Patient?identifier=\(system)|1")
        #expect(ambiguous.status == .preconditionFailed)
        let unknownParameter = try await client.send(.delete, "/fhir/Patient?banana=\(system)")
        #expect(unknownParameter.status == .badRequest)
        let created = try await client.send(.put, "/fhir/Patient?identifier=\(system)|2", json: patient(family: "Cond", identifier: (system, "2")))
        #expect(created.status == .created)
        #expect(try await client.send(.delete, "/fhir/Patient?identifier=\(system)|2").status == .noContent)
        #expect(try await matches(client, "/fhir/Patient?identifier=\(system)|2").isEmpty)
    }

    // MARK: Plans

    /// The plan of the server's own statement for `query`, over `client`'s database.
    private func plan(_ client: FHIRTestClient, _ query: String) async throws -> String {
        let parsed = try SearchQueryParser(registry: client.store.registry, resourceTypes: Set(client.environment.definitions.resourceTypes))
            .parse(resourceType: "Observation", parameters: RequestParsingForTests.pairs(query), strict: true)
        let statement = try client.store.pageStatement(parsed, count: 10)
        let rows = try await client.environment.client.query(PostgresQuery(unsafeSQL: "EXPLAIN " + statement.sql, binds: statement.binds))
        var lines: [String] = []
        for try await line in rows.decode(String.self) { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    /// The remote-monitoring query is one ordered range scan of the patient's timeline, and a
    /// population query one ordered range scan by code, whatever the table holds: checked on
    /// 60,000 timeline rows (10 patients, 6 codes: 1,000 readings per patient and code) with
    /// fresh statistics.
    @Test func timelineQueriesAreOrderedIndexScans() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        _ = try await client.count(
            """
            WITH observations AS (
                INSERT INTO r_observation (key, id, version, last_updated, body)
                SELECT i, 'o' || i, 1, now(), '{}'::jsonb FROM generate_series(1, 60000) AS i RETURNING key
            ), timeline AS (
                INSERT INTO observation_timeline (subject, code, hi, lo, key)
                SELECT 'Patient/p' || (key % 10), 'http://loinc.org|' || (key % 6), now() - key * interval '1 minute',
                       now() - key * interval '1 minute' - interval '1 second', key FROM observations RETURNING 1
            )
            SELECT count(*) FROM timeline
            """)
        try await client.environment.client.query("ANALYZE observation_timeline")
        try await client.environment.client.query("ANALYZE r_observation")

        let rpm = try await plan(client, "patient=p7&code=http://loinc.org|1&date=ge2020-01-01&_sort=-date")
        #expect(rpm.contains("Scan Backward using observation_timeline_order"), "\(rpm)")
        #expect(!rpm.contains("Sort "), "\(rpm)")
        let population = try await plan(client, "code=http://loinc.org|1&date=ge2026-01-01")
        #expect(population.contains("Scan Backward using observation_timeline_code"), "\(population)")
        #expect(!population.contains("Sort "), "\(population)")
        // Every row was written "now": a window of the last minute holds them all, one in the
        // past holds none, and both read the last_updated index in order rather than every key.
        let changes = try await plan(client, "_lastUpdated=ge2020-01-01&_lastUpdated=lt2020-01-02")
        #expect(changes.contains("r_observation_last_updated"), "\(changes)")
    }

    /// An update replaces every index row of the resource (the timeline's too) and a delete
    /// removes them all: what a new version no longer says is no longer found.
    @Test func updatesReplaceAndDeletesRemoveEveryIndexRow() async throws {
        let client = try await FHIRTestClient.make()
        let patient = uniqueId("pat")
        let code = uniqueId("code")
        func observation(_ code: String, _ value: Int, _ time: String, id: String? = nil) -> JSONValue {
            var resource: JSONObject = [
                "resourceType": "Observation", "status": "final", "subject": ["reference": .string("Patient/\(patient)")],
                "code": ["coding": [["system": "urn:test:codes", "code": .string(code)]]], "effectiveDateTime": .string(time),
                "valueQuantity": ["value": .number(String(value)), "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"]]
            if let id { resource["id"] = .string(id) }
            return .object(resource)
        }
        let id = try await create(client, observation(code, 70, "2026-03-01T10:00:00Z"))
        let key = try await client.count("SELECT key FROM r_observation WHERE id = '\(id)'")
        func rows() async throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for table in ["sp_token", "sp_string", "sp_date", "sp_number", "sp_quantity", "sp_reference", "sp_uri", "sp_blind", "observation_timeline"] {
                counts[table] = try await client.count("SELECT count(*) FROM \(table) WHERE key = \(key)")
            }
            return counts
        }
        let created = try await rows()
        #expect((created["sp_token"] ?? 0) > 0 && (created["sp_quantity"] ?? 0) > 0 && created["observation_timeline"] == 1, "\(created)")

        let renamed = uniqueId("code")
        let updated = observation(renamed, 90, "2026-03-02T10:00:00Z", id: id)
        #expect(try await client.send(.put, "/fhir/Observation/\(id)", json: updated).status == .ok)
        #expect(try await rows() == created, "the new version has as many rows as the first, not both versions' rows")
        #expect(try await matches(client, "/fhir/Observation?code=urn:test:codes|\(code)").isEmpty)
        #expect(try await matches(client, "/fhir/Observation?code=urn:test:codes|\(renamed)&value-quantity=90") == [id])
        #expect(try await matches(client, "/fhir/Observation?patient=\(patient)&code=urn:test:codes|\(renamed)&date=ge2026-03-02&_sort=-date") == [id])
        #expect(try await matches(client, "/fhir/Observation?value-quantity=70&code=urn:test:codes|\(renamed)").isEmpty)

        #expect(try await client.send(.delete, "/fhir/Observation/\(id)").status == .noContent)
        #expect(try await rows().values.allSatisfy { $0 == 0 }, "a tombstone has no index rows")
    }
}

/// Query strings as the server reads them, for tests that call the parser directly.
enum RequestParsingForTests {
    static func pairs(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&").map { piece in
            let parts = piece.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }
}
