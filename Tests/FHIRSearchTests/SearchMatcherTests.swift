import FHIRCore
import FHIRSearch
import Testing

/// The in-memory matcher against real criteria (parsed by `SearchQueryParser`) and real index
/// entries (from `SearchIndexer` over `conformance/`). Every case is asserted both ways.
@Suite struct SearchMatcherTests {
    // MARK: Helpers

    /// `Type?query`, written decoded, evaluated on `resource`; also checks that indexing the
    /// resource for only the parameters the criteria read (as the subscription matcher does)
    /// gives the same verdict.
    func verdict(_ criteria: String, _ resource: JSONValue) throws -> SearchMatch {
        let parts = criteria.split(separator: "?", maxSplits: 1)
        let pairs = parts[1].split(separator: "&").map { pair in
            let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (name: String(nameValue[0]), value: nameValue.count > 1 ? String(nameValue[1]) : "")
        }
        let parser = SearchQueryParser(registry: try TestData.registry.get(), resourceTypes: SearchQueryParserTests.resourceTypes)
        let query = try parser.parse(resourceType: String(parts[0]), parameters: pairs, strict: true)
        let indexer = try TestData.indexer()
        let verdict = SearchMatcher().match(query.criteria, entries: try indexer.indexValues(for: resource))
        let codes = SearchMatcher.parameterCodes(of: query.criteria)
        let fromReadParameters = SearchMatcher().match(query.criteria, entries: try indexer.indexValues(for: resource, only: codes))
        #expect(fromReadParameters == verdict, "\(criteria) indexed for \(codes.sorted()) only")
        return verdict
    }

    /// Each of `matching` matches `resource`, each of `notMatching` does not.
    func check(
        _ resource: JSONValue, matching: [String], notMatching: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for criteria in matching {
            #expect(try verdict(criteria, resource) == .matches, "\(criteria)", sourceLocation: sourceLocation)
        }
        for criteria in notMatching {
            #expect(try verdict(criteria, resource) == .doesNotMatch, "\(criteria)", sourceLocation: sourceLocation)
        }
    }

    static func resource(_ json: String) throws -> JSONValue {
        try JSONReader.parse([UInt8](json.utf8))
    }

    /// Heart rate 125 /min of Patient/p1 at 2020-03-15T10:30:00Z (second precision).
    static func heartRate(value: String = "125", loinc: String = "8867-4") throws -> JSONValue {
        try resource("""
            {"resourceType": "Observation", "id": "hr1", "meta": {"lastUpdated": "2024-05-01T10:00:00.123Z"},
             "status": "final", "identifier": [{"system": "urn:sys", "value": "obs-1"}],
             "code": {"coding": [{"system": "http://loinc.org", "code": "\(loinc)", "display": "Heart rate"}], "text": "Heart rate"},
             "subject": {"reference": "Patient/p1"},
             "performer": [{"reference": "http://other.example/fhir/Practitioner/dr1"}],
             "encounter": {"identifier": {"system": "urn:enc", "value": "E1"}},
             "effectiveDateTime": "2020-03-15T10:30:00Z",
             "valueQuantity": {"value": \(value), "unit": "beats/minute", "system": "http://unitsofmeasure.org", "code": "/min"}}
            """)
    }

    static func patient() throws -> JSONValue {
        try resource("""
            {"resourceType": "Patient", "id": "p1",
             "meta": {"lastUpdated": "2024-05-01T10:00:00.123Z", "profile": ["http://example.org/fhir/StructureDefinition/patient|1.0"]},
             "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}],
                                      "text": "Medical record number"},
                             "system": "urn:oid:1.2.36", "value": "12345"}],
             "active": true, "name": [{"family": "Müller", "given": ["Élodie", "Anne"]}], "gender": "female",
             "birthDate": "1974-12-25", "generalPractitioner": [{"reference": "Practitioner/dr1"}]}
            """)
    }

    // MARK: The issue's example

