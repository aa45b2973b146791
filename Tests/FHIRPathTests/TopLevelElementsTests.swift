import FHIRPath
import Testing

/// `FHIRPathExpression.topLevelElements(readFrom:)`: which top-level elements an expression reads.
@Suite struct TopLevelElementsTests {
    private func elements(_ text: String, on type: String) throws -> Set<String>? {
        try FHIRPathExpression(parsing: text).topLevelElements(readFrom: type)
    }

    @Test func typeFilters() throws {
        #expect(try elements("Patient.name", on: "Patient") == ["name"])
        #expect(try elements("Patient.name", on: "Practitioner") == [])
        #expect(try elements("Resource.meta.lastUpdated", on: "Bundle") == ["meta"])
        #expect(try elements("Resource.meta.lastUpdated", on: "Observation") == ["meta"])
        #expect(try elements("DomainResource.text", on: "Observation") == ["text"])
        // Bundle, Binary and Parameters are not DomainResources.
        #expect(try elements("DomainResource.text", on: "Bundle") == [])
        #expect(try elements("AllergyIntolerance.patient | CarePlan.subject", on: "CarePlan") == ["subject"])
        #expect(try elements("AllergyIntolerance.patient | CarePlan.subject", on: "Observation") == [])
        // A lower-case name starting a path reads that element of the resource.
        #expect(try elements("name.given", on: "Patient") == ["name"])
        #expect(try elements("id", on: "Patient") == ["id"])
    }

    @Test func choiceElementsAndTypeOperators() throws {
        for text in ["Observation.value as Quantity", "(Observation.value as Quantity)", "Observation.value.as(Quantity)",
                     "Observation.value.ofType(Quantity).value", "Observation.value is Quantity"] {
            #expect(try elements(text, on: "Observation") == ["value"], "\(text)")
        }
        // Named directly, a choice variant is reported as written.
        #expect(try elements("Observation.valueQuantity", on: "Observation") == ["valueQuantity"])
        // On the resource, `ofType` and `as` are type filters.
        #expect(try elements("Observation.ofType(Patient).name", on: "Observation") == [])
        #expect(try elements("(%resource as Patient).name", on: "Patient") == ["name"])
    }

    @Test func unionsAndOperators() throws {
        #expect(try elements("Observation.code | Observation.component.code", on: "Observation") == ["code", "component"])
        #expect(try elements("Patient.deceased.exists() and Patient.deceased != false", on: "Patient") == ["deceased"])
        #expect(try elements("Patient.name.union(Patient.address)", on: "Patient") == ["name", "address"])
        #expect(try elements("iif(Patient.active, Patient.name, Patient.telecom)", on: "Patient") == ["active", "name", "telecom"])
        #expect(try elements("Patient.birthDate.toString().length() > 4", on: "Patient") == ["birthDate"])
        #expect(try elements("Patient.name[Patient.link.count() - 1]", on: "Patient") == ["name", "link"])
    }

    @Test func functionArguments() throws {
        #expect(try elements("Patient.extension.where(url = 'x').value", on: "Patient") == ["extension"])
        #expect(try elements("Patient.extension('x').value", on: "Patient") == ["extension"])
        #expect(try elements("Patient.name.where($this.given.exists()).family", on: "Patient") == ["name"])
        #expect(try elements("Patient.name.select(family | %resource.gender)", on: "Patient") == ["name", "gender"])
        #expect(try elements("Patient.name.where(%resource.identifier.exists())", on: "Patient") == ["name", "identifier"])
        #expect(try elements("Patient.link.all(other.exists())", on: "Patient") == ["link"])
        // `where` without a receiver filters the resource; `$this` is the resource.
        #expect(try elements("where(active).name", on: "Patient") == ["active", "name"])
    }

    @Test func resolve() throws {
        // `#id` references resolve into `contained`.
        #expect(try elements("Observation.subject.where(resolve() is Patient)", on: "Observation") == ["subject", "contained"])
        // `#` is the resource itself, so the result may be the whole resource.
        #expect(try elements("Observation.subject.resolve()", on: "Observation") == nil)
        #expect(try elements("Observation.subject.resolve().ofType(Patient).name", on: "Observation") == ["subject", "contained"])
        #expect(try elements("Observation.subject.where(resolve() is Patient)", on: "Patient") == [])
    }

    @Test func constants() throws {
        #expect(try elements("%resource.name", on: "Patient") == ["name"])
        #expect(try elements("%rootResource.name | %context.gender", on: "Patient") == ["name", "gender"])
        #expect(try elements("'a' | %ucum | {}", on: "Patient") == [])
    }

    @Test func unbounded() throws {
        #expect(try elements("descendants()", on: "Patient") == nil)
        #expect(try elements("Patient.children().where(url = 'x')", on: "Patient") == nil)
        #expect(try elements("%resource.descendants()", on: "Patient") == nil)
        // Below a top-level element they stay inside it.
        #expect(try elements("Patient.contact.descendants().ofType(Reference)", on: "Patient") == ["contact"])
        #expect(try elements("Patient.name.children()", on: "Patient") == ["name"])
        // The results are read in full: the resource itself cannot be bounded...
        #expect(try elements("Observation", on: "Observation") == nil)
        #expect(try elements("Observation", on: "Patient") == [])
    }

    @Test func components() throws {
        let code = try FHIRPathExpression(parsing: "code")
        let value = try FHIRPathExpression(parsing: "value.as(Quantity)")
        let combo = try FHIRPathExpression(parsing: "Observation | Observation.component")
        // ... unless it is only the input of further expressions, as composite components are.
        #expect(combo.topLevelElements(readFrom: "Observation", thenEvaluating: [code, value]) == ["code", "value", "component"])
        #expect(combo.topLevelElements(readFrom: "Patient", thenEvaluating: [code, value]) == [])
        let window = try FHIRPathExpression(parsing: "MolecularSequence.variant")
        let chromosome = try FHIRPathExpression(parsing: "%resource.referenceSeq.chromosome")
        #expect(window.topLevelElements(readFrom: "MolecularSequence", thenEvaluating: [chromosome]) == ["variant", "referenceSeq"])
        let children = try FHIRPathExpression(parsing: "children()")
        #expect(combo.topLevelElements(readFrom: "Observation", thenEvaluating: [children]) == nil)
        #expect(window.topLevelElements(readFrom: "MolecularSequence", thenEvaluating: [children]) == ["variant"])
    }
}
