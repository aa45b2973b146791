import FHIRCore
import FHIRPath
import Foundation
import Testing

/// The R4 SearchParameter expressions, parsed and evaluated on the official examples.
@Suite struct SearchParameterTests {
    @Test func parsesEveryExpression() throws {
        let parameters = try TestData.searchParameters.get()
        #expect(parameters.count == 1375)
        var failures: [String] = []
        for parameter in parameters {
            guard let expression = parameter.expression else { continue }
            do {
                _ = try FHIRPathExpression(parsing: expression)
            } catch {
                failures.append("\(parameter.id): \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        // `_text`, `_content` and `_query` have no expression.
        #expect(parameters.filter { $0.expression == nil }.map(\.id) == ["DomainResource-text", "Resource-content", "Resource-query"])
    }

    @Test func evaluatesOnEveryExample() throws {
        let parameters = try TestData.searchParameters.get().compactMap { parameter in
            parameter.expression.map { (parameter, try? FHIRPathExpression(parsing: $0)) }
        }
        let context = try TestData.context()
        #expect(TestData.exampleFileNames.count == 117)
        var evaluations = 0, nonEmpty = 0, untyped: [String] = [], failures: [String] = []
        for fileName in TestData.exampleFileNames {
            let resource = try TestData.example(fileName)
            let type = try #require(resource["resourceType"]?.stringValue)
            for (parameter, expression) in parameters where TestData.parameter(parameter, appliesTo: type) {
                let expression = try #require(expression)
                evaluations += 1
                do {
                    let values = try expression.evaluate(on: resource, context: context)
                    if !values.isEmpty { nonEmpty += 1 }
                    if values.contains(where: { $0.node.map { $0.type == nil } ?? false }) {
                        untyped.append("\(parameter.id) on \(fileName)")
                    }
                } catch {
                    failures.append("\(parameter.id) on \(fileName): \(error)")
                }
            }
        }
        print("search parameters on 117 examples: \(evaluations) evaluations, \(nonEmpty) non-empty")
        #expect(failures.isEmpty, "\(failures)")
        #expect(untyped.isEmpty, "\(untyped)")
        #expect(nonEmpty > 1000)
    }

    @Test func observationCode() throws {
        let values = try TestData.evaluate(parameter: "clinical-code", on: "observation-example.json")
        let concept = try #require(values.first?.node)
        #expect(values.count == 1)
        #expect(concept.type == "CodeableConcept")
        let codings = concept.json["coding"]?.arrayValue ?? []
        #expect(codings.contains { $0["system"] == "http://loinc.org" && $0["code"] == "29463-7" })
    }

    @Test func patientBirthDateFamilyAndBirthTime() throws {
        let birthDate = try TestData.evaluate(parameter: "individual-birthdate", on: "patient-example.json")
        #expect(birthDate.map(\.primitiveValue) == [.date("1974-12-25")])
        #expect(birthDate.first?.node?.type == "date")
        let family = try TestData.evaluate(parameter: "individual-family", on: "patient-example.json")
        #expect(family.map(\.primitiveValue) == [.string("Chalmers"), .string("Windsor")])
        let birthTime = try FHIRPathExpression(parsing: """
            Patient.birthDate.extension('http://hl7.org/fhir/StructureDefinition/patient-birthTime').value
            """).evaluate(on: try TestData.example("patient-example.json"), context: try TestData.context())
        #expect(birthTime.map(\.primitiveValue) == [.dateTime("1974-12-25T14:35:45-05:00")])
    }

    @Test func observationSubjectAndPatient() throws {
        let subject = try TestData.evaluate(parameter: "Observation-subject", on: "observation-example.json")
        #expect(subject.map { $0.node?.json } == [["reference": "Patient/example"]])
        #expect(subject.first?.node?.type == "Reference")
        // `#newborn` resolves to the contained Patient.
        let patient = try TestData.evaluate(parameter: "clinical-patient", on: "observation-example-1minute-apgar-score.json")
        #expect(patient.map { $0.node?.json } == [["reference": "#newborn"]])
    }

    /// `clinical-patient` is a union over 31 resource types; only the Observation branch applies.
    @Test func unionTakesTheResourceTypeBranch() throws {
        let expression = try TestData.searchParameter("clinical-patient").expression ?? ""
        #expect(expression.hasPrefix("AllergyIntolerance.patient | CarePlan.subject.where(resolve() is Patient) |"))
        let values = try TestData.evaluate(parameter: "clinical-patient", on: "observation-example.json")
        #expect(values.map { $0.node?.json } == [["reference": "Patient/example"]])
        let onDevice = try TestData.evaluate(parameter: "clinical-patient", on: "device-example.json")
        #expect(onDevice.isEmpty)
    }

    @Test func valueQuantity() throws {
        let values = try TestData.evaluate(parameter: "Observation-value-quantity", on: "observation-example.json")
        let quantity = try #require(values.first?.node)
        #expect(values.count == 1)
        #expect(quantity.type == "Quantity")
        #expect(quantity.json["value"] == .number("185"))
        #expect(quantity.json["unit"] == "lbs")
        let direct = try FHIRPathExpression(parsing: "Observation.value as Quantity")
            .evaluate(on: try TestData.example("observation-example.json"), context: try TestData.context())
        #expect(direct == values)
    }

    @Test func componentCode() throws {
        let values = try TestData.evaluate(parameter: "Observation-component-code", on: "observation-example-bloodpressure.json")
        let codings = values.flatMap { $0.node?.json["coding"]?.arrayValue ?? [] }
        #expect(values.allSatisfy { $0.node?.type == "CodeableConcept" })
        #expect(codings.filter { $0["system"] == "http://loinc.org" }.compactMap { $0["code"]?.stringValue } == ["8480-6", "8462-4"])
        let combo = try TestData.evaluate(parameter: "Observation-component-value-quantity", on: "observation-example-bloodpressure.json")
        #expect(combo.map { $0.node?.json["value"] } == [.number("107"), .number("60")])
    }

    @Test func extensionByURL() throws {
        let species = try FHIRPathExpression(parsing: """
            Patient.extension('http://hl7.org/fhir/StructureDefinition/patient-animal').extension('species').value.coding.code
            """).evaluate(on: try TestData.example("patient-example-animal.json"), context: try TestData.context())
        #expect(species.map(\.primitiveValue) == [.string("canislf")])
    }

    @Test func bundleAndResourceParameters() throws {
        let composition = try TestData.evaluate(parameter: "Bundle-composition", on: "document-example-dischargesummary.json")
        #expect(composition.map { $0.node?.type } == ["Composition"])
        let lastUpdated = try TestData.evaluate(parameter: "Resource-lastUpdated", on: "bundle-example.json")
        #expect(lastUpdated.map { $0.node?.type } == ["instant"])
        let deceased = try TestData.evaluate(parameter: "Patient-deceased", on: "patient-example.json")
        #expect(deceased.map(\.primitiveValue) == [.boolean(false)])
    }

    /// Evaluation speed (printed, not asserted): every Observation parameter on one Observation.
    @Test func observationParameterTiming() throws {
        let expressions = try TestData.searchParameters.get()
            .filter { TestData.parameter($0, appliesTo: "Observation") }
            .compactMap { try $0.expression.map { try FHIRPathExpression(parsing: $0) } }
        let observation = try TestData.example("observation-example-bloodpressure.json")
        let context = try TestData.context()
        let rounds = 200
        var results = 0
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<rounds {
                for expression in expressions { results += try expression.evaluate(on: observation, context: context).count }
            }
        }
        let perRound = elapsed / rounds
        print("\(expressions.count) Observation search parameters on one Observation: \(perRound) per resource (\(results / rounds) values)")
        #expect(results > 0)
    }
}