    @Test func issueExample() throws {
        let criteria = "Observation?code=http://loinc.org|8867-4&value-quantity=gt120"
        #expect(try verdict(criteria, Self.heartRate()) == .matches)
        #expect(try verdict(criteria, Self.heartRate(value: "110")) == .doesNotMatch)
        #expect(try verdict(criteria, Self.heartRate(loinc: "8480-6")) == .doesNotMatch)
    }

    // MARK: Token

    @Test func tokenForms() throws {
        try check(
            try Self.heartRate(),
            matching: [
                "Observation?code=http://loinc.org|8867-4", "Observation?code=8867-4", "Observation?code=http://loinc.org|",
                "Observation?code=1234-5,8867-4", "Observation?status=|final", "Observation?status=final",
                "Observation?identifier=urn:sys|obs-1",
            ],
            notMatching: [
                "Observation?code=http://loinc.org|8480-6", "Observation?code=http://snomed.info/sct|", "Observation?code=|8867-4",
                "Observation?code=8867", "Observation?status=http://hl7.org/fhir/observation-status|final",
                "Observation?identifier=urn:other|obs-1",
            ]
        )
    }

    @Test func tokenNot() throws {
        // `:not`: no value of the parameter matches, so a resource without the parameter matches.
        try check(
            try Self.heartRate(),
            matching: ["Observation?code:not=http://loinc.org|8480-6", "Observation?status:not=amended", "Observation?method:not=x"],
            notMatching: ["Observation?code:not=8867-4", "Observation?status:not=amended,final", "Observation?code:not=http://loinc.org|"]
        )
    }

    @Test func tokenTextAndOfType() throws {
        try check(
            try Self.heartRate(),
            matching: ["Observation?code:text=heart", "Observation?code:text=HEART R"],
            notMatching: ["Observation?code:text=rate", "Observation?code:text=8867-4"]
        )
        let ofType = "Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|"
        try check(
            try Self.patient(),
            matching: [ofType + "12345", "Patient?identifier:text=medical", "Patient?identifier=urn:oid:1.2.36|12345"],
            notMatching: [
                ofType + "99999", "Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|SS|12345",
                "Patient?identifier:text=record", "Patient?identifier=|12345",
            ]
        )
    }

    // MARK: String

    @Test func strings() throws {
        try check(
            try Self.patient(),
            matching: [
                "Patient?family=mul", "Patient?family=MÜLLER", "Patient?given=elo", "Patient?name=anne",
                "Patient?family:contains=ller", "Patient?family:exact=Müller",
            ],
            notMatching: [
                "Patient?family=ller", "Patient?given=anna", "Patient?family:contains=xyz", "Patient?family:exact=muller",
                "Patient?family:exact=Mül",
                // Decomposed ü: canonically equivalent in Swift, different bytes for PostgreSQL.
                "Patient?family:exact=Mu\u{308}ller",
            ]
        )
    }

    // MARK: Date

    @Test func datePrefixes() throws {
        try check(
            try Self.heartRate(),
            matching: [
                "Observation?date=2020", "Observation?date=2020-03", "Observation?date=2020-03-15T10:30:00Z",
                "Observation?date=gt2020-03-14", "Observation?date=lt2020-03-16", "Observation?date=ge2020-03",
                "Observation?date=le2020-03", "Observation?date=sa2020-02", "Observation?date=eb2020-04",
                "Observation?date=ne2020-04", "Observation?date=ap2020-03-15",
            ],
            notMatching: [
                "Observation?date=2020-04",
                // A millisecond inside the value's second does not contain the second.
                "Observation?date=2020-03-15T10:30:00.500Z",
                "Observation?date=gt2020-03", "Observation?date=lt2020-03", "Observation?date=ge2020-04",
                "Observation?date=le2020-02", "Observation?date=sa2020-03", "Observation?date=eb2020-03",
                "Observation?date=ne2020-03", "Observation?date=ap2010",
            ]
        )
    }

