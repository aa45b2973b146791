import FHIRCore
import FHIRPath
import FHIRSearch
import Foundation
import Testing

/// The indexer over all 117 official examples.
@Suite struct ExampleIndexTests {
    @Test func indexesEveryExample() throws {
        let indexer = try TestData.indexer()
        #expect(TestData.exampleFileNames.count == 117)
        var total = 0
        var kinds: [String: Int] = [:]
        var parameters = Set<String>()
        for fileName in TestData.exampleFileNames {
            let resource = try TestData.example(fileName)
            let entries = try indexer.indexValues(for: resource)
            #expect(Set(entries).count == entries.count, "\(fileName) repeats an entry")
            total += entries.count
            for entry in entries {
                kinds[Self.kind(entry.value), default: 0] += 1
                parameters.insert("\(resource["resourceType"]?.stringValue ?? "?").\(entry.parameterCode)")
            }
        }
        let summary = kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("117 examples: \(total) entries over \(parameters.count) type.parameter pairs (\(summary))")
        #expect(total > 2000)
    }

    /// Parameters whose expression selects something on an example yet give no entry. The
    /// only gaps allowed: References with neither `reference` nor `identifier` (display only),
    /// SampledData (no quantity search on it), and resources embedded without an id (the
    /// first entry of a transaction Bundle). Composites are left out: an Observation without
    /// a value has no code–value pairs.
    @Test func unreadSelections() throws {
        let indexer = try TestData.indexer()
        let registry = try TestData.registry.get()
        let context = FHIRPathContext(model: try TestData.model.get())
        var gaps: Set<String> = [], unexpected: Set<String> = []
        for fileName in TestData.exampleFileNames {
            let resource = try TestData.example(fileName)
            let type = try #require(resource["resourceType"]?.stringValue)
            let indexed = Set(try indexer.indexValues(for: resource).map(\.parameterCode))
            for parameter in registry.parameters(for: type) where !indexed.contains(parameter.code) && parameter.type != .composite {
                guard let expression = parameter.expression else { continue }
                for item in try expression.evaluate(on: resource, context: context) where item.node?.json != .null {
                    let description = "\(parameter.type.rawValue) \(type).\(parameter.code) on \(item.node?.type ?? "System")"
                    if Self.isExpectedGap(item) { gaps.insert(description) } else { unexpected.insert("\(description) in \(fileName)") }
                }
            }
        }
        print("selected but not indexed (expected): \(gaps.sorted())")
        #expect(unexpected.isEmpty, "\(unexpected.sorted())")
    }

    static func isExpectedGap(_ item: FHIRPathValue) -> Bool {
        guard let node = item.node else { return false }
        switch node.type {
        case "Reference": return node.json["reference"] == nil && node.json["identifier"] == nil
        case "SampledData": return true
        default: return node.json["resourceType"] != nil && node.json["id"] == nil
        }
    }

    /// Indexing speed (printed, not asserted): every Observation parameter on one Observation,
    /// the best of 20 batches so that other load on the machine counts less.
    @Test(arguments: ["observation-example.json", "observation-example-bloodpressure.json"])
    func observationTiming(fileName: String) throws {
        let indexer = try TestData.indexer()
        let observation = try TestData.example(fileName)
        let rounds = 25
        var entries = 0
        var best = Duration.seconds(1000)
        for _ in 0..<20 {
            let elapsed = try ContinuousClock().measure {
                for _ in 0..<rounds { entries = try indexer.indexValues(for: observation).count }
            }
            best = min(best, elapsed / rounds)
        }
        let microseconds = Double(best.components.attoseconds) / 1e12 + Double(best.components.seconds) * 1e6
        let parameters = try TestData.registry.get().parameters(for: "Observation").count
        print("indexing \(parameters) Observation parameters on \(fileName): \(Int(microseconds)) µs, \(entries) entries")
        #expect(entries > 0)
    }

    static func kind(_ value: SearchValue) -> String {
        switch value {
        case .token: "token"
        case .text: "text"
        case .identifierOfType: "of-type"
        case .string: "string"
        case .date: "date"
        case .number: "number"
        case .quantity: "quantity"
        case .reference: "reference"
        case .uri: "uri"
        case .composite: "composite"
        }
    }
}
