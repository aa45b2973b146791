import FHIRCore
import FHIRPath
import Testing

/// The language on small hand-written resources.
@Suite struct LanguageTests {
    static let patient = """
        {"resourceType": "Patient", "id": "p1",
         "contained": [{"resourceType": "Practitioner", "id": "doc", "name": [{"family": "Careful"}]}],
         "name": [{"use": "official", "family": "Chalmers", "given": ["Peter", "James"]},
                  {"use": "maiden", "family": "Windsor", "given": ["Peter", null], "_given": [null, {"extension":
                    [{"url": "http://example.org/note", "valueString": "unknown"}]}]}],
         "telecom": [{"system": "phone", "value": "555"}, {"system": "email", "value": "p@example.org"}],
         "birthDate": "1974-12-25",
         "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                       "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
         "deceasedBoolean": false,
         "generalPractitioner": [{"reference": "#doc"}, {"reference": "Organization/1"}, {"reference": "urn:uuid:0c3151bd"}],
         "multipleBirthInteger": 2}
        """

    static let observation = """
        {"resourceType": "Observation", "id": "o1", "status": "final",
         "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
         "subject": {"reference": "Patient/p1"},
         "effectiveDateTime": "2024-05-01T10:00:00Z",
         "valueQuantity": {"value": 1.50, "unit": "mmHg"},
         "component": [
           {"code": {"coding": [{"code": "8480-6"}]}, "valueQuantity": {"value": 120}},
           {"code": {"coding": [{"code": "8462-4"}]}, "valueQuantity": {"value": 80}},
           {"code": {"coding": [{"code": "note"}]}, "valueString": "sitting"}]}
        """

    static let condition = """
        {"resourceType": "Condition", "id": "c1", "onsetAge": {"value": 52, "unit": "years"}}
        """

    func evaluate(_ expression: String, on json: String = patient, model: Bool = true) throws -> [FHIRPathValue] {
        let context = model ? try TestData.context() : FHIRPathContext()
        return try FHIRPathExpression(parsing: expression).evaluate(on: try JSONReader.parse(json), context: context)
    }

    /// The results as System values (elements converted), for easy comparison.
    func values(_ expression: String, on json: String = patient, model: Bool = true) throws -> [FHIRPathValue] {
        try evaluate(expression, on: json, model: model).map { $0.primitiveValue ?? $0 }
    }

    @Test func literalsAndArithmetic() throws {
        #expect(try values("1 + 2") == [.integer(3)])
        #expect(try values("5 - 7") == [.integer(-2)])
        #expect(try values("'a' + 'b' & {} & 'c'") == [.string("abc")])
        #expect(try values("{}").isEmpty)
        #expect(try values("-1.50") == [.decimal("-1.50")])
        #expect(try values("@2015-02-04T14:34") == [.dateTime("2015-02-04T14:34")])
        #expect(try values("@T14:34") == [.time("14:34")])
        #expect(try values("'it\\'s \\u00e9'") == [.string("it's é")])
    }

    @Test func navigationAndTypes() throws {
        let given = try evaluate("Patient.name.given")
        #expect(given.map { $0.primitiveValue } == [.string("Peter"), .string("James"), .string("Peter"), nil])
        #expect(given.allSatisfy { $0.node?.type == "string" })
        #expect(try evaluate("Patient.birthDate").first?.node?.type == "date")
        #expect(try evaluate("Patient.name").first?.node?.type == "HumanName")
        #expect(try evaluate("Observation.component", on: Self.observation).first?.node?.type == "BackboneElement")
        // Without a model only resources and choice variants are typed.
        #expect(try evaluate("Patient.birthDate", model: false).first?.node?.type == nil)
        #expect(try evaluate("Observation.value", on: Self.observation, model: false).first?.node?.type == "Quantity")
    }

    @Test func choiceTypes() throws {
        let value = try evaluate("Observation.value", on: Self.observation)
        #expect(value.count == 1)
        #expect(value.first?.node?.type == "Quantity")
        #expect(value.first?.node?.json["value"] == .number("1.50"))
        #expect(try values("Observation.component.value", on: Self.observation).count == 3)
        #expect(try evaluate("Observation.component.value", on: Self.observation).last?.node?.type == "string")
        #expect(try values("Observation.effective", on: Self.observation) == [.dateTime("2024-05-01T10:00:00Z")])
        #expect(try values("Patient.deceased") == [.boolean(false)])
        #expect(try values("Patient.multipleBirth") == [.integer(2)])
    }

