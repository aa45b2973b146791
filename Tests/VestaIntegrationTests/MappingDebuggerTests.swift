import FHIRCore
import Foundation
import Testing

/// `POST /mappings/debug` with the ready mappings of mappings/.
@Suite struct MappingDebuggerTests {
    private func file(_ path: String) throws -> JSONValue {
        try JSONReader.parse(Array(try Data(contentsOf: ProjectPaths.root.appendingPathComponent(path))))
    }

    @Test func readyMappingNormalizesItsSampleMessages() async throws {
        let client = try await FHIRTestClient.make()
        let body: JSONValue = [
            "deviceMapping": try file("mappings/vesta-bench-vitals/devicecontent.json"),
            "messages": [try file("mappings/vesta-bench-vitals/messages/heart-rate.json"),
                         try file("mappings/vesta-bench-vitals/messages/temperature.json")],
        ]
        let response = try await client.send(.post, "/mappings/debug", json: body)
        #expect(response.status == .ok)
        let results = response.object["results"]?.arrayValue ?? []
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0["status"] == "normalized" })
        let expected = try file("mappings/vesta-bench-vitals/expected/heart-rate.json")
        #expect(results.first?["measurements"] == expected, "debugger output differs from mappings/…/expected/heart-rate.json")
    }

    @Test func fhirMappingTurnsMeasurementsIntoObservations() async throws {
        let client = try await FHIRTestClient.make()
        let messages = try FileManager.default.contentsOfDirectory(
            atPath: ProjectPaths.root.appendingPathComponent("mappings/json-path-basic/messages").path).sorted()
        let message = try #require(messages.first)
        let body: JSONValue = [
            "deviceMapping": try file("mappings/json-path-basic/devicecontent.json"),
            "fhirMapping": try file("mappings/json-path-basic/fhirmapping.json"),
            "message": try file("mappings/json-path-basic/messages/\(message)"),
        ]
        let response = try await client.send(.post, "/mappings/debug", json: body)
        #expect(response.status == .ok)
        #expect(response.object["fhirMappingErrors"] == nil)
        let observations = response.object["results"]?[0]?["observations"]?.arrayValue ?? []
        #expect(!observations.isEmpty)
        #expect(observations.allSatisfy { $0["resourceType"] == "Observation" && $0["device"] != nil })

        let broken = try await client.send(.post, "/mappings/debug", json: [
            "deviceMapping": try file("mappings/json-path-basic/devicecontent.json"),
            "fhirMapping": ["templateType": "CollectionFhir", "template": [["templateType": "Nope", "template": [:]]]],
            "message": try file("mappings/json-path-basic/messages/\(message)"),
        ])
        let errors = broken.object["fhirMappingErrors"]?.arrayValue ?? []
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { $0["line"]?.numberLexeme != nil })
    }

    @Test func invalidMappingReportsEveryErrorWithItsPosition() async throws {
        let client = try await FHIRTestClient.make()
        let mapping: JSONValue = ["templateType": "CollectionContent", "template": [
            ["templateType": "CalculatedContent", "template": ["typeName": "x", "typeMatchExpression": "$..[?(",
                                                               "timestampExpression": "$.t"]],
        ]]
        let response = try await client.send(.post, "/mappings/debug", json: ["deviceMapping": mapping, "message": ["a": 1]])
        #expect(response.status == .ok)
        let result = response.object["results"]?[0]
        #expect(result?["status"] == "invalidMapping")
        let errors = result?["templateErrors"]?.arrayValue ?? []
        #expect(errors.count >= 2, "a bad expression and the missing deviceIdExpression")
        #expect(errors.allSatisfy { $0["line"]?.numberLexeme != nil && $0["column"]?.numberLexeme != nil })
    }

    @Test func missingPartsAre400() async throws {
        let client = try await FHIRTestClient.make()
        #expect(try await client.send(.post, "/mappings/debug", json: ["messages": []]).status == .badRequest)
        #expect(try await client.send(.post, "/mappings/debug", json: ["deviceMapping": [:]]).status == .badRequest)
    }
}
