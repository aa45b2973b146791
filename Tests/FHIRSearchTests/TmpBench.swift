import FHIRCore
import FHIRPath
import FHIRSearch
import Foundation
import Testing

@Suite struct TmpBench {
    @Test func profileIndex() throws {
        let indexer = try TestData.indexer()
        let observation = try TestData.example("observation-example-bloodpressure.json")
        var n = 0
        for _ in 0..<20000 { n += try indexer.indexValues(for: observation).count }
        #expect(n > 0)
    }

    @Test func breakdown() throws {
        let registry = try TestData.registry.get()
        let observation = try TestData.example("observation-example-bloodpressure.json")
        let context = FHIRPathContext(model: try TestData.model.get(), resource: observation)
        let params = registry.parameters(for: "Observation").filter { $0.expression != nil && $0.type != .special }
        let rounds = 300
        var perParam: [(String, Duration)] = []
        let clock = ContinuousClock()
        for p in params {
            guard let e = p.expression else { continue }
            let d = try clock.measure { for _ in 0..<rounds { _ = try e.evaluate(on: observation, context: context) } }
            perParam.append((p.code, d / rounds))
        }
        var pruned = Duration.zero
        for p in params {
            guard let e = p.expression else { continue }
            let branches = e.text.components(separatedBy: " | ").filter { !$0.hasPrefix("(") || $0.contains("Observation") }.filter { $0.contains("Observation") || !$0.first!.isUppercase }
            let text = branches.isEmpty ? e.text : branches.joined(separator: " | ")
            let x = try FHIRPathExpression(parsing: text)
            pruned += try clock.measure { for _ in 0..<rounds { _ = try x.evaluate(on: observation, context: context) } } / rounds
        }
        print("pruned total \(pruned)")
        let total = perParam.reduce(Duration.zero) { $0 + $1.1 }
        print("eval total \(total)")
        for (c, d) in perParam.sorted(by: { $0.1 > $1.1 }).prefix(15) { print("  \(c) \(d)") }
    }
}
