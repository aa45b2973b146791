import FHIRCore
import FHIRSearch
import Testing

/// Data types and reference shapes the official examples do not cover, on small resources.
@Suite struct SyntheticIndexTests {
    @Test func timingSpansItsEventsAndBounds() throws {
        let request: JSONValue = ["resourceType": "ServiceRequest", "occurrenceTiming": [
            "event": ["2020-03-05T10:00:00Z", "2020-03-01", "2020-03-02T08:00:00Z"],
        ]]
        #expect(try TestData.values("occurrence", in: request) == [.date(SearchDateRange(
            low: try TestData.instant("2020-03-01T00:00:00Z"), high: try TestData.instant("2020-03-05T10:00:01Z")))])
        let bounded: JSONValue = ["resourceType": "ServiceRequest", "occurrenceTiming": [
            "event": ["2020-03-05"], "repeat": ["boundsPeriod": ["start": "2020-01-01", "end": "2020-02-01"]],
        ]]
        #expect(try TestData.values("occurrence", in: bounded) == [.date(SearchDateRange(
            low: try TestData.instant("2020-01-01T00:00:00Z"), high: try TestData.instant("2020-03-06T00:00:00Z")))])
    }

    @Test func quantityShapes() throws {
        let observation: JSONValue = ["resourceType": "Observation", "valueQuantity": [
            "value": .number("5.40"), "comparator": "<", "system": "http://unitsofmeasure.org", "code": "mg",
        ]]
        #expect(try TestData.values("value-quantity", in: observation) == [.quantity(SearchQuantity(
            number: SearchNumber(lexeme: nil, low: nil, high: try TestData.decimal("5.405")),
            system: "http://unitsofmeasure.org", code: "mg", unit: nil))])
        let range: JSONValue = ["resourceType": "Observation", "valueRange": [
            "low": ["value": 2, "code": "h"], "high": ["value": .number("4.5"), "code": "h"],
        ]]
        // `value-quantity` reads `value as Quantity`: a valueRange is not selected.
        #expect(try TestData.values("value-quantity", in: range).isEmpty)
        let claim: JSONValue = ["resourceType": "ChargeItem", "priceOverride": ["value": .number("12.50"), "currency": "EUR"]]
        #expect(try TestData.values("price-override", in: claim) == [.quantity(SearchQuantity(
            number: SearchNumber(lexeme: "12.50", low: try TestData.decimal("12.495"), high: try TestData.decimal("12.505")),
            system: "urn:iso:std:iso:4217", code: "EUR", unit: nil))])
    }

    @Test func rangeInAComposite() throws {
        let valueSet: JSONValue = ["resourceType": "ValueSet", "useContext": [[
            "code": ["system": "http://terminology.hl7.org/CodeSystem/usage-context-type", "code": "age"],
            "valueRange": ["low": ["value": 2, "code": "a"], "high": ["value": .number("4.5")]],
        ]]]
        #expect(try TestData.values("context-type-quantity", in: valueSet) == [.composite([
            .token(system: "http://terminology.hl7.org/CodeSystem/usage-context-type", code: "age", display: nil),
            .quantity(SearchQuantity(number: SearchNumber(lexeme: nil, low: try TestData.decimal("1.5"), high: try TestData.decimal("4.55")),
                                     system: nil, code: "a", unit: nil)),
        ])])
    }

    @Test func referenceShapes() throws {
        let observation: JSONValue = ["resourceType": "Observation", "id": "o1",
                                      "basedOn": [["reference": "ServiceRequest/sr1/_history/3"],
                                                  ["reference": "http://other.org/fhir/CarePlan/cp1"],
                                                  ["reference": "urn:uuid:6c6f4a1c-0b4a-4b8e-9f1e-0c6e3f0b1a2d", "type": "MedicationRequest"],
                                                  ["identifier": ["system": "http://acme.org/orders", "value": "A-7"]],
                                                  ["display": "an order we only know by name"]]]
        #expect(try TestData.values("based-on", in: observation) == [
            .reference(.relative(type: "ServiceRequest", id: "sr1", version: "3")),
            .reference(.url("http://other.org/fhir/CarePlan/cp1", type: "CarePlan", id: "cp1", version: nil)),
            .reference(.url("urn:uuid:6c6f4a1c-0b4a-4b8e-9f1e-0c6e3f0b1a2d", type: "MedicationRequest", id: nil, version: nil)),
            .token(system: "http://acme.org/orders", code: "A-7", display: nil),
        ])
        let response: JSONValue = ["resourceType": "QuestionnaireResponse", "questionnaire": "http://acme.org/Questionnaire/intake|2.1"]
        #expect(try TestData.values("questionnaire", in: response) == [.reference(.canonical("http://acme.org/Questionnaire/intake", version: "2.1"))])
    }

    @Test func uriAndProfiles() throws {
        let valueSet: JSONValue = ["resourceType": "ValueSet", "url": "http://acme.org/ValueSet/colours",
                                   "meta": ["profile": ["http://hl7.org/fhir/StructureDefinition/shareablevalueset|4.0.1"],
                                            "tag": [["system": "http://acme.org/tags", "code": "t1"]],
                                            "source": "http://acme.org/feeds/1"]]
        #expect(try TestData.values("url", in: valueSet) == [.uri("http://acme.org/ValueSet/colours", version: nil)])
        #expect(try TestData.values("_profile", in: valueSet) == [.uri("http://hl7.org/fhir/StructureDefinition/shareablevalueset", version: "4.0.1")])
        #expect(try TestData.values("_tag", in: valueSet) == [.token(system: "http://acme.org/tags", code: "t1", display: nil)])
        #expect(try TestData.values("_source", in: valueSet) == [.uri("http://acme.org/feeds/1", version: nil)])
    }

    @Test func numberParameter() throws {
        let assessment: JSONValue = ["resourceType": "RiskAssessment", "prediction": [["probabilityDecimal": .number("0.02")]]]
        #expect(try TestData.values("probability", in: assessment) == [.number(SearchNumber(
            lexeme: "0.02", low: try TestData.decimal("0.015"), high: try TestData.decimal("0.025")))])
    }

    /// `patient` and `code` are unions over many types (`... | Condition.subject.where(resolve()
    /// is Patient) | ... | Observation.subject.where(resolve() is Patient) | ...`): only the
    /// indexed type's branch selects anything.
    @Test func unionsTakeOnlyTheIndexedTypesBranch() throws {
        let observation: JSONValue = ["resourceType": "Observation", "subject": ["reference": "Group/g1"]]
        #expect(try TestData.values("patient", in: observation).isEmpty)
        #expect(try TestData.values("subject", in: observation) == [.reference(.relative(type: "Group", id: "g1", version: nil))])
        let condition: JSONValue = ["resourceType": "Condition", "subject": ["reference": "Patient/p1"],
                                    "code": ["coding": [["system": "http://snomed.info/sct", "code": "39065001"]]]]
        #expect(try TestData.values("patient", in: condition) == [.reference(.relative(type: "Patient", id: "p1", version: nil))])
        #expect(try TestData.values("code", in: condition) == [.token(system: "http://snomed.info/sct", code: "39065001", display: nil)])
    }

    @Test func notAResource() throws {
        #expect(throws: SearchIndexError.self) { try TestData.indexer().indexValues(for: ["id": "x"]) }
    }
}