    @Test func typeOperatorsAndFunctions() throws {
        let observation = Self.observation
        #expect(try values("Observation.value is Quantity", on: observation) == [.boolean(true)])
        #expect(try values("Observation.value.is(string)", on: observation) == [.boolean(false)])
        #expect(try evaluate("Observation.value as Quantity", on: observation).count == 1)
        #expect(try evaluate("Observation.value.as(Quantity)", on: observation).count == 1)
        #expect(try evaluate("Observation.value as CodeableConcept", on: observation).isEmpty)
        // `as` filters repeating elements instead of failing.
        #expect(try evaluate("(Observation.component.value as Quantity).value", on: observation).count == 2)
        #expect(try values("Observation.component.value.ofType(string)", on: observation) == [.string("sitting")])
        #expect(try values("Observation.component.value.ofType(FHIR.Quantity).count()", on: observation) == [.integer(2)])
        // Age is a Quantity; code is a string; every resource is a Resource.
        #expect(try values("Condition.onset is Quantity", on: Self.condition) == [.boolean(true)])
        #expect(try values("Condition.onset.as(Age).value", on: Self.condition) == [.decimal("52")])
        #expect(try values("Observation.status is string", on: observation) == [.boolean(true)])
        #expect(try values("Observation.status is code", on: observation) == [.boolean(true)])
        #expect(try values("Observation.status is uri", on: observation) == [.boolean(false)])
        #expect(try values("Observation.effective is DateTime", on: observation) == [.boolean(true)])
        #expect(try values("Observation is DomainResource", on: observation) == [.boolean(true)])
        #expect(try values("'x' is String") == [.boolean(true)])
        #expect(try values("'x' is string") == [.boolean(false)])
    }

    @Test func resourceTypeSelectsBranch() throws {
        #expect(try evaluate("Patient.name.family | Observation.code", on: Self.observation).count == 1)
        #expect(try values("Resource.id", on: Self.observation) == [.string("o1")])
        #expect(try values("DomainResource.id") == [.string("p1")])
        #expect(try evaluate("DomainResource.id", on: #"{"resourceType": "Bundle", "id": "b"}"#).isEmpty)
        #expect(try evaluate("Observation.code").isEmpty)
    }