    @Test func datePrecisionAndOpenPeriods() throws {
        try check(
            try Self.patient(),
            matching: ["Patient?birthdate=1974", "Patient?birthdate=1974-12-25", "Patient?birthdate=ge1974-12-25T10:00:00Z"],
            notMatching: ["Patient?birthdate=1974-12-25T10:00:00Z", "Patient?birthdate=1974-12-26", "Patient?birthdate=gt1974-12-25"]
        )
        // A Period without an end runs to +infinity.
        let ongoing = try Self.resource("""
            {"resourceType": "Observation", "id": "o2", "status": "final", "code": {"text": "x"},
             "effectivePeriod": {"start": "2020-03-15"}}
            """)
        try check(
            ongoing,
            matching: ["Observation?date=gt2030", "Observation?date=ge2020-03-15", "Observation?date=sa2020-03-14"],
            notMatching: ["Observation?date=lt2020", "Observation?date=2020-03", "Observation?date=eb2030", "Observation?date=sa2020-03-15"]
        )
    }

    @Test func lastUpdatedAndId() throws {
        try check(
            try Self.patient(),
            matching: [
                "Patient?_lastUpdated=2024-05-01", "Patient?_lastUpdated=ge2024-05-01T10:00:00.123Z",
                "Patient?_lastUpdated=gt2024-05-01T10:00:00.122Z", "Patient?_lastUpdated=lt2024-05-02",
                "Patient?_id=p1", "Patient?_id=p0,p1", "Patient?_id:not=p2", "Patient?_id:missing=false",
            ],
            notMatching: [
                "Patient?_lastUpdated=gt2024-05-01", "Patient?_lastUpdated=le2024-05-01T10:00:00.122Z",
                "Patient?_lastUpdated=2024-05-01T10:00:00.124Z", "Patient?_id=p2", "Patient?_id:not=p1",
                "Patient?_id:missing=true",
            ]
        )
        // Without meta.lastUpdated the entries cannot say what the stored row's column holds.
        let unstored = try Self.resource(#"{"resourceType": "Patient", "id": "p9"}"#)
        #expect(try verdict("Patient?_lastUpdated=2024", unstored) == .needsDatabase)
        #expect(try verdict("Patient?_lastUpdated=2024&_id=p1", unstored) == .doesNotMatch)
        // The store answers `:missing` on columns without looking: every stored row has them.
        #expect(try verdict("Patient?_lastUpdated:missing=false", unstored) == .matches)
        #expect(try verdict("Patient?_lastUpdated:missing=true", unstored) == .doesNotMatch)
    }

    // MARK: Number and quantity

    @Test func quantityPrefixes() throws {
        try check(
            try Self.heartRate(),
            matching: [
                "Observation?value-quantity=125", "Observation?value-quantity=125.0", "Observation?value-quantity=1.3e2",
                "Observation?value-quantity=gt120", "Observation?value-quantity=lt130", "Observation?value-quantity=ge125",
                "Observation?value-quantity=le125", "Observation?value-quantity=sa124", "Observation?value-quantity=eb126",
                "Observation?value-quantity=ne124", "Observation?value-quantity=ap130", "Observation?value-quantity=ap114",
            ],
            notMatching: [
                // 1.2e2 stands for [115, 125): 125 is outside.
                "Observation?value-quantity=124", "Observation?value-quantity=1.2e2",
                "Observation?value-quantity=gt125", "Observation?value-quantity=lt125", "Observation?value-quantity=ge126",
                "Observation?value-quantity=le124", "Observation?value-quantity=sa125", "Observation?value-quantity=eb125",
                "Observation?value-quantity=ne125", "Observation?value-quantity=ap140", "Observation?value-quantity=ap113",
            ]
        )
    }

    @Test func quantityUnits() throws {
        try check(
            try Self.heartRate(),
            matching: [
                "Observation?value-quantity=125|http://unitsofmeasure.org|/min", "Observation?value-quantity=125||/min",
                "Observation?value-quantity=125||beats/minute",
            ],
            notMatching: [
                "Observation?value-quantity=125|http://unitsofmeasure.org|mg", "Observation?value-quantity=125|http://snomed.info/sct|/min",
                // With a system, only the coded unit counts.
                "Observation?value-quantity=125|http://unitsofmeasure.org|beats/minute",
                "Observation?value-quantity=124||/min",
            ]
        )
    }

    @Test func numberPrefixes() throws {
        let risk = try Self.resource("""
            {"resourceType": "RiskAssessment", "id": "r1", "status": "final", "subject": {"reference": "Patient/p1"},
             "prediction": [{"probabilityDecimal": 0.25}]}
            """)
        try check(
            risk,
            matching: [
                "RiskAssessment?probability=0.25", "RiskAssessment?probability=0.3", "RiskAssessment?probability=gt0.2",
                "RiskAssessment?probability=ge0.25", "RiskAssessment?probability=le0.25", "RiskAssessment?probability=lt0.3",
                "RiskAssessment?probability=ap0.24", "RiskAssessment?probability=sa0.2", "RiskAssessment?probability=eb0.3",
                "RiskAssessment?probability=ne0.2",
            ],
            notMatching: [
                // 0.2 stands for [0.15, 0.25): 0.25 is outside.
                "RiskAssessment?probability=0.2", "RiskAssessment?probability=0.26", "RiskAssessment?probability=gt0.25",
                "RiskAssessment?probability=lt0.25", "RiskAssessment?probability=ap0.3", "RiskAssessment?probability=sa0.25",
                "RiskAssessment?probability=eb0.25", "RiskAssessment?probability=ne0.25", "RiskAssessment?probability=ge0.26",
                "RiskAssessment?probability=le0.24",
            ]
        )
    }

    // MARK: Reference and uri

    @Test func referenceForms() throws {
        try check(
            try Self.heartRate(),
            matching: [
                "Observation?subject=Patient/p1", "Observation?subject=p1", "Observation?subject:Patient=p1",
                "Observation?performer=http://other.example/fhir/Practitioner/dr1",
                // An absolute reference is also indexed under the type and id its URL ends in.
                "Observation?performer=Practitioner/dr1", "Observation?performer=dr1",
                "Observation?encounter:identifier=urn:enc|E1",
            ],
            notMatching: [
                "Observation?subject=Patient/p2", "Observation?subject=Group/p1", "Observation?subject:Group=p1",
                // The store compares a URL with the stored URL only, and a relative reference has none.
                "Observation?subject=http://other.example/fhir/Patient/p1",
                "Observation?performer=http://else.example/fhir/Practitioner/dr1",
                "Observation?encounter:identifier=urn:enc|E2", "Observation?encounter=E1",
            ]
        )
    }

    @Test func uriAboveAndBelow() throws {
        let profile = "http://example.org/fhir/StructureDefinition/patient"
        try check(
            try Self.patient(),
            matching: [
                "Patient?_profile=\(profile)", "Patient?_profile:below=http://example.org/fhir",
                "Patient?_profile:above=\(profile)/more",
            ],
            notMatching: [
                "Patient?_profile=http://example.org/fhir/StructureDefinition", "Patient?_profile=\(profile)|1.0",
                "Patient?_profile:below=http://example.com", "Patient?_profile:above=http://example.org/other",
            ]
        )
    }

    // MARK: Composite

    @Test func composites() throws {
        try check(
            try Self.heartRate(),
            matching: ["Observation?code-value-quantity=http://loinc.org|8867-4$gt120"],
            notMatching: ["Observation?code-value-quantity=http://loinc.org|8867-4$gt130", "Observation?code-value-quantity=http://loinc.org|8480-6$gt100"]
        )
        try check(
            try Self.heartRate(loinc: "8480-6"),
            matching: ["Observation?code-value-quantity=http://loinc.org|8480-6$gt100"],
            notMatching: ["Observation?code-value-quantity=http://loinc.org|8480-6$lt100"]
        )
        let bloodPressure = try TestData.example("observation-example-bloodpressure.json")
        try check(
            bloodPressure,
            matching: [
                "Observation?component-code-value-quantity=http://loinc.org|8480-6$gt100",
                "Observation?component-code-value-quantity=http://loinc.org|8462-4$60",
                "Observation?combo-code-value-quantity=http://loinc.org|8480-6$gt100",
                "Observation?component-code-value-quantity:missing=false",
            ],
            notMatching: [
                // Code and value must come from the same component.
                "Observation?component-code-value-quantity=http://loinc.org|8462-4$107",
                "Observation?component-code-value-quantity=http://loinc.org|8480-6$gt110",
                "Observation?code-value-quantity=http://loinc.org|8480-6$gt100",
                "Observation?component-code-value-quantity:missing=true",
            ]
        )
        try check(
            try Self.heartRate(),
            matching: ["Observation?component-code-value-quantity:missing=true"],
            notMatching: ["Observation?component-code-value-quantity:missing=false"]
        )
    }

    // MARK: Missing, compartments, chains

    @Test func missing() throws {
        try check(
            try Self.heartRate(),
            matching: [
                "Observation?method:missing=true", "Observation?code:missing=false", "Observation?subject:missing=false",
                // A Reference with only an identifier gives no reference row.
                "Observation?encounter:missing=true",
            ],
            notMatching: ["Observation?method:missing=false", "Observation?code:missing=true", "Observation?encounter:missing=false"]
        )
    }

    @Test func compartment() throws {
        let registry = try TestData.registry.get()
        func criterion(_ ownerType: String, _ ownerId: String) throws -> SearchCriterion {
            let membership = try #require(registry.compartments(for: "Observation").first { $0.compartment == ownerType })
            let parameters = membership.parameterCodes.compactMap { registry.parameter($0, for: "Observation") }
            return .compartment(ownerType: ownerType, ownerId: ownerId, parameters: parameters)
        }
        let (indexer, resource) = (try TestData.indexer(), try Self.heartRate())
        /// The verdict on all entries, checked to be the one on the entries of the parameters the criterion reads.
        func verdict(_ criterion: SearchCriterion) throws -> SearchMatch {
            let verdict = SearchMatcher().match([criterion], entries: try indexer.indexValues(for: resource))
            let read = try indexer.indexValues(for: resource, only: SearchMatcher.parameterCodes(of: [criterion]))
            #expect(SearchMatcher().match([criterion], entries: read) == verdict)
            return verdict
        }
        #expect(try verdict(try criterion("Patient", "p1")) == .matches)
        #expect(try verdict(try criterion("Patient", "p2")) == .doesNotMatch)
        #expect(try verdict(try criterion("Practitioner", "dr1")) == .matches)
        #expect(try verdict(try criterion("Practitioner", "p1")) == .doesNotMatch)
        // performer is a Patient compartment parameter too, but points at a Practitioner.
        #expect(try verdict(try criterion("Patient", "dr1")) == .doesNotMatch)
    }

    @Test func chainsNeedTheDatabase() throws {
        let observation = try Self.heartRate()
        #expect(try verdict("Observation?subject:Patient.name=peter", observation) == .needsDatabase)
        #expect(try verdict("Observation?code=8867-4&subject:Patient.name=peter", observation) == .needsDatabase)
        // Another criterion that fails decides without the database.
        #expect(try verdict("Observation?code=8480-6&subject:Patient.name=peter", observation) == .doesNotMatch)
        #expect(try verdict("Observation?subject:Patient.name=peter&code=8480-6", observation) == .doesNotMatch)
        #expect(try verdict("Patient?_has:Observation:patient:code=8867-4", try Self.patient()) == .needsDatabase)
        #expect(try verdict("Patient?_has:Observation:patient:code=8867-4&gender=male", try Self.patient()) == .doesNotMatch)
        // The store refuses :above/:below on references; the matcher leaves them to it.
        #expect(try verdict("Observation?subject:above=Patient/p1", observation) == .needsDatabase)
    }

    @Test func everyCriterionMustHold() throws {
        try check(
            try Self.patient(),
            matching: ["Patient?family=mul&gender=female&birthdate=1974", "Patient?general-practitioner=Practitioner/dr1&active=true"],
            notMatching: ["Patient?family=mul&gender=male", "Patient?active=false&family=mul"]
        )
    }
}