    @Test func unionWhereAndExistence() throws {
        #expect(try values("Patient.name.given.where(hasValue()) | Patient.name.family")
            == [.string("Peter"), .string("James"), .string("Chalmers"), .string("Windsor")])
        #expect(try values("Patient.name.given.combine(Patient.name.family).count()") == [.integer(6)])
        #expect(try values("Patient.telecom.where(system = 'email').value") == [.string("p@example.org")])
        #expect(try values("Patient.name.where(use = 'maiden').exists()") == [.boolean(true)])
        #expect(try values("Patient.name.exists(use = 'nickname')") == [.boolean(false)])
        #expect(try values("Patient.photo.empty()") == [.boolean(true)])
        #expect(try values("Patient.name.all(family.exists())") == [.boolean(true)])
        #expect(try values("Patient.telecom.select(system).distinct().count()") == [.integer(2)])
        #expect(try values("Patient.name.given.isDistinct()") == [.boolean(false)])
        #expect(try values("Patient.deceased.exists() and Patient.deceased != false") == [.boolean(false)])
    }

    @Test func subsetting() throws {
        #expect(try values("Patient.name[1].family") == [.string("Windsor")])
        #expect(try values("Patient.name[5]").isEmpty)
        #expect(try values("Patient.name.first().given.last()") == [.string("James")])
        #expect(try values("Patient.name.tail().family") == [.string("Windsor")])
        #expect(try values("Patient.telecom.skip(1).take(1).system") == [.string("email")])
        #expect(throws: FHIRPathEvaluationError.self) { try values("Patient.name.single()") }
    }

    @Test func equalityAndOrdering() throws {
        #expect(try values("Patient.birthDate = @1974-12-25") == [.boolean(true)])
        #expect(try values("Patient.birthDate = @1974").isEmpty)  // different precision
        #expect(try values("Patient.birthDate < @2000-01-01T00:00:00Z") == [.boolean(true)])
        #expect(try values("Patient.birthDate > @1974").isEmpty)
        #expect(try values("Observation.value.value = 1.5", on: Self.observation) == [.boolean(true)])
        #expect(try values("1 = 1.0") == [.boolean(true)])
        #expect(try values("0.1 < 0.25 and 10 > 9.99 and -2 < -1.5") == [.boolean(true)])
        #expect(try values("'abc' < 'abd'") == [.boolean(true)])
        #expect(try values("'a' != 'b'") == [.boolean(true)])
        #expect(try values("'Hello  World' ~ 'hello world'") == [.boolean(true)])
        #expect(try values("Patient.name.family = 'Chalmers'") == [.boolean(false)])  // two items vs one
        #expect(try values("'Chalmers' in Patient.name.family") == [.boolean(true)])
        #expect(try values("Patient.name.family contains 'Jones'") == [.boolean(false)])
        #expect(try values("Patient.gender = 'male'").isEmpty)
        #expect(throws: FHIRPathEvaluationError.self) { try values("'a' < 1") }
    }

    @Test func threeValuedLogic() throws {
        #expect(try values("{} and false") == [.boolean(false)])
        #expect(try values("{} and true").isEmpty)
        #expect(try values("{} or true") == [.boolean(true)])
        #expect(try values("false implies {}") == [.boolean(true)])
        #expect(try values("true implies {}").isEmpty)
        #expect(try values("true xor false") == [.boolean(true)])
        #expect(try values("(1 = 2).not()") == [.boolean(true)])
        #expect(try values("iif(Patient.deceased, 'dead', 'alive')") == [.string("alive")])
    }

    @Test func resolveUsesReferenceType() throws {
        #expect(try values("Observation.subject.resolve() is Patient", on: Self.observation) == [.boolean(true)])
        #expect(try evaluate("Observation.subject.where(resolve() is Group)", on: Self.observation).isEmpty)
        let targets = try evaluate("Patient.generalPractitioner.resolve()")
        #expect(targets.map { $0.node?.type } == ["Practitioner", "Organization"])  // urn:uuid is unknown
        #expect(try values("Patient.generalPractitioner.resolve().name.family") == [.string("Careful")])  // contained
        #expect(try evaluate("Patient.generalPractitioner.where(resolve() is Organization)").count == 1)
    }

    @Test func primitiveExtensions() throws {
        let birthTime = "Patient.birthDate.extension('http://hl7.org/fhir/StructureDefinition/patient-birthTime').value"
        #expect(try values(birthTime) == [.dateTime("1974-12-25T14:35:45-05:00")])
        // Without a model the choice suffix still types it.
        #expect(try values(birthTime, model: false) == [.dateTime("1974-12-25T14:35:45-05:00")])
        #expect(try values("Patient.name[1].given.count()") == [.integer(2)])
        #expect(try values("Patient.name[1].given[1].hasValue()") == [.boolean(false)])
        #expect(try values("Patient.name[1].given.extension('http://example.org/note').value") == [.string("unknown")])
        #expect(try values("Patient.birthDate.hasValue()") == [.boolean(true)])
    }

    @Test func variablesAndStrings() throws {
        #expect(try values("Patient.name.where(family = %resource.name.first().family).use") == [.string("official")])
        #expect(try values("Patient.name.where($this.use = 'maiden').family") == [.string("Windsor")])
        #expect(try values("%context.id") == [.string("p1")])
        #expect(try values("%ucum") == [.string("http://unitsofmeasure.org")])
        #expect(try values("Patient.telecom[1].value.matches('^[a-z]+@')") == [.boolean(true)])
        #expect(try values("Patient.telecom[1].value.substring(2, 7).upper()") == [.string("EXAMPLE")])
        #expect(try values("Patient.name[0].family.startsWith('Chal') and Patient.id.length() = 2") == [.boolean(true)])
        #expect(try values("'a.b.c'.replaceMatches('\\\\..*', '')") == [.string("a")])
        #expect(try values("Patient.multipleBirth.toString() + '!'") == [.string("2!")])
        #expect(throws: FHIRPathEvaluationError.self) { try values("Patient.name.given.startsWith('P')") }
        #expect(throws: FHIRPathEvaluationError.self) { try values("%unknown") }
    }

    @Test func treeFunctions() throws {
        #expect(try values("Patient.telecom.children().count()") == [.integer(4)])
        let descendants = try evaluate("Patient.descendants()")
        #expect(descendants.contains { $0.primitiveValue == .string("unknown") })
        #expect(descendants.contains { $0.node?.type == "Practitioner" })
        #expect(try values("Patient.descendants().where($this is HumanName).count()") == [.integer(3)])
    }

    /// dom-3 of the R4 definitions: every contained resource is referenced from the container.
    @Test func containedResourceInvariant() throws {
        let dom3 = """
            contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) \
            | %resource.descendants().as(uri) | %resource.descendants().as(url))) \
            or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() \
            or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()
            """
        #expect(try values(dom3) == [.boolean(true)])
        let orphan = #"{"resourceType": "Patient", "contained": [{"resourceType": "Practitioner", "id": "x"}]}"#
        #expect(try values(dom3, on: orphan) == [.boolean(false)])
    }

    @Test func evaluatesOnAnElement() throws {
        let observation = try JSONReader.parse(Self.observation)
        let context = FHIRPathContext(model: try TestData.model.get(), resource: observation)
        let components = try FHIRPathExpression(parsing: "Observation.component").evaluate(on: observation, context: context)
        let code = try FHIRPathExpression(parsing: "code.coding.code")
        let id = try FHIRPathExpression(parsing: "%resource.id")
        #expect(try components.map { try code.evaluate(on: $0, context: context).first?.primitiveValue }
            == [.string("8480-6"), .string("8462-4"), .string("note")])
        #expect(try id.evaluate(on: components[0], context: context).first?.primitiveValue == .string("o1"))
    }
}
